import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoAccounts, demoPassword, seedDemoData } from '../../src/db/seed-demo.js';
import { submitApplication } from '../../src/use-cases/expert-applications.js';
import { Browser, mainText, type Page } from '../support/browser.js';
import { lastEmailTo, linkIn } from '../support/emails.js';
import { personApplication, validIdCodes } from '../support/experts.js';
import { createUser, defaultPassword, loginAs } from '../support/factories.js';
import { postMultipart } from '../support/multipart.js';
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

type Prepared = {
  browser: Browser;
  formPage: string;
  baseline: () => Record<string, string | string[]>;
  /**
   * Where the form posts, when that depends on what was prepared (an id); run before every post,
   * so it may also reset what the last post changed (the next one then meets the form afresh).
   */
  action?: () => Promise<string>;
};

/** The id of a demo account. */
async function demoUserId(t: TestApp, email: string): Promise<number> {
  return (await t.deps.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

/** A demo account signed in in a browser of its own. */
async function signedInDemo(t: TestApp, email: string): Promise<{ browser: Browser; id: number }> {
  const browser = browserOf(t);
  await loginAs(browser, { email, password: demoPassword });
  return { browser, id: await demoUserId(t, email) };
}

/** The first two demo fields. */
async function demoFieldIds(t: TestApp): Promise<number[]> {
  return (await t.deps.db.selectFrom('fields').select('id').orderBy('position').limit(2).execute()).map((f) => f.id);
}

/** A day a month after the test clock's today, as a date input sends it. */
function dayInAMonth(t: TestApp): string {
  return new Date(t.clock.now().getTime() + 30 * 24 * 60 * 60_000).toISOString().slice(0, 10);
}

/** Unique names for a field form (field names are unique). */
function fieldFormBaseline(): Record<string, string> {
  sequence += 1;
  return { nameEt: `Valdkond ${sequence}`, nameEn: `Field ${sequence}`, descriptionEt: 'Kirjeldus.', descriptionEn: 'Description.', isActive: 'on' };
}

/** A new person's application waiting for review (through the use case, as the form would). */
async function waitingApplication(t: TestApp): Promise<number> {
  const user = await createUser(t);
  const fieldIds = await demoFieldIds(t);
  return submitApplication(
    t.deps,
    { id: user.id, name: user.name, email: user.email, locale: 'et', roles: [] },
    {
      kind: 'person',
      fullName: user.name,
      personalIdCode: validIdCodes[0],
      organisationName: null,
      registryCode: null,
      contactPerson: null,
      qualifications: 'Magistrikraad.',
      bio: 'Aitan.',
      languages: ['et'],
      fieldIds,
      priceLevel: 2,
      note: null,
    },
    [],
  );
}

/** Each form: its fields, and how a person gets to it with valid values in every field. */
const forms: { path: string; fields: string[]; multipart?: boolean; prepare: (t: TestApp) => Promise<Prepared> }[] = [
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
  {
    path: '/become-expert',
    multipart: true,
    fields: ['kind', 'fullName', 'personalIdCode', 'organisationName', 'registryCode', 'contactPerson', 'qualifications', 'bio', 'languages', 'fieldIds', 'priceLevel', 'note'],
    prepare: async (t) => {
      const user = await createUser(t);
      const browser = browserOf(t);
      await loginAs(browser, user);
      const fieldIds = await demoFieldIds(t);
      return {
        browser,
        formPage: '/become-expert',
        baseline: () => personApplication(fieldIds, { personalIdCode: validIdCodes[0], note: 'Helistage õhtuti.' }),
        // An accepted post leaves an open application: withdraw it, so the next post meets the form again.
        action: async () => {
          await t.deps.db
            .updateTable('expert_applications')
            .set({ status: 'withdrawn' })
            .where('user_id', '=', user.id)
            .where('status', 'in', ['submitted', 'needs_info'])
            .execute();
          return '/become-expert';
        },
      };
    },
  },
  {
    path: '/experts/:id/edit',
    multipart: true,
    fields: ['qualifications', 'bio', 'languages', 'fieldIds', 'priceLevel', 'removePhoto'],
    prepare: async (t) => {
      const { browser, id } = await signedInDemo(t, 'jurist@demo.konsult.ee');
      const fieldIds = (await demoFieldIds(t)).map(String);
      return {
        browser,
        formPage: `/experts/${id}/edit`,
        baseline: () => ({ qualifications: 'Magistrikraad.', bio: 'Aitan kuriteoohvreid.', languages: ['et', 'en'], fieldIds, priceLevel: '2', removePhoto: '' }),
        action: async () => `/experts/${id}/edit`,
      };
    },
  },
  {
    path: '/experts/:id/leave',
    fields: ['isOnLeave', 'returnDate'],
    prepare: async (t) => {
      const { browser, id } = await signedInDemo(t, 'jurist@demo.konsult.ee');
      return { browser, formPage: `/experts/${id}/edit`, baseline: () => ({ isOnLeave: 'on', returnDate: dayInAMonth(t) }), action: async () => `/experts/${id}/leave` };
    },
  },
  {
    path: '/admin/fields',
    fields: ['nameEt', 'nameEn', 'descriptionEt', 'descriptionEn', 'isActive'],
    prepare: async (t) => {
      const { browser } = await signedInDemo(t, 'admin@demo.konsult.ee');
      return { browser, formPage: '/admin/fields', baseline: fieldFormBaseline };
    },
  },
  {
    path: '/admin/fields/:id',
    fields: ['nameEt', 'nameEn', 'descriptionEt', 'descriptionEn', 'isActive'],
    prepare: async (t) => {
      const { browser } = await signedInDemo(t, 'admin@demo.konsult.ee');
      const [id] = await demoFieldIds(t);
      return { browser, formPage: `/admin/fields/${id}`, baseline: fieldFormBaseline, action: async () => `/admin/fields/${id}` };
    },
  },
  {
    path: '/admin/fields/:id/move',
    fields: ['direction'],
    prepare: async (t) => {
      const { browser } = await signedInDemo(t, 'admin@demo.konsult.ee');
      const [, id] = await demoFieldIds(t);
      return { browser, formPage: '/admin/fields', baseline: () => ({ direction: 'up' }), action: async () => `/admin/fields/${id}/move` };
    },
  },
  {
    path: '/admin/expert-applications/:id/decision',
    fields: ['event', 'note'],
    prepare: async (t) => {
      const { browser } = await signedInDemo(t, 'moderaator@demo.konsult.ee');
      return {
        browser,
        formPage: '/admin/expert-applications',
        baseline: () => ({ event: 'askForInfo', note: 'Palun lisage diplomi koopia.' }),
        // Every post decides on an application of its own, still waiting for a decision.
        action: async () => `/admin/expert-applications/${await waitingApplication(t)}/decision`,
      };
    },
  },
];

/** Sends a prepared form as its page would: urlencoded, or multipart for a form with a file input. */
async function submitForm(t: TestApp, prepared: Prepared, multipart: boolean, action: string, fields: Record<string, string | string[]>): Promise<Page> {
  if (!multipart) return prepared.browser.post(action, fields, { formPage: prepared.formPage });
  await prepared.browser.get(prepared.formPage);
  return postMultipart(t.app, prepared.browser, action, { fields });
}

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

/** The experts and fields are all still there: the directory lists the demo experts; no field is gone. */
async function expectDemoDirectoryIntact(t: TestApp): Promise<void> {
  const directory = await new Browser(t.app, '192.0.2.201').get('/experts');
  expect(directory.status).toBe(200);
  for (const name of ['Jaan Tamm', 'Liis Kask', 'Andres Mets']) expect(mainText(directory.body)).toContain(name);
  // (A field may have been hidden: an "in use" box sent with anything but "on" is an unticked one.)
  expect((await t.deps.db.selectFrom('fields').select('id').execute()).length).toBeGreaterThanOrEqual(11);
}

/** Decodes the text of an HTML attribute as the views' JSX escaped it. */
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
          const action = prepared.action ? await prepared.action() : form.path;
          const page = await submitForm(t, prepared, form.multipart === true, action, fields);
          await expectSafeAnswer(prepared.browser, page, `${action} ${field}=${label}`);
        }
      }
      await expectDemoLoginWorks(t);
      await expectDemoDirectoryIntact(t);
    });
  });

  // The expert forms' baselines are accepted as they are, so in the tests above each hostile value is the only thing wrong.
  const expertForms = forms.filter((form) => /^\/(become-expert|experts|admin)/.test(form.path));
  it.each(expertForms.map((form) => [form.path, form] as const))('accepts the valid values of POST %s', async (_path, form) => {
    const prepared = await form.prepare(t);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const action = prepared.action ? await prepared.action() : form.path;
      const page = await submitForm(t, prepared, form.multipart === true, action, prepared.baseline());
      expect(page.status, action).toBe(303);
    }
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

describe('hostile text in the expert forms, kept exactly and shown as text', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
    await seedDemoData(t.deps.db, t.deps.hasher, t.clock);
  });
  afterEach(async () => {
    await t.close();
  });

  const script = '<script>alert(1)</script>';
  const breakOut = '"><img src=x onerror=alert(1)>';

  /** What a textarea holds, decoded. */
  function textareaValue(html: string, name: string): string | undefined {
    for (const m of html.matchAll(/<textarea[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) if (m[1] === name) return decodeAttribute(m[2]!);
    return undefined;
  }

  it('stores an application exactly as typed and shows it as text to the reviewer and, once approved, to everyone', async () => {
    const user = await createUser(t);
    const applicant = browserOf(t);
    await loginAs(applicant, user);
    const fieldIds = await demoFieldIds(t);
    const typed = {
      fullName: `${script} Õie Mäger`,
      qualifications: `${breakOut}\nRobert'); DROP TABLE users;--`,
      bio: '🌲🦊 👩🏽‍⚖️ مرحبا بالعالم \u202egnp.exe',
      note: `${script}\n' OR 1=1 --`,
    };
    await applicant.get('/become-expert');
    const sent = await postMultipart(t.app, applicant, '/become-expert', { fields: personApplication(fieldIds, { ...typed, personalIdCode: validIdCodes[0] }) });
    expect(sent.status).toBe(303);

    const row = await t.deps.db.selectFrom('expert_applications').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ full_name: typed.fullName, qualifications: typed.qualifications, bio: typed.bio, applicant_note: typed.note });

    const moderator = browserOf(t);
    await loginAs(moderator, { email: 'moderaator@demo.konsult.ee', password: demoPassword });
    const queue = await moderator.get('/admin/expert-applications');
    expect(mainText(queue.body)).toContain(typed.fullName);
    expectNoInjectedMarkup(queue.body, 'queue');
    const review = await moderator.get(`/admin/expert-applications/${row.id}`);
    for (const text of [typed.fullName, breakOut, typed.bio, script]) expect(mainText(review.body)).toContain(text);
    expectNoInjectedMarkup(review.body, 'review');

    const approved = await moderator.post(`/admin/expert-applications/${row.id}/decision`, { event: 'approve' }, { formPage: `/admin/expert-applications/${row.id}` });
    expect(approved.status).toBe(303);
    const visitor = browserOf(t);
    const profile = await visitor.get(`/experts/${user.id}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toContain(`<h1>${script.replace(/</g, '&lt;')} Õie Mäger</h1>`);
    expect(mainText(profile.body)).toContain(typed.bio);
    expectNoInjectedMarkup(profile.body, 'profile');
    const directory = await visitor.get(`/experts?q=${encodeURIComponent('Õie')}`);
    expect(mainText(directory.body)).toContain(typed.fullName);
    expectNoInjectedMarkup(directory.body, 'directory');
  });

  it('shows a refused application back with every hostile value exactly as typed', async () => {
    const user = await createUser(t);
    const applicant = browserOf(t);
    await loginAs(applicant, user);
    await applicant.get('/become-expert');
    const page = await postMultipart(t.app, applicant, '/become-expert', {
      fields: personApplication([], { fullName: breakOut, personalIdCode: script, bio: script, note: breakOut }),
    });
    expect(page.status).toBe(422);
    expect(inputValue(page.body, 'fullName')).toBe(breakOut);
    expect(inputValue(page.body, 'personalIdCode')).toBe(script);
    expect(textareaValue(page.body, 'bio')).toBe(script);
    expect(textareaValue(page.body, 'note')).toBe(breakOut);
    expectNoInjectedMarkup(page.body, 'application');
  });

  it('saves a hostile profile text exactly and shows it as text on the profile and in the form', async () => {
    const expertId = await demoUserId(t, 'jurist@demo.konsult.ee');
    const expert = browserOf(t);
    await loginAs(expert, { email: 'jurist@demo.konsult.ee', password: demoPassword });
    const fieldIds = (await demoFieldIds(t)).map(String);
    const bio = `${script}\n\n${breakOut} 🌲 Õie`;
    await expert.get(`/experts/${expertId}/edit`);
    const saved = await postMultipart(t.app, expert, `/experts/${expertId}/edit`, {
      fields: { qualifications: "Robert'); DROP TABLE users;--", bio, languages: ['et'], fieldIds, priceLevel: '1' },
    });
    expect(saved.status).toBe(303);
    const row = await t.deps.db.selectFrom('expert_profiles').select(['bio', 'qualifications']).where('user_id', '=', expertId).executeTakeFirstOrThrow();
    expect(row).toEqual({ bio, qualifications: "Robert'); DROP TABLE users;--" });

    const form = await expert.get(`/experts/${expertId}/edit`);
    expect(textareaValue(form.body, 'bio')).toBe(bio);
    expectNoInjectedMarkup(form.body, 'edit');
    const profile = await browserOf(t).get(`/experts/${expertId}`);
    expect(mainText(profile.body)).toContain(script);
    expect(mainText(profile.body)).toContain(breakOut);
    expectNoInjectedMarkup(profile.body, 'profile');
  });

  it('shows a hostile return date back in the leave form and leaves the expert as they were', async () => {
    const expertId = await demoUserId(t, 'jurist@demo.konsult.ee');
    const expert = browserOf(t);
    await loginAs(expert, { email: 'jurist@demo.konsult.ee', password: demoPassword });
    const page = await expert.post(`/experts/${expertId}/leave`, { isOnLeave: 'on', returnDate: breakOut }, { formPage: `/experts/${expertId}/edit` });
    expect(page.status).toBe(422);
    expect(inputValue(page.body, 'returnDate')).toBe(breakOut);
    expectNoInjectedMarkup(page.body, 'leave');
    const row = await t.deps.db.selectFrom('expert_profiles').select(['is_on_leave', 'leave_until']).where('user_id', '=', expertId).executeTakeFirstOrThrow();
    expect(row).toEqual({ is_on_leave: 0, leave_until: null });
  });

  it('stores a hostile field name exactly and shows it as text wherever fields are listed', async () => {
    const admin = browserOf(t);
    await loginAs(admin, { email: 'admin@demo.konsult.ee', password: demoPassword });
    const created = await admin.post(
      '/admin/fields',
      { nameEt: script, nameEn: breakOut, descriptionEt: "' OR 1=1 --", descriptionEn: '🌲 Õie', isActive: 'on' },
      { formPage: '/admin/fields' },
    );
    expect(created.status).toBe(303);
    const row = await t.deps.db.selectFrom('fields').selectAll().where('name_et', '=', script).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name_en: breakOut, description_et: "' OR 1=1 --", description_en: '🌲 Õie' });

    const list = await admin.get('/admin/fields');
    expect(mainText(list.body)).toContain(script);
    expect(mainText(list.body)).toContain(breakOut);
    expectNoInjectedMarkup(list.body, '/admin/fields');
    const edit = await admin.get(`/admin/fields/${row.id}`);
    expect(inputValue(edit.body, 'nameEt')).toBe(script);
    expect(inputValue(edit.body, 'nameEn')).toBe(breakOut);
    expectNoInjectedMarkup(edit.body, 'edit');

    const customer = browserOf(t);
    await loginAs(customer, await createUser(t));
    for (const path of ['/experts', '/order/consultation', '/become-expert', `/experts?field=${row.id}`]) {
      const page = await customer.get(path);
      expect(page.status, path).toBe(200);
      expect(page.body, path).toContain('&lt;script>alert(1)&lt;/script>');
      expectNoInjectedMarkup(page.body, path);
    }
    const english = browserOf(t);
    await loginAs(english, await createUser(t, { locale: 'en' }));
    const chooser = await english.get('/order/consultation');
    expect(mainText(chooser.body)).toContain(breakOut);
    expectNoInjectedMarkup(chooser.body, 'en chooser');
  });

  it('shows a refused field form back with the hostile values exactly as typed', async () => {
    const admin = browserOf(t);
    await loginAs(admin, { email: 'admin@demo.konsult.ee', password: demoPassword });
    const page = await admin.post('/admin/fields', { nameEt: `${script}\n`.repeat(2), nameEn: breakOut, descriptionEt: breakOut, descriptionEn: '' }, { formPage: '/admin/fields' });
    expect(page.status).toBe(422);
    expect(inputValue(page.body, 'nameEt')).toBe(`${script}\n`.repeat(2));
    expect(inputValue(page.body, 'nameEn')).toBe(breakOut);
    expect(textareaValue(page.body, 'descriptionEt')).toBe(breakOut);
    expectNoInjectedMarkup(page.body, 'field form');
  });

  it('stores a hostile decision note exactly and shows it to the applicant as text, in the portal and the e-mail', async () => {
    const applicantEmail = 'taotleja@demo.konsult.ee';
    const applicationId = (await t.deps.db.selectFrom('expert_applications').select('id').executeTakeFirstOrThrow()).id;
    const moderator = browserOf(t);
    await loginAs(moderator, { email: 'moderaator@demo.konsult.ee', password: demoPassword });
    const note = `${script}\n${breakOut}\nRobert'); DROP TABLE users;--`;
    const decided = await moderator.post(`/admin/expert-applications/${applicationId}/decision`, { event: 'askForInfo', note }, { formPage: `/admin/expert-applications/${applicationId}` });
    expect(decided.status).toBe(303);
    const row = await t.deps.db.selectFrom('expert_applications').select(['status', 'review_note']).where('id', '=', applicationId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'needs_info', review_note: note });

    const review = await moderator.follow(decided);
    expect(mainText(review.body)).toContain(script);
    expectNoInjectedMarkup(review.body, 'review');

    const applicant = browserOf(t);
    await loginAs(applicant, { email: applicantEmail, password: demoPassword });
    const page = await applicant.get('/become-expert');
    expect(mainText(page.body)).toContain(script);
    expect(mainText(page.body)).toContain(breakOut);
    expectNoInjectedMarkup(page.body, '/become-expert');
    const email = await lastEmailTo(t, applicantEmail);
    expect(email.text_body).toContain(script);
    expect(email.html_body).not.toMatch(/<script/i);
    expect(email.html_body).not.toMatch(/<img[^>]*onerror/i);
  });

  it('shows a refused decision back with the note as typed', async () => {
    const applicationId = (await t.deps.db.selectFrom('expert_applications').select('id').executeTakeFirstOrThrow()).id;
    const moderator = browserOf(t);
    await loginAs(moderator, { email: 'moderaator@demo.konsult.ee', password: demoPassword });
    const page = await moderator.post(`/admin/expert-applications/${applicationId}/decision`, { event: script, note: breakOut }, { formPage: `/admin/expert-applications/${applicationId}` });
    expect(page.status).toBe(422);
    expect(textareaValue(page.body, 'note')).toBe(breakOut);
    expectNoInjectedMarkup(page.body, 'decision');
    const row = await t.deps.db.selectFrom('expert_applications').select('status').where('id', '=', applicationId).executeTakeFirstOrThrow();
    expect(row.status).toBe('submitted');
  });
});

describe('hostile query strings on the expert directory', () => {
  let t: TestApp;
  let visitor: Browser;
  beforeEach(async () => {
    t = await createTestApp();
    await seedDemoData(t.deps.db, t.deps.hasher, t.clock);
    visitor = browserOf(t);
  });
  afterEach(async () => {
    await t.close();
  });

  const parameters = ['field', 'q', 'lang', 'price', 'rating', 'sort', 'page'];

  function queryOf(name: string, value: string | string[]): string {
    return (Array.isArray(value) ? value : [value]).map((v) => `${name}=${encodeURIComponent(v)}`).join('&');
  }

  /** What the search box shows for a search: control characters as spaces, trimmed, at most 100 characters. */
  function shownSearch(value: string | string[]): string {
    return Array.isArray(value) ? '' : value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, 100);
  }

  it.each(hostileValues)('answers %s in every parameter with the directory, never a 5xx', async (label, value) => {
    for (const name of parameters) {
      const path = `/experts?${queryOf(name, value)}`;
      const page = await visitor.get(path);
      expect(page.status, `${name}=${label}`).toBe(200);
      expectReadablePage(page, `${name}=${label}`);
      if (name === 'q') expect(inputValue(page.body, 'q'), label).toBe(shownSearch(value));
    }
    await expectDemoDirectoryIntact(t);
  });

  it('shows a script searched for as text in the search box and finds nobody', async () => {
    const page = await visitor.get(`/experts?q=${encodeURIComponent('<script>alert(1)</script>')}&page=-1`);
    expect(page.status).toBe(200);
    expect(inputValue(page.body, 'q')).toBe('<script>alert(1)</script>');
    expect(mainText(page.body)).toContain('Leitud 0 eksperti');
    expectNoInjectedMarkup(page.body, 'q');
  });

  it.each([
    ['an SQL tautology', "' OR 1=1 --"],
    ['Bobby Tables', "Robert'); DROP TABLE users;--"],
    ['a LIKE wildcard run', '%%%___'],
    ['a lone percent sign', '%'],
    ['an underscore', '_'],
    ['a backslash', '\\'],
  ])('finds nobody for %s (no wildcard or quote reaches the query as such)', async (_label, q) => {
    const page = await visitor.get(`/experts?q=${encodeURIComponent(q)}`);
    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Leitud 0 eksperti');
    await expectDemoDirectoryIntact(t);
  });

  it.each([
    ['a lone surrogate escape', 'q=%ED%A0%80'],
    ['a broken percent escape', 'q=%E0%A4%A'],
    ['a NUL escape in a number', 'field=%00&price=%00&page=%00'],
    ['numbers out of range', 'field=99999999999999999999&price=4&rating=0&page=1e9'],
    ['negative and fractional numbers', 'field=-1&price=1.5&rating=-5&page=-3'],
    ['bracketed names', 'q[$ne]=x&field[]=1&__proto__[admin]=1&constructor[prototype][x]=1'],
    ['repeated parameters', 'q=a&q=b&field=1&field=2&sort=price&sort=newest&page=1&page=2'],
  ])('answers %s with the directory, never a 5xx', async (_label, query) => {
    const page = await visitor.get(`/experts?${query}`);
    expect(page.status).toBe(200);
    expectReadablePage(page, query);
  });

  it('answers a field that does not exist with the not-found page', async () => {
    const page = await visitor.get('/experts?field=2147483647');
    expect(page.status).toBe(404);
    expectReadablePage(page, 'field');
  });
});
