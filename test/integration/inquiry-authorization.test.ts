import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/db/schema.js';
import { askQuestion } from '../../src/use-cases/inquiry-questions.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { actorOf, createInquiryAs, dayFromNow, makeOfferAs } from '../support/inquiries.js';
import { postMultipart, samplePdf } from '../support/multipart.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Who may do what with an inquiry: every route of "Inquiries and offers" against every kind of
 * visitor. An inquiry exists only for its customer, its invited experts and staff; anyone else
 * is told it does not exist (404, never 403) and learns nothing of it.
 */

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

// ---- the world every case starts from ----

const actors = ['owner', 'otherCustomer', 'invitedExpert', 'uninvitedExpert', 'moderator', 'admin', 'anonymous'] as const;
type ActorName = (typeof actors)[number];
type Person = UserRow & { password: string };

const field = { title: 'Naabri koer haugub terve öö', description: 'Naaber ei reageeri kirjadele. Tunnusmärk 4711.', fileName: 'naabri-kaebus.pdf' };
const general = { title: 'Ei tea, kuhu pöörduda', description: 'Üldise päringu kirjeldus, tunnusmärk 9311.' };
const question = 'Kas teil on koera kohta videosalvestis?';
const fileContent = samplePdf('Kaebus');

/** What no outsider may ever see: the inquiries' titles, descriptions, file and question. */
const secrets = [field.title, field.description, field.fileName, general.title, general.description, question];

type World = {
  fieldId: number;
  people: Record<Exclude<ActorName, 'anonymous'>, Person>;
  /** An open field inquiry of the owner with a file, sent to the invited expert, who has asked a question. */
  fieldInquiry: { id: number; fileId: number; invitationId: number };
  /** A general inquiry of the owner, waiting in triage. */
  generalInquiry: { id: number };
};

async function buildWorld(): Promise<World> {
  const fieldRow = await createField(t, { nameEt: 'Naabrusõigus', nameEn: 'Neighbour law' });
  const owner = await createUser(t, { name: 'Olev Omanik' });
  const otherCustomer = await createUser(t, { name: 'Tiina Teine' });
  const invitedExpert = await createExpert(t, { name: 'Kaarel Kutsutud', fieldIds: [fieldRow.id] });
  const uninvitedExpert = await createExpert(t, { name: 'Urmas Kutsumata', fieldIds: [fieldRow.id] });
  const moderator = await createUser(t, { name: 'Mari Moderaator', roles: ['moderator'] });
  const admin = await createUser(t, { name: 'Aadu Admin', roles: ['admin'] });

  // The field inquiry goes through the real order form, with a file.
  const browser = t.browser();
  await loginAs(browser, owner);
  await browser.get(`/inquiries/new?kind=consultation&field=${fieldRow.id}`);
  const sent = await postMultipart(t.app, browser, '/inquiries', {
    fields: {
      kind: 'consultation',
      fieldId: String(fieldRow.id),
      expertIds: [String(invitedExpert.id)],
      title: field.title,
      description: field.description,
      deadline: dayFromNow(t, 7),
      wishedBy: '',
      language: 'et',
    },
    files: [{ name: field.fileName, contentType: 'application/pdf', content: fileContent }],
  });
  expect(sent.status).toBe(303);
  const fieldInquiryId = Number(/^\/inquiries\/(\d+)$/.exec(sent.location ?? '')?.[1]);
  const file = await t.deps.db.selectFrom('inquiry_files').select('file_id').where('inquiry_id', '=', fieldInquiryId).executeTakeFirstOrThrow();
  await askQuestion(t.deps, await actorOf(t, invitedExpert), fieldInquiryId, { body: question, uploads: [] });
  const invitation = await t.deps.db.selectFrom('invitations').select('id').where('inquiry_id', '=', fieldInquiryId).executeTakeFirstOrThrow();

  const generalInquiryId = await createInquiryAs(t, owner, { title: general.title, description: general.description });
  return {
    fieldId: fieldRow.id,
    people: { owner, otherCustomer, invitedExpert, uninvitedExpert, moderator, admin },
    fieldInquiry: { id: fieldInquiryId, fileId: file.file_id, invitationId: invitation.id },
    generalInquiry: { id: generalInquiryId },
  };
}

/** A browser of the actor: signed in, or (anonymous) holding the token a sign-in page gives. */
async function browserOf(world: World, actor: ActorName): Promise<Browser> {
  const browser = t.browser();
  if (actor === 'anonymous') await browser.get('/login');
  else await loginAs(browser, world.people[actor]);
  return browser;
}

/** What changes when an action takes effect; a refused one leaves all of it as it was. */
async function snapshot() {
  const db = t.deps.db;
  return {
    inquiries: await db.selectFrom('inquiries').select(['id', 'status', 'deadline_at', 'field_id', 'triage_note']).orderBy('id').execute(),
    invitations: await db.selectFrom('invitations').select(['id', 'status', 'question_state', 'decline_reason']).orderBy('id').execute(),
    offers: await db.selectFrom('offers').select(['id', 'status', 'price_cents']).orderBy('id').execute(),
    messages: (await db.selectFrom('messages').select('id').execute()).length,
  };
}

// ---- the matrix ----

/**
 * `page`: 200 showing the target inquiry (its title; on the inquiry's own page its description
 * too); `blank`: 200 showing nothing of any inquiry; `file`: the inquiry's file; `done`: the
 * action took effect and the browser goes back to the inquiry (303); 403 / 404: refused, nothing
 * shown or changed; `login`: 303 to sign in, nothing changed.
 */
type Outcome = 'page' | 'blank' | 'file' | 'done' | 403 | 404 | 'login';

type Route = {
  method: 'GET' | 'POST';
  /** The route as registered. */
  route: string;
  /** Tells rows of one route apart. */
  note?: string;
  /** The inquiry the request is about (its title is what `page` shows, its page where `done` goes). */
  target?: 'field' | 'general';
  url: (w: World) => string;
  form?: (w: World) => Record<string, string | string[]>;
  /** The page's form sends multipart/form-data (it has a file input). */
  multipart?: boolean;
  /** Where a successful post goes after the inquiry's address. */
  anchor?: string;
  /** State the route needs beyond the world (an offer to change). */
  prepare?: (w: World) => Promise<void>;
  /** Outcomes for: owner, other customer, invited expert, uninvited expert, moderator, admin, anonymous. */
  outcomes: [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome, Outcome];
};

const offerForm = (price: string) => () => ({ price, deliveryDate: dayFromNow(t, 10), validUntil: dayFromNow(t, 5), note: 'Sisaldab kirjalikku vastust.' });
const withOffer = async (w: World) => makeOfferAs(t, w.people.invitedExpert, w.fieldInquiry.id);

// One row per route (several when the inquiry matters), one column per actor; aligned by hand.
const matrix: Route[] = [
  //                                                                                                          owner    other    invited  uninvited moderator admin  anonymous
  { method: 'GET', route: '/order/consultation', url: () => '/order/consultation',                 outcomes: ['blank', 'blank', 'blank', 'blank', 'blank', 'blank', 'blank'] },
  { method: 'GET', route: '/order/document', url: () => '/order/document',                         outcomes: ['blank', 'blank', 'blank', 'blank', 'blank', 'blank', 'blank'] },
  { method: 'GET', route: '/inquiries/new', url: (w) => `/inquiries/new?kind=consultation&field=${w.fieldId}`, outcomes: ['blank', 'blank', 'blank', 'blank', 'blank', 'blank', 'login'] },
  {
    method: 'POST', route: '/inquiries', note: 'a general inquiry', multipart: true, url: () => '/inquiries',
    form: () => ({ kind: 'consultation', title: 'Uus küsimus', description: 'Kirjeldus.', deadline: dayFromNow(t, 5), wishedBy: '', language: 'et' }),
    outcomes:                                                                                                ['done',  'done',  'done',  'done',  'done',  'done',  'login'],
  },
  { method: 'GET', route: '/inquiries', target: 'field', url: () => '/inquiries',                  outcomes: ['page',  'blank', 'blank', 'blank', 'blank', 'blank', 'login'] },
  { method: 'GET', route: '/inquiries/:id', note: 'the field inquiry', target: 'field', url: (w) => `/inquiries/${w.fieldInquiry.id}`,
                                                                                                   outcomes: ['page',  404,     'page',  404,     'page',  'page',  'login'] },
  { method: 'GET', route: '/inquiries/:id', note: 'the general inquiry in triage', target: 'general', url: (w) => `/inquiries/${w.generalInquiry.id}`,
                                                                                                   outcomes: ['page',  404,     404,     404,     'page',  'page',  'login'] },
  { method: 'GET', route: '/inquiries/:id/files/:fileId', target: 'field', url: (w) => `/inquiries/${w.fieldInquiry.id}/files/${w.fieldInquiry.fileId}`,
                                                                                                   outcomes: ['file',  404,     'file',  404,     'file',  'file',  'login'] },
  { method: 'POST', route: '/inquiries/:id/cancel', target: 'field', url: (w) => `/inquiries/${w.fieldInquiry.id}/cancel`, form: () => ({}),
                                                                                                   outcomes: ['done',  404,     404,     404,     404,     404,     'login'] },
  { method: 'POST', route: '/inquiries/:id/deadline', target: 'field', url: (w) => `/inquiries/${w.fieldInquiry.id}/deadline`, form: () => ({ deadline: dayFromNow(t, 10) }),
                                                                                                   outcomes: ['done',  404,     404,     404,     404,     404,     'login'] },
  { method: 'POST', route: '/inquiries/:id/answers/:invitationId', target: 'field', multipart: true, url: (w) => `/inquiries/${w.fieldInquiry.id}/answers/${w.fieldInquiry.invitationId}`, form: () => ({ body: 'Jah, saadan selle.' }),
                                                                                                   outcomes: ['done',  404,     404,     404,     404,     404,     'login'] },
  { method: 'POST', route: '/inquiries/:id/questions', target: 'field', multipart: true, anchor: '#questions', url: (w) => `/inquiries/${w.fieldInquiry.id}/questions`, form: () => ({ body: 'Veel üks küsimus?' }),
                                                                                                   outcomes: [404,     404,     'done',  404,     404,     404,     'login'] },
  { method: 'POST', route: '/inquiries/:id/offer', target: 'field', anchor: '#offer', url: (w) => `/inquiries/${w.fieldInquiry.id}/offer`, form: offerForm('120,50'),
                                                                                                   outcomes: [404,     404,     'done',  404,     404,     404,     'login'] },
  { method: 'POST', route: '/inquiries/:id/offer/change', target: 'field', anchor: '#offer', prepare: withOffer, url: (w) => `/inquiries/${w.fieldInquiry.id}/offer/change`, form: offerForm('150'),
                                                                                                   outcomes: [404,     404,     'done',  404,     404,     404,     'login'] },
  { method: 'POST', route: '/inquiries/:id/offer/withdraw', target: 'field', anchor: '#offer', prepare: withOffer, url: (w) => `/inquiries/${w.fieldInquiry.id}/offer/withdraw`, form: () => ({}),
                                                                                                   outcomes: [404,     404,     'done',  404,     404,     404,     'login'] },
  { method: 'POST', route: '/inquiries/:id/decline', target: 'field', url: (w) => `/inquiries/${w.fieldInquiry.id}/decline`, form: () => ({ reason: 'tooBusy', declineNote: '' }),
                                                                                                   outcomes: [404,     404,     'done',  404,     404,     404,     'login'] },
  { method: 'GET', route: '/e-consultations', target: 'field', url: () => '/e-consultations',      outcomes: [403,     403,     'page',  'blank', 403,     403,     'login'] },
  { method: 'GET', route: '/admin/triage', target: 'general', url: () => '/admin/triage',          outcomes: [403,     403,     403,     403,     'page',  'page',  'login'] },
  { method: 'POST', route: '/admin/triage/:id/assign', target: 'general', url: (w) => `/admin/triage/${w.generalInquiry.id}/assign`, form: (w) => ({ fieldId: String(w.fieldId) }),
                                                                                                   outcomes: [403,     403,     403,     403,     'done',  'done',  'login'] },
  { method: 'POST', route: '/admin/triage/:id/reject', target: 'general', url: (w) => `/admin/triage/${w.generalInquiry.id}/reject`, form: () => ({ message: 'See ei ole portaali teema.' }),
                                                                                                   outcomes: [403,     403,     403,     403,     'done',  'done',  'login'] },
];

const labels: Record<ActorName, string> = {
  owner: 'the owner',
  otherCustomer: 'another customer',
  invitedExpert: 'the invited expert',
  uninvitedExpert: 'an uninvited expert of the field',
  moderator: 'a moderator',
  admin: 'an admin',
  anonymous: 'an anonymous visitor',
};

const describeOutcome: Record<string, string> = {
  page: 'sees it',
  blank: 'gets the page without any inquiry on it',
  file: 'downloads the file',
  done: 'succeeds',
  403: 'is refused with 403',
  404: 'is told it does not exist (404)',
  login: 'is sent to sign in',
};

const cases = matrix.flatMap((row) =>
  actors.map((actor, i) => {
    const outcome = row.outcomes[i]!;
    const what = `${row.method} ${row.route}${row.note ? ` (${row.note})` : ''}`;
    return { row, actor, outcome, name: `${what}: ${labels[actor]} ${describeOutcome[String(outcome)]}` };
  }),
);

async function send(browser: Browser, row: Route, world: World, options: { csrf?: string | null } = {}): Promise<Page> {
  const url = row.url(world);
  if (row.method === 'GET') return browser.get(url);
  const fields = row.form?.(world) ?? {};
  return row.multipart ? postMultipart(t.app, browser, url, { fields }, options) : browser.post(url, fields, options);
}

function titleOf(world: World, target: Route['target']) {
  return target === 'general' ? general : field;
}

function targetId(world: World, target: Route['target']): number {
  return target === 'general' ? world.generalInquiry.id : world.fieldInquiry.id;
}

function expectNothingShown(page: Page): void {
  for (const secret of secrets) expect(page.body).not.toContain(secret);
}

describe('the authorisation matrix of inquiries', () => {
  it.each(cases)('$name', async ({ row, actor, outcome }) => {
    const world = await buildWorld();
    await row.prepare?.(world);
    const browser = await browserOf(world, actor);
    const before = await snapshot();
    const page = await send(browser, row, world);

    switch (outcome) {
      case 'page': {
        expect(page.status).toBe(200);
        const shown = titleOf(world, row.target);
        expect(mainText(page.body)).toContain(shown.title);
        if (row.route === '/inquiries/:id') expect(mainText(page.body)).toContain(shown.description);
        break;
      }
      case 'blank':
        expect(page.status).toBe(200);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expectNothingShown(page);
        break;
      case 'file':
        expect(page.status).toBe(200);
        expect(page.headers['content-disposition']).toMatch(/^attachment/);
        expect(page.response.rawPayload.equals(fileContent)).toBe(true);
        break;
      case 'done': {
        expect(page.status).toBe(303);
        if (row.target) expect(page.location).toBe(`/inquiries/${targetId(world, row.target)}${row.anchor ?? ''}`);
        else expect(page.location).toMatch(/^\/inquiries\/\d+$/);
        expect(await snapshot()).not.toEqual(before);
        break;
      }
      case 403:
      case 404:
        expect(page.status).toBe(outcome);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expectNothingShown(page);
        expect(await snapshot()).toEqual(before);
        break;
      case 'login':
        expect(page.status).toBe(303);
        expect(page.location).toBe(row.method === 'GET' ? `/login?next=${encodeURIComponent(row.url(world))}` : `/login?next=${encodeURIComponent('/my')}`);
        expect(await snapshot()).toEqual(before);
        break;
    }
  });
});

// ---- every route has a row ----

/** Every route the app serves, as "METHOD /path" (HEAD left out), read from Fastify's route tree. */
function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (depth > 0 ? stack[depth - 1]! : '') + match[2]!;
    stack.push(path);
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) routes.push(`${method} ${path}`);
  }
  return routes;
}

const issuePrefixes = ['/inquiries', '/e-consultations', '/admin/triage', '/order/'];

describe('the matrix covers the app', () => {
  it('has a row for every route under /inquiries, /e-consultations, /admin/triage and /order', () => {
    const registered = registeredRoutes(t.app);
    // The parser reads the tree: routes elsewhere are found too.
    expect(registered).toContain('GET /mailbox/conversations/:id');
    expect(registered).toContain('POST /admin/fields/:id/move');
    const ours = registered.filter((route) => issuePrefixes.some((prefix) => route.split(' ')[1]!.startsWith(prefix)));
    // Ordering an offer belongs to the orders' matrix (test/integration/orders.test.ts).
    const rows = new Set([...matrix.map((row) => `${row.method} ${row.route}`), 'POST /inquiries/:id/order']);
    expect(ours.filter((route) => !rows.has(route))).toEqual([]);
    expect(ours.length).toBeGreaterThanOrEqual(19);
  });

  it('has no row for a route the app does not serve', () => {
    const registered = new Set(registeredRoutes(t.app));
    expect(matrix.map((row) => `${row.method} ${row.route}`).filter((route) => !registered.has(route))).toEqual([]);
  });
});

// ---- forged requests ----

/** For each post, the first actor it succeeds for. */
const posts = matrix
  .filter((row) => row.method === 'POST')
  .map((row) => ({ row, actor: actors[row.outcomes.indexOf('done')]!, name: `${row.method} ${row.route}` }));

describe('posts without a valid CSRF token', () => {
  it.each(posts)('$name is refused with 403 without a token, and changes nothing', async ({ row, actor }) => {
    const world = await buildWorld();
    await row.prepare?.(world);
    const browser = await browserOf(world, actor);
    const before = await snapshot();
    const page = await send(browser, row, world, { csrf: null });
    expect(page.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it.each(posts)("$name is refused with 403 with another session's token, and changes nothing", async ({ row, actor }) => {
    const world = await buildWorld();
    await row.prepare?.(world);
    const browser = await browserOf(world, actor);
    // The token of the same person's other session is not this session's token.
    const other = await browserOf(world, actor);
    expect(other.csrfToken).not.toBe(browser.csrfToken);
    const before = await snapshot();
    const page = await send(browser, row, world, { csrf: other.csrfToken ?? null });
    expect(page.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });
});

// ---- the rules behind the matrix, one by one ----

describe('outsiders', () => {
  it('get the same answer for an inquiry that exists as for one that does not', async () => {
    const world = await buildWorld();
    for (const actor of ['otherCustomer', 'uninvitedExpert'] as const) {
      const browser = await browserOf(world, actor);
      const existing = await browser.get(`/inquiries/${world.fieldInquiry.id}`);
      const missing = await browser.get('/inquiries/999999');
      expect(existing.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(mainText(existing.body)).toBe(mainText(missing.body));

      const file = await browser.get(`/inquiries/${world.fieldInquiry.id}/files/${world.fieldInquiry.fileId}`);
      const noFile = await browser.get(`/inquiries/${world.fieldInquiry.id}/files/999999`);
      expect(file.status).toBe(404);
      expect(mainText(file.body)).toBe(mainText(noFile.body));

      const offer = await browser.post(`/inquiries/${world.fieldInquiry.id}/offer`, offerForm('100')());
      const noOffer = await browser.post('/inquiries/999999/offer', offerForm('100')());
      expect(offer.status).toBe(404);
      expect(mainText(offer.body)).toBe(mainText(noOffer.body));
    }
  });

  it('get 404 and learn nothing even when their form is invalid', async () => {
    const world = await buildWorld();
    const browser = await browserOf(world, 'otherCustomer');
    const before = await snapshot();
    for (const [path, form] of [
      ['deadline', { deadline: 'homme' }],
      ['decline', { reason: 'whatever' }],
      ['offer', { price: 'palju', deliveryDate: '', validUntil: '' }],
      ['questions', { body: '' }],
      ['cancel', { extra: 'x'.repeat(100) }],
    ] as const) {
      const page = await browser.post(`/inquiries/${world.fieldInquiry.id}/${path}`, form);
      expect(page.status, path).toBe(404);
      expectNothingShown(page);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("cannot fetch an inquiry's file through an inquiry of their own", async () => {
    const world = await buildWorld();
    const ownId = await createInquiryAs(t, world.people.otherCustomer, { fieldId: world.fieldId, expertIds: [world.people.uninvitedExpert.id] });
    const browser = await browserOf(world, 'otherCustomer');
    const page = await browser.get(`/inquiries/${ownId}/files/${world.fieldInquiry.fileId}`);
    expect(page.status).toBe(404);
    expect(page.body).not.toContain('%PDF');
  });
});

describe('the customer', () => {
  it('cannot make an offer on their own inquiry even when they are an expert of its field', async () => {
    const fieldRow = await createField(t);
    const customerExpert = await createExpert(t, { fieldIds: [fieldRow.id] });
    const expert = await createExpert(t, { fieldIds: [fieldRow.id] });
    const inquiryId = await createInquiryAs(t, customerExpert, { fieldId: fieldRow.id, expertIds: [expert.id] });
    const browser = t.browser();
    await loginAs(browser, customerExpert);
    for (const path of ['offer', 'questions', 'decline']) {
      const page = await browser.post(`/inquiries/${inquiryId}/${path}`, { ...offerForm('90')(), body: 'Küsimus', reason: 'tooBusy' });
      expect(page.status, path).toBe(404);
    }
    expect(await t.deps.db.selectFrom('offers').select('id').execute()).toEqual([]);
  });

  it("cannot answer through an invitation of another inquiry", async () => {
    const world = await buildWorld();
    const browser = await browserOf(world, 'owner');
    await browser.get(`/inquiries/${world.generalInquiry.id}`);
    const page = await postMultipart(t.app, browser, `/inquiries/${world.generalInquiry.id}/answers/${world.fieldInquiry.invitationId}`, { fields: { body: 'Vastus' } });
    expect(page.status).toBe(404);
  });

  it.each(['abc', '0', '-1', '99999999999'])('is told an answer address with the invitation id %s does not exist (404, not 500)', async (invitationId) => {
    const world = await buildWorld();
    const browser = await browserOf(world, 'owner');
    const before = await snapshot();
    const page = await postMultipart(t.app, browser, `/inquiries/${world.fieldInquiry.id}/answers/${invitationId}`, { fields: { body: 'Vastus' } });
    expect(page.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});

describe('the invited expert', () => {
  it('can neither cancel the inquiry, move its deadline nor answer their own question', async () => {
    const world = await buildWorld();
    const browser = await browserOf(world, 'invitedExpert');
    await browser.get(`/inquiries/${world.fieldInquiry.id}`);
    const before = await snapshot();
    const id = world.fieldInquiry.id;
    expect((await browser.post(`/inquiries/${id}/cancel`, {})).status).toBe(404);
    expect((await browser.post(`/inquiries/${id}/deadline`, { deadline: dayFromNow(t, 10) })).status).toBe(404);
    expect((await postMultipart(t.app, browser, `/inquiries/${id}/answers/${world.fieldInquiry.invitationId}`, { fields: { body: 'Vastan ise' } })).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});

describe('staff', () => {
  it('may view any inquiry, but a moderator who is not invited cannot act as its expert', async () => {
    const world = await buildWorld();
    const browser = await browserOf(world, 'moderator');
    const page = await browser.get(`/inquiries/${world.fieldInquiry.id}`);
    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain(field.description);
    const before = await snapshot();
    expect((await browser.post(`/inquiries/${world.fieldInquiry.id}/offer`, offerForm('100')())).status).toBe(404);
    expect((await postMultipart(t.app, browser, `/inquiries/${world.fieldInquiry.id}/questions`, { fields: { body: 'Küsimus' } })).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('a moderator who is an expert of the field and invited makes an offer like any expert', async () => {
    const fieldRow = await createField(t);
    const customer = await createUser(t);
    const moderatorExpert = await createExpert(t, { fieldIds: [fieldRow.id], roles: ['moderator'] });
    const inquiryId = await createInquiryAs(t, customer, { fieldId: fieldRow.id, expertIds: [moderatorExpert.id] });
    const browser = t.browser();
    await loginAs(browser, moderatorExpert);
    await browser.get(`/inquiries/${inquiryId}`);
    const page = await browser.post(`/inquiries/${inquiryId}/offer`, offerForm('100')());
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/inquiries/${inquiryId}#offer`);
    expect(await t.deps.db.selectFrom('offers').select('price_cents').execute()).toEqual([{ price_cents: 10_000 }]);
  });
});
