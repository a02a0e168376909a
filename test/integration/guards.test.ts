import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GrantableRole } from '../../src/domain/roles.js';
import { actorOf, requireRole, requireUser } from '../../src/http/plugins/guards.js';
import { mainText, type Browser } from '../support/browser.js';
import { createUser, loginAs } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const forbiddenTitle = 'Ligipääs puudub';

/** Fixture pages, one per guard, that say who got in. */
function fixtureRoutes(app: FastifyInstance): void {
  const allowed = (path: string, preHandler: ReturnType<typeof requireRole>) =>
    app.get(path, { preHandler }, async (request, reply) => reply.type('text/plain').send(`allowed:${actorOf(request).email}`));
  allowed('/fixture/user', requireUser);
  allowed('/fixture/expert', requireRole('expert'));
  allowed('/fixture/moderator', requireRole('moderator'));
  allowed('/fixture/admin', requireRole('admin'));
  allowed('/fixture/staff', requireRole('admin', 'moderator'));
  app.post('/fixture/user-action', { preHandler: requireUser }, async (_request, reply) => reply.type('text/plain').send('done'));
}

type ActorKind = 'customer' | 'expert' | 'moderator' | 'admin' | 'expert and moderator';
const rolesOf: Record<ActorKind, GrantableRole[]> = {
  customer: [],
  expert: ['expert'],
  moderator: ['moderator'],
  admin: ['admin'],
  'expert and moderator': ['expert', 'moderator'],
};

/** Who may open each fixture page; everyone else signed in gets the 403 page. */
const matrix: { path: string; guard: string; allowed: ActorKind[] }[] = [
  { path: '/fixture/user', guard: 'requireUser', allowed: ['customer', 'expert', 'moderator', 'admin', 'expert and moderator'] },
  { path: '/fixture/expert', guard: "requireRole('expert')", allowed: ['expert', 'expert and moderator'] },
  { path: '/fixture/moderator', guard: "requireRole('moderator')", allowed: ['moderator', 'expert and moderator'] },
  { path: '/fixture/admin', guard: "requireRole('admin')", allowed: ['admin'] },
  { path: '/fixture/staff', guard: "requireRole('admin', 'moderator')", allowed: ['moderator', 'admin', 'expert and moderator'] },
];
const actorKinds = Object.keys(rolesOf) as ActorKind[];
const cases = matrix.flatMap(({ path, guard, allowed }) => actorKinds.map((kind) => ({ path, guard, kind, isAllowed: allowed.includes(kind) })));

describe('role guards on fixture routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ extraRoutes: fixtureRoutes });
  });
  afterEach(async () => {
    await t.close();
  });

  async function signedIn(kind: ActorKind): Promise<{ browser: Browser; email: string }> {
    const user = await createUser(t, { roles: rolesOf[kind] });
    const browser = t.browser();
    await loginAs(browser, user);
    return { browser, email: user.email };
  }

  it.each(matrix)('$guard sends an anonymous visitor to sign in, remembering the page', async ({ path }) => {
    const page = await t.browser().get(`${path}?tab=2`);
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent(`${path}?tab=2`)}`);
  });

  it.each(cases.filter((c) => c.isAllowed))('$guard lets $kind in', async ({ path, kind }) => {
    const { browser, email } = await signedIn(kind);
    const page = await browser.get(path);
    expect(page.status).toBe(200);
    expect(page.body).toBe(`allowed:${email}`);
  });

  it.each(cases.filter((c) => !c.isAllowed))('$guard shows $kind the friendly 403 page', async ({ path, kind }) => {
    const { browser } = await signedIn(kind);
    const page = await browser.get(path);
    expect(page.status).toBe(403);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(mainText(page.body)).toContain(forbiddenTitle);
    expect(page.body).not.toContain('allowed:');
  });

  it('brings an anonymous visitor back to the guarded page after signing in', async () => {
    const user = await createUser(t, { roles: ['expert'] });
    const browser = t.browser();
    const redirect = await browser.get('/fixture/expert');
    const loginPage = await browser.follow(redirect);
    expect(mainText(loginPage.body)).toContain('Selle lehe nägemiseks logige sisse.');
    const loggedIn = await browser.post('/login', { email: user.email, password: user.password, next: '/fixture/expert' });
    expect(loggedIn.status).toBe(303);
    expect(loggedIn.location).toBe('/fixture/expert');
    expect((await browser.follow(loggedIn)).body).toBe(`allowed:${user.email}`);
  });

  it('sends an anonymous form post to sign in and then to My menu, not back to the post', async () => {
    const browser = t.browser();
    await browser.get('/');
    const page = await browser.post('/fixture/user-action', {});
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent('/my')}`);
  });

  it('stops letting a user in once signed out', async () => {
    const { browser } = await signedIn('admin');
    expect((await browser.get('/fixture/admin')).status).toBe(200);
    await browser.post('/logout', {});
    const page = await browser.get('/fixture/admin');
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/login\?next=/);
  });
});

describe('the user list (/admin/users)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  async function browserFor(roles: GrantableRole[]): Promise<Browser> {
    const browser = t.browser();
    await loginAs(browser, await createUser(t, { roles }));
    return browser;
  }

  /** The rows of the user table, as visible text. */
  function rows(html: string): string[] {
    const body = /<tbody>([\s\S]*)<\/tbody>/.exec(html)?.[1] ?? '';
    return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => mainText(m[1]!));
  }

  it('shows an admin every user with name and e-mail', async () => {
    await createUser(t, { name: 'Mari Maasikas', email: 'mari@example.ee' });
    const page = await (await browserFor(['admin'])).get('/admin/users');
    expect(page.status).toBe(200);
    const text = mainText(page.body);
    expect(text).toContain('Kasutajad');
    expect(text).toContain('2 kasutajat');
    expect(rows(page.body).some((row) => row.includes('Mari Maasikas') && row.includes('mari@example.ee'))).toBe(true);
  });

  it('shows a moderator the user list too', async () => {
    await createUser(t, { name: 'Mari Maasikas' });
    const page = await (await browserFor(['moderator'])).get('/admin/users');
    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Mari Maasikas');
  });

  it('shows each user\'s roles and status', async () => {
    await createUser(t, { name: 'Jaan Tamm', roles: ['expert'] });
    await createUser(t, { name: 'Uus Kasutaja', isVerified: false });
    const list = rows((await (await browserFor(['admin'])).get('/admin/users')).body);
    expect(list.find((row) => row.includes('Jaan Tamm'))).toMatch(/Teenuse tellija, Ekspert .*Aktiivne/);
    expect(list.find((row) => row.includes('Uus Kasutaja'))).toContain('Kinnitamata');
  });

  it.each([
    ['a customer', [] as GrantableRole[]],
    ['an expert', ['expert'] as GrantableRole[]],
  ])('refuses %s with the 403 page', async (_who, roles) => {
    await createUser(t, { name: 'Mari Maasikas' });
    const page = await (await browserFor(roles)).get('/admin/users');
    expect(page.status).toBe(403);
    expect(mainText(page.body)).toContain(forbiddenTitle);
    expect(page.body).not.toContain('Mari Maasikas');
  });

  it('sends an anonymous visitor to sign in', async () => {
    const page = await t.browser().get('/admin/users?q=mari');
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent('/admin/users?q=mari')}`);
  });

  it('finds users by part of the name, whatever the letter case', async () => {
    await createUser(t, { name: 'Mari Maasikas' });
    await createUser(t, { name: 'Jaan Tamm' });
    const page = await (await browserFor(['admin'])).get('/admin/users?q=maasIKAS');
    const list = rows(page.body);
    expect(list).toHaveLength(1);
    expect(list[0]).toContain('Mari Maasikas');
    expect(mainText(page.body)).toContain('1 kasutaja');
  });

  it('finds users by an Estonian name typed in lower case', async () => {
    await createUser(t, { name: 'Õie Mäger' });
    await createUser(t, { name: 'Jaan Tamm' });
    const page = await (await browserFor(['admin'])).get(`/admin/users?q=${encodeURIComponent('õie mäger')}`);
    const list = rows(page.body);
    expect(list).toHaveLength(1);
    expect(list[0]).toContain('Õie Mäger');
  });

  it('finds users by part of the e-mail address', async () => {
    await createUser(t, { name: 'Mari', email: 'mari_m@example.ee' });
    await createUser(t, { name: 'Jaan', email: 'marixm@example.ee' });
    const page = await (await browserFor(['admin'])).get(`/admin/users?q=${encodeURIComponent('mari_m@')}`);
    const list = rows(page.body);
    expect(list).toHaveLength(1);
    expect(list[0]).toContain('mari_m@example.ee');
  });

  it('treats % in a search as a letter, not a wildcard', async () => {
    await createUser(t, { name: 'Allahindlus 50% kõigile' });
    await createUser(t, { name: 'Jaan Tamm' });
    const list = rows((await (await browserFor(['admin'])).get(`/admin/users?q=${encodeURIComponent('%')}`)).body);
    expect(list).toHaveLength(1);
    expect(list[0]).toContain('Allahindlus 50% kõigile');
  });

  it('keeps the search words in the search box', async () => {
    const page = await (await browserFor(['admin'])).get('/admin/users?q=Tamm');
    expect(page.body).toMatch(/<input[^>]*name="q"[^>]*value="Tamm"/);
  });

  it('says so when nobody matches', async () => {
    const page = await (await browserFor(['admin'])).get('/admin/users?q=nobody-by-this-name');
    expect(mainText(page.body)).toContain('Ühtegi kasutajat ei leitud.');
  });

  it('shows 25 users a page with a link to the next page', async () => {
    for (let i = 0; i < 30; i += 1) await createUser(t, { name: `Paged User ${i}` });
    const page = await (await browserFor(['admin'])).get('/admin/users');
    expect(rows(page.body)).toHaveLength(25);
    expect(mainText(page.body)).toContain('Lehekülg 1 / 2');
    expect(page.body).toContain('href="/admin/users?page=2"');
  });

  it('shows the rest on the second page, none repeated', async () => {
    for (let i = 0; i < 30; i += 1) await createUser(t, { name: `Paged User ${i}` });
    const browser = await browserFor(['admin']);
    const first = rows((await browser.get('/admin/users')).body);
    const secondPage = await browser.get('/admin/users?page=2');
    const second = rows(secondPage.body);
    expect(second).toHaveLength(6);
    expect(mainText(secondPage.body)).toContain('Lehekülg 2 / 2');
    expect(secondPage.body).toContain('href="/admin/users?page=1"');
    expect(new Set([...first, ...second]).size).toBe(31);
  });

  it('keeps the search when paging through results', async () => {
    for (let i = 0; i < 27; i += 1) await createUser(t, { name: `Otsitav ${i}` });
    for (let i = 0; i < 5; i += 1) await createUser(t, { name: `Muu ${i}` });
    const browser = await browserFor(['admin']);
    const first = await browser.get('/admin/users?q=otsitav');
    expect(mainText(first.body)).toContain('27 kasutajat');
    expect(first.body).toContain('href="/admin/users?q=otsitav&amp;page=2"');
    const second = rows((await browser.get('/admin/users?q=otsitav&page=2')).body);
    expect(second).toHaveLength(2);
    expect(second.every((row) => row.includes('Otsitav'))).toBe(true);
  });
});

describe('the sent e-mail pages', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  /** Puts one e-mail into the outbox the way a person would: asking for a password reset. */
  async function oneEmail(): Promise<number> {
    const user = await createUser(t, { email: 'mari@example.ee' });
    const page = await t.browser().post('/password/forgot', { email: user.email }, { formPage: '/password/forgot' });
    expect(page.status).toBe(200);
    const row = await t.deps.db.selectFrom('outbox_emails').select('id').where('to_address', '=', user.email).executeTakeFirstOrThrow();
    return row.id;
  }

  async function signedIn(roles: GrantableRole[]): Promise<Browser> {
    const browser = t.browser();
    await loginAs(browser, await createUser(t, { roles }));
    return browser;
  }

  describe('in production', () => {
    beforeEach(async () => {
      t = await createTestApp({ env: { NODE_ENV: 'production' } });
    });

    it('shows the list to an admin', async () => {
      await oneEmail();
      const page = await (await signedIn(['admin'])).get('/sent-emails');
      expect(page.status).toBe(200);
      expect(mainText(page.body)).toContain('mari@example.ee');
    });

    it('shows one e-mail to an admin', async () => {
      const id = await oneEmail();
      const page = await (await signedIn(['admin'])).get(`/sent-emails/${id}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`src="/sent-emails/${id}/html"`);
    });

    it.each([
      ['a customer', [] as GrantableRole[]],
      ['an expert', ['expert'] as GrantableRole[]],
      ['a moderator', ['moderator'] as GrantableRole[]],
    ])('refuses the list to %s', async (_who, roles) => {
      await oneEmail();
      const page = await (await signedIn(roles)).get('/sent-emails');
      expect(page.status).toBe(403);
      expect(page.body).not.toContain('mari@example.ee');
    });

    it('refuses a single e-mail and its HTML body to a customer', async () => {
      const id = await oneEmail();
      const browser = await signedIn([]);
      expect((await browser.get(`/sent-emails/${id}`)).status).toBe(403);
      const html = await browser.get(`/sent-emails/${id}/html`);
      expect(html.status).toBe(403);
      expect(html.body).not.toContain('mari@example.ee');
    });

    it('sends an anonymous visitor to sign in', async () => {
      const id = await oneEmail();
      for (const path of ['/sent-emails', `/sent-emails/${id}`, `/sent-emails/${id}/html`]) {
        const page = await t.browser().get(path);
        expect(page.status).toBe(303);
        expect(page.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      }
    });

    it('hides the links to it from a moderator, who could not open it', async () => {
      const myMenu = await (await signedIn(['moderator'])).get('/my');
      expect(myMenu.body).toContain('href="/admin/users"');
      expect(myMenu.body).not.toContain('href="/sent-emails"');
    });

    it('hides the link from anonymous visitors', async () => {
      expect((await t.browser().get('/')).body).not.toContain('href="/sent-emails"');
    });

    it('shows the links to an admin', async () => {
      const myMenu = await (await signedIn(['admin'])).get('/my');
      expect(myMenu.body.match(/href="\/sent-emails"/g)?.length).toBe(2);
    });
  });

  describe('in development', () => {
    beforeEach(async () => {
      t = await createTestApp({ env: { NODE_ENV: 'development' } });
    });

    it('lets anyone read the list, so every flow works without a mail server', async () => {
      await oneEmail();
      const page = await t.browser().get('/sent-emails');
      expect(page.status).toBe(200);
      expect(mainText(page.body)).toContain('mari@example.ee');
    });

    it('lets anyone open one e-mail', async () => {
      const id = await oneEmail();
      const page = await t.browser().get(`/sent-emails/${id}`);
      expect(page.status).toBe(200);
      expect(mainText(page.body)).toContain('mari@example.ee');
    });

    it('answers 404 for an e-mail that does not exist', async () => {
      const page = await t.browser().get('/sent-emails/999999');
      expect(page.status).toBe(404);
      expect(mainText(page.body)).toContain('Lehte ei leitud');
    });

    it('answers 404, not an error, for an id that is not a number', async () => {
      expect((await t.browser().get('/sent-emails/abc')).status).toBe(404);
      expect((await t.browser().get('/sent-emails/abc/html')).status).toBe(404);
      expect((await t.browser().get('/sent-emails/99999999999999999999')).status).toBe(404);
    });

    it('serves the HTML body under its own CSP: sandboxed, no scripts, nothing fetched', async () => {
      const id = await oneEmail();
      const page = await t.browser().get(`/sent-emails/${id}/html`);
      expect(page.status).toBe(200);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toMatch(/(^|;\s*)sandbox(\s*;|$)/);
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/script-src/);
      expect(csp).toContain("frame-ancestors 'self'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.body).toContain('Konsult');
    });
  });

  describe('in development with an SMTP server set', () => {
    beforeEach(async () => {
      t = await createTestApp({ env: { NODE_ENV: 'development', SMTP_URL: 'smtp://127.0.0.1:1' } });
    });

    it('keeps every e-mail to admins: they leave for real mailboxes, the page is no longer the only one', async () => {
      const id = await oneEmail();
      for (const path of ['/sent-emails', `/sent-emails/${id}`, `/sent-emails/${id}/html`]) {
        const page = await t.browser().get(path);
        expect(page.status).toBe(303);
        expect(page.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      }
      const customer = await signedIn([]);
      expect((await customer.get('/sent-emails')).status).toBe(403);
      expect((await customer.get('/my')).body).not.toContain('href="/sent-emails"');
      expect((await t.browser().get('/')).body).not.toContain('href="/sent-emails"');
    });
  });
});

describe('pages that need a signed-in user', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it.each(['/my', '/account', '/account/password', '/account/email', '/mailbox'])('%s sends an anonymous visitor to sign in', async (path) => {
    const page = await t.browser().get(path);
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent(path)}`);
  });

  it.each(['/my', '/account', '/mailbox'])('%s opens for a signed-in customer', async (path) => {
    const browser = t.browser();
    await loginAs(browser, await createUser(t, { name: 'Mari Maasikas' }));
    const page = await browser.get(path);
    expect(page.status).toBe(200);
  });

  it.each(['/account/profile', '/account/password', '/account/email'])('a form post to %s from an anonymous visitor changes nothing and asks to sign in', async (path) => {
    const browser = t.browser();
    await browser.get('/');
    const page = await browser.post(path, { name: 'Keegi' });
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/login\?next=/);
  });
});
