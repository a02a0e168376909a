import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDocumentTypes } from '../../src/db/repositories/document-type-repository.js';
import { grantRole } from '../../src/db/repositories/user-repository.js';
import { auditActions, type AuditAction, type AuditObjectType } from '../../src/domain/audit.js';
import { recordAudit } from '../../src/use-cases/audit.js';
import { deletedUserName } from '../../src/use-cases/privacy.js';
import { mainText, type Browser } from '../support/browser.js';
import {
  auditCount,
  auditEntries,
  disputedOrder,
  generalInquiry,
  paidOrder,
  submittedApplication,
  type AuditEntry,
} from '../support/back-office.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { postMultipart } from '../support/multipart.js';
import { fieldValue, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 8: "Audit entries for every privileged action", and the audit log itself: append-only in
 * the database, and readable by admins at /admin/audit, newest first, filtered and paged. Each
 * action is done the way staff do it, through the back office's pages.
 */

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

const minute = 60_000;

/** The actions some test below saw recorded as expected (checked by the last test of the file). */
const seen = new Set<string>();

const nowIso = () => t.clock.now().toISOString();

/** The entry a test expects, in full: any id, created now unless told otherwise. */
function entry(
  action: AuditAction,
  actorId: number | null,
  object: [AuditObjectType, number | string],
  change: { before?: unknown; after?: unknown },
  createdAt = nowIso(),
): AuditEntry {
  return { id: expect.any(Number) as number, createdAt, actorId, action, objectType: object[0], objectId: String(object[1]), before: change.before, after: change.after };
}

/** The entries written since the log held `since` of them. */
async function entriesSince(since: number): Promise<AuditEntry[]> {
  return (await auditEntries(t)).slice(since);
}

/** Asserts exactly these new entries, in this order, and notes their actions as tested. */
async function expectRecorded(since: number, expected: AuditEntry[]): Promise<void> {
  const entries = await entriesSince(since);
  expect(entries).toEqual(expected);
  for (const e of entries) seen.add(e.action);
}

async function expectNothingRecorded(since: number): Promise<void> {
  expect(await entriesSince(since)).toEqual([]);
}

/** Loads a form's page (for its token, as a person would) and sends the form. */
function submit(browser: Browser, formPage: string, url: string, fields: Record<string, string>) {
  return browser.post(url, fields, { formPage });
}

/** What the settings form shows, by input name: sent back as it is, it changes nothing. */
function settingsShown(html: string): Record<string, string> {
  const names = ['randomInvitations', 'inquiriesPerDay', 'portalFeePercent', 'autoAcceptDays', 'paymentTimeoutMinutes', 'maxFileMegabytes', 'maxFilesPerMessage', 'supportEmail', 'supportPhone', 'supportSkype'];
  return Object.fromEntries(names.map((name) => [name, fieldValue(html, name) ?? '']));
}

// ---- privileged actions ----

describe('an audit entry for every privileged action', () => {
  it('blocking and unblocking an account: who, whom, when, and the reason', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const target = await createUser(t, { name: 'Siiri Sihtmärk' });
    const userPage = `/admin/users/${target.id}`;
    const blockedAt = nowIso();

    expect((await submit(admin.browser, userPage, `${userPage}/block`, { reason: 'Saadab rämpsposti.' })).status).toBe(303);
    await expectRecorded(0, [entry('user_blocked', admin.user.id, ['user', target.id], { before: { blockedAt: null }, after: { blockedAt, reason: 'Saadab rämpsposti.' } })]);

    t.clock.advance(5 * minute);
    expect((await submit(admin.browser, userPage, `${userPage}/unblock`, {})).status).toBe(303);
    await expectRecorded(1, [entry('user_unblocked', admin.user.id, ['user', target.id], { before: { blockedAt }, after: { blockedAt: null, reason: null } })]);

    // The user's page in the back office shows its own history.
    const text = mainText((await admin.browser.get(userPage)).body);
    expect(text).toContain('Konto blokeeritud');
    expect(text).toContain('Blokeering lõpetatud');
  });

  it('granting and revoking a staff role: the roles before and after', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const target = await createUser(t, { roles: ['expert'] });
    const userPage = `/admin/users/${target.id}`;

    expect((await submit(admin.browser, userPage, `${userPage}/roles`, { role: 'moderator', grant: 'yes' })).status).toBe(303);
    t.clock.advance(minute);
    expect((await submit(admin.browser, userPage, `${userPage}/roles`, { role: 'moderator', grant: 'no' })).status).toBe(303);

    await expectRecorded(0, [
      entry('role_granted', admin.user.id, ['user', target.id], { before: { roles: ['expert'] }, after: { roles: ['expert', 'moderator'] } }, new Date(t.clock.now().getTime() - minute).toISOString()),
      entry('role_revoked', admin.user.id, ['user', target.id], { before: { roles: ['expert', 'moderator'] }, after: { roles: ['expert'] } }),
    ]);
  });

  it('deleting one’s own account: recorded with the person as the actor, the log keeps pointing at the anonymised account', async () => {
    const { user, browser } = await signedInUser(t, { roles: ['moderator'], name: 'Lahkuv Moderaator' });

    const deleted = await submit(browser, '/account/delete', '/account/delete', { currentPassword: user.password });

    expect(deleted.status).toBe(200);
    await expectRecorded(0, [entry('account_deleted', user.id, ['user', user.id], { before: { roles: ['moderator'] }, after: { deletedAt: nowIso() } })]);
    const admin = await signedInUser(t, { roles: ['admin'] });
    const page = await admin.browser.get('/admin/audit');
    expect(mainText(page.body)).toContain(deletedUserName);
    expect(mainText(page.body)).not.toContain('Lahkuv Moderaator');
  });

  it('changing settings: one entry per changed value with the old and the new value; saving again unchanged adds none', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const values = settingsShown((await admin.browser.get('/admin/settings')).body);
    expect(values['randomInvitations']).toBe('3');
    expect(values['portalFeePercent']).toBe('15');

    const saved = await admin.browser.post('/admin/settings', { ...values, randomInvitations: '5', portalFeePercent: '12,5', supportSkype: 'konsult.tugi' });

    expect(saved.status).toBe(303);
    await expectRecorded(0, [
      entry('settings_changed', admin.user.id, ['setting', 'randomInvitations'], { before: 3, after: 5 }),
      entry('settings_changed', admin.user.id, ['setting', 'portalFeeBasisPoints'], { before: 1500, after: 1250 }),
      entry('settings_changed', admin.user.id, ['setting', 'supportSkype'], { before: 'kannatanuabi', after: 'konsult.tugi' }),
    ]);

    const again = await submit(admin.browser, '/admin/settings', '/admin/settings', { ...values, randomInvitations: '5', portalFeePercent: '12,5', supportSkype: 'konsult.tugi' });
    expect(again.status).toBe(303);
    await expectNothingRecorded(3);
  });

  it('fields: created, changed, moved and deleted, each with the values before and after', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const created = { nameEt: 'Mereõigus', nameEn: 'Maritime law', descriptionEt: 'Laevad ja sadamad.', descriptionEn: 'Ships and ports.' };
    expect((await submit(admin.browser, '/admin/fields', '/admin/fields', { ...created, isActive: 'on' })).status).toBe(303);
    const id = (await t.deps.db.selectFrom('fields').select('id').where('name_et', '=', 'Mereõigus').executeTakeFirstOrThrow()).id;
    await expectRecorded(0, [entry('field_created', admin.user.id, ['field', id], { after: { ...created, isActive: true } })]);

    const changed = { nameEt: 'Mere- ja sadamaõigus', nameEn: 'Maritime and port law', descriptionEt: 'Laevad.', descriptionEn: 'Ships.' };
    expect((await submit(admin.browser, `/admin/fields/${id}`, `/admin/fields/${id}`, changed)).status).toBe(303);
    await expectRecorded(1, [entry('field_updated', admin.user.id, ['field', id], { before: { ...created, isActive: true }, after: { ...changed, isActive: false } })]);

    const next = await createField(t);
    const positions = await t.deps.db.selectFrom('fields').select(['id', 'position']).where('id', 'in', [id, next.id]).orderBy('position').execute();
    expect(positions.map((p) => p.id)).toEqual([id, next.id]);
    expect((await submit(admin.browser, '/admin/fields', `/admin/fields/${id}/move`, { direction: 'down' })).status).toBe(303);
    await expectRecorded(2, [entry('fields_reordered', admin.user.id, ['field', id], { before: { position: positions[0]!.position }, after: { position: positions[1]!.position, direction: 'down' } })]);

    expect((await submit(admin.browser, `/admin/fields/${id}`, `/admin/fields/${id}/delete`, {})).status).toBe(303);
    await expectRecorded(3, [entry('field_deleted', admin.user.id, ['field', id], { before: { ...changed, isActive: false } })]);
  });

  it('document types: created, renamed, hidden, shown, moved and deleted', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const list = '/admin/document-types';
    expect((await submit(admin.browser, list, list, { nameEt: 'Volikiri', nameEn: 'Power of attorney', isActive: 'on' })).status).toBe(303);
    const id = (await t.deps.db.selectFrom('document_types').select('id').where('name_et', '=', 'Volikiri').executeTakeFirstOrThrow()).id;
    const created = { nameEt: 'Volikiri', nameEn: 'Power of attorney', isActive: true };
    await expectRecorded(0, [entry('document_type_created', admin.user.id, ['document_type', id], { after: created })]);

    const renamed = { nameEt: 'Notariaalne volikiri', nameEn: 'Notarised power of attorney', isActive: true };
    expect((await submit(admin.browser, `${list}/${id}`, `${list}/${id}`, { nameEt: renamed.nameEt, nameEn: renamed.nameEn, isActive: 'on' })).status).toBe(303);
    expect((await submit(admin.browser, list, `${list}/${id}/active`, { isActive: 'off' })).status).toBe(303);
    expect((await submit(admin.browser, list, `${list}/${id}/active`, { isActive: 'on' })).status).toBe(303);
    await expectRecorded(1, [
      entry('document_type_updated', admin.user.id, ['document_type', id], { before: created, after: renamed }),
      entry('document_type_updated', admin.user.id, ['document_type', id], { before: renamed, after: { ...renamed, isActive: false } }),
      entry('document_type_updated', admin.user.id, ['document_type', id], { before: { ...renamed, isActive: false }, after: renamed }),
    ]);

    // The new type is the last one: it moves up, swapping places with the one before it.
    const types = await listDocumentTypes(t.deps.db, { includeInactive: true });
    expect(types.at(-1)!.id).toBe(id);
    expect((await submit(admin.browser, list, `${list}/${id}/move`, { direction: 'up' })).status).toBe(303);
    await expectRecorded(4, [entry('document_types_reordered', admin.user.id, ['document_type', id], { before: { position: types.at(-1)!.position }, after: { position: types.at(-2)!.position, direction: 'up' } })]);

    expect((await submit(admin.browser, `${list}/${id}`, `${list}/${id}/delete`, {})).status).toBe(303);
    await expectRecorded(5, [entry('document_type_deleted', admin.user.id, ['document_type', id], { before: renamed })]);
  });

  it('expert applications: approved, rejected, and more information asked for', async () => {
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const approved = await submittedApplication(t, { name: 'Anna Aas' });
    const rejected = await submittedApplication(t, { name: 'Berit Bee' });
    const needsInfo = await submittedApplication(t, { name: 'Cecilia Cee' });
    const decide = (id: number, fields: Record<string, string>) => submit(moderator.browser, `/admin/expert-applications/${id}`, `/admin/expert-applications/${id}/decision`, fields);

    expect((await decide(approved.applicationId, { event: 'approve', note: '' })).status).toBe(303);
    expect((await decide(rejected.applicationId, { event: 'reject', note: 'Kvalifikatsioon ei vasta valdkonnale.' })).status).toBe(303);
    expect((await decide(needsInfo.applicationId, { event: 'askForInfo', note: 'Lisage diplomi number.' })).status).toBe(303);

    await expectRecorded(0, [
      entry('application_approved', moderator.user.id, ['application', approved.applicationId], { before: { status: 'submitted' }, after: { status: 'approved', note: null } }),
      entry('application_rejected', moderator.user.id, ['application', rejected.applicationId], { before: { status: 'submitted' }, after: { status: 'rejected', note: 'Kvalifikatsioon ei vasta valdkonnale.' } }),
      entry('application_info_requested', moderator.user.id, ['application', needsInfo.applicationId], { before: { status: 'submitted' }, after: { status: 'needs_info', note: 'Lisage diplomi number.' } }),
    ]);
  });

  it('general inquiries: a field chosen (with the experts invited), or the inquiry rejected with its message', async () => {
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const triaged = await generalInquiry(t);
    const rejected = await generalInquiry(t);

    const assign = await submit(moderator.browser, `/inquiries/${triaged.inquiryId}`, `/admin/triage/${triaged.inquiryId}/assign`, { fieldId: String(triaged.field.id) });
    expect(assign.status).toBe(303);
    const reject = await submit(moderator.browser, `/inquiries/${rejected.inquiryId}`, `/admin/triage/${rejected.inquiryId}/reject`, { message: 'See ei ole portaali teema.' });
    expect(reject.status).toBe(303);

    const rejectedStatus = (await t.deps.db.selectFrom('inquiries').select('status').where('id', '=', rejected.inquiryId).executeTakeFirstOrThrow()).status;
    expect(rejectedStatus).toBe('rejected');
    await expectRecorded(0, [
      entry('inquiry_triaged', moderator.user.id, ['inquiry', triaged.inquiryId], {
        before: { status: 'triage', fieldId: null },
        after: { status: 'open', fieldId: triaged.field.id, poolSize: 1, invitedExpertIds: [triaged.expert.id] },
      }),
      entry('inquiry_rejected', moderator.user.id, ['inquiry', rejected.inquiryId], { before: { status: 'triage' }, after: { status: 'rejected', message: 'See ei ole portaali teema.' } }),
    ]);
  });

  it('a refund: who gave it, how much, why, and what the payment provider answered', async () => {
    const { orderId } = await paidOrder(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });

    const refunded = await submit(moderator.browser, `/orders/${orderId}`, `/orders/${orderId}/refunds`, { amount: '25,50', reason: 'Osa tööst jäi tegemata.' });

    expect(refunded.status).toBe(303);
    const refund = await t.deps.db.selectFrom('refunds').select('id').executeTakeFirstOrThrow();
    await expectRecorded(0, [
      entry('order_refunded', moderator.user.id, ['order', orderId], {
        before: { refundedCents: 0 },
        after: { refundId: refund.id, amountCents: 2_550, reason: 'Osa tööst jäi tegemata.', providerStatus: 'SUCCESSFUL' },
      }),
    ]);
  });

  it('a dispute decided for the expert: the decision and the money released, no refund', async () => {
    const { orderId } = await disputedOrder(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });

    const resolved = await submit(moderator.browser, `/orders/${orderId}`, `/orders/${orderId}/resolve`, { resolution: 'release', note: 'Töö on tehtud nagu kokku lepitud.' });

    expect(resolved.status).toBe(303);
    const dispute = await t.deps.db.selectFrom('disputes').select(['id', 'release_cents']).where('order_id', '=', orderId).executeTakeFirstOrThrow();
    expect(dispute.release_cents).toBe(10_000);
    await expectRecorded(0, [
      entry('dispute_resolved', moderator.user.id, ['dispute', dispute.id], {
        before: { orderId, orderStatus: 'disputed' },
        after: { resolution: 'release', refundCents: 0, releaseCents: 10_000, note: 'Töö on tehtud nagu kokku lepitud.' },
      }),
    ]);
  });

  it('a dispute decided for the customer: the refund and the decision, both by the moderator', async () => {
    const { orderId } = await disputedOrder(t);
    const admin = await signedInUser(t, { roles: ['admin'] });

    const resolved = await submit(admin.browser, `/orders/${orderId}`, `/orders/${orderId}/resolve`, { resolution: 'refund', note: 'Ekspert ei alustanud tööd.' });

    expect(resolved.status).toBe(303);
    const dispute = await t.deps.db.selectFrom('disputes').select('id').where('order_id', '=', orderId).executeTakeFirstOrThrow();
    const refund = await t.deps.db.selectFrom('refunds').select('id').executeTakeFirstOrThrow();
    await expectRecorded(0, [
      entry('order_refunded', admin.user.id, ['order', orderId], {
        before: { refundedCents: 0 },
        after: { refundId: refund.id, amountCents: 10_000, reason: 'Ekspert ei alustanud tööd.', providerStatus: 'SUCCESSFUL' },
      }),
      entry('dispute_resolved', admin.user.id, ['dispute', dispute.id], {
        before: { orderId, orderStatus: 'disputed' },
        after: { resolution: 'refund', refundCents: 10_000, releaseCents: 0, note: 'Ekspert ei alustanud tööd.' },
      }),
    ]);
  });

  it('an admin changing an expert’s profile or leave is recorded; the expert’s own changes are not', async () => {
    const field = await createField(t);
    const other = await createField(t);
    const expert = await createExpert(t, { fieldIds: [field.id], qualifications: 'Magistrikraad.', bio: 'Aitan teid.', priceLevel: 2, languages: ['et'] });
    const admin = await signedInUser(t, { roles: ['admin'] });
    const editPage = `/experts/${expert.id}/edit`;
    const profileForm = { qualifications: 'Doktorikraad.', bio: 'Aitan teid kiiresti.', languages: ['et', 'en'], fieldIds: [String(field.id), String(other.id)], priceLevel: '3' };

    await admin.browser.get(editPage);
    expect((await postMultipart(t.app, admin.browser, editPage, { fields: profileForm })).status).toBe(303);
    t.clock.advance(minute);
    expect((await submit(admin.browser, editPage, `/experts/${expert.id}/leave`, { isOnLeave: 'on', returnDate: '' })).status).toBe(303);

    await expectRecorded(0, [
      entry(
        'expert_profile_edited',
        admin.user.id,
        ['expert_profile', expert.id],
        {
          before: { qualifications: 'Magistrikraad.', bio: 'Aitan teid.', priceLevel: 2, fieldIds: [field.id] },
          after: { qualifications: 'Doktorikraad.', bio: 'Aitan teid kiiresti.', priceLevel: 3, fieldIds: [field.id, other.id], languages: ['et', 'en'], photoChanged: false },
        },
        new Date(t.clock.now().getTime() - minute).toISOString(),
      ),
      entry('expert_profile_edited', admin.user.id, ['expert_profile', expert.id], { before: { isOnLeave: false, leaveUntil: null }, after: { isOnLeave: true, leaveUntil: null } }),
    ]);

    // The expert's own edits are theirs to make: no entry.
    const expertBrowser = t.browser();
    await loginAs(expertBrowser, expert);
    await expertBrowser.get(editPage);
    expect((await postMultipart(t.app, expertBrowser, editPage, { fields: { ...profileForm, bio: 'Minu enda sõnad.' } })).status).toBe(303);
    expect((await submit(expertBrowser, editPage, `/experts/${expert.id}/leave`, { returnDate: '' })).status).toBe(303);
    await expectNothingRecorded(2);
  });
});

// ---- what writes nothing ----

describe('refused, rejected and empty actions write no entry', () => {
  it('a refused action writes no entry and changes nothing', async () => {
    const target = await createUser(t);
    const otherAdmin = await createUser(t, { roles: ['admin'] });
    const customer = await signedInUser(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const admin = await signedInUser(t, { roles: ['admin'] });

    // Refused by the route's guard.
    await customer.browser.get('/my');
    expect((await customer.browser.post(`/admin/users/${target.id}/block`, { reason: 'Proovin.' })).status).toBe(403);
    await moderator.browser.get('/my');
    expect((await moderator.browser.post(`/admin/users/${target.id}/roles`, { role: 'admin', grant: 'yes' })).status).toBe(403);
    expect((await moderator.browser.post('/admin/settings', { randomInvitations: '9' })).status).toBe(403);
    // Refused by the rules on accounts: a moderator cannot block an admin, nobody blocks themself.
    expect((await submit(moderator.browser, `/admin/users/${otherAdmin.id}`, `/admin/users/${otherAdmin.id}/block`, { reason: 'Proovin.' })).status).toBe(403);
    expect((await submit(admin.browser, `/admin/users/${admin.user.id}`, `/admin/users/${admin.user.id}/block`, { reason: 'Proovin.' })).status).toBe(403);
    expect((await submit(admin.browser, `/admin/users/${admin.user.id}`, `/admin/users/${admin.user.id}/roles`, { role: 'admin', grant: 'no' })).status).toBe(403);
    // A moderator may not decide on their own application.
    const own = await submittedApplication(t);
    await grantRole(t.deps.db, own.applicant.id, 'moderator', nowIso());
    const applicantBrowser = t.browser();
    await loginAs(applicantBrowser, own.applicant);
    const decided = await submit(applicantBrowser, '/my', `/admin/expert-applications/${own.applicationId}/decision`, { event: 'approve', note: '' });
    expect(decided.status).toBe(403);

    expect(await auditCount(t)).toBe(0);
    const users = await t.deps.db.selectFrom('users').select('blocked_at').execute();
    expect(users.every((u) => u.blocked_at === null)).toBe(true);
    expect(t.deps.settings.current().randomInvitations).toBe(3);
  });

  it('a form refused for what it says writes no entry', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const target = await createUser(t);
    const field = await createField(t);
    await createExpert(t, { fieldIds: [field.id] });
    const { orderId } = await paidOrder(t);

    expect((await submit(admin.browser, `/admin/users/${target.id}`, `/admin/users/${target.id}/block`, { reason: '  ' })).status).toBe(422);
    expect((await submit(admin.browser, '/admin/settings', '/admin/settings', { randomInvitations: '0', portalFeePercent: 'palju' })).status).toBe(422);
    expect((await submit(admin.browser, `/admin/fields/${field.id}`, `/admin/fields/${field.id}/delete`, {})).status).toBe(409);
    expect((await submit(admin.browser, `/orders/${orderId}`, `/orders/${orderId}/refunds`, { amount: '1000', reason: 'Liiga palju.' })).status).toBe(422);

    expect(await auditCount(t)).toBe(0);
  });

  it('doing what is already done writes no entry', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const target = await createUser(t, { roles: ['moderator'] });
    const userPage = `/admin/users/${target.id}`;
    expect((await submit(admin.browser, userPage, `${userPage}/block`, { reason: 'Esimene kord.' })).status).toBe(303);
    const since = await auditCount(t);

    expect((await submit(admin.browser, userPage, `${userPage}/block`, { reason: 'Teine kord.' })).status).toBe(303);
    expect((await submit(admin.browser, userPage, `${userPage}/roles`, { role: 'moderator', grant: 'yes' })).status).toBe(303);
    expect((await submit(admin.browser, userPage, `${userPage}/roles`, { role: 'admin', grant: 'no' })).status).toBe(303);
    const settings = settingsShown((await admin.browser.get('/admin/settings')).body);
    expect((await admin.browser.post('/admin/settings', settings)).status).toBe(303);

    await expectNothingRecorded(since);
  });
});

// ---- append-only ----

describe('the audit log is append-only in the database', () => {
  it('refuses to change or delete an entry, whichever way it is asked', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const target = await createUser(t);
    expect((await submit(admin.browser, `/admin/users/${target.id}`, `/admin/users/${target.id}/block`, { reason: 'Rämpspost.' })).status).toBe(303);
    const before = await auditEntries(t);
    expect(before).toHaveLength(1);

    await expect(sql`update audit_log set action = 'user_unblocked'`.execute(t.deps.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(t.deps.db)).rejects.toThrow(/append-only/);
    await expect(t.deps.db.updateTable('audit_log').set({ after_json: null }).where('id', '=', before[0]!.id).execute()).rejects.toThrow(/append-only/);
    await expect(t.deps.db.deleteFrom('audit_log').where('id', '=', before[0]!.id).execute()).rejects.toThrow(/append-only/);
    // Not even inside a transaction that would otherwise commit.
    await expect(
      t.deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('audit_log').execute();
      }),
    ).rejects.toThrow(/append-only/);

    expect(await auditEntries(t)).toEqual(before);
  });
});

// ---- the audit page ----

type Row = { when: string; who: string; action: string; object: string; objectHref: string | undefined; before: string; after: string };

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The rows of the audit table, top to bottom, as visible text. */
function auditRows(html: string): Row[] {
  const body = /<table class="audit-table">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => {
    const cells = [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!);
    return {
      when: mainText(cells[0]!),
      who: mainText(cells[1]!),
      action: mainText(cells[2]!),
      object: mainText(cells[3]!),
      objectHref: /href="([^"]+)"/.exec(cells[3]!)?.[1],
      before: mainText(cells[4]!),
      after: mainText(cells[5]!),
    };
  });
}

/** The "older entries" link, decoded; undefined on the last page. */
function olderLink(html: string): string | undefined {
  const href = /<a href="([^"]+)" rel="next">/.exec(html)?.[1];
  return href === undefined ? undefined : decode(href);
}

/** The object ids of a page's rows (entries the tests write straight through the use case carry a telling id). */
function objectIds(html: string): string[] {
  return auditRows(html).map((row) => row.object.split(' ').at(-1)!);
}

/** An entry written through the use case at the clock's current time (for tests of the listing itself). */
async function logEntry(action: AuditAction, objectType: AuditObjectType, objectId: string, actorId: number | null = null): Promise<void> {
  await recordAudit(t.deps.db, t.deps, actorId === null ? null : { id: actorId }, action, { type: objectType, id: objectId }, { after: { n: objectId } });
}

describe('the audit page (/admin/audit)', () => {
  it('shows the newest entries first: when, who, what, on which object, before and after', async () => {
    const admin = await signedInUser(t, { roles: ['admin'], name: 'Aadu Admin' });
    const target = await createUser(t, { name: 'Siiri Sihtmärk' });
    const userPage = `/admin/users/${target.id}`;
    expect((await submit(admin.browser, userPage, `${userPage}/block`, { reason: 'Rämpspost.' })).status).toBe(303);
    t.clock.advance(minute);
    expect((await submit(admin.browser, userPage, `${userPage}/roles`, { role: 'moderator', grant: 'yes' })).status).toBe(303);
    t.clock.advance(minute);
    expect((await submit(admin.browser, '/admin/fields', '/admin/fields', { nameEt: 'Mereõigus', nameEn: 'Maritime law', descriptionEt: 'Laevad.', descriptionEn: 'Ships.', isActive: 'on' })).status).toBe(303);
    const fieldId = (await t.deps.db.selectFrom('fields').select('id').executeTakeFirstOrThrow()).id;

    const page = await admin.browser.get('/admin/audit');

    expect(page.status).toBe(200);
    const rows = auditRows(page.body);
    expect(rows.map((r) => r.action)).toEqual(['Valdkond lisatud', 'Roll antud', 'Konto blokeeritud']);
    expect(rows.every((r) => r.who === 'Aadu Admin')).toBe(true);
    expect(page.body).toContain(`href="/admin/users/${admin.user.id}"`);
    expect(rows[0]).toMatchObject({ object: `Valdkond ${fieldId}`, objectHref: `/admin/fields/${fieldId}`, before: '–' });
    expect(rows[0]!.after).toContain('nameEt: Mereõigus');
    expect(rows[1]).toMatchObject({ object: `Kasutaja ${target.id}`, objectHref: userPage, before: 'roles: []', after: 'roles: ["moderator"]' });
    expect(rows[2]!.after).toContain('reason: Rämpspost.');
    // Tallinn time: 10:00 UTC on 25 November is 12:00 in Tallinn.
    expect(rows[2]!.when).toContain('12:00');
    expect(olderLink(page.body)).toBeUndefined();
  });

  it('filters by action', async () => {
    await logEntry('user_blocked', 'user', 'b1');
    await logEntry('field_created', 'field', 'f1');
    await logEntry('user_blocked', 'user', 'b2');
    const admin = await signedInUser(t, { roles: ['admin'] });

    const page = await admin.browser.get('/admin/audit?action=user_blocked');

    expect(objectIds(page.body)).toEqual(['b2', 'b1']);
    expect(page.body).toMatch(/<option value="user_blocked" selected="">|<option value="user_blocked" selected>/);
  });

  it('filters by object type and id: one object’s history', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const mari = await createUser(t);
    const jaan = await createUser(t);
    for (const user of [mari, jaan]) {
      const userPage = `/admin/users/${user.id}`;
      expect((await submit(admin.browser, userPage, `${userPage}/block`, { reason: 'Rämpspost.' })).status).toBe(303);
      expect((await submit(admin.browser, userPage, `${userPage}/unblock`, {})).status).toBe(303);
    }
    await logEntry('field_created', 'field', String(mari.id));

    const page = await admin.browser.get(`/admin/audit?objectType=user&objectId=${mari.id}`);

    expect(auditRows(page.body).map((r) => [r.action, r.object])).toEqual([
      ['Blokeering lõpetatud', `Kasutaja ${mari.id}`],
      ['Konto blokeeritud', `Kasutaja ${mari.id}`],
    ]);
    // The type alone: every user entry, no field.
    expect(auditRows((await admin.browser.get('/admin/audit?objectType=user')).body)).toHaveLength(4);
  });

  it('filters by the person who acted', async () => {
    const first = await signedInUser(t, { roles: ['admin'], name: 'Esimene Admin' });
    const second = await signedInUser(t, { roles: ['admin'], name: 'Teine Admin' });
    const one = await createUser(t);
    const two = await createUser(t);
    expect((await submit(first.browser, `/admin/users/${one.id}`, `/admin/users/${one.id}/block`, { reason: 'Üks.' })).status).toBe(303);
    expect((await submit(second.browser, `/admin/users/${two.id}`, `/admin/users/${two.id}/block`, { reason: 'Kaks.' })).status).toBe(303);
    expect((await submit(second.browser, `/admin/users/${one.id}`, `/admin/users/${one.id}/roles`, { role: 'moderator', grant: 'yes' })).status).toBe(303);

    const rows = auditRows((await first.browser.get(`/admin/audit?actor=${second.user.id}`)).body);

    expect(rows.map((r) => [r.who, r.action, r.object])).toEqual([
      ['Teine Admin', 'Roll antud', `Kasutaja ${one.id}`],
      ['Teine Admin', 'Konto blokeeritud', `Kasutaja ${two.id}`],
    ]);
  });

  it('filters by Tallinn calendar days, both ends included, in winter and in summer time', async () => {
    const at = async (instant: string, objectId: string) => {
      t.clock.set(instant);
      await logEntry('settings_changed', 'setting', objectId);
    };
    await at('2026-07-14T20:59:59.000Z', 'jul14late'); // 23:59:59 on 14 July in Tallinn (UTC+3)
    await at('2026-07-14T21:00:00.000Z', 'jul15early'); // 00:00 on 15 July
    await at('2026-11-24T21:59:59.000Z', 'nov24late'); // 23:59:59 on 24 November (UTC+2)
    await at('2026-11-24T22:00:00.000Z', 'nov25early'); // 00:00 on 25 November
    await at('2026-11-25T21:59:59.000Z', 'nov25late');
    await at('2026-11-25T22:00:00.000Z', 'nov26early');
    t.clock.set('2026-11-26T08:00:00.000Z');
    const admin = await signedInUser(t, { roles: ['admin'] });
    const ids = async (query: string) => objectIds((await admin.browser.get(`/admin/audit?${query}`)).body);

    expect(await ids('from=2026-11-25&to=2026-11-25')).toEqual(['nov25late', 'nov25early']);
    expect(await ids('from=2026-11-25')).toEqual(['nov26early', 'nov25late', 'nov25early']);
    expect(await ids('to=2026-11-24')).toEqual(['nov24late', 'jul15early', 'jul14late']);
    expect(await ids('from=2026-07-15&to=2026-07-15')).toEqual(['jul15early']);
    expect(await ids('from=2026-07-14&to=2026-07-14')).toEqual(['jul14late']);
    // An empty range is an empty page, not an error.
    const empty = await admin.browser.get('/admin/audit?from=2026-11-26&to=2026-11-25');
    expect(empty.status).toBe(200);
    expect(mainText(empty.body)).toContain('Logis pole selliseid kirjeid.');
  });

  it('pages through 120 entries 50 at a time with "older entries", newest first, none repeated or skipped', async () => {
    for (let i = 1; i <= 120; i += 1) {
      await logEntry('field_updated', 'field', `e${i}`);
      t.clock.advance(1_000);
    }
    const admin = await signedInUser(t, { roles: ['admin'] });
    const shown: string[] = [];
    const pages: number[] = [];
    let next: string | undefined = '/admin/audit';
    while (next !== undefined && pages.length < 10) {
      const page = await admin.browser.get(next);
      expect(page.status).toBe(200);
      const ids = objectIds(page.body);
      pages.push(ids.length);
      shown.push(...ids);
      next = olderLink(page.body);
      if (next !== undefined) expect(next).toMatch(/^\/admin\/audit\?before=\d+$/);
    }

    expect(pages).toEqual([50, 50, 20]);
    expect(shown).toEqual(Array.from({ length: 120 }, (_, i) => `e${120 - i}`));
  });

  it('keeps the filter while paging, and shows no "older" link when the last page is exactly full', async () => {
    for (let i = 1; i <= 130; i += 1) {
      // Every fourth entry is something else, which the filter leaves out.
      if (i % 4 === 0) await logEntry('field_created', 'field', `other${i}`);
      else await logEntry('user_blocked', 'user', `u${i}`);
    }
    const expected = Array.from({ length: 130 }, (_, i) => 130 - i)
      .filter((i) => i % 4 !== 0)
      .map((i) => `u${i}`);
    expect(expected).toHaveLength(98);
    await logEntry('user_blocked', 'user', 'u131');
    await logEntry('user_blocked', 'user', 'u132');
    const admin = await signedInUser(t, { roles: ['admin'] });

    const first = await admin.browser.get('/admin/audit?action=user_blocked');
    const older = olderLink(first.body)!;
    expect(older).toMatch(/^\/admin\/audit\?action=user_blocked&before=\d+$/);
    const second = await admin.browser.get(older);

    expect([...objectIds(first.body), ...objectIds(second.body)]).toEqual(['u132', 'u131', ...expected]);
    expect(objectIds(second.body)).toHaveLength(50);
    expect(olderLink(second.body)).toBeUndefined();
  });

  it.each([
    'action=DROP%20TABLE',
    'action=user_blocked&action=field_created',
    'objectType=%3Cscript%3E',
    'objectId=%00%01',
    `objectId=${'x'.repeat(500)}`,
    'objectId=../../etc',
    'actor=-5',
    'actor=abc',
    'actor=1e99',
    'actor=99999999999999999999',
    'from=2026-02-30',
    'from=yesterday',
    'to=2026-13-01',
    'before=0',
    'before=abc',
    'before=99999999999999999999',
    'before[]=1',
    'page=%FF',
  ])('answers nonsense in the address (%s) with the log unfiltered, never an error', async (query) => {
    await logEntry('user_blocked', 'user', 'first');
    await logEntry('field_created', 'field', 'second');
    const admin = await signedInUser(t, { roles: ['admin'] });

    const page = await admin.browser.get(`/admin/audit?${query}`);

    expect(page.status).toBe(200);
    expect(objectIds(page.body)).toEqual(['second', 'first']);
  });
});

// ---- completeness ----

describe('coverage', () => {
  it('every action the portal records has a test above that checks its entry', () => {
    expect(auditActions.filter((action) => !seen.has(action))).toEqual([]);
  });
});
