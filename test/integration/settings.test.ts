import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/adapters/random.js';
import { formatDate, formatDateTime } from '../../src/i18n/format.js';
import { cancelOverduePayments } from '../../src/use-cases/payments.js';
import { startConversation } from '../../src/use-cases/conversations.js';
import {
  acceptWork,
  auditEntries,
  deliverAndMarkDone,
  flashOf,
  footerText,
  inputValue,
  ledgerOf,
  offeredInquiry,
  orderOffer,
  orderRow,
  payOrder,
  summaryItems,
  textOf,
} from '../support/admin.js';
import type { Browser, Page } from '../support/browser.js';
import { emailsTo, lastEmailTo } from '../support/emails.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { createInquiryAs, dayFromNow } from '../support/inquiries.js';
import { type FilePart, postMultipart, samplePdf } from '../support/multipart.js';
import { fieldError, fieldValue, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

/**
 * The back office's settings page (issue 8): what it shows, what it refuses, what a save records,
 * and that each setting changes what the portal does from the next request on, without a restart.
 */

let t: TestApp;

async function start(options: TestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp(options);
  return t;
}

afterEach(async () => {
  await t.close();
});

const minute = 60_000;
const day = 86_400_000;
const megabyte = 1024 * 1024;

/** The form's fields, in page order. */
const names = [
  'randomInvitations',
  'inquiriesPerDay',
  'portalFeePercent',
  'paymentTimeoutMinutes',
  'autoAcceptDays',
  'maxFileMegabytes',
  'maxFilesPerMessage',
  'supportEmail',
  'supportPhone',
  'supportSkype',
] as const;
type Name = (typeof names)[number];
type Values = Record<Name, string>;

/** What the settings form shows in each field. */
function formValues(html: string): Values {
  return Object.fromEntries(names.map((name) => [name, inputValue(html, name)])) as Values;
}

/** The recent changes listed under the form: [action, object, before, after] per row, newest first. */
function recentChanges(html: string): string[][] {
  const section = /<section class="card" aria-labelledby="settings-history">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(section)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(`<main>${c[1]!}</main>`)).slice(2),
  );
}

async function admin(options: { locale?: 'et' | 'en'; email?: string } = {}) {
  return signedInUser(t, { name: 'Aino Admin', email: 'aino@example.ee', roles: ['admin'], ...options });
}

/** Opens the settings page and sends the form with what it shows, changed as given. */
async function save(browser: Browser, changes: Partial<Values>): Promise<Page> {
  const page = await browser.get('/admin/settings');
  expect(page.status).toBe(200);
  return browser.post('/admin/settings', { ...formValues(page.body), ...changes });
}

async function saved(browser: Browser, changes: Partial<Values>): Promise<Page> {
  const answer = await save(browser, changes);
  expect(answer.status).toBe(303);
  return browser.follow(answer);
}

/** What a refused save must leave as it was: the stored settings, the audit log, what the portal uses. */
async function savedState() {
  return {
    rows: await t.deps.db.selectFrom('settings').selectAll().execute(),
    audit: await auditEntries(t),
    current: { ...t.deps.settings.current() },
  };
}

// ---- the page ----

describe('the settings page', () => {
  it('shows the values the portal starts with from its environment, and no changes yet', async () => {
    await start({ env: { RANDOM_INVITATIONS: '2', PORTAL_FEE_PERCENT: '12.5', SUPPORT_PHONE: '+372 600 0000' } });
    const { browser } = await admin();

    const page = await browser.get('/admin/settings');

    expect(page.status).toBe(200);
    expect(formValues(page.body)).toEqual({
      randomInvitations: '2',
      inquiriesPerDay: '30',
      portalFeePercent: '12,5',
      paymentTimeoutMinutes: '30',
      autoAcceptDays: '14',
      maxFileMegabytes: '10',
      maxFilesPerMessage: '5',
      supportEmail: 'abi@konsult.ee',
      supportPhone: '+372 600 0000',
      supportSkype: 'kannatanuabi',
    });
    expect(recentChanges(page.body)).toEqual([]);
    expect(textOf(page.body)).toContain('Logis pole selliseid kirjeid.');
  });

  it('shows the fee with a decimal point in English', async () => {
    await start({ env: { PORTAL_FEE_PERCENT: '12.5' } });
    const { browser } = await admin({ locale: 'en' });
    const page = await browser.get('/admin/settings');
    expect(fieldValue(page.body, 'portalFeePercent')).toBe('12.5');
    expect(textOf(page.body)).toContain('Settings');
  });

  it('is for admins only: moderators, customers and experts get 403, anonymous visitors are sent to sign in; nothing is saved', async () => {
    await start();
    const field = await createField(t);
    const expert = await createExpert(t, { fieldIds: [field.id] });
    const expertBrowser = t.browser();
    await loginAs(expertBrowser, expert);
    const others = [(await signedInUser(t, { roles: ['moderator'] })).browser, (await signedInUser(t)).browser, expertBrowser];
    const before = await savedState();

    for (const browser of others) {
      expect((await browser.get('/admin/settings')).status).toBe(403);
      await browser.get('/my');
      expect((await browser.post('/admin/settings', { randomInvitations: '7' })).status).toBe(403);
    }
    const anonymous = await t.browser().get('/admin/settings');
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toBe('/login?next=%2Fadmin%2Fsettings');
    expect(await savedState()).toEqual(before);
  });
});

// ---- refused values ----

const refusals: { name: Name; value: string; et: string; en: string }[] = [
  { name: 'randomInvitations', value: 'kaks', et: 'Sisestage arv.', en: 'Enter a number.' },
  { name: 'randomInvitations', value: '0', et: 'Lubatud on 1–25.', en: 'Allowed: 1–25.' },
  { name: 'randomInvitations', value: '26', et: 'Lubatud on 1–25.', en: 'Allowed: 1–25.' },
  { name: 'randomInvitations', value: '', et: 'Sisestage arv.', en: 'Enter a number.' },
  { name: 'inquiriesPerDay', value: '-1', et: 'Sisestage arv.', en: 'Enter a number.' },
  { name: 'inquiriesPerDay', value: '1001', et: 'Lubatud on 1–1000.', en: 'Allowed: 1–1000.' },
  { name: 'portalFeePercent', value: '12,555', et: 'Sisestage arv.', en: 'Enter a number.' },
  { name: 'portalFeePercent', value: '12.5%', et: 'Sisestage arv.', en: 'Enter a number.' },
  { name: 'portalFeePercent', value: '50,01', et: 'Lubatud on 0–50.', en: 'Allowed: 0–50.' },
  { name: 'paymentTimeoutMinutes', value: '4', et: 'Lubatud on 5–1440.', en: 'Allowed: 5–1440.' },
  { name: 'autoAcceptDays', value: '1.5', et: 'Sisestage arv.', en: 'Enter a number.' },
  { name: 'autoAcceptDays', value: '91', et: 'Lubatud on 1–90.', en: 'Allowed: 1–90.' },
  { name: 'maxFileMegabytes', value: '26', et: 'Lubatud on 1–25.', en: 'Allowed: 1–25.' },
  { name: 'maxFilesPerMessage', value: '11', et: 'Lubatud on 1–10.', en: 'Allowed: 1–10.' },
  { name: 'supportEmail', value: 'abi(at)konsult.ee', et: 'See väärtus ei sobi. Kontrollige kirjapilti.', en: 'This value does not fit. Check how it is written.' },
  { name: 'supportEmail', value: '', et: 'See väli on kohustuslik.', en: 'This field is required.' },
  { name: 'supportPhone', value: 'helistage mulle', et: 'See väärtus ei sobi. Kontrollige kirjapilti.', en: 'This value does not fit. Check how it is written.' },
  { name: 'supportSkype', value: '"><script>alert(1)</script>', et: 'See väärtus ei sobi. Kontrollige kirjapilti.', en: 'This value does not fit. Check how it is written.' },
  { name: 'supportSkype', value: 'kaks sõna', et: 'See väärtus ei sobi. Kontrollige kirjapilti.', en: 'This value does not fit. Check how it is written.' },
];

describe('a value the portal cannot use', () => {
  it.each(refusals)('$name = "$value" is refused with 422 and “$et” at the field; everything typed is kept and nothing saved', async ({ name, value, et, en }) => {
    await start();
    for (const [locale, message] of [
      ['et', et],
      ['en', en],
    ] as const) {
      const { browser } = await admin({ locale, email: `aino-${locale}@example.ee` });
      const before = await savedState();
      // Other fields changed at the same time are not saved either.
      const typed = { ...formValues((await browser.get('/admin/settings')).body), inquiriesPerDay: '44', supportSkype: 'uus.nimi', [name]: value };

      const page = await browser.post('/admin/settings', typed);

      expect(page.status, locale).toBe(422);
      expect(fieldError(page.body, name), locale).toBe(message);
      // One problem, listed once at the top of the form too (its wording: see the test below).
      expect(summaryItems(page.body), locale).toHaveLength(1);
      for (const other of names.filter((n) => n !== name)) expect(fieldError(page.body, other), `${locale} ${other}`).toBeUndefined();
      expect(formValues(page.body), locale).toEqual(typed);
      expect(await savedState(), locale).toEqual(before);
    }
  });

  it('the list of problems at the top of the form names the allowed range, as the message at the field does', async () => {
    await start();
    for (const [locale, messages] of [
      ['et', ['Lubatud on 1–25.', 'Lubatud on 0–50.', 'Lubatud on 5–1440.']],
      ['en', ['Allowed: 1–25.', 'Allowed: 0–50.', 'Allowed: 5–1440.']],
    ] as const) {
      const { browser } = await admin({ locale, email: `aino-${locale}@example.ee` });
      const page = await save(browser, { randomInvitations: '26', portalFeePercent: '50,5', paymentTimeoutMinutes: '2' });
      expect(page.status).toBe(422);
      expect([fieldError(page.body, 'randomInvitations'), fieldError(page.body, 'portalFeePercent'), fieldError(page.body, 'paymentTimeoutMinutes')]).toEqual(messages);
      expect(summaryItems(page.body), locale).toEqual(messages);
    }
  });

  it('several problems at once: each message at its own field', async () => {
    await start();
    const { browser } = await admin();
    const page = await save(browser, { randomInvitations: 'x', portalFeePercent: '99', supportEmail: '', maxFilesPerMessage: '0' });
    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'randomInvitations')).toBe('Sisestage arv.');
    expect(fieldError(page.body, 'portalFeePercent')).toBe('Lubatud on 0–50.');
    expect(fieldError(page.body, 'supportEmail')).toBe('See väli on kohustuslik.');
    expect(fieldError(page.body, 'maxFilesPerMessage')).toBe('Lubatud on 1–10.');
    expect(fieldError(page.body, 'autoAcceptDays')).toBeUndefined();
    expect(await auditEntries(t)).toEqual([]);
  });
});

// ---- saving ----

describe('saving the settings', () => {
  it('redirects with a confirmation, shows the new values and lists each change; one audit entry per changed value with before and after', async () => {
    await start({ env: { RANDOM_INVITATIONS: '3' } });
    const { user, browser } = await admin();

    const answer = await save(browser, { randomInvitations: '5', portalFeePercent: '12,5', supportPhone: '+372 600 1234' });

    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/admin/settings');
    const page = await browser.follow(answer);
    expect(flashOf(page.body)).toBe('Seaded on salvestatud. Muudatused kehtivad kohe.');
    expect(formValues(page.body)).toMatchObject({ randomInvitations: '5', portalFeePercent: '12,5', supportPhone: '+372 600 1234', autoAcceptDays: '14' });
    const listed = recentChanges(page.body);
    expect(listed.map(([action, object]) => `${action}: ${object}`).sort()).toEqual([
      'Seade muudetud: Juhuslikult kutsutavate ekspertide arv',
      'Seade muudetud: Kasutajatoe telefon',
      'Seade muudetud: Portaali tasu (%)',
    ]);
    expect(listed.find(([, object]) => object === 'Juhuslikult kutsutavate ekspertide arv')!.slice(2)).toEqual(['3', '5']);
    expect(await auditEntries(t)).toEqual([
      { actorId: user.id, action: 'settings_changed', object: 'setting/randomInvitations', before: 3, after: 5 },
      { actorId: user.id, action: 'settings_changed', object: 'setting/portalFeeBasisPoints', before: 1500, after: 1250 },
      { actorId: user.id, action: 'settings_changed', object: 'setting/supportPhone', before: '', after: '+372 600 1234' },
    ]);

    // Saving again without changes records nothing more.
    const again = await save(browser, {});
    expect(again.status).toBe(303);
    expect(flashOf((await browser.follow(again)).body)).toBe('Seaded on salvestatud. Muudatused kehtivad kohe.');
    expect(await auditEntries(t)).toHaveLength(3);

    // A later change records its own before: the value saved above, not the environment's.
    await saved(browser, { randomInvitations: '4' });
    expect((await auditEntries(t)).at(-1)).toMatchObject({ object: 'setting/randomInvitations', before: 5, after: 4 });
  });

  it.each([
    ['12,5', 1250, '12,5'],
    ['12.5', 1250, '12,5'],
    [' 12,5 ', 1250, '12,5'],
    ['7', 700, '7'],
    ['0', 0, '0'],
    ['12,05', 1205, '12,05'],
    ['50', 5000, '50'],
  ])('the fee "%s" is saved as %i basis points and shown as %s', async (typed, basisPoints, shown) => {
    await start();
    const { browser } = await admin();
    const page = await saved(browser, { portalFeePercent: typed });
    expect(t.deps.settings.current().portalFeeBasisPoints).toBe(basisPoints);
    expect(fieldValue(page.body, 'portalFeePercent')).toBe(shown);
    const stored = await t.deps.db.selectFrom('settings').select('value').where('key', '=', 'portalFeeBasisPoints').executeTakeFirst();
    expect(stored === undefined ? 1500 : JSON.parse(stored.value)).toBe(basisPoints);
  });
});

// ---- the portal follows the settings at once ----

describe('a saved setting applies from the next request, without a restart', () => {
  /** Sends the triage form from the inquiry's page, as a moderator would. */
  function assign(browser: Browser, inquiryId: number, fieldId: number): Promise<Page> {
    return browser.post(`/admin/triage/${inquiryId}/assign`, { fieldId: String(fieldId) }, { formPage: `/inquiries/${inquiryId}` });
  }

  async function invitedCount(inquiryId: number): Promise<number> {
    return (await t.deps.db.selectFrom('invitations').select('id').where('inquiry_id', '=', inquiryId).execute()).length;
  }

  it('randomInvitations: triage invites that many experts', async () => {
    await start({ random: seededRandom(3), env: { RANDOM_INVITATIONS: '2' } });
    const field = await createField(t, { nameEt: 'Liiklusõnnetused' });
    for (let i = 0; i < 6; i += 1) await createExpert(t, { fieldIds: [field.id] });
    const customer = await createUser(t);
    const { browser } = await admin();
    const moderator = (await signedInUser(t, { roles: ['moderator'] })).browser;
    const first = await createInquiryAs(t, customer, { title: 'Esimene', deadline: dayFromNow(t, 7) });
    const second = await createInquiryAs(t, customer, { title: 'Teine', deadline: dayFromNow(t, 7) });

    await saved(browser, { randomInvitations: '5' });
    expect(textOf((await moderator.get(`/inquiries/${first}`)).body)).toContain('juhuslikult kuni 5 eksperti');
    expect((await assign(moderator, first, field.id)).status).toBe(303);
    expect(await invitedCount(first)).toBe(5);

    await saved(browser, { randomInvitations: '1' });
    expect((await assign(moderator, second, field.id)).status).toBe(303);
    expect(await invitedCount(second)).toBe(1);
  });

  it('inquiriesPerDay: the next inquiry over the new limit is refused; raising it lets the customer send again', async () => {
    await start();
    const { browser } = await admin();
    const customer = await signedInUser(t, { name: 'Kalle Klient' });
    const inquiriesOf = async () => (await t.deps.db.selectFrom('inquiries').select('id').where('customer_id', '=', customer.user.id).execute()).length;
    const send = async (title: string) => {
      await customer.browser.get('/inquiries/new?kind=consultation');
      return postMultipart(t.app, customer.browser, '/inquiries', {
        fields: { kind: 'consultation', title, description: 'Ei tea, kuhu pöörduda.', deadline: dayFromNow(t, 7), wishedBy: '', language: 'et' },
      });
    };
    expect((await send('Esimene')).status).toBe(303);
    expect((await send('Teine')).status).toBe(303);

    await saved(browser, { inquiriesPerDay: '2' });
    const refused = await send('Kolmas');
    expect(refused.status).toBe(429);
    expect(textOf(refused.body)).toMatch(/Liiga palju katseid\. Palun proovige uuesti \d+ minuti pärast\./);
    expect(await inquiriesOf()).toBe(2);

    await saved(browser, { inquiriesPerDay: '3' });
    expect((await send('Kolmas')).status).toBe(303);
    expect(await inquiriesOf()).toBe(3);
    expect((await send('Neljas')).status).toBe(429);
  });

  it('the portal fee: the next accepted work releases the money with the new fee', async () => {
    await start();
    const { browser } = await admin();
    const s = await offeredInquiry(t, { priceCents: 12_000 });
    const { orderId, payPage } = await orderOffer(t, s);
    await payOrder(s, orderId, payPage);
    await deliverAndMarkDone(t, s, orderId);

    await saved(browser, { portalFeePercent: '12,5' });
    expect((await acceptWork(s, orderId)).status).toBe(303);

    expect((await ledgerOf(t, orderId)).filter((e) => e.kind === 'release')).toEqual([
      { kind: 'release', account: `escrow:order:${orderId}`, amount_cents: -12_000 },
      { kind: 'release', account: `payable:expert:${s.expert.id}`, amount_cents: 10_500 },
      { kind: 'release', account: 'fees', amount_cents: 1_500 },
    ]);
  });

  it('paymentTimeoutMinutes: a new order is due that many minutes after it is placed, and is cancelled after them', async () => {
    await start();
    const { browser } = await admin();
    const s = await offeredInquiry(t);
    await saved(browser, { paymentTimeoutMinutes: '10' });

    const { orderId } = await orderOffer(t, s);

    const row = await orderRow(t, orderId);
    expect(Date.parse(row.payment_due_at) - Date.parse(row.created_at)).toBe(10 * minute);
    expect(textOf((await s.browsers.customer.get(`/orders/${orderId}`)).body)).toContain(`Palun tasuge kuni ${formatDateTime('et', row.payment_due_at).replace(/[\u00a0\u202f]/g, ' ')}.`);
    t.clock.advance(9 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(0);
    t.clock.advance(1 * minute);
    expect(await cancelOverduePayments(t.deps)).toBe(1);
    expect((await orderRow(t, orderId)).status).toBe('cancelled');
  });

  it('autoAcceptDays: work marked done after the change is accepted by itself that many days later', async () => {
    await start();
    const { browser } = await admin();
    const s = await offeredInquiry(t);
    const { orderId, payPage } = await orderOffer(t, s);
    await payOrder(s, orderId, payPage);

    await saved(browser, { autoAcceptDays: '3' });
    await deliverAndMarkDone(t, s, orderId);

    const row = await orderRow(t, orderId);
    expect(Date.parse(row.auto_accept_at!) - Date.parse(row.delivered_at!)).toBe(3 * day);
    expect(textOf((await s.browsers.customer.get(`/orders/${orderId}`)).body)).toContain(`Kui te midagi ei tee, loetakse töö vastuvõetuks ${formatDate('et', row.auto_accept_at!)}.`);
  });

  describe('file limits', () => {
    const pdfOf = (name: string, bytes: number): FilePart => {
      const head = samplePdf();
      return { name, contentType: 'application/pdf', content: Buffer.concat([head, Buffer.alloc(bytes - head.length, 0x20)]) };
    };

    async function conversation() {
      const alice = await signedInUser(t, { name: 'Alice Allik' });
      const bob = await signedInUser(t, { name: 'Bob Biit' });
      const id = await startConversation(t.deps.db, t.deps, { subject: 'Dokumendid', memberIds: [alice.user.id, bob.user.id] });
      return { alice, id, path: `/mailbox/conversations/${id}` };
    }

    async function send(browser: Browser, path: string, files: FilePart[]): Promise<Page> {
      await browser.get(path);
      return postMultipart(t.app, browser, path, { fields: { body: 'Manused.' }, files });
    }

    it('maxFileMegabytes: a file over the new limit is refused naming it; the forms’ hints show it; a file under it is taken', async () => {
      await start();
      const { browser } = await admin();
      const c = await conversation();
      expect(textOf((await c.alice.browser.get(c.path)).body)).toContain('Kuni 5 faili, igaüks kuni 10 MB');

      await saved(browser, { maxFileMegabytes: '1', maxFilesPerMessage: '2' });

      expect(textOf((await c.alice.browser.get(c.path)).body)).toContain('Kuni 2 faili, igaüks kuni 1 MB');
      expect(textOf((await c.alice.browser.get('/inquiries/new?kind=consultation')).body)).toContain('Kuni 2 faili, igaüks kuni 1 MB');
      const tooLarge = await send(c.alice.browser, c.path, [pdfOf('suur.pdf', megabyte + 1)]);
      expect(tooLarge.status).toBe(422);
      expect(fieldError(tooLarge.body, 'files')).toBe('Fail „suur.pdf” on liiga suur: lubatud on kuni 1 MB.');
      expect((await send(c.alice.browser, c.path, [pdfOf('paras.pdf', megabyte)])).status).toBe(303);
      expect((await t.deps.db.selectFrom('files').select('original_name').execute()).map((f) => f.original_name)).toEqual(['paras.pdf']);
    });

    it('maxFilesPerMessage: more files than the new limit are refused naming it; raising the limit takes them', async () => {
      await start();
      const { browser } = await admin();
      const c = await conversation();
      const three = [1, 2, 3].map((n) => pdfOf(`osa-${n}.pdf`, 2_000));
      expect((await send(c.alice.browser, c.path, three)).status).toBe(303);

      await saved(browser, { maxFilesPerMessage: '2' });
      const refused = await send(c.alice.browser, c.path, three);
      expect(refused.status).toBe(422);
      expect(fieldError(refused.body, 'files')).toBe('Korraga saab lisada kuni 2 faili.');

      await saved(browser, { maxFilesPerMessage: '3' });
      expect((await send(c.alice.browser, c.path, three)).status).toBe(303);
    });

    it('the limits are named in English too', async () => {
      await start();
      const { browser } = await admin();
      await saved(browser, { maxFileMegabytes: '2', maxFilesPerMessage: '4' });
      const alice = await signedInUser(t, { locale: 'en' });
      const bob = await createUser(t);
      const id = await startConversation(t.deps.db, t.deps, { subject: 'Papers', memberIds: [alice.user.id, bob.id] });
      const path = `/mailbox/conversations/${id}`;
      expect(textOf((await alice.browser.get(path)).body)).toContain('Up to 4 files, each up to 2 MB');
      const refused = await send(alice.browser, path, [pdfOf('big.pdf', 2 * megabyte + 1)]);
      expect(fieldError(refused.body, 'files')).toBe('The file “big.pdf” is too large: at most 2 MB is allowed.');
    });
  });

  it('support contacts: every page’s footer and the e-mails sent after the change show the new ones', async () => {
    await start({ env: { SUPPORT_PHONE: '+372 600 0000' } });
    const { browser } = await admin();
    const customer = await createUser(t, { email: 'kalle@example.ee' });
    const visitor = t.browser();
    const forgot = async () => {
      const answer = await visitor.post('/password/forgot', { email: customer.email }, { formPage: '/password/forgot' });
      expect(answer.status).toBe(200);
      return lastEmailTo(t, customer.email);
    };
    const before = await forgot();
    expect(before.text_body).toContain('abi@konsult.ee');
    const oldFooter = footerText((await visitor.get('/')).body);
    expect(oldFooter).toContain('abi@konsult.ee');
    expect(oldFooter).toContain('+372 600 0000');
    expect(oldFooter).toContain('kannatanuabi');

    await saved(browser, { supportEmail: 'tugi@naide.ee', supportPhone: '+372 611 2233', supportSkype: 'konsult.tugi' });

    const footer = footerText((await visitor.get('/')).body);
    expect(footer).toContain('tugi@naide.ee');
    expect(footer).toContain('Telefon: +372 611 2233');
    expect(footer).toContain('Skype: konsult.tugi');
    expect(footer).not.toContain('abi@konsult.ee');
    expect(footer).not.toContain('+372 600 0000');
    expect(footer).not.toContain('kannatanuabi');
    expect((await visitor.get('/')).body).toContain('href="mailto:tugi@naide.ee"');
    const after = await forgot();
    expect(after.text_body).toContain('Küsimuste korral kirjutage tugi@naide.ee.');
    expect(after.html_body).toContain('tugi@naide.ee');
    expect(after.text_body).not.toContain('abi@konsult.ee');
    // The e-mail written before keeps what it said.
    expect((await emailsTo(t, customer.email))[0]!.text_body).toContain('abi@konsult.ee');

    // Phone and Skype may be left empty: the footer then leaves them out.
    await saved(browser, { supportPhone: '', supportSkype: '' });
    const bare = footerText((await visitor.get('/')).body);
    expect(bare).toContain('tugi@naide.ee');
    expect(bare).not.toContain('Telefon:');
    expect(bare).not.toContain('Skype:');
  });
});
