import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRoles } from '../../src/db/repositories/user-repository.js';
import type { UserRow } from '../../src/db/schema.js';
import { orderOffer } from '../../src/use-cases/orders.js';
import { auditEntries, flashOf, hasForm, summaryOf, textOf } from '../support/admin.js';
import type { Browser, Page } from '../support/browser.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs, type UserOptions } from '../support/factories.js';
import { actorOf, createInquiryAs, makeOfferAs } from '../support/inquiries.js';
import { fieldError, fieldValue, isSignedIn, signIn, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Users in the back office (issue 8): finding an account, what staff see of it, blocking and
 * unblocking (which ends its sessions at once), and the moderator and admin roles.
 */

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

// ---- sentences the pages show ----

const text = {
  saved: 'Muudatus on salvestatud ja logitud.',
  required: 'See väli on kohustuslik.',
  blockedLogin: 'See konto on suletud. Võtke ühendust kasutajatoega.',
  refusalSelf: 'Oma kontot ei saa blokeerida ega selle rolle muuta.',
  refusalStaff: 'Töötaja kontot saab blokeerida ainult administraator.',
  forbiddenTitle: 'Ligipääs puudub',
  notFoundTitle: 'Lehte ei leitud',
  badRequestTitle: 'Päringut ei saanud töödelda',
  selfNote: 'See on teie enda konto: enda blokeerimine ja rollide muutmine pole võimalik.',
};

// ---- reading pages ----

type ListedUser = { id: number; name: string; email: string; roles: string; status: string };

/** The rows of the user list, top to bottom. */
function listedUsers(html: string): ListedUser[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => {
    const cells = [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(`<main>${c[1]!}</main>`));
    return {
      id: Number(/href="\/admin\/users\/(\d+)"/.exec(row[1]!)?.[1]),
      name: cells[0]!,
      email: cells[1]!,
      roles: cells[2]!,
      status: cells[3]!,
    };
  });
}

function search(browser: Browser, q: string): Promise<Page> {
  return browser.get(`/admin/users?${new URLSearchParams({ q }).toString()}`);
}

async function namesFound(browser: Browser, q: string): Promise<string[]> {
  const page = await search(browser, q);
  expect(page.status).toBe(200);
  return listedUsers(page.body).map((u) => u.name);
}

/** The account card of a user's page as [term, description] pairs. */
function accountFacts(html: string): Record<string, string> {
  const list = /<section class="card" aria-labelledby="account-title">[\s\S]*?<dl class="meta-list">([\s\S]*?)<\/dl>/.exec(html)?.[1] ?? '';
  const facts: Record<string, string> = {};
  for (const m of list.matchAll(/<dt>([\s\S]*?)<\/dt>\s*<dd>([\s\S]*?)<\/dd>/g)) facts[textOf(`<main>${m[1]!}</main>`)] = textOf(`<main>${m[2]!}</main>`);
  return facts;
}

/** A history table by its caption: each row's cells as text, and the links of the rows. */
function tableByCaption(html: string, caption: string): { rows: string[][]; links: string[] } | undefined {
  for (const table of html.matchAll(/<table>([\s\S]*?)<\/table>/g)) {
    const found = /<caption>([\s\S]*?)<\/caption>/.exec(table[1]!)?.[1];
    if (found === undefined || textOf(`<main>${found}</main>`) !== caption) continue;
    const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table[1]!)?.[1] ?? '';
    const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)];
    return {
      rows: rows.map((r) => [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(`<main>${c[1]!}</main>`))),
      links: rows.flatMap((r) => [...r[1]!.matchAll(/href="([^"]+)"/g)].map((a) => a[1]!)),
    };
  }
  return undefined;
}

/** The audit section of a user's page as visible text. */
function auditSection(html: string): string {
  return textOf(`<main>${/<section class="card" aria-labelledby="user-audit-title">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? ''}</main>`);
}

// ---- the people ----

async function staff(role: 'admin' | 'moderator', options: UserOptions = {}) {
  return signedInUser(t, { name: role === 'admin' ? 'Aino Admin' : 'Vello Vastutav', ...options, roles: [role, ...(options.roles ?? [])] });
}

/** Someone signed in in a browser of their own before staff act on the account. */
async function person(options: UserOptions = {}) {
  return signedInUser(t, { name: 'Kalle Klient', ...options });
}

async function userRow(id: number): Promise<UserRow> {
  return t.deps.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

function userPage(id: number): string {
  return `/admin/users/${id}`;
}

/** Sends the block form from the user's page, as staff would. */
function block(browser: Browser, id: number, reason: string): Promise<Page> {
  return browser.post(`${userPage(id)}/block`, { reason }, { formPage: userPage(id) });
}

function unblock(browser: Browser, id: number): Promise<Page> {
  return browser.post(`${userPage(id)}/unblock`, {}, { formPage: userPage(id) });
}

function setRole(browser: Browser, id: number, fields: Record<string, string>): Promise<Page> {
  return browser.post(`${userPage(id)}/roles`, fields, { formPage: userPage(id) });
}

/** What a refused account action must leave as it was. */
async function accountState(id: number) {
  const user = await userRow(id);
  const sessions = await t.deps.db.selectFrom('sessions').select('id_hash').where('user_id', '=', id).execute();
  return { blockedAt: user.blocked_at, roles: (await listRoles(t.deps.db, id)).sort(), sessions: sessions.length, audit: (await auditEntries(t)).length };
}

// ---- finding users ----

describe('the user list', () => {
  it('finds users by name, ignoring case, Estonian letters too; each row links to the user’s page', async () => {
    const { browser } = await staff('admin', { name: 'Aino Admin', email: 'aino@example.ee' });
    const mari = await createUser(t, { name: 'Mari Maasikas', email: 'mari.maasikas@example.ee' });
    await createUser(t, { name: 'Õie Mäger', email: 'oie@example.ee' });
    await createUser(t, { name: 'Jaan Tamm', email: 'jaan@example.ee' });

    const found = await search(browser, 'MARI');
    expect(found.status).toBe(200);
    expect(listedUsers(found.body)).toEqual([{ id: mari.id, name: 'Mari Maasikas', email: 'mari.maasikas@example.ee', roles: 'Teenuse tellija', status: 'Aktiivne' }]);
    expect(fieldValue(found.body, 'q')).toBe('MARI');
    expect(textOf(found.body)).toContain('1 kasutaja');
    expect(await namesFound(browser, 'õie')).toEqual(['Õie Mäger']);
    expect(await namesFound(browser, 'ÕIE MÄ')).toEqual(['Õie Mäger']);
    expect(await namesFound(browser, 'mäger')).toEqual(['Õie Mäger']);
    expect(await namesFound(browser, 'Kadri')).toEqual([]);

    // Following the link opens the account.
    const detail = await browser.get(`/admin/users/${listedUsers(found.body)[0]!.id}`);
    expect(detail.status).toBe(200);
    expect(textOf(detail.body)).toContain('Mari Maasikas');
    expect(textOf(detail.body)).toContain('mari.maasikas@example.ee');
  });

  it('finds users by e-mail address, ignoring case', async () => {
    const { browser } = await staff('moderator', { email: 'vello@example.ee' });
    await createUser(t, { name: 'Jaan Tamm', email: 'jaan.tamm@example.ee' });
    await createUser(t, { name: 'Jaanika Kask', email: 'kask@firma.ee' });

    expect(await namesFound(browser, 'JAAN.TAMM@EXAMPLE')).toEqual(['Jaan Tamm']);
    expect(await namesFound(browser, '@firma.ee')).toEqual(['Jaanika Kask']);
    expect((await namesFound(browser, 'jaan')).sort()).toEqual(['Jaan Tamm', 'Jaanika Kask']);
  });

  it('takes % and _ literally, not as wildcards', async () => {
    const { browser } = await staff('admin', { name: 'Aino Admin', email: 'aino@example.ee' });
    await createUser(t, { name: 'Sada% Protsent', email: 'sada@example.ee' });
    await createUser(t, { name: 'Mari Alakriips', email: 'mari_m@example.ee' });
    await createUser(t, { name: 'Mari Iks', email: 'marixm@example.ee' });

    expect(await namesFound(browser, '%')).toEqual(['Sada% Protsent']);
    expect(await namesFound(browser, 'a%')).toEqual(['Sada% Protsent']);
    expect(await namesFound(browser, '_')).toEqual(['Mari Alakriips']);
    expect(await namesFound(browser, 'mari_m')).toEqual(['Mari Alakriips']);
    expect(await namesFound(browser, 'mari%m')).toEqual([]);
    expect(await namesFound(browser, '\\')).toEqual([]);
  });

  it('shows a blocked account as blocked', async () => {
    const { browser } = await staff('admin');
    const target = await createUser(t, { name: 'Peeter Pahalane', email: 'peeter@example.ee' });
    expect((await block(browser, target.id, 'Rämpspost')).status).toBe(303);
    expect(listedUsers((await search(browser, 'peeter')).body).map((u) => u.status)).toEqual(['Blokeeritud']);
  });
});

// ---- one user's page ----

describe('a user’s page', () => {
  /**
   * Ülo is an expert who also orders: a customer's order with him as the expert, and his own
   * inquiry to another expert, ordered.
   */
  async function uloWithHistory() {
    const field = await createField(t, { nameEt: 'Tööõigus' });
    const ulo = await createExpert(t, { name: 'Ülo Ülane', email: 'ylo@example.ee', phone: '+372 5555 1234', fieldIds: [field.id] });
    const other = await createExpert(t, { name: 'Teine Ekspert', fieldIds: [field.id] });
    const customer = await createUser(t, { name: 'Kaja Kliendike' });

    const customersInquiry = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [ulo.id], title: 'Kaja küsimus' });
    await makeOfferAs(t, ulo, customersInquiry, { priceCents: 12_000 });
    const offerToCustomer = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', customersInquiry).executeTakeFirstOrThrow();
    const asExpert = await orderOffer(t.deps, await actorOf(t, customer), customersInquiry, offerToCustomer.id);

    const ulosInquiry = await createInquiryAs(t, ulo, { fieldId: field.id, expertIds: [other.id], title: 'Ülo enda mure' });
    await makeOfferAs(t, other, ulosInquiry, { priceCents: 8_000 });
    const offerToUlo = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', ulosInquiry).executeTakeFirstOrThrow();
    const asCustomer = await orderOffer(t.deps, await actorOf(t, ulo), ulosInquiry, offerToUlo.id);
    return { ulo, customersInquiry, ulosInquiry, orderAsExpert: asExpert.orderId, orderAsCustomer: asCustomer.orderId };
  }

  it('shows name, e-mail, phone, roles, status, sessions, the inquiries and orders with links, and the audit entries about the account', async () => {
    const { browser: admin } = await staff('admin');
    const h = await uloWithHistory();
    expect((await block(admin, h.ulo.id, 'Kahtlane tegevus')).status).toBe(303);
    expect((await unblock(admin, h.ulo.id)).status).toBe(303);
    // Signed in twice after the block ended: two sessions.
    await loginAs(t.browser(), h.ulo);
    await loginAs(t.browser(), h.ulo);

    for (const viewer of [admin, (await staff('moderator')).browser]) {
      const page = await viewer.get(userPage(h.ulo.id));
      expect(page.status).toBe(200);
      const body = textOf(page.body);
      expect(body).toContain('Ülo Ülane');
      expect(body).toContain('ylo@example.ee');
      const facts = accountFacts(page.body);
      expect(facts['Olek']).toBe('Aktiivne');
      expect(facts['Rollid']).toBe('Teenuse tellija, Ekspert');
      expect(facts['Telefon']).toBe('+372 5555 1234');
      expect(facts['Seansid']).toMatch(/^Kehtivaid seansse 2, viimati aktiivne /);

      const inquiries = tableByCaption(page.body, 'Päringud (kokku 1)');
      expect(inquiries?.rows.map((r) => r[0])).toEqual(['Ülo enda mure']);
      expect(inquiries?.links).toEqual([`/inquiries/${h.ulosInquiry}`]);
      const asCustomer = tableByCaption(page.body, 'Tellimused tellijana');
      expect(asCustomer?.links).toEqual([`/orders/${h.orderAsCustomer}`]);
      expect(asCustomer?.rows.map((r) => [r[0], r[1], r[3]])).toEqual([[`#${h.orderAsCustomer}`, 'Ülo enda mure', '80,00 €']]);
      const asExpert = tableByCaption(page.body, 'Tellimused eksperdina');
      expect(asExpert?.links).toEqual([`/orders/${h.orderAsExpert}`]);
      expect(asExpert?.rows.map((r) => [r[0], r[1], r[3]])).toEqual([[`#${h.orderAsExpert}`, 'Kaja küsimus', '120,00 €']]);

      const audit = auditSection(page.body);
      expect(audit).toContain('Konto blokeeritud');
      expect(audit).toContain('Kahtlane tegevus');
      expect(audit).toContain('Blokeering lõpetatud');
      expect(audit).toContain('Aino Admin');
    }
  });

  it('an account with no history says so, with no sessions and its e-mail not yet confirmed', async () => {
    const { browser } = await staff('admin');
    const newcomer = await createUser(t, { name: 'Uus Inimene', isVerified: false });
    const page = await browser.get(userPage(newcomer.id));
    expect(page.status).toBe(200);
    const facts = accountFacts(page.body);
    expect(facts['Olek']).toBe('Kinnitamata');
    expect(facts['Seansid']).toBe('Ühtegi kehtivat seanssi pole.');
    expect(facts['Telefon']).toBe('—');
    expect(textOf(page.body)).toContain('Sel kasutajal pole päringuid ega tellimusi.');
    expect(auditSection(page.body)).toContain('Logis pole selliseid kirjeid.');
  });

  it.each(['999999', 'abc', '0', '-1', '1.5', '1abc', '99999999999999999999', '%00'])('is “not found” (404) for the id %s', async (id) => {
    const { browser } = await staff('admin');
    const page = await browser.get(`/admin/users/${id}`);
    expect(page.status).toBe(404);
    expect(textOf(page.body)).toContain(text.notFoundTitle);
  });

  it('blocking, unblocking or changing the roles of an account that does not exist is 404, and nothing is recorded', async () => {
    const { browser } = await staff('admin');
    await browser.get('/admin/users');
    expect((await browser.post('/admin/users/999999/block', { reason: 'Põhjus' })).status).toBe(404);
    expect((await browser.post('/admin/users/999999/unblock', {})).status).toBe(404);
    expect((await browser.post('/admin/users/999999/roles', { role: 'moderator', grant: 'yes' })).status).toBe(404);
    expect((await browser.post('/admin/users/abc/block', { reason: 'Põhjus' })).status).toBe(404);
    expect(await auditEntries(t)).toEqual([]);
  });
});

// ---- blocking ----

describe('blocking an account', () => {
  it('needs a reason: 422 with the message at the field, and nothing changes', async () => {
    const { browser: admin } = await staff('admin');
    const target = await person();
    const before = await accountState(target.user.id);

    for (const reason of ['', '   \n  ']) {
      const page = await block(admin, target.user.id, reason);
      expect(page.status).toBe(422);
      expect(fieldError(page.body, 'reason')).toBe(text.required);
      // The form is still there to fill in.
      expect(hasForm(page.body, `/admin/users/${target.user.id}/block`)).toBe(true);
    }

    expect(await accountState(target.user.id)).toEqual(before);
    expect(await isSignedIn(target.browser)).toBe(true);
  });

  it('signs the person out everywhere at once and refuses their log-in, saying the account is blocked; unblocking lets them in again', async () => {
    const { user: adminUser, browser: admin } = await staff('admin');
    const target = await person({ email: 'kalle@example.ee' });
    const otherBrowser = t.browser();
    await loginAs(otherBrowser, target.user);

    const blocked = await block(admin, target.user.id, 'Solvavad sõnumid');

    expect(blocked.status).toBe(303);
    expect(blocked.location).toBe(userPage(target.user.id));
    const page = await admin.follow(blocked);
    expect(flashOf(page.body)).toBe(text.saved);
    expect(accountFacts(page.body)['Olek']).toMatch(/^Blokeeritud alates /);
    expect(accountFacts(page.body)['Seansid']).toBe('Ühtegi kehtivat seanssi pole.');
    expect(hasForm(page.body, `/admin/users/${target.user.id}/unblock`)).toBe(true);
    expect(hasForm(page.body, `/admin/users/${target.user.id}/block`)).toBe(false);

    // Both browsers signed in before are signed out on their next request.
    const mine = await otherBrowser.get('/my');
    expect(mine.status).toBe(303);
    expect(mine.location).toMatch(/^\/login/);
    expect(await isSignedIn(target.browser)).toBe(false);

    // And cannot sign in again.
    const refused = await signIn(t.browser(), target.user.email, target.user.password);
    expect(refused.status).toBe(403);
    expect(summaryOf(refused.body)).toBe(text.blockedLogin);
    expect(refused.response.cookies.some((c) => c.name.endsWith('session') && c.value !== '')).toBe(false);

    expect((await auditEntries(t, 'user_blocked')).map((e) => [e.actorId, e.object, (e.after as { reason: string }).reason])).toEqual([
      [adminUser.id, `user/${target.user.id}`, 'Solvavad sõnumid'],
    ]);

    const unblocked = await unblock(admin, target.user.id);
    expect(unblocked.status).toBe(303);
    const after = await admin.follow(unblocked);
    expect(flashOf(after.body)).toBe(text.saved);
    expect(accountFacts(after.body)['Olek']).toBe('Aktiivne');
    expect((await userRow(target.user.id)).blocked_at).toBeNull();
    expect((await auditEntries(t, 'user_unblocked')).map((e) => [e.actorId, e.object])).toEqual([[adminUser.id, `user/${target.user.id}`]]);

    // They sign in again; the sessions that were ended stay ended.
    const again = t.browser();
    await loginAs(again, target.user);
    expect(await isSignedIn(again)).toBe(true);
    expect(await isSignedIn(target.browser)).toBe(false);
  });

  it('says so in English to a person whose browser is in English', async () => {
    const { browser: admin } = await staff('admin');
    const target = await createUser(t);
    expect((await block(admin, target.id, 'Spam')).status).toBe(303);
    const visitor = t.browser();
    await visitor.post('/language', { lang: 'en', returnTo: '/login' }, { formPage: '/login' });
    const refused = await signIn(visitor, target.email, target.password);
    expect(refused.status).toBe(403);
    expect(summaryOf(refused.body)).toBe('This account is closed. Please contact user support.');
  });

  it('a moderator blocks a customer and an expert', async () => {
    const { user: moderatorUser, browser: moderator } = await staff('moderator');
    const customer = await person();
    const field = await createField(t);
    const expert = await createExpert(t, { name: 'Eedi Ekspert', fieldIds: [field.id] });
    const expertBrowser = t.browser();
    await loginAs(expertBrowser, expert);

    expect((await block(moderator, customer.user.id, 'Rämpspost')).status).toBe(303);
    expect((await block(moderator, expert.id, 'Võltsitud kvalifikatsioon')).status).toBe(303);

    expect(await isSignedIn(customer.browser)).toBe(false);
    expect(await isSignedIn(expertBrowser)).toBe(false);
    expect((await auditEntries(t, 'user_blocked')).map((e) => [e.actorId, e.object])).toEqual([
      [moderatorUser.id, `user/${customer.user.id}`],
      [moderatorUser.id, `user/${expert.id}`],
    ]);
    // The moderator can end the block too.
    expect((await unblock(moderator, customer.user.id)).status).toBe(303);
    expect((await userRow(customer.user.id)).blocked_at).toBeNull();
  });

  it('a moderator is refused (403, with the reason) on an admin’s or another moderator’s account, and nothing changes', async () => {
    const { browser: moderator } = await staff('moderator');
    const admin = await person({ name: 'Aino Admin', roles: ['admin'] });
    const otherModerator = await person({ name: 'Mati Moderaator', roles: ['moderator'] });

    for (const target of [admin, otherModerator]) {
      const before = await accountState(target.user.id);
      const page = await moderator.post(`${userPage(target.user.id)}/block`, { reason: 'Proovin' }, { formPage: userPage(target.user.id) });
      expect(page.status).toBe(403);
      expect(summaryOf(page.body)).toBe(text.refusalStaff);
      expect(await accountState(target.user.id)).toEqual(before);
      expect(await isSignedIn(target.browser)).toBe(true);
    }
  });

  it('a moderator cannot end an admin’s block either', async () => {
    const { browser: admin } = await staff('admin');
    const otherAdmin = await person({ name: 'Teine Admin', roles: ['admin'] });
    expect((await block(admin, otherAdmin.user.id, 'Lahkus ettevõttest')).status).toBe(303);
    const { browser: moderator } = await staff('moderator');

    const page = await moderator.post(`${userPage(otherAdmin.user.id)}/unblock`, {}, { formPage: userPage(otherAdmin.user.id) });

    expect(page.status).toBe(403);
    expect(summaryOf(page.body)).toBe(text.refusalStaff);
    expect((await userRow(otherAdmin.user.id)).blocked_at).not.toBeNull();
  });

  it.each(['admin', 'moderator'] as const)('nobody blocks themself: a staff member (%s) is refused with 403 and stays signed in', async (role) => {
    const { user, browser } = await staff(role);
    const before = await accountState(user.id);

    const page = await browser.post(`${userPage(user.id)}/block`, { reason: 'Katse' }, { formPage: userPage(user.id) });

    expect(page.status).toBe(403);
    expect(summaryOf(page.body)).toBe(text.refusalSelf);
    expect(await accountState(user.id)).toEqual(before);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('an admin blocks a moderator and another admin, who lose their access at once', async () => {
    const { browser: admin } = await staff('admin');
    const moderator = await person({ name: 'Mati Moderaator', roles: ['moderator'] });
    const otherAdmin = await person({ name: 'Teine Admin', roles: ['admin'] });
    expect((await moderator.browser.get('/admin/triage')).status).toBe(200);
    expect((await otherAdmin.browser.get('/admin/settings')).status).toBe(200);

    expect((await block(admin, moderator.user.id, 'Töösuhe lõppes')).status).toBe(303);
    expect((await block(admin, otherAdmin.user.id, 'Töösuhe lõppes')).status).toBe(303);

    for (const [browser, path] of [
      [moderator.browser, '/admin/triage'],
      [otherAdmin.browser, '/admin/settings'],
    ] as const) {
      const page = await browser.get(path);
      expect(page.status).toBe(303);
      expect(page.location).toMatch(/^\/login/);
    }
  });

  it('customers and experts get 403 blocking anyone, and nothing changes', async () => {
    const target = await person();
    const field = await createField(t);
    const expert = await createExpert(t, { fieldIds: [field.id] });
    const expertBrowser = t.browser();
    await loginAs(expertBrowser, expert);
    const customer = await person({ name: 'Teine Klient' });
    const before = await accountState(target.user.id);

    for (const browser of [customer.browser, expertBrowser]) {
      await browser.get('/my');
      const page = await browser.post(`${userPage(target.user.id)}/block`, { reason: 'Tahan' });
      expect(page.status).toBe(403);
      expect((await browser.post(`${userPage(target.user.id)}/roles`, { role: 'admin', grant: 'yes' })).status).toBe(403);
    }
    expect(await accountState(target.user.id)).toEqual(before);
  });
});

// ---- staff roles ----

describe('staff roles', () => {
  it('granting moderator opens the triage queue on the person’s next request, without signing in again; revoking closes it', async () => {
    const { user: adminUser, browser: admin } = await staff('admin');
    const target = await person({ name: 'Tulevane Moderaator' });
    expect((await target.browser.get('/admin/triage')).status).toBe(403);

    const granted = await setRole(admin, target.user.id, { role: 'moderator', grant: 'yes' });

    expect(granted.status).toBe(303);
    expect(granted.location).toBe(userPage(target.user.id));
    const page = await admin.follow(granted);
    expect(flashOf(page.body)).toBe(text.saved);
    expect(accountFacts(page.body)['Rollid']).toBe('Teenuse tellija, Vastutav isik');
    expect(textOf(page.body)).toContain('Võta roll ära: Vastutav isik');
    expect((await target.browser.get('/admin/triage')).status).toBe(200);
    // Still not an admin.
    expect((await target.browser.get('/admin/settings')).status).toBe(403);

    const revoked = await setRole(admin, target.user.id, { role: 'moderator', grant: 'no' });
    expect(revoked.status).toBe(303);
    expect(accountFacts((await admin.follow(revoked)).body)['Rollid']).toBe('Teenuse tellija');
    expect((await target.browser.get('/admin/triage')).status).toBe(403);
    expect(await isSignedIn(target.browser)).toBe(true);

    const changes = (await auditEntries(t)).filter((e) => e.action.startsWith('role_'));
    expect(changes).toEqual([
      { actorId: adminUser.id, action: 'role_granted', object: `user/${target.user.id}`, before: { roles: [] }, after: { roles: ['moderator'] } },
      { actorId: adminUser.id, action: 'role_revoked', object: `user/${target.user.id}`, before: { roles: ['moderator'] }, after: { roles: [] } },
    ]);
    expect(auditSection((await admin.get(userPage(target.user.id))).body)).toContain('Roll antud');
  });

  it('granting admin opens the settings; another admin can take it away again', async () => {
    const { browser: admin } = await staff('admin');
    const target = await person({ name: 'Uus Admin' });

    expect((await setRole(admin, target.user.id, { role: 'admin', grant: 'yes' })).status).toBe(303);
    expect((await target.browser.get('/admin/settings')).status).toBe(200);
    expect((await listRoles(t.deps.db, target.user.id)).sort()).toEqual(['admin']);

    expect((await setRole(admin, target.user.id, { role: 'admin', grant: 'no' })).status).toBe(303);
    expect((await target.browser.get('/admin/settings')).status).toBe(403);
  });

  it('an admin cannot take away their own admin role (refused with the reason), and their roles stay', async () => {
    const { user, browser } = await staff('admin');
    const before = await accountState(user.id);

    const page = await setRole(browser, user.id, { role: 'admin', grant: 'no' });

    expect(page.status).toBe(403);
    expect(summaryOf(page.body)).toBe(text.refusalSelf);
    expect(await accountState(user.id)).toEqual(before);
    expect((await browser.get('/admin/settings')).status).toBe(200);
  });

  it('a moderator gets 403 changing roles, their own too, and nothing changes', async () => {
    const { user: moderatorUser, browser: moderator } = await staff('moderator');
    const target = await person();
    const before = [await accountState(target.user.id), await accountState(moderatorUser.id)];

    for (const [id, fields] of [
      [target.user.id, { role: 'moderator', grant: 'yes' }],
      [target.user.id, { role: 'admin', grant: 'yes' }],
      [moderatorUser.id, { role: 'admin', grant: 'yes' }],
    ] as const) {
      const page = await setRole(moderator, id, fields);
      expect(page.status).toBe(403);
      expect(textOf(page.body)).toContain(text.forbiddenTitle);
    }
    expect([await accountState(target.user.id), await accountState(moderatorUser.id)]).toEqual(before);
  });

  it.each([
    { role: 'expert', grant: 'yes' },
    { role: 'superuser', grant: 'yes' },
    { role: 'customer', grant: 'no' },
    { role: '', grant: 'yes' },
    { role: 'moderator', grant: 'maybe' },
    { role: 'moderator' },
    { grant: 'yes' },
    { role: ['moderator', 'admin'], grant: 'yes' },
  ])('an unknown role or answer ($role, $grant) is 400, and nothing changes', async (fields) => {
    const { browser: admin } = await staff('admin');
    const target = await person();
    const before = await accountState(target.user.id);

    const page = await admin.post(`${userPage(target.user.id)}/roles`, fields as Record<string, string | string[]>, { formPage: userPage(target.user.id) });

    expect(page.status).toBe(400);
    expect(textOf(page.body)).toContain(text.badRequestTitle);
    expect(await accountState(target.user.id)).toEqual(before);
  });
});

// ---- what the page offers to whom ----

describe('the buttons a user’s page shows', () => {
  function offers(html: string, id: number) {
    return {
      block: hasForm(html, `/admin/users/${id}/block`),
      unblock: hasForm(html, `/admin/users/${id}/unblock`),
      roles: hasForm(html, `/admin/users/${id}/roles`),
    };
  }

  it('an admin looking at a customer: block, grant moderator, grant admin', async () => {
    const { browser } = await staff('admin');
    const customer = await createUser(t);
    const page = await browser.get(userPage(customer.id));
    expect(offers(page.body, customer.id)).toEqual({ block: true, unblock: false, roles: true });
    expect(textOf(page.body)).toContain('Anna roll: Vastutav isik');
    expect(textOf(page.body)).toContain('Anna roll: Administraator');
  });

  it('an admin looking at a moderator: block, revoke moderator, grant admin', async () => {
    const { browser } = await staff('admin');
    const moderator = await createUser(t, { roles: ['moderator'] });
    const page = await browser.get(userPage(moderator.id));
    expect(offers(page.body, moderator.id)).toEqual({ block: true, unblock: false, roles: true });
    expect(textOf(page.body)).toContain('Võta roll ära: Vastutav isik');
    expect(textOf(page.body)).toContain('Anna roll: Administraator');
  });

  it('a moderator looking at a customer: block, but no roles', async () => {
    const { browser } = await staff('moderator');
    const customer = await createUser(t);
    expect(offers((await browser.get(userPage(customer.id))).body, customer.id)).toEqual({ block: true, unblock: false, roles: false });
  });

  it('a moderator looking at a blocked customer: unblock', async () => {
    const { browser } = await staff('moderator');
    const customer = await createUser(t);
    expect((await block(browser, customer.id, 'Rämpspost')).status).toBe(303);
    expect(offers((await browser.get(userPage(customer.id))).body, customer.id)).toEqual({ block: false, unblock: true, roles: false });
  });

  it('a moderator looking at an admin or another moderator: neither block nor roles', async () => {
    const { browser } = await staff('moderator');
    for (const role of ['admin', 'moderator'] as const) {
      const target = await createUser(t, { roles: [role] });
      const page = await browser.get(userPage(target.id));
      expect(page.status).toBe(200);
      expect(offers(page.body, target.id), role).toEqual({ block: false, unblock: false, roles: false });
    }
  });

  it.each(['admin', 'moderator'] as const)('a staff member (%s) looking at their own account: neither block nor roles, and a note saying why', async (role) => {
    const { user, browser } = await staff(role);
    const page = await browser.get(userPage(user.id));
    expect(offers(page.body, user.id)).toEqual({ block: false, unblock: false, roles: false });
    expect(textOf(page.body)).toContain(text.selfNote);
  });
});
