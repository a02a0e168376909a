import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/db/schema.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo } from '../support/emails.js';
import { createExpert, createField, personApplication, validIdCodes } from '../support/experts.js';
import { createUser } from '../support/factories.js';
import { createInquiryAs, dayFromNow, makeOfferAs } from '../support/inquiries.js';
import { type FilePart, postMultipart, samplePdf, samplePng } from '../support/multipart.js';
import { fieldError, isSignedIn, setCookie, signIn } from '../support/pages.js';
import {
  attachmentsOf,
  decode,
  dumpDatabase,
  type Dump,
  expectRedirect,
  keysOfFiles,
  ledgerState,
  messagesOf,
  offerIdOf,
  orderOffer,
  orderStatus,
  orderStep,
  payOnSandbox,
  postOnOrder,
  sightingsIn,
  signedIn,
  storedKeys,
} from '../support/privacy.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Privacy (issue 8, GDPR): a person downloads everything the portal holds about them as JSON —
 * and nothing private of anyone else — and deletes their account. Deletion is refused while
 * others still wait for them; when it goes through, their identity and private texts and files
 * are gone, while the ledger, the orders and what they exchanged with others stay, shown under
 * a placeholder name (decision 013).
 */

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

const placeholder = 'Kustutatud kasutaja / Deleted user';
const wrongPassword = 'Praegune parool on vale.';
const obligationsRefusal = 'Kontot ei saa veel kustutada: teised inimesed ootavad teilt midagi. Vaadake allpool, mis on pooleli.';
const adminNotice = 'Administraatori kontot ei saa kustutada. Paluge teisel administraatoril see roll teilt ära võtta ja proovige siis uuesti.';
const csrfRefusal = 'Vormi ei saanud saata';

// ---- reading pages ----

function textOf(html: string): string {
  return mainText(html).replace(/[\u00a0\u202f]/g, ' ');
}

/** The headings of a page's error summaries. */
function summariesOf(html: string): string[] {
  return [...html.matchAll(/<div class="error-summary"[^>]*><h2[^>]*>([\s\S]*?)<\/h2>/g)].map((m) => decode(m[1]!));
}

/** What the deletion page lists as still open: [link, text]. */
function blockersOf(html: string): [string, string][] {
  const section = /<section class="card" aria-labelledby="blockers-title">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  return [...section.matchAll(/<li><a href="([^"]+)">([\s\S]*?)<\/a><\/li>/g)].map((m) => [decode(m[1]!), decode(m[2]!)]);
}

const hasDeleteForm = (html: string) => html.includes('action="/account/delete"');

/** The names on the expert directory. */
function directoryNames(html: string): string[] {
  return [...html.matchAll(/<h2 class="expert-name"><a href="\/experts\/\d+">([\s\S]*?)<\/a><\/h2>/g)].map((m) => decode(m[1]!));
}

/** The rating distribution table on a public profile (its HTML, to compare before and after). */
function ratingTableOf(html: string): string | undefined {
  return /<table class="rating-distribution">[\s\S]*?<\/table>/.exec(html)?.[0];
}

// ---- reading the database ----

async function userRow(id: number): Promise<UserRow> {
  return t.deps.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function sessionsOf(userId: number): Promise<number> {
  return (await t.deps.db.selectFrom('sessions').select('id_hash').where('user_id', '=', userId).execute()).length;
}

async function auditOf(action: string) {
  return t.deps.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();
}

/** The whole database except the attempt counters (a wrong password counts one): a refused request leaves it all as it was. */
async function everythingButCounters(): Promise<Dump> {
  const dump = await dumpDatabase(t);
  delete dump['rate_limits'];
  return dump;
}

// ---- asking for deletion ----

function deleteAccount(browser: Browser, password: string, options: { csrf?: string | null } = {}): Promise<Page> {
  return browser.post('/account/delete', { currentPassword: password }, { formPage: '/account/delete', ...options });
}

// ---- the people (each with contact data that must not travel: the canaries) ----

const pdf = (name: string, text = 'Konsult'): FilePart => ({ name, contentType: 'application/pdf', content: samplePdf(text) });

/** Sends an inquiry through the order form (multipart, with files), as a customer does. */
async function sendInquiry(browser: Browser, input: { fieldId: number; expertIds: number[]; title: string; description: string; files?: FilePart[] }): Promise<number> {
  await browser.get(`/inquiries/new?kind=consultation&field=${input.fieldId}`);
  const sent = await postMultipart(t.app, browser, '/inquiries', {
    fields: {
      kind: 'consultation',
      fieldId: String(input.fieldId),
      expertIds: input.expertIds.map(String),
      title: input.title,
      description: input.description,
      deadline: dayFromNow(t, 7),
      wishedBy: '',
      language: 'et',
    },
    files: input.files ?? [],
  });
  const id = /^\/inquiries\/(\d+)$/.exec(sent.location ?? '')?.[1];
  if (sent.status !== 303 || !id) throw new Error(`the inquiry was not sent: ${sent.status}`);
  return Number(id);
}

/** Applies through "Become an expert" (with a photo) and is approved by an admin: a listed expert with an ID code on file. */
async function becomeExpert(browser: Browser, admin: Browser, fieldId: number, overrides: Record<string, string>, photo?: FilePart): Promise<void> {
  await browser.get('/become-expert');
  const applied = await postMultipart(t.app, browser, '/become-expert', { fields: personApplication([fieldId], overrides), files: photo ? [photo] : [] });
  expectRedirect(applied, 'applying');
  const application = await t.deps.db.selectFrom('expert_applications').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
  const review = `/admin/expert-applications/${application.id}`;
  expectRedirect(await admin.post(`${review}/decision`, { event: 'approve' }, { formPage: review }), 'approving');
}

/** The money of an order that is paid, delivered, accepted and released: the order's whole cycle. */
async function releasedOrder(o: { customer: Browser; expert: Browser; inquiryId: number; expertId: number }, work: { delivery: string; files: FilePart[] }) {
  const { orderId, payPage } = await orderOffer(t, o.customer, o.inquiryId, await offerIdOf(t, o.inquiryId, o.expertId));
  await payOnSandbox(o.customer, payPage);
  expect(await orderStatus(t, orderId)).toBe('in_progress');
  expectRedirect(await postOnOrder(t, o.expert, orderId, 'deliveries', work.delivery, work.files), 'delivering');
  expectRedirect(await orderStep(o.expert, orderId, 'done'), 'marking done');
  expectRedirect(await orderStep(o.customer, orderId, 'accept'), 'accepting');
  expect(await orderStatus(t, orderId)).toBe('accepted');
  return orderId;
}

/** An order paid, disputed by the customer and refunded in full by an admin. */
async function refundedOrder(o: { customer: Browser; expert: Browser; admin: Browser; inquiryId: number; expertId: number }) {
  const { orderId, payPage } = await orderOffer(t, o.customer, o.inquiryId, await offerIdOf(t, o.inquiryId, o.expertId));
  await payOnSandbox(o.customer, payPage);
  expectRedirect(await orderStep(o.customer, orderId, 'dispute', { reason: 'Tööd ei tehtud tähtajaks.' }), 'disputing');
  expectRedirect(await orderStep(o.admin, orderId, 'resolve', { resolution: 'refund', note: 'Raha tagasi.' }), 'refunding');
  expect(await orderStatus(t, orderId)).toBe('resolved');
  return orderId;
}

const kaarel = {
  name: 'Kaarel Kanaarilind',
  email: 'kaarel.kanaarilind@canary.test',
  phone: '+372 5123 9876',
  firstTitle: 'Kanaarilinnu töövaidlus',
  firstDescription: 'Kanaarilinnu ülemus ei maksnud palka kolm kuud.',
  secondTitle: 'Kanaarilinnu puhkusetasu',
  secondDescription: 'Kanaarilinnu puhkusetasu jäi välja maksmata.',
  comment: 'Kanaarilinnu arvates põhjalik vastus.',
  inquiryFile: 'kanaarilinnu-palgaleht.pdf',
  message: 'Kanaarilinnu sõnum eksperdile: leping on lisatud.',
  messageFile: 'kanaarilinnu-leping.pdf',
};

/**
 * Kaarel, a customer, with both sessions signed in, after two orders with the expert Anna: the
 * first paid, delivered, accepted and rated (4 stars, a comment), the second paid, disputed and
 * refunded. His first inquiry carried a file; in its thread he sent Anna a message with a file.
 */
async function customerWorld() {
  const field = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment law' });
  const anna = await createExpert(t, { name: 'Anna Aas', email: 'anna.aas@canary.test', phone: '+372 5111 2222', fieldIds: [field.id] });
  const berit = await createExpert(t, { name: 'Berit Bee', email: 'berit.bee@canary.test', fieldIds: [field.id] });
  const admin = await createUser(t, { name: 'Aadu Admin', email: 'aadu@canary.test', roles: ['admin'] });
  const customer = await createUser(t, { name: kaarel.name, email: kaarel.email, phone: kaarel.phone });
  const browsers = { customer: await signedIn(t, customer), otherSession: await signedIn(t, customer), anna: await signedIn(t, anna), admin: await signedIn(t, admin) };

  const firstInquiry = await sendInquiry(browsers.customer, {
    fieldId: field.id,
    expertIds: [anna.id, berit.id],
    title: kaarel.firstTitle,
    description: kaarel.firstDescription,
    files: [pdf(kaarel.inquiryFile, 'Palgaleht')],
  });
  await makeOfferAs(t, anna, firstInquiry, { priceCents: 12_000 });
  await makeOfferAs(t, berit, firstInquiry, { priceCents: 9_900 });
  const { orderId: firstOrder, payPage } = await orderOffer(t, browsers.customer, firstInquiry, await offerIdOf(t, firstInquiry, anna.id));
  await payOnSandbox(browsers.customer, payPage);
  expectRedirect(await postOnOrder(t, browsers.customer, firstOrder, 'messages', kaarel.message, [pdf(kaarel.messageFile, 'Leping')]), 'writing');
  expectRedirect(await postOnOrder(t, browsers.anna, firstOrder, 'messages', 'Aitäh, vaatan lepingu üle.'), 'answering');
  expectRedirect(await postOnOrder(t, browsers.anna, firstOrder, 'deliveries', 'Anna hinnang: palk tuleb välja nõuda.', [pdf('anna-arvamus.pdf', 'Arvamus')]), 'delivering');
  expectRedirect(await orderStep(browsers.anna, firstOrder, 'done'), 'marking done');
  expectRedirect(await orderStep(browsers.customer, firstOrder, 'accept'), 'accepting');
  expectRedirect(await orderStep(browsers.customer, firstOrder, 'rating', { stars: '4', comment: kaarel.comment }), 'rating');

  const secondInquiry = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [anna.id], title: kaarel.secondTitle, description: kaarel.secondDescription });
  await makeOfferAs(t, anna, secondInquiry, { priceCents: 5_000 });
  const secondOrder = await refundedOrder({ customer: browsers.customer, expert: browsers.anna, admin: browsers.admin, inquiryId: secondInquiry, expertId: anna.id });

  return { field, anna, berit, admin, customer, browsers, firstInquiry, firstOrder, secondInquiry, secondOrder };
}

const kristjan = {
  name: 'Kristjan Kanaarisulg',
  email: 'kristjan.kanaarisulg@canary.test',
  phone: '+372 5234 8765',
  idCode: validIdCodes[0],
  qualifications: 'Kanaarisule kvalifikatsioon: vandeadvokaat aastast 2001.',
  bio: 'Kanaarisule elulugu: aitan töövaidlustes.',
  photo: 'kanaarisule-portree.png',
  message: 'Kanaarisule sõnum kliendile: lisan näidise.',
  messageFile: 'kanaarisule-naidis.pdf',
  delivery: 'Kanaarisule töö: hinnang ja nõude projekt.',
  deliveryFile: 'kanaarisule-arvamus.pdf',
};

/**
 * Kristjan, an expert who applied with his ID code and a photo and was approved, after two
 * orders from the customer Carmen: the first delivered (text and a file), accepted and rated
 * 5 stars, with a message and a file from him in its thread; the second disputed and refunded.
 */
async function expertWorld() {
  const field = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment law' });
  const other = await createExpert(t, { name: 'Anna Aas', email: 'anna.aas@canary.test', fieldIds: [field.id] });
  const admin = await createUser(t, { name: 'Aadu Admin', email: 'aadu@canary.test', roles: ['admin'] });
  const carmen = await createUser(t, { name: 'Carmen Klient', email: 'carmen.klient@canary.test', phone: '+372 5345 1111' });
  const expert = await createUser(t, { name: kristjan.name, email: kristjan.email, phone: kristjan.phone });
  const browsers = { expert: await signedIn(t, expert), carmen: await signedIn(t, carmen), admin: await signedIn(t, admin) };
  await becomeExpert(
    browsers.expert,
    browsers.admin,
    field.id,
    { fullName: kristjan.name, personalIdCode: kristjan.idCode, qualifications: kristjan.qualifications, bio: kristjan.bio },
    { field: 'photo', name: kristjan.photo, contentType: 'image/png', content: samplePng() },
  );
  // Signed in again: the approval made him an expert.
  browsers.expert = await signedIn(t, expert);

  const firstInquiry = await createInquiryAs(t, carmen, { fieldId: field.id, expertIds: [expert.id, other.id], title: 'Carmeni töövaidlus' });
  await makeOfferAs(t, expert, firstInquiry, { priceCents: 20_000 });
  const { orderId: firstOrder, payPage } = await orderOffer(t, browsers.carmen, firstInquiry, await offerIdOf(t, firstInquiry, expert.id));
  await payOnSandbox(browsers.carmen, payPage);
  expectRedirect(await postOnOrder(t, browsers.expert, firstOrder, 'messages', kristjan.message, [pdf(kristjan.messageFile, 'Naidis')]), 'writing');
  expectRedirect(await postOnOrder(t, browsers.expert, firstOrder, 'deliveries', kristjan.delivery, [pdf(kristjan.deliveryFile, 'Arvamus')]), 'delivering');
  expectRedirect(await orderStep(browsers.expert, firstOrder, 'done'), 'marking done');
  expectRedirect(await orderStep(browsers.carmen, firstOrder, 'accept'), 'accepting');
  expectRedirect(await orderStep(browsers.carmen, firstOrder, 'rating', { stars: '5', comment: 'Väga hea töö.' }), 'rating');

  const secondInquiry = await createInquiryAs(t, carmen, { fieldId: field.id, expertIds: [expert.id], title: 'Carmeni teine mure' });
  await makeOfferAs(t, expert, secondInquiry, { priceCents: 7_000 });
  const secondOrder = await refundedOrder({ customer: browsers.carmen, expert: browsers.expert, admin: browsers.admin, inquiryId: secondInquiry, expertId: expert.id });

  return { field, other, admin, carmen, expert, browsers, firstInquiry, firstOrder, secondInquiry, secondOrder };
}

// ---- downloading one's data ----

describe('downloading one’s data (GET /account/data.json)', () => {
  it('sends an anonymous visitor to sign in', async () => {
    const page = await t.browser().get('/account/data.json');
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent('/account/data.json')}`);
  });

  /**
   * Piret is a customer and an expert: she ordered from Anna (rated it), applied with her ID code,
   * and made an offer on Olga's inquiry that Olga ordered and paid (so she sees Olga's contact
   * data on the order). Quido has nothing to do with her.
   */
  async function exportWorld() {
    const field = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment law' });
    const anna = await createExpert(t, { name: 'Anna Aas', email: 'anna.aas@canary.test', phone: '+372 5111 2222', fieldIds: [field.id] });
    const admin = await createUser(t, { name: 'Aadu Admin', email: 'aadu@canary.test', roles: ['admin'] });
    const piret = await createUser(t, { name: 'Piret Privaatne', email: 'piret.privaatne@example.ee', phone: '+372 5555 0101' });
    const olga = await createUser(t, { name: 'Olga Osapool', email: 'olga.osapool@canary.test', phone: '+372 5666 0202' });
    const quido = await createUser(t, { name: 'Quido Kõrvaline', email: 'quido.korvaline@canary.test', phone: '+372 5777 0303' });
    const browsers = { piret: await signedIn(t, piret), olga: await signedIn(t, olga), anna: await signedIn(t, anna), admin: await signedIn(t, admin), quido: await signedIn(t, quido) };
    await becomeExpert(browsers.piret, browsers.admin, field.id, { fullName: 'Piret Privaatne', personalIdCode: validIdCodes[1], bio: 'Pireti elulugu.' });
    browsers.piret = await signedIn(t, piret);
    // Quido applies too, with his own ID code (still under review).
    await browsers.quido.get('/become-expert');
    expectRedirect(
      await postMultipart(t.app, browsers.quido, '/become-expert', { fields: personApplication([field.id], { fullName: 'Quido Kõrvaline', personalIdCode: validIdCodes[2] }) }),
      'Quido applying',
    );

    // As a customer: an inquiry to Anna, ordered, delivered, accepted and rated.
    const ownInquiry = await sendInquiry(browsers.piret, { fieldId: field.id, expertIds: [anna.id], title: 'Pireti küsimus', description: 'Pireti kirjeldus: töölepingu lõpetamine.' });
    await makeOfferAs(t, anna, ownInquiry, { priceCents: 8_000, note: 'Anna pakkumine Piretile.' });
    const ownOrder = await releasedOrder({ customer: browsers.piret, expert: browsers.anna, inquiryId: ownInquiry, expertId: anna.id }, { delivery: 'Anna vastus.', files: [] });
    expectRedirect(await orderStep(browsers.piret, ownOrder, 'rating', { stars: '5', comment: 'Pireti kommentaar: väga hea.' }), 'rating');

    // As an expert: Olga's inquiry to her and Anna; both offer; Olga orders Piret's and pays.
    const olgasInquiry = await createInquiryAs(t, olga, { fieldId: field.id, expertIds: [piret.id, anna.id], title: 'Olga mure', description: 'Olga salajane kirjeldus: naaber ähvardab.' });
    await makeOfferAs(t, piret, olgasInquiry, { priceCents: 15_000, note: 'Pireti pakkumine Olgale.' });
    await makeOfferAs(t, anna, olgasInquiry, { priceCents: 14_000, note: 'Anna salajane pakkumine Olgale.' });
    const { orderId: olgasOrder, payPage } = await orderOffer(t, browsers.olga, olgasInquiry, await offerIdOf(t, olgasInquiry, piret.id));
    await payOnSandbox(browsers.olga, payPage);
    expectRedirect(await postOnOrder(t, browsers.piret, olgasOrder, 'messages', 'Pireti sõnum Olgale: alustan tööd.'), 'Piret writing');
    expectRedirect(await postOnOrder(t, browsers.olga, olgasOrder, 'messages', 'Olga salajane sõnum Piretile.'), 'Olga writing');

    // Quido's inquiry to Anna: nothing of it is Piret's.
    await createInquiryAs(t, quido, { fieldId: field.id, expertIds: [anna.id], title: 'Quido salajane pealkiri', description: 'Quido salajane kirjeldus.' });

    return { field, anna, piret, olga, quido, browsers, ownInquiry, ownOrder, olgasInquiry, olgasOrder };
  }

  it('is a JSON attachment, never cached, that parses', async () => {
    const w = await exportWorld();

    const page = await w.browsers.piret.get('/account/data.json');

    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(String(page.headers['content-disposition'])).toMatch(/^attachment; filename="konsult-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(page.headers['cache-control']).toBe('no-store');
    const parsed = JSON.parse(page.body) as { exportedAt: string; portal: string; data: Record<string, unknown> };
    expect(parsed.portal).toBe('http://konsult.test');
    expect(parsed.exportedAt).toBe(t.clock.now().toISOString());
  });

  it('holds the person’s account, roles, inquiries, offers, orders on both sides, messages sent, notices, reviews and application with their own ID code', async () => {
    const w = await exportWorld();

    const data = (JSON.parse((await w.browsers.piret.get('/account/data.json')).body) as { data: Record<string, unknown> }).data as {
      account: { id: number; name: string; email: string; phone: string | null };
      roles: { role: string }[];
      inquiries: { id: number; title: string; description: string }[];
      offers: { inquiry_id: number; price_cents: number; note: string }[];
      orders: { id: number; customer_id: number; expert_id: number; amount_cents: number; status: string }[];
      messagesSent: { body: string }[];
      notices: { kind: string; link: string | null }[];
      reviewsWritten: { order_id: number; stars: number; comment: string | null }[];
      expertApplications: { status: string; full_name: string | null; personal_id_code: string | null }[];
      expertProfile: { display_name: string; bio: string } | null;
      sessions: unknown[];
    };

    expect(data.account).toMatchObject({ id: w.piret.id, name: 'Piret Privaatne', email: 'piret.privaatne@example.ee', phone: '+372 5555 0101' });
    expect(data.roles.map((r) => r.role)).toEqual(['expert']);
    expect(data.inquiries.map((i) => [i.id, i.title, i.description])).toEqual([[w.ownInquiry, 'Pireti küsimus', 'Pireti kirjeldus: töölepingu lõpetamine.']]);
    expect(data.offers.map((o) => [o.inquiry_id, o.price_cents, o.note])).toEqual([[w.olgasInquiry, 15_000, 'Pireti pakkumine Olgale.']]);
    expect(data.orders.map((o) => [o.id, o.customer_id === w.piret.id ? 'customer' : 'expert', o.amount_cents, o.status])).toEqual([
      [w.ownOrder, 'customer', 8_000, 'accepted'],
      [w.olgasOrder, 'expert', 15_000, 'in_progress'],
    ]);
    expect(data.messagesSent.map((m) => m.body)).toEqual(['Pireti sõnum Olgale: alustan tööd.']);
    expect(data.notices.length).toBeGreaterThan(0);
    expect(data.notices.map((n) => n.link)).toContain(`/orders/${w.olgasOrder}`);
    expect(data.reviewsWritten).toMatchObject([{ order_id: w.ownOrder, stars: 5, comment: 'Pireti kommentaar: väga hea.' }]);
    expect(data.expertApplications).toMatchObject([{ status: 'approved', full_name: 'Piret Privaatne', personal_id_code: validIdCodes[1] }]);
    expect(data.expertProfile).toMatchObject({ display_name: 'Piret Privaatne', bio: 'Pireti elulugu.' });
    expect(data.sessions.length).toBe(2);
  });

  it('holds nothing private of anyone else: not the counterpart’s e-mail and phone (though she sees them on the order), not others’ inquiries, offers, messages or ID codes, no secrets', async () => {
    const w = await exportWorld();
    // The counterpart's contact data is on the paid order's page for Piret …
    const orderPage = textOf((await w.browsers.piret.get(`/orders/${w.olgasOrder}`)).body);
    expect(orderPage).toContain('olga.osapool@canary.test');
    expect(orderPage).toContain('+372 5666 0202');

    // … but not in her data.
    const text = (await w.browsers.piret.get('/account/data.json')).body;
    const others = [
      'olga.osapool@canary.test',
      '+372 5666 0202',
      'Olga salajane kirjeldus',
      'Olga salajane sõnum',
      'Anna salajane pakkumine',
      'anna.aas@canary.test',
      '+372 5111 2222',
      'Quido',
      'quido.korvaline@canary.test',
      '+372 5777 0303',
      validIdCodes[2],
      'aadu@canary.test',
    ];
    expect(others.filter((needle) => text.toLowerCase().includes(needle.toLowerCase()))).toEqual([]);
    // Nor anything that would let someone act as her.
    const hashes = await t.deps.db.selectFrom('users').select('password_hash').where('id', '=', w.piret.id).executeTakeFirstOrThrow();
    const sessionHashes = await t.deps.db.selectFrom('sessions').select('id_hash').where('user_id', '=', w.piret.id).execute();
    for (const secret of [hashes.password_hash, ...sessionHashes.map((s) => s.id_hash)]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/password|id_hash|token_hash|storage_key/);
  });

  it('is each person’s own: another person downloading gets only theirs', async () => {
    const w = await exportWorld();
    const text = (await w.browsers.olga.get('/account/data.json')).body;
    const data = (JSON.parse(text) as { data: { account: { id: number } } }).data;
    expect(data.account.id).toBe(w.olga.id);
    for (const needle of ['piret.privaatne@example.ee', '+372 5555 0101', validIdCodes[1], 'Pireti kirjeldus', 'Pireti kommentaar']) expect(text).not.toContain(needle);
  });
});

// ---- deletion: who may, and when not ----

describe('asking for deletion (GET/POST /account/delete)', () => {
  it('sends an anonymous visitor to sign in; an anonymous form post changes nothing', async () => {
    const someone = await createUser(t, { name: 'Mari Maasikas' });
    const page = await t.browser().get('/account/delete');
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent('/account/delete')}`);

    const before = await everythingButCounters();
    const anonymous = t.browser();
    await anonymous.get('/');
    const posted = await anonymous.post('/account/delete', { currentPassword: someone.password });
    expect(posted.status).toBe(303);
    expect(posted.location).toMatch(/^\/login\?next=/);
    expect(await everythingButCounters()).toEqual(before);
  });

  it('shows a customer with nothing open what goes and what stays, the download link and the password form', async () => {
    const browser = await signedIn(t, await createUser(t, { name: 'Mari Maasikas' }));
    const page = await browser.get('/account/delete');
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('Konto kustutamine');
    expect(text).toContain('Mis kustub');
    expect(text).toContain('Mis jääb alles');
    expect(page.body).toContain('href="/account/data.json"');
    expect(hasDeleteForm(page.body)).toBe(true);
    expect(page.body).toMatch(/<input[^>]*name="currentPassword"[^>]*type="password"|<input[^>]*type="password"[^>]*name="currentPassword"/);
    expect(blockersOf(page.body)).toEqual([]);
  });

  it('a wrong password is refused with 422 and the message at the field; nothing changes and the person stays signed in', async () => {
    const person = await createUser(t, { name: 'Mari Maasikas', email: 'mari@example.ee' });
    const browser = await signedIn(t, person);
    const before = await everythingButCounters();

    const page = await deleteAccount(browser, 'not my password at all');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'currentPassword')).toBe(wrongPassword);
    expect(await everythingButCounters()).toEqual(before);
    expect(await isSignedIn(browser)).toBe(true);
    expect(await auditOf('account_deleted')).toEqual([]);
  });

  it('an empty password is refused with 422 at the field, and nothing changes', async () => {
    const browser = await signedIn(t, await createUser(t));
    const before = await everythingButCounters();
    const page = await deleteAccount(browser, '');
    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'currentPassword')).toBeDefined();
    expect(await everythingButCounters()).toEqual(before);
  });

  it('a form sent without its token is refused with 403 and nothing changes', async () => {
    const person = await createUser(t);
    const browser = await signedIn(t, person);
    await browser.get('/account/delete');
    const before = await everythingButCounters();

    const page = await browser.post('/account/delete', { currentPassword: person.password }, { csrf: null });

    expect(page.status).toBe(403);
    expect(mainText(page.body)).toContain(csrfRefusal);
    expect(await everythingButCounters()).toEqual(before);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('a token of another session is refused with 403 and nothing changes', async () => {
    const person = await createUser(t);
    const browser = await signedIn(t, person);
    const other = await signedIn(t, person);
    await other.get('/account/delete');
    const before = await everythingButCounters();

    const page = await deleteAccount(browser, person.password, { csrf: other.csrfToken! });

    expect(page.status).toBe(403);
    expect(await everythingButCounters()).toEqual(before);
  });

  it('an admin is refused: the page says why and has no form; the post is 403 and nothing changes', async () => {
    const admin = await createUser(t, { name: 'Aadu Admin', roles: ['admin'] });
    const browser = await signedIn(t, admin);
    const page = await browser.get('/account/delete');
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain(adminNotice);
    expect(hasDeleteForm(page.body)).toBe(false);
    const before = await everythingButCounters();

    const posted = await browser.post('/account/delete', { currentPassword: admin.password }, { formPage: '/account' });

    expect(posted.status).toBe(403);
    expect(await everythingButCounters()).toEqual(before);
    expect(await isSignedIn(browser)).toBe(true);
    expect((await userRow(admin.id)).name).toBe('Aadu Admin');
  });

  it('a moderator (not an admin) may delete their account; the staff role goes with it', async () => {
    const moderator = await createUser(t, { name: 'Mari Moderaator', roles: ['moderator'] });
    const browser = await signedIn(t, moderator);
    const page = await deleteAccount(browser, moderator.password);
    expect(page.status).toBe(200);
    expect(await t.deps.db.selectFrom('user_roles').select('role').where('user_id', '=', moderator.id).execute()).toEqual([]);
  });

  // ---- what still ties a person to others ----

  type Blocked = { person: UserRow & { password: string }; browser: Browser; expected: [string, string][] };

  async function people() {
    const field = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment law' });
    const anna = await createExpert(t, { name: 'Anna Aas', fieldIds: [field.id] });
    const customer = await createUser(t, { name: 'Kaarel Klient' });
    return { field, anna, customer, browsers: { anna: await signedIn(t, anna), customer: await signedIn(t, customer) } };
  }

  /** Kaarel's inquiry to Anna, who offered; ordered and, when asked, paid. */
  async function orderedBy(p: Awaited<ReturnType<typeof people>>, pay: boolean) {
    const inquiryId = await createInquiryAs(t, p.customer, { fieldId: p.field.id, expertIds: [p.anna.id] });
    await makeOfferAs(t, p.anna, inquiryId);
    const { orderId, payPage } = await orderOffer(t, p.browsers.customer, inquiryId, await offerIdOf(t, inquiryId, p.anna.id));
    if (pay) await payOnSandbox(p.browsers.customer, payPage);
    return orderId;
  }

  const liveOrder: [string, string] = ['/orders', 'Pooleli tellimusi: 1'];

  const cases: { name: string; arrange: () => Promise<Blocked> }[] = [
    {
      name: 'an order awaiting payment (the customer)',
      arrange: async () => {
        const p = await people();
        await orderedBy(p, false);
        return { person: p.customer, browser: p.browsers.customer, expected: [liveOrder] };
      },
    },
    {
      name: 'an order in progress (the customer)',
      arrange: async () => {
        const p = await people();
        expect(await orderStatus(t, await orderedBy(p, true))).toBe('in_progress');
        return { person: p.customer, browser: p.browsers.customer, expected: [liveOrder] };
      },
    },
    {
      name: 'an order in progress (the expert)',
      arrange: async () => {
        const p = await people();
        await orderedBy(p, true);
        return { person: p.anna, browser: p.browsers.anna, expected: [liveOrder] };
      },
    },
    {
      name: 'delivered work (the expert)',
      arrange: async () => {
        const p = await people();
        const orderId = await orderedBy(p, true);
        expectRedirect(await postOnOrder(t, p.browsers.anna, orderId, 'deliveries', 'Vastus.'), 'delivering');
        expectRedirect(await orderStep(p.browsers.anna, orderId, 'done'), 'marking done');
        expect(await orderStatus(t, orderId)).toBe('delivered');
        return { person: p.anna, browser: p.browsers.anna, expected: [liveOrder] };
      },
    },
    {
      name: 'a disputed order (the customer)',
      arrange: async () => {
        const p = await people();
        const orderId = await orderedBy(p, true);
        expectRedirect(await orderStep(p.browsers.customer, orderId, 'dispute', { reason: 'Ekspert ei vasta.' }), 'disputing');
        expect(await orderStatus(t, orderId)).toBe('disputed');
        return { person: p.customer, browser: p.browsers.customer, expected: [liveOrder] };
      },
    },
    {
      name: 'an open inquiry (the customer)',
      arrange: async () => {
        const p = await people();
        await createInquiryAs(t, p.customer, { fieldId: p.field.id, expertIds: [p.anna.id] });
        return { person: p.customer, browser: p.browsers.customer, expected: [['/inquiries', 'Avatud päringuid: 1 (tühistage need)']] };
      },
    },
    {
      name: 'a general inquiry waiting for a moderator (the customer)',
      arrange: async () => {
        const p = await people();
        await createInquiryAs(t, p.customer, {});
        return { person: p.customer, browser: p.browsers.customer, expected: [['/inquiries', 'Avatud päringuid: 1 (tühistage need)']] };
      },
    },
    {
      name: 'an invitation not yet answered (the expert)',
      arrange: async () => {
        const p = await people();
        await createInquiryAs(t, p.customer, { fieldId: p.field.id, expertIds: [p.anna.id] });
        return { person: p.anna, browser: p.browsers.anna, expected: [['/e-consultations?filter=new', 'Vastamata päringuid eksperdina: 1 (loobuge neist)']] };
      },
    },
    {
      name: 'an active offer (the expert)',
      arrange: async () => {
        const p = await people();
        const inquiryId = await createInquiryAs(t, p.customer, { fieldId: p.field.id, expertIds: [p.anna.id] });
        await makeOfferAs(t, p.anna, inquiryId);
        return { person: p.anna, browser: p.browsers.anna, expected: [['/e-consultations?filter=offered', 'Kehtivaid hinnapakkumisi: 1 (võtke need tagasi)']] };
      },
    },
  ];

  it.each(cases)('with $name: the page lists it with a link instead of the form, the post is 409 and nothing changes', async ({ arrange }) => {
    const { person, browser, expected } = await arrange();

    const page = await browser.get('/account/delete');
    expect(page.status).toBe(200);
    expect(blockersOf(page.body)).toEqual(expected);
    expect(hasDeleteForm(page.body)).toBe(false);

    const before = await everythingButCounters();
    const posted = await browser.post('/account/delete', { currentPassword: person.password });

    expect(posted.status).toBe(409);
    expect(summariesOf(posted.body)).toContain(obligationsRefusal);
    expect(blockersOf(posted.body)).toEqual(expected);
    expect(await everythingButCounters()).toEqual(before);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('once the order is accepted and the other inquiry cancelled, nothing blocks any more', async () => {
    const p = await people();
    const orderId = await orderedBy(p, true);
    expectRedirect(await postOnOrder(t, p.browsers.anna, orderId, 'deliveries', 'Vastus.'), 'delivering');
    expectRedirect(await orderStep(p.browsers.anna, orderId, 'done'), 'marking done');
    expectRedirect(await orderStep(p.browsers.customer, orderId, 'accept'), 'accepting');
    const open = await createInquiryAs(t, p.customer, { fieldId: p.field.id, expertIds: [p.anna.id] });
    expect(blockersOf((await p.browsers.customer.get('/account/delete')).body)).toEqual([['/inquiries', 'Avatud päringuid: 1 (tühistage need)']]);
    expectRedirect(await p.browsers.customer.post(`/inquiries/${open}/cancel`, {}, { formPage: `/inquiries/${open}` }), 'cancelling');

    const page = await p.browsers.customer.get('/account/delete');
    expect(blockersOf(page.body)).toEqual([]);
    expect(hasDeleteForm(page.body)).toBe(true);
    expect((await deleteAccount(p.browsers.customer, p.customer.password)).status).toBe(200);
  });
});

// ---- deletion that goes through: a customer ----

describe('a customer deletes their account', () => {
  it('the answer says so and signs the browser out; the other session ends; the old e-mail and password no longer sign in; an audit entry records it', async () => {
    const w = await customerWorld();
    expect(await sessionsOf(w.customer.id)).toBe(2);

    const page = await deleteAccount(w.browsers.customer, w.customer.password);

    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Teie konto on kustutatud');
    expect(page.body).toContain('href="/"');
    const cleared = setCookie(page, 'konsult_sid');
    expect(cleared?.value === '' || cleared?.maxAge === 0 || (cleared?.expires instanceof Date && cleared.expires.getTime() <= Date.now())).toBe(true);
    expect(await isSignedIn(w.browsers.customer)).toBe(false);
    expect(await isSignedIn(w.browsers.otherSession)).toBe(false);
    expect(await sessionsOf(w.customer.id)).toBe(0);

    const entries = await auditOf('account_deleted');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: w.customer.id, object_type: 'user', object_id: String(w.customer.id) });

    const login = await signIn(t.browser(), kaarel.email, w.customer.password);
    expect(login.status).toBe(401);
    expect(setCookie(login, 'konsult_sid')).toBeUndefined();
    // Nor with the address the row now carries.
    expect((await signIn(t.browser(), `deleted-${w.customer.id}@deleted.invalid`, w.customer.password)).status).toBe(401);
  });

  it('their name, e-mail, phone, inquiries’ titles and descriptions and review comment are gone from every table; only the message they sent (and its file) stays', async () => {
    const w = await customerWorld();
    const gone = [kaarel.name, kaarel.email, kaarel.phone, kaarel.firstTitle, kaarel.firstDescription, kaarel.secondTitle, kaarel.secondDescription, kaarel.comment, kaarel.inquiryFile];
    const stays = [kaarel.message, kaarel.messageFile];
    // Before: the canaries are where one expects them (the scan finds what is there).
    const before = sightingsIn(await dumpDatabase(t), [...gone, ...stays]);
    expect(before).toEqual(expect.arrayContaining(['users.name: Kaarel Kanaarilind', 'users.email: kaarel.kanaarilind@canary.test', 'inquiries.description: Kanaarilinnu ülemus ei maksnud palka kolm kuud.', 'reviews.comment: Kanaarilinnu arvates põhjalik vastus.']));

    const othersNotices = async () => (await t.deps.db.selectFrom('notices').select('id').where('user_id', '!=', w.customer.id).execute()).length;
    const noticesBefore = await othersNotices();

    expect((await deleteAccount(w.browsers.customer, w.customer.password)).status).toBe(200);

    expect(sightingsIn(await dumpDatabase(t), [...gone, ...stays])).toEqual(['files.original_name: kanaarilinnu-leping.pdf', 'messages.body: Kanaarilinnu sõnum eksperdile: leping on lisatud.']);
    const row = await userRow(w.customer.id);
    expect(row).toMatchObject({ name: placeholder, email: `deleted-${w.customer.id}@deleted.invalid`, phone: null, email_verified_at: null });
    expect(row.deleted_at).toBe(t.clock.now().toISOString());
    expect(row.blocked_at).not.toBeNull();
    const inquiries = await t.deps.db.selectFrom('inquiries').select(['title', 'description', 'status']).where('customer_id', '=', w.customer.id).orderBy('id').execute();
    expect(inquiries).toEqual([
      { title: placeholder, description: '', status: 'ordered' },
      { title: placeholder, description: '', status: 'ordered' },
    ]);
    // The stars stay (they count on the expert's profile); the comment is gone.
    expect(await t.deps.db.selectFrom('reviews').select(['stars', 'comment']).where('customer_id', '=', w.customer.id).execute()).toEqual([{ stars: 4, comment: null }]);
    // Their mailbox notices and e-mail preferences go with them.
    for (const table of ['notices', 'email_preferences', 'sessions', 'account_tokens'] as const) {
      expect(await t.deps.db.selectFrom(table).select('user_id').where('user_id', '=', w.customer.id).execute(), table).toEqual([]);
    }
    // Others' mailbox notices about his inquiries stay (without his texts).
    expect(await othersNotices()).toBe(noticesBefore);
  });

  it('the outbox holds no e-mail to their old address', async () => {
    const w = await customerWorld();
    expect((await emailsTo(t, kaarel.email)).length).toBeGreaterThan(0);

    expect((await deleteAccount(w.browsers.customer, w.customer.password)).status).toBe(200);

    expect(await emailsTo(t, kaarel.email)).toEqual([]);
    expect(await emailsTo(t, `deleted-${w.customer.id}@deleted.invalid`)).toEqual([]);
  });

  it('the files of their inquiry are removed from the store; the file they sent in a message and the expert’s delivered file stay, still downloadable by the expert', async () => {
    const w = await customerWorld();
    const keys = await keysOfFiles(t, [kaarel.inquiryFile, kaarel.messageFile, 'anna-arvamus.pdf']);
    expect(storedKeys(t)).toEqual(Object.values(keys).sort());

    expect((await deleteAccount(w.browsers.customer, w.customer.password)).status).toBe(200);

    expect(storedKeys(t)).toEqual([keys[kaarel.messageFile]!, keys['anna-arvamus.pdf']!].sort());
    expect(await t.deps.db.selectFrom('files').select('original_name').orderBy('original_name').execute()).toEqual([{ original_name: 'anna-arvamus.pdf' }, { original_name: kaarel.messageFile }]);
    expect(await t.deps.db.selectFrom('inquiry_files').selectAll().execute()).toEqual([]);

    const order = await w.browsers.anna.get(`/orders/${w.firstOrder}`);
    const links = Object.fromEntries(attachmentsOf(order.body));
    for (const [name, content] of [
      [kaarel.messageFile, samplePdf('Leping')],
      ['anna-arvamus.pdf', samplePdf('Arvamus')],
    ] as const) {
      const download = await w.browsers.anna.get(links[name]!);
      expect(download.status, name).toBe(200);
      expect(download.response.rawPayload.equals(content)).toBe(true);
    }
  });

  it('the expert still opens the order and its thread: the messages stay, the sender shown as the placeholder, and no trace of the old contact data', async () => {
    const w = await customerWorld();

    expect((await deleteAccount(w.browsers.customer, w.customer.password)).status).toBe(200);

    const order = await w.browsers.anna.get(`/orders/${w.firstOrder}`);
    expect(order.status).toBe(200);
    expect(messagesOf(order.body)).toEqual([
      [placeholder, kaarel.message],
      ['Teie', 'Aitäh, vaatan lepingu üle.'],
    ]);
    const text = textOf(order.body);
    expect(text).toContain(placeholder);
    for (const needle of [kaarel.name, kaarel.email, kaarel.phone, kaarel.firstTitle, kaarel.firstDescription]) expect(text).not.toContain(needle);

    // The same thread in the mailbox.
    const conversation = await t.deps.db
      .selectFrom('messages')
      .select('conversation_id')
      .where('sender_id', '=', w.customer.id)
      .executeTakeFirstOrThrow();
    const thread = await w.browsers.anna.get(`/mailbox/conversations/${conversation.conversation_id}`);
    expect(thread.status).toBe(200);
    expect(messagesOf(thread.body)).toEqual([
      [placeholder, kaarel.message],
      ['Teie', 'Aitäh, vaatan lepingu üle.'],
    ]);
    expect(textOf(thread.body)).not.toContain(kaarel.name);
    // The refunded order opens too.
    expect((await w.browsers.anna.get(`/orders/${w.secondOrder}`)).status).toBe(200);
  });

  it('the expert’s public profile still counts the deleted customer’s stars', async () => {
    const w = await customerWorld();
    const before = await w.browsers.anna.get(`/experts/${w.anna.id}`);
    const totals = await t.deps.db.selectFrom('expert_profiles').select(['rating_count', 'rating_sum', 'rating_distribution']).where('user_id', '=', w.anna.id).executeTakeFirstOrThrow();
    expect(totals).toMatchObject({ rating_count: 1, rating_sum: 4 });

    expect((await deleteAccount(w.browsers.customer, w.customer.password)).status).toBe(200);

    const after = await t.browser().get(`/experts/${w.anna.id}`);
    expect(after.status).toBe(200);
    expect(ratingTableOf(after.body)).toBeDefined();
    expect(ratingTableOf(after.body)).toBe(ratingTableOf(before.body));
    expect(await t.deps.db.selectFrom('expert_profiles').select(['rating_count', 'rating_sum', 'rating_distribution']).where('user_id', '=', w.anna.id).executeTakeFirstOrThrow()).toEqual(totals);
    expect(textOf(after.body)).not.toContain(kaarel.comment);
  });

  it('the ledger is untouched: as many entries, every balance as it was, the sum 0', async () => {
    const w = await customerWorld();
    const before = await ledgerState(t);
    expect(before.total).toBe(0);
    expect(before.balances[`escrow:order:${w.firstOrder}`]).toBe(0);
    expect(before.balances[`escrow:order:${w.secondOrder}`]).toBe(0);
    expect(before.balances[`payable:expert:${w.anna.id}`]).toBe(10_200);

    expect((await deleteAccount(w.browsers.customer, w.customer.password)).status).toBe(200);

    expect(await ledgerState(t)).toEqual(before);
    // The orders and payments keep their amounts and states.
    expect(await t.deps.db.selectFrom('orders').select(['id', 'amount_cents', 'status', 'customer_id']).orderBy('id').execute()).toEqual([
      { id: w.firstOrder, amount_cents: 12_000, status: 'accepted', customer_id: w.customer.id },
      { id: w.secondOrder, amount_cents: 5_000, status: 'resolved', customer_id: w.customer.id },
    ]);
    expect(await t.deps.db.selectFrom('payments').select(['amount_cents', 'refunded_cents', 'status']).orderBy('id').execute()).toEqual([
      { amount_cents: 12_000, refunded_cents: 0, status: 'succeeded' },
      { amount_cents: 5_000, refunded_cents: 5_000, status: 'succeeded' },
    ]);
  });

  it('a second request after the deletion does nothing: the old browser and the other session are sent to sign in, and nothing changes', async () => {
    const w = await customerWorld();
    await w.browsers.otherSession.get('/account/delete');
    expect((await deleteAccount(w.browsers.customer, w.customer.password)).status).toBe(200);
    const after = await everythingButCounters();

    for (const [browser, refusal] of [
      [w.browsers.customer, csrfRefusal],
      [w.browsers.otherSession, 'Seanss on aegunud'],
    ] as const) {
      // The form's token belonged to a session that has ended.
      const again = await browser.post('/account/delete', { currentPassword: w.customer.password });
      expect(again.status).toBe(403);
      expect(mainText(again.body)).toContain(refusal);
      // The page itself asks to sign in, and so does a post with a fresh token.
      const page = await browser.get('/account/delete');
      expect(page.status).toBe(303);
      expect(page.location).toMatch(/^\/login\?next=/);
      await browser.get('/login');
      const fresh = await browser.post('/account/delete', { currentPassword: w.customer.password });
      expect(fresh.status).toBe(303);
      expect(fresh.location).toMatch(/^\/login\?next=/);
    }
    expect(await everythingButCounters()).toEqual(after);
    expect(await auditOf('account_deleted')).toHaveLength(1);
  });

  it('two deletion requests at once (a double click) delete the account once', async () => {
    const w = await customerWorld();
    await w.browsers.customer.get('/account/delete');
    const ledger = await ledgerState(t);

    const answers = await Promise.all([
      w.browsers.customer.post('/account/delete', { currentPassword: w.customer.password }),
      w.browsers.customer.post('/account/delete', { currentPassword: w.customer.password }),
    ]);

    expect(answers.map((a) => a.status)).toContain(200);
    for (const answer of answers) expect([200, 303, 403, 404, 409, 422]).toContain(answer.status);
    expect(await auditOf('account_deleted')).toHaveLength(1);
    expect((await userRow(w.customer.id)).name).toBe(placeholder);
    expect(await ledgerState(t)).toEqual(ledger);
  });
});

// ---- deletion that goes through: an expert ----

describe('an expert deletes their account', () => {
  it('they disappear from the directory; their profile and photo answer 404', async () => {
    const w = await expertWorld();
    const directory = await t.browser().get(`/experts`);
    expect(directoryNames(directory.body)).toContain(kristjan.name);
    const profile = await t.browser().get(`/experts/${w.expert.id}`);
    expect(profile.status).toBe(200);
    const photo = /src="(\/experts\/\d+\/photo\?v=\d+)"/.exec(profile.body)?.[1];
    expect(photo).toBeDefined();
    expect((await t.browser().get(photo!)).status).toBe(200);

    expect((await deleteAccount(w.browsers.expert, w.expert.password)).status).toBe(200);

    const names = directoryNames((await t.browser().get('/experts')).body);
    expect(names).toEqual(['Anna Aas']);
    expect((await t.browser().get(`/experts/${w.expert.id}`)).status).toBe(404);
    expect((await w.browsers.carmen.get(`/experts/${w.expert.id}`)).status).toBe(404);
    expect((await t.browser().get(photo!)).status).toBe(404);
    // Not offered on a new inquiry's form either.
    const form = await w.browsers.carmen.get(`/inquiries/new?kind=consultation&field=${w.field.id}`);
    expect(form.body).not.toContain(kristjan.name);
    expect(form.body).not.toContain(placeholder);
  });

  it('their name, e-mail, phone, ID code, bio, qualifications and photo are gone from every table; their message, its file, their delivery and its file stay', async () => {
    const w = await expertWorld();
    const gone = [kristjan.name, kristjan.email, kristjan.phone, kristjan.idCode, kristjan.qualifications, kristjan.bio, kristjan.photo, 'kanaarisulg'];
    const stays = [kristjan.message, kristjan.messageFile, kristjan.delivery, kristjan.deliveryFile];
    expect(sightingsIn(await dumpDatabase(t), gone)).toEqual(
      expect.arrayContaining(['expert_applications.personal_id_code: 36805280109', 'expert_profiles.bio: Kanaarisule elulugu: aitan töövaidlustes.', 'files.original_name: kanaarisule-portree.png']),
    );

    expect((await deleteAccount(w.browsers.expert, w.expert.password)).status).toBe(200);

    expect(sightingsIn(await dumpDatabase(t), [...gone, ...stays])).toEqual([
      `deliveries.body: ${kristjan.delivery}`,
      `files.original_name: ${kristjan.deliveryFile}`,
      `files.original_name: ${kristjan.messageFile}`,
      `messages.body: ${kristjan.message}`,
    ]);
    expect(await t.deps.db.selectFrom('expert_profiles').select(['display_name', 'bio', 'qualifications', 'photo_file_id', 'is_active']).where('user_id', '=', w.expert.id).execute()).toEqual([
      { display_name: placeholder, bio: '', qualifications: '', photo_file_id: null, is_active: 0 },
    ]);
    expect(await t.deps.db.selectFrom('expert_applications').select(['full_name', 'personal_id_code', 'photo_file_id']).where('user_id', '=', w.expert.id).execute()).toEqual([
      { full_name: null, personal_id_code: null, photo_file_id: null },
    ]);
  });

  it('their photo is removed from the store; the files they sent and delivered stay, and the customer still downloads them', async () => {
    const w = await expertWorld();
    const keys = await keysOfFiles(t, [kristjan.photo, kristjan.messageFile, kristjan.deliveryFile]);
    expect(storedKeys(t)).toEqual(Object.values(keys).sort());

    expect((await deleteAccount(w.browsers.expert, w.expert.password)).status).toBe(200);

    expect(storedKeys(t)).toEqual([keys[kristjan.messageFile]!, keys[kristjan.deliveryFile]!].sort());
    const order = await w.browsers.carmen.get(`/orders/${w.firstOrder}`);
    const links = Object.fromEntries(attachmentsOf(order.body));
    for (const [name, content] of [
      [kristjan.messageFile, samplePdf('Naidis')],
      [kristjan.deliveryFile, samplePdf('Arvamus')],
    ] as const) {
      const download = await w.browsers.carmen.get(links[name]!);
      expect(download.status, name).toBe(200);
      expect(download.response.rawPayload.equals(content)).toBe(true);
    }
  });

  it('the customer still opens the orders: the delivery and the message stay, the expert shown as the placeholder', async () => {
    const w = await expertWorld();

    expect((await deleteAccount(w.browsers.expert, w.expert.password)).status).toBe(200);

    const order = await w.browsers.carmen.get(`/orders/${w.firstOrder}`);
    expect(order.status).toBe(200);
    expect(messagesOf(order.body)).toEqual([[placeholder, kristjan.message]]);
    const text = textOf(order.body);
    expect(text).toContain(kristjan.delivery);
    expect(text).toContain(placeholder);
    for (const needle of [kristjan.name, kristjan.email, kristjan.phone]) expect(text).not.toContain(needle);
    expect((await w.browsers.carmen.get(`/orders/${w.secondOrder}`)).status).toBe(200);
    // Their own order list still shows both.
    const list = await w.browsers.carmen.get('/orders');
    expect(list.body).toContain(`/orders/${w.firstOrder}`);
    expect(list.body).toContain(`/orders/${w.secondOrder}`);
  });

  it('the ledger is untouched: as many entries, every balance (what the expert is owed too) as it was, the sum 0', async () => {
    const w = await expertWorld();
    const before = await ledgerState(t);
    expect(before.total).toBe(0);
    expect(before.balances[`payable:expert:${w.expert.id}`]).toBe(17_000);
    expect(before.balances['fees']).toBe(3_000);
    expect(before.balances[`escrow:order:${w.secondOrder}`]).toBe(0);

    expect((await deleteAccount(w.browsers.expert, w.expert.password)).status).toBe(200);

    expect(await ledgerState(t)).toEqual(before);
    expect((await auditOf('account_deleted')).map((e) => e.actor_id)).toEqual([w.expert.id]);
  });
});
