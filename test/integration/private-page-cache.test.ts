import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { postMessage, startConversation } from '../../src/use-cases/conversations.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser } from '../support/factories.js';
import { httpRequest, recordingRequests, sessionCookieOf, tokenIn, withoutDate, type Answer } from '../support/http.js';
import { actorOf, createInquiryAs, makeOfferAs } from '../support/inquiries.js';
import { unreadOf } from '../support/pages.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
import { createSharedTestDatabase, type SharedTestDatabase } from '../support/test-db.js';

// A signed-in visitor's own pages (My menu, their inquiries, an inquiry, the expert's list, the
// mailbox, a conversation) are kept as drawn for them and sent again by the front door while the
// database's data version is unchanged (decision 024). What a visitor would notice if that went
// wrong: a page that does not show what has just happened (an offer, a new inquiry, a message,
// a change made by another process), someone else's page or token, a session that has ended
// still honoured, a page with other bytes or headers than the portal otherwise sends, or one
// that says an old thing of the time. These tests talk HTTP to a listening server: `inject`
// goes around the front door.

let t: TestApp;
let port: number;
let shared: SharedTestDatabase | undefined;
/** Requests that reached Fastify (its first hook saw them). */
let reachedFastify: string[] = [];

async function start(options: TestAppOptions = {}): Promise<void> {
  t = await createTestApp({ ...options, extraRoutes: recordingRequests(() => reachedFastify) });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
}

afterEach(async () => {
  await t.close();
  await shared?.destroy();
  shared = undefined;
});

const get = (path: string, cookie?: string) => httpRequest(port, 'GET', path, cookie);

/** Whether the request reached Fastify (drawn) or was answered by the front door (from memory). */
async function visit(path: string, cookie: string): Promise<Answer & { drawn: boolean }> {
  reachedFastify = [];
  const answer = await get(path, cookie);
  return { ...answer, drawn: reachedFastify.length > 0 };
}

/**
 * Visits `path` until an answer comes from memory: a first visit draws it, and a page whose
 * drawing marked something (an invitation seen, a conversation read) is drawn once more, as that
 * was a change. On PostgreSQL any commit on the server counts (this file runs alone there, but
 * the server's own autovacuum may analyze a table), so a few more visits are allowed.
 */
async function kept(path: string, cookie: string): Promise<Answer> {
  for (let i = 0; i < 5; i++) {
    const answer = await visit(path, cookie);
    if (!answer.drawn) return answer;
  }
  throw new Error(`${path} was drawn five times in a row`);
}

/** A customer with an inquiry sent to an expert, another customer, an expert not invited, each signed in. */
async function marketplace() {
  const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
  const expert = await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });
  const outsider = await createExpert(t, { name: 'Olev Kõrval', fieldIds: [field.id] });
  const customer = await createUser(t, { name: 'Kadri Klient' });
  const other = await createUser(t, { name: 'Teine Klient' });
  const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title: 'Elatis lapsele' });
  return {
    field,
    expert,
    customer,
    other,
    outsider,
    inquiryId,
    cookies: {
      expert: await sessionCookieOf(t, expert),
      outsider: await sessionCookieOf(t, outsider),
      customer: await sessionCookieOf(t, customer),
      other: await sessionCookieOf(t, other),
    },
  };
}

describe("signed-in visitors' own pages, kept while nothing changes", () => {
  it('sends a returning visitor their own page from memory, with the very headers and bytes Fastify draws', async () => {
    await start();
    const m = await marketplace();
    const conversationId = await startConversation(t.deps.db, t.deps, { subject: 'Üürileping', memberIds: [m.customer.id, m.expert.id] });
    const pages: [string, string][] = [
      ['/my', m.cookies.customer],
      ['/my', m.cookies.expert],
      ['/inquiries', m.cookies.customer],
      [`/inquiries/${m.inquiryId}`, m.cookies.customer],
      [`/inquiries/${m.inquiryId}`, m.cookies.expert],
      ['/e-consultations', m.cookies.expert],
      ['/mailbox', m.cookies.customer],
      ['/mailbox?filter=unread', m.cookies.expert],
      [`/mailbox/conversations/${conversationId}`, m.cookies.expert],
    ];
    for (const [path, cookie] of pages) {
      const fromMemory = await kept(path, cookie);
      // Any change to the database (here: someone signing in) makes the next visit draw it again.
      await sessionCookieOf(t, m.other);
      const drawn = await visit(path, cookie);
      expect(drawn.drawn, path).toBe(true);
      expect(fromMemory.status, path).toBe(200);
      expect(fromMemory.body, path).toContain('action="/logout"');
      expect(fromMemory.body, path).toBe(drawn.body);
      expect(withoutDate(fromMemory), path).toEqual(withoutDate(drawn));
    }
  });

  it('shows at once what others have just done: an offer, a new inquiry, a message', async () => {
    await start();
    const m = await marketplace();
    const inquiryPath = `/inquiries/${m.inquiryId}`;
    await kept(inquiryPath, m.cookies.customer);
    await kept('/my', m.cookies.expert);
    await kept('/mailbox', m.cookies.expert);

    await makeOfferAs(t, m.expert, m.inquiryId, { priceCents: 98_765 });
    const withOffer = await visit(inquiryPath, m.cookies.customer);
    expect(withOffer.drawn).toBe(true);
    expect(withOffer.body).toMatch(/987,65/);

    await createInquiryAs(t, m.other, { fieldId: m.field.id, expertIds: [m.expert.id], title: 'Pärandi jagamine' });
    const menu = await visit('/my', m.cookies.expert);
    expect(menu.drawn).toBe(true);
    expect(menu.body).toContain('Pärandi jagamine');

    const conversationId = await startConversation(t.deps.db, t.deps, { subject: 'Tähtaeg', memberIds: [m.customer.id, m.expert.id] });
    await postMessage(t.deps, await actorOf(t, m.customer), { conversationId, body: 'Kas jõuate reedeks?', uploads: [] });
    const mailbox = await visit('/mailbox', m.cookies.expert);
    expect(mailbox.drawn).toBe(true);
    expect(mailbox.body).toContain('Tähtaeg');
  });

  it('shows at once a change another process wrote to the database', async () => {
    shared = await createSharedTestDatabase(2);
    const [mine, theirs] = shared.handles as [DatabaseHandle, DatabaseHandle];
    await start({ database: mine });
    const m = await marketplace();
    const inquiryPath = `/inquiries/${m.inquiryId}`;
    expect((await kept(inquiryPath, m.cookies.customer)).body).toContain('Elatis lapsele');

    await theirs.db.updateTable('inquiries').set({ title: 'Elatis kahele lapsele' }).where('id', '=', m.inquiryId).execute();
    const changed = await visit(inquiryPath, m.cookies.customer);
    expect(changed.drawn).toBe(true);
    expect(changed.body).toContain('Elatis kahele lapsele');
  });

  it("never gives anyone else a visitor's page: another customer, an expert not invited, a visitor signed out", async () => {
    await start();
    const m = await marketplace();
    const inquiryPath = `/inquiries/${m.inquiryId}`;
    expect((await kept('/my', m.cookies.customer)).body).toContain('Elatis lapsele');
    await kept(inquiryPath, m.cookies.customer);

    const othersMenu = await visit('/my', m.cookies.other);
    expect(othersMenu.drawn).toBe(true);
    expect(othersMenu.body).toContain('Teine Klient');
    expect(othersMenu.body).not.toContain('Elatis lapsele');
    for (const cookie of [m.cookies.other, m.cookies.outsider]) {
      const refused = await visit(inquiryPath, cookie);
      expect(refused.drawn).toBe(true);
      expect(refused.status).toBe(404);
      expect(refused.body).not.toContain('Elatis lapsele');
    }
    const anonymous = await get(inquiryPath);
    expect(anonymous.status).toBe(303);
    expect(anonymous.body).not.toContain('Elatis lapsele');
  });

  it("puts each session's own token in: a second session of the same visitor gets the page with its token, which only it may use", async () => {
    await start();
    const m = await marketplace();
    const first = m.cookies.customer;
    const second = await sessionCookieOf(t, m.customer);
    const firstToken = tokenIn((await kept('/my', first)).body)!;
    const secondCopy = await kept('/my', second);
    const secondToken = tokenIn(secondCopy.body)!;
    expect(secondToken).not.toBe(firstToken);
    expect(secondCopy.body.replaceAll(secondToken, '')).toBe((await kept('/my', first)).body.replaceAll(firstToken, ''));

    const signOut = async (cookie: string, token: string) => (await httpRequest(port, 'POST', '/logout', cookie, { _csrf: token })).status;
    expect(await signOut(second, firstToken)).toBe(403);
    expect(await signOut(second, secondToken)).toBe(303);
    // That session has ended: its copy is never sent again, the first session's still is.
    const ended = await visit('/my', second);
    expect(ended.drawn).toBe(true);
    expect(ended.status).toBe(303);
    expect(ended.headers.some(([name, value]) => name === 'set-cookie' && value.startsWith('konsult_sid=;'))).toBe(true);
    expect((await kept('/my', first)).body).toContain('Elatis lapsele');
  });

  it('honours no session of a user who has been blocked', async () => {
    await start();
    const m = await marketplace();
    await kept('/my', m.cookies.customer);
    await t.deps.db.updateTable('users').set({ blocked_at: t.clock.now().toISOString() }).where('id', '=', m.customer.id).execute();
    const answer = await visit('/my', m.cookies.customer);
    expect(answer.drawn).toBe(true);
    expect(answer.status).toBe(303);
    expect(answer.body).not.toContain('Elatis lapsele');
  });

  it('draws an opened conversation again until nothing is left to mark read, with the right unread count', async () => {
    await start();
    const m = await marketplace();
    const conversationId = await startConversation(t.deps.db, t.deps, { subject: 'Tähtaeg', memberIds: [m.customer.id, m.expert.id] });
    await postMessage(t.deps, await actorOf(t, m.customer), { conversationId, body: 'Kas jõuate reedeks?', uploads: [] });
    const path = `/mailbox/conversations/${conversationId}`;
    const unreadIn = (answer: Answer) => unreadOf(answer.body);
    const before = unreadIn(await visit('/my', m.cookies.expert));

    const opened = await visit(path, m.cookies.expert);
    expect(opened.drawn).toBe(true);
    expect(unreadIn(opened)).toBe(before - 1);
    // Opening it marked it read, a change: drawn again, and then kept with nothing left to mark.
    const again = await visit(path, m.cookies.expert);
    expect(again.drawn).toBe(true);
    expect(unreadIn(again)).toBe(before - 1);
    const fromMemory = await kept(path, m.cookies.expert);
    expect(unreadIn(fromMemory)).toBe(before - 1);
    expect(fromMemory.body).toContain('Kas jõuate reedeks?');
  });

  it('draws a page again once its copy is PRIVATE_PAGE_CACHE_SECONDS old (what it says of the time), and shows a flash message once', async () => {
    await start();
    const m = await marketplace();
    await kept('/my', m.cookies.customer);
    t.clock.advance(4_000);
    expect((await visit('/my', m.cookies.customer)).drawn).toBe(false);
    t.clock.advance(1_001);
    expect((await visit('/my', m.cookies.customer)).drawn).toBe(true);

    const flashed = await visit('/my', `${m.cookies.customer}; konsult_flash=inquiries.sent`);
    expect(flashed.drawn).toBe(true);
    expect(flashed.body).toContain('role="status"');
    const next = await visit('/my', m.cookies.customer);
    expect(next.body).not.toContain('role="status"');
  });

  it('never sends a page from memory with PRIVATE_PAGE_CACHE_SECONDS=0', async () => {
    await start({ env: { PRIVATE_PAGE_CACHE_SECONDS: '0' } });
    const m = await marketplace();
    for (let i = 0; i < 3; i++) expect((await visit('/my', m.cookies.customer)).drawn).toBe(true);
  });
});
