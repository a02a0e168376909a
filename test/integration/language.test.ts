import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/db/repositories/user-repository.js';
import { formatDate, formatDateTime, formatMoney } from '../../src/i18n/format.js';
import { mainText } from '../support/browser.js';
import { createUser, loginAs } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const langOf = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];
/** Spaces as a reader sees them (Intl uses non-breaking ones). */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('choosing the language', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  describe('for an anonymous visitor', () => {
    it('shows pages in Estonian by default', async () => {
      const page = await t.browser().get('/');
      expect(langOf(page.body)).toBe('et');
      expect(mainText(page.body)).toContain('Abi eksperdilt');
    });

    it('offers English on every page with the button in the page header', async () => {
      const page = await t.browser().get('/experts');
      expect(page.body).toMatch(/<form method="post" action="\/language"[^>]*>.*name="lang" value="en".*name="returnTo" value="\/experts"/s);
      expect(page.body).toContain('In English');
    });

    it('switches to English and stays on the same page', async () => {
      const browser = t.browser();
      await browser.get('/experts');
      const switched = await browser.post('/language', { lang: 'en', returnTo: '/experts' });
      expect(switched.status).toBe(303);
      expect(switched.location).toBe('/experts');
      const page = await browser.follow(switched);
      expect(langOf(page.body)).toBe('en');
      expect(mainText(page.body)).toContain('Experts');
    });

    it('keeps the query string of the page it returns to', async () => {
      const browser = t.browser();
      await browser.get('/');
      const switched = await browser.post('/language', { lang: 'en', returnTo: '/login?next=%2Fmy' });
      expect(switched.location).toBe('/login?next=%2Fmy');
    });

    it('remembers English on later pages', async () => {
      const browser = t.browser();
      await browser.get('/');
      await browser.post('/language', { lang: 'en', returnTo: '/' });
      for (const path of ['/', '/login', '/register', '/no-such-page']) {
        expect(langOf((await browser.get(path)).body), path).toBe('en');
      }
    });

    it('remembers the choice for a year in a cookie', async () => {
      const browser = t.browser();
      await browser.get('/');
      const switched = await browser.post('/language', { lang: 'en', returnTo: '/' });
      const cookie = switched.response.cookies.find((c) => c.name === 'konsult_lang');
      expect(cookie?.value).toBe('en');
      expect(cookie?.maxAge).toBe(365 * 24 * 3600);
    });

    it('switches back to Estonian', async () => {
      const browser = t.browser();
      await browser.get('/');
      await browser.post('/language', { lang: 'en', returnTo: '/' });
      const english = await browser.get('/');
      expect(english.body).toMatch(/name="lang" value="et"/);
      await browser.post('/language', { lang: 'et', returnTo: '/' });
      expect(langOf((await browser.get('/')).body)).toBe('et');
    });

    it('does not affect another browser', async () => {
      const browser = t.browser();
      await browser.get('/');
      await browser.post('/language', { lang: 'en', returnTo: '/' });
      expect(langOf((await t.browser().get('/')).body)).toBe('et');
    });

    it('ignores a forged language cookie it does not support', async () => {
      const browser = t.browser();
      browser.cookies.set('konsult_lang', 'ru');
      expect(langOf((await browser.get('/')).body)).toBe('et');
    });

    it('registers a new account in the language the visitor chose', async () => {
      const browser = t.browser();
      await browser.get('/');
      await browser.post('/language', { lang: 'en', returnTo: '/register' });
      const registered = await browser.post(
        '/register',
        { name: 'Mary Strawberry', email: 'mary@example.ee', phone: '', password: 'a calm and long passphrase', passwordRepeat: 'a calm and long passphrase' },
        { formPage: '/register' },
      );
      expect(registered.status).toBe(200);
      const user = await t.deps.db.selectFrom('users').select('locale').where('email', '=', 'mary@example.ee').executeTakeFirstOrThrow();
      expect(user.locale).toBe('en');
      const email = await t.deps.db.selectFrom('outbox_emails').select('subject').where('to_address', '=', 'mary@example.ee').executeTakeFirstOrThrow();
      expect(email.subject).not.toBe('Kinnitage oma e-posti aadress');
    });
  });

  describe('for a signed-in user', () => {
    it('stores the choice on the account', async () => {
      const user = await createUser(t, { locale: 'et' });
      const browser = t.browser();
      await loginAs(browser, user);
      await browser.post('/language', { lang: 'en', returnTo: '/my' });
      expect((await findUserById(t.deps.db, user.id))?.locale).toBe('en');
    });

    it('shows English in a fresh browser after signing in there', async () => {
      const user = await createUser(t, { locale: 'et' });
      const first = t.browser();
      await loginAs(first, user);
      await first.post('/language', { lang: 'en', returnTo: '/my' });

      const fresh = t.browser();
      const loginPage = await fresh.get('/login');
      expect(langOf(loginPage.body)).toBe('et');
      const myMenu = await loginAs(fresh, user);
      expect(langOf(myMenu.body)).toBe('en');
      expect(mainText(myMenu.body)).toContain('My menu');
    });

    it('follows the account language over the browser\'s cookie', async () => {
      const user = await createUser(t, { locale: 'en' });
      const browser = t.browser();
      await browser.get('/');
      await browser.post('/language', { lang: 'et', returnTo: '/' });
      const myMenu = await loginAs(browser, user);
      expect(langOf(myMenu.body)).toBe('en');
    });

    it('confirms the change on the account page', async () => {
      const user = await createUser(t, { locale: 'et' });
      const browser = t.browser();
      await loginAs(browser, user);
      await browser.get('/account');
      const switched = await browser.post('/language', { lang: 'en', returnTo: '/account' });
      expect(switched.location).toBe('/account');
      const page = await browser.follow(switched);
      expect(langOf(page.body)).toBe('en');
      expect(page.body).toContain('class="flash"');
      expect(page.body).toMatch(/<option value="en" selected="" lang="en"|<option value="en" selected lang="en"/);
    });
  });

  describe('the page it returns to', () => {
    it.each([
      ['a protocol-relative URL', '//evil.example/phish'],
      ['an absolute https URL', 'https://evil.example/phish'],
      ['an absolute http URL', 'http://evil.example'],
      ['a javascript: URL', 'javascript:alert(1)'],
      ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
      ['a backslash trick', '/\\evil.example'],
      ['a relative path', 'account'],
      ['a path with a line break (header injection)', '/\r\nSet-Cookie: konsult_lang=ru'],
      ['a tab hiding a second slash', '/\t/evil.example'],
      ['a newline hiding a second slash', '/\n/evil.example'],
      ['an empty value', ''],
    ])('refuses %s and goes to the home page instead', async (_what, returnTo) => {
      const browser = t.browser();
      await browser.get('/');
      const switched = await browser.post('/language', { lang: 'en', returnTo });
      expect(switched.status).toBe(303);
      expect(switched.location).toBe('/');
    });

    it('goes to the home page when no return address is given', async () => {
      const browser = t.browser();
      await browser.get('/');
      const switched = await browser.post('/language', { lang: 'en' });
      expect(switched.location).toBe('/');
    });

    it('goes to the home page when the return address is sent twice', async () => {
      const browser = t.browser();
      await browser.get('/');
      const switched = await browser.post('/language', { lang: 'en', returnTo: ['/experts', '//evil.example'] });
      expect(switched.location).toBe('/');
    });

    it.each([
      ['Estonian letters', '/experts?q=Õie Mäger'],
      ['an emoji', '/experts?q=🌲'],
      ['right-to-left text', '/experts?q=مرحبا'],
    ])('returns to a page whose address holds %s without failing', async (_what, returnTo) => {
      const browser = t.browser();
      await browser.get('/');
      const switched = await browser.post('/language', { lang: 'en', returnTo });
      expect(switched.status).toBe(303);
      expect(switched.location).toMatch(/^\/experts\?q=/);
      expect(switched.location).toMatch(/^[\x21-\x7e]+$/);
      expect(decodeURIComponent(switched.location!.split('q=')[1]!)).toBe(returnTo.split('q=')[1]);
    });
  });

  describe('an invalid language', () => {
    it.each([
      ['an unsupported language', 'ru'],
      ['an upper-case code', 'EN'],
      ['script', '<script>alert(1)</script>'],
      ['an empty value', ''],
    ])('changes nothing for %s', async (_what, lang) => {
      const browser = t.browser();
      await browser.get('/');
      const switched = await browser.post('/language', { lang, returnTo: '/experts' });
      expect(switched.status).toBe(303);
      expect(switched.location).toBe('/experts');
      expect(switched.response.cookies.find((c) => c.name === 'konsult_lang')).toBeUndefined();
      expect(langOf((await browser.get('/experts')).body)).toBe('et');
    });

    it('leaves the account language alone', async () => {
      const user = await createUser(t, { locale: 'en' });
      const browser = t.browser();
      await loginAs(browser, user);
      await browser.post('/language', { lang: 'xx', returnTo: '/my' });
      expect((await findUserById(t.deps.db, user.id))?.locale).toBe('en');
    });

    it('changes nothing when the language is sent twice', async () => {
      const browser = t.browser();
      await browser.get('/');
      await browser.post('/language', { lang: ['en', 'et'], returnTo: '/' });
      expect(langOf((await browser.get('/')).body)).toBe('et');
    });

    it('needs the CSRF token: a forged switch changes nothing', async () => {
      const user = await createUser(t, { locale: 'et' });
      const browser = t.browser();
      await loginAs(browser, user);
      const forged = await browser.post('/language', { lang: 'en', returnTo: '/' }, { csrf: null });
      expect(forged.status).toBe(403);
      expect((await findUserById(t.deps.db, user.id))?.locale).toBe('et');
    });
  });
});

describe('dates and money as people in Estonia read them', () => {
  it('shows a UTC evening as the next day in Tallinn (summer time, UTC+3)', () => {
    const text = plain(formatDateTime('et', '2026-07-01T21:30:00Z'));
    expect(text).toContain('2. juuli 2026');
    expect(text).toContain('00:30');
  });

  it('shows the same moment in English, still in Tallinn time', () => {
    const text = plain(formatDateTime('en', '2026-07-01T21:30:00Z'));
    expect(text).toContain('2 Jul 2026');
    expect(text).toContain('00:30');
  });

  it('uses winter time (UTC+2) in January', () => {
    expect(plain(formatDateTime('et', '2026-01-15T22:30:00Z'))).toContain('00:30');
    expect(plain(formatDateTime('et', '2026-01-15T22:30:00Z'))).toContain('16. jaan');
  });

  it('gives the calendar date in Tallinn, not in UTC', () => {
    expect(plain(formatDate('et', '2026-07-01T21:30:00Z'))).toBe('2. juuli 2026');
    expect(plain(formatDate('en', new Date('2026-07-01T21:30:00Z')))).toBe('2 July 2026');
  });

  it('shows 12345 cents as "123,45 €" in Estonian', () => {
    expect(plain(formatMoney('et', 12345))).toBe('123,45 €');
  });

  it('shows 12345 cents as "€123.45" in English', () => {
    expect(plain(formatMoney('en', 12345))).toBe('€123.45');
  });

  it('groups thousands and keeps cents exact', () => {
    expect(plain(formatMoney('et', 123456789))).toBe('1 234 567,89 €');
    expect(plain(formatMoney('et', 5))).toBe('0,05 €');
    expect(plain(formatMoney('et', 0))).toBe('0,00 €');
  });
});
