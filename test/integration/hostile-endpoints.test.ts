import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSandboxProvider } from '../../src/adapters/payments/sandbox.js';
import type { UserRow } from '../../src/db/schema.js';
import { emailCategories } from '../../src/domain/notifications.js';
import type { Locale } from '../../src/domain/roles.js';
import { startConversation } from '../../src/use-cases/conversations.js';
import { createDocumentType } from '../../src/use-cases/document-types.js';
import { reviewApplication } from '../../src/use-cases/expert-applications.js';
import { acceptWork, addDelivery, markDone, openDispute, rateOrder } from '../../src/use-cases/fulfilment.js';
import { askQuestion } from '../../src/use-cases/inquiry-questions.js';
import { orderOffer } from '../../src/use-cases/orders.js';
import { createSession } from '../../src/use-cases/sessions.js';
import { updateSettings } from '../../src/use-cases/settings.js';
import { registeredRoutes, submittedApplication } from '../support/back-office.js';
import { Browser } from '../support/browser.js';
import { lastEmailTo, linkIn } from '../support/emails.js';
import { createExpert, createField, personApplication, validIdCodes } from '../support/experts.js';
import { createUser, defaultPassword, type UserOptions } from '../support/factories.js';
import {
  DatabaseChanges,
  decodeEntities,
  fieldNamesOf,
  formsIn,
  garbageCookies,
  hostileChoices,
  hostileQueryValues,
  hostileSegments,
  hostileTexts,
  type HtmlForm,
  injectedHeader,
  isTypedText,
  rawQueries,
  type RowChange,
  rowsHoldText,
  storedForms,
  valuesOf,
} from '../support/hostile-corpus.js';
import { actorOf, createInquiryAs, dayFromNow, makeOfferAs } from '../support/inquiries.js';
import { multipartBody, postMultipart, samplePdf, samplePng } from '../support/multipart.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/*
 * Issue 9, "Security": a hostile input corpus sent to every endpoint the app registers. The
 * route list comes from the app's own route table, and every route needs a row below saying who
 * may use it and how to build what it acts on; a route without a row fails the suite, so a new
 * endpoint is covered the day it is added. For each route, as a person allowed to use it:
 *
 *  - every path parameter gets hostile segments (traversal, NUL, SQL, 10 000 digits, broken
 *    percent-encoding…), every query parameter the page reads and every field its form has
 *    (read from the form on the page, so a new field is covered automatically) get values from
 *    the corpus (XSS, SQL, CR/LF, NUL, 100 000 characters, bidi, emoji, combining marks, arrays);
 *  - malformed bodies: wrong content types, broken urlencoding, JSON with objects and lone
 *    surrogates where a form is expected, cut-off and boundary-less multipart, empty bodies,
 *    bodies over the limits, invalid UTF-8; garbage session and CSRF cookies and tokens, huge
 *    cookies and headers, HEAD and methods the route does not have.
 *
 * Every answer must be below 500 and one a person understands: a page in the layout, in their
 * language, saying what went wrong (or the form again, with what they typed kept), or a redirect
 * within the portal; no header may carry injected CR/LF content, no page markup from input (the
 * shared people and field have markup in their names, so every page showing them is a test too).
 *
 * The data: triggers on every table log each row written, before and after (a snapshot of every
 * table per request, compared, proves the same and cost minutes once the data grew). A refused
 * request (4xx) must write no row, except to the tables `ignoredOnRefusal` names with a reason;
 * a page view may write only the read marks its row names; a hostile text the portal accepted
 * must be stored exactly as sent (after the normalisation forms.ts documents). The world is
 * shared by the file (one per route would cost minutes): the log proves that refusals changed
 * nothing, and a success that used its object up (an order paid, an inquiry cancelled) builds a
 * new one. Each route ends with the valid request, which must succeed (and change data, for a
 * form): so the refusals before it were refusals of input, not of a state refusing everything.
 * Last, every page seen is read again, now that the forms have stored their share of the corpus.
 */

// ---- who acts ----

type Actor = { browser: Browser; locale: Locale };
type SignedIn = Actor & { user: UserRow & { password: string } };

let addressSequence = 0;
/** Each browser gets an address of its own, so one row's attempts never rate-limit another's. */
function nextAddress(): string {
  addressSequence += 1;
  const block = ['198.51.100', '203.0.113', '192.0.2'][Math.floor(addressSequence / 250) % 3]!;
  return `${block}.${(addressSequence % 250) + 1}`;
}

let t: TestApp;
let changes: DatabaseChanges;

function anonymous(locale: Locale = 'et'): Actor {
  const browser = new Browser(t.app, nextAddress());
  if (locale === 'en') browser.cookies.set('konsult_lang', 'en');
  return { browser, locale };
}

/** A browser with a session of the user's (started directly: the sign-in form has a row of its own). */
async function signIn(user: UserRow & { password: string }): Promise<SignedIn> {
  const browser = new Browser(t.app, nextAddress());
  browser.cookies.set('konsult_sid', await createSession(t.deps.db, t.deps, { userId: user.id, ip: browser.ip, userAgent: null }));
  return { browser, locale: user.locale, user };
}

async function signedIn(options: UserOptions = {}): Promise<SignedIn> {
  return signIn(await createUser(t, options));
}

let sequence = 0;
const next = () => ++sequence;

// ---- the shared world ----

type World = {
  field: { id: number };
  /** A customer (Estonian) with inquiries and orders, and the expert (English) they invite. */
  customer: SignedIn;
  expert: SignedIn;
  moderator: SignedIn;
  admin: SignedIn;
};

let w: World;

/**
 * The shared people and field carry markup and SQL in their names (valid names all the same), so
 * every page that shows them, to anyone, all through the suite, proves it shows them as text.
 */
async function buildWorld(): Promise<World> {
  const field = await createField(t, { nameEt: 'Perekonnaõigus <script>alert(1)</script>', nameEn: 'Family law "><img src=x onerror=alert(1)>' });
  const expertUser = await createExpert(t, { name: 'Erik "><img src=x onerror=alert(1)> Ekspert', fieldIds: [field.id], locale: 'en', languages: ['et', 'en'] });
  const world: World = {
    field,
    customer: await signedIn({ name: 'Kadri <script>alert(1)</script> Klient', locale: 'et' }),
    expert: await signIn(expertUser),
    moderator: await signedIn({ name: "Mart ' OR 1=1; DROP TABLE users;-- Moderaator", locale: 'et', roles: ['moderator'] }),
    admin: await signedIn({ name: 'Anna 🌲 مرحبا \u202egnp.exe Admin', locale: 'en', roles: ['admin'] }),
  };
  // The shared customer sends an inquiry for many rows; the daily limit is not what is tested here.
  await updateSettings(t.deps, await actorOf(t, world.admin.user), { ...t.deps.settings.current(), inquiriesPerDay: 1000 });
  return world;
}

// ---- what the rows act on: each builds a new object of its own ----

async function openInquiry(): Promise<{ id: number; invitationId: number }> {
  const id = await createInquiryAs(t, w.customer.user, { fieldId: w.field.id, expertIds: [w.expert.user.id], title: `Hooldusõigus ${next()}` });
  const invitation = await t.deps.db.selectFrom('invitations').select('id').where('inquiry_id', '=', id).executeTakeFirstOrThrow();
  return { id, invitationId: invitation.id };
}

async function offeredInquiry(): Promise<{ id: number; invitationId: number; offerId: number }> {
  const inquiry = await openInquiry();
  await makeOfferAs(t, w.expert.user, inquiry.id, { priceCents: 10_000 });
  const offer = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiry.id).executeTakeFirstOrThrow();
  return { ...inquiry, offerId: offer.id };
}

function sandbox() {
  const provider = t.deps.payments.provider;
  if (!isSandboxProvider(provider)) throw new Error('the tests run with the sandbox provider');
  return provider;
}

async function orderAwaitingPayment(): Promise<{ inquiryId: number; orderId: number; ref: string }> {
  const inquiry = await offeredInquiry();
  const { orderId, paymentUrl } = await orderOffer(t.deps, await actorOf(t, w.customer.user), inquiry.id, inquiry.offerId);
  const ref = /\/sandbox\/pay\/([0-9a-f-]{36})$/.exec(paymentUrl)![1]!;
  return { inquiryId: inquiry.id, orderId, ref };
}

/** A paid order (in progress) and the provider's signed token that paid it. */
async function paidOrder(): Promise<{ orderId: number; token: string }> {
  const { orderId, ref } = await orderAwaitingPayment();
  const returnUrl = new URL(await sandbox().complete(ref, 'pay'));
  return { orderId, token: returnUrl.searchParams.get('order-token')! };
}

async function deliveredOrder(): Promise<{ orderId: number }> {
  const { orderId } = await paidOrder();
  const expert = await actorOf(t, w.expert.user);
  await addDelivery(t.deps, expert, orderId, { body: 'Vastus on valmis.', uploads: [] });
  await markDone(t.deps, expert, orderId);
  return { orderId };
}

async function acceptedOrder(): Promise<{ orderId: number }> {
  const { orderId } = await deliveredOrder();
  await acceptWork(t.deps, await actorOf(t, w.customer.user), orderId);
  return { orderId };
}

async function ratedOrder(): Promise<{ orderId: number }> {
  const { orderId } = await acceptedOrder();
  await rateOrder(t.deps, await actorOf(t, w.customer.user), orderId, { stars: 4, comment: 'Asjalik.' });
  return { orderId };
}

async function generalInquiry(): Promise<number> {
  return createInquiryAs(t, w.customer.user, { title: `Üldine küsimus ${next()}` });
}

/** An application of a new user: submitted, or sent back for more information. */
async function application(status: 'submitted' | 'needs_info' = 'submitted'): Promise<{ id: number; applicant: SignedIn }> {
  const { applicationId, applicant } = await submittedApplication(t);
  if (status === 'needs_info') await reviewApplication(t.deps, await actorOf(t, w.moderator.user), applicationId, { event: 'askForInfo', note: 'Lisage diplom.' });
  return { id: applicationId, applicant: await signIn(applicant) };
}

/** A link from the newest e-mail to an address (a verification, reset or confirmation link). */
async function linkTo(address: string): Promise<string> {
  return linkIn(await lastEmailTo(t, address));
}

function tokenOf(link: string): string {
  return new URL(link, 'http://konsult.test').searchParams.get('token')!;
}

/** A conversation between the shared customer and expert, with a file the customer sent. */
async function conversationWithFile(): Promise<{ id: number; fileId: number }> {
  const id = await startConversation(t.deps.db, t.deps, { subject: `Dokumendid ${next()}`, memberIds: [w.customer.user.id, w.expert.user.id] });
  await w.customer.browser.get(`/mailbox/conversations/${id}`);
  const sent = await postMultipart(t.app, w.customer.browser, `/mailbox/conversations/${id}`, {
    fields: { body: 'Leping on lisatud.' },
    files: [{ name: 'leping.pdf', contentType: 'application/pdf', content: samplePdf() }],
  });
  if (sent.status !== 303) throw new Error(`the message with a file was refused: ${sent.status}`);
  const file = await t.deps.db
    .selectFrom('message_files')
    .innerJoin('messages', 'messages.id', 'message_files.message_id')
    .select('message_files.file_id')
    .where('messages.conversation_id', '=', id)
    .executeTakeFirstOrThrow();
  return { id, fileId: file.file_id };
}

/** An inquiry the shared customer sent through the form, with a file. */
async function inquiryWithFile(): Promise<{ id: number; fileId: number }> {
  const customer = w.customer.browser;
  await customer.get(`/inquiries/new?field=${w.field.id}`);
  const sent = await postMultipart(t.app, customer, '/inquiries', {
    fields: { kind: 'consultation', fieldId: String(w.field.id), expertIds: [String(w.expert.user.id)], title: `Lisaga päring ${next()}`, description: 'Vaadake lisa.', deadline: dayFromNow(t, 7), language: 'et' },
    files: [{ name: 'otsus.pdf', contentType: 'application/pdf', content: samplePdf() }],
  });
  if (sent.status !== 303) throw new Error(`the inquiry with a file was refused: ${sent.status}`);
  const id = Number(/\/inquiries\/(\d+)/.exec(sent.location ?? '')![1]);
  const file = await t.deps.db.selectFrom('inquiry_files').select('file_id').where('inquiry_id', '=', id).executeTakeFirstOrThrow();
  return { id, fileId: file.file_id };
}

/** A paid order whose expert delivered a file. */
async function orderWithDeliveredFile(): Promise<{ orderId: number; fileId: number }> {
  const { orderId } = await paidOrder();
  await w.expert.browser.get(`/orders/${orderId}`);
  const sent = await postMultipart(t.app, w.expert.browser, `/orders/${orderId}/deliveries`, {
    fields: { body: 'Dokument on lisatud.' },
    files: [{ name: 'dokument.pdf', contentType: 'application/pdf', content: samplePdf() }],
  });
  if (sent.status !== 303) throw new Error(`the delivery with a file was refused: ${sent.status}`);
  const file = await t.deps.db
    .selectFrom('delivery_files')
    .innerJoin('deliveries', 'deliveries.id', 'delivery_files.delivery_id')
    .select('delivery_files.file_id')
    .where('deliveries.order_id', '=', orderId)
    .executeTakeFirstOrThrow();
  return { orderId, fileId: file.file_id };
}

/** An expert of their own (so their profile and leave can change), signed in. */
async function ownExpert(): Promise<SignedIn> {
  return signIn(await createExpert(t, { fieldIds: [w.field.id], locale: 'et' }));
}

/** An expert with a profile photo, uploaded through the profile form. */
async function expertWithPhoto(): Promise<SignedIn> {
  const expert = await ownExpert();
  const page = await expert.browser.get(`/experts/${expert.user.id}/edit`);
  const form = formsIn(page.body).find((f) => f.action === `/experts/${expert.user.id}/edit`)!;
  const sent = await postMultipart(t.app, expert.browser, form.action, {
    fields: valuesOf(form),
    files: [{ field: 'photo', name: 'mina.png', contentType: 'image/png', content: samplePng() }],
  });
  if (sent.status !== 303) throw new Error(`the photo was refused: ${sent.status}`);
  return expert;
}

/** An application with a photo, sent through the form. */
async function applicationWithPhoto(): Promise<{ id: number; applicant: SignedIn }> {
  const applicant = await signedIn({ locale: 'et' });
  await applicant.browser.get('/become-expert');
  const sent = await postMultipart(t.app, applicant.browser, '/become-expert', {
    fields: personApplication([w.field.id], { personalIdCode: validIdCodes[2] }),
    files: [{ field: 'photo', name: 'mina.png', contentType: 'image/png', content: samplePng() }],
  });
  if (sent.status !== 303) throw new Error(`the application with a photo was refused: ${sent.status}`);
  const row = await t.deps.db.selectFrom('expert_applications').select('id').where('user_id', '=', applicant.user.id).executeTakeFirstOrThrow();
  return { id: row.id, applicant };
}

async function firstOutboxEmail(): Promise<number> {
  return (await t.deps.db.selectFrom('outbox_emails').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
}

// ---- the table: every route ----

type Target = {
  as: Actor;
  params?: Record<string, string | number>;
  /** The page holding the route's form (POST): its controls are the fields attacked, its values the valid ones. */
  formPage?: string;
  /** Valid values a person would type or choose, over the form's own; called for each request. */
  values?: () => Record<string, string | string[]>;
  /** The valid query of a GET (a token, say). */
  query?: Record<string, string>;
};

type Row = {
  /**
   * What a success answers with: a page in the layout; `raw` HTML of its own (an e-mail's body);
   * a file; JSON; an event stream; or `api`, a server-to-server endpoint: no person reads its
   * answers, the provider reads the status (its successes are JSON).
   */
  answer?: 'page' | 'raw' | 'file' | 'json' | 'stream' | 'api';
  /** Query parameters the route reads (GET forms and links on the page add theirs). */
  query?: string[];
  /** The fields of a body no page has a form for (server to server); sent as JSON. */
  fields?: string[];
  /** Fields whose text a success rightly does not store, and why. */
  ignored?: Record<string, string>;
  /** A success leaves the object as usable as before; otherwise a new target is built after one. */
  isRepeatable?: boolean;
  /** Tables a successful page view writes to (it records having been read; the row says why). */
  readMarks?: string[];
  /** The status of the valid request; `changes: false` when it rightly changes no row. */
  control: { status: number; changes?: false };
  /**
   * The route's real path when the route table prints it otherwise: find-my-way's printRoutes
   * without a common prefix shows @fastify/static's `/static/*` as `/*`.
   */
  path?: string;
  target: () => Promise<Target>;
};

const page = { status: 200 } as const;
const redirect = { status: 303 } as const;

const rows: Record<string, Row> = {
  // ---- public pages and probes ----
  'GET /': { control: page, target: async () => ({ as: anonymous() }) },
  'GET /*': { path: '/static/*', answer: 'file', control: page, target: async () => ({ as: anonymous(), params: { '*': 'app.css' } }) },
  'GET /healthz': { answer: 'json', control: page, target: async () => ({ as: anonymous() }) },
  'GET /readyz': { answer: 'json', control: page, target: async () => ({ as: anonymous() }) },
  'GET /experts': {
    query: ['field', 'q', 'lang', 'price', 'rating', 'sort', 'page'],
    control: page,
    target: async () => ({ as: anonymous('en'), query: { field: String(w.field.id) } }),
  },
  'GET /experts/:id': { control: page, target: async () => ({ as: anonymous(), params: { id: w.expert.user.id } }) },
  'GET /experts/:id/photo': { answer: 'file', control: page, target: async () => ({ as: anonymous(), params: { id: (await expertWithPhoto()).user.id } }) },
  'GET /order/consultation': { control: page, target: async () => ({ as: anonymous('en') }) },
  'GET /order/document': { control: page, target: async () => ({ as: anonymous() }) },
  'GET /become-expert': { control: page, target: async () => ({ as: w.customer }) },

  // ---- accounts ----
  'GET /register': { control: page, target: async () => ({ as: anonymous() }) },
  'POST /register': {
    control: page,
    target: async () => ({
      as: anonymous('en'),
      formPage: '/register',
      values: () => ({ name: 'Mari Maasikas', email: `mari${next()}@example.ee`, phone: '+372 5123 4567', password: 'a brand new passphrase', passwordRepeat: 'a brand new passphrase' }),
    }),
  },
  'GET /verify-email': {
    query: ['token'],
    control: page,
    target: async () => {
      const user = await createUser(t, { isVerified: false });
      await anonymous().browser.post('/verify-email/resend', { email: user.email }, { formPage: '/verify-email/resend' });
      return { as: anonymous(), query: { token: tokenOf(await linkTo(user.email)) } };
    },
  },
  'POST /verify-email': {
    control: page,
    target: async () => {
      const user = await createUser(t, { isVerified: false });
      await anonymous().browser.post('/verify-email/resend', { email: user.email }, { formPage: '/verify-email/resend' });
      return { as: anonymous(), formPage: await linkTo(user.email) };
    },
  },
  'GET /verify-email/resend': { control: page, target: async () => ({ as: anonymous() }) },
  'POST /verify-email/resend': {
    control: page,
    target: async () => {
      const user = await createUser(t, { isVerified: false });
      return { as: anonymous(), formPage: '/verify-email/resend', values: () => ({ email: user.email }) };
    },
  },
  'GET /login': { query: ['next', 'expired'], control: page, target: async () => ({ as: anonymous(), query: { next: '/account' } }) },
  'POST /login': {
    control: redirect,
    target: async () => {
      const user = await createUser(t);
      return { as: anonymous(), formPage: '/login?next=%2Faccount', values: () => ({ email: user.email, password: user.password }) };
    },
  },
  'POST /logout': { control: redirect, target: async () => ({ as: await signedIn(), formPage: '/my' }) },
  // The switch is a cookie for a visitor: it rightly writes no row.
  'POST /language': { control: { status: 303, changes: false }, target: async () => ({ as: anonymous(), formPage: '/experts?q=Erik' }) },
  'GET /password/forgot': { control: page, target: async () => ({ as: anonymous() }) },
  'POST /password/forgot': {
    control: page,
    target: async () => {
      const user = await createUser(t);
      return { as: anonymous(), formPage: '/password/forgot', values: () => ({ email: user.email }) };
    },
  },
  'GET /password/reset': {
    query: ['token'],
    control: page,
    target: async () => {
      const user = await createUser(t);
      await anonymous().browser.post('/password/forgot', { email: user.email }, { formPage: '/password/forgot' });
      return { as: anonymous(), query: { token: tokenOf(await linkTo(user.email)) } };
    },
  },
  'POST /password/reset': {
    control: redirect,
    target: async () => {
      const user = await createUser(t);
      await anonymous().browser.post('/password/forgot', { email: user.email }, { formPage: '/password/forgot' });
      return { as: anonymous(), formPage: await linkTo(user.email), values: () => ({ password: 'a brand new passphrase', passwordRepeat: 'a brand new passphrase' }) };
    },
  },
  'GET /account': { control: page, target: async () => ({ as: w.customer }) },
  'POST /account/profile': {
    isRepeatable: true,
    control: redirect,
    target: async () => ({ as: await signedIn({ locale: 'en' }), formPage: '/account', values: () => ({ name: `Mari Maasikas ${next()}`, phone: '+372 5123 4567' }) }),
  },
  'GET /account/password': { control: page, target: async () => ({ as: w.customer }) },
  'POST /account/password': {
    control: redirect,
    target: async () => ({
      as: await signedIn(),
      formPage: '/account/password',
      values: () => ({ currentPassword: defaultPassword, newPassword: 'a brand new passphrase', newPasswordRepeat: 'a brand new passphrase' }),
    }),
  },
  'GET /account/email': { control: page, target: async () => ({ as: w.customer }) },
  'POST /account/email': {
    control: page,
    target: async () => ({ as: await signedIn({ locale: 'en' }), formPage: '/account/email', values: () => ({ newEmail: `uus${next()}@example.ee`, currentPassword: defaultPassword }) }),
  },
  'GET /account/email/confirm': {
    query: ['token'],
    control: page,
    target: async () => {
      const user = await signedIn();
      const newEmail = `kinnita${next()}@example.ee`;
      await user.browser.post('/account/email', { newEmail, currentPassword: defaultPassword }, { formPage: '/account/email' });
      return { as: user, query: { token: tokenOf(await linkTo(newEmail)) } };
    },
  },
  'POST /account/email/confirm': {
    control: redirect,
    target: async () => {
      const user = await signedIn();
      const newEmail = `kinnita${next()}@example.ee`;
      await user.browser.post('/account/email', { newEmail, currentPassword: defaultPassword }, { formPage: '/account/email' });
      return { as: user, formPage: await linkTo(newEmail) };
    },
  },
  'GET /account/data.json': { answer: 'json', control: page, target: async () => ({ as: w.customer }) },
  'GET /account/delete': { control: page, target: async () => ({ as: w.customer }) },
  'POST /account/delete': { control: page, target: async () => ({ as: await signedIn(), formPage: '/account/delete', values: () => ({ currentPassword: defaultPassword }) }) },
  'GET /account/notifications': { control: page, target: async () => ({ as: w.customer }) },
  'POST /account/notifications': {
    isRepeatable: true,
    control: redirect,
    // Alternates between two sets of boxes, so that every valid request changes what is saved.
    target: async () => ({ as: await signedIn({ locale: 'en' }), formPage: '/account/notifications', values: () => ({ email: next() % 2 === 0 ? [...emailCategories.slice(0, 2)] : [...emailCategories.slice(0, 3)] }) }),
  },
  'GET /my': { control: page, target: async () => ({ as: w.expert }) },

  // ---- mailbox ----
  'GET /mailbox': { query: ['filter', 'page'], control: page, target: async () => ({ as: w.customer }) },
  'GET /mailbox/notices/:id': {
    // Opening a notice marks it read (the reader's own view state).
    readMarks: ['notices'],
    control: page,
    target: async () => {
      await offeredInquiry();
      const notice = await t.deps.db.selectFrom('notices').select('id').where('user_id', '=', w.customer.user.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      return { as: w.customer, params: { id: notice.id } };
    },
  },
  'GET /mailbox/conversations/:id': {
    query: ['before'],
    // Opening a conversation marks it read for the member opening it.
    readMarks: ['conversation_members'],
    control: page,
    target: async () => ({ as: w.expert, params: { id: (await conversationWithFile()).id } }),
  },
  'POST /mailbox/conversations/:id': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const { id } = await conversationWithFile();
      return { as: w.expert, params: { id }, formPage: `/mailbox/conversations/${id}`, values: () => ({ body: 'Sain kätte, aitäh.' }) };
    },
  },
  'GET /mailbox/unread-stream': { answer: 'stream', control: page, target: async () => ({ as: w.customer }) },
  'GET /files/:id': { answer: 'file', control: page, target: async () => ({ as: w.expert, params: { id: (await conversationWithFile()).fileId } }) },

  // ---- the expert directory, profiles and applications ----
  'GET /experts/:id/edit': { control: page, target: async () => ({ as: w.expert, params: { id: w.expert.user.id } }) },
  'POST /experts/:id/edit': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const expert = await ownExpert();
      return { as: expert, params: { id: expert.user.id }, formPage: `/experts/${expert.user.id}/edit`, values: () => ({ bio: `Aitan peredel kokku leppida. ${next()}` }) };
    },
  },
  'POST /experts/:id/leave': {
    control: redirect,
    target: async () => {
      const expert = await ownExpert();
      return { as: expert, params: { id: expert.user.id }, formPage: `/experts/${expert.user.id}/edit`, values: () => ({ isOnLeave: 'on', returnDate: dayFromNow(t, 30) }) };
    },
  },
  'GET /expert-applications/:id/photo': {
    answer: 'file',
    control: page,
    target: async () => {
      const { id, applicant } = await applicationWithPhoto();
      return { as: applicant, params: { id } };
    },
  },
  'POST /become-expert': {
    ignored: { contactPerson: 'a private person has no contact person: only an organisation names one' },
    control: redirect,
    target: async () => ({ as: await signedIn({ locale: 'en' }), formPage: '/become-expert', values: () => personApplication([w.field.id], { personalIdCode: validIdCodes[3] }) }),
  },
  'POST /become-expert/:id/resubmit': {
    ignored: { contactPerson: 'a private person has no contact person: only an organisation names one' },
    control: redirect,
    target: async () => {
      const { id, applicant } = await application('needs_info');
      return { as: applicant, params: { id }, formPage: '/become-expert', values: () => ({ note: 'Diplom on lisatud.' }) };
    },
  },
  'POST /become-expert/:id/withdraw': {
    control: redirect,
    target: async () => {
      const { id, applicant } = await application();
      return { as: applicant, params: { id }, formPage: '/become-expert' };
    },
  },
  'GET /e-consultations': { query: ['filter', 'kind', 'page'], control: page, target: async () => ({ as: w.expert }) },

  // ---- inquiries ----
  'GET /inquiries/new': { query: ['kind', 'field'], control: page, target: async () => ({ as: w.customer, query: { field: String(w.field.id) } }) },
  'POST /inquiries': {
    isRepeatable: true,
    control: redirect,
    target: async () => ({
      as: w.customer,
      formPage: `/inquiries/new?field=${w.field.id}`,
      values: () => ({ expertIds: [String(w.expert.user.id)], title: `Lapse elukoht ${next()}`, description: 'Vajan nõu.' }),
    }),
  },
  'GET /inquiries': { query: ['page'], control: page, target: async () => ({ as: w.customer }) },
  'GET /inquiries/:id': { control: page, target: async () => ({ as: w.customer, params: { id: (await openInquiry()).id } }) },
  'GET /inquiries/:id/files/:fileId': {
    answer: 'file',
    control: page,
    target: async () => {
      const { id, fileId } = await inquiryWithFile();
      return { as: w.customer, params: { id, fileId } };
    },
  },
  'POST /inquiries/:id/cancel': {
    control: redirect,
    target: async () => {
      const { id } = await openInquiry();
      return { as: w.customer, params: { id }, formPage: `/inquiries/${id}` };
    },
  },
  'POST /inquiries/:id/deadline': {
    control: redirect,
    target: async () => {
      const { id } = await openInquiry();
      return { as: w.customer, params: { id }, formPage: `/inquiries/${id}`, values: () => ({ deadline: dayFromNow(t, 10) }) };
    },
  },
  'POST /inquiries/:id/decline': {
    control: redirect,
    target: async () => {
      const { id } = await openInquiry();
      return { as: w.expert, params: { id }, formPage: `/inquiries/${id}`, values: () => ({ reason: 'tooBusy', declineNote: 'Mul ei ole praegu aega.' }) };
    },
  },
  'POST /inquiries/:id/answers/:invitationId': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const { id, invitationId } = await openInquiry();
      await askQuestion(t.deps, await actorOf(t, w.expert.user), id, { body: 'Kui vana on laps?', uploads: [] });
      return { as: w.customer, params: { id, invitationId }, formPage: `/inquiries/${id}`, values: () => ({ body: 'Laps on seitsmeaastane.' }) };
    },
  },
  'POST /inquiries/:id/questions': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const { id } = await openInquiry();
      return { as: w.expert, params: { id }, formPage: `/inquiries/${id}`, values: () => ({ body: 'Kas kohtuotsus on olemas?' }) };
    },
  },
  'POST /inquiries/:id/offer': {
    control: redirect,
    target: async () => {
      const { id } = await openInquiry();
      return {
        as: w.expert,
        params: { id },
        formPage: `/inquiries/${id}`,
        values: () => ({ price: '120', deliveryDate: dayFromNow(t, 10), validUntil: dayFromNow(t, 5), note: 'Kirjalik vastus.' }),
      };
    },
  },
  'POST /inquiries/:id/offer/change': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const { id } = await offeredInquiry();
      return {
        as: w.expert,
        params: { id },
        formPage: `/inquiries/${id}`,
        values: () => ({ price: String(100 + next()), deliveryDate: dayFromNow(t, 10), validUntil: dayFromNow(t, 5), note: 'Kirjalik vastus.' }),
      };
    },
  },
  'POST /inquiries/:id/offer/withdraw': {
    control: redirect,
    target: async () => {
      const { id } = await offeredInquiry();
      return { as: w.expert, params: { id }, formPage: `/inquiries/${id}` };
    },
  },
  'POST /inquiries/:id/order': {
    control: redirect,
    target: async () => {
      const { id } = await offeredInquiry();
      return { as: w.customer, params: { id }, formPage: `/inquiries/${id}` };
    },
  },

  // ---- orders and payments ----
  'GET /orders': { control: page, target: async () => ({ as: w.customer }) },
  'GET /orders/:id': { control: page, target: async () => ({ as: w.expert, params: { id: (await paidOrder()).orderId } }) },
  'GET /orders/:id/files/:fileId': {
    answer: 'file',
    control: page,
    target: async () => {
      const { orderId, fileId } = await orderWithDeliveredFile();
      return { as: w.customer, params: { id: orderId, fileId } };
    },
  },
  'POST /orders/:id/cancel': {
    control: redirect,
    target: async () => {
      const { orderId } = await orderAwaitingPayment();
      return { as: w.customer, params: { id: orderId }, formPage: `/orders/${orderId}` };
    },
  },
  'POST /orders/:id/deliveries': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const { orderId } = await paidOrder();
      return { as: w.expert, params: { id: orderId }, formPage: `/orders/${orderId}`, values: () => ({ body: 'Esimene osa vastusest.' }) };
    },
  },
  'POST /orders/:id/done': {
    control: redirect,
    target: async () => {
      const { orderId } = await paidOrder();
      await addDelivery(t.deps, await actorOf(t, w.expert.user), orderId, { body: 'Vastus.', uploads: [] });
      return { as: w.expert, params: { id: orderId }, formPage: `/orders/${orderId}` };
    },
  },
  'POST /orders/:id/accept': {
    control: redirect,
    target: async () => {
      const { orderId } = await deliveredOrder();
      return { as: w.customer, params: { id: orderId }, formPage: `/orders/${orderId}` };
    },
  },
  'POST /orders/:id/changes': {
    control: redirect,
    target: async () => {
      const { orderId } = await deliveredOrder();
      return { as: w.customer, params: { id: orderId }, formPage: `/orders/${orderId}`, values: () => ({ message: 'Palun lisage viited.' }) };
    },
  },
  'POST /orders/:id/messages': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const { orderId } = await paidOrder();
      return { as: w.customer, params: { id: orderId }, formPage: `/orders/${orderId}`, values: () => ({ body: 'Millal vastus valmib?' }) };
    },
  },
  'POST /orders/:id/rating': {
    control: redirect,
    target: async () => {
      const { orderId } = await acceptedOrder();
      return { as: w.customer, params: { id: orderId }, formPage: `/orders/${orderId}`, values: () => ({ stars: '5', comment: 'Väga hea.' }) };
    },
  },
  'POST /orders/:id/reply': {
    control: redirect,
    target: async () => {
      const { orderId } = await ratedOrder();
      return { as: w.expert, params: { id: orderId }, formPage: `/orders/${orderId}`, values: () => ({ reply: 'Aitäh!' }) };
    },
  },
  'POST /orders/:id/dispute': {
    control: redirect,
    target: async () => {
      const { orderId } = await paidOrder();
      return { as: w.customer, params: { id: orderId }, formPage: `/orders/${orderId}`, values: () => ({ reason: 'Ekspert ei vasta.' }) };
    },
  },
  'POST /orders/:id/resolve': {
    control: redirect,
    target: async () => {
      const { orderId } = await paidOrder();
      await openDispute(t.deps, await actorOf(t, w.customer.user), orderId, 'Ekspert ei vasta.');
      return { as: w.moderator, params: { id: orderId }, formPage: `/orders/${orderId}`, values: () => ({ resolution: 'split', refund: '10', note: 'Pool tööst on tehtud.' }) };
    },
  },
  'POST /orders/:id/refunds': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const { orderId } = await paidOrder();
      return { as: w.moderator, params: { id: orderId }, formPage: `/orders/${orderId}`, values: () => ({ amount: '1', reason: 'Hilinemine.' }) };
    },
  },
  'GET /sandbox/pay/:ref': { control: page, target: async () => ({ as: w.customer, params: { ref: (await orderAwaitingPayment()).ref } }) },
  'POST /sandbox/pay/:ref': {
    control: redirect,
    target: async () => {
      const { ref } = await orderAwaitingPayment();
      return { as: w.customer, params: { ref }, formPage: `/sandbox/pay/${ref}` };
    },
  },
  'GET /payments/return/:provider': {
    query: ['order-token'],
    // Coming back asks the provider for the payment's status and records its answer (even when already applied).
    readMarks: ['payment_events'],
    control: redirect,
    target: async () => ({ as: w.customer, params: { provider: 'sandbox' }, query: { 'order-token': (await paidOrder()).token } }),
  },
  // The provider tells of a payment the portal has already applied: acknowledged, nothing to change.
  'POST /payments/notify/:provider': {
    answer: 'api',
    // Montonio sends the token in the body and in the query.
    query: ['order-token'],
    fields: ['orderToken', 'refundToken'],
    isRepeatable: true,
    control: { status: 200, changes: false },
    target: async () => {
      const { token } = await paidOrder();
      return { as: anonymous(), params: { provider: 'sandbox' }, values: () => ({ orderToken: token }) };
    },
  },

  // ---- the back office ----
  'GET /admin': { query: ['weeks'], control: page, target: async () => ({ as: w.moderator }) },
  'GET /admin/users': { query: ['q', 'page', 'filter'], control: page, target: async () => ({ as: w.moderator }) },
  'GET /admin/users/:id': { control: page, target: async () => ({ as: w.moderator, params: { id: w.customer.user.id } }) },
  'POST /admin/users/:id/block': {
    control: redirect,
    target: async () => {
      const user = await createUser(t);
      return { as: w.moderator, params: { id: user.id }, formPage: `/admin/users/${user.id}`, values: () => ({ reason: 'Saadab rämpsposti.' }) };
    },
  },
  'POST /admin/users/:id/unblock': {
    control: redirect,
    target: async () => {
      const user = await createUser(t);
      await t.deps.db.updateTable('users').set({ blocked_at: t.clock.now().toISOString() }).where('id', '=', user.id).execute();
      return { as: w.moderator, params: { id: user.id }, formPage: `/admin/users/${user.id}` };
    },
  },
  'POST /admin/users/:id/roles': {
    control: redirect,
    target: async () => {
      const user = await createUser(t);
      return { as: w.admin, params: { id: user.id }, formPage: `/admin/users/${user.id}` };
    },
  },
  'GET /admin/settings': { control: page, target: async () => ({ as: w.admin }) },
  'POST /admin/settings': {
    isRepeatable: true,
    control: redirect,
    // A new daily limit each time (the rest as the form shows them), so every valid request changes a setting.
    target: async () => ({ as: w.admin, formPage: '/admin/settings', values: () => ({ inquiriesPerDay: String(500 + (next() % 400)) }) }),
  },
  'GET /admin/audit': { query: ['action', 'objectType', 'objectId', 'actor', 'from', 'to', 'before'], control: page, target: async () => ({ as: w.admin }) },
  'GET /admin/orders': { query: ['page', 'status', 'id'], control: page, target: async () => ({ as: w.moderator }) },
  'GET /admin/expert-applications': { query: ['status', 'page'], control: page, target: async () => ({ as: w.moderator }) },
  'GET /admin/expert-applications/:id': { control: page, target: async () => ({ as: w.moderator, params: { id: (await application()).id } }) },
  'POST /admin/expert-applications/:id/decision': {
    control: redirect,
    target: async () => {
      const { id } = await application();
      return { as: w.moderator, params: { id }, formPage: `/admin/expert-applications/${id}`, values: () => ({ event: 'askForInfo', note: 'Palun lisage diplom.' }) };
    },
  },
  'GET /admin/fields': { control: page, target: async () => ({ as: w.admin }) },
  'POST /admin/fields': {
    isRepeatable: true,
    control: redirect,
    target: async () => ({ as: w.admin, formPage: '/admin/fields', values: () => ({ nameEt: `Mereõigus ${next()}`, nameEn: `Maritime law ${sequence}`, descriptionEt: 'Laevad.', descriptionEn: 'Ships.' }) }),
  },
  'GET /admin/fields/:id': { control: page, target: async () => ({ as: w.admin, params: { id: w.field.id } }) },
  'POST /admin/fields/:id': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const field = await createField(t);
      return { as: w.admin, params: { id: field.id }, formPage: `/admin/fields/${field.id}`, values: () => ({ nameEt: `Maaõigus ${next()}`, nameEn: `Land law ${sequence}` }) };
    },
  },
  'POST /admin/fields/:id/move': {
    control: redirect,
    target: async () => {
      await createField(t);
      const field = await createField(t);
      return { as: w.admin, params: { id: field.id }, formPage: '/admin/fields' };
    },
  },
  'POST /admin/fields/:id/delete': {
    control: redirect,
    target: async () => {
      const field = await createField(t);
      return { as: w.admin, params: { id: field.id }, formPage: `/admin/fields/${field.id}` };
    },
  },
  'GET /admin/document-types': { control: page, target: async () => ({ as: w.admin }) },
  'POST /admin/document-types': {
    isRepeatable: true,
    control: redirect,
    target: async () => ({ as: w.admin, formPage: '/admin/document-types', values: () => ({ nameEt: `Volikiri ${next()}`, nameEn: `Power of attorney ${sequence}` }) }),
  },
  'GET /admin/document-types/:id': { control: page, target: async () => ({ as: w.admin, params: { id: await documentType() } }) },
  'POST /admin/document-types/:id': {
    isRepeatable: true,
    control: redirect,
    target: async () => {
      const id = await documentType();
      return { as: w.admin, params: { id }, formPage: `/admin/document-types/${id}`, values: () => ({ nameEt: `Leping ${next()}`, nameEn: `Contract ${sequence}` }) };
    },
  },
  'POST /admin/document-types/:id/active': {
    control: redirect,
    target: async () => ({ as: w.admin, params: { id: await documentType() }, formPage: '/admin/document-types' }),
  },
  'POST /admin/document-types/:id/move': {
    control: redirect,
    target: async () => ({ as: w.admin, params: { id: await documentType() }, formPage: '/admin/document-types' }),
  },
  'POST /admin/document-types/:id/delete': {
    control: redirect,
    target: async () => {
      const id = await documentType();
      return { as: w.admin, params: { id }, formPage: `/admin/document-types/${id}` };
    },
  },
  'GET /admin/triage': { query: ['page'], control: page, target: async () => ({ as: w.moderator }) },
  'POST /admin/triage/:id/assign': {
    control: redirect,
    target: async () => {
      const id = await generalInquiry();
      return { as: w.moderator, params: { id }, formPage: `/inquiries/${id}`, values: () => ({ fieldId: String(w.field.id) }) };
    },
  },
  'POST /admin/triage/:id/reject': {
    control: redirect,
    target: async () => {
      const id = await generalInquiry();
      return { as: w.moderator, params: { id }, formPage: `/inquiries/${id}`, values: () => ({ message: 'See ei ole portaali teema.' }) };
    },
  },
  'GET /admin/ledger': { query: ['page'], control: page, target: async () => ({ as: w.moderator }) },
  'GET /sent-emails': { query: ['page'], control: page, target: async () => ({ as: w.admin }) },
  'GET /sent-emails/:id': { control: page, target: async () => ({ as: w.admin, params: { id: await firstOutboxEmail() } }) },
  'GET /sent-emails/:id/html': { answer: 'raw', control: page, target: async () => ({ as: w.admin, params: { id: await firstOutboxEmail() } }) },
};

/** A document type of its own (the last one, so it can move up), unused. */
async function documentType(): Promise<number> {
  return createDocumentType(t.deps, await actorOf(t, w.admin.user), { nameEt: `Avaldus ${next()}`, nameEn: `Application ${sequence}`, isActive: true });
}

// ---- sending and judging ----

type Answer = { status: number; headers: LightMyRequestResponse['headers']; body: string; location: string | undefined };

type Outgoing = {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
  /** The whole Cookie header, instead of the actor's (garbage sessions): the answer's cookies are then not kept. */
  cookie?: string;
  /** The language the answer must be in, when not the actor's (a stranger's session is nobody's). */
  locale?: Locale;
};

type Hostile = { field: string; value: string | string[]; isTypedText: boolean };

const ignoredOnRefusal = new Set([
  // Counting refused attempts (failed sign-ins, wrong current passwords, e-mail requests) is what this table is for.
  'rate_limits',
]);

function headerText(value: string | string[] | number | undefined): string {
  return Array.isArray(value) ? value.join('\n') : String(value ?? '');
}

/** A short description of a body for a report. */
function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text;
}

const scriptOfOurOwn = '<script src="/static/app.js" defer></script>';

/** Whether a page holds markup from input: a script that is not the portal's own, an event handler. */
function hasInjectedMarkup(html: string): boolean {
  const rest = html.replace(scriptOfOurOwn, '');
  return /<script/i.test(rest) || /<img[^>]*onerror/i.test(rest);
}

/** Each page a GET row showed, and to whom: read again once every form has stored its share of the corpus. */
const pagesSeen: { key: string; actor: Actor; url: string; status: number }[] = [];

class RouteRun {
  readonly problems: string[] = [];
  private target!: Target;
  private forms: HtmlForm[] = [];
  /** Redirect targets already followed (ids aside): each kind is read once. */
  private readonly followed = new Set<string>();
  /** What the last request wrote. */
  private lastChanges: RowChange[] = [];
  /** A success has used the target, and no new one was built (see `send`). */
  private isUsed = false;

  constructor(
    private readonly row: Row,
    readonly method: 'GET' | 'POST',
    readonly route: string,
  ) {}

  private get answer() {
    return this.row.answer ?? 'page';
  }

  /** Builds the target, reads its form, and forgets what building wrote. */
  async prepare(): Promise<void> {
    this.target = await this.row.target();
    this.isUsed = false;
    this.forms = [];
    if (this.method === 'POST' && this.target.formPage) {
      const formPage = await this.target.as.browser.get(this.target.formPage);
      this.forms = formsIn(formPage.body).filter((form) => form.method === 'post' && form.action === this.url());
      if (this.forms.length === 0) throw new Error(`${this.target.formPage} (${formPage.status}) has no form posting to ${this.url()}`);
    }
    await changes.since();
  }

  /** The route's path with the target's parameters, any of them replaced (already encoded). */
  url(replace: Record<string, string> = {}, query = this.target.query): string {
    const path = (this.row.path ?? this.route).replace(/:([\w-]+)|\*/g, (whole, name: string | undefined) => {
      const key = name ?? '*';
      return replace[key] ?? encodeURIComponent(String(this.target.params?.[key] ?? whole)).replace(/%2F/g, '/');
    });
    const search = query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query).toString()}` : '';
    return path + search;
  }

  get fieldNames(): string[] {
    return this.row.fields ?? [...new Set(this.forms.flatMap(fieldNamesOf))];
  }

  private control(name: string) {
    return this.forms.flatMap((form) => form.controls).find((c) => c.name === name);
  }

  /** What the form sends as it stands, with the row's valid values over it. */
  validValues(): Record<string, string | string[]> {
    return { ...(this.forms[0] ? valuesOf(this.forms[0]) : {}), ...this.target.values?.() };
  }

  get encoding(): 'urlencoded' | 'multipart' | 'json' {
    if (this.row.fields) return 'json';
    return this.forms[0]?.enctype === 'multipart/form-data' ? 'multipart' : 'urlencoded';
  }

  get csrfToken(): string {
    return this.target.as.browser.csrfToken ?? '';
  }

  /** A form body as the page's browser would encode it, with the CSRF token unless `csrf` is null. */
  body(values: Record<string, string | string[]>, csrf: string | null = this.csrfToken): { payload: string | Buffer; contentType: string } {
    const fields = csrf === null || this.answer === 'api' ? values : { _csrf: csrf, ...values };
    if (this.encoding === 'json') return { payload: JSON.stringify(fields), contentType: 'application/json' };
    if (this.encoding === 'multipart') {
      const { body, contentType } = multipartBody({ fields });
      return { payload: body, contentType };
    }
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
    return { payload: search.toString(), contentType: 'application/x-www-form-urlencoded' };
  }

  /** The route with valid values: a form post with its body, or a GET of the page. */
  validRequest(values = this.validValues()): Outgoing {
    if (this.method === 'GET') return { method: 'GET', url: this.url() };
    const { payload, contentType } = this.body(values);
    return { method: 'POST', url: this.url(), payload, headers: { 'content-type': contentType } };
  }

  /** The language the actor's pages are in: their account's, or for a visitor the language cookie's. */
  private get locale(): Locale {
    const browser = this.target.as.browser;
    if (browser.cookies.has('konsult_sid')) return this.target.as.locale;
    return browser.cookies.get('konsult_lang') === 'en' ? 'en' : 'et';
  }

  private async inject(request: Outgoing): Promise<Answer> {
    const browser = this.target.as.browser;
    const headers = { cookie: request.cookie ?? browser.cookieHeader(), ...request.headers };
    let response: LightMyRequestResponse;
    let body = '';
    if (this.answer === 'stream') {
      // The stream stays open for minutes: read its first event, then hang up.
      response = await t.app.inject({ method: request.method as 'GET', url: request.url, headers, remoteAddress: browser.ip, payloadAsStream: true });
      const stream = response.stream();
      try {
        for await (const chunk of stream) {
          body += String(chunk);
          if (response.statusCode === 200) break;
        }
      } finally {
        stream.destroy();
      }
    } else {
      response = await t.app.inject({ method: request.method as 'GET', url: request.url, headers, payload: request.payload, remoteAddress: browser.ip });
      body = response.body;
    }
    if (request.cookie === undefined) {
      for (const cookie of response.cookies) {
        const expired = cookie.maxAge === 0 || (cookie.expires instanceof Date && cookie.expires.getTime() <= Date.now());
        if (expired || cookie.value === '') browser.cookies.delete(cookie.name);
        else browser.cookies.set(cookie.name, cookie.value);
      }
      const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
      if (token) browser.csrfToken = token;
    }
    const location = response.headers['location'];
    return { status: response.statusCode, headers: response.headers, body, location: typeof location === 'string' ? location : undefined };
  }

  private problem(label: string, text: string): void {
    if (this.problems.length < 40) this.problems.push(`${label}: ${text}`);
  }

  /**
   * Sends one request and judges the answer and what it wrote. A refused request writes no row;
   * a page view only its read marks; a hostile text the portal accepted is stored as sent.
   */
  async send(label: string, request: Outgoing, hostile?: Hostile, options: { rebuild?: boolean } = {}): Promise<Answer> {
    const locale = request.locale ?? this.locale;
    const answer = await this.inject(request);
    const written = await changes.since();
    this.lastChanges = written;
    this.judge(label, answer, locale, hostile, false, request.method === 'HEAD');

    const isAccepted = answer.status < 400;
    const tables = [...new Set(written.map((change) => change.table))];
    if (!isAccepted) {
      const changed = tables.filter((table) => !ignoredOnRefusal.has(table));
      if (changed.length > 0) this.problem(label, `refused with ${answer.status} but wrote to ${changed.join(', ')}: ${excerpt(JSON.stringify(written.find((c) => !ignoredOnRefusal.has(c.table))))}`);
    } else if (this.method === 'GET') {
      const unexpected = tables.filter((table) => !(this.row.readMarks ?? []).includes(table));
      if (unexpected.length > 0) this.problem(label, `a page view wrote to ${unexpected.join(', ')}`);
    } else if (hostile?.isTypedText && typeof hostile.value === 'string' && this.row.ignored?.[hostile.field] === undefined) {
      const forms = storedForms(hostile.value);
      const rows = written.flatMap((change) => (change.after ? [change.after] : []));
      if (forms.length > 0 && !rowsHoldText(rows, forms)) this.problem(label, `accepted (${answer.status}) but the text is stored nowhere as sent; wrote to: ${tables.join(', ') || 'nothing'}`);
    }

    const local = answer.location === undefined ? undefined : /^(?:http:\/\/konsult\.test)?(\/(?![/\\])[\x21-\x7e]*)$/.exec(answer.location)?.[1];
    const kind = local?.replace(/\d+/g, '#');
    if (local !== undefined && kind !== undefined && answer.status >= 300 && answer.status < 400 && this.method === 'POST' && !this.followed.has(kind)) {
      // Where a redirect leads must be a readable page too (a return path built from input, say).
      this.followed.add(kind);
      this.judge(`${label} → ${local}`, await this.inject({ method: 'GET', url: local }), this.locale, undefined, true);
      await changes.since();
    }
    // The object has been used (an order paid, an inquiry cancelled), or its attempts are spent:
    // the next request meets a new one. Where the request's content does not reach the use case
    // (garbage cookies, a body for a form without fields) the next one meets the used object,
    // and is judged all the same: a new one is built before the valid request.
    const isUsed = isAccepted && this.method === 'POST' && !this.row.isRepeatable;
    if ((isUsed && options.rebuild !== false) || answer.status === 429) await this.prepare();
    else if (isUsed) this.isUsed = true;
    return answer;
  }

  /** Whether an answer is one a person (or, server to server, a provider) understands. */
  private judge(label: string, answer: Answer, locale: Locale, hostile?: Hostile, isFollowed = false, isHead = false): void {
    if (answer.status >= 500) {
      this.problem(label, `answered ${answer.status}: ${excerpt(answer.body)}`);
      return;
    }
    for (const [name, value] of Object.entries(answer.headers)) {
      const text = headerText(value);
      if (name === injectedHeader || (name !== 'set-cookie' && /[\r\n]/.test(text))) this.problem(label, `header ${name} carries injected content: ${JSON.stringify(text.slice(0, 100))}`);
      if (name === 'set-cookie' && /konsult_injected/.test(text)) this.problem(label, `an injected cookie: ${text.slice(0, 100)}`);
    }
    if (answer.location !== undefined && !/^(?:http:\/\/konsult\.test)?\/(?![/\\])[\x21-\x7e]*$/.test(answer.location)) {
      this.problem(label, `redirects out of the portal: ${JSON.stringify(answer.location.slice(0, 100))}`);
    }
    if (answer.body.includes('root:x:0:0') || answer.body.includes('"name": "konsult"')) this.problem(label, 'shows a file from outside the public folder');
    if ((answer.status >= 300 && answer.status < 400) || isHead) return;

    const contentType = headerText(answer.headers['content-type']);
    if (this.answer === 'api' && !isFollowed) {
      // A provider reads the status; its successes are JSON.
      if (answer.status < 400 && !contentType.startsWith('application/json')) this.problem(label, `a provider gets ${contentType}, not JSON`);
      return;
    }
    const isPage = answer.status >= 400 || this.answer === 'page' || isFollowed;
    if (this.answer === 'raw' && hasInjectedMarkup(answer.body)) this.problem(label, 'markup from stored input reached the e-mail');
    if (!isPage) {
      const expected = ({ raw: 'text/html', json: 'application/json', stream: 'text/event-stream' } as Record<string, string>)[this.answer] ?? '';
      if (!contentType.startsWith(expected)) this.problem(label, `answered ${contentType}, not ${expected}`);
      return;
    }
    if (contentType !== 'text/html; charset=utf-8') {
      this.problem(label, `answered ${answer.status} as ${contentType || 'nothing'}: ${excerpt(answer.body)}`);
      return;
    }
    const lang = /<html lang="([a-z]+)"/.exec(answer.body)?.[1];
    if (lang !== locale) this.problem(label, `a ${answer.status} page in ${lang ?? 'no language'}, not ${locale}`);
    if (!/<h1[^>]*>[^<]+/.test(answer.body)) this.problem(label, `a ${answer.status} page without a heading`);
    if (answer.status >= 400 && !/class="error-summary"|class="error-message"|<p class="lead">|<a href="\/" class="button/.test(answer.body)) {
      this.problem(label, `a ${answer.status} page that does not say what went wrong: ${excerpt(answer.body.replace(/[\s\S]*<main[^>]*>/, ''))}`);
    }
    if (hasInjectedMarkup(answer.body)) this.problem(label, 'markup from the input reached the page');
    if (answer.status === 422 && hostile?.isTypedText && typeof hostile.value === 'string') this.expectKept(label, answer.body, hostile);
  }

  /** A form shown again keeps what was typed into the field, exactly. */
  private expectKept(label: string, html: string, hostile: Hostile): void {
    const shown = formsIn(html)
      .filter((form) => form.action === this.url())
      .flatMap((form) => form.controls)
      .find((c) => c.name === hostile.field);
    if (!shown) this.problem(label, `shown again (422) without the field ${hostile.field}`);
    else if (shown.value !== hostile.value) this.problem(label, `shown again with ${hostile.field} = ${JSON.stringify(excerpt(shown.value))}, not as typed`);
  }

  // ---- the parts of the corpus ----

  async hostilePathParameters(): Promise<void> {
    const names = [...(this.row.path ?? this.route).matchAll(/:([\w-]+)|\*/g)].map((m) => m[1] ?? '*');
    for (const name of names) {
      const segments = [...hostileSegments];
      if (name === '*') segments.push({ label: 'a dot-dot path', segment: '../../package.json' }, { label: 'an encoded dot-dot path', segment: '%2e%2e/%2e%2e/package.json' });
      for (const { label, segment } of segments) {
        const answer = await this.send(`${name} = ${label}`, { ...this.validRequest(), url: this.url({ [name]: segment }) });
        if (answer.status < 400) this.problem(`${name} = ${label}`, `accepted (${answer.status}) as if it named a real object`);
      }
    }
  }

  /** Query parameters: the row's own, and those the page's GET forms and links use. */
  private async queryNames(): Promise<string[]> {
    const names = new Set(this.row.query ?? []);
    if (this.method === 'GET' && this.answer === 'page') {
      const path = this.url({}, {});
      const page = await this.send('the page', { method: 'GET', url: this.url() });
      for (const form of formsIn(page.body).filter((f) => f.method === 'get' && f.action === path)) for (const name of fieldNamesOf(form)) names.add(name);
      for (const link of page.body.matchAll(/href="([^"#]*)"/g)) {
        const href = decodeEntities(link[1]!);
        if (href.startsWith(`${path}?`)) for (const name of new URLSearchParams(href.slice(path.length + 1)).keys()) names.add(name);
      }
    }
    return [...names];
  }

  async hostileQuery(): Promise<void> {
    const valid = this.target.query ?? {};
    // A GET with the query given; a form post with its valid body.
    const request = (search: string): Outgoing => ({ ...this.validRequest(), url: `${this.url({}, {})}?${search}` });
    for (const name of await this.queryNames()) {
      const rest = new URLSearchParams(Object.entries(valid).filter(([key]) => key !== name));
      for (const { label, value } of hostileQueryValues) {
        const search = new URLSearchParams(rest);
        for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
        await this.send(`?${name} = ${label}`, request(search.toString()));
      }
      for (const { label, query } of rawQueries) await this.send(`?${name}: ${label}`, request(`${query(name)}${rest.size > 0 ? `&${rest.toString()}` : ''}`));
    }
    // Names no page uses, on every route.
    const rest = new URLSearchParams(valid).toString();
    await this.send('unknown, prototype and markup parameter names', request(`${rest ? `${rest}&` : ''}__proto__[x]=1&constructor[prototype][y]=1&%3Cscript%3E=1&%E0%A4%A=1`));
  }

  async hostileFields(): Promise<void> {
    if (this.method !== 'POST') return;
    for (const field of this.fieldNames) {
      const control = this.control(field);
      const isText = control ? isTypedText(control) : this.answer === 'api';
      for (const { label, value } of isText ? hostileTexts : hostileChoices) {
        await this.send(`${field} = ${label}`, this.validRequest({ ...this.validValues(), [field]: value }), { field, value, isTypedText: Boolean(control && isTypedText(control)) });
      }
    }
  }

  async malformedBodies(): Promise<void> {
    if (this.method !== 'POST') return;
    const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };
    const json = { 'content-type': 'application/json' };
    const boundary = '----KonsultHostileBoundary';
    const multipart = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    // Each body is made when it is sent: a success before it may have built a new target.
    const cases: [string, (p: { url: string; token: string; names: string[] }) => Outgoing][] = [
      ['a text/plain body', ({ url, token }) => ({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: `${this.tokenField(token)}${this.validText()}` })],
      [
        'an XML body with an external entity',
        ({ url }) => ({ method: 'POST', url, headers: { 'content-type': 'application/xml' }, payload: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' }),
      ],
      ['broken percent escapes', ({ url, token, names }) => ({ method: 'POST', url, headers: urlencoded, payload: `${this.tokenField(token)}${names.map((n) => `${n}=%E0%A4%A&${n}=%ZZ`).join('&')}&%=&=1&&` })],
      [
        'invalid UTF-8 bytes',
        ({ url, token, names }) => ({
          method: 'POST',
          url,
          headers: urlencoded,
          payload: Buffer.concat([Buffer.from(`${this.tokenField(token)}${names.map((n) => `${n}=`).join('x&')}`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])]),
        }),
      ],
      // Keys an object literal cannot carry (it would set the prototype instead) are written as text.
      [
        'JSON objects and prototype keys',
        ({ url, token, names }) => ({
          method: 'POST',
          url,
          headers: json,
          payload: this.json(token, names, () => ({ $ne: null, toString: 'x' })).replace(/}$/, ',"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}'),
        }),
      ],
      ['JSON arrays, numbers, booleans and nulls', ({ url, token, names }) => ({ method: 'POST', url, headers: json, payload: this.json(token, names, (i) => [[{ a: 1 }, [2]], 1e308, true, null][i % 4]) })],
      ['JSON lone surrogates', ({ url, token, names }) => ({ method: 'POST', url, headers: json, payload: this.json(token, names, () => '\ud800 \udfff') })],
      ['broken JSON', ({ url, token }) => ({ method: 'POST', url, headers: json, payload: `{"_csrf": "${token}", "a": ` })],
      [
        'a cut-off multipart body',
        ({ url, token, names }) => ({ method: 'POST', url, headers: multipart, payload: `${this.tokenPart(part, token)}--${boundary}\r\nContent-Disposition: form-data; name="${names[0]}"\r\n\r\nhalf a val` }),
      ],
      ['multipart without a boundary', ({ url, token }) => ({ method: 'POST', url, headers: { 'content-type': 'multipart/form-data' }, payload: `${this.tokenPart(part, token)}--${boundary}--\r\n` })],
      ['a multipart field of 300 KB', ({ url, token, names }) => ({ method: 'POST', url, headers: multipart, payload: `${this.tokenPart(part, token)}${part(names[0]!, 'y'.repeat(300 * 1024))}--${boundary}--\r\n` })],
      ['an empty form body', ({ url }) => ({ method: 'POST', url, headers: urlencoded, payload: '' })],
      ['no body, the token in a header', ({ url, token }) => ({ method: 'POST', url, headers: { 'x-csrf-token': token } })],
      ['a form body over the limit', ({ url, token, names }) => ({ method: 'POST', url, headers: urlencoded, payload: `${this.tokenField(token)}${names[0]}=${'z'.repeat(70 * 1024)}` })],
    ];
    for (const [label, make] of cases) {
      const names = this.fieldNames.length > 0 ? this.fieldNames : ['anything'];
      // A form without fields reads nothing of a body: one success of a malformed one is enough.
      await this.send(label, make({ url: this.url(), token: this.csrfToken, names }), undefined, { rebuild: this.fieldNames.length > 0 });
    }
  }

  private tokenField(token: string): string {
    return this.answer === 'api' ? '' : `_csrf=${encodeURIComponent(token)}&`;
  }

  private tokenPart(part: (name: string, value: string) => string, token: string): string {
    return this.answer === 'api' ? '' : part('_csrf', token);
  }

  private validText(): string {
    return new URLSearchParams(Object.entries(this.validValues()).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x]))).toString();
  }

  /** A JSON body with the CSRF token and every field set to what `value` gives for it. */
  private json(token: string, names: string[], value: (index: number) => unknown): string {
    return JSON.stringify({ ...(this.answer === 'api' ? {} : { _csrf: token }), ...Object.fromEntries(names.map((n, i) => [n, value(i)])) });
  }

  /** Garbage in what every request carries: session and CSRF cookies and tokens, huge headers. */
  async hostileHeaders(): Promise<void> {
    // What is garbage here never reaches a use case: a success need not build a new target.
    const kept = { rebuild: false };
    const browser = () => this.target.as.browser;
    const cookieWith = (extra: string) => [...[...browser().cookies].filter(([name]) => name !== 'konsult_sid' && name !== 'konsult_csrf').map(([n, v]) => `${n}=${v}`), extra].join('; ');
    // A stranger's session is nobody's: the page speaks the language of the browser's cookie, or Estonian.
    const strangerLocale = (): Locale => (browser().cookies.get('konsult_lang') === 'en' ? 'en' : 'et');
    for (const { label, value } of garbageCookies) {
      await this.send(`a session cookie of ${label}`, { ...this.validRequest(), cookie: cookieWith(`konsult_sid=${value}`), locale: strangerLocale() }, undefined, kept);
    }
    await this.send('a CSRF cookie of garbage', { ...this.validRequest(), cookie: cookieWith(`konsult_csrf=${encodeURIComponent('"><script>')}`), locale: strangerLocale() }, undefined, kept);
    await this.send('a cookie header of garbage', { ...this.validRequest(), cookie: `${browser().cookieHeader()}; ;;; =; konsult_flash=%00; %01=%02; a=${'%'.repeat(1000)}` }, undefined, kept);
    const valid = this.validRequest();
    const huge = { 'x-huge': 'h'.repeat(60_000), 'user-agent': 'u'.repeat(60_000), 'accept-language': 'x'.repeat(10_000) };
    await this.send('a 60 000-character cookie and headers', { ...valid, cookie: `${browser().cookieHeader()}; huge=${'c'.repeat(60_000)}`, headers: { ...valid.headers, ...huge } }, undefined, kept);
    // The same address by HEAD (Fastify answers it for every GET), and by a method the route does not have.
    if (this.method === 'GET' && this.answer !== 'stream') await this.send('the page by HEAD', { ...valid, method: 'HEAD' }, undefined, kept);
    const other = await this.send('a method the route does not have', { ...valid, method: this.method === 'GET' ? 'DELETE' : 'PUT' }, undefined, kept);
    // Not found, or refused first for want of a CSRF token (a GET's request carries none).
    if (other.status !== 404 && other.status !== 403) this.problem('a method the route does not have', `answered ${other.status}, not 404 (or 403)`);
    if (this.method !== 'POST' || this.answer === 'api') return;
    for (const value of ['<script>alert(1)</script>', 'A'.repeat(100_000), '']) {
      const label = `a CSRF token of ${value.length > 100 ? '100 000 characters' : JSON.stringify(value)}`;
      const answer = await this.send(label, this.validRequest({ ...this.validValues(), _csrf: value }), undefined, kept);
      if (answer.status !== 403 && answer.status !== 413) this.problem(label, `answered ${answer.status}, not 403`);
    }
    const { payload, contentType } = this.body(this.validValues(), null);
    const header = await this.send('a CSRF header of garbage', { method: 'POST', url: this.url(), payload, headers: { 'content-type': contentType, 'x-csrf-token': '<script>alert(1)</script>' } }, undefined, kept);
    if (header.status !== 403) this.problem('a CSRF header of garbage', `answered ${header.status}, not 403`);
  }

  /** The valid request succeeds, and a form's changes data: the refusals above were refusals of input. */
  async validRequestSucceeds(): Promise<void> {
    if (this.isUsed) await this.prepare();
    let answer = await this.send('the valid request', this.validRequest(), undefined, { rebuild: false });
    if (answer.status === 429) answer = await this.send('the valid request, on a new target', this.validRequest(), undefined, { rebuild: false });
    if (answer.status !== this.row.control.status) this.problem('the valid request', `answered ${answer.status}, not ${this.row.control.status}: ${excerpt(answer.location ?? answer.body)}`);
    if (this.method === 'GET' && this.answer === 'page') pagesSeen.push({ key: `${this.method} ${this.route}`, actor: this.target.as, url: this.url(), status: this.row.control.status });
    const wrote = this.lastChanges.some((change) => !ignoredOnRefusal.has(change.table));
    if (this.method === 'POST' && this.row.control.changes !== false && !wrote) this.problem('the valid request', 'changed nothing');
  }
}

// ---- the suite ----

const keyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

beforeAll(async () => {
  t = await createTestApp();
  changes = new DatabaseChanges(t.database);
  await changes.install();
  w = await buildWorld();
}, 60_000);

afterAll(async () => {
  await t.close();
});

describe('the table of routes', () => {
  it('has a row for every route the app registers, and none for a route it does not have', () => {
    const registered = registeredRoutes(t.app).map(keyOf);
    expect(registered.length).toBeGreaterThan(100);
    expect(registered.filter((key) => !(key in rows)), 'routes without a row: say who may use each and how to build what it acts on').toEqual([]);
    expect(Object.keys(rows).filter((key) => !registered.includes(key)), 'rows for routes the app does not have').toEqual([]);
    const unreachable = Object.entries(rows).filter(([key, row]) => !t.app.hasRoute({ method: key.split(' ')[0] as 'GET', url: row.path ?? key.split(' ')[1]! }));
    expect(unreachable.map(([key]) => key), 'rows whose path the app does not answer').toEqual([]);
  });
});

describe.each(Object.keys(rows))('%s', (key) => {
  it('answers the hostile corpus with pages a person understands, never a 5xx, and keeps the data intact', async () => {
    const [method, route] = key.split(' ') as ['GET' | 'POST', string];
    const run = new RouteRun(rows[key]!, method, route);
    await run.prepare();
    await run.hostilePathParameters();
    await run.hostileQuery();
    await run.hostileFields();
    await run.malformedBodies();
    await run.hostileHeaders();
    await run.validRequestSucceeds();
    expect(run.problems).toEqual([]);
  }, 120_000);
});

describe('afterwards', () => {
  it('shows every hostile text the forms stored as text, on every page seen before', async () => {
    // The forms above stored names, titles, messages and settings from the corpus: the lists and
    // pages that show them (to their owners and to staff) must still be pages, with no markup from them.
    expect(pagesSeen.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const { key, actor, url, status } of pagesSeen) {
      const page = await actor.browser.get(url);
      if (page.status !== status) problems.push(`${key} (${url}): answered ${page.status}, not ${status}`);
      if (hasInjectedMarkup(page.body)) problems.push(`${key} (${url}): markup from stored input reached the page`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
