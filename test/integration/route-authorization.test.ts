import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from '../support/browser.js';
import { registeredRoutes } from '../support/back-office.js';
import { personApplication, validIdCodes } from '../support/experts.js';
import { defaultPassword } from '../support/factories.js';
import { dayFromNow } from '../support/inquiries.js';
import {
  actorLabels,
  actors,
  browserOf,
  buildWorld,
  fingerprint,
  orderStages,
  renewScene,
  scenes,
  type Actor,
  type OrderStage,
  type RenewableScene,
  type Scene,
  type World,
} from '../support/route-matrix.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 9 (security): the authorisation matrix of the whole app. One row for every route the app
 * registers (the first test reads the app's own route table, so a new route without a row, or a
 * row for a route that is gone, fails this file), and in each row, for every object state that
 * matters, what each of eight kinds of visitor gets: the page, the file, the action done, a
 * redirect to sign in, 403, 404 (where the app hides that the object exists) or 409 (an allowed
 * person, the object in the wrong state). The expectations come from DOMAIN.md's rules: an
 * inquiry is seen by its customer, its invited experts and staff; an order by its two parties and
 * staff; contact data, mailboxes and files by their owners; the back office by staff (settings,
 * fields, document types, roles, the audit log and sent e-mail by admins only). The visitors
 * (test/support/route-matrix.ts): anonymous; the customer who owns the inquiry, order or
 * application; another customer; an expert invited to every inquiry who never wins; an expert of
 * the field never invited; the expert who wins every order (invited too, with an offer in the
 * open inquiry); a moderator; an admin.
 *
 * Cost: every cell that reads or is refused runs against one world built once (every object in
 * every state), and the database's fingerprint (each table's rows hashed) must be the same after
 * it as before: a refused request changes nothing, and no page changes anything by being read.
 * A cell whose action is allowed changes the database, so it runs on a fresh database holding
 * only the scene it needs (visitors whose actions do not stand in each other's way share one per
 * cell), and the fingerprint must differ after it: the request did its work, so the
 * refusals of the same request to others prove something.
 *
 * The app runs as in production: in development (any NODE_ENV but production) /sent-emails is
 * open to everyone by design.
 */

// ---- the language of the matrix ----

/**
 * `page`: 200 HTML (showing the cell's `shows` text, if it has one); `blank`: 200 HTML without
 * it; `own`: 200 HTML, and the text is the visitor's own (their e-mail, their name), so whether
 * the page shows it does not matter; `ok`: 200 of any type (`shows` in the body); `file`: the
 * cell's file as an attachment; `stream`: the live unread count; `done`: the action took effect,
 * 303 to `location`; `sent`: the action took effect, 200 (a "check your e-mail" page and the
 * like); `redirect`: 303 to `location`, nothing changed; `login`: 303 to sign in (a GET comes
 * back to itself, a form to My menu); 400 / 403 / 404 / 409: refused.
 */
type Outcome = 'page' | 'blank' | 'own' | 'ok' | 'file' | 'stream' | 'done' | 'sent' | 'redirect' | 'login' | 400 | 403 | 404 | 409;
/** One outcome per visitor, in the order of `actors`: anonymous, owner, other, invited, uninvited, winner, moderator, admin. */
type Outcomes = readonly [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome];

/**
 * Who the route's guard lets through at all: anyone (`public`), anyone signed in (the object's
 * rules decide the rest), experts, staff (moderators and admins), admins.
 */
type Access = 'public' | 'signed-in' | 'expert' | 'staff' | 'admin';

type Cell = {
  /** The object's state, for the test's name ('' when the route acts on nothing in particular). */
  state: string;
  /** What the world must hold for this cell (the people always exist). */
  scene?: Scene | readonly Scene[];
  url: (w: World) => string;
  /** The form an allowed person would send (POST); the CSRF token is added. */
  form?: (w: World, t: TestApp, actor: Actor) => Record<string, string | string[]>;
  /** Text the page shows to those allowed to see it and never to those refused. */
  shows?: (w: World) => string;
  /** The bytes a `file` outcome downloads. */
  file?: (w: World) => Buffer;
  /** Where `done` and `redirect` go. */
  location?: (w: World) => string | RegExp;
  /** Even the allowed GET records something (a payment event): allowed visitors get a fresh world. */
  writes?: true;
  /**
   * The allowed visitors' actions do not stand in each other's way (each acts on their own
   * account, session or new inquiry, or adds to the object): they share one fresh world built for
   * this cell, each still having to change it. With `renew`, what one visitor used up (a
   * single-use link, an order once paid or disputed) is made anew before the next.
   */
  together?: true | { renew: RenewableScene };
  outcomes: Outcomes;
};

type Row = { access: Access; cells: readonly Cell[] };

const everyone = (o: Outcome): Outcomes => [o, o, o, o, o, o, o, o];
const signedIn = (o: Outcome): Outcomes => ['login', o, o, o, o, o, o, o];
const staffOnly = (o: Outcome): Outcomes => ['login', 403, 403, 403, 403, 403, o, o];
const adminOnly = (o: Outcome): Outcomes => ['login', 403, 403, 403, 403, 403, 403, o];
/** Sign-in and registration pages: shown to visitors, signed-in people go to My menu. */
const guestPage: Outcomes = ['page', 'redirect', 'redirect', 'redirect', 'redirect', 'redirect', 'redirect', 'redirect'];

// ---- what the cells act on ----

const open = (w: World) => w.open!;
const triage = (w: World) => w.triage!;
const order = (stage: OrderStage) => (w: World) => w.orders[stage]!;
const stageLabels: Record<OrderStage, string> = { awaiting: 'awaiting payment', inProgress: 'in progress', delivered: 'delivered', accepted: 'accepted', disputed: 'disputed' };
const inProgress = order('inProgress');
const apps = (w: World) => w.applications!;
const tokens = (w: World) => w.tokens!;
const accounts = (w: World) => w.accounts!;
const pathOf = (link: string) => new URL(link, 'http://konsult.test').pathname;
const tokenOf = (link: string) => new URL(link, 'http://konsult.test').searchParams.get('token') ?? '';

const newPassword = 'an entirely new and calm passphrase';
const offerForm = (price: string) => (_w: World, t: TestApp) => ({ price, deliveryDate: dayFromNow(t, 10), validUntil: dayFromNow(t, 5), note: 'Sisaldab kirjalikku vastust.' });
const fieldForm = { nameEt: 'Mereõigus', nameEn: 'Maritime law', descriptionEt: 'Laevad ja sadamad.', descriptionEn: 'Ships and ports.', isActive: 'on' };
const settingsForm = {
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

const inquiryPage = (id: number, anchor = '') => `/inquiries/${id}${anchor}`;
const orderPage = (id: number, anchor = '') => `/orders/${id}${anchor}`;

// ---- the matrix: every route of the app ----

// Outcomes in the order: anonymous, owner, other, invited, uninvited, winner, moderator, admin.
const matrix: Record<string, Row> = {
  // ---- public pages and probes ----
  'GET /': { access: 'public', cells: [{ state: '', url: () => '/', outcomes: everyone('page') }] },
  'GET /*': { access: 'public', cells: [{ state: 'a static file', url: () => '/static/app.css', outcomes: everyone('ok') }] },
  'GET /healthz': { access: 'public', cells: [{ state: '', url: () => '/healthz', shows: () => '"status":"ok"', outcomes: everyone('ok') }] },
  'GET /readyz': { access: 'public', cells: [{ state: '', url: () => '/readyz', shows: () => '"status":"ready"', outcomes: everyone('ok') }] },
  'GET /my': { access: 'signed-in', cells: [{ state: '', url: () => '/my', outcomes: signedIn('page') }] },
  'POST /language': {
    access: 'public',
    cells: [
      {
        state: '',
        together: true,
        url: () => '/language',
        form: () => ({ lang: 'en', returnTo: '/experts' }),
        location: () => '/experts',
        // A visitor's choice lives in a cookie; a signed-in person's is saved on the account too.
        outcomes: ['redirect', 'done', 'done', 'done', 'done', 'done', 'done', 'done'],
      },
    ],
  },

  // ---- accounts: registration, sign-in, single-use links ----
  'GET /register': { access: 'public', cells: [{ state: '', url: () => '/register', location: () => '/my', outcomes: guestPage }] },
  'POST /register': {
    access: 'public',
    cells: [
      {
        state: '',
        together: true,
        url: () => '/register',
        form: (_w, _t, actor) => ({ name: 'Rein Registreerija', email: `rein.${actor}@example.ee`, phone: '', password: newPassword, passwordRepeat: newPassword }),
        outcomes: everyone('sent'),
      },
    ],
  },
  'GET /verify-email': { access: 'public', cells: [{ state: 'a valid link', scene: 'tokens', url: (w) => tokens(w).verifyLink, outcomes: everyone('page') }] },
  'POST /verify-email': {
    access: 'public',
    cells: [{ state: 'a valid link', together: { renew: 'tokens' }, scene: 'tokens', url: (w) => pathOf(tokens(w).verifyLink), form: (w) => ({ token: tokenOf(tokens(w).verifyLink) }), outcomes: everyone('sent') }],
  },
  'GET /verify-email/resend': { access: 'public', cells: [{ state: '', url: () => '/verify-email/resend', outcomes: everyone('page') }] },
  'POST /verify-email/resend': {
    access: 'public',
    cells: [{ state: 'an unverified account', together: true, scene: 'tokens', url: () => '/verify-email/resend', form: (w) => ({ email: tokens(w).unverifiedEmail }), outcomes: everyone('sent') }],
  },
  'GET /login': { access: 'public', cells: [{ state: '', url: () => '/login', location: () => '/my', outcomes: guestPage }] },
  'POST /login': {
    access: 'public',
    cells: [
      {
        state: "the other customer's password",
        together: true,
        url: () => '/login',
        form: (w) => ({ email: w.people.other.email, password: w.people.other.password }),
        location: () => '/my',
        outcomes: everyone('done'),
      },
    ],
  },
  'POST /logout': {
    access: 'public',
    cells: [{ state: '', together: true, url: () => '/logout', form: () => ({}), location: () => '/', outcomes: ['redirect', 'done', 'done', 'done', 'done', 'done', 'done', 'done'] }],
  },
  'GET /password/forgot': { access: 'public', cells: [{ state: '', url: () => '/password/forgot', outcomes: everyone('page') }] },
  'POST /password/forgot': {
    access: 'public',
    cells: [{ state: 'a known address', together: true, url: () => '/password/forgot', form: (w) => ({ email: w.people.other.email }), outcomes: everyone('sent') }],
  },
  'GET /password/reset': { access: 'public', cells: [{ state: 'a valid link', scene: 'tokens', url: (w) => tokens(w).resetLink, outcomes: everyone('page') }] },
  'POST /password/reset': {
    access: 'public',
    cells: [
      {
        state: 'a valid link',
        together: { renew: 'tokens' },
        scene: 'tokens',
        url: (w) => pathOf(tokens(w).resetLink),
        form: (w) => ({ token: tokenOf(tokens(w).resetLink), password: newPassword, passwordRepeat: newPassword }),
        location: () => '/login',
        outcomes: everyone('done'),
      },
    ],
  },
  // The link in the e-mail proves control of the new address: no sign-in needed.
  'GET /account/email/confirm': {
    access: 'public',
    cells: [{ state: 'a valid link', scene: 'tokens', url: (w) => tokens(w).emailChangeLink, shows: (w) => tokens(w).newEmail, outcomes: everyone('page') }],
  },
  'POST /account/email/confirm': {
    access: 'public',
    cells: [
      {
        state: 'a valid link',
        together: { renew: 'tokens' },
        scene: 'tokens',
        url: (w) => pathOf(tokens(w).emailChangeLink),
        form: (w) => ({ token: tokenOf(tokens(w).emailChangeLink) }),
        location: () => '/account',
        outcomes: ['sent', 'done', 'done', 'done', 'done', 'done', 'done', 'done'],
      },
    ],
  },

  // ---- one's own account ----
  'GET /account': { access: 'signed-in', cells: [{ state: '', url: () => '/account', outcomes: signedIn('page') }] },
  'POST /account/profile': {
    access: 'signed-in',
    cells: [{ state: '', together: true, url: () => '/account/profile', form: () => ({ name: 'Uus Nimi', phone: '' }), location: () => '/account', outcomes: signedIn('done') }],
  },
  'GET /account/password': { access: 'signed-in', cells: [{ state: '', url: () => '/account/password', outcomes: signedIn('page') }] },
  'POST /account/password': {
    access: 'signed-in',
    cells: [
      {
        state: '',
        together: true,
        url: () => '/account/password',
        form: () => ({ currentPassword: defaultPassword, newPassword, newPasswordRepeat: newPassword }),
        location: () => '/account',
        outcomes: signedIn('done'),
      },
    ],
  },
  'GET /account/email': { access: 'signed-in', cells: [{ state: '', url: () => '/account/email', outcomes: signedIn('page') }] },
  'POST /account/email': {
    access: 'signed-in',
    cells: [{ state: '', together: true, url: () => '/account/email', form: () => ({ newEmail: 'uus.aadress@example.ee', currentPassword: defaultPassword }), outcomes: signedIn('sent') }],
  },
  'GET /account/data.json': { access: 'signed-in', cells: [{ state: '', url: () => '/account/data.json', outcomes: signedIn('ok') }] },
  'GET /account/delete': { access: 'signed-in', cells: [{ state: '', url: () => '/account/delete', outcomes: signedIn('page') }] },
  'POST /account/delete': {
    access: 'signed-in',
    cells: [
      {
        state: 'no obligations',
        together: true,
        url: () => '/account/delete',
        form: () => ({ currentPassword: defaultPassword }),
        // An admin's account is deleted only after another admin takes the role away.
        outcomes: ['login', 'sent', 'sent', 'sent', 'sent', 'sent', 'sent', 403],
      },
    ],
  },
  'GET /account/notifications': { access: 'signed-in', cells: [{ state: '', url: () => '/account/notifications', outcomes: signedIn('page') }] },
  'POST /account/notifications': {
    access: 'signed-in',
    cells: [{ state: '', together: true, url: () => '/account/notifications', form: () => ({}), location: () => '/account/notifications', outcomes: signedIn('done') }],
  },

  // ---- the mailbox: one's own notices and threads only (staff read order threads on the order page) ----
  'GET /mailbox': { access: 'signed-in', cells: [{ state: '', url: () => '/mailbox', outcomes: signedIn('page') }] },
  'GET /mailbox/unread-stream': { access: 'signed-in', cells: [{ state: '', url: () => '/mailbox/unread-stream', outcomes: signedIn('stream') }] },
  'GET /mailbox/notices/:id': {
    access: 'signed-in',
    cells: [
      {
        state: "the owner's notice",
        scene: 'open',
        url: (w) => `/mailbox/notices/${open(w).noticeId}`,
        shows: (w) => open(w).title,
        outcomes: ['login', 'page', 404, 404, 404, 404, 404, 404],
      },
    ],
  },
  'GET /mailbox/conversations/:id': {
    access: 'signed-in',
    cells: [
      {
        state: 'question thread, open',
        scene: 'open',
        url: (w) => `/mailbox/conversations/${open(w).conversationId}`,
        shows: (w) => open(w).question,
        outcomes: ['login', 'page', 404, 'page', 404, 404, 404, 404],
      },
      {
        state: 'order thread, in progress',
        scene: 'inProgress',
        url: (w) => `/mailbox/conversations/${inProgress(w).threadId}`,
        shows: (w) => inProgress(w).threadText!,
        outcomes: ['login', 'page', 404, 404, 404, 'page', 404, 404],
      },
      // Before payment an expert knows the customer only as "the customer"; once paid, by name.
      {
        state: "question thread, open, the customer's name",
        scene: 'open',
        url: (w) => `/mailbox/conversations/${open(w).conversationId}`,
        shows: (w) => w.people.owner.name,
        outcomes: ['login', 'own', 404, 'blank', 404, 404, 404, 404],
      },
      {
        state: "order thread, in progress, the customer's name",
        scene: 'inProgress',
        url: (w) => `/mailbox/conversations/${inProgress(w).threadId}`,
        shows: (w) => w.people.owner.name,
        outcomes: ['login', 'own', 404, 404, 404, 'page', 404, 404],
      },
    ],
  },
  'POST /mailbox/conversations/:id': {
    access: 'signed-in',
    cells: [
      {
        state: 'question thread, open',
        together: true,
        scene: 'open',
        url: (w) => `/mailbox/conversations/${open(w).conversationId}`,
        form: () => ({ body: 'Jah, leping oli kirjalik.' }),
        shows: (w) => open(w).question,
        location: (w) => `/mailbox/conversations/${open(w).conversationId}`,
        outcomes: ['login', 'done', 404, 'done', 404, 404, 404, 404],
      },
      {
        state: 'order thread, in progress',
        together: true,
        scene: 'inProgress',
        url: (w) => `/mailbox/conversations/${inProgress(w).threadId}`,
        form: () => ({ body: 'Sain lisa kätte.' }),
        shows: (w) => inProgress(w).threadText!,
        location: (w) => `/mailbox/conversations/${inProgress(w).threadId}`,
        outcomes: ['login', 'done', 404, 404, 404, 'done', 404, 404],
      },
    ],
  },
  'GET /files/:id': {
    access: 'signed-in',
    cells: [
      {
        state: 'attached to a question, open',
        scene: 'open',
        url: (w) => `/files/${open(w).questionFileId}`,
        file: (w) => open(w).questionFile,
        outcomes: ['login', 'file', 404, 'file', 404, 404, 404, 404],
      },
      {
        state: 'attached in an order thread, in progress',
        scene: 'inProgress',
        url: (w) => `/files/${inProgress(w).threadFileId}`,
        file: (w) => inProgress(w).threadFile!,
        outcomes: ['login', 'file', 404, 404, 404, 'file', 'file', 'file'],
      },
      // Only message attachments are served here: inquiry files and deliveries have addresses of their own, with their own rules.
      { state: "an inquiry's file", scene: 'open', url: (w) => `/files/${open(w).fileId}`, outcomes: ['login', 404, 404, 404, 404, 404, 404, 404] },
      { state: 'a delivered file', scene: 'inProgress', url: (w) => `/files/${inProgress(w).deliveryFileId}`, outcomes: ['login', 404, 404, 404, 404, 404, 404, 404] },
    ],
  },

  // ---- experts: the public directory and profiles; a profile is edited by its expert and admins ----
  'GET /experts': { access: 'public', cells: [{ state: '', url: () => '/experts', shows: (w) => w.people.winner.name, outcomes: everyone('page') }] },
  'GET /experts/:id': {
    access: 'public',
    cells: [
      { state: 'an expert', url: (w) => `/experts/${w.people.winner.id}`, shows: (w) => w.people.winner.name, outcomes: everyone('page') },
      { state: 'a customer, no profile', url: (w) => `/experts/${w.people.owner.id}`, shows: (w) => w.people.owner.name, outcomes: everyone(404) },
    ],
  },
  'GET /experts/:id/photo': {
    access: 'public',
    cells: [{ state: "the winning expert's", scene: 'photo', url: (w) => `/experts/${w.people.winner.id}/photo`, file: (w) => w.winnerPhoto!, outcomes: everyone('file') }],
  },
  'GET /experts/:id/edit': {
    access: 'signed-in',
    cells: [
      {
        state: "the winning expert's profile",
        url: (w) => `/experts/${w.people.winner.id}/edit`,
        shows: () => 'name="bio"',
        outcomes: ['login', 403, 403, 403, 403, 'page', 403, 'page'],
      },
    ],
  },
  'POST /experts/:id/edit': {
    access: 'signed-in',
    cells: [
      {
        state: "the winning expert's profile",
        together: true,
        url: (w) => `/experts/${w.people.winner.id}/edit`,
        form: (w) => ({ qualifications: 'Doktorikraad.', bio: 'Uus tutvustus.', languages: ['et', 'en'], fieldIds: [String(w.fieldId)], priceLevel: '3' }),
        location: (w) => `/experts/${w.people.winner.id}/edit`,
        outcomes: ['login', 403, 403, 403, 403, 'done', 403, 'done'],
      },
    ],
  },
  'POST /experts/:id/leave': {
    access: 'signed-in',
    cells: [
      {
        state: "the winning expert's profile",
        url: (w) => `/experts/${w.people.winner.id}/leave`,
        form: () => ({ isOnLeave: 'on', returnDate: '' }),
        location: (w) => `/experts/${w.people.winner.id}/edit`,
        outcomes: ['login', 403, 403, 403, 403, 'done', 403, 'done'],
      },
    ],
  },

  // ---- becoming an expert: one's own application; staff review ----
  'GET /become-expert': { access: 'public', cells: [{ state: '', url: () => '/become-expert', outcomes: everyone('page') }] },
  'POST /become-expert': {
    access: 'signed-in',
    cells: [
      {
        state: 'the owner has an open application',
        together: true,
        scene: 'applications',
        url: () => '/become-expert',
        form: (w) => personApplication([w.fieldId], { fullName: 'Uus Taotleja', personalIdCode: validIdCodes[2] }),
        location: () => '/become-expert',
        // One open application per person; an expert edits their profile instead.
        outcomes: ['login', 409, 'done', 409, 409, 409, 'done', 'done'],
      },
    ],
  },
  'POST /become-expert/:id/resubmit': {
    access: 'signed-in',
    cells: [
      {
        state: 'needs more information',
        scene: 'applications',
        url: (w) => `/become-expert/${apps(w).needsInfoId}/resubmit`,
        form: (w) => personApplication([w.fieldId], { fullName: w.people.owner.name, personalIdCode: validIdCodes[0] }),
        location: () => '/become-expert',
        outcomes: ['login', 'done', 404, 404, 404, 404, 404, 404],
      },
      {
        state: 'withdrawn',
        scene: 'applications',
        url: (w) => `/become-expert/${apps(w).withdrawnId}/resubmit`,
        form: (w) => personApplication([w.fieldId], { fullName: w.people.owner.name, personalIdCode: validIdCodes[0] }),
        outcomes: ['login', 409, 404, 404, 404, 404, 404, 404],
      },
    ],
  },
  'POST /become-expert/:id/withdraw': {
    access: 'signed-in',
    cells: [
      {
        state: 'needs more information',
        scene: 'applications',
        url: (w) => `/become-expert/${apps(w).needsInfoId}/withdraw`,
        form: () => ({}),
        location: () => '/become-expert',
        outcomes: ['login', 'done', 404, 404, 404, 404, 404, 404],
      },
      { state: 'withdrawn', scene: 'applications', url: (w) => `/become-expert/${apps(w).withdrawnId}/withdraw`, form: () => ({}), outcomes: ['login', 409, 404, 404, 404, 404, 404, 404] },
    ],
  },
  'GET /expert-applications/:id/photo': {
    access: 'signed-in',
    cells: [
      {
        state: "the owner's application",
        scene: 'applications',
        url: (w) => `/expert-applications/${apps(w).needsInfoId}/photo`,
        file: (w) => apps(w).photo,
        outcomes: ['login', 'file', 404, 404, 404, 404, 'file', 'file'],
      },
    ],
  },
  'GET /admin/expert-applications': {
    access: 'staff',
    cells: [{ state: 'one waiting', scene: 'applications', url: () => '/admin/expert-applications', shows: (w) => apps(w).applicantName, outcomes: staffOnly('page') }],
  },
  'GET /admin/expert-applications/:id': {
    access: 'staff',
    cells: [
      { state: 'submitted', scene: 'applications', url: (w) => `/admin/expert-applications/${apps(w).submittedId}`, shows: (w) => apps(w).applicantName, outcomes: staffOnly('page') },
    ],
  },
  'POST /admin/expert-applications/:id/decision': {
    access: 'staff',
    cells: [
      {
        state: 'submitted',
        scene: 'applications',
        url: (w) => `/admin/expert-applications/${apps(w).submittedId}/decision`,
        form: () => ({ event: 'approve', note: '' }),
        location: (w) => `/admin/expert-applications/${apps(w).submittedId}`,
        outcomes: staffOnly('done'),
      },
      {
        state: 'withdrawn',
        scene: 'applications',
        url: (w) => `/admin/expert-applications/${apps(w).withdrawnId}/decision`,
        form: () => ({ event: 'approve', note: '' }),
        outcomes: staffOnly(409),
      },
    ],
  },

  // ---- inquiries: seen by the customer, invited experts and staff; anyone else is told they do not exist ----
  'GET /order/consultation': { access: 'public', cells: [{ state: '', url: () => '/order/consultation', outcomes: everyone('page') }] },
  'GET /order/document': { access: 'public', cells: [{ state: '', url: () => '/order/document', outcomes: everyone('page') }] },
  'GET /inquiries/new': { access: 'signed-in', cells: [{ state: '', url: (w) => `/inquiries/new?kind=consultation&field=${w.fieldId}`, outcomes: signedIn('page') }] },
  'POST /inquiries': {
    access: 'signed-in',
    cells: [
      {
        state: 'a general inquiry',
        together: true,
        url: () => '/inquiries',
        form: (_w, t) => ({ kind: 'consultation', title: 'Uus küsimus', description: 'Kirjeldus.', deadline: dayFromNow(t, 5), wishedBy: '', language: 'et' }),
        location: () => /^\/inquiries\/\d+$/,
        outcomes: signedIn('done'),
      },
    ],
  },
  'GET /inquiries': {
    access: 'signed-in',
    cells: [{ state: "the owner's inquiries", scene: 'open', url: () => '/inquiries', shows: (w) => open(w).title, outcomes: ['login', 'page', 'blank', 'blank', 'blank', 'blank', 'blank', 'blank'] }],
  },
  'GET /inquiries/:id': {
    access: 'signed-in',
    cells: [
      { state: 'general, in triage', scene: 'triage', url: (w) => inquiryPage(triage(w).inquiryId), shows: (w) => triage(w).title, outcomes: ['login', 'page', 404, 404, 404, 404, 'page', 'page'] },
      { state: 'open', scene: 'open', url: (w) => inquiryPage(open(w).inquiryId), shows: (w) => open(w).title, outcomes: ['login', 'page', 404, 'page', 404, 'page', 'page', 'page'] },
      // An expert sees only their own invitation, questions and offer, never the others'.
      {
        state: "open, the winning expert's offer",
        scene: 'open',
        url: (w) => inquiryPage(open(w).inquiryId),
        shows: (w) => open(w).offerNote,
        outcomes: ['login', 'page', 404, 'blank', 404, 'page', 'page', 'page'],
      },
      {
        state: "open, the invited expert's question",
        scene: 'open',
        url: (w) => inquiryPage(open(w).inquiryId),
        shows: (w) => open(w).question,
        // Staff read an inquiry's offers, not its question threads (those live in the two people's mailboxes).
        outcomes: ['login', 'page', 404, 'page', 404, 'blank', 'blank', 'blank'],
      },
      { state: 'ordered', scene: 'inProgress', url: (w) => inquiryPage(inProgress(w).inquiryId), shows: (w) => inProgress(w).title, outcomes: ['login', 'page', 404, 'page', 404, 'page', 'page', 'page'] },
    ],
  },
  'GET /inquiries/:id/files/:fileId': {
    access: 'signed-in',
    cells: [
      {
        state: 'its file, open',
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/files/${open(w).fileId}`,
        file: (w) => open(w).file,
        outcomes: ['login', 'file', 404, 'file', 404, 'file', 'file', 'file'],
      },
      {
        state: "another inquiry's file",
        scene: ['open', 'triage'],
        url: (w) => `/inquiries/${open(w).inquiryId}/files/${triage(w).fileId}`,
        outcomes: ['login', 404, 404, 404, 404, 404, 404, 404],
      },
      { state: "a question's attachment", scene: 'open', url: (w) => `/inquiries/${open(w).inquiryId}/files/${open(w).questionFileId}`, outcomes: ['login', 404, 404, 404, 404, 404, 404, 404] },
    ],
  },
  // The customer's own actions: staff may read the inquiry but do not act as its customer.
  'POST /inquiries/:id/cancel': {
    access: 'signed-in',
    cells: [
      {
        state: 'open',
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/cancel`,
        form: () => ({}),
        shows: (w) => open(w).title,
        location: (w) => inquiryPage(open(w).inquiryId),
        outcomes: ['login', 'done', 404, 404, 404, 404, 404, 404],
      },
      { state: 'ordered', scene: 'inProgress', url: (w) => `/inquiries/${inProgress(w).inquiryId}/cancel`, form: () => ({}), shows: (w) => inProgress(w).title, outcomes: ['login', 409, 404, 404, 404, 404, 404, 404] },
    ],
  },
  'POST /inquiries/:id/deadline': {
    access: 'signed-in',
    cells: [
      {
        state: 'open',
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/deadline`,
        form: (_w, t) => ({ deadline: dayFromNow(t, 10) }),
        shows: (w) => open(w).title,
        location: (w) => inquiryPage(open(w).inquiryId),
        outcomes: ['login', 'done', 404, 404, 404, 404, 404, 404],
      },
      {
        state: 'ordered',
        scene: 'inProgress',
        url: (w) => `/inquiries/${inProgress(w).inquiryId}/deadline`,
        form: (_w, t) => ({ deadline: dayFromNow(t, 10) }),
        shows: (w) => inProgress(w).title,
        outcomes: ['login', 409, 404, 404, 404, 404, 404, 404],
      },
    ],
  },
  'POST /inquiries/:id/answers/:invitationId': {
    access: 'signed-in',
    cells: [
      {
        state: "the invited expert's question, open",
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/answers/${open(w).invitationId}`,
        form: () => ({ body: 'Jah, kirjalik ja tähtajatu.' }),
        shows: (w) => open(w).title,
        location: (w) => inquiryPage(open(w).inquiryId),
        outcomes: ['login', 'done', 404, 404, 404, 404, 404, 404],
      },
      {
        state: 'an invitation of another inquiry',
        scene: ['open', 'inProgress'],
        url: (w) => `/inquiries/${open(w).inquiryId}/answers/${inProgress(w).winnerInvitationId}`,
        form: () => ({ body: 'Vastus.' }),
        outcomes: ['login', 404, 404, 404, 404, 404, 404, 404],
      },
      {
        state: "the winning expert's thread, ordered",
        scene: 'inProgress',
        url: (w) => `/inquiries/${inProgress(w).inquiryId}/answers/${inProgress(w).winnerInvitationId}`,
        form: () => ({ body: 'Vastus.' }),
        shows: (w) => inProgress(w).title,
        outcomes: ['login', 409, 404, 404, 404, 404, 404, 404],
      },
    ],
  },
  // An invited expert's own actions: the customer, outsiders and staff are told there is nothing to act on.
  'POST /inquiries/:id/questions': {
    access: 'signed-in',
    cells: [
      {
        state: 'open',
        together: true,
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/questions`,
        form: () => ({ body: 'Kas teil on üleandmise akt?' }),
        shows: (w) => open(w).title,
        location: (w) => inquiryPage(open(w).inquiryId, '#questions'),
        outcomes: ['login', 404, 404, 'done', 404, 'done', 404, 404],
      },
      {
        state: 'ordered',
        scene: 'inProgress',
        url: (w) => `/inquiries/${inProgress(w).inquiryId}/questions`,
        form: () => ({ body: 'Veel üks küsimus?' }),
        shows: (w) => inProgress(w).title,
        outcomes: ['login', 404, 404, 409, 404, 409, 404, 404],
      },
    ],
  },
  'POST /inquiries/:id/offer': {
    access: 'signed-in',
    cells: [
      {
        state: 'open',
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/offer`,
        form: offerForm('120,50'),
        shows: (w) => open(w).title,
        location: (w) => inquiryPage(open(w).inquiryId, '#offer'),
        // The winning expert has offered already: they change that offer instead.
        outcomes: ['login', 404, 404, 'done', 404, 409, 404, 404],
      },
      { state: 'ordered', scene: 'inProgress', url: (w) => `/inquiries/${inProgress(w).inquiryId}/offer`, form: offerForm('120,50'), shows: (w) => inProgress(w).title, outcomes: ['login', 404, 404, 409, 404, 409, 404, 404] },
    ],
  },
  'POST /inquiries/:id/offer/change': {
    access: 'signed-in',
    cells: [
      {
        state: 'open',
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/offer/change`,
        form: offerForm('150'),
        shows: (w) => open(w).title,
        location: (w) => inquiryPage(open(w).inquiryId, '#offer'),
        // The invited expert has no offer to change.
        outcomes: ['login', 404, 404, 409, 404, 'done', 404, 404],
      },
      { state: 'ordered', scene: 'inProgress', url: (w) => `/inquiries/${inProgress(w).inquiryId}/offer/change`, form: offerForm('150'), shows: (w) => inProgress(w).title, outcomes: ['login', 404, 404, 409, 404, 409, 404, 404] },
    ],
  },
  'POST /inquiries/:id/offer/withdraw': {
    access: 'signed-in',
    cells: [
      {
        state: 'open',
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/offer/withdraw`,
        form: () => ({}),
        shows: (w) => open(w).title,
        location: (w) => inquiryPage(open(w).inquiryId, '#offer'),
        outcomes: ['login', 404, 404, 409, 404, 'done', 404, 404],
      },
      { state: 'ordered', scene: 'inProgress', url: (w) => `/inquiries/${inProgress(w).inquiryId}/offer/withdraw`, form: () => ({}), shows: (w) => inProgress(w).title, outcomes: ['login', 404, 404, 409, 404, 409, 404, 404] },
    ],
  },
  'POST /inquiries/:id/decline': {
    access: 'signed-in',
    cells: [
      {
        state: 'open',
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/decline`,
        form: () => ({ reason: 'tooBusy', declineNote: '' }),
        shows: (w) => open(w).title,
        location: (w) => inquiryPage(open(w).inquiryId),
        // Having offered, the winning expert withdraws the offer rather than declines.
        outcomes: ['login', 404, 404, 'done', 404, 409, 404, 404],
      },
      {
        state: 'ordered',
        scene: 'inProgress',
        url: (w) => `/inquiries/${inProgress(w).inquiryId}/decline`,
        form: () => ({ reason: 'tooBusy', declineNote: '' }),
        shows: (w) => inProgress(w).title,
        outcomes: ['login', 404, 404, 409, 404, 409, 404, 404],
      },
    ],
  },
  'POST /inquiries/:id/order': {
    access: 'signed-in',
    cells: [
      {
        state: 'open',
        scene: 'open',
        url: (w) => `/inquiries/${open(w).inquiryId}/order`,
        form: (w) => ({ offerId: String(open(w).winnerOfferId) }),
        shows: (w) => open(w).title,
        location: () => /^http:\/\/konsult\.test\/sandbox\/pay\/[0-9a-f-]{36}$/,
        outcomes: ['login', 'done', 404, 404, 404, 404, 404, 404],
      },
      {
        state: 'ordered',
        scene: 'inProgress',
        url: (w) => `/inquiries/${inProgress(w).inquiryId}/order`,
        form: (w) => ({ offerId: String(inProgress(w).winnerOfferId) }),
        shows: (w) => inProgress(w).title,
        outcomes: ['login', 409, 404, 404, 404, 404, 404, 404],
      },
    ],
  },
  'GET /e-consultations': {
    access: 'expert',
    cells: [{ state: 'the open inquiry', scene: 'open', url: () => '/e-consultations', shows: (w) => open(w).title, outcomes: ['login', 403, 403, 'page', 'blank', 'page', 403, 403] }],
  },
  'GET /admin/triage': {
    access: 'staff',
    cells: [{ state: 'one waiting', scene: 'triage', url: () => '/admin/triage', shows: (w) => triage(w).title, outcomes: staffOnly('page') }],
  },
  'POST /admin/triage/:id/assign': {
    access: 'staff',
    cells: [
      {
        state: 'general, in triage',
        together: { renew: 'triage' },
        scene: 'triage',
        url: (w) => `/admin/triage/${triage(w).inquiryId}/assign`,
        form: (w) => ({ fieldId: String(w.fieldId) }),
        shows: (w) => triage(w).title,
        location: (w) => inquiryPage(triage(w).inquiryId),
        outcomes: staffOnly('done'),
      },
      { state: 'open', scene: 'open', url: (w) => `/admin/triage/${open(w).inquiryId}/assign`, form: (w) => ({ fieldId: String(w.fieldId) }), shows: (w) => open(w).title, outcomes: staffOnly(409) },
    ],
  },
  'POST /admin/triage/:id/reject': {
    access: 'staff',
    cells: [
      {
        state: 'general, in triage',
        together: { renew: 'triage' },
        scene: 'triage',
        url: (w) => `/admin/triage/${triage(w).inquiryId}/reject`,
        form: () => ({ message: 'See ei ole portaali teema.' }),
        shows: (w) => triage(w).title,
        location: (w) => inquiryPage(triage(w).inquiryId),
        outcomes: staffOnly('done'),
      },
      { state: 'open', scene: 'open', url: (w) => `/admin/triage/${open(w).inquiryId}/reject`, form: () => ({ message: 'See ei ole portaali teema.' }), shows: (w) => open(w).title, outcomes: staffOnly(409) },
    ],
  },

  // ---- orders: seen by their two parties and staff; each step belongs to one party (the other gets 403, outsiders 404) ----
  'GET /orders': {
    access: 'signed-in',
    cells: [{ state: 'in progress', scene: 'inProgress', url: () => '/orders', shows: (w) => inProgress(w).title, outcomes: ['login', 'page', 'blank', 'blank', 'blank', 'page', 'blank', 'blank'] }],
  },
  'GET /orders/:id': {
    access: 'signed-in',
    cells: [
      ...orderStages.map(
        (stage): Cell => ({
          state: stageLabels[stage],
          scene: stage,
          url: (w) => orderPage(order(stage)(w).orderId),
          shows: (w) => order(stage)(w).title,
          outcomes: ['login', 'page', 404, 404, 404, 'page', 'page', 'page'],
        }),
      ),
      // Contact data: the customer and the winning expert see each other's once the order is paid (staff see both then).
      {
        state: "awaiting payment, the customer's e-mail",
        scene: 'awaiting',
        url: (w) => orderPage(order('awaiting')(w).orderId),
        shows: (w) => w.people.owner.email,
        outcomes: ['login', 'own', 404, 404, 404, 'blank', 'blank', 'blank'],
      },
      {
        state: "awaiting payment, the expert's e-mail",
        scene: 'awaiting',
        url: (w) => orderPage(order('awaiting')(w).orderId),
        shows: (w) => w.people.winner.email,
        outcomes: ['login', 'blank', 404, 404, 404, 'own', 'blank', 'blank'],
      },
      {
        state: "in progress, the customer's e-mail",
        scene: 'inProgress',
        url: (w) => orderPage(inProgress(w).orderId),
        shows: (w) => w.people.owner.email,
        outcomes: ['login', 'own', 404, 404, 404, 'page', 'page', 'page'],
      },
      {
        state: "in progress, the expert's e-mail",
        scene: 'inProgress',
        url: (w) => orderPage(inProgress(w).orderId),
        shows: (w) => w.people.winner.email,
        outcomes: ['login', 'page', 404, 404, 404, 'own', 'page', 'page'],
      },
    ],
  },
  'POST /orders/:id/cancel': {
    access: 'signed-in',
    cells: [
      {
        state: 'awaiting payment',
        scene: 'awaiting',
        url: (w) => `/orders/${order('awaiting')(w).orderId}/cancel`,
        form: () => ({}),
        shows: (w) => order('awaiting')(w).title,
        location: (w) => orderPage(order('awaiting')(w).orderId),
        outcomes: ['login', 'done', 404, 404, 404, 404, 404, 404],
      },
      { state: 'in progress', scene: 'inProgress', url: (w) => `/orders/${inProgress(w).orderId}/cancel`, form: () => ({}), shows: (w) => inProgress(w).title, outcomes: ['login', 409, 404, 404, 404, 404, 404, 404] },
    ],
  },
  'POST /orders/:id/deliveries': {
    access: 'signed-in',
    cells: [
      {
        state: 'in progress',
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/deliveries`,
        form: () => ({ body: 'Teine osa tööst.' }),
        shows: (w) => inProgress(w).title,
        location: (w) => orderPage(inProgress(w).orderId, '#deliveries'),
        outcomes: ['login', 403, 404, 404, 404, 'done', 403, 403],
      },
      {
        state: 'delivered',
        scene: 'delivered',
        url: (w) => `/orders/${order('delivered')(w).orderId}/deliveries`,
        form: () => ({ body: 'Veel üks osa.' }),
        shows: (w) => order('delivered')(w).title,
        outcomes: ['login', 403, 404, 404, 404, 409, 403, 403],
      },
    ],
  },
  'POST /orders/:id/done': {
    access: 'signed-in',
    cells: [
      {
        state: 'in progress',
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/done`,
        form: () => ({}),
        shows: (w) => inProgress(w).title,
        location: (w) => orderPage(inProgress(w).orderId),
        outcomes: ['login', 403, 404, 404, 404, 'done', 403, 403],
      },
      {
        state: 'delivered',
        scene: 'delivered',
        url: (w) => `/orders/${order('delivered')(w).orderId}/done`,
        form: () => ({}),
        shows: (w) => order('delivered')(w).title,
        outcomes: ['login', 403, 404, 404, 404, 409, 403, 403],
      },
    ],
  },
  'POST /orders/:id/accept': {
    access: 'signed-in',
    cells: [
      {
        state: 'delivered',
        scene: 'delivered',
        url: (w) => `/orders/${order('delivered')(w).orderId}/accept`,
        form: () => ({}),
        shows: (w) => order('delivered')(w).title,
        location: (w) => orderPage(order('delivered')(w).orderId),
        outcomes: ['login', 'done', 404, 404, 404, 403, 403, 403],
      },
      { state: 'in progress', scene: 'inProgress', url: (w) => `/orders/${inProgress(w).orderId}/accept`, form: () => ({}), shows: (w) => inProgress(w).title, outcomes: ['login', 409, 404, 404, 404, 403, 403, 403] },
    ],
  },
  'POST /orders/:id/changes': {
    access: 'signed-in',
    cells: [
      {
        state: 'delivered',
        scene: 'delivered',
        url: (w) => `/orders/${order('delivered')(w).orderId}/changes`,
        form: () => ({ message: 'Palun täiendage.' }),
        shows: (w) => order('delivered')(w).title,
        location: (w) => orderPage(order('delivered')(w).orderId),
        outcomes: ['login', 'done', 404, 404, 404, 403, 403, 403],
      },
      {
        state: 'in progress',
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/changes`,
        form: () => ({ message: 'Palun täiendage.' }),
        shows: (w) => inProgress(w).title,
        outcomes: ['login', 409, 404, 404, 404, 403, 403, 403],
      },
    ],
  },
  'POST /orders/:id/messages': {
    access: 'signed-in',
    cells: [
      {
        state: 'in progress',
        together: true,
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/messages`,
        form: () => ({ body: 'Sõnum tellimuse kohta.' }),
        shows: (w) => inProgress(w).title,
        location: (w) => orderPage(inProgress(w).orderId, '#thread'),
        outcomes: ['login', 'done', 404, 404, 404, 'done', 403, 403],
      },
      {
        state: 'awaiting payment',
        scene: 'awaiting',
        url: (w) => `/orders/${order('awaiting')(w).orderId}/messages`,
        form: () => ({ body: 'Sõnum enne makset.' }),
        shows: (w) => order('awaiting')(w).title,
        outcomes: ['login', 409, 404, 404, 404, 409, 403, 403],
      },
    ],
  },
  'POST /orders/:id/rating': {
    access: 'signed-in',
    cells: [
      {
        state: 'accepted',
        scene: 'accepted',
        url: (w) => `/orders/${order('accepted')(w).orderId}/rating`,
        form: () => ({ stars: '5', comment: 'Väga hea.' }),
        shows: (w) => order('accepted')(w).title,
        location: (w) => orderPage(order('accepted')(w).orderId, '#rating'),
        outcomes: ['login', 'done', 404, 404, 404, 403, 403, 403],
      },
      {
        state: 'delivered',
        scene: 'delivered',
        url: (w) => `/orders/${order('delivered')(w).orderId}/rating`,
        form: () => ({ stars: '5', comment: 'Väga hea.' }),
        shows: (w) => order('delivered')(w).title,
        outcomes: ['login', 409, 404, 404, 404, 403, 403, 403],
      },
    ],
  },
  'POST /orders/:id/reply': {
    access: 'signed-in',
    cells: [
      {
        state: 'accepted and rated',
        scene: 'accepted',
        url: (w) => `/orders/${order('accepted')(w).orderId}/reply`,
        form: () => ({ reply: 'Aitäh!' }),
        shows: (w) => order('accepted')(w).title,
        location: (w) => orderPage(order('accepted')(w).orderId, '#rating'),
        outcomes: ['login', 403, 404, 404, 404, 'done', 403, 403],
      },
      {
        state: 'delivered, not rated',
        scene: 'delivered',
        url: (w) => `/orders/${order('delivered')(w).orderId}/reply`,
        form: () => ({ reply: 'Aitäh!' }),
        shows: (w) => order('delivered')(w).title,
        outcomes: ['login', 403, 404, 404, 404, 409, 403, 403],
      },
    ],
  },
  'POST /orders/:id/dispute': {
    access: 'signed-in',
    cells: [
      {
        state: 'in progress',
        together: { renew: 'inProgress' },
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/dispute`,
        form: () => ({ reason: 'Me ei jõua kokkuleppele.' }),
        shows: (w) => inProgress(w).title,
        location: (w) => orderPage(inProgress(w).orderId),
        outcomes: ['login', 'done', 404, 404, 404, 'done', 403, 403],
      },
      {
        state: 'accepted',
        scene: 'accepted',
        url: (w) => `/orders/${order('accepted')(w).orderId}/dispute`,
        form: () => ({ reason: 'Liiga hilja.' }),
        shows: (w) => order('accepted')(w).title,
        outcomes: ['login', 409, 404, 404, 404, 409, 403, 403],
      },
    ],
  },
  // Staff resolve disputes; the parties may not (not even a party who is staff).
  'POST /orders/:id/resolve': {
    access: 'signed-in',
    cells: [
      {
        state: 'disputed',
        together: { renew: 'disputed' },
        scene: 'disputed',
        url: (w) => `/orders/${order('disputed')(w).orderId}/resolve`,
        form: () => ({ resolution: 'release', refund: '', note: 'Töö on tehtud.' }),
        shows: (w) => order('disputed')(w).title,
        location: (w) => orderPage(order('disputed')(w).orderId),
        outcomes: ['login', 403, 404, 404, 404, 403, 'done', 'done'],
      },
      {
        state: 'in progress',
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/resolve`,
        form: () => ({ resolution: 'release', refund: '', note: 'Töö on tehtud.' }),
        shows: (w) => inProgress(w).title,
        outcomes: ['login', 403, 404, 404, 404, 403, 409, 409],
      },
    ],
  },
  'POST /orders/:id/refunds': {
    access: 'staff',
    cells: [
      {
        state: 'in progress',
        together: true,
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/refunds`,
        form: () => ({ amount: '12,50', reason: 'Osaline tagastus kokkuleppel.' }),
        shows: (w) => inProgress(w).title,
        location: (w) => orderPage(inProgress(w).orderId),
        outcomes: staffOnly('done'),
      },
      {
        state: 'awaiting payment',
        scene: 'awaiting',
        url: (w) => `/orders/${order('awaiting')(w).orderId}/refunds`,
        form: () => ({ amount: '12,50', reason: 'Osaline tagastus kokkuleppel.' }),
        shows: (w) => order('awaiting')(w).title,
        outcomes: staffOnly(409),
      },
    ],
  },
  'GET /orders/:id/files/:fileId': {
    access: 'signed-in',
    cells: [
      {
        state: 'its delivery, in progress',
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/files/${inProgress(w).deliveryFileId}`,
        file: (w) => inProgress(w).deliveryFile!,
        outcomes: ['login', 'file', 404, 404, 404, 'file', 'file', 'file'],
      },
      {
        state: "another order's delivery",
        scene: ['inProgress', 'delivered'],
        url: (w) => `/orders/${inProgress(w).orderId}/files/${order('delivered')(w).deliveryFileId}`,
        outcomes: ['login', 404, 404, 404, 404, 404, 404, 404],
      },
      {
        state: 'a thread attachment, not a delivery',
        scene: 'inProgress',
        url: (w) => `/orders/${inProgress(w).orderId}/files/${inProgress(w).threadFileId}`,
        outcomes: ['login', 404, 404, 404, 404, 404, 404, 404],
      },
    ],
  },

  // ---- payment: the provider's pages and callbacks ----
  // The embedded sandbox stands in for the provider's hosted page: whoever has its address may pay.
  'GET /sandbox/pay/:ref': {
    access: 'public',
    cells: [{ state: 'awaiting payment', scene: 'awaiting', url: (w) => order('awaiting')(w).paymentPage, shows: (w) => `KONSULT-${order('awaiting')(w).orderId}`, outcomes: everyone('page') }],
  },
  'POST /sandbox/pay/:ref': {
    access: 'public',
    cells: [
      {
        state: 'awaiting payment',
        together: { renew: 'awaiting' },
        scene: 'awaiting',
        url: (w) => order('awaiting')(w).paymentPage,
        form: () => ({ action: 'pay' }),
        location: () => /^http:\/\/konsult\.test\/payments\/return\/sandbox\?order-token=[\w.%-]+$/,
        outcomes: everyone('done'),
      },
    ],
  },
  // Server to server, signed by the provider: an untrusted token is refused whoever sends it.
  'POST /payments/notify/:provider': {
    access: 'public',
    cells: [{ state: 'an untrusted token', url: () => '/payments/notify/sandbox', form: () => ({ orderToken: 'not.a.token' }), outcomes: everyone(400) }],
  },
  // The token says which payment; the status comes from the provider; the order page then decides who sees what.
  'GET /payments/return/:provider': {
    access: 'signed-in',
    cells: [
      {
        state: 'paid',
        together: true,
        scene: 'inProgress',
        url: (w) => inProgress(w).returnUrl!,
        location: (w) => orderPage(inProgress(w).orderId),
        writes: true,
        outcomes: signedIn('redirect'),
      },
    ],
  },

  // ---- the back office ----
  'GET /admin': { access: 'staff', cells: [{ state: '', url: () => '/admin', outcomes: staffOnly('page') }] },
  'GET /admin/users': {
    access: 'staff',
    cells: [{ state: 'a search', scene: 'accounts', url: () => '/admin/users?q=Siiri', shows: (w) => accounts(w).customerEmail, outcomes: staffOnly('page') }],
  },
  'GET /admin/users/:id': {
    access: 'staff',
    cells: [{ state: 'a customer', scene: 'accounts', url: (w) => `/admin/users/${accounts(w).customerId}`, shows: (w) => accounts(w).customerEmail, outcomes: staffOnly('page') }],
  },
  'POST /admin/users/:id/block': {
    access: 'staff',
    cells: [
      {
        state: 'a customer',
        together: { renew: 'accounts' },
        scene: 'accounts',
        url: (w) => `/admin/users/${accounts(w).customerId}/block`,
        form: () => ({ reason: 'Saadab rämpsposti.' }),
        shows: (w) => accounts(w).customerEmail,
        location: (w) => `/admin/users/${accounts(w).customerId}`,
        outcomes: staffOnly('done'),
      },
      {
        state: 'a staff member',
        scene: 'accounts',
        url: (w) => `/admin/users/${accounts(w).staffId}/block`,
        form: () => ({ reason: 'Saadab rämpsposti.' }),
        location: (w) => `/admin/users/${accounts(w).staffId}`,
        // Only admins act on staff accounts.
        outcomes: ['login', 403, 403, 403, 403, 403, 403, 'done'],
      },
    ],
  },
  'POST /admin/users/:id/unblock': {
    access: 'staff',
    cells: [
      {
        state: 'a blocked customer',
        together: { renew: 'accounts' },
        scene: 'accounts',
        url: (w) => `/admin/users/${accounts(w).blockedId}/unblock`,
        form: () => ({}),
        location: (w) => `/admin/users/${accounts(w).blockedId}`,
        outcomes: staffOnly('done'),
      },
    ],
  },
  'POST /admin/users/:id/roles': {
    access: 'admin',
    cells: [
      {
        state: 'a customer',
        scene: 'accounts',
        url: (w) => `/admin/users/${accounts(w).customerId}/roles`,
        form: () => ({ role: 'moderator', grant: 'yes' }),
        shows: (w) => accounts(w).customerEmail,
        location: (w) => `/admin/users/${accounts(w).customerId}`,
        outcomes: adminOnly('done'),
      },
    ],
  },
  'GET /admin/settings': { access: 'admin', cells: [{ state: '', url: () => '/admin/settings', shows: () => 'name="portalFeePercent"', outcomes: adminOnly('page') }] },
  'POST /admin/settings': { access: 'admin', cells: [{ state: '', url: () => '/admin/settings', form: () => settingsForm, location: () => '/admin/settings', outcomes: adminOnly('done') }] },
  'GET /admin/audit': { access: 'admin', cells: [{ state: '', url: () => '/admin/audit', outcomes: adminOnly('page') }] },
  'GET /admin/orders': { access: 'staff', cells: [{ state: '', url: () => '/admin/orders', outcomes: staffOnly('page') }] },
  'GET /admin/ledger': { access: 'staff', cells: [{ state: '', url: () => '/admin/ledger', outcomes: staffOnly('page') }] },
  'GET /admin/fields': { access: 'admin', cells: [{ state: '', url: () => '/admin/fields', outcomes: adminOnly('page') }] },
  'POST /admin/fields': { access: 'admin', cells: [{ state: '', url: () => '/admin/fields', form: () => fieldForm, location: () => '/admin/fields', outcomes: adminOnly('done') }] },
  'GET /admin/fields/:id': {
    access: 'admin',
    cells: [{ state: 'an unused field', url: (w) => `/admin/fields/${w.spareFieldId}`, shows: () => 'Varuvaldkond', outcomes: adminOnly('page') }],
  },
  'POST /admin/fields/:id': {
    access: 'admin',
    cells: [{ state: 'an unused field', url: (w) => `/admin/fields/${w.spareFieldId}`, form: () => fieldForm, location: () => '/admin/fields', outcomes: adminOnly('done') }],
  },
  'POST /admin/fields/:id/move': {
    access: 'admin',
    cells: [{ state: 'the last field', url: (w) => `/admin/fields/${w.spareFieldId}/move`, form: () => ({ direction: 'up' }), location: () => '/admin/fields', outcomes: adminOnly('done') }],
  },
  'POST /admin/fields/:id/delete': {
    access: 'admin',
    cells: [
      { state: 'an unused field', url: (w) => `/admin/fields/${w.spareFieldId}/delete`, form: () => ({}), location: () => '/admin/fields', outcomes: adminOnly('done') },
      { state: 'a field experts serve', url: (w) => `/admin/fields/${w.fieldId}/delete`, form: () => ({}), outcomes: adminOnly(409) },
    ],
  },
  'GET /admin/document-types': { access: 'admin', cells: [{ state: '', url: () => '/admin/document-types', outcomes: adminOnly('page') }] },
  'POST /admin/document-types': {
    access: 'admin',
    cells: [
      {
        state: '',
        url: () => '/admin/document-types',
        form: () => ({ nameEt: 'Volikiri', nameEn: 'Power of attorney', isActive: 'on' }),
        location: () => '/admin/document-types',
        outcomes: adminOnly('done'),
      },
    ],
  },
  'GET /admin/document-types/:id': { access: 'admin', cells: [{ state: 'an unused type', url: (w) => `/admin/document-types/${w.documentTypeId}`, outcomes: adminOnly('page') }] },
  'POST /admin/document-types/:id': {
    access: 'admin',
    cells: [
      {
        state: 'an unused type',
        url: (w) => `/admin/document-types/${w.documentTypeId}`,
        form: () => ({ nameEt: 'Uus liik', nameEn: 'New kind', isActive: 'on' }),
        location: () => '/admin/document-types',
        outcomes: adminOnly('done'),
      },
    ],
  },
  'POST /admin/document-types/:id/active': {
    access: 'admin',
    cells: [{ state: 'an active type', url: (w) => `/admin/document-types/${w.documentTypeId}/active`, form: () => ({ isActive: 'off' }), location: () => '/admin/document-types', outcomes: adminOnly('done') }],
  },
  'POST /admin/document-types/:id/move': {
    access: 'admin',
    cells: [{ state: 'the first type', url: (w) => `/admin/document-types/${w.documentTypeId}/move`, form: () => ({ direction: 'down' }), location: () => '/admin/document-types', outcomes: adminOnly('done') }],
  },
  'POST /admin/document-types/:id/delete': {
    access: 'admin',
    cells: [{ state: 'an unused type', url: (w) => `/admin/document-types/${w.documentTypeId}/delete`, form: () => ({}), location: () => '/admin/document-types', outcomes: adminOnly('done') }],
  },
  'GET /sent-emails': { access: 'admin', cells: [{ state: '', scene: 'tokens', url: () => '/sent-emails', shows: (w) => tokens(w).resetEmail, outcomes: adminOnly('page') }] },
  'GET /sent-emails/:id': {
    access: 'admin',
    cells: [{ state: 'a password reset e-mail', scene: 'tokens', url: (w) => `/sent-emails/${tokens(w).resetEmailId}`, shows: (w) => tokens(w).resetEmail, outcomes: adminOnly('page') }],
  },
  'GET /sent-emails/:id/html': {
    access: 'admin',
    cells: [{ state: 'a password reset e-mail', scene: 'tokens', url: (w) => `/sent-emails/${tokens(w).resetEmailId}/html`, shows: (w) => tokenOf(tokens(w).resetLink), outcomes: adminOnly('ok') }],
  },
};

// ---- the cells ----

const keyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

const outcomeLabels: Record<string, string> = {
  page: '200',
  blank: '200 without it',
  own: '200',
  ok: '200',
  file: '200 file',
  stream: '200 event stream',
  done: 'done',
  sent: 'done (200)',
  redirect: 'redirect',
  login: 'sign in',
};

/** Refusals and pages that must not show the cell's `shows` text (a 409 is an allowed person's own page, so it may). */
const hides = (outcome: Outcome) => outcome === 'blank' || outcome === 'login' || outcome === 400 || outcome === 403 || outcome === 404;

type Case = { key: string; method: 'GET' | 'POST'; cell: Cell; actor: Actor; outcome: Outcome; name: string };

const cases: Case[] = Object.entries(matrix).flatMap(([key, row]) =>
  row.cells.flatMap((cell) =>
    actors.map((actor, i) => {
      const outcome = cell.outcomes[i]!;
      const state = cell.state ? ` (${cell.state})` : '';
      const label = typeof outcome === 'number' ? String(outcome) : outcomeLabels[outcome]!;
      return { key, method: key.split(' ')[0] as 'GET' | 'POST', cell, actor, outcome, name: `${key} × ${actorLabels[actor]}${state} → ${label}` };
    }),
  ),
);

/** Allowed writes change the database: each gets a fresh one. Everything else runs on the shared world. */
const needsFreshWorld = (c: Case) => c.outcome === 'done' || c.outcome === 'sent' || (c.cell.writes === true && !hides(c.outcome) && c.outcome !== 409);
const sharedCases = cases.filter((c) => !needsFreshWorld(c));
const freshCases = cases.filter(needsFreshWorld);

const sceneList = (cell: Cell): readonly Scene[] => (cell.scene === undefined ? [] : typeof cell.scene === 'string' ? [cell.scene] : cell.scene);

/** Opens the live unread count like EventSource does and reads until its first event; then hangs up. */
async function firstEvent(t: TestApp, browser: Browser, url: string): Promise<{ status: number; type: string; event: string }> {
  const response = await t.app.inject({ method: 'GET', url, headers: { cookie: browser.cookieHeader(), accept: 'text/event-stream' }, payloadAsStream: true });
  const stream = response.stream();
  let text = '';
  try {
    for await (const chunk of stream) {
      text += String(chunk);
      const event = text.split('\n\n').find((block) => block.startsWith('event:'));
      if (event !== undefined) return { status: response.statusCode, type: String(response.headers['content-type']), event };
    }
  } finally {
    stream.destroy();
  }
  throw new Error(`the stream ended without an event: ${JSON.stringify(text)}`);
}

function send(browser: Browser, c: Case, w: World, t: TestApp): Promise<Page> {
  const url = c.cell.url(w);
  return c.method === 'GET' ? browser.get(url) : browser.post(url, c.cell.form?.(w, t, c.actor) ?? {});
}

function expectLocation(page: Page, c: Case, w: World): void {
  expect(page.status).toBe(303);
  const expected = c.cell.location!(w);
  if (typeof expected === 'string') expect(page.location).toBe(expected);
  else expect(page.location).toMatch(expected);
}

/** Checks the answer against the cell's outcome; true when the database should have changed. */
async function check(c: Case, w: World, t: TestApp, browser: Browser): Promise<void> {
  if (c.outcome === 'stream') {
    const { status, type, event } = await firstEvent(t, browser, c.cell.url(w));
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(event).toMatch(/^event: unread\ndata: \d+$/);
    return;
  }
  const page = await send(browser, c, w, t);
  const shown = c.cell.shows?.(w);
  if (hides(c.outcome) && shown !== undefined) expect(page.body, 'a refused or blank answer shows nothing of the object').not.toContain(shown);
  switch (c.outcome) {
    case 'page':
    case 'blank':
    case 'own':
    case 'sent':
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      if (c.outcome === 'page' && shown !== undefined) expect(page.body).toContain(shown);
      break;
    case 'ok':
      expect(page.status).toBe(200);
      if (shown !== undefined) expect(page.body).toContain(shown);
      break;
    case 'file':
      expect(page.status).toBe(200);
      expect(String(page.headers['content-disposition'])).toMatch(/^attachment;/);
      expect(page.response.rawPayload.equals(c.cell.file!(w))).toBe(true);
      break;
    case 'done':
    case 'redirect':
      expectLocation(page, c, w);
      break;
    case 'login':
      expect(page.status).toBe(303);
      expect(page.location).toBe(`/login?next=${encodeURIComponent(c.method === 'GET' ? c.cell.url(w) : '/my')}`);
      break;
    default:
      expect(page.status).toBe(c.outcome);
  }
}

// ---- every route has a row ----

describe('the matrix', () => {
  it('has a row for every route the app registers, and no row for a route it does not', async () => {
    const t = await createTestApp({ env: { NODE_ENV: 'production' } });
    try {
      const registered = registeredRoutes(t.app).map(keyOf);
      // The route tree was read right: routes everyone knows are there.
      expect(registered).toEqual(expect.arrayContaining(['GET /', 'POST /login', 'GET /orders/:id', 'POST /inquiries/:id/offer/change', 'GET /sent-emails/:id/html']));
      const rows = Object.keys(matrix);
      expect(
        registered.filter((key) => !rows.includes(key)),
        'routes without a row in the matrix',
      ).toEqual([]);
      expect(
        rows.filter((key) => !registered.includes(key)),
        'rows for routes the app does not have',
      ).toEqual([]);
      expect(new Set(registered).size).toBe(registered.length);
    } finally {
      await t.close();
    }
  });

  it("agrees with each route's guard (public routes never ask to sign in, the others always do, role routes refuse everyone else with 403), and each cell has what its outcomes need", () => {
    const mismatches: string[] = [];
    const mustRefuse: Record<Access, readonly Actor[]> = {
      public: [],
      'signed-in': [],
      expert: ['owner', 'other', 'moderator', 'admin'],
      staff: ['owner', 'other', 'invited', 'uninvited', 'winner'],
      admin: ['owner', 'other', 'invited', 'uninvited', 'winner', 'moderator'],
    };
    for (const [key, row] of Object.entries(matrix)) {
      for (const cell of row.cells) {
        const anonymous = cell.outcomes[0];
        if ((row.access === 'public') === (anonymous === 'login')) mismatches.push(`${key} (${cell.state}): anonymous → ${String(anonymous)}`);
        for (const actor of mustRefuse[row.access]) {
          const outcome = cell.outcomes[actors.indexOf(actor)];
          if (outcome !== 403) mismatches.push(`${key} (${cell.state}): ${actor} → ${String(outcome)}`);
        }
        const has = (outcome: Outcome) => cell.outcomes.includes(outcome);
        if ((has('blank') || has('own')) && !cell.shows) mismatches.push(`${key} (${cell.state}): "blank" and "own" need a text to look for`);
        if (has('file') && !cell.file) mismatches.push(`${key} (${cell.state}): "file" needs the file`);
        if ((has('done') || has('redirect')) && !cell.location) mismatches.push(`${key} (${cell.state}): "done" and "redirect" need a location`);
        if (key.startsWith('POST ') && !cell.form) mismatches.push(`${key} (${cell.state}): a form needs its fields`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

// ---- reads and refusals: one world with everything, which none of them may change ----

describe('reads and refusals, on one world holding every object in every state', () => {
  let t: TestApp;
  let w: World;
  const browsers = new Map<Actor, Browser>();

  beforeAll(async () => {
    t = await createTestApp({ env: { NODE_ENV: 'production', PUBLIC_PAGE_CACHE_SECONDS: '0' } });
    w = await buildWorld(t, scenes);
    for (const actor of actors) browsers.set(actor, await browserOf(t, w, actor));
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  // Every cell leaves the database as the world left it; after a cell that did not, the next compare with what it left.
  let expected: Record<string, string> | undefined;
  it.each(sharedCases)('$name', async (c) => {
    const before = (expected ??= await fingerprint(t));
    try {
      await check(c, w, t, browsers.get(c.actor)!);
    } finally {
      expected = await fingerprint(t);
    }
    expect(expected, 'the database is as it was').toEqual(before);
  });
});

// ---- allowed writes: each on a fresh database with only the scene it needs ----

describe('allowed writes, each on a fresh world', () => {
  // The visitors of a `together` cell share the fresh world of their cell.
  const groupOf = (c: Case): object => (c.cell.together ? c.cell : c);
  const lastOfGroup = new Map<object, Case>(freshCases.map((c) => [groupOf(c), c]));
  let current: { group: object; t: TestApp; w: World } | undefined;

  async function worldFor(c: Case): Promise<{ t: TestApp; w: World }> {
    if (current?.group === groupOf(c)) {
      if (typeof c.cell.together === 'object') await renewScene(current.t, current.w, c.cell.together.renew);
      return current;
    }
    await current?.t.close();
    current = undefined;
    const t = await createTestApp({ env: { NODE_ENV: 'production', PUBLIC_PAGE_CACHE_SECONDS: '0' } });
    current = { group: groupOf(c), t, w: await buildWorld(t, sceneList(c.cell)) };
    return current;
  }

  afterAll(async () => {
    await current?.t.close();
  });

  it.each(freshCases)('$name', async (c) => {
    try {
      const { t, w } = await worldFor(c);
      const browser = await browserOf(t, w, c.actor);
      const before = await fingerprint(t);
      await check(c, w, t, browser);
      const after = await fingerprint(t);
      if (c.outcome === 'done' || c.outcome === 'sent') expect(after, 'the action took effect').not.toEqual(before);
    } finally {
      if (lastOfGroup.get(groupOf(c)) === c) {
        await current?.t.close();
        current = undefined;
      }
    }
  });
});
