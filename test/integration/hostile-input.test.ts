import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoAccounts, demoPassword, seedDemoData } from '../../src/db/seed-demo.js';
import { Browser, mainText, type Page } from '../support/browser.js';
import { lastEmailTo, linkIn } from '../support/emails.js';
import { createUser, defaultPassword, loginAs } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** What attackers, careless pasting and other alphabets send. */
const hostileValues: [string, string | string[]][] = [
  ['a script tag', '<script>alert(1)</script>'],
  ['an attribute break-out', '"><img src=x onerror=alert(1)>'],
  ['an SQL tautology', "' OR 1=1 --"],
  ['Bobby Tables', "Robert'); DROP TABLE users;--"],
  ['Estonian letters', 'Õie Mäger'],
  ['emoji', '🌲🦊 👩🏽‍⚖️'],
  ['right-to-left text', 'مرحبا بالعالم \u202egnp.exe'],
  ['a 100 000-character string', 'x'.repeat(100_000)],
  ['an empty string', ''],
  ['whitespace only', ' \t  \u00a0 '],
  ['a NUL character', 'abc\u0000def'],
  ['CR/LF', 'line one\r\nBcc: victim@example.ee'],
  ['a path traversal', '../../etc/passwd'],
  ['a duplicated field name', ['first@example.ee', 'second@example.ee']],
];

const pathFields = new Set(['next', 'returnTo']);
const newPassphrase = 'a brand new passphrase for testing';
let sequence = 0;

/** A browser from an address of its own, so one test's attempts never rate-limit another's. */
function browserOf(t: TestApp): Browser {
  sequence += 1;
  return new Browser(t.app, `198.51.100.${(sequence % 250) + 1}`);
}

type Prepared = { browser: Browser; formPage: string; baseline: () => Record<string, string> };

/** Each form: its fields, and how a person gets to it with valid values in every field. */
const forms: { path: string; fields: string[]; prepare: (t: TestApp) => Promise<Prepared> }[] = [
  {
    path: '/register',
    fields: ['name', 'email', 'phone', 'password', 'passwordRepeat'],
    prepare: async (t) => ({
      browser: browserOf(t),
      formPage: '/register',
      baseline: () => {
        sequence += 1;
        return { name: 'Mari Maasikas', email: `mari${sequence}@example.ee`, phone: '+372 5123 4567', password: newPassphrase, passwordRepeat: newPassphrase };
      },
    }),
  },
  {
    path: '/login',
    fields: ['email', 'password', 'next'],
    prepare: async (t) => {
      const user = await createUser(t);
      return { browser: browserOf(t), formPage: '/login', baseline: () => ({ email: user.email, password: user.password, next: '/account' }) };
    },
  },
  {
    path: '/password/forgot',
    fields: ['email'],
    prepare: async (t) => ({ browser: browserOf(t), formPage: '/password/forgot', baseline: () => ({ email: 'mari@example.ee' }) }),
  },
  {
    path: '/verify-email/resend',
    fields: ['email'],
    prepare: async (t) => ({ browser: browserOf(t), formPage: '/verify-email/resend', baseline: () => ({ email: 'mari@example.ee' }) }),
  },
  {
    path: '/password/reset',
    fields: ['token', 'password', 'passwordRepeat'],
    prepare: async (t) => {
      const user = await createUser(t);
      const browser = browserOf(t);
      await browser.post('/password/forgot', { email: user.email }, { formPage: '/password/forgot' });
      const link = linkIn(await lastEmailTo(t, user.email));
      const token = new URL(link, 'http://konsult.test').searchParams.get('token')!;
      return { browser, formPage: link, baseline: () => ({ token, password: newPassphrase, passwordRepeat: newPassphrase }) };
    },
  },
  {
    path: '/verify-email',
    fields: ['token'],
    prepare: async (t) => ({ browser: browserOf(t), formPage: '/verify-email/resend', baseline: () => ({ token: 'a'.repeat(43) }) }),
  },
  {
    path: '/account/profile',
    fields: ['name', 'phone'],
    prepare: async (t) => {
      const browser = browserOf(t);
      await loginAs(browser, await createUser(t));
      return { browser, formPage: '/account', baseline: () => ({ name: 'Mari Maasikas', phone: '+372 5123 4567' }) };
    },
  },
  {
    path: '/account/password',
    fields: ['currentPassword', 'newPassword', 'newPasswordRepeat'],
    prepare: async (t) => {
      const browser = browserOf(t);
      await loginAs(browser, await createUser(t));
      return {
        browser,
        formPage: '/account/password',
        baseline: () => ({ currentPassword: defaultPassword, newPassword: newPassphrase, newPasswordRepeat: newPassphrase }),
      };
    },
  },
  {
    path: '/account/email',
    fields: ['newEmail', 'currentPassword'],
    prepare: async (t) => {
      const browser = browserOf(t);
      await loginAs(browser, await createUser(t));
      return { browser, formPage: '/account/email', baseline: () => ({ newEmail: 'new-address@example.ee', currentPassword: defaultPassword }) };
    },
  },
  {
    path: '/language',
    fields: ['lang', 'returnTo'],
    prepare: async (t) => ({ browser: browserOf(t), formPage: '/experts', baseline: () => ({ lang: 'en', returnTo: '/experts' }) }),
  },
];

/** A page a person can read: HTML in the layout, a heading, and for a refusal a message saying why. */
function expectReadablePage(page: Page, label: string): void {
  expect(page.status, label).toBeLessThan(500);
  expect(page.headers['content-type'], label).toBe('text/html; charset=utf-8');
  expect(page.body, label).toMatch(/<h1>[^<]+<\/h1>/);
  if (page.status >= 400) {
    // A form's error summary, a message page's lead text, or an error page's way home.
    expect(page.body, label).toMatch(/class="error-summary"|<p class="lead">|<a href="\/" class="button">/);
  }
  expectNoInjectedMarkup(page.body, label);
}

/** Whatever came in, no markup from it reaches the page: no script but the portal's own file, no injected element. */
function expectNoInjectedMarkup(html: string, label: string): void {
  expect(html.replace('<script src="/static/app.js" defer></script>', ''), label).not.toMatch(/<script/i);
  expect(html, label).not.toMatch(/<img[^>]*onerror/i);
  expect(html, label).not.toContain('"><img');
}

/** Every answer to a hostile form is below 500, and either a readable page or a redirect home-side. */
async function expectSafeAnswer(browser: Browser, page: Page, label: string): Promise<void> {
  expect(page.status, label).toBeLessThan(500);
  if (page.status >= 300 && page.status < 400) {
    expect(page.location, label).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
    expectReadablePage(await browser.follow(page), `${label} → ${page.location}`);
    return;
  }
  expectReadablePage(page, label);
}

/** The users table still answers: a demo account signs in through the real form. */
async function expectDemoLoginWorks(t: TestApp): Promise<void> {
  const demo = demoAccounts[0]!;
  const browser = new Browser(t.app, '192.0.2.200');
  const page = await loginAs(browser, { email: demo.email, password: demoPassword });
  expect(page.status).toBe(200);
  expect(mainText(page.body)).toContain(demo.name);
}

/** Decodes the text of an HTML attribute as Preact escaped it. */
function decodeAttribute(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The value an <input name=…> shows, read attribute by attribute (a value may hold a raw ">"). */
function inputValue(html: string, name: string): string | undefined {
  for (const tag of html.matchAll(/<input((?:\s+[\w-]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    const attributes = new Map([...tag[1]!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((a) => [a[1]!, a[2] ?? '']));
    if (attributes.get('name') === name) return decodeAttribute(attributes.get('value') ?? '');
  }
  return undefined;
}

describe('hostile input in forms', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
    await seedDemoData(t.deps.db, t.deps.hasher, t.clock);
  });
  afterEach(async () => {
    await t.close();
  });

  describe.each(forms.map((form) => [form.path, form] as const))('POST %s', (_path, form) => {
    it.each(hostileValues)('answers %s in every field with a readable page, never a 5xx', async (label, value) => {
      const prepared = await form.prepare(t);
      for (const field of form.fields) {
        // A return path is also tried as a local-looking path, to reach the code behind the "/" check.
        const variants = pathFields.has(field) && typeof value === 'string' ? [value, `/${value}`] : [value];
        for (const variant of variants) {
          const fields = { ...prepared.baseline(), [field]: variant };
          const page = await prepared.browser.post(form.path, fields, { formPage: prepared.formPage });
          await expectSafeAnswer(prepared.browser, page, `${form.path} ${field}=${label}`);
        }
      }
      await expectDemoLoginWorks(t);
    });
  });

  it.each(hostileValues)('refuses %s as the CSRF token with the CSRF page (or the 413 page when too large)', async (_label, value) => {
    const browser = browserOf(t);
    await browser.get('/login');
    const page = await browser.post('/login', { _csrf: value, email: demoAccounts[0]!.email, password: demoPassword });
    expect(page.status).toBe(value.length > 64 * 1024 ? 413 : 403);
    expect(browser.cookies.has('konsult_sid')).toBe(false);
    expectReadablePage(page, 'csrf');
  });

  it('shows a typed script tag back in the form as text, exactly as typed', async () => {
    const browser = browserOf(t);
    const page = await browser.post('/register', { name: '<script>alert(1)</script>', email: 'not-an-address' }, { formPage: '/register' });
    expect(page.status).toBe(422);
    expect(page.body).toContain('&lt;script>alert(1)&lt;/script>');
    expect(inputValue(page.body, 'name')).toBe('<script>alert(1)</script>');
    expectNoInjectedMarkup(page.body, 'register');
  });

  it('shows a typed attribute break-out back in the form without breaking out', async () => {
    const browser = browserOf(t);
    const page = await browser.post('/login', { email: '"><img src=x onerror=alert(1)>', password: 'x' }, { formPage: '/login' });
    expect(page.status).toBe(422);
    expect(inputValue(page.body, 'email')).toBe('"><img src=x onerror=alert(1)>');
    expectNoInjectedMarkup(page.body, 'login');
  });

  it('never shows a typed password back', async () => {
    const browser = browserOf(t);
    const page = await browser.post('/register', { name: 'Mari', email: 'bad', password: 'my-secret-passphrase', passwordRepeat: 'my-secret-passphrase' }, { formPage: '/register' });
    expect(page.status).toBe(422);
    expect(page.body).not.toContain('my-secret-passphrase');
  });

  it('stores "Õie Mäger" from the registration form exactly and greets her by it', async () => {
    const browser = browserOf(t);
    const registered = await browser.post(
      '/register',
      { name: 'Õie Mäger', email: 'oie@example.ee', phone: '', password: newPassphrase, passwordRepeat: newPassphrase },
      { formPage: '/register' },
    );
    expect(registered.status).toBe(200);
    const row = await t.deps.db.selectFrom('users').select(['name', 'phone']).where('email', '=', 'oie@example.ee').executeTakeFirstOrThrow();
    expect(row.name).toBe('Õie Mäger');
    expect(row.phone).toBeNull();
    await t.deps.db.updateTable('users').set({ email_verified_at: new Date().toISOString() }).where('email', '=', 'oie@example.ee').execute();
    const myMenu = await loginAs(browserOf(t), { email: 'oie@example.ee', password: newPassphrase });
    expect(mainText(myMenu.body)).toContain('Tere, Õie Mäger!');
  });

  it('stores "Õie Mäger" typed with combining marks as the same composed name', async () => {
    const user = await createUser(t);
    const browser = browserOf(t);
    await loginAs(browser, user);
    const saved = await browser.post('/account/profile', { name: 'O\u0303ie Ma\u0308ger', phone: '' }, { formPage: '/account' });
    expect(saved.status).toBe(303);
    const row = await t.deps.db.selectFrom('users').select('name').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.name).toBe('Õie Mäger');
  });

  it('saves "Õie Mäger" on the account page and shows it exactly in the form', async () => {
    const user = await createUser(t);
    const browser = browserOf(t);
    await loginAs(browser, user);
    const saved = await browser.post('/account/profile', { name: 'Õie Mäger', phone: '+372 5123 4567' }, { formPage: '/account' });
    const account = await browser.follow(saved);
    expect(inputValue(account.body, 'name')).toBe('Õie Mäger');
    expect(inputValue(account.body, 'phone')).toBe('+372 5123 4567');
  });

  it('keeps a name that looks like a script harmless on every page that shows it', async () => {
    const user = await createUser(t);
    const browser = browserOf(t);
    await loginAs(browser, user);
    const saved = await browser.post('/account/profile', { name: '<script>alert(1)</script>', phone: '' }, { formPage: '/account' });
    expect(saved.status).toBe(303);
    const row = await t.deps.db.selectFrom('users').select('name').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.name).toBe('<script>alert(1)</script>');

    const myMenu = await browser.get('/my');
    expect(mainText(myMenu.body)).toContain('Tere, <script>alert(1)</script>!');
    expectNoInjectedMarkup(myMenu.body, '/my');
    const account = await browser.get('/account');
    expect(inputValue(account.body, 'name')).toBe('<script>alert(1)</script>');
    expectNoInjectedMarkup(account.body, '/account');

    const admin = browserOf(t);
    await loginAs(admin, { email: 'admin@demo.konsult.ee', password: demoPassword });
    const list = await admin.get('/admin/users');
    expect(mainText(list.body)).toContain('<script>alert(1)</script>');
    expectNoInjectedMarkup(list.body, '/admin/users');
  });

  it('keeps a name with an attribute break-out harmless in e-mails about the account', async () => {
    const user = await createUser(t);
    const browser = browserOf(t);
    await loginAs(browser, user);
    await browser.post('/account/profile', { name: '"><img src=x onerror=alert(1)>', phone: '' }, { formPage: '/account' });
    await browser.post('/account/password', { currentPassword: defaultPassword, newPassword: newPassphrase, newPasswordRepeat: newPassphrase }, { formPage: '/account/password' });
    const email = await lastEmailTo(t, user.email);
    expect(email.html_body).not.toMatch(/<img[^>]*onerror/i);
    expect(email.text_body).toContain('"><img src=x onerror=alert(1)>');
  });

  it('leaves every account in place after an SQL-looking registration', async () => {
    const before = await t.deps.db.selectFrom('users').select('id').execute();
    const browser = browserOf(t);
    await browser.post(
      '/register',
      { name: "Robert'); DROP TABLE users;--", email: 'bobby@example.ee', phone: '', password: newPassphrase, passwordRepeat: newPassphrase },
      { formPage: '/register' },
    );
    const after = await t.deps.db.selectFrom('users').select(['id', 'name']).execute();
    expect(after).toHaveLength(before.length + 1);
    expect(after.map((u) => u.name)).toContain("Robert'); DROP TABLE users;--");
  });
});

describe('hostile query strings on the user list', () => {
  let t: TestApp;
  let admin: Browser;
  beforeEach(async () => {
    t = await createTestApp();
    await seedDemoData(t.deps.db, t.deps.hasher, t.clock);
    admin = browserOf(t);
    await loginAs(admin, { email: 'admin@demo.konsult.ee', password: demoPassword });
  });
  afterEach(async () => {
    await t.close();
  });

  it('treats a negative page and a script search as page 1 with the search shown as text', async () => {
    const page = await admin.get(`/admin/users?page=-1&q=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(page.status).toBe(200);
    expect(inputValue(page.body, 'q')).toBe('<script>alert(1)</script>');
    expect(mainText(page.body)).toContain('Ühtegi kasutajat ei leitud.');
    expectNoInjectedMarkup(page.body, 'q');
  });

  it('treats a page that is not a number as page 1', async () => {
    const page = await admin.get('/admin/users?page=abc');
    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Mari Maasikas');
  });

  it.each(['0', '1.5', '1e3', '99999999999999999999', 'NaN', 'Infinity', '%00'])('answers page=%s with a list, never a 5xx', async (value) => {
    const page = await admin.get(`/admin/users?page=${value}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Kasutajad</h1>');
  });

  it('answers a page far past the end with an empty list', async () => {
    const page = await admin.get('/admin/users?page=100000');
    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Ühtegi kasutajat ei leitud.');
  });

  it('ignores a search longer than the box allows instead of failing', async () => {
    const page = await admin.get(`/admin/users?q=${'a'.repeat(10_000)}`);
    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Mari Maasikas');
  });

  it.each([
    ['an SQL tautology', "' OR 1=1 --"],
    ['Bobby Tables', "Robert'); DROP TABLE users;--"],
    ['a NUL character', 'a\u0000b'],
    ['CR/LF', 'a\r\nb'],
    ['a lone surrogate escape', '%ED%A0%80'],
    ['a broken percent escape', '%E0%A4%A'],
    ['a LIKE wildcard run', '%%%___'],
  ])('answers a search for %s with an empty list, never a 5xx', async (_label, q) => {
    const encoded = q.startsWith('%') && q.length > 3 && !q.includes('_') ? q : encodeURIComponent(q);
    const page = await admin.get(`/admin/users?q=${encoded}`);
    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Ühtegi kasutajat ei leitud.');
    expect((await t.deps.db.selectFrom('users').select('id').execute()).length).toBe(demoAccounts.length);
  });

  it('answers a repeated search or page parameter without a 5xx', async () => {
    const page = await admin.get('/admin/users?q=a&q=b&page=1&page=2');
    expect(page.status).toBe(200);
  });

  it('answers bracketed parameter names without a 5xx', async () => {
    const page = await admin.get('/admin/users?q[$ne]=x&page[]=2&__proto__[admin]=1');
    expect(page.status).toBe(200);
  });
});
