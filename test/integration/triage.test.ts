import { afterEach, describe, expect, it } from 'vitest';
import { iso } from '../../src/adapters/clock.js';
import type { UserRow } from '../../src/db/schema.js';
import { seededRandom } from '../../src/adapters/random.js';
import { pickRandomly, type RandomSource } from '../../src/domain/inquiries.js';
import { formatDateTime } from '../../src/i18n/format.js';
import { availableExperts } from '../../src/use-cases/inquiries.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo, lastEmailTo } from '../support/emails.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { createInquiryAs, dayFromNow } from '../support/inquiries.js';
import { fieldError, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

/**
 * The moderator's triage of general inquiries ("I don't know the field"): the queue, choosing the
 * field (the portal then invites N experts of it chosen at random), and rejecting.
 */

let t: TestApp;

async function start(options: TestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp(options);
  return t;
}

afterEach(async () => {
  await t.close();
});

// ---- sentences the pages show ----

const text = {
  assigned: 'Päring on saadetud juhuslikult valitud ekspertidele.',
  rejected: 'Päring on tagasi lükatud ja tellijat on teavitatud.',
  noExperts: 'Selles valdkonnas ei ole praegu ühtegi vaba eksperti. Valige teine valdkond.',
  alreadySent: 'Päring on juba ekspertidele saadetud.',
  deadlinePassed: 'Pakkumiste tähtaeg on möödas: päringut ei saa enam muuta.',
  choiceInvalid: 'Valige pakutud valikute hulgast.',
  required: 'See väli on kohustuslik.',
  pickedAtRandom: 'valitud juhuslikult',
  pickedAtRandomForYou: 'Portaal valis teid selle päringu jaoks juhuslikult.',
  recordTitle: 'Valdkonna valik',
  chooseFieldTitle: 'Valige valdkond',
  waitingForModerator: 'Päring ootab vastutavat isikut',
};

/** The flash message a page shows after a redirect. */
function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : mainText(flash);
}

/** What a textarea shows, or undefined when the page has none of that name. */
function textareaValue(html: string, name: string): string | undefined {
  const value = new RegExp(`<textarea[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1];
  return value === undefined ? undefined : mainText(`<main>${value}</main>`);
}

/** The values of the radio buttons of a name, in page order. */
function radioValues(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`, 'g'))].map((m) => /\bvalue="([^"]*)"/.exec(m[0])?.[1] ?? '');
}

/** The inquiries a list page links to, top to bottom. */
function linkedInquiries(html: string): number[] {
  const table = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/href="\/inquiries\/(\d+)"/g)].map((m) => Number(m[1]));
}

/** Whitespace as mainText leaves it (Intl puts narrow no-break spaces in times). */
function collapsed(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

// ---- the world ----

const assignForm = (fieldId: number | string) => ({ fieldId: String(fieldId) });

async function moderator(name = 'Vello Vastutav') {
  return signedInUser(t, { name, roles: ['moderator'] });
}

/** Sends the triage form from the inquiry's page, as the moderator would. */
function assign(browser: Browser, inquiryId: number, fields: Record<string, string>): Promise<Page> {
  return browser.post(`/admin/triage/${inquiryId}/assign`, fields, { formPage: `/inquiries/${inquiryId}` });
}

function reject(browser: Browser, inquiryId: number, message: string): Promise<Page> {
  return browser.post(`/admin/triage/${inquiryId}/reject`, { message }, { formPage: `/inquiries/${inquiryId}` });
}

async function inquiryRow(id: number) {
  return t.deps.db.selectFrom('inquiries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The experts invited to an inquiry, in the order they were invited. */
async function invitedIds(inquiryId: number): Promise<number[]> {
  const rows = await t.deps.db.selectFrom('invitations').select('expert_id').where('inquiry_id', '=', inquiryId).orderBy('id').execute();
  return rows.map((r) => r.expert_id);
}

async function noticesOf(userId: number, kind: string) {
  const rows = await t.deps.db.selectFrom('notices').select(['params', 'link']).where('user_id', '=', userId).where('kind', '=', kind).orderBy('id').execute();
  return rows.map((r) => ({ params: JSON.parse(r.params) as Record<string, unknown>, link: r.link }));
}

/**
 * A field with six experts who can take inquiries, created out of rating order, and one on leave
 * (the best rated of all). `ranked` is the order the portal lists them: best rated first, more
 * ratings first among equals, then the earlier account.
 */
async function fieldWithSixExperts() {
  const field = await createField(t, { nameEt: 'Liiklusõnnetused', nameEn: 'Traffic accidents' });
  const fieldIds = [field.id];
  const unratedA = await createExpert(t, { name: 'Ene Hindamata', fieldIds });
  const four = await createExpert(t, { name: 'Neeme Neli', fieldIds, ratings: [4] });
  const threeFives = await createExpert(t, { name: 'Kolm Viit', fieldIds, ratings: [5, 5, 5] });
  const unratedB = await createExpert(t, { name: 'Peeter Hindamata', fieldIds });
  const fiveAndFour = await createExpert(t, { name: 'Viivi Nelja', fieldIds, ratings: [5, 4] });
  const twoFives = await createExpert(t, { name: 'Kaks Viit', fieldIds, ratings: [5, 5] });
  const onLeave = await createExpert(t, { name: 'Puhkaja Parim', fieldIds, ratings: [5, 5, 5, 5], onLeave: {} });
  const ranked = [threeFives, twoFives, fiveAndFour, four, unratedA, unratedB];
  return { field, ranked, onLeave };
}

/** A general inquiry of the customer (no field: it waits in triage). */
async function generalInquiry(customer: UserRow, title = 'Ei tea, kuhu pöörduda', deadlineDays = 7) {
  return createInquiryAs(t, customer, { title, description: 'Juhtus midagi, mida ma ei oska liigitada.', deadline: dayFromNow(t, deadlineDays) });
}

// ---- the queue ----

describe('the triage queue', () => {
  it('lists only general inquiries waiting for a field, oldest first, with their count', async () => {
    await start();
    const customer = await createUser(t);
    const field = await createField(t);
    const expert = await createExpert(t, { fieldIds: [field.id] });
    const { browser } = await moderator();
    const first = await generalInquiry(customer, 'Esimene üldine');
    t.clock.advance(60_000);
    const second = await generalInquiry(customer, 'Teine üldine');
    t.clock.advance(60_000);
    const assigned = await generalInquiry(customer, 'Juba suunatud');
    expect((await assign(browser, assigned, assignForm(field.id))).status).toBe(303);
    const rejected = await generalInquiry(customer, 'Tagasi lükatud');
    expect((await reject(browser, rejected, 'Ei ole meie teema.')).status).toBe(303);
    await createInquiryAs(t, customer, { title: 'Valdkonnaga päring', fieldId: field.id, expertIds: [expert.id] });
    t.clock.advance(60_000);
    const third = await generalInquiry(customer, 'Kolmas üldine');

    const page = await browser.get('/admin/triage');
    expect(page.status).toBe(200);
    expect(linkedInquiries(page.body)).toEqual([first, second, third]);
    expect(mainText(page.body)).toContain('3 päringut ootab');
    for (const title of ['Juba suunatud', 'Tagasi lükatud', 'Valdkonnaga päring']) expect(mainText(page.body)).not.toContain(title);
  });

  it('says when nothing is waiting', async () => {
    await start();
    const { browser } = await moderator();
    const page = await browser.get('/admin/triage');
    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('0 päringut ootab');
    expect(mainText(page.body)).toContain('Ükski üldine päring ei oota.');
  });

  it('shows 25 inquiries a page and the rest on the next', async () => {
    await start();
    const customer = await createUser(t);
    const ids: number[] = [];
    for (let i = 1; i <= 27; i += 1) {
      ids.push(await generalInquiry(customer, `Üldine päring ${String(i).padStart(2, '0')}`));
      t.clock.advance(1_000);
    }
    const { browser } = await signedInUser(t, { roles: ['admin'] });
    const first = await browser.get('/admin/triage');
    expect(linkedInquiries(first.body)).toEqual(ids.slice(0, 25));
    expect(mainText(first.body)).toContain('27 päringut ootab');
    expect(first.body).toContain('href="/admin/triage?page=2"');
    const second = await browser.get('/admin/triage?page=2');
    expect(linkedInquiries(second.body)).toEqual(ids.slice(25));
    expect(mainText(second.body)).toContain('27 päringut ootab');
    // A page past the end is empty, not an error.
    const beyond = await browser.get('/admin/triage?page=9');
    expect(beyond.status).toBe(200);
    expect(linkedInquiries(beyond.body)).toEqual([]);
  });
});

// ---- the inquiry's page ----

describe("a general inquiry's page", () => {
  it('shows staff the form to choose one of the active fields, or reject', async () => {
    await start();
    const customer = await signedInUser(t);
    const active = await createField(t, { nameEt: 'Perekonnaõigus' });
    const inactive = await createField(t, { nameEt: 'Suletud valdkond', isActive: false });
    const id = await generalInquiry(customer.user);
    for (const roles of [['moderator'], ['admin']] as const) {
      const { browser } = await signedInUser(t, { roles: [...roles] });
      const page = await browser.get(`/inquiries/${id}`);
      expect(page.status).toBe(200);
      expect(mainText(page.body)).toContain(text.chooseFieldTitle);
      expect(mainText(page.body)).toContain('juhuslikult kuni 3 eksperti');
      expect(page.body).toContain(`action="/admin/triage/${id}/assign"`);
      expect(page.body).toContain(`action="/admin/triage/${id}/reject"`);
      expect(radioValues(page.body, 'fieldId')).toContain(String(active.id));
      expect(radioValues(page.body, 'fieldId')).not.toContain(String(inactive.id));
      expect(mainText(page.body)).not.toContain('Suletud valdkond');
    }
    const customerPage = await customer.browser.get(`/inquiries/${id}`);
    expect(customerPage.status).toBe(200);
    expect(mainText(customerPage.body)).toContain(text.waitingForModerator);
    expect(customerPage.body).not.toContain('/admin/triage/');
  });

  it('names the configured number of experts', async () => {
    await start({ env: { RANDOM_INVITATIONS: '2' } });
    const customer = await createUser(t);
    await createField(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    expect(mainText((await browser.get(`/inquiries/${id}`)).body)).toContain('juhuslikult kuni 2 eksperti');
  });
});

// ---- assigning a field ----

describe('assigning a field', () => {
  it('invites exactly the experts the seeded random source picks from the available ones, in their listed order', async () => {
    await start({ random: seededRandom(7) });
    const { field, ranked } = await fieldWithSixExperts();
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    // The pool as the portal lists it: best rated first, then by account.
    const pool = (await availableExperts(t.deps, undefined, field.id)).map((e) => e.id);
    expect(pool).toEqual(ranked.map((e) => e.id));
    const expected = pickRandomly(pool, 3, seededRandom(7));
    // The seed does not just take the first three: the pick is a real draw.
    expect(expected).not.toEqual(pool.slice(0, 3));

    const { browser } = await moderator();
    const answer = await assign(browser, id, assignForm(field.id));
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`/inquiries/${id}`);
    expect(flashOf((await browser.follow(answer)).body)).toBe(text.assigned);
    expect(await invitedIds(id)).toEqual(expected);
    const row = await inquiryRow(id);
    expect(row.status).toBe('open');
    expect(row.field_id).toBe(field.id);
  });

  it('invites as many experts as RANDOM_INVITATIONS says', async () => {
    await start({ random: seededRandom(7), env: { RANDOM_INVITATIONS: '2' } });
    const { field, ranked } = await fieldWithSixExperts();
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    expect((await assign(browser, id, assignForm(field.id))).status).toBe(303);
    expect(await invitedIds(id)).toEqual(
      pickRandomly(
        ranked.map((e) => e.id),
        2,
        seededRandom(7),
      ),
    );
    expect((await inquiryRow(id)).random_pool_size).toBe(6);
    expect(mainText((await browser.get(`/inquiries/${id}`)).body)).toContain('2 eksperti 6 vaba eksperdi hulgast');
  });

  it('invites every available expert when there are fewer than N', async () => {
    await start();
    const field = await createField(t);
    const a = await createExpert(t, { fieldIds: [field.id] });
    const b = await createExpert(t, { fieldIds: [field.id] });
    await createExpert(t, { fieldIds: [field.id], onLeave: {} });
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    expect((await assign(browser, id, assignForm(field.id))).status).toBe(303);
    expect((await invitedIds(id)).sort((x, y) => x - y)).toEqual([a.id, b.id].sort((x, y) => x - y));
    expect((await inquiryRow(id)).random_pool_size).toBe(2);
    expect(mainText((await browser.get(`/inquiries/${id}`)).body)).toContain('2 eksperti 2 vaba eksperdi hulgast');
  });

  it('is refused with 409 when no expert of the field is available, and the inquiry stays in triage', async () => {
    await start();
    const field = await createField(t, { nameEt: 'Tühi valdkond' });
    await createExpert(t, { fieldIds: [field.id], onLeave: {} });
    const other = await createField(t, { nameEt: 'Teine valdkond' });
    await createExpert(t, { fieldIds: [other.id] });
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    const page = await assign(browser, id, assignForm(field.id));
    expect(page.status).toBe(409);
    expect(mainText(page.body)).toContain(text.noExperts);
    // The form is there to choose another field.
    expect(page.body).toContain(`action="/admin/triage/${id}/assign"`);
    const row = await inquiryRow(id);
    expect(row.status).toBe('triage');
    expect(row.field_id).toBeNull();
    expect(row.triaged_by).toBeNull();
    expect(await invitedIds(id)).toEqual([]);
    expect(await noticesOf(customer.id, 'inquiryTriaged')).toEqual([]);
    expect(linkedInquiries((await browser.get('/admin/triage')).body)).toEqual([id]);
  });

  it('never picks experts on leave, inactive profiles, blocked users, non-experts or the customer, and picks every available expert some time', async () => {
    let random: RandomSource = seededRandom(0);
    await start({ random: { integer: (n) => random.integer(n) }, env: { INQUIRIES_PER_DAY: '1000' } });
    const field = await createField(t);
    const fieldIds = [field.id];
    const now = t.clock.now();
    const eligible = [
      await createExpert(t, { fieldIds }),
      await createExpert(t, { fieldIds, ratings: [5] }),
      await createExpert(t, { fieldIds, ratings: [3, 4] }),
      await createExpert(t, { fieldIds }),
      // Back from leave: the return date has passed.
      await createExpert(t, { fieldIds, onLeave: { until: new Date(now.getTime() - 86_400_000) } }),
    ];
    const onLeave = await createExpert(t, { fieldIds, ratings: [5, 5], onLeave: {} });
    const onLeaveUntilLater = await createExpert(t, { fieldIds, ratings: [5, 5], onLeave: { until: new Date(now.getTime() + 10 * 86_400_000) } });
    const inactive = await createExpert(t, { fieldIds, ratings: [5, 5] });
    await t.deps.db.updateTable('expert_profiles').set({ is_active: 0 }).where('user_id', '=', inactive.id).execute();
    const blocked = await createExpert(t, { fieldIds, ratings: [5, 5] });
    await t.deps.db.updateTable('users').set({ blocked_at: iso(now) }).where('id', '=', blocked.id).execute();
    const notAnExpert = await createExpert(t, { fieldIds, ratings: [5, 5] });
    await t.deps.db.deleteFrom('user_roles').where('user_id', '=', notAnExpert.id).where('role', '=', 'expert').execute();
    // The customer is an expert of the field too.
    const customer = await createExpert(t, { fieldIds, ratings: [5, 5] });
    const never = new Set([onLeave.id, onLeaveUntilLater.id, inactive.id, blocked.id, notAnExpert.id, customer.id]);
    const eligibleIds = new Set(eligible.map((e) => e.id));

    const { browser } = await moderator();
    await browser.get('/admin/triage');
    const times = new Map<number, number>();
    for (let seed = 1; seed <= 200; seed += 1) {
      random = seededRandom(seed);
      const id = await generalInquiry(customer);
      const answer = await browser.post(`/admin/triage/${id}/assign`, assignForm(field.id));
      expect(answer.status).toBe(303);
      const invited = await invitedIds(id);
      expect(invited).toHaveLength(3);
      expect(new Set(invited).size).toBe(3);
      for (const expertId of invited) {
        expect(never.has(expertId), `expert ${expertId} was invited to inquiry ${id}`).toBe(false);
        expect(eligibleIds.has(expertId)).toBe(true);
        times.set(expertId, (times.get(expertId) ?? 0) + 1);
      }
      expect((await inquiryRow(id)).random_pool_size).toBe(5);
    }
    for (const expert of eligible) {
      // 3 of 5 each time: about 120 of 200, never close to none.
      expect(times.get(expert.id) ?? 0).toBeGreaterThan(80);
      expect(times.get(expert.id) ?? 0).toBeLessThan(160);
    }
  }, 180_000);

  it('records who picked the field, when and from how many, and shows it to staff only', async () => {
    await start({ random: seededRandom(7) });
    const { field, ranked } = await fieldWithSixExperts();
    const customer = await signedInUser(t, { name: 'Kadri Klient' });
    const id = await generalInquiry(customer.user);
    const { user: moderatorUser, browser } = await moderator('Vello Vastutav');
    t.clock.advance(3_600_000);
    const at = t.clock.now();
    expect((await assign(browser, id, assignForm(field.id))).status).toBe(303);

    const row = await inquiryRow(id);
    expect(row.triaged_by).toBe(moderatorUser.id);
    expect(row.triaged_at).toBe(iso(at));
    expect(row.random_pool_size).toBe(ranked.length);

    const when = collapsed(formatDateTime('et', at));
    const { browser: adminBrowser } = await signedInUser(t, { roles: ['admin'] });
    for (const staff of [browser, adminBrowser]) {
      const page = mainText((await staff.get(`/inquiries/${id}`)).body);
      expect(page).toContain(text.recordTitle);
      expect(page).toContain('Valis Vello Vastutav');
      expect(page).toContain(`Aeg ${when}`);
      expect(page).toContain('3 eksperti 6 vaba eksperdi hulgast');
      // The staff page no longer offers the triage form.
      expect(page).not.toContain(text.chooseFieldTitle);
    }

    const customerPage = mainText((await customer.browser.get(`/inquiries/${id}`)).body);
    expect(customerPage).toContain('Liiklusõnnetused');
    expect(customerPage).not.toContain('Vello Vastutav');
    expect(customerPage).not.toContain(text.recordTitle);
    expect(customerPage).not.toContain('vaba eksperdi hulgast');
  });

  it('marks the invitations as random, for the customer and for the invited expert', async () => {
    await start({ random: seededRandom(7) });
    const { field, ranked } = await fieldWithSixExperts();
    const customer = await signedInUser(t);
    const id = await generalInquiry(customer.user);
    const { browser } = await moderator();
    expect((await assign(browser, id, assignForm(field.id))).status).toBe(303);

    const rows = await t.deps.db.selectFrom('invitations').select(['expert_id', 'is_random']).where('inquiry_id', '=', id).execute();
    expect(rows.map((r) => r.is_random)).toEqual([1, 1, 1]);
    const customerPage = mainText((await customer.browser.get(`/inquiries/${id}`)).body);
    expect(customerPage.split(text.pickedAtRandom).length - 1).toBe(3);

    const invited = ranked.find((e) => e.id === rows[0]!.expert_id)!;
    const expertBrowser = t.browser();
    await loginAs(expertBrowser, invited);
    const expertPage = await expertBrowser.get(`/inquiries/${id}`);
    expect(expertPage.status).toBe(200);
    expect(mainText(expertPage.body)).toContain(text.pickedAtRandomForYou);
  });

  it("tells the customer the field, in the customer's language, and how many experts it went to", async () => {
    await start({ random: seededRandom(7) });
    const { field } = await fieldWithSixExperts();
    const english = await createUser(t, { locale: 'en', email: 'english.customer@example.ee' });
    const estonian = await createUser(t, { locale: 'et', email: 'eesti.klient@example.ee' });
    const inEnglish = await generalInquiry(english, 'Something happened');
    const inEstonian = await generalInquiry(estonian, 'Midagi juhtus');
    const { browser } = await moderator();
    expect((await assign(browser, inEnglish, assignForm(field.id))).status).toBe(303);
    expect((await assign(browser, inEstonian, assignForm(field.id))).status).toBe(303);

    const englishMail = await lastEmailTo(t, english.email);
    expect(englishMail.subject).toBe('Your inquiry was sent to experts: Something happened');
    expect(collapsed(englishMail.text_body)).toContain('The coordinator chose the field “Traffic accidents” for your inquiry “Something happened” and it was sent to 3 experts.');
    expect(englishMail.text_body).toContain(`/inquiries/${inEnglish}`);
    expect(await noticesOf(english.id, 'inquiryTriaged')).toEqual([{ params: { title: 'Something happened', count: 3, field: 'Traffic accidents' }, link: `/inquiries/${inEnglish}` }]);

    const estonianMail = await lastEmailTo(t, estonian.email);
    expect(estonianMail.subject).toBe('Teie päring saadeti ekspertidele: Midagi juhtus');
    expect(collapsed(estonianMail.text_body)).toContain('Vastutav isik valis teie päringule „Midagi juhtus” valdkonna „Liiklusõnnetused” ja päring saadeti 3 eksperdile.');
    expect(await noticesOf(estonian.id, 'inquiryTriaged')).toEqual([{ params: { title: 'Midagi juhtus', count: 3, field: 'Liiklusõnnetused' }, link: `/inquiries/${inEstonian}` }]);
    expect(field.nameEn).toBe('Traffic accidents');
  });

  it('tells each invited expert, and no other', async () => {
    await start({ random: seededRandom(7) });
    const { field, ranked, onLeave } = await fieldWithSixExperts();
    const customer = await createUser(t);
    const id = await generalInquiry(customer, 'Kahju hüvitamine');
    const { browser } = await moderator();
    expect((await assign(browser, id, assignForm(field.id))).status).toBe(303);
    const invited = new Set(await invitedIds(id));
    expect(invited.size).toBe(3);
    for (const expert of [...ranked, onLeave]) {
      const notices = await noticesOf(expert.id, 'inquiryInvitation');
      const mails = (await emailsTo(t, expert.email)).filter((m) => m.subject === 'Uus hinnapäring: Kahju hüvitamine');
      if (invited.has(expert.id)) {
        expect(notices).toEqual([{ params: { title: 'Kahju hüvitamine' }, link: `/inquiries/${id}` }]);
        expect(mails).toHaveLength(1);
      } else {
        expect(notices).toEqual([]);
        expect(mails).toEqual([]);
      }
    }
  });
});

// ---- rejecting ----

describe('rejecting a general inquiry', () => {
  it('closes it and sends the customer the message', async () => {
    await start();
    const customer = await signedInUser(t, { email: 'tagasi.lykatud@example.ee' });
    const id = await generalInquiry(customer.user, 'Reklaam');
    const { browser, user: moderatorUser } = await moderator('Vello Vastutav');
    const message = 'Portaal aitab ainult kuriteoohvreid. Pöörduge ohvriabi poole.';
    const answer = await reject(browser, id, message);
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`/inquiries/${id}`);
    expect(flashOf((await browser.follow(answer)).body)).toBe(text.rejected);

    const row = await inquiryRow(id);
    expect(row.status).toBe('rejected');
    expect(row.triage_note).toBe(message);
    expect(row.triaged_by).toBe(moderatorUser.id);
    expect(row.closed_at).toBe(iso(t.clock.now()));
    expect(await invitedIds(id)).toEqual([]);
    expect(await noticesOf(customer.user.id, 'inquiryRejected')).toEqual([{ params: { title: 'Reklaam', message }, link: `/inquiries/${id}` }]);
    const mail = await lastEmailTo(t, customer.user.email);
    expect(mail.subject).toBe('Teie päringut ei saadetud ekspertidele: Reklaam');
    expect(collapsed(mail.text_body)).toContain(message);

    const customerPage = mainText((await customer.browser.get(`/inquiries/${id}`)).body);
    expect(customerPage).toContain('Tagasi lükatud');
    expect(customerPage).toContain(message);
    expect(customerPage).not.toContain('Vello Vastutav');
    expect(linkedInquiries((await browser.get('/admin/triage')).body)).toEqual([]);
  });

  it('needs a message: an empty one is refused with 422 and the inquiry stays in triage', async () => {
    await start();
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    for (const message of ['', '  \n  ']) {
      const page = await reject(browser, id, message);
      expect(page.status).toBe(422);
      expect(fieldError(page.body, 'message')).toBe(text.required);
      // The page still offers both forms.
      expect(page.body).toContain(`action="/admin/triage/${id}/assign"`);
      expect(page.body).toContain(`action="/admin/triage/${id}/reject"`);
    }
    expect((await inquiryRow(id)).status).toBe('triage');
    expect(await noticesOf(customer.id, 'inquiryRejected')).toEqual([]);
  });

  it('keeps a message that is too long in the form', async () => {
    await start();
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    const message = `Liiga pikk sõnum. ${'x'.repeat(2_000)}`;
    const page = await reject(browser, id, message);
    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'message')).toContain('Liiga pikk');
    expect(textareaValue(page.body, 'message')).toBe(message);
    expect((await inquiryRow(id)).status).toBe('triage');
  });
});

// ---- refusals ----

describe('refusals', () => {
  it('a second assignment is refused with 409 and changes nothing', async () => {
    await start({ random: seededRandom(7) });
    const { field } = await fieldWithSixExperts();
    const other = await createField(t);
    await createExpert(t, { fieldIds: [other.id] });
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    expect((await assign(browser, id, assignForm(field.id))).status).toBe(303);
    const invited = await invitedIds(id);
    const before = await inquiryRow(id);

    const { browser: adminBrowser } = await signedInUser(t, { roles: ['admin'] });
    for (const staff of [browser, adminBrowser]) {
      const page = await staff.post(`/admin/triage/${id}/assign`, assignForm(other.id));
      expect(page.status).toBe(409);
      expect(mainText(page.body)).toContain(text.alreadySent);
    }
    // Nor can it be rejected any more.
    const rejected = await browser.post(`/admin/triage/${id}/reject`, { message: 'Hilja' });
    expect(rejected.status).toBe(409);
    expect(mainText(rejected.body)).toContain(text.alreadySent);

    expect(await invitedIds(id)).toEqual(invited);
    expect(await inquiryRow(id)).toEqual(before);
    expect(await noticesOf(customer.id, 'inquiryTriaged')).toHaveLength(1);
  });

  it('an assignment after the offer deadline is refused, and the inquiry stays in triage', async () => {
    await start();
    const field = await createField(t);
    await createExpert(t, { fieldIds: [field.id] });
    const customer = await createUser(t);
    // Offers are taken until the end of today (Tallinn); the moderator comes the next morning, before the sweep has closed it.
    const id = await generalInquiry(customer, 'Hilinenud', 0);
    t.clock.advance(14 * 3_600_000);
    const { browser } = await moderator();
    await browser.get(`/inquiries/${id}`);
    const page = await browser.post(`/admin/triage/${id}/assign`, assignForm(field.id));
    expect(page.status).toBe(409);
    expect(mainText(page.body)).toContain(text.deadlinePassed);
    expect((await inquiryRow(id)).status).toBe('triage');
    expect(await invitedIds(id)).toEqual([]);
  });

  it('an inactive or unknown field is refused with 422', async () => {
    await start();
    const inactive = await createField(t, { isActive: false });
    await createExpert(t, { fieldIds: [inactive.id] });
    await createField(t);
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    for (const fieldId of [inactive.id, 999_999]) {
      const page = await assign(browser, id, assignForm(fieldId));
      expect(page.status, String(fieldId)).toBe(422);
      expect(fieldError(page.body, 'fieldId')).toBe(text.choiceInvalid);
    }
    expect((await inquiryRow(id)).status).toBe('triage');
    expect(await invitedIds(id)).toEqual([]);
  });

  const garbage: [string, Record<string, string | string[]>][] = [
    ['letters', { fieldId: 'abc' }],
    ['nothing', { fieldId: '' }],
    ['a negative number', { fieldId: '-1' }],
    ['a fraction', { fieldId: '1.5' }],
    ['an exponent', { fieldId: '1e1' }],
    ['a number with spaces', { fieldId: ' 1 ' }],
    ['a number too big for an id', { fieldId: '99999999999' }],
    ['a very long value', { fieldId: '1'.repeat(500) }],
    ['no field at all', {}],
    ['two fields', { fieldId: ['1', '2'] }],
  ];
  it.each(garbage)('a garbage field (%s) is refused with 422, never 500', async (_name, fields) => {
    await start();
    const field = await createField(t);
    await createExpert(t, { fieldIds: [field.id] });
    const customer = await createUser(t);
    const id = await generalInquiry(customer);
    const { browser } = await moderator();
    const page = await browser.post(`/admin/triage/${id}/assign`, fields, { formPage: `/inquiries/${id}` });
    expect(page.status).toBe(422);
    expect(mainText(page.body)).toContain(text.chooseFieldTitle);
    expect((await inquiryRow(id)).status).toBe('triage');
    expect(await invitedIds(id)).toEqual([]);
  });
});
