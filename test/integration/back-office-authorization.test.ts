import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDocumentTypes } from '../../src/db/repositories/document-type-repository.js';
import { updateUser } from '../../src/db/repositories/user-repository.js';
import type { GrantableRole } from '../../src/domain/roles.js';
import { mainText, type Browser, type Page } from '../support/browser.js';
import {
  auditCount,
  forbiddenTitle,
  generalInquiry,
  paidOrder,
  registeredRoutes,
  submittedApplication,
} from '../support/back-office.js';
import { createField } from '../support/experts.js';
import { createUser } from '../support/factories.js';
import { signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 8: "Each back-office route refuses customers and experts (403) and anonymous users
 * (login)". The table below has a row for every back-office route; a test reads the app's own
 * route table, so a new /admin route without a row here fails this file. Each row says who may
 * use the route (moderators and admins, or admins only) and builds a real target for it (a real
 * id, a valid form) so that an allowed person's request succeeds; a refused POST must change
 * nothing, which the row's `state` reads before and after.
 *
 * The app runs as in production: /sent-emails is open to anyone only in development.
 */

type Access = 'staff' | 'admin';
type Kind = 'anonymous' | 'customer' | 'expert' | 'moderator' | 'admin';

type Target = {
  /** The route's path with real ids filled in. */
  url: string;
  /** The form an allowed person would send (POST only; the CSRF token is added). */
  form?: Record<string, string>;
  /** What the POST would change (and the audit log's size): equal before and after a refusal. */
  state?: () => Promise<unknown>;
  /** Text only a page for staff shows (someone's e-mail, a name): never on a refusal. */
  secret?: string;
};

type Row = {
  method: 'GET' | 'POST';
  /** The route as registered, e.g. /admin/users/:id/block. */
  route: string;
  access: Access;
  /** What an allowed person gets: the page (200) or, after a form, a redirect (303). */
  allowedStatus: 200 | 303;
  target: (t: TestApp) => Promise<Target>;
};

// ---- what the rows act on ----

async function customerTarget(t: TestApp) {
  return createUser(t, { name: 'Siiri Sihtmärk', email: 'siiri@example.ee' });
}

async function blockedTarget(t: TestApp) {
  const user = await customerTarget(t);
  await updateUser(t.deps.db, user.id, { blocked_at: t.clock.now().toISOString() });
  return user;
}

async function userState(t: TestApp, userId: number) {
  const user = await t.deps.db.selectFrom('users').select(['blocked_at', 'deleted_at']).where('id', '=', userId).executeTakeFirstOrThrow();
  const roles = await t.deps.db.selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute();
  return { user, roles, audit: await auditCount(t) };
}

async function fieldsState(t: TestApp) {
  const fields = await t.deps.db.selectFrom('fields').selectAll().orderBy('id').execute();
  return { fields, audit: await auditCount(t) };
}

async function documentTypesState(t: TestApp) {
  const types = await t.deps.db.selectFrom('document_types').selectAll().orderBy('id').execute();
  return { types, audit: await auditCount(t) };
}

/** Two fields, so that the first can move down. */
async function twoFields(t: TestApp) {
  const first = await createField(t, { nameEt: 'Esimene valdkond', nameEn: 'First field' });
  await createField(t, { nameEt: 'Teine valdkond', nameEn: 'Second field' });
  return first;
}

async function firstDocumentType(t: TestApp) {
  return (await listDocumentTypes(t.deps.db, { includeInactive: true }))[0]!;
}

/** One e-mail in the outbox, put there as a person would: asking for a password reset. */
async function sentEmail(t: TestApp): Promise<number> {
  const user = await createUser(t, { email: 'parool@example.ee' });
  const browser = t.browser();
  await browser.get('/password/forgot');
  expect((await browser.post('/password/forgot', { email: user.email })).status).toBe(200);
  return (await t.deps.db.selectFrom('outbox_emails').select('id').where('to_address', '=', user.email).executeTakeFirstOrThrow()).id;
}

/** A complete settings form, every value valid and different from the defaults. */
const newSettings = {
  randomInvitations: '7',
  inquiriesPerDay: '12',
  portalFeePercent: '12,5',
  autoAcceptDays: '10',
  paymentTimeoutMinutes: '45',
  maxFileMegabytes: '8',
  maxFilesPerMessage: '4',
  supportEmail: 'tugi@konsult.test',
  supportPhone: '+372 600 0000',
  supportSkype: 'konsult.tugi',
};

// ---- the table: every back-office route ----

const rows: Row[] = [
  { method: 'GET', route: '/admin', access: 'staff', allowedStatus: 200, target: async () => ({ url: '/admin' }) },
  {
    method: 'GET',
    route: '/admin/users',
    access: 'staff',
    allowedStatus: 200,
    target: async (t) => ({ url: '/admin/users?q=siiri', secret: (await customerTarget(t)).email }),
  },
  {
    method: 'GET',
    route: '/admin/users/:id',
    access: 'staff',
    allowedStatus: 200,
    target: async (t) => {
      const user = await customerTarget(t);
      return { url: `/admin/users/${user.id}`, secret: user.email };
    },
  },
  {
    method: 'POST',
    route: '/admin/users/:id/block',
    access: 'staff',
    allowedStatus: 303,
    target: async (t) => {
      const user = await customerTarget(t);
      return { url: `/admin/users/${user.id}/block`, form: { reason: 'Saadab rämpsposti.' }, state: () => userState(t, user.id) };
    },
  },
  {
    method: 'POST',
    route: '/admin/users/:id/unblock',
    access: 'staff',
    allowedStatus: 303,
    target: async (t) => {
      const user = await blockedTarget(t);
      return { url: `/admin/users/${user.id}/unblock`, form: {}, state: () => userState(t, user.id) };
    },
  },
  {
    method: 'POST',
    route: '/admin/users/:id/roles',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => {
      const user = await customerTarget(t);
      return { url: `/admin/users/${user.id}/roles`, form: { role: 'admin', grant: 'yes' }, state: () => userState(t, user.id) };
    },
  },
  { method: 'GET', route: '/admin/settings', access: 'admin', allowedStatus: 200, target: async () => ({ url: '/admin/settings', secret: 'name="portalFeePercent"' }) },
  {
    method: 'POST',
    route: '/admin/settings',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => ({
      url: '/admin/settings',
      form: newSettings,
      state: async () => ({
        rows: await t.deps.db.selectFrom('settings').selectAll().orderBy('key').execute(),
        current: t.deps.settings.current(),
        audit: await auditCount(t),
      }),
    }),
  },
  {
    method: 'GET',
    route: '/admin/audit',
    access: 'admin',
    allowedStatus: 200,
    target: async (t) => {
      const user = await customerTarget(t);
      await t.deps.db
        .insertInto('audit_log')
        .values({ created_at: t.clock.now().toISOString(), actor_id: null, action: 'user_blocked', object_type: 'user', object_id: String(user.id), before_json: null, after_json: '{"reason":"salajane-põhjus"}' })
        .execute();
      return { url: '/admin/audit', secret: 'salajane-põhjus' };
    },
  },
  {
    method: 'GET',
    route: '/admin/orders',
    access: 'staff',
    allowedStatus: 200,
    target: async () => ({ url: '/admin/orders' }),
  },
  {
    method: 'GET',
    route: '/admin/expert-applications',
    access: 'staff',
    allowedStatus: 200,
    target: async (t) => {
      await submittedApplication(t, { name: 'Tiina Taotleja' });
      return { url: '/admin/expert-applications', secret: 'Tiina Taotleja' };
    },
  },
  {
    method: 'GET',
    route: '/admin/expert-applications/:id',
    access: 'staff',
    allowedStatus: 200,
    target: async (t) => {
      const { applicationId } = await submittedApplication(t, { name: 'Tiina Taotleja' });
      return { url: `/admin/expert-applications/${applicationId}`, secret: 'Tiina Taotleja' };
    },
  },
  {
    method: 'POST',
    route: '/admin/expert-applications/:id/decision',
    access: 'staff',
    allowedStatus: 303,
    target: async (t) => {
      const { applicationId, applicant } = await submittedApplication(t);
      return {
        url: `/admin/expert-applications/${applicationId}/decision`,
        form: { event: 'approve', note: '' },
        state: async () => ({
          application: await t.deps.db.selectFrom('expert_applications').select(['status', 'reviewed_by']).where('id', '=', applicationId).executeTakeFirstOrThrow(),
          ...(await userState(t, applicant.id)),
        }),
      };
    },
  },
  { method: 'GET', route: '/admin/fields', access: 'admin', allowedStatus: 200, target: async () => ({ url: '/admin/fields' }) },
  {
    method: 'POST',
    route: '/admin/fields',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => ({
      url: '/admin/fields',
      form: { nameEt: 'Mereõigus', nameEn: 'Maritime law', descriptionEt: 'Laevad ja sadamad.', descriptionEn: 'Ships and ports.', isActive: 'on' },
      state: () => fieldsState(t),
    }),
  },
  {
    method: 'GET',
    route: '/admin/fields/:id',
    access: 'admin',
    allowedStatus: 200,
    target: async (t) => {
      const field = await createField(t, { nameEt: 'Peidetud valdkond', nameEn: 'Hidden field', isActive: false });
      return { url: `/admin/fields/${field.id}`, secret: 'Peidetud valdkond' };
    },
  },
  {
    method: 'POST',
    route: '/admin/fields/:id',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => {
      const field = await createField(t);
      return {
        url: `/admin/fields/${field.id}`,
        form: { nameEt: 'Uus nimi', nameEn: 'New name', descriptionEt: 'Uus kirjeldus.', descriptionEn: 'New description.', isActive: 'on' },
        state: () => fieldsState(t),
      };
    },
  },
  {
    method: 'POST',
    route: '/admin/fields/:id/move',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => {
      const field = await twoFields(t);
      return { url: `/admin/fields/${field.id}/move`, form: { direction: 'down' }, state: () => fieldsState(t) };
    },
  },
  {
    method: 'POST',
    route: '/admin/fields/:id/delete',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => {
      const field = await createField(t);
      return { url: `/admin/fields/${field.id}/delete`, form: {}, state: () => fieldsState(t) };
    },
  },
  { method: 'GET', route: '/admin/document-types', access: 'admin', allowedStatus: 200, target: async () => ({ url: '/admin/document-types' }) },
  {
    method: 'POST',
    route: '/admin/document-types',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => ({ url: '/admin/document-types', form: { nameEt: 'Volikiri', nameEn: 'Power of attorney', isActive: 'on' }, state: () => documentTypesState(t) }),
  },
  {
    method: 'GET',
    route: '/admin/document-types/:id',
    access: 'admin',
    allowedStatus: 200,
    target: async (t) => ({ url: `/admin/document-types/${(await firstDocumentType(t)).id}` }),
  },
  {
    method: 'POST',
    route: '/admin/document-types/:id',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => ({
      url: `/admin/document-types/${(await firstDocumentType(t)).id}`,
      form: { nameEt: 'Uus liik', nameEn: 'New kind', isActive: 'on' },
      state: () => documentTypesState(t),
    }),
  },
  {
    method: 'POST',
    route: '/admin/document-types/:id/active',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => ({ url: `/admin/document-types/${(await firstDocumentType(t)).id}/active`, form: { isActive: 'off' }, state: () => documentTypesState(t) }),
  },
  {
    method: 'POST',
    route: '/admin/document-types/:id/move',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => ({ url: `/admin/document-types/${(await firstDocumentType(t)).id}/move`, form: { direction: 'down' }, state: () => documentTypesState(t) }),
  },
  {
    method: 'POST',
    route: '/admin/document-types/:id/delete',
    access: 'admin',
    allowedStatus: 303,
    target: async (t) => ({ url: `/admin/document-types/${(await firstDocumentType(t)).id}/delete`, form: {}, state: () => documentTypesState(t) }),
  },
  {
    method: 'GET',
    route: '/admin/triage',
    access: 'staff',
    allowedStatus: 200,
    target: async (t) => {
      await generalInquiry(t, { title: 'Naaber ehitab piirile' });
      return { url: '/admin/triage', secret: 'Naaber ehitab piirile' };
    },
  },
  {
    method: 'POST',
    route: '/admin/triage/:id/assign',
    access: 'staff',
    allowedStatus: 303,
    target: async (t) => {
      const { inquiryId, field } = await generalInquiry(t);
      return { url: `/admin/triage/${inquiryId}/assign`, form: { fieldId: String(field.id) }, state: () => inquiryState(t, inquiryId) };
    },
  },
  {
    method: 'POST',
    route: '/admin/triage/:id/reject',
    access: 'staff',
    allowedStatus: 303,
    target: async (t) => {
      const { inquiryId } = await generalInquiry(t);
      return { url: `/admin/triage/${inquiryId}/reject`, form: { message: 'See ei ole portaali teema.' }, state: () => inquiryState(t, inquiryId) };
    },
  },
  { method: 'GET', route: '/admin/ledger', access: 'staff', allowedStatus: 200, target: async () => ({ url: '/admin/ledger' }) },
  {
    method: 'GET',
    route: '/sent-emails',
    access: 'admin',
    allowedStatus: 200,
    target: async (t) => {
      await sentEmail(t);
      return { url: '/sent-emails', secret: 'parool@example.ee' };
    },
  },
  {
    method: 'GET',
    route: '/sent-emails/:id',
    access: 'admin',
    allowedStatus: 200,
    target: async (t) => ({ url: `/sent-emails/${await sentEmail(t)}`, secret: 'parool@example.ee' }),
  },
  {
    method: 'GET',
    route: '/sent-emails/:id/html',
    access: 'admin',
    allowedStatus: 200,
    target: async (t) => ({ url: `/sent-emails/${await sentEmail(t)}/html` }),
  },
  // Outside /admin, but a back-office action all the same: only staff give refunds.
  {
    method: 'POST',
    route: '/orders/:id/refunds',
    access: 'staff',
    allowedStatus: 303,
    target: async (t) => {
      const { orderId } = await paidOrder(t);
      return {
        url: `/orders/${orderId}/refunds`,
        form: { amount: '25', reason: 'Osa tööst jäi tegemata.' },
        state: async () => ({
          refunds: await t.deps.db.selectFrom('refunds').selectAll().execute(),
          payment: await t.deps.db.selectFrom('payments').select('refunded_cents').where('order_id', '=', orderId).executeTakeFirstOrThrow(),
          ledger: (await t.deps.db.selectFrom('ledger_entries').select('id').execute()).length,
          audit: await auditCount(t),
        }),
      };
    },
  },
];

async function inquiryState(t: TestApp, inquiryId: number) {
  return {
    inquiry: await t.deps.db.selectFrom('inquiries').select(['status', 'field_id', 'triaged_by', 'triage_note']).where('id', '=', inquiryId).executeTakeFirstOrThrow(),
    invitations: (await t.deps.db.selectFrom('invitations').select('id').where('inquiry_id', '=', inquiryId).execute()).length,
    audit: await auditCount(t),
  };
}

const isBackOfficePath = (path: string) => path === '/admin' || path.startsWith('/admin/') || path === '/sent-emails' || path.startsWith('/sent-emails/');
const keyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

const rolesOf: Record<Exclude<Kind, 'anonymous'>, GrantableRole[]> = { customer: [], expert: ['expert'], moderator: ['moderator'], admin: ['admin'] };
const kinds: Kind[] = ['anonymous', 'customer', 'expert', 'moderator', 'admin'];

function isAllowed(access: Access, kind: Kind): boolean {
  return kind === 'admin' || (access === 'staff' && kind === 'moderator');
}

const cases = rows.flatMap((row) => kinds.map((kind) => ({ ...row, kind, name: `${row.method} ${row.route}` })));

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ env: { NODE_ENV: 'production' } });
});

afterEach(async () => {
  await t.close();
});

describe('the table of back-office routes', () => {
  it('has a row for every /admin and /sent-emails route the app registers, and no row for a route that does not exist', () => {
    const registered = registeredRoutes(t.app);
    // The route tree was read right: a few routes everyone knows are there, and nothing made up.
    expect(registered.map(keyOf)).toEqual(expect.arrayContaining(['GET /', 'POST /login', 'GET /admin', 'POST /admin/users/:id/block', 'GET /sent-emails/:id/html']));
    for (const route of registered.filter((r) => !r.path.includes('*'))) {
      expect(t.app.hasRoute({ method: route.method as 'GET', url: route.path }), keyOf(route)).toBe(true);
    }

    const tabled = new Set(rows.map((row) => keyOf({ method: row.method, path: row.route })));
    const withoutRow = registered.filter((route) => isBackOfficePath(route.path)).map(keyOf).filter((key) => !tabled.has(key));
    expect(withoutRow, 'back-office routes without a row in this file').toEqual([]);
    const notRegistered = rows.filter((row) => !t.app.hasRoute({ method: row.method, url: row.route })).map((row) => `${row.method} ${row.route}`);
    expect(notRegistered, 'rows for routes the app does not have').toEqual([]);
    expect(tabled.size, 'one row per route').toBe(rows.length);
  });
});

/** A browser for the kind of person: anonymous (with the anonymous CSRF token of a page it loaded) or signed in. */
async function browserOf(kind: Kind): Promise<Browser> {
  if (kind === 'anonymous') {
    const browser = t.browser();
    await browser.get('/');
    expect(browser.csrfToken).toBeDefined();
    return browser;
  }
  return (await signedInUser(t, { roles: rolesOf[kind] })).browser;
}

async function send(browser: Browser, row: Row, target: Target): Promise<Page> {
  if (row.method === 'GET') return browser.get(target.url);
  return browser.post(target.url, target.form ?? {});
}

describe.each(['staff', 'admin'] as const)('routes for %s', (access) => {
  const own = cases.filter((c) => c.access === access);

  it.each(own.filter((c) => c.kind === 'anonymous'))('$name sends an anonymous visitor to sign in', async (row) => {
    const target = await row.target(t);
    const before = await target.state?.();
    const page = await send(await browserOf('anonymous'), row, target);
    expect(page.status).toBe(303);
    // A GET comes back to the page after signing in; a form post cannot be repeated, so My menu.
    expect(page.location).toBe(`/login?next=${encodeURIComponent(row.method === 'GET' ? target.url : '/my')}`);
    if (target.state) expect(await target.state()).toEqual(before);
  });

  it.each(own.filter((c) => c.kind !== 'anonymous' && !isAllowed(c.access, c.kind)))('$name refuses a $kind with the 403 page', async (row) => {
    const target = await row.target(t);
    const before = await target.state?.();
    const page = await send(await browserOf(row.kind), row, target);
    expect(page.status).toBe(403);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(mainText(page.body)).toContain(forbiddenTitle);
    if (target.secret) expect(page.body).not.toContain(target.secret);
    if (target.state) expect(await target.state(), 'a refused form changes nothing').toEqual(before);
  });

  it.each(own.filter((c) => isAllowed(c.access, c.kind)))('$name lets a $kind in', async (row) => {
    const target = await row.target(t);
    const before = await target.state?.();
    const browser = await browserOf(row.kind);
    const page = await send(browser, row, target);
    expect(page.status).toBe(row.allowedStatus);
    if (row.allowedStatus === 303) expect(page.location).not.toMatch(/^\/login/);
    if (target.secret) expect(page.body).toContain(target.secret);
    // The same request that is refused to others does its work here (so the refusals above prove something).
    if (target.state) expect(await target.state()).not.toEqual(before);
  });
});
