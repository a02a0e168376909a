import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consultationLanguages } from '../../src/domain/experts.js';
import { type Browser, type Page } from '../support/browser.js';
import { createExpert, createField, organisationApplication, personApplication, validIdCodes, validRegistryCodes } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { postMultipart, samplePng } from '../support/multipart.js';
import { signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

// "No contact data in any public page or JSON": experts, applicants and customers get unique
// e-mails, phones, ID codes and notes (the canaries); then every public page is read as
// visitors who have no business seeing them, and none may appear anywhere in an answer.

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

type Person = { email: string; phone: string };

/** A person's canaries: the e-mail, and the phone as typed, without spaces and without the country code. */
function contactNeedles(person: Person): string[] {
  const national = person.phone.replace(/^\+372\s*/, '');
  return [person.email, encodeURIComponent(person.email), person.phone, person.phone.replace(/\s+/g, ''), national, national.replace(/\s+/g, '')];
}

const people = {
  expert1: { email: 'canary-expert-1@canary.test', phone: '+372 5000 1111' },
  expert2: { email: 'canary-expert-2@canary.test', phone: '+372 5000 2222' },
  expert3: { email: 'canary-expert-3@canary.test', phone: '+372 5000 3333' },
  expert4: { email: 'canary-expert-4@canary.test', phone: '+372 5000 4444' },
  applicant5: { email: 'canary-applicant-5@canary.test', phone: '+372 5000 5555' },
  applicant6: { email: 'canary-applicant-6@canary.test', phone: '+372 5000 6666' },
  customer7: { email: 'canary-customer-7@canary.test', phone: '+372 5000 7777' },
  customer8: { email: 'canary-customer-8@canary.test', phone: '+372 5000 8888' },
} satisfies Record<string, Person>;

const idCodes = { expert3: validIdCodes[0], applicant5: validIdCodes[2], applicant6: validIdCodes[3] };

const notes = {
  expert3: 'canary-note-3-kxq',
  expert4: 'canary-note-4-kxq',
  applicant5: 'canary-note-5-kxq',
  applicant6: 'canary-note-6-kxq',
  review6: 'canary-review-6-kxq',
};

/** Every string that must never reach a public answer. */
const needles: string[] = [...Object.values(people).flatMap(contactNeedles), ...Object.values(idCodes), ...Object.values(notes)];

function leaksIn(text: string): string[] {
  return needles.filter((needle) => text.includes(needle));
}

/** Everything an answer carries: status line aside, its headers and its body. */
function everythingIn(page: Page): string {
  return `${JSON.stringify(page.headers)}\n${page.body}`;
}

type Seeded = {
  fieldIds: number[];
  hiddenFieldId: number;
  userIds: number[];
  expertIds: number[];
  applicationIds: { expert3: number; expert4: number; applicant5: number; applicant6: number };
  moderator: Browser;
};

/** An applicant applies through the real form (multipart, with a photo when given); returns the application id. */
async function apply(person: Person, name: string, form: Record<string, string | string[]>, photoName?: string): Promise<{ userId: number; applicationId: number }> {
  const { user, browser } = await signedInUser(t, { name, email: person.email, phone: person.phone });
  await browser.get('/become-expert');
  const files = photoName ? [{ field: 'photo', name: photoName, contentType: 'image/png', content: samplePng() }] : [];
  const page = await postMultipart(t.app, browser, '/become-expert', { fields: form, files });
  if (page.status !== 303) throw new Error(`the application of ${name} was refused with ${page.status}`);
  const row = await t.deps.db.selectFrom('expert_applications').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();
  return { userId: user.id, applicationId: row.id };
}

async function decide(moderator: Browser, applicationId: number, form: Record<string, string>): Promise<void> {
  const path = `/admin/expert-applications/${applicationId}`;
  const page = await moderator.post(`${path}/decision`, form, { formPage: path });
  if (page.status !== 303) throw new Error(`the decision on ${applicationId} was refused with ${page.status}`);
}

async function seedCanaries(): Promise<Seeded> {
  const family = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
  const labour = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment' });
  const psychology = await createField(t, { nameEt: 'Psühholoogia', nameEn: 'Psychology' });
  const hidden = await createField(t, { nameEt: 'Peidetud valdkond', nameEn: 'Hidden field', isActive: false });

  // Experts made directly...
  const expert1 = await createExpert(t, {
    name: 'Helle Hõbe',
    ...people.expert1,
    fieldIds: [family.id, labour.id, hidden.id],
    languages: ['et', 'ru'],
    priceLevel: 1,
    ratings: [5, 4],
  });
  const expert2 = await createExpert(t, {
    name: 'Rein Rebane',
    ...people.expert2,
    fieldIds: [labour.id],
    languages: ['et', 'en', 'fi'],
    priceLevel: 3,
    organisation: { name: 'Õigusbüroo Kask OÜ', registryCode: validRegistryCodes[2] },
    onLeave: {},
  });

  // ...and experts approved through the real application and review flow.
  const { user: moderatorUser, browser: moderator } = await signedInUser(t, { name: 'Mona Moderaator', email: 'moderator@example.ee', roles: ['moderator'] });
  const expert3 = await apply(
    people.expert3,
    'Kati Karu',
    personApplication([family.id, psychology.id], {
      fullName: 'Katariina Karu',
      personalIdCode: idCodes.expert3,
      note: `${notes.expert3}: helistage ${people.expert3.phone} või kirjutage ${people.expert3.email}`,
    }),
    // People name their files anything, their own address included.
    `${people.expert3.email} ${idCodes.expert3}.png`,
  );
  const expert4 = await apply(
    people.expert4,
    'Mart Mänd',
    organisationApplication([labour.id], { registryCode: validRegistryCodes[1], note: `${notes.expert4} ${people.expert4.phone}` }),
  );
  // An applicant still waiting, and one who was turned down (with a reason).
  const applicant5 = await apply(
    people.applicant5,
    'Tiina Tamm',
    personApplication([psychology.id], { fullName: 'Tiina Tamm', personalIdCode: idCodes.applicant5, note: notes.applicant5 }),
  );
  const applicant6 = await apply(
    people.applicant6,
    'Peeter Pihlakas',
    personApplication([family.id], { fullName: 'Peeter Pihlakas', personalIdCode: idCodes.applicant6, note: notes.applicant6 }),
  );
  await decide(moderator, expert3.applicationId, { event: 'approve' });
  await decide(moderator, expert4.applicationId, { event: 'approve' });
  await decide(moderator, applicant6.applicationId, { event: 'reject', note: `${notes.review6}: isikukood ${idCodes.applicant6} ei sobi` });

  // Customers with contact data on their accounts.
  const customer7 = await createUser(t, { name: 'Kaarel Klient', ...people.customer7 });
  const customer8 = await createUser(t, { name: 'Kadri Klient', ...people.customer8 });

  return {
    fieldIds: [family.id, labour.id, psychology.id],
    hiddenFieldId: hidden.id,
    userIds: [expert1.id, expert2.id, expert3.userId, expert4.userId, applicant5.userId, applicant6.userId, customer7.id, customer8.id, moderatorUser.id],
    expertIds: [expert1.id, expert2.id, expert3.userId, expert4.userId],
    applicationIds: {
      expert3: expert3.applicationId,
      expert4: expert4.applicationId,
      applicant5: applicant5.applicationId,
      applicant6: applicant6.applicationId,
    },
    moderator,
  };
}

/** The search strings tried in the directory: each canary, and pieces of them. */
const searches = [...needles.filter((n) => !n.includes('%40')), 'canary', 'canary.test', '@canary.test', '5000', '+372', 'kxq'];

/** Every public page and JSON answer, with every directory filter. */
function publicPaths(seeded: Seeded): string[] {
  const { fieldIds, hiddenFieldId, userIds, expertIds, applicationIds } = seeded;
  return [
    '/',
    '/experts',
    ...[...fieldIds, hiddenFieldId].map((id) => `/experts?field=${id}`),
    ...consultationLanguages.map((lang) => `/experts?lang=${lang}`),
    ...[1, 2, 3].map((price) => `/experts?price=${price}`),
    ...[1, 2, 3, 4, 5].map((rating) => `/experts?rating=${rating}`),
    ...['rating', 'price', 'newest'].map((sort) => `/experts?sort=${sort}`),
    '/experts?page=2',
    `/experts?field=${fieldIds[0]}&lang=et&price=1&rating=4&sort=newest`,
    // Every account's id as a profile, a photo and an edit page: only experts have the first two.
    ...userIds.flatMap((id) => [`/experts/${id}`, `/experts/${id}/photo`, `/experts/${id}/edit`]),
    ...expertIds.map((id) => `/experts/${id}/photo?v=1`),
    ...Object.values(applicationIds).map((id) => `/expert-applications/${id}/photo`),
    '/order/consultation',
    '/order/document',
    '/become-expert',
    '/healthz',
    '/readyz',
    '/login',
    '/register',
    '/no-such-page',
    '/experts/2147483647',
    '/experts/abc',
  ];
}

type Viewer = { label: string; browser: (seeded: Seeded) => Promise<Browser> };

const viewers: Viewer[] = [
  { label: 'an anonymous visitor', browser: async () => t.browser() },
  {
    label: 'an anonymous visitor reading in English',
    browser: async () => {
      const browser = t.browser();
      await browser.post('/language', { lang: 'en', returnTo: '/' }, { formPage: '/' });
      return browser;
    },
  },
  {
    label: 'an unrelated customer',
    browser: async () => (await signedInUser(t, { name: 'Vello Vaataja', email: 'viewer@example.ee', phone: '+372 5999 0000' })).browser,
  },
  {
    label: 'another expert',
    browser: async (seeded) => {
      const expert = await createExpert(t, { name: 'Teine Ekspert', email: 'other-expert@example.ee', phone: '+372 5999 1111', fieldIds: [seeded.fieldIds[0]!] });
      const browser = t.browser();
      await loginAs(browser, expert);
      return browser;
    },
  },
];

describe('the canaries are real', () => {
  it('the staff review page shows the applicant\'s e-mail, phone, ID code and note to a moderator', async () => {
    const seeded = await seedCanaries();

    const approved = await seeded.moderator.get(`/admin/expert-applications/${seeded.applicationIds.expert3}`);
    expect(approved.status).toBe(200);
    expect(leaksIn(approved.body)).toEqual(expect.arrayContaining([people.expert3.email, people.expert3.phone, idCodes.expert3, notes.expert3]));

    const waiting = await seeded.moderator.get(`/admin/expert-applications/${seeded.applicationIds.applicant5}`);
    expect(leaksIn(waiting.body)).toEqual(expect.arrayContaining([people.applicant5.email, people.applicant5.phone, idCodes.applicant5, notes.applicant5]));

    const rejected = await seeded.moderator.get(`/admin/expert-applications/${seeded.applicationIds.applicant6}`);
    expect(leaksIn(rejected.body)).toEqual(expect.arrayContaining([people.applicant6.email, idCodes.applicant6, notes.applicant6, notes.review6]));

    const organisation = await seeded.moderator.get(`/admin/expert-applications/${seeded.applicationIds.expert4}`);
    expect(leaksIn(organisation.body)).toEqual(expect.arrayContaining([people.expert4.email, people.expert4.phone, notes.expert4]));
  });

  it('the public pages are not empty: the canary experts are listed and their profiles and photo open', async () => {
    const seeded = await seedCanaries();
    const visitor = t.browser();
    const directory = await visitor.get('/experts');
    for (const name of ['Helle Hõbe', 'Rein Rebane', 'Katariina Karu', 'Õigusbüroo Näide OÜ']) expect(directory.body).toContain(name);
    for (const id of seeded.expertIds) expect((await visitor.get(`/experts/${id}`)).status).toBe(200);
    const photo = await visitor.get(`/experts/${seeded.expertIds[2]}/photo`);
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/png');
  });
});

describe('no contact data in any public page or JSON', () => {
  it.each(viewers.map((v) => [v.label, v] as const))('shows %s no e-mail, phone, ID code or note of anyone', async (_label, viewer) => {
    const seeded = await seedCanaries();
    const browser = await viewer.browser(seeded);
    const leaks: string[] = [];
    for (const path of publicPaths(seeded)) {
      const page = await browser.get(path);
      expect(page.status, path).toBeLessThan(500);
      for (const needle of leaksIn(everythingIn(page))) leaks.push(`${path} (${page.status}): ${needle}`);
    }
    expect(leaks).toEqual([]);
  });

  it.each(viewers.map((v) => [v.label, v] as const))('finds nobody when %s searches the directory for contact data', async (_label, viewer) => {
    const seeded = await seedCanaries();
    const browser = await viewer.browser(seeded);
    const leaks: string[] = [];
    for (const q of searches) {
      const path = `/experts?q=${encodeURIComponent(q)}`;
      const page = await browser.get(path);
      expect(page.status, path).toBe(200);
      // Nobody is found by their contact data...
      const count = /<p class="result-count"[^>]*>\D*(\d+)/.exec(page.body)?.[1];
      expect(count, `results for ${q}`).toBe('0');
      // ...and the page holds the search only where it repeats what the visitor typed: the
      // search box and the page's own address (the language switch returns to it).
      const withoutEcho = everythingIn(page)
        .replace(/<input id="q"[^>]*>/, '')
        .replaceAll(`value="${path}"`, '');
      for (const needle of leaksIn(withoutEcho)) leaks.push(`${path}: ${needle}`);
    }
    expect(leaks).toEqual([]);
    // The search box does show what was typed (so the check above looked at a real echo).
    const echoed = await browser.get(`/experts?q=${encodeURIComponent(people.expert1.email)}`);
    expect(echoed.body).toContain(`value="${people.expert1.email}"`);
  });
});
