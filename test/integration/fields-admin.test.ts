import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { updateProfile } from '../../src/db/repositories/expert-repository.js';
import { DomainError } from '../../src/domain/errors.js';
import { createField as createFieldAsAdmin } from '../../src/use-cases/fields.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { createExpert, createField, personApplication } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { postMultipart } from '../support/multipart.js';
import { fieldError, fieldValue, signedInUser } from '../support/pages.js';
import { createInquiryAs } from '../support/inquiries.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

type AdminRow = { id: number; nameEt: string; nameEn: string; experts: number; status: string; canMoveUp: boolean; canMoveDown: boolean };

/** The rows of the admin's field table, top to bottom. */
function adminRows(html: string): AdminRow[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => {
    const cells = [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!);
    return {
      id: Number(/href="\/admin\/fields\/(\d+)"/.exec(cells[0]!)?.[1]),
      nameEt: decode(/<a [^>]*>([\s\S]*?)<\/a>/.exec(cells[0]!)?.[1] ?? ''),
      nameEn: decode(/<span class="muted" lang="en">([\s\S]*?)<\/span>/.exec(cells[0]!)?.[1] ?? ''),
      experts: Number(mainText(cells[1]!)),
      status: mainText(cells[2]!),
      canMoveUp: cells[3]!.includes('name="direction" value="up"'),
      canMoveDown: cells[3]!.includes('name="direction" value="down"'),
    };
  });
}

/** The field filter of the expert directory: [id, name] of each option but "all fields". */
function directoryFieldOptions(html: string): [number, string][] {
  const select = /<select id="field" name="field">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
  return [...select.matchAll(/<option value="(\d+)"[^>]*>([\s\S]*?)<\/option>/g)].map((o) => [Number(o[1]), decode(o[2]!)]);
}

/** The fields "Order an e-consultation" offers: id, name and description. */
function chooserFields(html: string): { id: number; name: string; description: string }[] {
  const list = /<ul class="field-list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<a href="\/inquiries\/new\?kind=consultation&amp;field=(\d+)">([\s\S]*?)<\/a><\/h3><p>([\s\S]*?)<\/p>/g)].map((m) => ({
    id: Number(m[1]),
    name: decode(m[2]!),
    description: decode(m[3]!),
  }));
}

/** The ids of the field checkboxes a form offers, and whether each is ticked. */
function fieldCheckboxes(html: string): Map<number, boolean> {
  const boxes = new Map<number, boolean>();
  for (const tag of html.matchAll(/<input[^>]*\bname="fieldIds"[^>]*>/g)) {
    boxes.set(Number(/\bvalue="(\d+)"/.exec(tag[0])?.[1]), /\schecked(?=[\s/>=])/.test(tag[0]));
  }
  return boxes;
}

function textareaValue(html: string, name: string): string | undefined {
  const text = /<textarea[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g;
  for (const m of html.matchAll(text)) if (m[1] === name) return decode(m[2]!);
  return undefined;
}

function isActiveTicked(html: string): boolean {
  const tag = /<input[^>]*\bname="isActive"[^>]*>/.exec(html)?.[0] ?? '';
  return /\schecked(?=[\s/>=])/.test(tag);
}

function flashOf(html: string): string | undefined {
  const text = /<p class="flash" role="status">([\s\S]*?)<\/p>/.exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

async function fieldRows() {
  return t.deps.db.selectFrom('fields').selectAll().orderBy('id').execute();
}

async function signedInAdmin(options: { locale?: 'et' | 'en' } = {}) {
  return signedInUser(t, { name: 'Ada Admin', roles: ['admin'], ...options });
}

type FieldForm = { nameEt: string; nameEn: string; descriptionEt: string; descriptionEn: string; isActive?: string };

function newFieldForm(overrides: Partial<FieldForm> = {}): Record<string, string> {
  return {
    nameEt: 'Meditsiiniõigus',
    nameEn: 'Medical law',
    descriptionEt: 'Patsiendi õigused ja ravivead.',
    descriptionEn: "Patients' rights and treatment errors.",
    isActive: 'on',
    ...overrides,
  };
}

function createThroughForm(admin: Browser, form: Record<string, string>): Promise<Page> {
  return admin.post('/admin/fields', form, { formPage: '/admin/fields' });
}

function saveThroughForm(admin: Browser, id: number, form: Record<string, string>): Promise<Page> {
  return admin.post(`/admin/fields/${id}`, form, { formPage: `/admin/fields/${id}` });
}

/** The edit form's values for a field as it is, with changes. */
function editForm(field: { nameEt: string; nameEn: string }, overrides: Partial<FieldForm> = {}): Record<string, string> {
  return { nameEt: field.nameEt, nameEn: field.nameEn, descriptionEt: `${field.nameEt}: kirjeldus`, descriptionEn: `${field.nameEn}: description`, isActive: 'on', ...overrides };
}

/** A person applies through the real "Become an expert" form. */
async function applyFor(fieldIds: number[]): Promise<Page> {
  const applicant = await signedInUser(t, { name: 'Kati Karu' });
  await applicant.browser.get('/become-expert');
  return postMultipart(t.app, applicant.browser, '/become-expert', { fields: personApplication(fieldIds) });
}

describe('the list of fields', () => {
  it('shows every field in order with how many active experts serve it and whether it is in use', async () => {
    const family = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const labour = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment' });
    const hidden = await createField(t, { nameEt: 'Pärimisõigus', nameEn: 'Inheritance', isActive: false });
    await createExpert(t, { fieldIds: [family.id, labour.id] });
    await createExpert(t, { fieldIds: [family.id] });
    // An expert whose profile was taken down is not counted.
    const former = await createExpert(t, { fieldIds: [family.id, hidden.id] });
    await updateProfile(t.deps.db, former.id, { is_active: 0 });
    const { browser: admin } = await signedInAdmin();

    const page = await admin.get('/admin/fields');

    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Valdkonnad</h1>');
    expect(adminRows(page.body)).toEqual([
      { id: family.id, nameEt: 'Perekonnaõigus', nameEn: 'Family law', experts: 2, status: 'Kasutusel', canMoveUp: false, canMoveDown: true },
      { id: labour.id, nameEt: 'Tööõigus', nameEn: 'Employment', experts: 1, status: 'Kasutusel', canMoveUp: true, canMoveDown: true },
      { id: hidden.id, nameEt: 'Pärimisõigus', nameEn: 'Inheritance', experts: 0, status: 'Peidetud', canMoveUp: true, canMoveDown: false },
    ]);
  });

  it('offers an empty form for a new field, ticked "in use"', async () => {
    const { browser: admin } = await signedInAdmin();
    const page = await admin.get('/admin/fields');
    expect(fieldValue(page.body, 'nameEt')).toBe('');
    expect(fieldValue(page.body, 'nameEn')).toBe('');
    expect(isActiveTicked(page.body)).toBe(true);
  });
});

describe('creating a field', () => {
  it('adds it at the end of the list, the directory filter and "Order an e-consultation", in both languages', async () => {
    const first = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const second = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment' });
    const { browser: admin } = await signedInAdmin();

    const created = await createThroughForm(admin, newFieldForm());
    expect(created.status).toBe(303);
    expect(created.location).toBe('/admin/fields');
    const list = await admin.follow(created);
    expect(flashOf(list.body)).toBe('Valdkond on lisatud.');
    const rows = adminRows(list.body);
    expect(rows.map((r) => r.nameEt)).toEqual(['Perekonnaõigus', 'Tööõigus', 'Meditsiiniõigus']);
    const row = rows[2]!;
    expect(row).toMatchObject({ nameEn: 'Medical law', experts: 0, status: 'Kasutusel', canMoveUp: true, canMoveDown: false });

    const stored = await t.deps.db.selectFrom('fields').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      name_et: 'Meditsiiniõigus',
      name_en: 'Medical law',
      description_et: 'Patsiendi õigused ja ravivead.',
      description_en: "Patients' rights and treatment errors.",
      is_active: 1,
    });

    const visitor = t.browser();
    expect(directoryFieldOptions((await visitor.get('/experts')).body)).toEqual([
      [first.id, 'Perekonnaõigus'],
      [second.id, 'Tööõigus'],
      [row.id, 'Meditsiiniõigus'],
    ]);
    expect(chooserFields((await visitor.get('/order/consultation')).body).at(-1)).toEqual({
      id: row.id,
      name: 'Meditsiiniõigus',
      description: 'Patsiendi õigused ja ravivead.',
    });
    const ownPage = await visitor.get(`/experts?field=${row.id}`);
    expect(ownPage.status).toBe(200);
    expect(ownPage.body).toContain('<h1>Meditsiiniõigus</h1>');

    const { browser: english } = await signedInUser(t, { locale: 'en' });
    expect(chooserFields((await english.get('/order/consultation')).body).at(-1)).toEqual({
      id: row.id,
      name: 'Medical law',
      description: "Patients' rights and treatment errors.",
    });
    expect(directoryFieldOptions((await english.get('/experts')).body).at(-1)).toEqual([row.id, 'Medical law']);
  });

  it('creates a field that is not yet in use when "in use" is not ticked: listed for the admin only', async () => {
    const { browser: admin } = await signedInAdmin();
    const { isActive: _omitted, ...form } = newFieldForm();
    const list = await admin.follow(await createThroughForm(admin, form));
    const row = adminRows(list.body)[0]!;
    expect(row).toMatchObject({ nameEt: 'Meditsiiniõigus', status: 'Peidetud' });
    expect(chooserFields((await t.browser().get('/order/consultation')).body)).toEqual([]);
    expect((await t.browser().get(`/experts?field=${row.id}`)).status).toBe(404);
  });

  it('keeps line breaks in a description and removes stray control characters from it', async () => {
    const { browser: admin } = await signedInAdmin();
    await createThroughForm(admin, newFieldForm({ descriptionEt: 'Esimene rida.\r\nTeine\u0007 rida.' }));
    const [stored] = await fieldRows();
    expect(stored!.description_et).toBe('Esimene rida.\nTeine rida.');
  });
});

describe('two admins saving the same name at once', () => {
  it('creates one field and tells the other admin the name is taken (never a 500)', async () => {
    const admins = await Promise.all([1, 2].map((n) => createUser(t, { name: `Admin ${n}`, roles: ['admin'] })));
    const actors = admins.map((a) => ({ id: a.id, name: a.name, email: a.email, locale: 'et' as const, roles: ['admin' as const] }));
    const input = { nameEt: 'Andmekaitse', nameEn: 'Data protection', descriptionEt: 'Isikuandmed.', descriptionEn: 'Personal data.', isActive: true };

    const outcomes = await Promise.allSettled(actors.map((actor) => createFieldAsAdmin(t.deps, actor, input)));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(DomainError);
    expect((refused?.reason as DomainError).code).toBe('VALIDATION');
    expect((refused?.reason as DomainError).details['fields']).toEqual({ nameEt: 'fieldNameTaken' });
    const rows = await t.deps.db.selectFrom('fields').select('id').where('name_et', '=', 'Andmekaitse').execute();
    expect(rows).toHaveLength(1);
  });
});

describe('editing a field', () => {
  it('changes its names and descriptions everywhere they are shown', async () => {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const { browser: admin } = await signedInAdmin();

    const form = await admin.get(`/admin/fields/${field.id}`);
    expect(form.status).toBe(200);
    expect(form.body).toContain('<h1>Perekonnaõigus</h1>');
    expect(fieldValue(form.body, 'nameEt')).toBe('Perekonnaõigus');
    expect(fieldValue(form.body, 'nameEn')).toBe('Family law');
    expect(textareaValue(form.body, 'descriptionEt')).toBe('Perekonnaõigus: kirjeldus');
    expect(isActiveTicked(form.body)).toBe(true);

    const saved = await saveThroughForm(admin, field.id, {
      nameEt: 'Perekonna- ja lapseõigus',
      nameEn: 'Family and child law',
      descriptionEt: 'Lahutus, hooldusõigus, elatis.',
      descriptionEn: 'Divorce, custody, maintenance.',
      isActive: 'on',
    });
    expect(saved.status).toBe(303);
    const list = await admin.follow(saved);
    expect(flashOf(list.body)).toBe('Valdkond on salvestatud.');
    expect(adminRows(list.body)[0]).toMatchObject({ nameEt: 'Perekonna- ja lapseõigus', nameEn: 'Family and child law', status: 'Kasutusel' });

    const again = await admin.get(`/admin/fields/${field.id}`);
    expect(fieldValue(again.body, 'nameEt')).toBe('Perekonna- ja lapseõigus');
    expect(textareaValue(again.body, 'descriptionEn')).toBe('Divorce, custody, maintenance.');
    expect(chooserFields((await t.browser().get('/order/consultation')).body)).toEqual([
      { id: field.id, name: 'Perekonna- ja lapseõigus', description: 'Lahutus, hooldusõigus, elatis.' },
    ]);
    const { browser: english } = await signedInUser(t, { locale: 'en' });
    expect(chooserFields((await english.get('/order/consultation')).body)).toEqual([
      { id: field.id, name: 'Family and child law', description: 'Divorce, custody, maintenance.' },
    ]);
  });

  it('saves a field under its own unchanged names (they are not somebody else\'s)', async () => {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const { browser: admin } = await signedInAdmin();
    const saved = await saveThroughForm(admin, field.id, editForm(field, { descriptionEt: 'Uus kirjeldus.' }));
    expect(saved.status).toBe(303);
    expect((await fieldRows())[0]!.description_et).toBe('Uus kirjeldus.');
  });

  it('answers an unknown field with 404', async () => {
    const { browser: admin } = await signedInAdmin();
    expect((await admin.get('/admin/fields/999999')).status).toBe(404);
    expect((await admin.get('/admin/fields/abc')).status).toBe(404);
    await admin.get('/admin/fields');
    expect((await admin.post('/admin/fields/999999', newFieldForm())).status).toBe(404);
    expect(await fieldRows()).toEqual([]);
  });
});

describe('deactivating and reactivating a field', () => {
  it('hides it from customers and applicants while its experts keep it; reactivating brings it back', async () => {
    const family = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const other = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment' });
    const expert = await createExpert(t, { name: 'Eha Ekspert', fieldIds: [family.id, other.id] });
    const { browser: admin } = await signedInAdmin();
    const { browser: customer } = await signedInUser(t, { name: 'Kati Karu' });

    const deactivated = await saveThroughForm(admin, family.id, editForm(family, { isActive: '' }));
    expect(deactivated.status).toBe(303);
    expect(adminRows((await admin.follow(deactivated)).body)[0]).toMatchObject({ id: family.id, status: 'Peidetud', experts: 1 });
    expect(isActiveTicked((await admin.get(`/admin/fields/${family.id}`)).body)).toBe(false);

    // Gone from the directory filter, the field chooser and the application form...
    expect(directoryFieldOptions((await customer.get('/experts')).body)).toEqual([[other.id, 'Tööõigus']]);
    expect(chooserFields((await customer.get('/order/consultation')).body).map((f) => f.id)).toEqual([other.id]);
    expect([...fieldCheckboxes((await customer.get('/become-expert')).body).keys()]).toEqual([other.id]);
    const directory = await t.browser().get(`/experts?field=${family.id}`);
    expect(directory.status).toBe(404);
    // ...and its name from the expert's public profile.
    const profile = await t.browser().get(`/experts/${expert.id}`);
    expect(mainText(profile.body)).not.toContain('Perekonnaõigus');
    expect(mainText(profile.body)).toContain('Tööõigus');

    // A forged application naming it is refused.
    await customer.get('/become-expert');
    const forged = await postMultipart(t.app, customer, '/become-expert', { fields: personApplication([family.id]) });
    expect(forged.status).toBe(422);
    expect(fieldError(forged.body, 'fieldIds')).toBe('Valige pakutud valikute hulgast.');

    // The expert keeps it: in the database and ticked on their own profile form.
    const kept = await t.deps.db.selectFrom('expert_fields').select('field_id').where('expert_id', '=', expert.id).orderBy('field_id').execute();
    expect(kept.map((r) => r.field_id)).toEqual([family.id, other.id].sort((a, b) => a - b));
    const expertBrowser = t.browser();
    await loginAs(expertBrowser, expert);
    expect(fieldCheckboxes((await expertBrowser.get(`/experts/${expert.id}/edit`)).body).get(family.id)).toBe(true);

    const reactivated = await saveThroughForm(admin, family.id, editForm(family, { isActive: 'on' }));
    expect(reactivated.status).toBe(303);
    expect(adminRows((await admin.follow(reactivated)).body)[0]).toMatchObject({ id: family.id, status: 'Kasutusel', experts: 1 });
    expect(directoryFieldOptions((await customer.get('/experts')).body).map(([id]) => id)).toEqual([family.id, other.id]);
    expect(chooserFields((await customer.get('/order/consultation')).body).map((f) => f.id)).toEqual([family.id, other.id]);
    expect([...fieldCheckboxes((await customer.get('/become-expert')).body).keys()]).toEqual([family.id, other.id]);
    const back = await t.browser().get(`/experts?field=${family.id}`);
    expect(back.status).toBe(200);
    expect(mainText(back.body)).toContain('Eha Ekspert');
  });
});

describe('field form validation', () => {
  const long = 'ä'.repeat(101);
  const cases: [string, Partial<FieldForm>, string, string][] = [
    ['an empty Estonian name', { nameEt: '' }, 'nameEt', 'See väli on kohustuslik.'],
    ['an empty English name', { nameEn: '' }, 'nameEn', 'See väli on kohustuslik.'],
    ['an Estonian name of spaces only', { nameEt: '   \t ' }, 'nameEt', 'See väli on kohustuslik.'],
    ['an Estonian name over 100 characters', { nameEt: long }, 'nameEt', 'Liiga pikk: lubatud on kuni 100 märki.'],
    ['an English name over 100 characters', { nameEn: 'x'.repeat(101) }, 'nameEn', 'Liiga pikk: lubatud on kuni 100 märki.'],
    ['an Estonian name with a line break', { nameEt: 'Pere\nkonnaõigus' }, 'nameEt', 'Nimi ei tohi sisaldada reavahetusi ega juhtmärke.'],
    ['an English name with a CR/LF', { nameEn: 'Family\r\nlaw' }, 'nameEn', 'Nimi ei tohi sisaldada reavahetusi ega juhtmärke.'],
    ['a name with a control character', { nameEt: 'Pere\u0007konnaõigus' }, 'nameEt', 'Nimi ei tohi sisaldada reavahetusi ega juhtmärke.'],
    ['a description over 1000 characters', { descriptionEn: 'y'.repeat(1001) }, 'descriptionEn', 'Liiga pikk: lubatud on kuni 1000 märki.'],
  ];

  it.each(cases)('refuses %s on a new field with 422, the message at the field and everything typed kept', async (_label, change, name, message) => {
    const { browser: admin } = await signedInAdmin();
    const form = newFieldForm(change);
    const page = await createThroughForm(admin, form);
    expect(page.status).toBe(422);
    expect(fieldError(page.body, name)).toBe(message);
    expect(page.body).toContain('class="error-summary"');
    expect(fieldValue(page.body, 'nameEt')).toBe(form['nameEt']);
    expect(fieldValue(page.body, 'nameEn')).toBe(form['nameEn']);
    expect(textareaValue(page.body, 'descriptionEt')).toBe(form['descriptionEt']);
    expect(textareaValue(page.body, 'descriptionEn')).toBe(form['descriptionEn']);
    expect(isActiveTicked(page.body)).toBe(true);
    expect(await fieldRows()).toEqual([]);
  });

  it.each(cases)('refuses %s on an existing field with 422 and leaves it unchanged', async (_label, change, name, message) => {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const { browser: admin } = await signedInAdmin();
    const before = await fieldRows();
    const form = editForm(field, { isActive: '', ...change });
    const page = await saveThroughForm(admin, field.id, form);
    expect(page.status).toBe(422);
    expect(fieldError(page.body, name)).toBe(message);
    expect(fieldValue(page.body, 'nameEt')).toBe(form['nameEt']);
    expect(fieldValue(page.body, 'nameEn')).toBe(form['nameEn']);
    expect(textareaValue(page.body, 'descriptionEn')).toBe(form['descriptionEn']);
    expect(isActiveTicked(page.body)).toBe(false);
    expect(await fieldRows()).toEqual(before);
  });

  it('takes a name of exactly 100 characters', async () => {
    const { browser: admin } = await signedInAdmin();
    const page = await createThroughForm(admin, newFieldForm({ nameEt: 'õ'.repeat(100) }));
    expect(page.status).toBe(303);
    expect((await fieldRows())[0]!.name_et).toBe('õ'.repeat(100));
  });

  it('trims the names and stores them composed (NFC)', async () => {
    const { browser: admin } = await signedInAdmin();
    await createThroughForm(admin, newFieldForm({ nameEt: '  Pa\u0308rimiso\u0303igus  ', nameEn: ' Inheritance ' }));
    const [stored] = await fieldRows();
    expect(stored).toMatchObject({ name_et: 'Pärimisõigus', name_en: 'Inheritance' });
  });

  it.each([
    ['Estonian', { nameEt: 'Perekonnaõigus', nameEn: 'Family matters' }, 'nameEt'],
    ['English', { nameEt: 'Pereasjad', nameEn: 'Family law' }, 'nameEn'],
  ] as const)('refuses a new field with another field\'s %s name', async (_label, names, name) => {
    await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const { browser: admin } = await signedInAdmin();
    const before = await fieldRows();
    const page = await createThroughForm(admin, newFieldForm(names));
    expect(page.status).toBe(422);
    expect(fieldError(page.body, name)).toBe('Sellise nimega valdkond on juba olemas.');
    expect(fieldValue(page.body, 'nameEt')).toBe(names.nameEt);
    expect(fieldValue(page.body, 'nameEn')).toBe(names.nameEn);
    expect(await fieldRows()).toEqual(before);
  });

  it.each([
    ['Estonian', (other: { nameEt: string }) => ({ nameEt: other.nameEt }), 'nameEt'],
    ['English', (other: { nameEn: string }) => ({ nameEn: other.nameEn }), 'nameEn'],
  ] as const)('refuses renaming a field to another field\'s %s name, keeping its own other name', async (_label, rename, name) => {
    const family = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const labour = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment' });
    const { browser: admin } = await signedInAdmin();
    const before = await fieldRows();
    // Only one name changes: the other one still equals this field's own.
    const form = editForm(family, rename(labour));
    const page = await saveThroughForm(admin, family.id, form);
    expect(page.status).toBe(422);
    expect(fieldError(page.body, name)).toBe('Sellise nimega valdkond on juba olemas.');
    expect(fieldValue(page.body, name)).toBe(form[name]);
    expect(await fieldRows()).toEqual(before);
  });
});

describe('the order of fields', () => {
  async function threeFields() {
    const a = await createField(t, { nameEt: 'Aaa', nameEn: 'A' });
    const b = await createField(t, { nameEt: 'Bbb', nameEn: 'B' });
    const c = await createField(t, { nameEt: 'Ccc', nameEn: 'C' });
    const { browser: admin } = await signedInAdmin();
    return { a, b, c, admin };
  }

  async function move(admin: Browser, id: number, direction: string | string[]): Promise<Page> {
    return admin.post(`/admin/fields/${id}/move`, { direction }, { formPage: '/admin/fields' });
  }

  async function order(admin: Browser): Promise<string[]> {
    return adminRows((await admin.get('/admin/fields')).body).map((r) => r.nameEt);
  }

  it('moves a field up and down by swapping it with its neighbour, for customers too', async () => {
    const { b, c, admin } = await threeFields();

    const up = await move(admin, b.id, 'up');
    expect(up.status).toBe(303);
    expect(up.location).toBe('/admin/fields');
    expect(await order(admin)).toEqual(['Bbb', 'Aaa', 'Ccc']);
    expect(chooserFields((await t.browser().get('/order/consultation')).body).map((f) => f.name)).toEqual(['Bbb', 'Aaa', 'Ccc']);
    expect(directoryFieldOptions((await t.browser().get('/experts')).body).map(([, name]) => name)).toEqual(['Bbb', 'Aaa', 'Ccc']);

    await move(admin, b.id, 'down');
    expect(await order(admin)).toEqual(['Aaa', 'Bbb', 'Ccc']);

    await move(admin, c.id, 'up');
    await move(admin, c.id, 'up');
    expect(await order(admin)).toEqual(['Ccc', 'Aaa', 'Bbb']);
  });

  it('leaves the order as it is when the first moves up or the last moves down', async () => {
    const { a, c, admin } = await threeFields();
    const before = await fieldRows();

    const first = await move(admin, a.id, 'up');
    expect(first.status).toBe(303);
    const last = await move(admin, c.id, 'down');
    expect(last.status).toBe(303);

    expect(await order(admin)).toEqual(['Aaa', 'Bbb', 'Ccc']);
    expect((await fieldRows()).map((f) => f.position)).toEqual(before.map((f) => f.position));
  });

  it('moves past a hidden field, which keeps its place among the others', async () => {
    const a = await createField(t, { nameEt: 'Aaa', nameEn: 'A' });
    await createField(t, { nameEt: 'Bbb', nameEn: 'B', isActive: false });
    const c = await createField(t, { nameEt: 'Ccc', nameEn: 'C' });
    const { browser: admin } = await signedInAdmin();
    await move(admin, c.id, 'up');
    expect(await order(admin)).toEqual(['Aaa', 'Ccc', 'Bbb']);
    await move(admin, a.id, 'down');
    expect(await order(admin)).toEqual(['Ccc', 'Aaa', 'Bbb']);
    expect(chooserFields((await t.browser().get('/order/consultation')).body).map((f) => f.name)).toEqual(['Ccc', 'Aaa']);
  });

  it.each([['sideways'], [''], ['UP'], [['up', 'down']]])('refuses the direction %j with 400 and changes nothing', async (direction) => {
    const { b, admin } = await threeFields();
    const before = await fieldRows();
    const page = await move(admin, b.id, direction);
    expect(page.status).toBe(400);
    expect(page.body).toContain('<h1>Päringut ei saanud töödelda</h1>');
    expect(await fieldRows()).toEqual(before);
  });

  it('refuses a move without a direction with 400', async () => {
    const { b, admin } = await threeFields();
    const page = await admin.post(`/admin/fields/${b.id}/move`, {}, { formPage: '/admin/fields' });
    expect(page.status).toBe(400);
  });

  it('answers moving an unknown field with 404', async () => {
    const { admin } = await threeFields();
    const before = await fieldRows();
    expect((await move(admin, 999999, 'up')).status).toBe(404);
    expect(await fieldRows()).toEqual(before);
  });
});

describe('deleting a field', () => {
  function remove(admin: Browser, id: number): Promise<Page> {
    return admin.post(`/admin/fields/${id}/delete`, {}, { formPage: `/admin/fields/${id}` });
  }

  it('deletes a field nobody uses', async () => {
    const keep = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const unused = await createField(t, { nameEt: 'Astroloogia', nameEn: 'Astrology' });
    const { browser: admin } = await signedInAdmin();

    const form = await admin.get(`/admin/fields/${unused.id}`);
    expect(mainText(form.body)).toContain('Eksperte: 0 · taotlusi: 0');
    expect(form.body).toContain(`action="/admin/fields/${unused.id}/delete"`);

    const deleted = await remove(admin, unused.id);
    expect(deleted.status).toBe(303);
    expect(deleted.location).toBe('/admin/fields');
    const list = await admin.follow(deleted);
    expect(flashOf(list.body)).toBe('Valdkond on kustutatud.');
    expect(adminRows(list.body).map((r) => r.id)).toEqual([keep.id]);
    expect((await fieldRows()).map((f) => f.id)).toEqual([keep.id]);
    expect((await admin.get(`/admin/fields/${unused.id}`)).status).toBe(404);
    expect((await t.browser().get(`/experts?field=${unused.id}`)).status).toBe(404);
    expect((await remove(admin, unused.id)).status).toBe(404);
  });

  it('refuses to delete a field an expert serves (409, with why), and the field stays', async () => {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    await createExpert(t, { fieldIds: [field.id] });
    const { browser: admin } = await signedInAdmin();

    const form = await admin.get(`/admin/fields/${field.id}`);
    expect(mainText(form.body)).toContain('Eksperte: 1 · taotlusi: 0 · päringuid: 0');
    expect(mainText(form.body)).toContain('Seda valdkonda kasutavad eksperdid, taotlused või päringud, seega ei saa seda kustutada.');
    expect(form.body).not.toContain(`action="/admin/fields/${field.id}/delete"`);

    const page = await remove(admin, field.id);
    expect(page.status).toBe(409);
    expect(mainText(page.body)).toContain(
      'Seda valdkonda kasutavad eksperdid, taotlused või päringud (1 eksperti, 0 taotlust, 0 päringut). Selle asemel saate valdkonna peita.',
    );
    expect(await fieldRows()).toHaveLength(1);
    expect(adminRows((await admin.get('/admin/fields')).body)[0]).toMatchObject({ id: field.id, experts: 1 });
  });

  it('refuses to delete a field an application names, even a withdrawn one', async () => {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const applied = await applyFor([field.id]);
    expect(applied.status).toBe(303);
    const { browser: admin } = await signedInAdmin();

    const page = await remove(admin, field.id);
    expect(page.status).toBe(409);
    expect(mainText(page.body)).toContain('(0 eksperti, 1 taotlust, 0 päringut)');
    expect(await fieldRows()).toHaveLength(1);

    await t.deps.db.updateTable('expert_applications').set({ status: 'withdrawn' }).execute();
    expect((await remove(admin, field.id)).status).toBe(409);
    expect(await fieldRows()).toHaveLength(1);
  });

  it('refuses to delete a field an inquiry names, even when no expert serves it any more', async () => {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const expert = await createExpert(t, { fieldIds: [field.id] });
    await createInquiryAs(t, await createUser(t), { fieldId: field.id, expertIds: [expert.id] });
    await t.deps.db.deleteFrom('expert_fields').where('field_id', '=', field.id).execute();
    const { browser: admin } = await signedInAdmin();

    const page = await remove(admin, field.id);
    expect(page.status).toBe(409);
    expect(mainText(page.body)).toContain('(0 eksperti, 0 taotlust, 1 päringut)');
    expect(await fieldRows()).toHaveLength(1);
  });

  it('lets a field in use be deactivated instead', async () => {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    await createExpert(t, { fieldIds: [field.id] });
    const { browser: admin } = await signedInAdmin();
    expect((await remove(admin, field.id)).status).toBe(409);
    const saved = await saveThroughForm(admin, field.id, editForm(field, { isActive: '' }));
    expect(saved.status).toBe(303);
    expect((await fieldRows())[0]!.is_active).toBe(0);
  });
});

describe('who may manage fields', () => {
  type Attempt = { method: 'GET' | 'POST'; path: (id: number) => string; form?: Record<string, string> };
  const attempts: Attempt[] = [
    { method: 'GET', path: () => '/admin/fields' },
    { method: 'POST', path: () => '/admin/fields', form: newFieldForm() },
    { method: 'GET', path: (id) => `/admin/fields/${id}` },
    { method: 'POST', path: (id) => `/admin/fields/${id}`, form: { nameEt: 'Muudetud', nameEn: 'Changed', descriptionEt: '', descriptionEn: '' } },
    { method: 'POST', path: (id) => `/admin/fields/${id}/move`, form: { direction: 'down' } },
    { method: 'POST', path: (id) => `/admin/fields/${id}/delete`, form: {} },
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

  async function twoUnusedFields() {
    const first = await createField(t, { nameEt: 'Aaa', nameEn: 'A' });
    await createField(t, { nameEt: 'Bbb', nameEn: 'B' });
    return first;
  }

  it('sends anonymous visitors to sign in and changes nothing', async () => {
    const field = await twoUnusedFields();
    const before = await fieldRows();
    const pages = await tryEverything(t.browser(), field.id);
    for (const [index, page] of pages.entries()) {
      expect(page.status, attempts[index]!.path(field.id)).toBe(303);
      expect(page.location, attempts[index]!.path(field.id)).toMatch(/^\/login\?next=/);
    }
    expect(pages[0]!.location).toBe('/login?next=%2Fadmin%2Ffields');
    expect(await fieldRows()).toEqual(before);
  });

  it.each([
    ['a customer', async () => signedInUser(t)],
    ['an expert', async () => {
      const other = await createField(t, { nameEt: 'Ekspertide valdkond', nameEn: 'Experts field' });
      const expert = await createExpert(t, { fieldIds: [other.id] });
      const browser = t.browser();
      await loginAs(browser, expert);
      return { browser };
    }],
    ['a moderator', async () => signedInUser(t, { roles: ['moderator'] })],
  ])('refuses %s with 403 on every route and changes nothing', async (_label, signIn) => {
    const field = await twoUnusedFields();
    const { browser } = await signIn();
    const before = await fieldRows();
    const pages = await tryEverything(browser, field.id);
    for (const [index, page] of pages.entries()) {
      expect(page.status, attempts[index]!.path(field.id)).toBe(403);
      expect(page.body, attempts[index]!.path(field.id)).toContain('<h1>Ligipääs puudub</h1>');
    }
    expect(await fieldRows()).toEqual(before);
  });

  it('lets an admin through on the same routes (the refusals above are about the role)', async () => {
    const field = await twoUnusedFields();
    const { browser: admin } = await signedInAdmin();
    const pages = await tryEverything(admin, field.id);
    expect(pages.map((p) => p.status)).toEqual([200, 303, 200, 303, 303, 303]);
    expect((await fieldRows()).map((f) => f.name_et)).toEqual(['Bbb', 'Meditsiiniõigus']);
  });
});
