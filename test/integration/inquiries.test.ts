import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../src/adapters/clock.js';
import { endOfTallinnDay } from '../../src/domain/inquiries.js';
import { sweepInquiryDeadlines } from '../../src/use-cases/inquiry-deadlines.js';
import { declineInvitation } from '../../src/use-cases/invitations.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { createExpert, createField } from '../support/experts.js';
import { actorOf, createInquiryAs, dayFromNow, makeOfferAs } from '../support/inquiries.js';
import { postMultipart, samplePdf, type FilePart } from '../support/multipart.js';
import { fieldError, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const hour = 3_600_000;

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

// ---- reading pages ----

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Intl writes dates with non-breaking spaces; a reader sees plain ones. */
function plain(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}

function textOf(html: string): string {
  return plain(mainText(html));
}

/** The flash message a page shows after a redirect. */
function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : decode(flash.trim());
}

/** The heading of the first error summary on a page (the sentence a refused form or action shows). */
function summaryOf(html: string): string | undefined {
  const heading = /<div class="error-summary"[^>]*><h2[^>]*>([\s\S]*?)<\/h2>/.exec(html)?.[1];
  return heading === undefined ? undefined : decode(heading);
}

/** The titles of the items in a mailbox list, top to bottom. */
function mailboxTitles(html: string): string[] {
  return [...html.matchAll(/<span class="item-title">([\s\S]*?)<\/span>/g)].map((m) => decode(m[1]!));
}

/**
 * What a text input shows. (Unlike a plain `[^>]*` match, this reads attributes whose values
 * contain `>`, which HTML allows unescaped.)
 */
function inputValue(html: string, name: string): string | undefined {
  for (const tag of html.matchAll(/<input((?:\s+[\w-]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    if (!new RegExp(`\\sname="${name}"`).test(tag[1]!)) continue;
    return decode(/\svalue="([^"]*)"/.exec(tag[1]!)?.[1] ?? '');
  }
  return undefined;
}

/** What a text area shows. */
function textAreaValue(html: string, name: string): string | undefined {
  const text = new RegExp(`<textarea[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

/** The values of a choice that are ticked: checkboxes and radio buttons, or the selected option of a list. */
function chosenValues(html: string, name: string): string[] {
  const ticked = [...html.matchAll(new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`, 'g'))]
    .map((m) => m[0])
    .filter((tag) => /\schecked(?=[\s/>=])/.test(tag))
    .map((tag) => decode(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? ''));
  const select = new RegExp(`<select[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1];
  const selected = select ? [...select.matchAll(/<option[^>]*\bvalue="([^"]*)"[^>]*\sselected[^>]*>/g)].map((m) => decode(m[1]!)) : [];
  return [...ticked, ...selected];
}

/** The cells of a table's body rows, as a reader sees them. */
function rowsOf(table: string): string[][] {
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)]
    .filter((row) => !row[1]!.includes('scope="col"'))
    .map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => plain(mainText(cell[1]!))));
}

/** The customer's table of invited experts: [name, status, note] per expert. */
function invitedOf(html: string): string[][] {
  const table = /<h2>(?:Kutsutud eksperdid|Invited experts)<\/h2><div class="table-wrap"><table>([\s\S]*?)<\/table>/.exec(html)?.[1];
  return table === undefined ? [] : rowsOf(table);
}

/** The offers shown side by side: [expert and rating, price, delivery, valid until, note] per offer. */
/** The offers table's rows without the order column (ordering is tested in orders.test.ts). */
function offersOf(html: string): string[][] {
  const table = /<table class="offers">([\s\S]*?)<\/table>/.exec(html)?.[1];
  return table === undefined ? [] : rowsOf(table).map((row) => row.slice(0, 5));
}

/** The first row of a list table: [title and kind, status, …] per inquiry. */
function listRowsOf(html: string): string[][] {
  const table = /<table>([\s\S]*?)<\/table>/.exec(html)?.[1];
  return table === undefined ? [] : rowsOf(table);
}

/** The expert choices the order form offers: id and the text of the choice. */
function expertChoicesOf(html: string): { id: number; text: string; profileLink: string | undefined }[] {
  return [...html.matchAll(/<li class="expert-choice">([\s\S]*?)<\/li>/g)].map((m) => ({
    id: Number(/name="expertIds" value="(\d+)"/.exec(m[1]!)?.[1]),
    text: plain(mainText(/<label[^>]*>([\s\S]*?)<\/label>/.exec(m[1]!)?.[1] ?? '')),
    profileLink: /<a href="(\/experts\/\d+)"/.exec(m[1]!)?.[1],
  }));
}

function inquiryIdOf(page: Page): number {
  const id = /^\/inquiries\/(\d+)$/.exec(page.location ?? '')?.[1];
  if (!id) throw new Error(`expected a redirect to an inquiry, got ${page.status} ${page.location ?? ''}`);
  return Number(id);
}

// ---- the database, for "nothing was created" ----

type CountedTable = 'inquiries' | 'invitations' | 'offers' | 'inquiry_files' | 'files' | 'notices' | 'outbox_emails';

async function countOf(table: CountedTable): Promise<number> {
  const row = await t.deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function counts(): Promise<Record<CountedTable, number>> {
  const tables: CountedTable[] = ['inquiries', 'invitations', 'offers', 'inquiry_files', 'files', 'notices', 'outbox_emails'];
  return Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await countOf(table)]))) as Record<CountedTable, number>;
}

async function block(userId: number): Promise<void> {
  await t.deps.db.updateTable('users').set({ blocked_at: iso(t.clock.now()) }).where('id', '=', userId).execute();
}

// ---- a portal with a field, its experts and a customer ----

async function scene() {
  const field = await createField(t, { nameEt: 'Liiklusõnnetused', nameEn: 'Traffic accidents' });
  const otherField = await createField(t, { nameEt: 'Perevägivald', nameEn: 'Domestic violence' });
  const anna = await createExpert(t, { name: 'Anna Aas', email: 'anna@example.ee', fieldIds: [field.id], ratings: [5, 4], priceLevel: 3 });
  const berit = await createExpert(t, { name: 'Berit Bee', email: 'berit@example.ee', fieldIds: [field.id], priceLevel: 1 });
  const onLeave = await createExpert(t, { name: 'Olev Puhkusel', email: 'olev@example.ee', fieldIds: [field.id], onLeave: {} });
  const elsewhere = await createExpert(t, { name: 'Eha Mujal', email: 'eha@example.ee', fieldIds: [otherField.id] });
  const customer = await signedInUser(t, { name: 'Kalle Klient', email: 'kalle@example.ee' });
  return { field, otherField, anna, berit, onLeave, elsewhere, customer };
}

type Scene = Awaited<ReturnType<typeof scene>>;
type FormFields = Record<string, string | string[] | undefined>;

/** A complete field inquiry to Anna and Berit; override any field (undefined leaves it out). */
function inquiryForm(s: Scene, overrides: FormFields = {}): FormFields {
  return {
    kind: 'consultation',
    fieldId: String(s.field.id),
    expertIds: [String(s.anna.id), String(s.berit.id)],
    title: 'Avarii ristmikul',
    description: 'Teine auto sõitis punase tulega minu autole otsa.',
    deadline: dayFromNow(t, 7),
    wishedBy: '',
    language: 'et',
    ...overrides,
  };
}

/** Opens the order form (as a person would) and sends it with the given fields and files. */
async function send(browser: Browser, fields: FormFields, files: FilePart[] = []): Promise<Page> {
  const query = new URLSearchParams({ kind: String(fields['kind'] ?? 'consultation') });
  if (fields['fieldId']) query.set('field', String(fields['fieldId']));
  await browser.get(`/inquiries/new?${query.toString()}`);
  const sent = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined));
  return postMultipart(t.app, browser, '/inquiries', { fields: sent, files });
}

function pdf(name = 'politsei-akt.pdf'): FilePart {
  return { name, contentType: 'application/pdf', content: samplePdf('Akt') };
}

describe('choosing what to order', () => {
  it('the consultation and document choosers list the active fields, each leading to its form, and offer a general inquiry', async () => {
    const traffic = await createField(t, { nameEt: 'Liiklusõnnetused' });
    const family = await createField(t, { nameEt: 'Perevägivald' });
    await createField(t, { nameEt: 'Vana valdkond', isActive: false });
    const visitor = t.browser();

    for (const kind of ['consultation', 'document'] as const) {
      const page = await visitor.get(`/order/${kind}`);

      expect(page.status).toBe(200);
      const links = [...page.body.matchAll(/<h3><a href="([^"]+)">([^<]+)<\/a><\/h3>/g)].map((m) => [decode(m[1]!), m[2]]);
      expect(links).toEqual([
        [`/inquiries/new?kind=${kind}&field=${traffic.id}`, 'Liiklusõnnetused'],
        [`/inquiries/new?kind=${kind}&field=${family.id}`, 'Perevägivald'],
      ]);
      expect(textOf(page.body)).not.toContain('Vana valdkond');
      expect(page.body).toContain(`href="/inquiries/new?kind=${kind}">Saada üldine päring</a>`);
    }
  });

  it('the form lists only the field’s experts who can take an inquiry now: not on leave, not inactive, not blocked, not the customer', async () => {
    const field = await createField(t);
    const other = await createField(t);
    const anna = await createExpert(t, { name: 'Anna Aas', fieldIds: [field.id] });
    const back = await createExpert(t, { name: 'Tagasi Tulnud', fieldIds: [field.id], onLeave: { until: new Date(t.clock.now().getTime() - hour) } });
    await createExpert(t, { name: 'Olev Puhkusel', fieldIds: [field.id], onLeave: {} });
    await createExpert(t, { name: 'Pikk Puhkus', fieldIds: [field.id], onLeave: { until: new Date(t.clock.now().getTime() + 30 * 24 * hour) } });
    const inactive = await createExpert(t, { name: 'Ivo Inaktiivne', fieldIds: [field.id] });
    await t.deps.db.updateTable('expert_profiles').set({ is_active: 0 }).where('user_id', '=', inactive.id).execute();
    const blocked = await createExpert(t, { name: 'Bruno Blokitud', fieldIds: [field.id] });
    await block(blocked.id);
    await createExpert(t, { name: 'Eha Mujal', fieldIds: [other.id] });
    // A customer who is an expert of the same field does not see themself.
    const customer = await createExpert(t, { name: 'Kalle Klient', fieldIds: [field.id] });
    const browser = t.browser();
    await loginAs(browser, customer);

    const page = await browser.get(`/inquiries/new?kind=consultation&field=${field.id}`);

    expect(page.status).toBe(200);
    expect(expertChoicesOf(page.body).map((c) => c.id)).toEqual([anna.id, back.id]);
    expect(textOf(page.body)).not.toMatch(/Olev Puhkusel|Pikk Puhkus|Ivo Inaktiivne|Bruno Blokitud|Eha Mujal/);
  });

  it('each expert on the form shows their rating, price level and a link to their profile', async () => {
    const s = await scene();

    const page = await s.customer.browser.get(`/inquiries/new?kind=consultation&field=${s.field.id}`);

    expect(expertChoicesOf(page.body)).toEqual([
      { id: s.anna.id, text: 'AA Anna Aas 4,5 (2 hinnangut) €€€ kõrgem', profileLink: `/experts/${s.anna.id}` },
      { id: s.berit.id, text: 'BB Berit Bee Hinnanguid veel pole € soodne', profileLink: `/experts/${s.berit.id}` },
    ]);
  });

  it('a field without available experts suggests a general inquiry instead of an empty form', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Olev Puhkusel', fieldIds: [field.id], onLeave: {} });
    const { browser } = await signedInUser(t);

    const page = await browser.get(`/inquiries/new?kind=consultation&field=${field.id}`);

    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Selles valdkonnas ei ole praegu ühtegi eksperti, kes saaks päringuid vastu võtta.');
    expect(page.body).not.toContain('action="/inquiries"');
    expect(page.body).toContain('href="/inquiries/new?kind=consultation">Saada üldine päring</a>');
  });

  it('an anonymous visitor is sent to sign in and comes back to the form', async () => {
    const field = await createField(t);

    const page = await t.browser().get(`/inquiries/new?kind=consultation&field=${field.id}`);

    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent(`/inquiries/new?kind=consultation&field=${field.id}`)}`);
  });

  it('a field that does not exist or is hidden is “not found”, on the form and when sending', async () => {
    const s = await scene();
    const hidden = await createField(t, { isActive: false });

    for (const id of [9_999, hidden.id]) {
      expect((await s.customer.browser.get(`/inquiries/new?kind=consultation&field=${id}`)).status).toBe(404);
      await s.customer.browser.get('/inquiries');
      const sent = await postMultipart(t.app, s.customer.browser, '/inquiries', { fields: { ...definedOnly(inquiryForm(s)), fieldId: String(id) } });
      expect(sent.status, `field ${id}`).toBe(404);
    }
    await s.customer.browser.get('/inquiries');
    const garbage = await postMultipart(t.app, s.customer.browser, '/inquiries', { fields: { ...definedOnly(inquiryForm(s)), fieldId: 'abc' } });
    expect(garbage.status).toBe(404);
    expect(await counts()).toMatchObject({ inquiries: 0, invitations: 0, notices: 0, outbox_emails: 0 });
  });
});

function definedOnly(fields: FormFields): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined));
}

describe('sending a field inquiry', () => {
  it('goes to the chosen experts: the page shows it, each expert gets a notice and an e-mail, the customer a confirmation', async () => {
    const s = await scene();
    const bystander = await createExpert(t, { name: 'Cecilia Cee', email: 'cecilia@example.ee', fieldIds: [s.field.id] });

    const sent = await send(s.customer.browser, inquiryForm(s, { wishedBy: dayFromNow(t, 14) }));

    expect(sent.status).toBe(303);
    const id = inquiryIdOf(sent);
    const page = await s.customer.browser.follow(sent);
    expect(page.status).toBe(200);
    expect(flashOf(page.body)).toBe('Hinnapäring on saadetud. Anname teile teada iga pakkumise ja küsimuse kohta.');
    expect(page.body).toContain('<h1>Avarii ristmikul</h1>');
    const text = textOf(page.body);
    expect(text).toContain('Teine auto sõitis punase tulega minu autole otsa.');
    expect(text).toContain('Olek Ootab pakkumisi');
    expect(text).toContain('Valdkond Liiklusõnnetused');
    expect(text).toContain('Pakkumiste tähtaeg 2. detsember 2026 (päeva lõpuni)');
    expect(text).toContain('Soovitud valmimise kuupäev 9. detsember 2026');
    expect(invitedOf(page.body)).toEqual([
      ['Anna Aas', 'Uus', '—'],
      ['Berit Bee', 'Uus', '—'],
    ]);

    for (const expert of [s.anna, s.berit]) {
      const browser = t.browser();
      await loginAs(browser, expert);
      expect(mailboxTitles((await browser.get('/mailbox')).body)).toEqual(['Uus hinnapäring: Avarii ristmikul']);
      const email = await lastEmailTo(t, expert.email);
      expect(email.subject).toBe('Uus hinnapäring: Avarii ristmikul');
      expect(linkIn(email)).toBe(`/inquiries/${id}`);
    }
    expect(mailboxTitles((await s.customer.browser.get('/mailbox')).body)).toEqual(['Teie päring on saadetud: Avarii ristmikul']);
    expect((await emailsTo(t, 'kalle@example.ee')).map((e) => e.subject)).toEqual(['Teie päring on saadetud: Avarii ristmikul']);
    expect(await emailsTo(t, bystander.email)).toEqual([]);
    expect(await emailsTo(t, s.onLeave.email)).toEqual([]);
  });

  it('“send to all” invites every expert the form showed, and nobody else', async () => {
    const s = await scene();
    const cecilia = await createExpert(t, { name: 'Cecilia Cee', fieldIds: [s.field.id] });

    const sent = await send(s.customer.browser, inquiryForm(s, { expertIds: undefined, allExperts: 'on' }));

    expect(sent.status).toBe(303);
    const page = await s.customer.browser.follow(sent);
    expect(invitedOf(page.body).map((row) => row[0])).toEqual(['Anna Aas', 'Berit Bee', 'Cecilia Cee']);
    expect((await emailsTo(t, cecilia.email)).map((e) => e.subject)).toEqual(['Uus hinnapäring: Avarii ristmikul']);
    expect(await emailsTo(t, s.onLeave.email)).toEqual([]);
    expect(await emailsTo(t, s.elsewhere.email)).toEqual([]);
  });

  it('attached files are listed on the page and download (as attachments) only for the customer, invited experts and staff', async () => {
    const s = await scene();
    const uninvited = await createExpert(t, { name: 'Cecilia Cee', fieldIds: [s.field.id] });
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const stranger = await signedInUser(t);

    const sent = await send(s.customer.browser, inquiryForm(s, { expertIds: [String(s.anna.id)], description: '' }), [pdf('politsei-akt.pdf')]);

    expect(sent.status).toBe(303);
    const id = inquiryIdOf(sent);
    const page = await s.customer.browser.follow(sent);
    const link = new RegExp(`<a href="(/inquiries/${id}/files/\\d+)" download>politsei-akt.pdf</a>`).exec(page.body)?.[1];
    expect(link).toBeDefined();

    const annaBrowser = t.browser();
    await loginAs(annaBrowser, s.anna);
    for (const browser of [s.customer.browser, annaBrowser, moderator.browser]) {
      const file = await browser.get(link!);
      expect(file.status).toBe(200);
      expect(String(file.headers['content-disposition'])).toMatch(/^attachment;/);
      expect(file.response.rawPayload.equals(samplePdf('Akt'))).toBe(true);
    }
    const uninvitedBrowser = t.browser();
    await loginAs(uninvitedBrowser, uninvited);
    expect((await uninvitedBrowser.get(link!)).status).toBe(404);
    expect((await stranger.browser.get(link!)).status).toBe(404);
    expect((await t.browser().get(link!)).status).toBe(303);
  });

  it('several files are listed once each, in the order they were attached', async () => {
    const s = await scene();
    const names = ['1-politsei-akt.pdf', '2-arve.pdf', '3-kiri.pdf'];

    const sent = await send(s.customer.browser, inquiryForm(s, { expertIds: [String(s.anna.id)], description: '' }), names.map((name) => pdf(name)));

    expect(sent.status).toBe(303);
    const page = await s.customer.browser.follow(sent);
    const listed = [...page.body.matchAll(/<a href="\/inquiries\/\d+\/files\/\d+" download>([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(listed).toEqual(names);
  });

  it('a document inquiry names one of the default document types and its purpose, and the page shows both', async () => {
    const s = await scene();
    const form = await s.customer.browser.get(`/inquiries/new?kind=document&field=${s.field.id}`);
    const types = [...form.body.matchAll(/<input type="radio" id="documentTypeId[^"]*" name="documentTypeId" value="(\d+)"[^>]*\/><label[^>]*>([^<]+)<\/label>/g)].map((m) => ({
      id: m[1]!,
      name: m[2]!,
    }));
    expect(types.map((type) => type.name)).toEqual(['Kuriteoteade', 'Tsiviilhagi', 'Hüvitise taotlus', 'Kaebus', 'Leping', 'Muu dokument']);

    const sent = await send(s.customer.browser, inquiryForm(s, { kind: 'document', documentTypeId: types[1]!.id, purpose: 'Esitada kohtule hagi kahju hüvitamiseks.' }));

    expect(sent.status).toBe(303);
    const text = textOf((await s.customer.browser.follow(sent)).body);
    expect(text).toContain('Liik Dokument');
    expect(text).toContain('Dokumendi liik Tsiviilhagi');
    expect(text).toContain('Milleks dokumenti vajate Esitada kohtule hagi kahju hüvitamiseks.');
  });

  it('a document inquiry without a document type or a purpose is refused with both messages', async () => {
    const s = await scene();

    const page = await send(s.customer.browser, inquiryForm(s, { kind: 'document', purpose: '' }));

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'documentTypeId')).toBe('Valige dokumendi liik.');
    expect(fieldError(page.body, 'purpose')).toBe('See väli on kohustuslik.');
    expect(await countOf('inquiries')).toBe(0);
  });
});

describe('a general inquiry (the customer does not know the field)', () => {
  it('waits for the coordinator: no experts are invited, moderators and admins get a notice and an e-mail', async () => {
    const moderator = await signedInUser(t, { name: 'Mari Moderaator', email: 'mari@example.ee', roles: ['moderator'] });
    const admin = await signedInUser(t, { name: 'Aadu Admin', email: 'aadu@example.ee', roles: ['admin'] });
    const field = await createField(t);
    const expert = await createExpert(t, { name: 'Anna Aas', email: 'anna@example.ee', fieldIds: [field.id] });
    const { browser } = await signedInUser(t, { name: 'Kalle Klient', email: 'kalle@example.ee' });

    const form = await browser.get('/inquiries/new?kind=consultation');
    expect(form.status).toBe(200);
    expect(form.body).toContain('<h1>Üldine päring</h1>');
    expect(form.body).not.toContain('name="expertIds"');
    const sent = await send(browser, { kind: 'consultation', title: 'Ei tea, kelle poole pöörduda', description: 'Naaber ähvardab mind.', deadline: dayFromNow(t, 10), language: 'et' });

    expect(sent.status).toBe(303);
    const page = await browser.follow(sent);
    expect(flashOf(page.body)).toBe('Üldine päring on saadetud. Vastutav isik valib valdkonna ja anname teile teada, kui päring on ekspertidele saadetud.');
    const text = textOf(page.body);
    expect(text).toContain('Olek Ootab vastutavat isikut');
    expect(text).toContain('Valdkond Valimata (üldine päring)');
    expect(text).toContain('Päring ootab vastutavat isikut, kes valib valdkonna ja saadab selle ekspertidele.');
    expect(await countOf('invitations')).toBe(0);
    for (const staff of [moderator, admin]) {
      expect(mailboxTitles((await staff.browser.get('/mailbox')).body)).toEqual(['Uus üldine päring: Ei tea, kelle poole pöörduda']);
      expect((await emailsTo(t, staff.user.email)).map((e) => e.subject)).toEqual(['Uus üldine päring: Ei tea, kelle poole pöörduda']);
    }
    expect(await emailsTo(t, expert.email)).toEqual([]);
    expect((await emailsTo(t, 'kalle@example.ee')).map((e) => e.subject)).toEqual(['Teie päring on saadetud: Ei tea, kelle poole pöörduda']);
  });
});

describe('a form with mistakes', () => {
  type BadInput = { name: string; fields: (s: Scene) => FormFields; field: string; message: string };

  const cases: BadInput[] = [
    { name: 'no title', fields: (s) => inquiryForm(s, { title: '' }), field: 'title', message: 'See väli on kohustuslik.' },
    { name: 'no description and no file', fields: (s) => inquiryForm(s, { description: '' }), field: 'description', message: 'Kirjeldage, millist abi vajate, või lisage fail.' },
    { name: 'a deadline in the past', fields: (s) => inquiryForm(s, { deadline: dayFromNow(t, -1) }), field: 'deadline', message: 'Kuupäev ei saa olla minevikus.' },
    { name: 'a deadline more than 60 days ahead', fields: (s) => inquiryForm(s, { deadline: dayFromNow(t, 62) }), field: 'deadline', message: 'Tähtaeg saab olla kuni 60 päeva ette.' },
    { name: 'a deadline that is not a date', fields: (s) => inquiryForm(s, { deadline: 'järgmine nädal' }), field: 'deadline', message: 'Sisestage kuupäev kujul aaaa-kk-pp.' },
    { name: 'a deadline on a day that does not exist', fields: (s) => inquiryForm(s, { deadline: '2026-12-32' }), field: 'deadline', message: 'Sisestage kuupäev kujul aaaa-kk-pp.' },
    {
      name: 'a wished completion date before the deadline',
      fields: (s) => inquiryForm(s, { wishedBy: dayFromNow(t, 3) }),
      field: 'wishedBy',
      message: 'Soovitud valmimise kuupäev ei saa olla enne pakkumiste tähtaega.',
    },
    { name: 'a wished completion date that is not a date', fields: (s) => inquiryForm(s, { wishedBy: '31.12.2026' }), field: 'wishedBy', message: 'Sisestage kuupäev kujul aaaa-kk-pp.' },
    { name: 'no expert chosen', fields: (s) => inquiryForm(s, { expertIds: undefined }), field: 'expertIds', message: 'Valige vähemalt üks ekspert.' },
    {
      name: 'an expert on leave',
      fields: (s) => inquiryForm(s, { expertIds: [String(s.anna.id), String(s.onLeave.id)] }),
      field: 'expertIds',
      message: 'Mõni valitud ekspert ei saa praegu päringuid vastu võtta. Valige uuesti.',
    },
    {
      name: 'an expert of another field',
      fields: (s) => inquiryForm(s, { expertIds: [String(s.anna.id), String(s.elsewhere.id)] }),
      field: 'expertIds',
      message: 'Mõni valitud ekspert ei saa praegu päringuid vastu võtta. Valige uuesti.',
    },
    {
      name: 'an expert id that is not a number',
      fields: (s) => inquiryForm(s, { expertIds: [String(s.anna.id), 'abc'] }),
      field: 'expertIds',
      message: 'Valige pakutud valikute hulgast.',
    },
    {
      name: 'a document type that does not exist',
      fields: (s) => inquiryForm(s, { kind: 'document', documentTypeId: '99999', purpose: 'Kohtusse' }),
      field: 'documentTypeId',
      message: 'Valige dokumendi liik.',
    },
  ];

  it.each(cases)('$name: the form comes back (422) with the message, what was typed and chosen, and nothing is created', async ({ fields, field, message }) => {
    const s = await scene();
    const form: FormFields = { ...fields(s), language: 'en' };

    const page = await send(s.customer.browser, form);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, field)).toBe(message);
    expect(page.body).toContain('Vormis on vigu. Palun parandage allpool märgitud väljad.');
    expect(inputValue(page.body, 'title')).toBe(form['title']);
    expect(textAreaValue(page.body, 'description')).toBe(form['description']);
    expect(inputValue(page.body, 'deadline')).toBe(form['deadline']);
    expect(inputValue(page.body, 'wishedBy')).toBe(form['wishedBy']);
    expect(chosenValues(page.body, 'language')).toEqual(['en']);
    // The experts who can still be chosen stay ticked.
    expect(chosenValues(page.body, 'expertIds')).toEqual([String(s.anna.id), String(s.berit.id)].filter((id) => ([] as string[]).concat(form['expertIds'] ?? []).includes(id)));
    expect(await counts()).toEqual({ inquiries: 0, invitations: 0, offers: 0, inquiry_files: 0, files: 0, notices: 0, outbox_emails: 0 });
  });

  it('a refused form keeps the chosen document type and the purpose', async () => {
    const s = await scene();
    const form = await s.customer.browser.get(`/inquiries/new?kind=document&field=${s.field.id}`);
    const typeId = /name="documentTypeId" value="(\d+)"/.exec(form.body)![1]!;

    const page = await send(s.customer.browser, inquiryForm(s, { kind: 'document', documentTypeId: typeId, purpose: 'Kindlustusele', title: '' }));

    expect(page.status).toBe(422);
    expect(chosenValues(page.body, 'documentTypeId')).toEqual([typeId]);
    expect(textAreaValue(page.body, 'purpose')).toBe('Kindlustusele');
  });

  it('an English-speaking customer reads the messages in English', async () => {
    const s = await scene();
    const { browser } = await signedInUser(t, { locale: 'en' });

    const untitled = await send(browser, inquiryForm(s, { title: '' }));
    const undescribed = await send(browser, inquiryForm(s, { description: '', expertIds: undefined }));

    expect(untitled.status).toBe(422);
    expect(fieldError(untitled.body, 'title')).toBe('This field is required.');
    expect(undescribed.status).toBe(422);
    expect(fieldError(undescribed.body, 'description')).toBe('Describe the help you need or attach a file.');
    expect(fieldError(undescribed.body, 'expertIds')).toBe('Choose at least one expert.');
    expect(undescribed.body).toContain('The form has errors. Please correct the fields marked below.');
  });

  it('a file alone is enough without a description', async () => {
    const s = await scene();

    const page = await send(s.customer.browser, inquiryForm(s, { description: '' }), [pdf()]);

    expect(page.status).toBe(303);
  });

  it('hostile text is shown as text, never as markup, both on a refused form and on the inquiry', async () => {
    const s = await scene();
    const title = '<script>alert("x")</script> Avarii';
    const description = '<img src=x onerror=alert(1)> & "jutumärgid"';

    const refused = await send(s.customer.browser, inquiryForm(s, { title, description, deadline: 'x' }));
    const sent = await send(s.customer.browser, inquiryForm(s, { title, description }));

    expect(refused.status).toBe(422);
    expect(inputValue(refused.body, 'title')).toBe(title);
    expect(textAreaValue(refused.body, 'description')).toBe(description);
    expect(sent.status).toBe(303);
    const page = await s.customer.browser.follow(sent);
    const annaBrowser = t.browser();
    await loginAs(annaBrowser, s.anna);
    for (const html of [refused.body, page.body, (await s.customer.browser.get('/inquiries')).body, (await annaBrowser.get('/e-consultations')).body]) {
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
    }
    expect(textOf(page.body)).toContain(description);
    expect(page.body).toMatch(/&lt;script(>|&gt;)alert/);
  });
});

describe('My inquiries', () => {
  it('lists only the customer’s own inquiries, newest first, with status, invited experts and offers', async () => {
    const s = await scene();
    const other = await createUser(t);
    const first = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id, s.berit.id], title: 'Esimene' });
    await makeOfferAs(t, s.anna, first);
    const second = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id], title: 'Teine', kind: 'document' });
    await t.deps.db.updateTable('inquiries').set({ status: 'cancelled' }).where('id', '=', second).execute();
    await createInquiryAs(t, s.customer.user, { title: 'Kolmas' });
    await createInquiryAs(t, other, { fieldId: s.field.id, expertIds: [s.anna.id], title: 'Võõras' });

    const page = await s.customer.browser.get('/inquiries');

    expect(page.status).toBe(200);
    expect(listRowsOf(page.body)).toEqual([
      ['Kolmas E-konsultatsioon', 'Ootab vastutavat isikut', '0', '0', '2. detsember 2026 (päeva lõpuni)'],
      ['Teine Dokument', 'Tühistatud', '1', '0', '2. detsember 2026 (päeva lõpuni)'],
      ['Esimene E-konsultatsioon', 'Ootab pakkumisi', '2', '1', '2. detsember 2026 (päeva lõpuni)'],
    ]);
    expect(page.body).toContain(`<a href="/inquiries/${first}">Esimene</a>`);
    expect(textOf(page.body)).not.toContain('Võõras');
  });

  it('shows 25 inquiries a page, with a link to the next', async () => {
    const { user, browser } = await signedInUser(t);
    for (let n = 1; n <= 26; n += 1) await createInquiryAs(t, user, { title: `Päring ${n}` });

    const first = await browser.get('/inquiries');
    const second = await browser.get('/inquiries?page=2');

    const titlesOf = (html: string) => listRowsOf(html).map((row) => row[0]!.replace(/ E-konsultatsioon$/, ''));
    expect(titlesOf(first.body)).toHaveLength(25);
    expect(titlesOf(first.body)[0]).toBe('Päring 26');
    expect(titlesOf(first.body)[24]).toBe('Päring 2');
    expect(first.body).toContain('<a href="/inquiries?page=2" rel="next">');
    expect(titlesOf(second.body)).toEqual(['Päring 1']);
  });

  it('asks an anonymous visitor to sign in', async () => {
    const page = await t.browser().get('/inquiries');

    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/login\?next=/);
  });
});

/** An inquiry to Anna, Berit and Cecilia: Anna has offered, Berit declined, Cecilia has not answered. */
async function inquiryWithAnswers(s: Scene) {
  const cecilia = await createExpert(t, { name: 'Cecilia Cee', email: 'cecilia@example.ee', fieldIds: [s.field.id] });
  const id = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id, s.berit.id, cecilia.id], title: 'Avarii' });
  await makeOfferAs(t, s.anna, id, { priceCents: 15_000, validUntil: dayFromNow(t, 7) });
  await declineInvitation(t.deps, await actorOf(t, s.berit), id, { reason: 'tooBusy', note: '' });
  return { id, cecilia };
}

/** A browser signed in afresh: after the clock has moved days ahead, earlier sessions have ended. */
async function signInAgain(user: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, user);
  return browser;
}

async function noticeTitles(user: { email: string; password: string }): Promise<string[]> {
  const browser = await signInAgain(user);
  return mailboxTitles((await browser.get('/mailbox')).body);
}

describe('cancelling an inquiry', () => {
  it('closes it: experts who still had a say are told, their invitations and offers are cancelled', async () => {
    const s = await scene();
    const { id, cecilia } = await inquiryWithAnswers(s);

    const done = await s.customer.browser.post(`/inquiries/${id}/cancel`, {}, { formPage: `/inquiries/${id}` });

    expect(done.status).toBe(303);
    expect(done.location).toBe(`/inquiries/${id}`);
    const page = await s.customer.browser.follow(done);
    expect(flashOf(page.body)).toBe('Päring on tühistatud ja eksperte on teavitatud.');
    expect(textOf(page.body)).toContain('Olek Tühistatud');
    expect(invitedOf(page.body)).toEqual([
      ['Anna Aas', 'Tellija tühistas', '—'],
      ['Berit Bee', 'Loobunud', 'Mul ei ole praegu aega'],
      ['Cecilia Cee', 'Tellija tühistas', '—'],
    ]);
    expect(offersOf(page.body)[0]![0]).toContain('Päring tühistati');
    expect(page.body).not.toContain(`action="/inquiries/${id}/cancel"`);
    for (const expert of [s.anna, cecilia]) {
      expect((await noticeTitles(expert))[0]).toBe('Päring tühistati: Avarii');
      expect((await lastEmailTo(t, expert.email)).subject).toBe('Päring tühistati: Avarii');
    }
    expect(await noticeTitles(s.berit)).not.toContain('Päring tühistati: Avarii');
    const annaBrowser = t.browser();
    await loginAs(annaBrowser, s.anna);
    expect(textOf((await annaBrowser.get(`/inquiries/${id}`)).body)).toContain('Tellija tühistas päringu.');
  });

  it('cancelling twice is refused (409) with what happened, and nobody is told again', async () => {
    const s = await scene();
    const id = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id] });
    await s.customer.browser.post(`/inquiries/${id}/cancel`, {}, { formPage: `/inquiries/${id}` });
    const emails = await countOf('outbox_emails');

    const again = await s.customer.browser.post(`/inquiries/${id}/cancel`, {});

    expect(again.status).toBe(409);
    expect(summaryOf(again.body)).toBe('Tellija on selle päringu tühistanud.');
    expect(await countOf('outbox_emails')).toBe(emails);
  });

  it('an expired inquiry cannot be cancelled (409)', async () => {
    const s = await scene();
    const id = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id], deadline: dayFromNow(t, 2) });
    t.clock.advance(3 * 24 * hour);
    await sweepInquiryDeadlines(t.deps);
    const customer = await signInAgain(s.customer.user);

    const page = await customer.post(`/inquiries/${id}/cancel`, {}, { formPage: `/inquiries/${id}` });

    expect(page.status).toBe(409);
    expect(summaryOf(page.body)).toBe('Pakkumiste tähtaeg on möödas ja päring on suletud.');
    expect(textOf(page.body)).toContain('Olek Tähtaeg möödas');
  });

  it('nobody but the customer can cancel: another customer and an invited expert get “not found”', async () => {
    const s = await scene();
    const id = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id] });
    const other = await signedInUser(t);
    const annaBrowser = t.browser();
    await loginAs(annaBrowser, s.anna);

    for (const browser of [other.browser, annaBrowser]) {
      await browser.get('/my');
      expect((await browser.post(`/inquiries/${id}/cancel`, {})).status).toBe(404);
    }
    expect(textOf((await s.customer.browser.get(`/inquiries/${id}`)).body)).toContain('Olek Ootab pakkumisi');
  });
});

describe('extending the deadline', () => {
  it('moves it later, tells the experts, and reminds them again before the new deadline', async () => {
    const s = await scene();
    const id = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id, s.berit.id], title: 'Avarii', deadline: dayFromNow(t, 3) });
    // Twelve hours before the first deadline: one reminder each.
    t.clock.set(new Date(endOfTallinnDay(dayFromNow(t, 3)).getTime() - 12 * hour));
    await sweepInquiryDeadlines(t.deps);
    const customer = await signInAgain(s.customer.user);
    const later = dayFromNow(t, 5);

    const done = await customer.post(`/inquiries/${id}/deadline`, { deadline: later }, { formPage: `/inquiries/${id}` });

    expect(done.status).toBe(303);
    const page = await customer.follow(done);
    expect(flashOf(page.body)).toBe('Tähtaeg on pikendatud ja eksperte on teavitatud.');
    expect(textOf(page.body)).toContain('Pakkumiste tähtaeg 3. detsember 2026 (päeva lõpuni)');
    for (const expert of [s.anna, s.berit]) {
      expect((await noticeTitles(expert))[0]).toBe('Pakkumiste tähtaega pikendati: Avarii');
    }
    t.clock.set(new Date(endOfTallinnDay(later).getTime() - 12 * hour));
    await sweepInquiryDeadlines(t.deps);
    for (const expert of [s.anna, s.berit]) {
      const reminders = (await emailsTo(t, expert.email)).filter((e) => e.subject === 'Meeldetuletus: pakkumiste tähtaeg läheneb – Avarii');
      expect(reminders).toHaveLength(2);
    }
  });

  it('an earlier or the same day is refused (422) with the typed date kept and the deadline unchanged', async () => {
    const s = await scene();
    const id = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id], deadline: dayFromNow(t, 7) });

    for (const day of [dayFromNow(t, 7), dayFromNow(t, 3)]) {
      const page = await s.customer.browser.post(`/inquiries/${id}/deadline`, { deadline: day }, { formPage: `/inquiries/${id}` });
      expect(page.status).toBe(422);
      expect(fieldError(page.body, 'deadline')).toBe('Uus tähtaeg peab olema praegusest hilisem.');
      expect(inputValue(page.body, 'deadline')).toBe(day);
      expect(textOf(page.body)).toContain('Pakkumiste tähtaeg 2. detsember 2026 (päeva lõpuni)');
    }
    const garbage = await s.customer.browser.post(`/inquiries/${id}/deadline`, { deadline: 'homme' });
    expect(garbage.status).toBe(422);
    expect(fieldError(garbage.body, 'deadline')).toBe('Sisestage kuupäev kujul aaaa-kk-pp.');
    expect(await emailsTo(t, s.anna.email)).toHaveLength(1);
  });
});

describe('the deadline sweep', () => {
  it('expires an open inquiry past its deadline: its open invitations and active offers expire, the customer and those experts are told', async () => {
    const s = await scene();
    const { id, cecilia } = await inquiryWithAnswers(s);
    t.clock.set(new Date(endOfTallinnDay(dayFromNow(t, 7)).getTime() - 30 * 60_000));
    await sweepInquiryDeadlines(t.deps);
    const customer = await signInAgain(s.customer.user);
    expect(textOf((await customer.get(`/inquiries/${id}`)).body)).toContain('Olek Ootab pakkumisi');

    t.clock.advance(hour);
    const result = await sweepInquiryDeadlines(t.deps);

    expect(result.expired).toBe(1);
    const page = await customer.get(`/inquiries/${id}`);
    expect(textOf(page.body)).toContain('Olek Tähtaeg möödas');
    expect(invitedOf(page.body)).toEqual([
      ['Anna Aas', 'Aegunud', '—'],
      ['Berit Bee', 'Loobunud', 'Mul ei ole praegu aega'],
      ['Cecilia Cee', 'Aegunud', '—'],
    ]);
    expect(offersOf(page.body)[0]![0]).toContain('Aegunud');
    expect((await lastEmailTo(t, 'kalle@example.ee')).subject).toBe('Pakkumiste tähtaeg möödus: Avarii');
    expect(mailboxTitles((await customer.get('/mailbox')).body)[0]).toBe('Pakkumiste tähtaeg möödus: Avarii');
    for (const expert of [s.anna, cecilia]) {
      expect((await lastEmailTo(t, expert.email)).subject).toBe('Päring suleti tähtaja möödudes: Avarii');
    }
    expect((await emailsTo(t, s.berit.email)).map((e) => e.subject)).not.toContain('Päring suleti tähtaja möödudes: Avarii');
    expect(textOf((await (await signInAgain(s.anna)).get(`/inquiries/${id}`)).body)).toContain('Päring suleti pakkumiste tähtaja möödudes.');
    // A second run finds nothing more to do.
    expect(await sweepInquiryDeadlines(t.deps)).toEqual({ expired: 0, reminded: 0, lapsed: 0 });
  });

  it('reminds each expert who has not answered exactly once within a day of the deadline', async () => {
    const s = await scene();
    const { cecilia } = await inquiryWithAnswers(s);
    const subject = 'Meeldetuletus: pakkumiste tähtaeg läheneb – Avarii';
    const remindersTo = async (email: string) => (await emailsTo(t, email)).filter((e) => e.subject === subject).length;
    const deadline = endOfTallinnDay(dayFromNow(t, 7));

    t.clock.set(new Date(deadline.getTime() - 25 * hour));
    await sweepInquiryDeadlines(t.deps);
    expect(await remindersTo(cecilia.email)).toBe(0);

    t.clock.set(new Date(deadline.getTime() - 23 * hour));
    await sweepInquiryDeadlines(t.deps);
    t.clock.advance(hour);
    await sweepInquiryDeadlines(t.deps);

    expect(await remindersTo(cecilia.email)).toBe(1);
    expect((await noticeTitles(cecilia)).filter((title) => title === subject)).toHaveLength(1);
    // Anna has offered and Berit declined: nothing to remind them of.
    expect(await remindersTo(s.anna.email)).toBe(0);
    expect(await remindersTo(s.berit.email)).toBe(0);
  });

  it('lapses an offer whose last valid day has ended: the expert is told and can offer again', async () => {
    const s = await scene();
    const id = await createInquiryAs(t, s.customer.user, { fieldId: s.field.id, expertIds: [s.anna.id], title: 'Avarii' });
    await makeOfferAs(t, s.anna, id, { validUntil: dayFromNow(t, 2) });
    const lastValidDay = dayFromNow(t, 2);
    t.clock.set(new Date(endOfTallinnDay(lastValidDay).getTime() - hour));
    expect((await sweepInquiryDeadlines(t.deps)).lapsed).toBe(0);

    t.clock.advance(2 * hour);
    expect((await sweepInquiryDeadlines(t.deps)).lapsed).toBe(1);

    const customer = await signInAgain(s.customer.user);
    const customerPage = await customer.get(`/inquiries/${id}`);
    expect(invitedOf(customerPage.body)).toEqual([['Anna Aas', 'Avatud', '—']]);
    expect(offersOf(customerPage.body)[0]![0]).toContain('Aegunud');
    expect((await lastEmailTo(t, s.anna.email)).subject).toBe('Teie pakkumine aegus: Avarii');

    const annaBrowser = await signInAgain(s.anna);
    const again = await annaBrowser.post(`/inquiries/${id}/offer`, { price: '130', deliveryDate: dayFromNow(t, 10), validUntil: dayFromNow(t, 3), note: 'Uus pakkumine' }, { formPage: `/inquiries/${id}` });
    expect(again.status).toBe(303);
    const after = await customer.get(`/inquiries/${id}`);
    expect(invitedOf(after.body)).toEqual([['Anna Aas', 'Pakkumine tehtud', '—']]);
    expect(offersOf(after.body)).toEqual([[expect.stringContaining('Anna Aas') as unknown as string, '130,00 €', '8. detsember 2026', '1. detsember 2026', 'Uus pakkumine']]);
  });
});
