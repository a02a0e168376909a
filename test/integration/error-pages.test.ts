import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { mainText, type Browser, type Page } from '../support/browser.js';
import { createUser, loginAs } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The id of the last request that reached the failing fixture route. */
let lastFailingRequestId: string | undefined;

function fixtureRoutes(app: FastifyInstance): void {
  app.get('/fixture/boom', async (request) => {
    lastFailingRequestId = request.id;
    throw new Error('database exploded at /srv/konsult/secret.ts:42');
  });
  app.post('/fixture/boom', async (request) => {
    lastFailingRequestId = request.id;
    throw new TypeError("Cannot read properties of undefined (reading 'secret')");
  });
  app.get('/fixture/not-found', async () => {
    throw new DomainError('NOT_FOUND');
  });
  app.get('/fixture/forbidden', async () => {
    throw new DomainError('FORBIDDEN');
  });
  app.post('/fixture/json', async (_request, reply) => reply.type('text/plain').send('ok'));
}

/** A friendly page: HTML in the site layout with a heading and a way home. */
function expectFriendlyPage(page: Page, status: number, title: string): void {
  expect(page.status).toBe(status);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.body).toMatch(/^<!doctype html><html lang="(et|en)">/);
  expect(page.body).toContain(`<h1>${title}</h1>`);
  expect(page.body).toContain('<a href="/" class="button">');
}

describe('error pages', () => {
  let t: TestApp;
  let browser: Browser;
  beforeEach(async () => {
    t = await createTestApp({ extraRoutes: fixtureRoutes });
    browser = t.browser();
    lastFailingRequestId = undefined;
  });
  afterEach(async () => {
    await t.close();
  });

  describe('404', () => {
    it('shows a friendly Estonian page for an unknown address', async () => {
      const page = await browser.get('/this/page/does-not-exist');
      expectFriendlyPage(page, 404, 'Lehte ei leitud');
      expect(mainText(page.body)).toContain('Kontrollige aadressi või minge avalehele.');
    });

    it('shows the page in English after the visitor chose English', async () => {
      await browser.get('/');
      await browser.post('/language', { lang: 'en', returnTo: '/' });
      const page = await browser.get('/this/page/does-not-exist');
      expectFriendlyPage(page, 404, 'Page not found');
      expect(page.body).toContain('<html lang="en">');
    });

    it('answers a POST to an unknown address with the 404 page, not a CSRF or server error', async () => {
      await browser.get('/');
      expectFriendlyPage(await browser.post('/no/such/form', { a: 'b' }), 404, 'Lehte ei leitud');
    });

    it('keeps the visitor signed in on the 404 page', async () => {
      await loginAs(browser, await createUser(t, { name: 'Mari Maasikas' }));
      const page = await browser.get('/missing');
      expect(page.status).toBe(404);
      expect(page.body).toContain('href="/my"');
      expect(page.body).not.toContain('href="/register"');
    });

    it('shows the 404 page for a NOT_FOUND domain error', async () => {
      expectFriendlyPage(await browser.get('/fixture/not-found'), 404, 'Lehte ei leitud');
    });

    it('shows the 404 page for an absurdly long or strange path', async () => {
      expect((await browser.get(`/${'a'.repeat(5000)}`)).status).toBe(404);
      expect((await browser.get('/%E0%A4%A')).status).toBeLessThan(500);
      expect((await browser.get('/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    });
  });

  describe('403', () => {
    it('shows a friendly page for a FORBIDDEN domain error', async () => {
      const page = await browser.get('/fixture/forbidden');
      expectFriendlyPage(page, 403, 'Ligipääs puudub');
      expect(mainText(page.body)).toContain('võtke ühendust kasutajatoega');
    });

    it('shows a friendly page when a form is sent without its CSRF token', async () => {
      await browser.get('/login');
      const page = await browser.post('/login', { email: 'mari@example.ee', password: 'whatever' }, { csrf: null });
      expectFriendlyPage(page, 403, 'Vormi ei saanud saata');
    });

    it('shows the 403 page to a signed-in user without the right role', async () => {
      await loginAs(browser, await createUser(t));
      expectFriendlyPage(await browser.get('/admin/users'), 403, 'Ligipääs puudub');
    });
  });

  describe('500', () => {
    it('shows a friendly page when a page fails unexpectedly', async () => {
      const page = await browser.get('/fixture/boom');
      expectFriendlyPage(page, 500, 'Midagi läks valesti');
      expect(mainText(page.body)).toContain('Teie andmed on alles.');
    });

    it('shows a reference id equal to the request id in the log', async () => {
      const page = await browser.get('/fixture/boom');
      expect(lastFailingRequestId).toBeTruthy();
      expect(mainText(page.body)).toContain(`Viitenumber: ${lastFailingRequestId}`);
    });

    it('gives every failure its own reference id', async () => {
      await browser.get('/fixture/boom');
      const first = lastFailingRequestId;
      await browser.get('/fixture/boom');
      expect(lastFailingRequestId).not.toBe(first);
    });

    it('never shows the error message, a stack trace or a file path', async () => {
      const page = await browser.get('/fixture/boom');
      expect(page.body).not.toContain('database exploded');
      expect(page.body).not.toContain('secret.ts');
      expect(page.body).not.toMatch(/\bat .+:\d+:\d+/);
      expect(page.body).not.toContain('Error:');
    });

    it('answers a failing form post with the same friendly page', async () => {
      await browser.get('/');
      const page = await browser.post('/fixture/boom', { a: 'b' });
      expectFriendlyPage(page, 500, 'Midagi läks valesti');
      expect(page.body).not.toContain('Cannot read properties');
      expect(mainText(page.body)).toContain(`Viitenumber: ${lastFailingRequestId}`);
    });

    it('shows the 500 page in the visitor\'s language', async () => {
      await browser.get('/');
      await browser.post('/language', { lang: 'en', returnTo: '/' });
      const page = await browser.get('/fixture/boom');
      expectFriendlyPage(page, 500, 'Something went wrong');
      expect(mainText(page.body)).toContain(`Reference: ${lastFailingRequestId}`);
    });
  });

  describe('oversized and malformed requests', () => {
    async function postRaw(url: string, contentType: string, payload: string | Buffer): Promise<Page> {
      await browser.get('/login');
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: {
          cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          'content-type': contentType,
          'x-csrf-token': browser.csrfToken ?? '',
        },
        payload,
      });
      return { status: response.statusCode, location: undefined, body: response.body, headers: response.headers, response };
    }

    it('answers a form body over 64 KiB with a friendly 413 page', async () => {
      const page = await browser.post('/register', { name: 'x'.repeat(70 * 1024), email: 'a@b.ee' }, { formPage: '/register' });
      expectFriendlyPage(page, 413, 'Saadetud andmed on liiga suured');
      expect(mainText(page.body)).toContain('Lühendage teksti');
    });

    it('still accepts a form body just under the limit', async () => {
      const page = await browser.post('/login', { email: 'a@b.ee', password: 'p'.repeat(1000), next: `/${'n'.repeat(60 * 1024)}` }, { formPage: '/login' });
      expect(page.status).toBe(401);
    });

    it('answers an oversized JSON body with the 413 page', async () => {
      const page = await postRaw('/login', 'application/json', JSON.stringify({ email: 'a@b.ee', password: 'x'.repeat(300 * 1024) }));
      expectFriendlyPage(page, 413, 'Saadetud andmed on liiga suured');
    });

    it('answers broken JSON with a friendly 400 page', async () => {
      const page = await postRaw('/login', 'application/json', '{"email": "a@b.ee", "password": ');
      expectFriendlyPage(page, 400, 'Päringut ei saanud töödelda');
    });

    it('answers JSON with a prototype-pollution key with a 4xx page', async () => {
      const page = await postRaw('/fixture/json', 'application/json', '{"__proto__": {"isAdmin": true}}');
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.status).toBeLessThan(500);
    });

    it.each([
      ['plain text', 'text/plain', 'email=a@b.ee'],
      ['XML', 'application/xml', '<login><email>a@b.ee</email></login>'],
      ['multipart', 'multipart/form-data; boundary=----x', '------x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@b.ee\r\n------x--\r\n'],
      ['broken multipart', 'multipart/form-data', '--no boundary at all'],
      ['a nonsense content type', 'this/is not;a=valid type', 'a=b'],
    ])('answers a %s body to a form with a 4xx page, never 5xx', async (_what, contentType, payload) => {
      const page = await postRaw('/login', contentType, payload);
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.status).toBeLessThan(500);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    });

    it('answers a urlencoded body with broken percent escapes without a 5xx', async () => {
      const page = await postRaw('/login', 'application/x-www-form-urlencoded', `_csrf=${browser.csrfToken}&email=%E0%A4%A&password=%ZZ`);
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.status).toBeLessThan(500);
    });

    it('answers a form post with an empty body by showing the form with its errors', async () => {
      const page = await postRaw('/login', 'application/x-www-form-urlencoded', '');
      expect(page.status).toBe(422);
      expect(mainText(page.body)).toContain('Vormis on vigu.');
    });

    it('answers a form post with no body and no token with the CSRF page', async () => {
      const response = await t.app.inject({ method: 'POST', url: '/login' });
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('<h1>Vormi ei saanud saata</h1>');
    });

    it('answers JSON null, a number or an array as a body without a 5xx', async () => {
      for (const payload of ['null', '42', '["a"]', '"text"']) {
        const page = await postRaw('/register', 'application/json', payload);
        expect(page.status, payload).toBeGreaterThanOrEqual(400);
        expect(page.status, payload).toBeLessThan(500);
      }
    });

    it('answers a JSON form body with nested objects without a 5xx', async () => {
      await browser.get('/register');
      const page = await postRaw(
        '/register',
        'application/json',
        JSON.stringify({ _csrf: browser.csrfToken, name: { $gt: '' }, email: ['a@b.ee'], password: 1, passwordRepeat: null }),
      );
      expect(page.status).toBe(422);
    });

    it('answers an unsupported method with a 4xx, not a 5xx', async () => {
      for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
        const response = await t.app.inject({ method, url: '/login' });
        expect(response.statusCode, method).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, method).toBeLessThan(500);
      }
    });
  });

  describe('health probes', () => {
    it('/healthz says the process is alive', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });

    it('/readyz says the database is reachable', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ready' });
    });

    it('/readyz answers 503 when the database is gone', async () => {
      await t.database.destroy();
      const response = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: 'unavailable' });
      // Reopen something closable for afterEach.
      t = { ...t, close: async () => t.app.close() };
    });

    it('the probes set no cookies', async () => {
      for (const url of ['/healthz', '/readyz']) {
        const response = await t.app.inject({ method: 'GET', url });
        expect(response.headers['set-cookie'], url).toBeUndefined();
      }
    });
  });
});
