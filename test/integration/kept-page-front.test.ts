import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createExpert, createField } from '../support/experts.js';
import { createUser, type UserOptions } from '../support/factories.js';
import { httpRequest, recordingRequests, sessionCookieOf, tokenIn, withoutDate, type Answer } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

// The directory and profile pages, kept in memory, are answered before the request reaches
// Fastify: an anonymous visitor's (decision 022) and a signed-in visitor's, with their own header
// (decision 023). What a visitor would notice if that went wrong: other headers or other bytes
// than the portal otherwise sends, someone else's CSRF token or header, a page in the wrong
// language, an expert's own profile without its edit link, a session that has ended still
// honoured, a flash message lost, or a stale page. These tests talk HTTP to a listening server,
// as browsers do: `inject` bypasses it.

let t: TestApp;
let port: number;
/** Requests that reached Fastify (its first hook saw them). */
let reachedFastify: string[];

beforeEach(async () => {
  reachedFastify = [];
  t = await createTestApp({ env: { PUBLIC_PAGE_CACHE_SECONDS: '5' }, extraRoutes: recordingRequests(() => reachedFastify) });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});

afterEach(async () => {
  await t.close();
});

const request = (method: string, path: string, cookie?: string, form?: Record<string, string>) => httpRequest(port, method, path, cookie, form);
const get = (path: string, cookie?: string) => request('GET', path, cookie);
/** The status of a form sent as a browser sends it. */
const post = async (path: string, cookie: string, form: Record<string, string>) => (await request('POST', path, cookie, form)).status;

/** The browser cookie a first visit sets, as the next request sends it back. */
function browserCookie(answer: Answer): string {
  const cookie = answer.headers.find(([name, value]) => name === 'set-cookie' && value.startsWith('konsult_csrf='))?.[1];
  if (!cookie) throw new Error('no browser cookie was set');
  return cookie.split(';')[0]!;
}

/** A signed-in visitor's session cookie, as their browser sends it. */
async function sessionOf(options: UserOptions = {}): Promise<{ cookie: string; userId: number }> {
  const user = await createUser(t, options);
  return { cookie: await sessionCookieOf(t, user), userId: user.id };
}

async function listedExpert() {
  const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
  return createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });
}

describe('the front door for kept pages', () => {
  it("answers a returning anonymous visitor's kept page without Fastify, with the very headers and bytes Fastify sends", async () => {
    const expert = await listedExpert();
    for (const path of ['/experts', `/experts/${expert.id}`, '/experts?q=Mari']) {
      const first = await get(path);
      expect(first.status, path).toBe(200);
      const cookie = browserCookie(first);

      reachedFastify = [];
      const fromMemory = await get(path, cookie);
      expect(reachedFastify, path).toEqual([]);

      // Once the kept copy is stale, Fastify draws the page again for the same visitor.
      t.clock.advance(5_001);
      const drawn = await get(path, cookie);
      expect(reachedFastify, path).toEqual([`GET ${path}`]);

      expect(fromMemory.status, path).toBe(200);
      expect(fromMemory.body, path).toContain('Mari Maasikas');
      expect(fromMemory.body, path).toBe(drawn.body);
      expect(withoutDate(fromMemory), path).toEqual(withoutDate(drawn));
      expect(fromMemory.headers.map(([name]) => name)).toContain('content-security-policy');
    }
  });

  it("puts each visitor's own CSRF token in, one their language switch accepts", async () => {
    await listedExpert();
    const first = browserCookie(await get('/experts'));
    const second = browserCookie(await get('/experts'));
    reachedFastify = [];
    const firstPage = await get('/experts', first);
    const secondPage = await get('/experts', second);
    expect(reachedFastify).toEqual([]);
    const firstToken = tokenIn(firstPage.body);
    expect(firstToken).toBeDefined();
    expect(firstToken).not.toBe(tokenIn(secondPage.body));
    expect(firstPage.body.replace(firstToken!, '')).toBe(secondPage.body.replace(tokenIn(secondPage.body)!, ''));

    const switchWith = (cookie: string, token: string) => post('/language', cookie, { lang: 'en', returnTo: '/experts', _csrf: token });
    expect(await switchWith(first, firstToken!)).toBe(303);
    // The token on someone else's copy is refused.
    expect(await switchWith(second, firstToken!)).toBe(403);
  });

  it("answers a signed-in visitor's kept page with their own header, the very headers and bytes Fastify sends them", async () => {
    const expert = await listedExpert();
    const estonian = await sessionOf({ name: 'Kalle Klient' });
    const english = await sessionOf({ locale: 'en' });
    for (const path of ['/experts', `/experts/${expert.id}`, '/experts?q=Mari']) {
      for (const visitor of [estonian, english]) {
        await get(path, visitor.cookie);
        reachedFastify = [];
        const fromMemory = await get(path, visitor.cookie);
        expect(reachedFastify, path).toEqual([]);
        t.clock.advance(5_001);
        const drawn = await get(path, visitor.cookie);
        expect(reachedFastify, path).toEqual([`GET ${path}`]);

        expect(fromMemory.status, path).toBe(200);
        expect(fromMemory.body, path).toContain('action="/logout"');
        expect(fromMemory.body, path).toBe(drawn.body);
        expect(withoutDate(fromMemory), path).toEqual(withoutDate(drawn));
      }
    }
    // Each in their own language, with their own token, and their mailbox count.
    const [et, en] = [await get('/experts', estonian.cookie), await get('/experts', english.cookie)];
    expect(et.body).toContain('lang="et"');
    expect(en.body).toContain('lang="en"');
    expect(tokenIn(et.body)).not.toBe(tokenIn(en.body));
    expect(en.body).toContain('data-unread-count="0"');
  });

  it("gives an expert their own profile, with its edit link, and others the kept one without", async () => {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const expert = await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });
    const expertCookie = await sessionCookieOf(t, expert);
    const admin = await sessionOf({ roles: ['admin'] });
    const customer = await sessionOf();
    const path = `/experts/${expert.id}`;
    const editLink = `href="/experts/${expert.id}/edit"`;

    await get(path, customer.cookie);
    reachedFastify = [];
    const customersCopy = await get(path, customer.cookie);
    const expertsCopy = await get(path, expertCookie);
    const adminsCopy = await get(path, admin.cookie);
    expect(reachedFastify).toEqual([`GET ${path}`, `GET ${path}`]);
    expect(customersCopy.body).not.toContain(editLink);
    expect(expertsCopy.body).toContain(editLink);
    expect(adminsCopy.body).toContain(editLink);
  });

  it('honours no session that has ended: signed out, or its user blocked', async () => {
    await listedExpert();
    const signedOut = await sessionOf();
    const blocked = await sessionOf();
    for (const visitor of [signedOut, blocked]) await get('/experts', visitor.cookie);
    await t.deps.db.deleteFrom('sessions').where('user_id', '=', signedOut.userId).execute();
    await t.deps.db.updateTable('users').set({ blocked_at: t.clock.now().toISOString() }).where('id', '=', blocked.userId).execute();

    reachedFastify = [];
    for (const visitor of [signedOut, blocked]) {
      const answer = await get('/experts', visitor.cookie);
      expect(answer.body).not.toContain('action="/logout"');
      expect(answer.headers.some(([name, value]) => name === 'set-cookie' && value.startsWith('konsult_sid=;'))).toBe(true);
    }
    expect(reachedFastify).toEqual(['GET /experts', 'GET /experts']);
  });

  it("takes a signed-in visitor's token from the kept copy for their next form, and refuses it to anyone else", async () => {
    await listedExpert();
    const first = await sessionOf();
    const second = await sessionOf();
    await get('/experts', first.cookie);
    reachedFastify = [];
    const token = tokenIn((await get('/experts', first.cookie)).body)!;
    expect(reachedFastify).toEqual([]);
    const signOut = (cookie: string) => post('/logout', cookie, { _csrf: token });
    expect(await signOut(second.cookie)).toBe(403);
    expect((await get('/experts', second.cookie)).body).toContain('action="/logout"');
    expect(await signOut(first.cookie)).toBe(303);
    expect((await get('/experts', first.cookie)).body).not.toContain('action="/logout"');
  });

  it('keeps the languages apart: a visitor who chose English gets the English copy', async () => {
    await listedExpert();
    const cookie = browserCookie(await get('/experts'));
    const english = `${cookie}; konsult_lang=en`;
    const drawn = await get('/experts', english);
    expect(drawn.body).toContain('lang="en"');
    expect(drawn.body).toContain('Family law');
    reachedFastify = [];
    const fromMemory = await get('/experts', english);
    expect(reachedFastify).toEqual([]);
    expect(fromMemory.body).toBe(drawn.body);
    const estonian = await get('/experts', cookie);
    expect(estonian.body).toContain('lang="et"');
    expect(estonian.body).toContain('Perekonnaõigus');
  });

  it('leaves to Fastify every request that needs more than a kept copy', async () => {
    const expert = await listedExpert();
    const cookie = browserCookie(await get('/experts'));
    await get(`/experts/${expert.id}`, cookie);
    const session = await sessionCookieOf(t, await createUser(t));

    reachedFastify = [];
    // A signed-in visitor whose message is waiting: shown once, with their own header.
    const signedInFlash = await get('/experts', `${session}; konsult_flash=auth.loggedIn`);
    expect(signedInFlash.body).toContain('role="status"');
    expect(signedInFlash.body).toContain('action="/logout"');
    // A first visit, without the browser cookie its token is bound to: Fastify sets one.
    expect(browserCookie(await get('/experts'))).toMatch(/^konsult_csrf=/);
    // An ended session is told so.
    await get('/experts', `${cookie}; konsult_sid=ended-session-ended-session`);
    // A flash message is shown once and cleared.
    const flashed = await get('/experts', `${cookie}; konsult_flash=auth.loggedOut`);
    expect(flashed.body).toContain('role="status"');
    expect(flashed.headers.some(([name, value]) => name === 'set-cookie' && value.startsWith('konsult_flash=;'))).toBe(true);
    // Other methods, and pages that are not kept.
    expect((await request('HEAD', '/experts', cookie)).status).toBe(200);
    expect((await get('/', cookie)).status).toBe(200);
    expect((await get('/experts?q=nobody', cookie)).status).toBe(200);
    expect(reachedFastify).toEqual([
      'GET /experts',
      'GET /experts',
      'GET /experts',
      'GET /experts',
      'HEAD /experts',
      'GET /',
      'GET /experts?q=nobody',
    ]);

    // The kept copies are still answered from memory.
    reachedFastify = [];
    await get('/experts', cookie);
    await get(`/experts/${expert.id}`, cookie);
    expect(reachedFastify).toEqual([]);
  });

  it('takes hostile cookie headers in its stride: the kept page or Fastify, never an error', async () => {
    await listedExpert();
    const cookie = browserCookie(await get('/experts'));
    const hostile = [
      `${cookie}; konsult_lang=%E0%A4%A`,
      `konsult_csrf=%E0%A4%A; ${cookie}`,
      `${cookie}; __proto__=x; constructor=y; konsult_lang=__proto__`,
      `${cookie}; konsult_lang=${'e'.repeat(4_000)}`,
      `${cookie.replace('=', '=<script>')}`,
      `${cookie};;;; =; ;=;konsult_sid`,
      'konsult_csrf; konsult_lang',
    ];
    for (const header of hostile) {
      const answer = await get('/experts', header);
      expect(answer.status, header).toBe(200);
      expect(answer.body, header).toContain('Mari Maasikas');
      expect(answer.body, header).not.toContain('<script>');
    }
    expect((await get('/experts', cookie)).status).toBe(200);
  });

  it('never answers from memory when copies are not kept (PUBLIC_PAGE_CACHE_SECONDS=0)', async () => {
    await t.close();
    t = await createTestApp({ extraRoutes: recordingRequests(() => reachedFastify) });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    await listedExpert();
    const cookie = browserCookie(await get('/experts'));
    reachedFastify = [];
    expect((await get('/experts', cookie)).body).toContain('Mari Maasikas');
    expect(reachedFastify).toEqual(['GET /experts']);
  });

  it('keeps the server Fastify would make: its keep-alive timeout', () => {
    expect(t.app.server.keepAliveTimeout).toBe(72_000);
  });
});
