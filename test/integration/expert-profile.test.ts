import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../src/adapters/clock.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { createUser, loginAs } from '../support/factories.js';
import { createExpert, createField } from '../support/experts.js';
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

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Intl writes dates with non-breaking spaces; a reader sees plain ones. */
function plain(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}

function textOf(page: Page): string {
  return plain(mainText(page.body));
}

/** A 1×1 grey baseline JPEG (JFIF): one all-zero block, the smallest image a decoder accepts. */
function sampleJpeg(): Buffer {
  const segment = (marker: number, data: number[]) => [0xff, marker, ((data.length + 2) >> 8) & 0xff, (data.length + 2) & 0xff, ...data];
  const oneCodeTable = (tableClass: number) => [tableClass, 1, ...Array<number>(15).fill(0), 0x00];
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    ...segment(0xdb, [0x00, ...Array<number>(64).fill(1)]),
    ...segment(0xc0, [0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00]),
    ...segment(0xc4, oneCodeTable(0x00)),
    ...segment(0xc4, oneCodeTable(0x10)),
    ...segment(0xda, [0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]),
    0x3f,
    0xff, 0xd9,
  ]);
}

/** What a textarea shows (as the page sends it back). */
function textareaOf(html: string, name: string): string | undefined {
  const text = new RegExp(`<textarea[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

/** The values of a checkbox or radio group on the page, and which of them are checked. */
function choicesOf(html: string, name: string): { offered: string[]; checked: string[] } {
  const inputs = [...html.matchAll(new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`, 'g'))].map((m) => m[0]);
  const valueOf = (tag: string) => decode(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '');
  return { offered: inputs.map(valueOf), checked: inputs.filter((tag) => /\schecked(?:=""|\s|>|\/)/.test(tag)).map(valueOf) };
}

function photoUrlOf(html: string, expertId: number): string | undefined {
  return new RegExp(`src="(/experts/${expertId}/photo\\?v=\\d+)"`).exec(html)?.[1];
}

/** Stars → how many ratings, as the distribution table shows them. */
function distributionOf(html: string): Record<string, number> {
  const table = /<table class="rating-distribution">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return Object.fromEntries(
    [...table.matchAll(/<th scope="row">([^<]+)<\/th><td>[\s\S]*?<\/td><td>(\d+)<\/td>/g)].map((m) => [m[1]!, Number(m[2])]),
  );
}

function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : decode(flash.trim());
}

/** Everything the database holds about an expert's profile. */
async function stored(expertId: number) {
  const db = t.deps.db;
  const profile = await db.selectFrom('expert_profiles').selectAll().where('user_id', '=', expertId).executeTakeFirstOrThrow();
  const fields = (await db.selectFrom('expert_fields').select('field_id').where('expert_id', '=', expertId).execute()).map((r) => r.field_id).sort((a, b) => a - b);
  const languages = (await db.selectFrom('expert_languages').select('language').where('expert_id', '=', expertId).execute()).map((r) => r.language).sort();
  const files = Number((await db.selectFrom('files').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { profile, fields, languages, files };
}

async function anExpert(options: Partial<Parameters<typeof createExpert>[1]> = {}) {
  const field = options.fieldIds ? undefined : await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
  const user = await createExpert(t, {
    name: 'Mari Maasikas',
    fieldIds: field ? [field.id] : [],
    languages: ['et'],
    priceLevel: 2,
    bio: 'Aitan lahutuse ja hooldusõiguse küsimustes.',
    qualifications: 'Tartu Ülikool, õigusteaduse magister.',
    ...options,
  });
  const browser = t.browser();
  await loginAs(browser, user);
  return { user, browser, field };
}

/** The edit form's fields as a person would send them; override any. */
function profileForm(fieldIds: number[], overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    qualifications: 'Tartu Ülikool, õigusteaduse magister.',
    bio: 'Aitan lahutuse ja hooldusõiguse küsimustes.',
    languages: ['et'],
    fieldIds: fieldIds.map(String),
    priceLevel: '2',
    ...overrides,
  };
}

/** Opens the edit page (for its CSRF token, as a person would) and sends the form. */
async function saveProfile(browser: Browser, expertId: number, fields: Record<string, string | string[]>, files: FilePart[] = []): Promise<Page> {
  await browser.get(`/experts/${expertId}/edit`);
  return postMultipart(t.app, browser, `/experts/${expertId}/edit`, { fields, files });
}

function setLeave(browser: Browser, expertId: number, fields: Record<string, string>): Promise<Page> {
  return browser.post(`/experts/${expertId}/leave`, fields, { formPage: `/experts/${expertId}/edit` });
}

describe('the public profile', () => {
  it('shows who the expert is and what they offer, and nothing private', async () => {
    const family = await createField(t, { nameEt: 'Perekonnaõigus' });
    const inheritance = await createField(t, { nameEt: 'Pärimisõigus' });
    const closed = await createField(t, { nameEt: 'Suletud valdkond' });
    const expert = await createExpert(t, {
      name: 'Mari Maasikas',
      email: 'mari.maasikas@example.ee',
      phone: '+372 5123 4567',
      organisation: { name: 'Õigusbüroo Näide OÜ', registryCode: '12417834' },
      fieldIds: [family.id, inheritance.id, closed.id],
      languages: ['ru', 'et'],
      priceLevel: 3,
      bio: 'Aitan lahutuse korral.\n\nTeine lõik tutvustusest.',
      qualifications: 'Tartu Ülikool, õigusteaduse magister.',
    });
    await t.deps.db.updateTable('fields').set({ is_active: 0 }).where('id', '=', closed.id).execute();

    const page = await t.browser().get(`/experts/${expert.id}`);
    const text = textOf(page);

    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Mari Maasikas</h1>');
    expect(page.body).toContain('<p class="lead">Õigusbüroo Näide OÜ</p>');
    expect(text).toContain('Valdkonnad Perekonnaõigus, Pärimisõigus Keeled');
    expect(text).not.toContain('Suletud valdkond');
    expect(text).toContain('Keeled eesti, vene');
    expect(text).toContain('€€€ kõrgem');
    expect(text).toContain('Portaalis alates 25. november 2026');
    expect(page.body).toContain('<p class="pre-line">Aitan lahutuse korral.</p><p class="pre-line">Teine lõik tutvustusest.</p>');
    expect(text).toContain('Haridus ja kvalifikatsioon Tartu Ülikool, õigusteaduse magister.');
    expect(text).toContain('Hinnanguid veel pole');
    expect(text).toContain('Sellele eksperdile pole veel hinnanguid antud.');
    expect(page.body).not.toContain('rating-distribution');
    expect(page.body).not.toContain('mari.maasikas@example.ee');
    expect(page.body).not.toContain('5123 4567');
  });

  it('shows the average in Estonian, the number of ratings and how many gave each number of stars', async () => {
    const { user } = await anExpert({ ratings: [5, 5, 4] });

    const page = await t.browser().get(`/experts/${user.id}`);
    const text = textOf(page);

    expect(text).toContain('★ 4,7 (3 hinnangut)');
    expect(text).toContain('Keskmine hinnang 4,7 viiest (3 hinnangut)');
    expect(text).not.toContain('Hinnanguid veel pole');
    expect(distributionOf(page.body)).toEqual({ '5 tärni': 2, '4 tärni': 1, '3 tärni': 0, '2 tärni': 0, '1 tärn': 0 });
  });

  it('shows the average with a decimal point in English', async () => {
    const { user } = await anExpert({ ratings: [5, 5, 4] });
    const reader = await signedInUser(t, { locale: 'en' });

    const page = await reader.browser.get(`/experts/${user.id}`);
    const text = textOf(page);

    expect(text).toContain('Average rating 4.7 out of 5 (3 ratings)');
    expect(text).toContain('Fields Family law');
    expect(text).toContain('On the portal since 25 November 2026');
    expect(distributionOf(page.body)).toEqual({ '5 stars': 2, '4 stars': 1, '3 stars': 0, '2 stars': 0, '1 star': 0 });
  });

  it('answers 404 for a plain customer, a blocked expert, an inactive profile, an unknown id and a non-numeric id', async () => {
    const field = await createField(t);
    const customer = await createUser(t, { name: 'Kalle Klient' });
    const blocked = await createExpert(t, { name: 'Bruno Blokitud', fieldIds: [field.id] });
    const inactive = await createExpert(t, { name: 'Ivo Inaktiivne', fieldIds: [field.id] });
    const listed = await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });
    await t.deps.db.updateTable('users').set({ blocked_at: iso(t.clock.now()) }).where('id', '=', blocked.id).execute();
    await t.deps.db.updateTable('expert_profiles').set({ is_active: 0 }).where('user_id', '=', inactive.id).execute();
    const browser = t.browser();

    expect((await browser.get(`/experts/${listed.id}`)).status).toBe(200);
    for (const path of [`/experts/${customer.id}`, `/experts/${blocked.id}`, `/experts/${inactive.id}`, '/experts/999999', '/experts/abc', '/experts/1.5', '/experts/-1', '/experts/99999999999999999999']) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(404);
      expect(page.body, path).not.toContain('Bruno Blokitud');
      expect(page.body, path).not.toContain('Kalle Klient');
    }
  });

  it('offers the edit link to the expert only', async () => {
    const { user, browser } = await anExpert();
    const other = await signedInUser(t);

    expect((await browser.get(`/experts/${user.id}`)).body).toContain(`href="/experts/${user.id}/edit"`);
    expect((await other.browser.get(`/experts/${user.id}`)).body).not.toContain(`/experts/${user.id}/edit`);
    expect((await t.browser().get(`/experts/${user.id}`)).body).not.toContain(`/experts/${user.id}/edit`);
  });
});

describe('editing the profile', () => {
  it('shows the expert their profile in the form', async () => {
    const { user, browser, field } = await anExpert({ languages: ['et', 'en'], priceLevel: 3 });
    const other = await createField(t, { nameEt: 'Pärimisõigus' });

    const page = await browser.get(`/experts/${user.id}/edit`);

    expect(page.status).toBe(200);
    expect(textareaOf(page.body, 'bio')).toBe('Aitan lahutuse ja hooldusõiguse küsimustes.');
    expect(textareaOf(page.body, 'qualifications')).toBe('Tartu Ülikool, õigusteaduse magister.');
    expect(choicesOf(page.body, 'fieldIds')).toEqual({ offered: [String(field!.id), String(other.id)], checked: [String(field!.id)] });
    expect(choicesOf(page.body, 'languages').checked).toEqual(['et', 'en']);
    expect(choicesOf(page.body, 'priceLevel')).toEqual({ offered: ['1', '2', '3'], checked: ['3'] });
  });

  it('saves the changes, which the public profile, the directory and search then show', async () => {
    const { user, browser, field } = await anExpert();
    const inheritance = await createField(t, { nameEt: 'Pärimisõigus' });

    const saved = await saveProfile(
      browser,
      user.id,
      profileForm([inheritance.id], {
        bio: 'Nõustan testamendi koostamisel.\n\nTeine lõik.',
        qualifications: 'Notari abi kümme aastat.',
        languages: ['en', 'ru'],
        priceLevel: '1',
      }),
    );

    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/experts/${user.id}/edit`);
    const editPage = await browser.follow(saved);
    expect(flashOf(editPage.body)).toBe('Profiil on salvestatud.');
    expect(textareaOf(editPage.body, 'bio')).toBe('Nõustan testamendi koostamisel.\n\nTeine lõik.');

    const profile = textOf(await t.browser().get(`/experts/${user.id}`));
    expect(profile).toContain('Nõustan testamendi koostamisel. Teine lõik.');
    expect(profile).toContain('Notari abi kümme aastat.');
    expect(profile).toContain('Valdkonnad Pärimisõigus Keeled');
    expect(profile).toContain('Keeled inglise, vene');
    expect(profile).toContain('€ soodne');
    expect(profile).not.toContain('hooldusõiguse');
    expect(profile).not.toContain('Perekonnaõigus');

    const names = async (query: string) => [...(await t.browser().get(`/experts${query}`)).body.matchAll(/<h2 class="expert-name"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(await names(`?field=${inheritance.id}`)).toEqual(['Mari Maasikas']);
    expect(await names(`?field=${field!.id}`)).toEqual([]);
    expect(await names('?price=1')).toEqual(['Mari Maasikas']);
    expect(await names('?price=2')).toEqual([]);
    expect(await names('?lang=ru')).toEqual(['Mari Maasikas']);
    expect(await names('?lang=et')).toEqual([]);
    expect(await names('?q=testamendi')).toEqual(['Mari Maasikas']);
    expect(await names('?q=notari')).toEqual(['Mari Maasikas']);
    expect(await names('?q=hooldus%C3%B5iguse')).toEqual([]);
    expect(await names('?q=maasikas')).toEqual(['Mari Maasikas']);
    const card = textOf(await t.browser().get('/experts'));
    expect(card).toContain('Keeled: inglise, vene');
    expect(card).toContain('Pärimisõigus');
  });

  it('keeps the organisation searchable after an edit', async () => {
    const { user, browser, field } = await anExpert({ organisation: { name: 'Advokaadibüroo Sõnajalg OÜ', registryCode: '12417834' } });

    expect((await saveProfile(browser, user.id, profileForm([field!.id], { bio: 'Uus tutvustus.' }))).status).toBe(303);

    const page = await t.browser().get(`/experts?q=${encodeURIComponent('sõnajalg')}`);
    expect(page.body).toContain('>Mari Maasikas</a>');
  });

  describe('with a mistake, shows the form again (422) with the message at the field, keeps what was typed and changes nothing', () => {
    const cases: { title: string; field: string; message: string; form: (fieldId: number) => Record<string, string | string[]>; files?: () => FilePart[] }[] = [
      {
        title: 'no field chosen',
        field: 'fieldIds',
        message: 'Valige vähemalt üks valdkond.',
        form: () => profileForm([], { bio: 'Uus tutvustus, mida ei tohi kaotada.', languages: ['et', 'ru'], priceLevel: '3' }),
      },
      {
        title: 'no language chosen',
        field: 'languages',
        message: 'Valige vähemalt üks keel.',
        form: (id) => profileForm([id], { bio: 'Uus tutvustus, mida ei tohi kaotada.', languages: [], priceLevel: '3' }),
      },
      {
        title: 'an empty introduction',
        field: 'bio',
        message: 'See väli on kohustuslik.',
        form: (id) => profileForm([id], { bio: '  \n  ', qualifications: 'Uus kvalifikatsioon, mida ei tohi kaotada.', languages: ['et', 'ru'], priceLevel: '3' }),
      },
      {
        title: 'empty qualifications',
        field: 'qualifications',
        message: 'See väli on kohustuslik.',
        form: (id) => profileForm([id], { bio: 'Uus tutvustus, mida ei tohi kaotada.', qualifications: '', languages: ['et', 'ru'], priceLevel: '3' }),
      },
      {
        title: 'an introduction that is too long',
        field: 'bio',
        message: 'Liiga pikk: lubatud on kuni 5000 märki.',
        form: (id) => profileForm([id], { bio: `Pikk ${'õ'.repeat(5_000)}`, languages: ['et', 'ru'], priceLevel: '3' }),
      },
      {
        title: 'qualifications that are too long',
        field: 'qualifications',
        message: 'Liiga pikk: lubatud on kuni 3000 märki.',
        form: (id) => profileForm([id], { bio: 'Uus tutvustus, mida ei tohi kaotada.', qualifications: 'k'.repeat(3_001), languages: ['et', 'ru'], priceLevel: '3' }),
      },
      {
        title: 'no price level',
        field: 'priceLevel',
        message: 'Valige hinnatase.',
        form: (id) => {
          const form = profileForm([id], { bio: 'Uus tutvustus, mida ei tohi kaotada.', languages: ['et', 'ru'] });
          delete form['priceLevel'];
          return form;
        },
      },
      {
        title: 'a photo that is a PDF',
        field: 'photo',
        message: 'Foto peab olema JPEG-, PNG- või WebP-pilt.',
        form: (id) => profileForm([id], { bio: 'Uus tutvustus, mida ei tohi kaotada.', languages: ['et', 'ru'], priceLevel: '3' }),
        files: () => [{ field: 'photo', name: 'pilt.pdf', contentType: 'application/pdf', content: samplePdf() }],
      },
      {
        title: 'a photo that is text named .png',
        field: 'photo',
        message: 'Foto peab olema JPEG-, PNG- või WebP-pilt.',
        form: (id) => profileForm([id], { bio: 'Uus tutvustus, mida ei tohi kaotada.', languages: ['et', 'ru'], priceLevel: '3' }),
        files: () => [{ field: 'photo', name: 'pilt.png', contentType: 'image/png', content: Buffer.from('<svg onload="alert(1)"></svg>') }],
      },
    ];

    for (const c of cases) {
      it(c.title, async () => {
        const { user, browser, field } = await anExpert();
        const before = await stored(user.id);
        const form = c.form(field!.id);

        const page = await saveProfile(browser, user.id, form, c.files?.() ?? []);

        expect(page.status).toBe(422);
        expect(fieldError(page.body, c.field)).toBe(c.message);
        for (const other of ['fieldIds', 'languages', 'bio', 'qualifications', 'priceLevel', 'photo'].filter((f) => f !== c.field)) {
          expect(fieldError(page.body, other), other).toBeUndefined();
        }
        expect(page.body).toContain('class="error-summary');
        expect(textareaOf(page.body, 'bio')).toBe(form['bio']);
        expect(textareaOf(page.body, 'qualifications')).toBe(form['qualifications']);
        expect(choicesOf(page.body, 'fieldIds').checked).toEqual([form['fieldIds']].flat());
        expect(choicesOf(page.body, 'languages').checked).toEqual([form['languages']].flat());
        expect(choicesOf(page.body, 'priceLevel').checked).toEqual(form['priceLevel'] === undefined ? [] : [form['priceLevel']]);
        expect(await stored(user.id)).toEqual(before);
        expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Aitan lahutuse ja hooldusõiguse küsimustes.');
      });
    }
  });

  it('refuses a field id that is not a field, or not a number', async () => {
    const { user, browser, field } = await anExpert();
    const before = await stored(user.id);

    for (const bad of ['999999', 'abc', '-1', `${field!.id}.5`]) {
      const page = await saveProfile(browser, user.id, profileForm([field!.id], { fieldIds: [String(field!.id), bad], bio: 'Muudetud.' }));
      expect(page.status, bad).toBe(422);
      expect(fieldError(page.body, 'fieldIds'), bad).toBe('Valige pakutud valikute hulgast.');
    }
    expect(await stored(user.id)).toEqual(before);
  });

  it('refuses a language or price level that is not offered', async () => {
    const { user, browser, field } = await anExpert();
    const before = await stored(user.id);

    const language = await saveProfile(browser, user.id, profileForm([field!.id], { languages: ['et', 'xx'] }));
    const price = await saveProfile(browser, user.id, profileForm([field!.id], { priceLevel: '4' }));

    expect(language.status).toBe(422);
    expect(fieldError(language.body, 'languages')).toBe('Valige pakutud valikute hulgast.');
    expect(price.status).toBe(422);
    expect(fieldError(price.body, 'priceLevel')).toBe('Valige pakutud valikute hulgast.');
    expect(await stored(user.id)).toEqual(before);
  });
});

describe('who may edit a profile', () => {
  it('not another expert: the form and saving are refused (403) and nothing changes', async () => {
    const { user, field } = await anExpert();
    const other = await createExpert(t, { name: 'Jaan Tamm', fieldIds: [field!.id] });
    const browser = t.browser();
    await loginAs(browser, other);
    const before = await stored(user.id);

    const form = await browser.get(`/experts/${user.id}/edit`);
    await browser.get(`/experts/${other.id}/edit`);
    const save = await postMultipart(t.app, browser, `/experts/${user.id}/edit`, { fields: profileForm([field!.id], { bio: 'Häkitud.' }) });

    expect(form.status).toBe(403);
    expect(form.body).not.toContain('Aitan lahutuse');
    expect(save.status).toBe(403);
    expect(await stored(user.id)).toEqual(before);
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).not.toContain('Häkitud');
  });

  it('not a customer or a moderator (403)', async () => {
    const { user, field } = await anExpert();
    const customer = await signedInUser(t);
    const moderator = await signedInUser(t, { roles: ['moderator'] });
    const before = await stored(user.id);

    for (const browser of [customer.browser, moderator.browser]) {
      expect((await browser.get(`/experts/${user.id}/edit`)).status).toBe(403);
      await browser.get('/experts');
      expect((await postMultipart(t.app, browser, `/experts/${user.id}/edit`, { fields: profileForm([field!.id], { bio: 'Häkitud.' }) })).status).toBe(403);
    }
    expect(await stored(user.id)).toEqual(before);
  });

  it('not an anonymous visitor: sent to sign in', async () => {
    const { user, field } = await anExpert();
    const browser = t.browser();
    const before = await stored(user.id);

    const form = await browser.get(`/experts/${user.id}/edit`);
    await browser.get('/experts');
    const save = await postMultipart(t.app, browser, `/experts/${user.id}/edit`, { fields: profileForm([field!.id], { bio: 'Häkitud.' }) });

    expect(form.status).toBe(303);
    expect(form.location).toBe(`/login?next=${encodeURIComponent(`/experts/${user.id}/edit`)}`);
    expect(save.status).toBe(303);
    expect(save.location?.startsWith('/login')).toBe(true);
    expect(await stored(user.id)).toEqual(before);
  });

  it('an admin may edit any expert’s profile', async () => {
    const { user, field } = await anExpert();
    const admin = await signedInUser(t, { roles: ['admin'] });

    const form = await admin.browser.get(`/experts/${user.id}/edit`);
    expect(form.status).toBe(200);
    expect(textareaOf(form.body, 'bio')).toBe('Aitan lahutuse ja hooldusõiguse küsimustes.');

    const save = await saveProfile(admin.browser, user.id, profileForm([field!.id], { bio: 'Administraator parandas kirjavea.' }));
    expect(save.status).toBe(303);
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Administraator parandas kirjavea.');
    expect((await admin.browser.get(`/experts/${user.id}`)).body).toContain(`href="/experts/${user.id}/edit"`);
  });

  it('an admin gets 404 for a user who is no expert', async () => {
    const admin = await signedInUser(t, { roles: ['admin'] });
    const customer = await createUser(t);

    expect((await admin.browser.get(`/experts/${customer.id}/edit`)).status).toBe(404);
    expect((await admin.browser.get('/experts/abc/edit')).status).toBe(404);
  });
});

describe('deactivated fields', () => {
  it('one the expert still serves stays on the form as a choice and can be kept', async () => {
    const active = await createField(t, { nameEt: 'Perekonnaõigus' });
    const retired = await createField(t, { nameEt: 'Vana valdkond' });
    const { user, browser } = await anExpert({ fieldIds: [active.id, retired.id] });
    await t.deps.db.updateTable('fields').set({ is_active: 0 }).where('id', '=', retired.id).execute();

    const form = await browser.get(`/experts/${user.id}/edit`);
    expect(choicesOf(form.body, 'fieldIds')).toEqual({ offered: [String(active.id), String(retired.id)], checked: [String(active.id), String(retired.id)] });
    expect(mainText(form.body)).toContain('Vana valdkond');

    const save = await saveProfile(browser, user.id, profileForm([active.id, retired.id], { bio: 'Uus tutvustus.' }));
    expect(save.status).toBe(303);
    expect((await stored(user.id)).fields).toEqual([active.id, retired.id]);
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Uus tutvustus.');
  });

  it('once dropped, cannot be chosen again', async () => {
    const active = await createField(t, { nameEt: 'Perekonnaõigus' });
    const retired = await createField(t, { nameEt: 'Vana valdkond' });
    const { user, browser } = await anExpert({ fieldIds: [active.id, retired.id] });
    await t.deps.db.updateTable('fields').set({ is_active: 0 }).where('id', '=', retired.id).execute();

    expect((await saveProfile(browser, user.id, profileForm([active.id]))).status).toBe(303);
    const form = await browser.get(`/experts/${user.id}/edit`);
    expect(choicesOf(form.body, 'fieldIds').offered).toEqual([String(active.id)]);

    const again = await saveProfile(browser, user.id, profileForm([active.id, retired.id]));
    expect(again.status).toBe(422);
    expect(fieldError(again.body, 'fieldIds')).toBe('Valige pakutud valikute hulgast.');
    expect((await stored(user.id)).fields).toEqual([active.id]);
  });

  it('an inactive field the expert did not have is refused', async () => {
    const { user, browser, field } = await anExpert();
    const closed = await createField(t, { nameEt: 'Suletud valdkond', isActive: false });
    const before = await stored(user.id);

    const form = await browser.get(`/experts/${user.id}/edit`);
    expect(choicesOf(form.body, 'fieldIds').offered).toEqual([String(field!.id)]);

    const save = await saveProfile(browser, user.id, profileForm([field!.id, closed.id], { bio: 'Muudetud.' }));
    expect(save.status).toBe(422);
    expect(fieldError(save.body, 'fieldIds')).toBe('Valige pakutud valikute hulgast.');
    expect(await stored(user.id)).toEqual(before);
  });
});

describe('the profile photo', () => {
  it('an uploaded PNG is shown on the profile and in the directory, and served to anyone as an image', async () => {
    const { user, browser, field } = await anExpert();
    const png = samplePng();

    const save = await saveProfile(browser, user.id, profileForm([field!.id]), [{ field: 'photo', name: 'portree.png', contentType: 'image/png', content: png }]);
    expect(save.status).toBe(303);

    const profile = await t.browser().get(`/experts/${user.id}`);
    const url = photoUrlOf(profile.body, user.id);
    expect(url).toBeDefined();
    expect(profile.body).toMatch(new RegExp(`<img class="avatar avatar-large" src="${url!.replace(/[?]/g, '\\?')}"`));
    expect(photoUrlOf((await t.browser().get('/experts')).body, user.id)).toBe(url);

    const photo = await t.browser().get(url!);
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/png');
    expect(String(photo.headers['content-disposition'])).toMatch(/^attachment;/);
    expect(String(photo.headers['cache-control'])).toMatch(/\bpublic\b/);
    expect(photo.headers['x-content-type-options']).toBe('nosniff');
    expect(photo.response.rawPayload.equals(png)).toBe(true);
  });

  it('a new photo gets a new address', async () => {
    const { user, browser, field } = await anExpert();

    await saveProfile(browser, user.id, profileForm([field!.id]), [{ field: 'photo', name: 'a.png', contentType: 'image/png', content: samplePng() }]);
    const first = photoUrlOf((await t.browser().get(`/experts/${user.id}`)).body, user.id);
    await saveProfile(browser, user.id, profileForm([field!.id]), [{ field: 'photo', name: 'b.jpg', contentType: 'image/jpeg', content: sampleJpeg() }]);
    const second = photoUrlOf((await t.browser().get(`/experts/${user.id}`)).body, user.id);

    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect((await t.browser().get(second!)).headers['content-type']).toBe('image/jpeg');
  });

  it('is kept when the profile is saved without a new one', async () => {
    const { user, browser, field } = await anExpert();
    await saveProfile(browser, user.id, profileForm([field!.id]), [{ field: 'photo', name: 'a.png', contentType: 'image/png', content: samplePng() }]);
    const url = photoUrlOf((await t.browser().get(`/experts/${user.id}`)).body, user.id);

    expect((await saveProfile(browser, user.id, profileForm([field!.id], { bio: 'Muudetud.' }))).status).toBe(303);

    expect(photoUrlOf((await t.browser().get(`/experts/${user.id}`)).body, user.id)).toBe(url);
  });

  it('removePhoto removes it: the profile shows initials and the photo address answers 404', async () => {
    const { user, browser, field } = await anExpert();
    await saveProfile(browser, user.id, profileForm([field!.id]), [{ field: 'photo', name: 'a.png', contentType: 'image/png', content: samplePng() }]);
    const url = photoUrlOf((await t.browser().get(`/experts/${user.id}`)).body, user.id);
    expect((await t.browser().get(url!)).status).toBe(200);
    expect((await browser.get(`/experts/${user.id}/edit`)).body).toContain('name="removePhoto"');

    const save = await saveProfile(browser, user.id, profileForm([field!.id], { removePhoto: 'on' }));

    expect(save.status).toBe(303);
    const profile = await t.browser().get(`/experts/${user.id}`);
    expect(photoUrlOf(profile.body, user.id)).toBeUndefined();
    expect(profile.body).toContain('avatar-initials');
    expect((await t.browser().get(url!)).status).toBe(404);
    expect((await t.browser().get(`/experts/${user.id}/photo`)).status).toBe(404);
    expect((await browser.get(`/experts/${user.id}/edit`)).body).not.toContain('name="removePhoto"');
  });

  it('answers 404 for an expert without a photo, and for a blocked expert’s photo', async () => {
    const { user, browser, field } = await anExpert();
    const bare = await createExpert(t, { name: 'Jaan Tamm', fieldIds: [field!.id] });
    await saveProfile(browser, user.id, profileForm([field!.id]), [{ field: 'photo', name: 'a.png', contentType: 'image/png', content: samplePng() }]);
    const url = photoUrlOf((await t.browser().get(`/experts/${user.id}`)).body, user.id)!;

    expect((await t.browser().get(`/experts/${bare.id}/photo`)).status).toBe(404);
    await t.deps.db.updateTable('users').set({ blocked_at: iso(t.clock.now()) }).where('id', '=', user.id).execute();
    expect((await t.browser().get(url)).status).toBe(404);
  });

  it('a JPEG named .png is stored and served as the JPEG it is', async () => {
    const { user, browser, field } = await anExpert();

    const save = await saveProfile(browser, user.id, profileForm([field!.id]), [{ field: 'photo', name: 'kass.png', contentType: 'image/png', content: sampleJpeg() }]);

    expect(save.status).toBe(303);
    const url = photoUrlOf((await t.browser().get(`/experts/${user.id}`)).body, user.id)!;
    const photo = await t.browser().get(url);
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    // Named by the expert and its real type; the name it was uploaded under stays private.
    expect(String(photo.headers['content-disposition'])).toContain(`filename="expert-${user.id}.jpg"`);
    expect(String(photo.headers['content-disposition'])).not.toContain('kass');
  });
});

describe('leave', () => {
  it('without a return date: the profile and the directory show the expert on leave', async () => {
    const { user, browser } = await anExpert();

    const saved = await setLeave(browser, user.id, { isOnLeave: 'on', returnDate: '' });

    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/experts/${user.id}/edit`);
    const edit = await browser.follow(saved);
    expect(flashOf(edit.body)).toBe('Olete puhkusel: uusi päringuid teile ei saadeta.');
    expect(mainText(edit.body)).toContain('Olete praegu puhkusel');
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Puhkusel: uusi päringuid praegu vastu ei võta');
    expect(textOf(await t.browser().get('/experts'))).toContain('Puhkusel: uusi päringuid praegu vastu ei võta');
  });

  it('with a future return date: shown as on leave until that day, which the form remembers', async () => {
    const { user, browser } = await anExpert();

    const saved = await setLeave(browser, user.id, { isOnLeave: 'on', returnDate: '2026-12-10' });

    expect(saved.status).toBe(303);
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Puhkusel kuni 10. detsember 2026');
    expect(textOf(await t.browser().get('/experts'))).toContain('Puhkusel kuni 10. detsember 2026');
    const form = await browser.get(`/experts/${user.id}/edit`);
    expect(fieldValue(form.body, 'returnDate')).toBe('2026-12-10');
    expect(choicesOf(form.body, 'isOnLeave').checked).toEqual(['on']);
  });

  it('ends by itself on the return day', async () => {
    const { user, browser } = await anExpert();
    await setLeave(browser, user.id, { isOnLeave: 'on', returnDate: '2026-11-27' });

    t.clock.set('2026-11-26T21:59:00.000Z'); // 23:59 on the 26th in Tallinn
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Puhkusel kuni 27. november 2026');

    t.clock.set('2026-11-26T22:00:00.000Z'); // midnight: the 27th has begun
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).not.toContain('Puhkusel');
    expect(textOf(await t.browser().get('/experts'))).not.toContain('Puhkusel');
    await loginAs(browser, user); // a day later, the old session has ended
    expect(mainText((await browser.get(`/experts/${user.id}/edit`)).body)).toContain('Võtate praegu uusi päringuid vastu.');
  });

  it('accepts tomorrow as the return date', async () => {
    const { user, browser } = await anExpert();

    expect((await setLeave(browser, user.id, { isOnLeave: 'on', returnDate: '2026-11-26' })).status).toBe(303);
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Puhkusel kuni 26. november 2026');
  });

  it('refuses a return date in the past or today (422) with a message, keeping what was typed', async () => {
    const { user, browser } = await anExpert();
    const before = await stored(user.id);

    for (const date of ['2026-11-20', '2026-11-25', '2025-12-31']) {
      const page = await setLeave(browser, user.id, { isOnLeave: 'on', returnDate: date });
      expect(page.status, date).toBe(422);
      expect(fieldError(page.body, 'returnDate'), date).toBe('Naasmise kuupäev peab olema tulevikus.');
      expect(fieldValue(page.body, 'returnDate'), date).toBe(date);
      expect(choicesOf(page.body, 'isOnLeave').checked, date).toEqual(['on']);
    }
    expect(await stored(user.id)).toEqual(before);
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).not.toContain('Puhkusel');
  });

  it('counts today by the Tallinn calendar: late in the evening UTC it is already tomorrow there', async () => {
    const { user, browser } = await anExpert();
    t.clock.set('2026-11-25T22:30:00.000Z'); // 00:30 on the 26th in Tallinn
    await loginAs(browser, user); // hours later, the old session has ended

    const page = await setLeave(browser, user.id, { isOnLeave: 'on', returnDate: '2026-11-26' });

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'returnDate')).toBe('Naasmise kuupäev peab olema tulevikus.');
  });

  it('refuses a malformed date (422)', async () => {
    const { user, browser } = await anExpert();
    const before = await stored(user.id);

    for (const date of ['10.12.2026', '2026-02-30', '2026-12-1', 'homme', '2026-12-10T00:00', '+02026-12-10']) {
      const page = await setLeave(browser, user.id, { isOnLeave: 'on', returnDate: date });
      expect(page.status, date).toBe(422);
      expect(fieldError(page.body, 'returnDate'), date).toBe('Sisestage kuupäev kujul aaaa-kk-pp.');
    }
    expect(await stored(user.id)).toEqual(before);
  });

  it('ends when the box is unticked, and the page says welcome back', async () => {
    const { user, browser } = await anExpert({ onLeave: { until: new Date('2026-12-09T22:00:00.000Z') } });
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Puhkusel kuni');

    const saved = await setLeave(browser, user.id, { returnDate: '2026-12-10' });

    expect(saved.status).toBe(303);
    expect(flashOf((await browser.follow(saved)).body)).toBe('Tere tulemast tagasi! Võtate taas päringuid vastu.');
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).not.toContain('Puhkusel');
    expect(textOf(await t.browser().get('/experts'))).not.toContain('Puhkusel');
    const { profile } = await stored(user.id);
    expect(profile.is_on_leave).toBe(0);
    expect(profile.leave_until).toBeNull();
  });

  it('cannot be set for someone else (403), not even by another expert', async () => {
    const { user, field } = await anExpert();
    const other = await createExpert(t, { name: 'Jaan Tamm', fieldIds: [field!.id] });
    const browser = t.browser();
    await loginAs(browser, other);
    const before = await stored(user.id);

    const page = await browser.post(`/experts/${user.id}/leave`, { isOnLeave: 'on', returnDate: '' }, { formPage: `/experts/${other.id}/edit` });

    expect(page.status).toBe(403);
    expect(await stored(user.id)).toEqual(before);
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).not.toContain('Puhkusel');
    expect((await stored(other.id)).profile.is_on_leave).toBe(0);
  });

  it('an admin may set an expert’s leave', async () => {
    const { user } = await anExpert();
    const admin = await signedInUser(t, { roles: ['admin'] });

    const page = await setLeave(admin.browser, user.id, { isOnLeave: 'on', returnDate: '' });

    expect(page.status).toBe(303);
    expect(textOf(await t.browser().get(`/experts/${user.id}`))).toContain('Puhkusel');
  });
});
