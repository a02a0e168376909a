import { afterEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Browser, Page } from '../support/browser.js';
import { createUser, loginAs } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** A CSP header as directive → sources. */
function parseCsp(header: unknown): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of String(header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** Raw Set-Cookie lines of a response. */
function setCookieLines(response: LightMyRequestResponse): string[] {
  const header = response.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [String(header)];
}

function attributesOf(line: string): string[] {
  return line.split(';').slice(1).map((a) => a.trim().toLowerCase());
}

const publicPages = [
  '/',
  '/order/consultation',
  '/order/document',
  '/become-expert',
  '/experts',
  '/login',
  '/login?next=%2Fmy',
  '/register',
  '/password/forgot',
  '/verify-email/resend',
  '/verify-email?token=not-a-real-token-0123456789',
  '/password/reset?token=not-a-real-token-0123456789',
  '/account/email/confirm?token=x',
  '/no-such-page',
];
const signedInPages = ['/my', '/mailbox', '/account', '/account/password', '/account/email', '/admin/users', '/admin/users?q=a&page=2', '/sent-emails'];

describe('security headers on every page', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  async function adminBrowser(): Promise<Browser> {
    const browser = t.browser();
    await loginAs(browser, await createUser(t, { roles: ['admin'] }));
    return browser;
  }

  /** Every HTML page a visitor and an admin can reach, with a few error pages. */
  async function everyPage(): Promise<[string, Page][]> {
    t = await createTestApp();
    const pages: [string, Page][] = [];
    const anonymous = t.browser();
    for (const path of publicPages) pages.push([path, await anonymous.get(path)]);
    pages.push(['422 form with errors', await anonymous.post('/login', { email: 'not an address', password: 'x' })]);
    pages.push(['403 CSRF page', await anonymous.post('/login', { email: 'a@b.ee', password: 'x' }, { csrf: 'wrong' })]);
    const admin = await adminBrowser();
    for (const path of signedInPages) pages.push([path, await admin.get(path)]);
    const emailId = (await t.deps.db.selectFrom('outbox_emails').select('id').executeTakeFirst())?.id;
    if (emailId !== undefined) pages.push([`/sent-emails/${emailId}`, await admin.get(`/sent-emails/${emailId}`)]);
    const customer = t.browser();
    await loginAs(customer, await createUser(t));
    pages.push(['403 page', await customer.get('/admin/users')]);
    for (const [name, page] of pages) {
      expect(page.headers['content-type'], name).toMatch(/^text\/html/);
    }
    return pages;
  }

  it('sends a Content-Security-Policy whose script-src forbids inline and eval', async () => {
    for (const [name, page] of await everyPage()) {
      const csp = parseCsp(page.headers['content-security-policy']);
      const scriptSrc = csp.get('script-src') ?? csp.get('default-src');
      expect(scriptSrc, name).toBeDefined();
      expect(scriptSrc, name).not.toContain("'unsafe-inline'");
      expect(scriptSrc, name).not.toContain("'unsafe-eval'");
      expect(csp.get('default-src'), name).not.toContain("'unsafe-inline'");
    }
  });

  it('forbids framing by any site with frame-ancestors \'none\' and X-Frame-Options DENY', async () => {
    for (const [name, page] of await everyPage()) {
      expect(parseCsp(page.headers['content-security-policy']).get('frame-ancestors'), name).toEqual(["'none'"]);
      expect(page.headers['x-frame-options'], name).toBe('DENY');
    }
  });

  it('forbids plugins and foreign form targets in the CSP', async () => {
    for (const [name, page] of await everyPage()) {
      const csp = parseCsp(page.headers['content-security-policy']);
      expect(csp.get('object-src'), name).toEqual(["'none'"]);
      expect(csp.get('form-action'), name).toEqual(["'self'"]);
      expect(csp.get('base-uri'), name).toEqual(["'self'"]);
    }
  });

  it('sends X-Content-Type-Options nosniff', async () => {
    for (const [name, page] of await everyPage()) {
      expect(page.headers['x-content-type-options'], name).toBe('nosniff');
    }
  });

  it('sends a Referrer-Policy that keeps page addresses (and their tokens) on the site', async () => {
    for (const [name, page] of await everyPage()) {
      expect(page.headers['referrer-policy'], name).toMatch(/^(same-origin|no-referrer|strict-origin|strict-origin-when-cross-origin)$/);
    }
  });

  it('has no inline script, inline event handler or javascript: link in any page', async () => {
    for (const [name, page] of await everyPage()) {
      expect(page.body, name).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
      expect(page.body, name).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
      expect(page.body, name).not.toMatch(/(href|src|action)\s*=\s*["']?\s*javascript:/i);
    }
  });

  it('declares the page language and UTF-8', async () => {
    for (const [name, page] of await everyPage()) {
      expect(page.body, name).toMatch(/^<!doctype html><html lang="(et|en)">/);
      expect(page.headers['content-type'], name).toBe('text/html; charset=utf-8');
    }
  });

  it('tells browsers and proxies not to keep signed-in pages', async () => {
    t = await createTestApp();
    const admin = await adminBrowser();
    for (const path of signedInPages) {
      expect((await admin.get(path)).headers['cache-control'], path).toBe('no-store');
    }
  });

  it('serves the stylesheet as CSS with nosniff', async () => {
    t = await createTestApp();
    const css = await t.browser().get('/static/app.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends no HSTS over plain http (it would lock a local install out)', async () => {
    t = await createTestApp();
    expect((await t.browser().get('/')).headers['strict-transport-security']).toBeUndefined();
  });

  it('does not advertise the server software', async () => {
    t = await createTestApp();
    const page = await t.browser().get('/');
    expect(page.headers['x-powered-by']).toBeUndefined();
    expect(page.headers['server']).toBeUndefined();
  });
});

describe('cookies', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  /** Walks a visitor through every step that sets or clears a cookie; returns every Set-Cookie line. */
  async function cookieLinesOfAFullVisit(): Promise<string[]> {
    const lines: string[] = [];
    const collect = (page: Page) => {
      lines.push(...setCookieLines(page.response));
      return page;
    };
    const user = await createUser(t);
    const browser = t.browser();
    collect(await browser.get('/'));
    collect(await browser.post('/language', { lang: 'en', returnTo: '/' }));
    collect(await browser.get('/login'));
    const login = collect(await browser.post('/login', { email: user.email, password: user.password }));
    collect(await browser.follow(login));
    collect(await browser.post('/language', { lang: 'et', returnTo: '/account' }));
    collect(await browser.get('/account'));
    const logout = collect(await browser.post('/logout', {}));
    collect(await browser.follow(logout));
    // A stale session cookie is cleared on the next request.
    const stale = t.browser();
    const sessionName = [...browser.cookies.keys()].find((name) => name.endsWith('konsult_csrf'))!.replace('csrf', 'sid');
    stale.cookies.set(sessionName, 'a-session-that-does-not-exist');
    collect(await stale.get('/'));
    expect(lines.length).toBeGreaterThanOrEqual(8);
    return lines;
  }

  describe('over plain http', () => {
    it('marks every cookie HttpOnly and SameSite=Lax', async () => {
      t = await createTestApp();
      for (const line of await cookieLinesOfAFullVisit()) {
        expect(attributesOf(line), line).toContain('httponly');
        expect(attributesOf(line), line).toContain('samesite=lax');
      }
    });

    it('scopes every cookie to the whole site and to no other domain', async () => {
      t = await createTestApp();
      for (const line of await cookieLinesOfAFullVisit()) {
        expect(attributesOf(line), line).toContain('path=/');
        expect(attributesOf(line).some((a) => a.startsWith('domain=')), line).toBe(false);
      }
    });

    it('gives the session cookie no lifetime beyond the session\'s absolute limit', async () => {
      t = await createTestApp();
      const user = await createUser(t);
      const browser = t.browser();
      const login = await browser.post('/login', { email: user.email, password: user.password }, { formPage: '/login' });
      const session = login.response.cookies.find((c) => c.name === 'konsult_sid');
      expect(session).toBeDefined();
      expect(session!.maxAge).toBe(t.config.session.absoluteMs / 1000);
    });
  });

  describe('behind https (PUBLIC_URL=https://…)', () => {
    it('marks every cookie Secure, including the ones that clear a cookie', async () => {
      t = await createTestApp({ env: { PUBLIC_URL: 'https://konsult.example' } });
      for (const line of await cookieLinesOfAFullVisit()) {
        expect(attributesOf(line), line).toContain('secure');
      }
    });

    it('names the session and CSRF cookies with the __Host- prefix', async () => {
      t = await createTestApp({ env: { PUBLIC_URL: 'https://konsult.example' } });
      const user = await createUser(t);
      const browser = t.browser();
      const login = await browser.post('/login', { email: user.email, password: user.password }, { formPage: '/login' });
      expect(login.status).toBe(303);
      expect([...browser.cookies.keys()]).toEqual(expect.arrayContaining(['__Host-konsult_sid', '__Host-konsult_csrf']));
      expect([...browser.cookies.keys()]).not.toContain('konsult_sid');
    });

    it('keeps every __Host- cookie acceptable to browsers (Secure, Path=/, no Domain), clearing ones too', async () => {
      t = await createTestApp({ env: { PUBLIC_URL: 'https://konsult.example' } });
      const hostLines = (await cookieLinesOfAFullVisit()).filter((line) => line.startsWith('__Host-'));
      expect(hostLines.some((line) => line.startsWith('__Host-konsult_sid='))).toBe(true);
      for (const line of hostLines) {
        const attributes = attributesOf(line);
        expect(attributes, line).toContain('secure');
        expect(attributes, line).toContain('path=/');
        expect(attributes.some((a) => a.startsWith('domain=')), line).toBe(false);
      }
    });

    it('signs a user out in the browser too: the session cookie is cleared on logout', async () => {
      t = await createTestApp({ env: { PUBLIC_URL: 'https://konsult.example' } });
      const user = await createUser(t);
      const browser = t.browser();
      await loginAs(browser, user);
      const logout = await browser.post('/logout', {});
      const cleared = setCookieLines(logout.response).find((line) => line.startsWith('__Host-konsult_sid='));
      expect(cleared).toBeDefined();
      expect(cleared).toMatch(/^__Host-konsult_sid=;/);
      expect(attributesOf(cleared!)).toContain('secure');
    });

    it('sends HSTS for a year, subdomains included', async () => {
      t = await createTestApp({ env: { PUBLIC_URL: 'https://konsult.example' } });
      const hsts = String((await t.browser().get('/')).headers['strict-transport-security']);
      expect(hsts).toMatch(/max-age=31536000/);
      expect(hsts).toMatch(/includeSubDomains/i);
    });

    it('asks browsers to upgrade any insecure sub-request', async () => {
      t = await createTestApp({ env: { PUBLIC_URL: 'https://konsult.example' } });
      const csp = parseCsp((await t.browser().get('/')).headers['content-security-policy']);
      expect(csp.has('upgrade-insecure-requests')).toBe(true);
    });
  });
});
