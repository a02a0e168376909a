import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createExpert, createField, organisationApplication, personApplication, validIdCodes, validRegistryCodes } from '../support/experts.js';
import { createUser } from '../support/factories.js';
import { type FilePart, postMultipart, samplePdf, samplePng } from '../support/multipart.js';
import { fieldError, fieldValue, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

// ---- what a page shows ----

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** What a textarea shows (as the page sends it back), or undefined when the page has none of that name. */
function textareaValue(html: string, name: string): string | undefined {
  const text = new RegExp(`<textarea[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

/** The values of the checked checkboxes or radio buttons of a name, in page order. */
function checkedValues(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`, 'g'))]
    .map((m) => m[0])
    .filter((tag) => /\schecked(?=[\s=/>])/.test(tag))
    .map((tag) => decode(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? ''));
}

/** The text of the page's error summary (the message at the top of a refused form), if any. */
function summaryOf(html: string): string | undefined {
  const summary = /<div class="error-summary"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1];
  return summary === undefined ? undefined : mainText(summary);
}

/** The flash message a page shows after a redirect. */
function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : decode(flash.trim());
}

/** The titles of the items in a mailbox list, top to bottom. */
function mailboxTitles(html: string): string[] {
  return [...html.matchAll(/<span class="item-title">([\s\S]*?)<\/span>/g)].map((m) => decode(m[1]!));
}

/** Links to expert profiles on a directory page. */
function expertLinksOf(html: string): string[] {
  return [...html.matchAll(/<h2 class="expert-name">\s*<a href="(\/experts\/\d+)">/g)].map((m) => m[1]!);
}

// ---- what is stored ----

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

const storeDir = () => path.join(t.config.dataDir, 'files');
const tempDir = () => path.join(storeDir(), 'tmp');

/** Files kept in the store (outside its temporary folder). */
function storedFiles(): string[] {
  return filesUnder(storeDir()).filter((file) => !file.startsWith(tempDir() + path.sep));
}

async function applications() {
  return t.deps.db.selectFrom('expert_applications').selectAll().orderBy('id').execute();
}

async function applicationById(id: number) {
  return t.deps.db.selectFrom('expert_applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function onlyApplication() {
  const all = await applications();
  expect(all).toHaveLength(1);
  return all[0]!;
}

async function countOf(table: 'notices' | 'outbox_emails' | 'files' | 'expert_profiles' | 'organisations'): Promise<number> {
  const row = await t.deps.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function rolesOf(userId: number): Promise<string[]> {
  const rows = await t.deps.db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute();
  return rows.map((r) => r.role).sort();
}

// ---- doing things as a person would ----

const photo = (content: Buffer = samplePng(), name = 'portree.png', contentType = 'image/png'): FilePart => ({ field: 'photo', name, contentType, content });

/** Opens "Become an expert" and sends its form (multipart, with the page's CSRF token). */
async function apply(browser: Browser, fields: Record<string, string | string[]>, files: FilePart[] = []): Promise<Page> {
  await browser.get('/become-expert');
  return postMultipart(t.app, browser, '/become-expert', { fields, files });
}

/** Sends the form shown after "more information, please" (to the application's resubmit address). */
async function resubmit(browser: Browser, id: number, fields: Record<string, string | string[]>, files: FilePart[] = []): Promise<Page> {
  await browser.get('/become-expert');
  return postMultipart(t.app, browser, `/become-expert/${id}/resubmit`, { fields, files });
}

/** A reviewer's decision through the review page's forms. */
function decide(browser: Browser, id: number, event: 'approve' | 'reject' | 'askForInfo', note = ''): Promise<Page> {
  const reviewPage = `/admin/expert-applications/${id}`;
  return browser.post(`${reviewPage}/decision`, event === 'approve' ? { event } : { event, note }, { formPage: reviewPage });
}

/** Three active fields of expertise and a hidden one. */
async function someFields() {
  const criminal = await createField(t, { nameEt: 'Kriminaalõigus', nameEn: 'Criminal law' });
  const family = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
  const psychology = await createField(t, { nameEt: 'Psühholoogia', nameEn: 'Psychology' });
  const hidden = await createField(t, { nameEt: 'Mereõigus', nameEn: 'Maritime law', isActive: false });
  return { criminal, family, psychology, hidden };
}

/** A moderator and an admin, each signed in in a browser of their own. */
async function staff() {
  const moderator = await signedInUser(t, { name: 'Mari Moderaator', email: 'mari@konsult.test', roles: ['moderator'] });
  const admin = await signedInUser(t, { name: 'Andres Admin', email: 'andres@konsult.test', roles: ['admin'] });
  return { moderator, admin };
}

/** A customer who applied as a private person (fields: criminal law and family law); returns the application's id. */
async function submitted(overrides: Record<string, string | string[]> = {}, options: { locale?: 'et' | 'en'; files?: FilePart[] } = {}) {
  const fields = await someFields();
  const applicant = await signedInUser(t, { name: 'Kati Karu', email: 'kati@example.ee', locale: options.locale ?? 'et' });
  const sent = await apply(applicant.browser, personApplication([fields.criminal.id, fields.family.id], overrides), options.files ?? []);
  expect(sent.status).toBe(303);
  const application = await onlyApplication();
  return { fields, applicant, id: application.id };
}

describe('“Become an expert” for a visitor who is not signed in', () => {
  it('explains the steps and links to sign in (coming back here) and to register', async () => {
    const page = await t.browser().get('/become-expert');

    expect(page.status).toBe(200);
    const text = mainText(page.body);
    expect(text).toContain('Hakka eksperdiks');
    expect(text).toContain('Täitke taotlus: kes olete, milles nõustate ja millises keeles.');
    expect(text).toContain('Alustamiseks logige sisse või registreeruge.');
    expect(page.body).toContain('href="/login?next=%2Fbecome-expert"');
    expect(page.body).toContain('href="/register"');
    expect(page.body).not.toContain('action="/become-expert"');
  });

  it('the sign-in link leads back to the form once signed in', async () => {
    await someFields();
    const user = await createUser(t);
    const browser = t.browser();
    await browser.get('/login?next=%2Fbecome-expert');

    const signedIn = await browser.post('/login', { email: user.email, password: user.password, next: '/become-expert' });

    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/become-expert');
    const form = await browser.follow(signedIn);
    expect(form.body).toContain('action="/become-expert"');
  });

  it('sending the form anyway leads to sign-in and stores nothing', async () => {
    const { criminal } = await someFields();
    const browser = t.browser();
    await browser.get('/login');

    const page = await postMultipart(t.app, browser, '/become-expert', { fields: personApplication([criminal.id]), files: [photo()] });

    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/login\?next=/);
    expect(await applications()).toEqual([]);
    expect(storedFiles()).toEqual([]);
  });
});

describe('applying as a private person', () => {
  it('without a photo: the application is under review, the applicant and every reviewer are told', async () => {
    const fields = await someFields();
    const { moderator, admin } = await staff();
    const bystander = await createUser(t, { email: 'bystander@example.ee' });
    const { browser } = await signedInUser(t, { name: 'Kati Karu', email: 'kati@example.ee' });

    const sent = await apply(browser, personApplication([fields.criminal.id, fields.family.id]));

    expect(sent.status).toBe(303);
    expect(sent.location).toBe('/become-expert');
    const page = await browser.follow(sent);
    expect(flashOf(page.body)).toBe('Taotlus on saadetud. Anname teada, kui see on läbi vaadatud.');
    expect(mainText(page.body)).toContain('Taotlus on läbivaatamisel');
    expect(page.body).not.toContain('action="/become-expert"');

    const application = await onlyApplication();
    expect(application).toMatchObject({ status: 'submitted', applicant_kind: 'person', full_name: 'Kati Karu', personal_id_code: validIdCodes[1], photo_file_id: null });

    // The applicant: a notice in the mailbox and the same by e-mail.
    expect(mailboxTitles((await browser.get('/mailbox')).body)).toEqual(['Teie eksperditaotlus on kätte saadud']);
    const receipt = await lastEmailTo(t, 'kati@example.ee');
    expect(receipt.subject).toBe('Teie eksperditaotlus on kätte saadud');
    expect(linkIn(receipt)).toBe('/become-expert');

    // Every moderator and admin: a notice and an e-mail leading to the application.
    for (const reviewer of [moderator, admin]) {
      const emails = await emailsTo(t, reviewer.user.email);
      expect(emails.map((e) => e.subject)).toEqual(['Uus eksperditaotlus: Kati Karu']);
      expect(linkIn(emails[0]!)).toBe(`/admin/expert-applications/${application.id}`);
      expect(mailboxTitles((await reviewer.browser.get('/mailbox')).body)).toEqual(['Uus eksperditaotlus: Kati Karu']);
      const review = await reviewer.browser.get(linkIn(emails[0]!));
      expect(review.status).toBe(200);
      expect(mainText(review.body)).toContain('Kati Karu');
    }
    // Nobody else.
    expect(await emailsTo(t, bystander.email)).toEqual([]);

    // The queue lists it.
    const queue = await moderator.browser.get('/admin/expert-applications');
    expect(queue.body).toContain(`<a href="/admin/expert-applications/${application.id}">Kati Karu</a>`);
    expect(mainText(queue.body)).toContain('1 taotlus');
  });

  it('the applicant’s e-mail goes out even with every e-mail category switched off', async () => {
    const { criminal } = await someFields();
    const { browser } = await signedInUser(t, { email: 'kati@example.ee' });
    const saved = await browser.post('/account/notifications', { email: [] }, { formPage: '/account/notifications' });
    expect(saved.status).toBe(303);
    const settings = await browser.get('/account/notifications');
    expect(settings.body).toContain('name="email"');
    expect(checkedValues(settings.body, 'email')).toEqual([]);

    expect((await apply(browser, personApplication([criminal.id]))).status).toBe(303);

    expect((await emailsTo(t, 'kati@example.ee')).map((e) => e.subject)).toEqual(['Teie eksperditaotlus on kätte saadud']);
  });

  it('with a PNG photo: the photo is kept with the application and reviewers see it', async () => {
    const { criminal } = await someFields();
    const { moderator } = await staff();
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });

    const sent = await apply(browser, personApplication([criminal.id]), [photo()]);

    expect(sent.status).toBe(303);
    expect(mainText((await browser.follow(sent)).body)).toContain('Taotlus on läbivaatamisel');
    const application = await onlyApplication();
    expect(application.photo_file_id).not.toBeNull();
    expect(storedFiles()).toHaveLength(1);
    const review = await moderator.browser.get(`/admin/expert-applications/${application.id}`);
    expect(review.body).toContain(`src="/expert-applications/${application.id}/photo"`);
    expect(await emailsTo(t, moderator.user.email)).toHaveLength(1);
  });

  it('working for an organisation (name and registry code): both are kept', async () => {
    const { criminal } = await someFields();
    const { moderator } = await staff();
    const { browser } = await signedInUser(t);

    const sent = await apply(browser, personApplication([criminal.id], { organisationName: 'Õigusbüroo Näide OÜ', registryCode: validRegistryCodes[1] }));

    expect(sent.status).toBe(303);
    const application = await onlyApplication();
    expect(application).toMatchObject({ applicant_kind: 'person', organisation_name: 'Õigusbüroo Näide OÜ', registry_code: validRegistryCodes[1] });
    const review = mainText((await moderator.browser.get(`/admin/expert-applications/${application.id}`)).body);
    expect(review).toContain('Õigusbüroo Näide OÜ');
    expect(review).toContain(validRegistryCodes[1]);
  });

  it('an ID code typed with spaces is accepted and stored without them', async () => {
    const { criminal } = await someFields();
    const { browser } = await signedInUser(t);

    const sent = await apply(browser, personApplication([criminal.id], { personalIdCode: '494 0313 6526' }));

    expect(sent.status).toBe(303);
    expect((await onlyApplication()).personal_id_code).toBe('49403136526');
  });
});

describe('applying on behalf of an organisation', () => {
  it('with a valid registry code: under review, reviewers see the organisation and its contact person', async () => {
    const { criminal } = await someFields();
    const { moderator } = await staff();
    const { browser } = await signedInUser(t, { email: 'buroo@example.ee' });

    const sent = await apply(browser, organisationApplication([criminal.id]));

    expect(sent.status).toBe(303);
    expect(mainText((await browser.follow(sent)).body)).toContain('Taotlus on läbivaatamisel');
    const application = await onlyApplication();
    expect(application).toMatchObject({ applicant_kind: 'organisation', organisation_name: 'Õigusbüroo Näide OÜ', registry_code: validRegistryCodes[0], contact_person: 'Mart Mänd' });
    expect((await emailsTo(t, moderator.user.email)).map((e) => e.subject)).toEqual(['Uus eksperditaotlus: Õigusbüroo Näide OÜ']);
    const queue = await moderator.browser.get('/admin/expert-applications');
    expect(queue.body).toContain(`<a href="/admin/expert-applications/${application.id}">Õigusbüroo Näide OÜ</a>`);
    const review = mainText((await moderator.browser.get(`/admin/expert-applications/${application.id}`)).body);
    expect(review).toContain('organisatsiooni (juriidilise isiku) nimel');
    expect(review).toContain(validRegistryCodes[0]);
    expect(review).toContain('Mart Mänd');
  });
});

describe('a refused application', () => {
  const oversizedPng = () => Buffer.concat([samplePng(), Buffer.alloc(5 * 1024 * 1024 + 1 - samplePng().length)]);
  const note = 'Kutseregistri number 4711.';

  type Case = {
    what: string;
    form: (ids: { active: number[]; hidden: number }) => Record<string, string | string[]>;
    files?: () => FilePart[];
    field: string;
    message: string;
  };

  const cases: Case[] = [
    {
      what: 'an ID code with a wrong check digit',
      form: ({ active }) => personApplication(active, { personalIdCode: '49403136527', note }),
      field: 'personalIdCode',
      message: 'See ei ole kehtiv Eesti isikukood. Kontrollige numbreid: isikukoodis on 11 numbrit.',
    },
    {
      what: 'an ID code with an impossible birth date (31 February, right check digit)',
      form: ({ active }) => personApplication(active, { personalIdCode: '49402316525', note }),
      field: 'personalIdCode',
      message: 'See ei ole kehtiv Eesti isikukood. Kontrollige numbreid: isikukoodis on 11 numbrit.',
    },
    {
      what: 'no full name',
      form: ({ active }) => personApplication(active, { fullName: '   ', note }),
      field: 'fullName',
      message: 'See väli on kohustuslik.',
    },
    {
      what: 'no qualifications',
      form: ({ active }) => personApplication(active, { qualifications: '', note }),
      field: 'qualifications',
      message: 'See väli on kohustuslik.',
    },
    {
      what: 'no introduction (bio)',
      form: ({ active }) => personApplication(active, { bio: '\n \n', note }),
      field: 'bio',
      message: 'See väli on kohustuslik.',
    },
    {
      what: 'no field chosen',
      form: ({ active }) => personApplication(active, { fieldIds: [], note }),
      field: 'fieldIds',
      message: 'Valige vähemalt üks valdkond.',
    },
    {
      what: 'no language chosen',
      form: ({ active }) => personApplication(active, { languages: [], note }),
      field: 'languages',
      message: 'Valige vähemalt üks keel.',
    },
    {
      what: 'no price level chosen',
      form: ({ active }) => personApplication(active, { priceLevel: [], note }),
      field: 'priceLevel',
      message: 'Valige hinnatase.',
    },
    {
      what: 'an organisation without a contact person',
      form: ({ active }) => organisationApplication(active, { contactPerson: '', note }),
      field: 'contactPerson',
      message: 'See väli on kohustuslik.',
    },
    {
      what: 'an organisation with a wrong registry code',
      form: ({ active }) => organisationApplication(active, { registryCode: '12417835', note }),
      field: 'registryCode',
      message: 'See ei ole kehtiv registrikood. Kontrollige numbreid: registrikoodis on 8 numbrit.',
    },
    {
      what: 'a person naming an organisation without its registry code',
      form: ({ active }) => personApplication(active, { organisationName: 'Õigusbüroo Näide OÜ', registryCode: '', note }),
      field: 'registryCode',
      message: 'Lisage organisatsiooni registrikood.',
    },
    {
      what: 'a hidden (inactive) field',
      form: ({ active, hidden }) => personApplication([...active, hidden], { note }),
      field: 'fieldIds',
      message: 'Valige pakutud valikute hulgast.',
    },
    {
      what: 'a PDF sent as the photo',
      form: ({ active }) => personApplication(active, { note }),
      files: () => [photo(samplePdf(), 'portree.pdf', 'application/pdf')],
      field: 'photo',
      message: 'Foto peab olema JPEG-, PNG- või WebP-pilt.',
    },
    {
      what: 'a PDF renamed to .png as the photo',
      form: ({ active }) => personApplication(active, { note }),
      files: () => [photo(samplePdf(), 'portree.png', 'image/png')],
      field: 'photo',
      message: 'Foto peab olema JPEG-, PNG- või WebP-pilt.',
    },
    {
      what: 'a photo over 5 MB',
      form: ({ active }) => personApplication(active, { note }),
      files: () => [photo(oversizedPng())],
      field: 'photo',
      message: 'Foto on liiga suur: lubatud on kuni 5 MB.',
    },
    {
      what: 'an introduction over 5000 characters',
      form: ({ active }) => personApplication(active, { bio: 'ä'.repeat(5_001), note }),
      field: 'bio',
      message: 'Liiga pikk: lubatud on kuni 5000 märki.',
    },
    {
      what: 'a full name over 200 characters',
      form: ({ active }) => personApplication(active, { fullName: 'K'.repeat(201), note }),
      field: 'fullName',
      message: 'Liiga pikk: lubatud on kuni 200 märki.',
    },
  ];

  it.each(cases)('$what: 422, the message at the field, everything typed kept, nothing stored', async ({ form, files, field, message }) => {
    const fields = await someFields();
    const { moderator } = await staff();
    const { browser, user } = await signedInUser(t, { email: 'kati@example.ee' });
    const active = [fields.criminal.id, fields.psychology.id];
    const sent = form({ active, hidden: fields.hidden.id });
    const before = { notices: await countOf('notices'), emails: await countOf('outbox_emails') };

    const page = await apply(browser, sent, files?.() ?? []);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, field)).toBe(message);
    expect(summaryOf(page.body)).toContain(message);
    // Everything typed is shown again …
    for (const name of ['fullName', 'personalIdCode', 'organisationName', 'registryCode', 'contactPerson']) {
      expect(fieldValue(page.body, name), name).toBe(sent[name]);
    }
    for (const name of ['qualifications', 'bio', 'note']) expect(textareaValue(page.body, name), name).toBe(sent[name]);
    // … and so is every choice (the hidden field is not offered, so it cannot be shown).
    expect(checkedValues(page.body, 'kind')).toEqual([sent['kind']]);
    expect(checkedValues(page.body, 'languages')).toEqual(sent['languages']);
    expect(checkedValues(page.body, 'priceLevel')).toEqual([sent['priceLevel']].flat());
    expect(checkedValues(page.body, 'fieldIds')).toEqual([sent['fieldIds']].flat().filter((id) => id !== String(fields.hidden.id)));
    expect(page.body).toContain('action="/become-expert"');

    // Nothing written: no application, no file, nobody told.
    expect(await applications()).toEqual([]);
    expect(await countOf('files')).toBe(0);
    expect(storedFiles()).toEqual([]);
    await expect.poll(() => filesUnder(tempDir()), { timeout: 2_000, interval: 10 }).toEqual([]);
    expect(await countOf('notices')).toBe(before.notices);
    expect(await countOf('outbox_emails')).toBe(before.emails);
    expect(await emailsTo(t, moderator.user.email)).toEqual([]);
    expect(await rolesOf(user.id)).toEqual([]);
    // The page still offers the form: nothing is under review.
    expect(mainText((await browser.get('/become-expert')).body)).not.toContain('Taotlus on läbivaatamisel');
  });

  it('reports every problem at once, each at its own field', async () => {
    await someFields();
    const { browser } = await signedInUser(t);

    const page = await apply(browser, personApplication([], { fullName: '', personalIdCode: '12345678901', bio: '', languages: [], priceLevel: [] }));

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'fullName')).toBe('See väli on kohustuslik.');
    expect(fieldError(page.body, 'personalIdCode')).toBe('See ei ole kehtiv Eesti isikukood. Kontrollige numbreid: isikukoodis on 11 numbrit.');
    expect(fieldError(page.body, 'bio')).toBe('See väli on kohustuslik.');
    expect(fieldError(page.body, 'fieldIds')).toBe('Valige vähemalt üks valdkond.');
    expect(fieldError(page.body, 'languages')).toBe('Valige vähemalt üks keel.');
    expect(fieldError(page.body, 'priceLevel')).toBe('Valige hinnatase.');
    expect(fieldError(page.body, 'qualifications')).toBeUndefined();
    expect(await applications()).toEqual([]);
  });

  it('speaks English to an English-speaking user', async () => {
    const fields = await someFields();
    const { browser } = await signedInUser(t, { locale: 'en' });

    const badCode = await apply(browser, personApplication([fields.criminal.id], { personalIdCode: '49403136527' }));
    const noField = await apply(browser, personApplication([], { bio: '' }));
    const pdfPhoto = await apply(browser, personApplication([fields.criminal.id]), [photo(samplePdf(), 'me.pdf', 'application/pdf')]);

    expect(badCode.status).toBe(422);
    expect(fieldError(badCode.body, 'personalIdCode')).toBe('This is not a valid Estonian personal identification code. Check the digits: it has 11.');
    expect(fieldValue(badCode.body, 'personalIdCode')).toBe('49403136527');
    expect(noField.status).toBe(422);
    expect(fieldError(noField.body, 'fieldIds')).toBe('Choose at least one field.');
    expect(fieldError(noField.body, 'bio')).toBe('This field is required.');
    expect(pdfPhoto.status).toBe(422);
    expect(fieldError(pdfPhoto.body, 'photo')).toBe('The photo must be a JPEG, PNG or WebP image.');
    expect(await applications()).toEqual([]);
    expect(storedFiles()).toEqual([]);
  });
});

describe('one open application per user', () => {
  it('a second application while one is under review: 409 with a clear message, nothing new', async () => {
    const { fields, applicant } = await submitted();
    const emailsBefore = await countOf('outbox_emails');

    const again = await apply(applicant.browser, personApplication([fields.psychology.id], { bio: 'Teine katse.' }), [photo()]);

    expect(again.status).toBe(409);
    const text = mainText(again.body);
    expect(text).toContain('Teil on juba läbivaatamisel taotlus või olete juba ekspert.');
    expect(text).toContain('Taotlus on läbivaatamisel');
    expect(await applications()).toHaveLength(1);
    expect((await onlyApplication()).bio).toBe('Aitan ohvritel oma õigusi kaitsta.');
    expect(storedFiles()).toEqual([]);
    expect(await countOf('files')).toBe(0);
    expect(await countOf('outbox_emails')).toBe(emailsBefore);
  });

  it('a second application while the first waits for the applicant’s answer: 409, nothing new', async () => {
    const { fields, applicant, id } = await submitted();
    const { moderator } = await staff();
    expect((await decide(moderator.browser, id, 'askForInfo', 'Lisage palun kutsetunnistuse number.')).status).toBe(303);

    const again = await apply(applicant.browser, personApplication([fields.psychology.id]));

    expect(again.status).toBe(409);
    expect(mainText(again.body)).toContain('Teil on juba läbivaatamisel taotlus või olete juba ekspert.');
    expect((await applications()).map((a) => a.status)).toEqual(['needs_info']);
  });

  it('two submissions at the same moment create exactly one application', async () => {
    const { criminal } = await someFields();
    const { moderator } = await staff();
    const { browser } = await signedInUser(t, { email: 'kati@example.ee' });
    await browser.get('/become-expert');

    const answers = await Promise.all([
      postMultipart(t.app, browser, '/become-expert', { fields: personApplication([criminal.id], { bio: 'Esimene.' }), files: [photo()] }),
      postMultipart(t.app, browser, '/become-expert', { fields: personApplication([criminal.id], { bio: 'Teine.' }), files: [photo()] }),
    ]);

    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    expect(await applications()).toHaveLength(1);
    // Only the accepted one's photo stays; the applicant and the reviewer are told once.
    expect(await countOf('files')).toBe(1);
    expect(storedFiles()).toHaveLength(1);
    expect(await emailsTo(t, 'kati@example.ee')).toHaveLength(1);
    expect(await emailsTo(t, moderator.user.email)).toHaveLength(1);
  });

  it('an expert cannot apply: 409, the page says they already are an expert', async () => {
    const { criminal } = await someFields();
    const expert = await createExpert(t, { fieldIds: [criminal.id], email: 'ekspert@example.ee' });
    const browser = t.browser();
    await browser.post('/login', { email: expert.email, password: expert.password }, { formPage: '/login' });

    const form = await browser.get('/become-expert');
    expect(mainText(form.body)).toContain('Olete portaali ekspert');
    expect(form.body).not.toContain('action="/become-expert"');

    await browser.get('/login'); // a token from any page, as a stale tab would have
    const page = await postMultipart(t.app, browser, '/become-expert', { fields: personApplication([criminal.id]) });

    expect(page.status).toBe(409);
    expect(mainText(page.body)).toContain('Olete portaali ekspert');
    expect(await applications()).toEqual([]);
    expect(await emailsTo(t, 'ekspert@example.ee')).toEqual([]);
  });
});

describe('who may review', () => {
  it('customers and experts are refused the queue and the application (403)', async () => {
    const { id, applicant, fields } = await submitted();
    const customer = await signedInUser(t);
    const expert = await createExpert(t, { fieldIds: [fields.criminal.id] });
    const expertBrowser = t.browser();
    await expertBrowser.post('/login', { email: expert.email, password: expert.password }, { formPage: '/login' });

    for (const browser of [applicant.browser, customer.browser, expertBrowser]) {
      for (const url of ['/admin/expert-applications', `/admin/expert-applications/${id}`, '/admin/expert-applications?status=approved']) {
        const page = await browser.get(url);
        expect(page.status, url).toBe(403);
        expect(page.body).not.toContain(validIdCodes[1]);
      }
    }
  });

  it('a visitor who is not signed in is sent to sign in', async () => {
    const { id } = await submitted();
    const browser = t.browser();

    const queue = await browser.get('/admin/expert-applications');
    const detail = await browser.get(`/admin/expert-applications/${id}`);

    expect(queue.status).toBe(303);
    expect(queue.location).toBe('/login?next=%2Fadmin%2Fexpert-applications');
    expect(detail.status).toBe(303);
    expect(detail.location).toBe(`/login?next=${encodeURIComponent(`/admin/expert-applications/${id}`)}`);
  });

  it('a moderator and an admin see the queue and the application, with the ID code', async () => {
    const { id } = await submitted({ note: 'Advokatuuri liige nr 1234.' });
    const { moderator, admin } = await staff();

    for (const reviewer of [moderator, admin]) {
      const queue = await reviewer.browser.get('/admin/expert-applications');
      expect(queue.status).toBe(200);
      expect(queue.body).toContain(`href="/admin/expert-applications/${id}"`);

      const detail = await reviewer.browser.get(`/admin/expert-applications/${id}`);
      expect(detail.status).toBe(200);
      const text = mainText(detail.body);
      expect(text).toContain('Kati Karu');
      expect(text).toContain(`Isikukood ${validIdCodes[1]}`);
      expect(text).toContain('kati@example.ee');
      expect(text).toContain('Kriminaalõigus, Perekonnaõigus');
      expect(text).toContain('eesti, inglise');
      expect(text).toContain('Tartu Ülikool, õigusteaduse magister.');
      expect(text).toContain('Advokatuuri liige nr 1234.');
      expect(text).toContain('Ootab läbivaatamist');
    }
  });
});

describe('approving', () => {
  it('makes the applicant an expert with a public profile in each chosen field', async () => {
    const { id, applicant, fields } = await submitted({ languages: ['et', 'ru'], bio: 'Aitan ohvritel oma õigusi kaitsta.\nKonsultatsioonid ka õhtuti.' }, { files: [photo()] });
    const { moderator } = await staff();

    const decided = await decide(moderator.browser, id, 'approve');

    expect(decided.status).toBe(303);
    expect(decided.location).toBe(`/admin/expert-applications/${id}`);
    const after = await moderator.browser.follow(decided);
    expect(flashOf(after.body)).toBe('Taotlus on kinnitatud. Taotleja on nüüd ekspert.');
    expect(mainText(after.body)).toContain('Kinnitatud');
    expect(mainText(after.body)).toContain('Viimati otsustas Mari Moderaator');

    const expertId = applicant.user.id;
    expect(await rolesOf(expertId)).toEqual(['expert']);
    expect((await applicationById(id)).status).toBe('approved');

    // The applicant is told, and "Become an expert" now says they are one.
    const email = await lastEmailTo(t, 'kati@example.ee');
    expect(email.subject).toBe('Olete nüüd portaali Konsult ekspert');
    expect(linkIn(email)).toBe(`/experts/${expertId}`);
    expect(mailboxTitles((await applicant.browser.get('/mailbox')).body)).toContain('Olete nüüd portaali Konsult ekspert');
    expect(mainText((await applicant.browser.get('/become-expert')).body)).toContain('Olete portaali ekspert');

    // Listed under each chosen field, not under another.
    for (const field of [fields.criminal, fields.family]) {
      const listed = await t.browser().get(`/experts?field=${field.id}`);
      expect(expertLinksOf(listed.body), field.nameEt).toContain(`/experts/${expertId}`);
    }
    expect(expertLinksOf((await t.browser().get(`/experts?field=${fields.psychology.id}`)).body)).not.toContain(`/experts/${expertId}`);

    // The public profile: name, fields, languages, introduction, photo; never the ID code.
    const profile = await t.browser().get(`/experts/${expertId}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toContain('<h1>Kati Karu</h1>');
    const text = mainText(profile.body);
    expect(text).toContain('Valdkonnad Kriminaalõigus, Perekonnaõigus');
    expect(text).toContain('Keeled eesti, vene');
    expect(text).toContain('Aitan ohvritel oma õigusi kaitsta.');
    expect(text).toContain('Konsultatsioonid ka õhtuti.');
    expect(text).toContain('Tartu Ülikool, õigusteaduse magister.');
    expect(profile.body).not.toContain(validIdCodes[1]);
    const photoLink = /<img[^>]*src="(\/experts\/\d+\/photo[^"]*)"/.exec(profile.body)?.[1];
    expect(photoLink).toBeDefined();
    const shown = await t.browser().get(decode(photoLink!));
    expect(shown.status).toBe(200);
    expect(shown.headers['content-type']).toBe('image/png');
  });

  it('an admin can approve too', async () => {
    const { id, applicant } = await submitted();
    const { admin } = await staff();

    expect((await decide(admin.browser, id, 'approve')).status).toBe(303);

    expect(await rolesOf(applicant.user.id)).toEqual(['expert']);
    expect((await t.browser().get(`/experts/${applicant.user.id}`)).status).toBe(200);
  });

  it('deciding again on an approved application: 409, nothing changes', async () => {
    const { id, applicant } = await submitted();
    const { moderator, admin } = await staff();
    expect((await decide(moderator.browser, id, 'approve')).status).toBe(303);
    const before = await applicationById(id);
    const emailsBefore = await emailsTo(t, applicant.user.email);
    const noticesBefore = await countOf('notices');

    const twice = await admin.browser.post(`/admin/expert-applications/${id}/decision`, { event: 'approve' });
    const rejectAfter = await admin.browser.post(`/admin/expert-applications/${id}/decision`, { event: 'reject', note: 'Liiga hilja.' });

    expect(twice.status).toBe(409);
    expect(mainText(twice.body)).toContain('Seda ei saa enam teha: olukord on vahepeal muutunud. Värskendage lehte.');
    expect(rejectAfter.status).toBe(409);
    expect(await applicationById(id)).toEqual(before);
    expect(await emailsTo(t, applicant.user.email)).toEqual(emailsBefore);
    expect(await countOf('notices')).toBe(noticesBefore);
    expect(await countOf('expert_profiles')).toBe(1);
    expect(await rolesOf(applicant.user.id)).toEqual(['expert']);
  });

  it('someone who is not a moderator or admin cannot decide (403), not even on their own application', async () => {
    const { id, applicant, fields } = await submitted();
    const customer = await signedInUser(t);
    const expert = await createExpert(t, { fieldIds: [fields.criminal.id] });
    const expertBrowser = t.browser();
    await expertBrowser.post('/login', { email: expert.email, password: expert.password }, { formPage: '/login' });
    const before = await applicationById(id);
    const noticesBefore = await countOf('notices');

    for (const browser of [applicant.browser, customer.browser, expertBrowser]) {
      await browser.get('/become-expert');
      for (const fieldsSent of [{ event: 'approve' }, { event: 'reject', note: 'Ei.' }, { event: 'askForInfo', note: 'Miks?' }] as Record<string, string>[]) {
        const page = await browser.post(`/admin/expert-applications/${id}/decision`, fieldsSent);
        expect(page.status).toBe(403);
      }
    }

    expect(await applicationById(id)).toEqual(before);
    expect(await rolesOf(applicant.user.id)).toEqual([]);
    expect(await countOf('expert_profiles')).toBe(1); // the expert made above, nobody else
    expect(await countOf('notices')).toBe(noticesBefore);
  });

  it('a moderator who applies cannot decide on their own application (403); another reviewer can', async () => {
    const fields = await someFields();
    const { admin } = await staff();
    const applicant = await signedInUser(t, { name: 'Mati Moderaator', roles: ['moderator'] });
    expect((await apply(applicant.browser, personApplication([fields.criminal.id], { fullName: 'Mati Moderaator' }))).status).toBe(303);
    const { id } = await onlyApplication();
    // The other reviewer is told; the applicant is not asked to review themself.
    expect(await noticesOf(applicant.user.id, 'expertApplicationSubmitted')).toBe(0);
    expect(await noticesOf(admin.user.id, 'expertApplicationSubmitted')).toBe(1);

    const own = await applicant.browser.get(`/admin/expert-applications/${id}`);
    expect(own.status).toBe(200);
    expect(mainText(own.body)).toContain('See on teie enda taotlus: selle vaatab üle teine moderaator või administraator.');
    expect(own.body).not.toContain(`action="/admin/expert-applications/${id}/decision"`);
    for (const fieldsSent of [{ event: 'approve' }, { event: 'reject', note: 'Ei.' }, { event: 'askForInfo', note: 'Miks?' }] as Record<string, string>[]) {
      expect((await applicant.browser.post(`/admin/expert-applications/${id}/decision`, fieldsSent)).status).toBe(403);
    }
    expect((await applicationById(id)).status).toBe('submitted');
    expect(await rolesOf(applicant.user.id)).toEqual(['moderator']);

    expect((await decide(admin.browser, id, 'approve')).status).toBe(303);
    expect(await rolesOf(applicant.user.id)).toEqual(['expert', 'moderator']);
  });

  it('a visitor who is not signed in posting a decision is sent to sign in, nothing changes', async () => {
    const { id } = await submitted();
    const browser = t.browser();
    await browser.get('/login');

    const page = await browser.post(`/admin/expert-applications/${id}/decision`, { event: 'approve' });

    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/login\?next=/);
    expect((await applicationById(id)).status).toBe('submitted');
  });
});

describe('rejecting', () => {
  it('without a reason: 422 with the message at the reason field, nothing changes', async () => {
    const { id, applicant } = await submitted();
    const { moderator } = await staff();
    const before = await applicationById(id);
    const emailsBefore = await emailsTo(t, applicant.user.email);

    const page = await decide(moderator.browser, id, 'reject', '  ');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'note')).toBe('See väli on kohustuslik.');
    expect(await applicationById(id)).toEqual(before);
    expect(await emailsTo(t, applicant.user.email)).toEqual(emailsBefore);
  });

  it('with a reason: the applicant reads it on the page, in the mailbox and by e-mail, and can apply again', async () => {
    const { id, applicant, fields } = await submitted();
    const { moderator } = await staff();
    const reason = 'Kutsetunnistus puudub. Lisage palun kutseregistri väljavõte.';

    const decided = await decide(moderator.browser, id, 'reject', reason);

    expect(decided.status).toBe(303);
    expect(flashOf((await moderator.browser.follow(decided)).body)).toBe('Taotlus on tagasi lükatud. Taotlejale on teatatud.');
    expect((await applicationById(id)).status).toBe('rejected');
    expect(await rolesOf(applicant.user.id)).toEqual([]);
    expect((await t.browser().get(`/experts/${applicant.user.id}`)).status).toBe(404);

    const page = await applicant.browser.get('/become-expert');
    const text = mainText(page.body);
    expect(text).toContain('Eelmist taotlust ei kinnitatud');
    expect(text).toContain(reason);
    expect(text).toContain('Võite saata uue taotluse.');
    expect(page.body).toContain('action="/become-expert"');

    const email = await lastEmailTo(t, 'kati@example.ee');
    expect(email.subject).toBe('Teie eksperditaotlust ei kinnitatud');
    expect(email.text_body).toContain(`Põhjus: ${reason}`);
    expect(linkIn(email)).toBe('/become-expert');
    expect(mailboxTitles((await applicant.browser.get('/mailbox')).body)).toContain('Teie eksperditaotlust ei kinnitatud');

    // A new application is accepted and goes to review like the first.
    const again = await apply(applicant.browser, personApplication([fields.psychology.id], { bio: 'Uus tutvustus.' }));
    expect(again.status).toBe(303);
    expect((await applications()).map((a) => a.status)).toEqual(['rejected', 'submitted']);
    expect(mainText((await applicant.browser.get('/become-expert')).body)).toContain('Taotlus on läbivaatamisel');
    const [newApplication] = (await applications()).slice(-1);
    const toModerator = await emailsTo(t, moderator.user.email);
    expect(toModerator.map((e) => e.subject)).toEqual(['Uus eksperditaotlus: Kati Karu']);
    expect(linkIn(toModerator[0]!)).toBe(`/admin/expert-applications/${newApplication!.id}`);
  });

  it('the reason reaches an English-speaking applicant in English', async () => {
    const { id } = await submitted({}, { locale: 'en' });
    const { moderator } = await staff();

    await decide(moderator.browser, id, 'reject', 'Puudub kutsetunnistus.');

    const email = await lastEmailTo(t, 'kati@example.ee');
    expect(email.subject).toBe('Your expert application was not approved');
    expect(email.text_body).toContain('Puudub kutsetunnistus.');
  });
});

describe('asking for more information', () => {
  it('the applicant sees the question with their application filled in, answers, and it goes back to review', async () => {
    const { id, applicant, fields } = await submitted({ organisationName: 'Õigusbüroo Näide OÜ', registryCode: validRegistryCodes[1], languages: ['et', 'ru'], priceLevel: '3' });
    const { moderator, admin } = await staff();
    const question = 'Palun lisage kutsetunnistuse number.';

    const decided = await decide(moderator.browser, id, 'askForInfo', question);

    expect(decided.status).toBe(303);
    expect(flashOf((await moderator.browser.follow(decided)).body)).toBe('Taotlejalt on küsitud täiendusi.');
    expect((await applicationById(id)).status).toBe('needs_info');
    const email = await lastEmailTo(t, 'kati@example.ee');
    expect(email.subject).toBe('Palun täiendage oma eksperditaotlust');
    expect(email.text_body).toContain(`Moderaator palub taotlust täiendada: ${question}`);
    expect(linkIn(email)).toBe('/become-expert');

    // The page shows the question and the application as it was sent.
    const page = await applicant.browser.get('/become-expert');
    expect(mainText(page.body)).toContain('Moderaator palub taotlust täiendada');
    expect(mainText(page.body)).toContain(question);
    expect(page.body).toContain(`action="/become-expert/${id}/resubmit"`);
    expect(fieldValue(page.body, 'fullName')).toBe('Kati Karu');
    expect(fieldValue(page.body, 'personalIdCode')).toBe(validIdCodes[1]);
    expect(fieldValue(page.body, 'organisationName')).toBe('Õigusbüroo Näide OÜ');
    expect(fieldValue(page.body, 'registryCode')).toBe(validRegistryCodes[1]);
    expect(textareaValue(page.body, 'qualifications')).toBe('Tartu Ülikool, õigusteaduse magister.');
    expect(textareaValue(page.body, 'bio')).toBe('Aitan ohvritel oma õigusi kaitsta.');
    expect(checkedValues(page.body, 'kind')).toEqual(['person']);
    expect(checkedValues(page.body, 'fieldIds')).toEqual([String(fields.criminal.id), String(fields.family.id)]);
    expect(checkedValues(page.body, 'languages')).toEqual(['et', 'ru']);
    expect(checkedValues(page.body, 'priceLevel')).toEqual(['3']);

    const moderatorEmailsBefore = (await emailsTo(t, moderator.user.email)).length;
    const adminEmailsBefore = (await emailsTo(t, admin.user.email)).length;

    const answered = await resubmit(
      applicant.browser,
      id,
      personApplication([fields.criminal.id, fields.family.id], {
        organisationName: 'Õigusbüroo Näide OÜ',
        registryCode: validRegistryCodes[1],
        languages: ['et', 'ru'],
        priceLevel: '3',
        bio: 'Aitan ohvritel oma õigusi kaitsta. Kutsetunnistus nr 98765.',
        note: 'Lisasin kutsetunnistuse numbri.',
      }),
    );

    expect(answered.status).toBe(303);
    expect(answered.location).toBe('/become-expert');
    expect(mainText((await applicant.browser.follow(answered)).body)).toContain('Taotlus on läbivaatamisel');
    const application = await applicationById(id);
    expect(application.status).toBe('submitted');
    expect(application.bio).toBe('Aitan ohvritel oma õigusi kaitsta. Kutsetunnistus nr 98765.');
    expect(await applications()).toHaveLength(1);

    // The reviewers are told again, and see the changed application.
    for (const [reviewer, before] of [[moderator, moderatorEmailsBefore], [admin, adminEmailsBefore]] as const) {
      const emails = await emailsTo(t, reviewer.user.email);
      expect(emails).toHaveLength(before + 1);
      expect(linkIn(emails.at(-1)!)).toBe(`/admin/expert-applications/${id}`);
    }
    const review = mainText((await moderator.browser.get(`/admin/expert-applications/${id}`)).body);
    expect(review).toContain('Kutsetunnistus nr 98765.');
    expect(review).toContain('Lisasin kutsetunnistuse numbri.');
    expect(review).toContain('Ootab läbivaatamist');
  });

  it('without a question: 422 with the message at the field, nothing changes', async () => {
    const { id } = await submitted();
    const { moderator } = await staff();

    const page = await decide(moderator.browser, id, 'askForInfo', '');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'note')).toBe('See väli on kohustuslik.');
    expect((await applicationById(id)).status).toBe('submitted');
  });

  it('an answer with a problem is refused with 422 and the answer kept; the application still waits for it', async () => {
    const { id, applicant, fields } = await submitted();
    const { moderator } = await staff();
    await decide(moderator.browser, id, 'askForInfo', 'Lisage kutsetunnistus.');

    const page = await resubmit(applicant.browser, id, personApplication([fields.criminal.id], { personalIdCode: '49403136527', bio: 'Uus tekst.' }));

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'personalIdCode')).toBe('See ei ole kehtiv Eesti isikukood. Kontrollige numbreid: isikukoodis on 11 numbrit.');
    expect(textareaValue(page.body, 'bio')).toBe('Uus tekst.');
    expect(page.body).toContain(`action="/become-expert/${id}/resubmit"`);
    const application = await applicationById(id);
    expect(application.status).toBe('needs_info');
    expect(application.bio).toBe('Aitan ohvritel oma õigusi kaitsta.');
  });
});

describe('withdrawing, and other people’s applications', () => {
  it('the applicant can withdraw their open application and apply again later', async () => {
    const { id, applicant, fields } = await submitted();
    const { moderator } = await staff();
    const page = await applicant.browser.get('/become-expert');
    expect(page.body).toContain(`action="/become-expert/${id}/withdraw"`);

    const withdrawn = await applicant.browser.post(`/become-expert/${id}/withdraw`, {});

    expect(withdrawn.status).toBe(303);
    const after = await applicant.browser.follow(withdrawn);
    expect(flashOf(after.body)).toBe('Taotlus on tagasi võetud.');
    expect(after.body).toContain('action="/become-expert"');
    expect((await applicationById(id)).status).toBe('withdrawn');
    expect((await moderator.browser.get('/admin/expert-applications')).body).not.toContain(`href="/admin/expert-applications/${id}"`);
    expect((await moderator.browser.get('/admin/expert-applications?status=withdrawn')).body).toContain(`href="/admin/expert-applications/${id}"`);

    expect((await apply(applicant.browser, personApplication([fields.family.id]))).status).toBe(303);
    expect((await applications()).map((a) => a.status)).toEqual(['withdrawn', 'submitted']);
  });

  it('withdrawing twice: the second answers 409', async () => {
    const { id, applicant } = await submitted();
    await applicant.browser.post(`/become-expert/${id}/withdraw`, {}, { formPage: '/become-expert' });

    const again = await applicant.browser.post(`/become-expert/${id}/withdraw`, {});

    expect(again.status).toBe(409);
    expect((await applicationById(id)).status).toBe('withdrawn');
  });

  it('another user withdrawing someone’s application gets 404, nothing changes', async () => {
    const { id } = await submitted();
    const other = await signedInUser(t);
    await other.browser.get('/become-expert');
    const before = await applicationById(id);

    const page = await other.browser.post(`/become-expert/${id}/withdraw`, {});
    const missing = await other.browser.post(`/become-expert/${id + 1000}/withdraw`, {});

    expect(page.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(mainText(page.body)).toBe(mainText(missing.body));
    expect(await applicationById(id)).toEqual(before);
  });

  it('another user resubmitting someone’s application gets 404, nothing changes and no file is kept', async () => {
    const { id, fields } = await submitted();
    const { moderator } = await staff();
    await decide(moderator.browser, id, 'askForInfo', 'Lisage kutsetunnistus.');
    const before = await applicationById(id);
    const emailsBefore = await countOf('outbox_emails');
    const other = await signedInUser(t);

    const page = await resubmit(other.browser, id, personApplication([fields.psychology.id], { fullName: 'Võõras Inimene', bio: 'Kaaperdatud.' }), [photo()]);

    expect(page.status).toBe(404);
    expect(await applicationById(id)).toEqual(before);
    expect(await countOf('outbox_emails')).toBe(emailsBefore);
    expect(await countOf('files')).toBe(0);
    expect(storedFiles()).toEqual([]);
  });

  it('resubmitting an application nobody asked to complete: 409, nothing changes', async () => {
    const { id, applicant, fields } = await submitted();
    const before = await applicationById(id);

    const page = await resubmit(applicant.browser, id, personApplication([fields.psychology.id], { bio: 'Muudetud.' }));

    expect(page.status).toBe(409);
    expect(await applicationById(id)).toEqual(before);
  });
});

describe('the application’s photo', () => {
  it('the applicant, a moderator and an admin can see it; another customer cannot (404)', async () => {
    const { id, applicant } = await submitted({}, { files: [photo(samplePng(), 'Kati portree.png')] });
    const { moderator, admin } = await staff();
    const other = await signedInUser(t);

    for (const browser of [applicant.browser, moderator.browser, admin.browser]) {
      const page = await browser.get(`/expert-applications/${id}/photo`);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('image/png');
      expect(String(page.headers['content-disposition'])).toMatch(/^attachment;/);
      expect(page.response.rawPayload.equals(samplePng())).toBe(true);
    }

    const refused = await other.browser.get(`/expert-applications/${id}/photo`);
    expect(refused.status).toBe(404);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    const anonymous = await t.browser().get(`/expert-applications/${id}/photo`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toMatch(/^\/login\?next=/);
  });

  it('an application without a photo: 404', async () => {
    const { id, applicant } = await submitted();

    expect((await applicant.browser.get(`/expert-applications/${id}/photo`)).status).toBe(404);
  });
});

describe('organisations', () => {
  it('two experts approved with the same registry code share one organisation', async () => {
    const fields = await someFields();
    const { moderator } = await staff();
    const first = await signedInUser(t, { name: 'Kati Karu' });
    const second = await signedInUser(t, { name: 'Mart Mänd' });
    const registryCode = validRegistryCodes[2];

    expect((await apply(first.browser, personApplication([fields.criminal.id], { organisationName: 'Ühine Büroo OÜ', registryCode }))).status).toBe(303);
    expect(
      (await apply(second.browser, organisationApplication([fields.family.id], { organisationName: 'Ühine Büroo OÜ', registryCode, contactPerson: 'Mart Mänd' }))).status,
    ).toBe(303);
    for (const application of await applications()) expect((await decide(moderator.browser, application.id, 'approve')).status).toBe(303);

    const organisations = await t.deps.db.selectFrom('organisations').selectAll().execute();
    expect(organisations).toHaveLength(1);
    expect(organisations[0]).toMatchObject({ name: 'Ühine Büroo OÜ', registry_code: registryCode });
    const profiles = await t.deps.db.selectFrom('expert_profiles').select(['user_id', 'organisation_id']).orderBy('user_id').execute();
    expect(profiles).toEqual([
      { user_id: first.user.id, organisation_id: organisations[0]!.id },
      { user_id: second.user.id, organisation_id: organisations[0]!.id },
    ]);

    const personProfile = await t.browser().get(`/experts/${first.user.id}`);
    expect(personProfile.body).toContain('<h1>Kati Karu</h1>');
    expect(mainText(personProfile.body)).toContain('Ühine Büroo OÜ');
    const organisationProfile = await t.browser().get(`/experts/${second.user.id}`);
    expect(organisationProfile.body).toContain('<h1>Ühine Büroo OÜ</h1>');
  });
});

async function noticesOf(userId: number, kind: string): Promise<number> {
  const row = await t.deps.db
    .selectFrom('notices')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
