import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createDocumentType as createDocumentTypeAsAdmin } from '../../src/use-cases/document-types.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { createInquiryAs, dayFromNow } from '../support/inquiries.js';
import { postMultipart } from '../support/multipart.js';
import { fieldError, fieldValue, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

/** The types every new database starts with (the migration's defaults), in display order. */
const defaultNamesEt = ['Kuriteoteade', 'Tsiviilhagi', 'Hüvitise taotlus', 'Kaebus', 'Leping', 'Muu dokument'];
const defaultNamesEn = ['Crime report', 'Civil claim', 'Compensation application', 'Complaint', 'Contract', 'Other document'];

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

type AdminRow = { id: number; nameEt: string; nameEn: string; inquiries: number; status: string; toggle: string; canMoveUp: boolean; canMoveDown: boolean };

/** The rows of the admin's document type table, top to bottom. */
function adminRows(html: string): AdminRow[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => {
    const cells = [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!);
    const statusCell = cells[2]!;
    return {
      id: Number(/href="\/admin\/document-types\/(\d+)"/.exec(cells[0]!)?.[1]),
      nameEt: decode(/<a [^>]*>([\s\S]*?)<\/a>/.exec(cells[0]!)?.[1] ?? ''),
      nameEn: decode(/<span class="muted" lang="en">([\s\S]*?)<\/span>/.exec(cells[0]!)?.[1] ?? ''),
      inquiries: Number(mainText(cells[1]!)),
      status: mainText(statusCell.split('<br')[0]!),
      toggle: mainText(/<button[^>]*>([\s\S]*?)<\/button>/.exec(statusCell)?.[1] ?? ''),
      canMoveUp: cells[3]!.includes('name="direction" value="up"'),
      canMoveDown: cells[3]!.includes('name="direction" value="down"'),
    };
  });
}

function rowNamed(html: string, nameEt: string): AdminRow {
  const row = adminRows(html).find((r) => r.nameEt === nameEt);
  if (!row) throw new Error(`no row named ${nameEt}`);
  return row;
}

/** The document types the "Order a document" form offers: [id, label] of each radio button. */
function offeredTypes(html: string): [number, string][] {
  return [...html.matchAll(/<input type="radio"[^>]*\bname="documentTypeId"[^>]*\bvalue="(\d+)"[^>]*\/?><label[^>]*>([\s\S]*?)<\/label>/g)].map((m) => [
    Number(m[1]),
    decode(m[2]!),
  ]);
}

function isActiveTicked(html: string): boolean {
  const tag = /<input type="checkbox"[^>]*\bname="isActive"[^>]*>/.exec(html)?.[0] ?? '';
  return /\schecked(?=[\s/>=])/.test(tag);
}

function flashOf(html: string): string | undefined {
  const text = /<p class="flash" role="status">([\s\S]*?)<\/p>/.exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

/** The "Document type" entry of an inquiry page's summary. */
function shownDocumentType(html: string): string | undefined {
  const entries = /<dl class="meta-list">([\s\S]*?)<\/dl>/.exec(html)?.[1] ?? '';
  for (const m of entries.matchAll(/<dt>([\s\S]*?)<\/dt>\s*<dd>([\s\S]*?)<\/dd>/g)) {
    if (['Dokumendi liik', 'Type of document'].includes(mainText(m[1]!))) return decode(mainText(m[2]!));
  }
  return undefined;
}

async function typeRows() {
  return t.deps.db.selectFrom('document_types').selectAll().orderBy('id').execute();
}

async function typeIdNamed(nameEt: string): Promise<number> {
  const row = await t.deps.db.selectFrom('document_types').select('id').where('name_et', '=', nameEt).executeTakeFirstOrThrow();
  return row.id;
}

async function signedInAdmin(options: { locale?: 'et' | 'en' } = {}) {
  return signedInUser(t, { name: 'Ada Admin', roles: ['admin'], ...options });
}

/** What a customer is offered on the "Order a document" form. */
async function offeredToCustomer(locale: 'et' | 'en' = 'et'): Promise<[number, string][]> {
  const { browser } = await signedInUser(t, { locale });
  const page = await browser.get('/inquiries/new?kind=document');
  expect(page.status).toBe(200);
  return offeredTypes(page.body);
}

/** A customer's document inquiry of this type; returns the customer's browser and the inquiry's id. */
async function documentInquiry(documentTypeId: number, locale: 'et' | 'en' = 'et') {
  const customer = await createUser(t, { name: 'Kati Karu', locale });
  const id = await createInquiryAs(t, customer, { kind: 'document', documentTypeId, title: 'Vajan lepingut' });
  const browser = t.browser();
  await loginAs(browser, customer);
  return { browser, id };
}

type TypeForm = { nameEt: string; nameEn: string; isActive?: string };

function newTypeForm(overrides: Partial<TypeForm> = {}): Record<string, string> {
  return { nameEt: 'Volikiri', nameEn: 'Power of attorney', isActive: 'on', ...overrides };
}

function createThroughForm(admin: Browser, form: Record<string, string>): Promise<Page> {
  return admin.post('/admin/document-types', form, { formPage: '/admin/document-types' });
}

function saveThroughForm(admin: Browser, id: number, form: Record<string, string>): Promise<Page> {
  return admin.post(`/admin/document-types/${id}`, form, { formPage: `/admin/document-types/${id}` });
}

function setActive(admin: Browser, id: number, isActive: string | string[]): Promise<Page> {
  return admin.post(`/admin/document-types/${id}/active`, { isActive }, { formPage: '/admin/document-types' });
}

function move(admin: Browser, id: number, direction: string | string[]): Promise<Page> {
  return admin.post(`/admin/document-types/${id}/move`, { direction }, { formPage: '/admin/document-types' });
}

function remove(admin: Browser, id: number): Promise<Page> {
  return admin.post(`/admin/document-types/${id}/delete`, {}, { formPage: `/admin/document-types/${id}` });
}

async function listOrder(admin: Browser): Promise<string[]> {
  return adminRows((await admin.get('/admin/document-types')).body).map((r) => r.nameEt);
}

describe('the list of document types', () => {
  it('shows every type in display order, with both names, whether it is offered and how many inquiries chose it', async () => {
    const contract = await typeIdNamed('Leping');
    const complaint = await typeIdNamed('Kaebus');
    await documentInquiry(contract);
    await documentInquiry(contract);
    await documentInquiry(complaint);
    await t.deps.db.updateTable('document_types').set({ is_active: 0 }).where('id', '=', complaint).execute();
    const { browser: admin } = await signedInAdmin();

    const page = await admin.get('/admin/document-types');

    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Dokumendi liigid</h1>');
    const rows = adminRows(page.body);
    expect(rows.map((r) => r.nameEt)).toEqual(defaultNamesEt);
    expect(rows.map((r) => r.nameEn)).toEqual(defaultNamesEn);
    expect(rows.map((r) => [r.nameEt, r.inquiries, r.status, r.toggle])).toEqual([
      ['Kuriteoteade', 0, 'Kasutusel', 'Peida'],
      ['Tsiviilhagi', 0, 'Kasutusel', 'Peida'],
      ['Hüvitise taotlus', 0, 'Kasutusel', 'Peida'],
      ['Kaebus', 1, 'Peidetud', 'Võta kasutusele'],
      ['Leping', 2, 'Kasutusel', 'Peida'],
      ['Muu dokument', 0, 'Kasutusel', 'Peida'],
    ]);
    expect(rows[0]).toMatchObject({ canMoveUp: false, canMoveDown: true });
    expect(rows[5]).toMatchObject({ canMoveUp: true, canMoveDown: false });
    expect(fieldValue(page.body, 'nameEt')).toBe('');
    expect(fieldValue(page.body, 'nameEn')).toBe('');
    expect(isActiveTicked(page.body)).toBe(true);
  });

  it('speaks English to an admin who reads English', async () => {
    await t.deps.db.updateTable('document_types').set({ is_active: 0 }).where('name_et', '=', 'Kaebus').execute();
    const { browser: admin } = await signedInAdmin({ locale: 'en' });
    const page = await admin.get('/admin/document-types');
    expect(page.body).toContain('<h1>Document types</h1>');
    expect(rowNamed(page.body, 'Kaebus')).toMatchObject({ nameEn: 'Complaint', status: 'Hidden', toggle: 'Show' });
    expect(rowNamed(page.body, 'Leping')).toMatchObject({ nameEn: 'Contract', status: 'In use', toggle: 'Hide' });
    expect(mainText(page.body)).toContain('New document type');
  });

  it('is linked from the admin menu and My menu for admins only', async () => {
    const { browser: admin } = await signedInAdmin();
    expect((await admin.get('/admin/users')).body).toContain('href="/admin/document-types"');
    expect((await admin.get('/my')).body).toContain('<a href="/admin/document-types">Dokumendi liigid</a>');
    const listPage = await admin.get('/admin/document-types');
    expect(listPage.body).toContain('<a href="/admin/document-types" aria-current="page">Dokumendi liigid</a>');

    const { browser: moderator } = await signedInUser(t, { roles: ['moderator'] });
    expect((await moderator.get('/admin/users')).body).not.toContain('/admin/document-types');
    expect((await moderator.get('/my')).body).not.toContain('/admin/document-types');
  });
});

describe('adding a document type', () => {
  it('adds it at the end of the list and of the "Order a document" form, in both languages', async () => {
    const { browser: admin } = await signedInAdmin();

    const created = await createThroughForm(admin, newTypeForm());
    expect(created.status).toBe(303);
    expect(created.location).toBe('/admin/document-types');
    const list = await admin.follow(created);
    expect(flashOf(list.body)).toBe('Dokumendi liik on lisatud.');
    const rows = adminRows(list.body);
    expect(rows.map((r) => r.nameEt)).toEqual([...defaultNamesEt, 'Volikiri']);
    expect(rows.at(-1)).toMatchObject({ nameEn: 'Power of attorney', inquiries: 0, status: 'Kasutusel', canMoveUp: true, canMoveDown: false });
    expect(rows.at(-2)).toMatchObject({ canMoveDown: true });

    const id = rows.at(-1)!.id;
    expect((await offeredToCustomer('et')).map(([, name]) => name)).toEqual([...defaultNamesEt, 'Volikiri']);
    expect((await offeredToCustomer('et')).at(-1)).toEqual([id, 'Volikiri']);
    expect((await offeredToCustomer('en')).map(([, name]) => name)).toEqual([...defaultNamesEn, 'Power of attorney']);
    expect((await offeredToCustomer('en')).at(-1)).toEqual([id, 'Power of attorney']);
  });

  it('tells an English-reading admin in English', async () => {
    const { browser: admin } = await signedInAdmin({ locale: 'en' });
    const list = await admin.follow(await createThroughForm(admin, newTypeForm()));
    expect(flashOf(list.body)).toBe('The document type has been added.');
  });

  it('adds a hidden type when "in use" is not ticked: listed for the admin, not offered to customers', async () => {
    const { browser: admin } = await signedInAdmin();
    const { isActive: _omitted, ...form } = newTypeForm();
    const list = await admin.follow(await createThroughForm(admin, form));
    expect(rowNamed(list.body, 'Volikiri')).toMatchObject({ status: 'Peidetud', toggle: 'Võta kasutusele' });
    expect((await offeredToCustomer()).map(([, name]) => name)).toEqual(defaultNamesEt);
  });

  it('trims the names and stores them composed (NFC)', async () => {
    const { browser: admin } = await signedInAdmin();
    const page = await createThroughForm(admin, newTypeForm({ nameEt: '  Pa\u0308rimisavaldus  ', nameEn: ' Inheritance claim ' }));
    expect(page.status).toBe(303);
    const stored = (await typeRows()).at(-1)!;
    expect(stored).toMatchObject({ name_et: 'Pärimisavaldus', name_en: 'Inheritance claim', is_active: 1 });
  });

  it('takes a name of exactly 100 characters', async () => {
    const { browser: admin } = await signedInAdmin();
    const page = await createThroughForm(admin, newTypeForm({ nameEt: 'õ'.repeat(100) }));
    expect(page.status).toBe(303);
    expect((await typeRows()).at(-1)!.name_et).toBe('õ'.repeat(100));
  });
});

describe('two admins adding the same name at once', () => {
  it('adds one type and tells the other admin the name is taken (never a 500)', async () => {
    const admins = await Promise.all([1, 2].map((n) => createUser(t, { name: `Admin ${n}`, roles: ['admin'] })));
    const actors = admins.map((a) => ({ id: a.id, name: a.name, email: a.email, locale: 'et' as const, roles: ['admin' as const] }));
    const input = { nameEt: 'Volikiri', nameEn: 'Power of attorney', isActive: true };

    const outcomes = await Promise.allSettled(actors.map((actor) => createDocumentTypeAsAdmin(t.deps, actor, input)));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(DomainError);
    expect((refused?.reason as DomainError).code).toBe('VALIDATION');
    expect((refused?.reason as DomainError).details['fields']).toEqual({ nameEt: 'documentTypeNameTaken' });
    const rows = await t.deps.db.selectFrom('document_types').select('id').where('name_et', '=', 'Volikiri').execute();
    expect(rows).toHaveLength(1);
  });
});

describe('editing a document type', () => {
  it('renames it in the list, on the "Order a document" form and on inquiries that chose it', async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: customer, id: inquiryId } = await documentInquiry(contract);
    const { browser: admin } = await signedInAdmin();

    const form = await admin.get(`/admin/document-types/${contract}`);
    expect(form.status).toBe(200);
    expect(form.body).toContain('<h1>Leping</h1>');
    expect(mainText(form.body)).toContain('Päringuid: 1');
    expect(fieldValue(form.body, 'nameEt')).toBe('Leping');
    expect(fieldValue(form.body, 'nameEn')).toBe('Contract');
    expect(isActiveTicked(form.body)).toBe(true);

    const saved = await saveThroughForm(admin, contract, { nameEt: 'Lepingu projekt', nameEn: 'Draft contract', isActive: 'on' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/admin/document-types');
    const list = await admin.follow(saved);
    expect(flashOf(list.body)).toBe('Dokumendi liik on salvestatud.');
    expect(adminRows(list.body)[4]).toMatchObject({ id: contract, nameEt: 'Lepingu projekt', nameEn: 'Draft contract', inquiries: 1, status: 'Kasutusel' });

    expect(await offeredToCustomer('et')).toContainEqual([contract, 'Lepingu projekt']);
    expect(await offeredToCustomer('en')).toContainEqual([contract, 'Draft contract']);
    expect(shownDocumentType((await customer.get(`/inquiries/${inquiryId}`)).body)).toBe('Lepingu projekt');
  });

  it('saves a type under its own unchanged names (they are not somebody else\'s)', async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: admin } = await signedInAdmin();
    const saved = await saveThroughForm(admin, contract, { nameEt: 'Leping', nameEn: 'Contract', isActive: 'on' });
    expect(saved.status).toBe(303);
    expect((await typeRows()).find((r) => r.id === contract)).toMatchObject({ name_et: 'Leping', name_en: 'Contract', is_active: 1 });
  });

  it('answers an unknown document type with 404 and changes nothing', async () => {
    const { browser: admin } = await signedInAdmin();
    const before = await typeRows();
    expect((await admin.get('/admin/document-types/999999')).status).toBe(404);
    expect((await admin.get('/admin/document-types/abc')).status).toBe(404);
    await admin.get('/admin/document-types');
    expect((await admin.post('/admin/document-types/999999', newTypeForm())).status).toBe(404);
    expect((await admin.post('/admin/document-types/999999/active', { isActive: 'off' })).status).toBe(404);
    expect((await admin.post('/admin/document-types/999999/move', { direction: 'up' })).status).toBe(404);
    expect((await admin.post('/admin/document-types/999999/delete', {})).status).toBe(404);
    expect(await typeRows()).toEqual(before);
  });
});

describe('hiding and showing a document type', () => {
  it('stops offering a hidden type in new inquiries while earlier inquiries keep showing it; showing it brings it back', async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: customer, id: inquiryId } = await documentInquiry(contract);
    const { browser: admin } = await signedInAdmin();

    const hidden = await setActive(admin, contract, 'off');
    expect(hidden.status).toBe(303);
    expect(hidden.location).toBe('/admin/document-types');
    const list = await admin.follow(hidden);
    expect(flashOf(list.body)).toBe('Dokumendi liik on peidetud: uutes päringutes seda enam ei pakuta.');
    expect(rowNamed(list.body, 'Leping')).toMatchObject({ status: 'Peidetud', toggle: 'Võta kasutusele', inquiries: 1 });
    expect(isActiveTicked((await admin.get(`/admin/document-types/${contract}`)).body)).toBe(false);

    expect((await offeredToCustomer('et')).map(([id]) => id)).not.toContain(contract);
    expect((await offeredToCustomer('en')).map(([, name]) => name)).toEqual(defaultNamesEn.filter((n) => n !== 'Contract'));
    const inquiryPage = await customer.get(`/inquiries/${inquiryId}`);
    expect(inquiryPage.status).toBe(200);
    expect(shownDocumentType(inquiryPage.body)).toBe('Leping');

    const shown = await setActive(admin, contract, 'on');
    expect(shown.status).toBe(303);
    const again = await admin.follow(shown);
    expect(flashOf(again.body)).toBe('Dokumendi liik on uuesti kasutusel.');
    expect(rowNamed(again.body, 'Leping')).toMatchObject({ status: 'Kasutusel', toggle: 'Peida' });
    expect((await offeredToCustomer()).map(([, name]) => name)).toEqual(defaultNamesEt);
  });

  it('shows a hidden type in English on an English reader\'s earlier inquiry', async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: customer, id: inquiryId } = await documentInquiry(contract, 'en');
    const { browser: admin } = await signedInAdmin();
    await setActive(admin, contract, 'off');
    expect(shownDocumentType((await customer.get(`/inquiries/${inquiryId}`)).body)).toBe('Contract');
  });

  it('refuses a new inquiry that names a hidden type (a stale or forged form) at the type choice', async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: admin } = await signedInAdmin();
    const { browser: customer } = await signedInUser(t, { name: 'Kati Karu' });
    await customer.get('/inquiries/new?kind=document');
    await setActive(admin, contract, 'off');

    const page = await postMultipart(t.app, customer, '/inquiries', {
      fields: {
        kind: 'document',
        documentTypeId: String(contract),
        purpose: 'Esitada äripartnerile',
        title: 'Vajan lepingut',
        description: 'Müügileping kahe ettevõtte vahel.',
        deadline: dayFromNow(t, 7),
        language: 'et',
      },
    });
    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'documentTypeId')).toBe('Valige dokumendi liik.');
    expect(offeredTypes(page.body).map(([id]) => id)).not.toContain(contract);
    expect(fieldValue(page.body, 'title')).toBe('Vajan lepingut');
    const stored = await t.deps.db.selectFrom('inquiries').select('id').execute();
    expect(stored).toEqual([]);
  });

  it('hides and shows through the edit form\'s "in use" box too', async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: admin } = await signedInAdmin();
    expect((await saveThroughForm(admin, contract, { nameEt: 'Leping', nameEn: 'Contract', isActive: '' })).status).toBe(303);
    expect((await offeredToCustomer()).map(([id]) => id)).not.toContain(contract);
    expect((await saveThroughForm(admin, contract, { nameEt: 'Leping', nameEn: 'Contract', isActive: 'on' })).status).toBe(303);
    expect((await offeredToCustomer()).map(([id]) => id)).toContain(contract);
  });

  it('leaves a type as it is when asked to hide it twice', async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: admin } = await signedInAdmin();
    await setActive(admin, contract, 'off');
    const before = await typeRows();
    expect((await setActive(admin, contract, 'off')).status).toBe(303);
    expect(await typeRows()).toEqual(before);
  });

  it.each([['hidden'], [''], ['ON'], [['on', 'off']]])('refuses the status %j with 400 and changes nothing', async (isActive) => {
    const contract = await typeIdNamed('Leping');
    const { browser: admin } = await signedInAdmin();
    const before = await typeRows();
    const page = await setActive(admin, contract, isActive);
    expect(page.status).toBe(400);
    expect(page.body).toContain('<h1>Päringut ei saanud töödelda</h1>');
    expect(await typeRows()).toEqual(before);
  });
});

describe('document type form validation', () => {
  const long = 'ä'.repeat(101);
  const cases: [string, Partial<TypeForm>, string, string, string][] = [
    ['an empty Estonian name', { nameEt: '' }, 'nameEt', 'See väli on kohustuslik.', 'This field is required.'],
    ['an empty English name', { nameEn: '' }, 'nameEn', 'See väli on kohustuslik.', 'This field is required.'],
    ['an English name of spaces only', { nameEn: '  \t ' }, 'nameEn', 'See väli on kohustuslik.', 'This field is required.'],
    ['an Estonian name over 100 characters', { nameEt: long }, 'nameEt', 'Liiga pikk: lubatud on kuni 100 märki.', 'Too long: at most 100 characters.'],
    ['an English name over 100 characters', { nameEn: 'x'.repeat(101) }, 'nameEn', 'Liiga pikk: lubatud on kuni 100 märki.', 'Too long: at most 100 characters.'],
    [
      'an Estonian name with a line break',
      { nameEt: 'Voli\nkiri' },
      'nameEt',
      'Nimi ei tohi sisaldada reavahetusi ega juhtmärke.',
      'The name must not contain line breaks or control characters.',
    ],
    [
      'an English name with a control character',
      { nameEn: 'Power\u0007 of attorney' },
      'nameEn',
      'Nimi ei tohi sisaldada reavahetusi ega juhtmärke.',
      'The name must not contain line breaks or control characters.',
    ],
    [
      'another type\'s Estonian name',
      { nameEt: 'Leping' },
      'nameEt',
      'Sellise nimega dokumendi liik on juba olemas.',
      'A document type with this name already exists.',
    ],
    [
      'another type\'s English name',
      { nameEn: 'Complaint' },
      'nameEn',
      'Sellise nimega dokumendi liik on juba olemas.',
      'A document type with this name already exists.',
    ],
  ];

  it.each(cases)('refuses %s on a new type with 422, the message at the field and everything typed kept', async (_label, change, name, message) => {
    const { browser: admin } = await signedInAdmin();
    const before = await typeRows();
    const form = newTypeForm({ isActive: '', ...change });
    const page = await createThroughForm(admin, form);
    expect(page.status).toBe(422);
    expect(fieldError(page.body, name)).toBe(message);
    expect(page.body).toContain('class="error-summary"');
    expect(fieldValue(page.body, 'nameEt')).toBe(form['nameEt']);
    expect(fieldValue(page.body, 'nameEn')).toBe(form['nameEn']);
    expect(isActiveTicked(page.body)).toBe(false);
    // The list is still there above the form.
    expect(adminRows(page.body).map((r) => r.nameEt)).toEqual(defaultNamesEt);
    expect(await typeRows()).toEqual(before);
  });

  it.each(cases)('refuses %s in English for an English-reading admin', async (_label, change, name, _message, english) => {
    const { browser: admin } = await signedInAdmin({ locale: 'en' });
    const page = await createThroughForm(admin, newTypeForm(change));
    expect(page.status).toBe(422);
    expect(fieldError(page.body, name)).toBe(english);
  });

  it.each(cases)('refuses %s on an existing type with 422 and leaves it unchanged', async (_label, change, name, message) => {
    const id = await typeIdNamed('Tsiviilhagi');
    const { browser: admin } = await signedInAdmin();
    const before = await typeRows();
    const form = { nameEt: 'Tsiviilhagi', nameEn: 'Civil claim', isActive: 'on', ...change };
    const page = await saveThroughForm(admin, id, form);
    expect(page.status).toBe(422);
    expect(page.body).toContain('<h1>Tsiviilhagi</h1>');
    expect(fieldError(page.body, name)).toBe(message);
    expect(fieldValue(page.body, 'nameEt')).toBe(form.nameEt);
    expect(fieldValue(page.body, 'nameEn')).toBe(form.nameEn);
    expect(isActiveTicked(page.body)).toBe(true);
    expect(await typeRows()).toEqual(before);
  });
});

describe('the order of document types', () => {
  it('moves a type up and down by swapping it with its neighbour, for customers too', async () => {
    const complaint = await typeIdNamed('Kaebus');
    const first = await typeIdNamed('Kuriteoteade');
    const { browser: admin } = await signedInAdmin();

    const up = await move(admin, complaint, 'up');
    expect(up.status).toBe(303);
    expect(up.location).toBe('/admin/document-types');
    const reordered = ['Kuriteoteade', 'Tsiviilhagi', 'Kaebus', 'Hüvitise taotlus', 'Leping', 'Muu dokument'];
    expect(await listOrder(admin)).toEqual(reordered);
    expect((await offeredToCustomer()).map(([, name]) => name)).toEqual(reordered);

    await move(admin, complaint, 'down');
    expect(await listOrder(admin)).toEqual(defaultNamesEt);

    await move(admin, first, 'down');
    await move(admin, first, 'down');
    expect(await listOrder(admin)).toEqual(['Tsiviilhagi', 'Hüvitise taotlus', 'Kuriteoteade', 'Kaebus', 'Leping', 'Muu dokument']);
  });

  it('leaves the order as it is when the first moves up or the last moves down', async () => {
    const { browser: admin } = await signedInAdmin();
    const before = await typeRows();
    expect((await move(admin, await typeIdNamed('Kuriteoteade'), 'up')).status).toBe(303);
    expect((await move(admin, await typeIdNamed('Muu dokument'), 'down')).status).toBe(303);
    expect(await listOrder(admin)).toEqual(defaultNamesEt);
    expect(await typeRows()).toEqual(before);
  });

  it('moves a new type up from the end, past a hidden one', async () => {
    const { browser: admin } = await signedInAdmin();
    await setActive(admin, await typeIdNamed('Muu dokument'), 'off');
    await createThroughForm(admin, newTypeForm());
    const added = await typeIdNamed('Volikiri');
    await move(admin, added, 'up');
    expect((await listOrder(admin)).slice(-2)).toEqual(['Volikiri', 'Muu dokument']);
    expect((await offeredToCustomer()).map(([, name]) => name).slice(-2)).toEqual(['Leping', 'Volikiri']);
  });

  it.each([['sideways'], [''], ['UP'], [['up', 'down']]])('refuses the direction %j with 400 and changes nothing', async (direction) => {
    const { browser: admin } = await signedInAdmin();
    const before = await typeRows();
    const page = await move(admin, await typeIdNamed('Kaebus'), direction);
    expect(page.status).toBe(400);
    expect(await typeRows()).toEqual(before);
  });
});

describe('deleting a document type', () => {
  it('deletes a type no inquiry chose', async () => {
    const other = await typeIdNamed('Muu dokument');
    const { browser: admin } = await signedInAdmin();

    const form = await admin.get(`/admin/document-types/${other}`);
    expect(mainText(form.body)).toContain('Päringuid: 0');
    expect(form.body).toContain(`action="/admin/document-types/${other}/delete"`);

    const deleted = await remove(admin, other);
    expect(deleted.status).toBe(303);
    expect(deleted.location).toBe('/admin/document-types');
    const list = await admin.follow(deleted);
    expect(flashOf(list.body)).toBe('Dokumendi liik on kustutatud.');
    expect(adminRows(list.body).map((r) => r.nameEt)).toEqual(defaultNamesEt.filter((n) => n !== 'Muu dokument'));
    expect((await typeRows()).map((r) => r.id)).not.toContain(other);
    expect((await offeredToCustomer()).map(([id]) => id)).not.toContain(other);
    expect((await admin.get(`/admin/document-types/${other}`)).status).toBe(404);
    expect((await remove(admin, other)).status).toBe(404);
  });

  it('refuses to delete a type an inquiry chose (409, suggesting hiding it), even when hidden or the inquiry cancelled', async () => {
    const contract = await typeIdNamed('Leping');
    const { id: inquiryId } = await documentInquiry(contract);
    const { browser: admin } = await signedInAdmin();

    const form = await admin.get(`/admin/document-types/${contract}`);
    expect(mainText(form.body)).toContain('Päringuid: 1');
    expect(mainText(form.body)).toContain('Seda liiki on päringutes valitud, seega ei saa seda kustutada.');
    expect(form.body).not.toContain(`action="/admin/document-types/${contract}/delete"`);

    const page = await remove(admin, contract);
    expect(page.status).toBe(409);
    expect(mainText(page.body)).toContain(
      'Seda dokumendi liiki on valitud päringutes (1), seega ei saa seda kustutada. Selle asemel saate liigi peita: siis seda uutes päringutes enam ei pakuta.',
    );
    expect(page.body).toContain('<h1>Leping</h1>');
    expect((await typeRows()).map((r) => r.id)).toContain(contract);

    await setActive(admin, contract, 'off');
    await t.deps.db.updateTable('inquiries').set({ status: 'cancelled' }).where('id', '=', inquiryId).execute();
    expect((await remove(admin, contract)).status).toBe(409);
    expect((await typeRows()).find((r) => r.id === contract)).toMatchObject({ name_et: 'Leping', is_active: 0 });
  });

  it('explains the refusal in English to an English-reading admin', async () => {
    const contract = await typeIdNamed('Leping');
    await documentInquiry(contract);
    await documentInquiry(contract);
    const { browser: admin } = await signedInAdmin({ locale: 'en' });
    const page = await remove(admin, contract);
    expect(page.status).toBe(409);
    expect(mainText(page.body)).toContain('Inquiries have chosen this document type (2), so it cannot be deleted. You can hide it instead');
  });
});

describe('who may manage document types', () => {
  type Attempt = { method: 'GET' | 'POST'; path: (id: number) => string; form?: Record<string, string> };
  const attempts: Attempt[] = [
    { method: 'GET', path: () => '/admin/document-types' },
    { method: 'POST', path: () => '/admin/document-types', form: newTypeForm() },
    { method: 'GET', path: (id) => `/admin/document-types/${id}` },
    { method: 'POST', path: (id) => `/admin/document-types/${id}`, form: { nameEt: 'Muudetud', nameEn: 'Changed', isActive: 'on' } },
    { method: 'POST', path: (id) => `/admin/document-types/${id}/active`, form: { isActive: 'off' } },
    { method: 'POST', path: (id) => `/admin/document-types/${id}/move`, form: { direction: 'down' } },
    { method: 'POST', path: (id) => `/admin/document-types/${id}/delete`, form: {} },
  ];

  async function tryEverything(browser: Browser, id: number): Promise<Page[]> {
    const pages: Page[] = [];
    for (const attempt of attempts) {
      const path = attempt.path(id);
      if (attempt.method === 'GET') {
        pages.push(await browser.get(path));
      } else {
        await browser.get('/');
        pages.push(await browser.post(path, attempt.form ?? {}));
      }
    }
    return pages;
  }

  it('sends anonymous visitors to sign in and changes nothing', async () => {
    const id = await typeIdNamed('Kuriteoteade');
    const before = await typeRows();
    const pages = await tryEverything(t.browser(), id);
    for (const [index, page] of pages.entries()) {
      expect(page.status, attempts[index]!.path(id)).toBe(303);
      expect(page.location, attempts[index]!.path(id)).toMatch(/^\/login\?next=/);
    }
    expect(pages[0]!.location).toBe('/login?next=%2Fadmin%2Fdocument-types');
    expect(await typeRows()).toEqual(before);
  });

  it.each([
    ['a customer', async () => signedInUser(t)],
    [
      'an expert',
      async () => {
        const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
        const expert = await createExpert(t, { fieldIds: [field.id] });
        const browser = t.browser();
        await loginAs(browser, expert);
        return { browser };
      },
    ],
    ['a moderator', async () => signedInUser(t, { roles: ['moderator'] })],
  ])('refuses %s with 403 on every route and changes nothing', async (_label, signIn) => {
    const id = await typeIdNamed('Kuriteoteade');
    const { browser } = await signIn();
    const before = await typeRows();
    const pages = await tryEverything(browser, id);
    for (const [index, page] of pages.entries()) {
      expect(page.status, attempts[index]!.path(id)).toBe(403);
      expect(page.body, attempts[index]!.path(id)).toContain('<h1>Ligipääs puudub</h1>');
    }
    expect(await typeRows()).toEqual(before);
  });

  it('lets an admin through on the same routes (the refusals above are about the role)', async () => {
    const id = await typeIdNamed('Kuriteoteade');
    const { browser: admin } = await signedInAdmin();
    const pages = await tryEverything(admin, id);
    expect(pages.map((p) => p.status)).toEqual([200, 303, 200, 303, 303, 303, 303]);
    expect((await listOrder(admin))).toEqual(['Tsiviilhagi', 'Hüvitise taotlus', 'Kaebus', 'Leping', 'Muu dokument', 'Volikiri']);
  });
});

describe('document types kept in memory for inquiry pages (PUBLIC_PAGE_CACHE_SECONDS)', () => {
  beforeEach(async () => {
    await t.close();
    t = await createTestApp({ env: { PUBLIC_PAGE_CACHE_SECONDS: '5' } });
  });

  it("names an inquiry's type from the kept list: a rename here shows at once, one made elsewhere within seconds", async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: customer, id: inquiryId } = await documentInquiry(contract);
    const shown = async () => shownDocumentType((await customer.get(`/inquiries/${inquiryId}`)).body);
    expect(await shown()).toBe('Leping');

    // An admin of this process renames it: the page says so at once.
    const { browser: admin } = await signedInAdmin();
    expect((await saveThroughForm(admin, contract, { nameEt: 'Lepingu projekt', nameEn: 'Draft contract', isActive: 'on' })).status).toBe(303);
    expect(await shown()).toBe('Lepingu projekt');

    // Another web process renames it (straight in the database here): this one shows it once its copy is stale.
    await t.deps.db.updateTable('document_types').set({ name_et: 'Leping (muudetud)' }).where('id', '=', contract).execute();
    expect(await shown()).toBe('Lepingu projekt');
    t.clock.advance(5_001);
    expect(await shown()).toBe('Leping (muudetud)');
  });

  it('names a type added after the list was kept, and a hidden one', async () => {
    const contract = await typeIdNamed('Leping');
    const { browser: customer, id: first } = await documentInquiry(contract);
    expect(shownDocumentType((await customer.get(`/inquiries/${first}`)).body)).toBe('Leping');

    const { browser: admin } = await signedInAdmin();
    expect((await createThroughForm(admin, newTypeForm())).status).toBe(303);
    const added = await typeIdNamed('Volikiri');
    const { browser: second, id: secondId } = await documentInquiry(added);
    expect(shownDocumentType((await second.get(`/inquiries/${secondId}`)).body)).toBe('Volikiri');

    await t.deps.db.updateTable('document_types').set({ is_active: 0 }).where('id', '=', contract).execute();
    t.clock.advance(5_001);
    expect(shownDocumentType((await customer.get(`/inquiries/${first}`)).body)).toBe('Leping');
  });
});
