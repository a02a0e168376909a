import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endOfTallinnDay } from '../../src/domain/inquiries.js';
import { askQuestion } from '../../src/use-cases/inquiry-questions.js';
import { sweepInquiryDeadlines } from '../../src/use-cases/inquiry-deadlines.js';
import { declineInvitation } from '../../src/use-cases/invitations.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo, lastEmailTo } from '../support/emails.js';
import { loginAs } from '../support/factories.js';
import { createExpert, createField } from '../support/experts.js';
import { actorOf, createInquiryAs, dayFromNow, makeOfferAs } from '../support/inquiries.js';
import { postMultipart, samplePdf } from '../support/multipart.js';
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

/** The visible text of a page's main part, with Intl's non-breaking spaces as plain ones. */
function textOf(html: string): string {
  return mainText(html).replace(/[\u00a0\u202f]/g, ' ');
}

function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : decode(flash.trim());
}

/** The sentences of a page's error summaries (a refused action shows its reason at the top and by its form). */
function summariesOf(html: string): string[] {
  return [...html.matchAll(/<div class="error-summary"[^>]*><h2[^>]*>([\s\S]*?)<\/h2>/g)].map((m) => decode(m[1]!));
}

function mailboxTitles(html: string): string[] {
  return [...html.matchAll(/<span class="item-title">([\s\S]*?)<\/span>/g)].map((m) => decode(m[1]!));
}

/** What a text input shows (its value may hold an unescaped `>`). */
function inputValue(html: string, name: string): string | undefined {
  for (const tag of html.matchAll(/<input((?:\s+[\w-]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    if (new RegExp(`\\sname="${name}"`).test(tag[1]!)) return decode(/\svalue="([^"]*)"/.exec(tag[1]!)?.[1] ?? '');
  }
  return undefined;
}

function textAreaValue(html: string, name: string): string | undefined {
  const text = new RegExp(`<textarea[^>]*\\bname="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

/** The body rows of a table, each as the text of its cells. */
function rowsOf(table: string | undefined): string[][] {
  if (table === undefined) return [];
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)]
    .filter((row) => !row[1]!.includes('scope="col"'))
    .map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)));
}

/** The customer's table of invited experts: [name, status, note]. */
function invitedOf(html: string): string[][] {
  return rowsOf(/<h2>Kutsutud eksperdid<\/h2><div class="table-wrap"><table>([\s\S]*?)<\/table>/.exec(html)?.[1]);
}

/** The offers side by side: [expert and rating, price, delivery date, valid until, note]. */
/** The offers table's rows without the order column (ordering is tested in orders.test.ts). */
function offersOf(html: string): string[][] {
  return rowsOf(/<table class="offers">([\s\S]*?)<\/table>/.exec(html)?.[1]).map((row) => row.slice(0, 5));
}

/** The inquiry titles of an expert's list (E-consultations), top to bottom. */
function listedTitles(html: string): string[] {
  return rowsOf(/<table>([\s\S]*?)<\/table>/.exec(html)?.[1]).map((row) => row[0]!.replace(/ (E-konsultatsioon|Dokument)$/, ''));
}

/** My menu's expert agenda: each heading with the inquiry titles under it. */
function agendaOf(html: string): { heading: string; titles: string[] }[] {
  const card = /<h2>Eksperdi tööriistad<\/h2>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  return [...card.matchAll(/<h3>([\s\S]*?)<\/h3><div class="table-wrap"><table>([\s\S]*?)<\/table>/g)].map((m) => ({
    heading: decode(m[1]!),
    titles: listedTitles(`<table>${m[2]!}</table>`),
  }));
}

/** The messages of a thread as [sender, text], oldest first. */
function messagesOf(html: string): [string, string][] {
  return [...html.matchAll(/<li class="message(?: mine)?" id="message-\d+">([\s\S]*?)<\/li>/g)].map((m) => [
    decode(/<strong>([\s\S]*?)<\/strong>/.exec(m[1]!)?.[1] ?? ''),
    decode(/<p class="message-body">([\s\S]*?)<\/p>/.exec(m[1]!)?.[1] ?? ''),
  ]);
}

async function countOf(table: 'offers' | 'messages' | 'notices'): Promise<number> {
  const row = await t.deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function signedIn(user: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, user);
  return browser;
}

// ---- a customer with an inquiry to two experts ----

const customerName = 'Kristjan Salajane';
const customerEmail = 'kristjan.salajane@example.ee';
const customerPhone = '+372 5999 8877';

async function scene() {
  const field = await createField(t, { nameEt: 'Liiklusõnnetused' });
  const anna = await createExpert(t, { name: 'Anna Aas', email: 'anna@example.ee', fieldIds: [field.id], ratings: [5, 4] });
  const berit = await createExpert(t, { name: 'Berit Bee', email: 'berit@example.ee', fieldIds: [field.id] });
  const customer = await signedInUser(t, { name: customerName, email: customerEmail, phone: customerPhone });
  await customer.browser.get(`/inquiries/new?kind=consultation&field=${field.id}`);
  const sent = await postMultipart(t.app, customer.browser, '/inquiries', {
    fields: {
      kind: 'consultation',
      fieldId: String(field.id),
      expertIds: [String(anna.id), String(berit.id)],
      title: 'Avarii ristmikul',
      description: 'Teine auto sõitis punase tulega minu autole otsa.',
      deadline: dayFromNow(t, 7),
      language: 'et',
    },
    files: [{ name: 'politsei-akt.pdf', contentType: 'application/pdf', content: samplePdf('Akt') }],
  });
  const id = Number(/^\/inquiries\/(\d+)$/.exec(sent.location ?? '')?.[1]);
  if (!id) throw new Error(`the inquiry was not sent: ${sent.status}`);
  return { field, anna, berit, customer, id, page: `/inquiries/${id}` };
}

type Scene = Awaited<ReturnType<typeof scene>>;

/** An offer as the form sends it: 120,50 €, delivered on 5 December, valid until 30 November. */
function offerForm(overrides: Record<string, string> = {}): Record<string, string> {
  return { price: '120,50', deliveryDate: dayFromNow(t, 10), validUntil: dayFromNow(t, 5), note: 'Sisaldab kirjalikku arvamust.', ...overrides };
}

/** Opens the inquiry's page (as the expert would) and posts one of its forms. */
async function act(browser: Browser, s: Scene, action: string, fields: Record<string, string> = {}): Promise<Page> {
  return browser.post(`${s.page}/${action}`, fields, { formPage: s.page });
}

describe('an invited expert opens the inquiry', () => {
  it('opening it marks the invitation seen, and the customer sees “Avatud”', async () => {
    const s = await scene();
    expect(invitedOf((await s.customer.browser.get(s.page)).body)).toEqual([
      ['Anna Aas', 'Uus', '—'],
      ['Berit Bee', 'Uus', '—'],
    ]);
    const anna = await signedIn(s.anna);

    const page = await anna.get(s.page);
    await anna.get(s.page);

    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('Teie vastus päringule Avatud');
    expect(invitedOf((await s.customer.browser.get(s.page)).body)).toEqual([
      ['Anna Aas', 'Avatud', '—'],
      ['Berit Bee', 'Uus', '—'],
    ]);
  });

  it('shows the description and the files, and never the customer’s name, e-mail or phone: not on any page, notice or e-mail the expert gets', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);

    const page = await anna.get(s.page);
    expect(textOf(page.body)).toContain('Teine auto sõitis punase tulega minu autole otsa.');
    const file = /<a href="([^"]+)" download>politsei-akt.pdf<\/a>/.exec(page.body)?.[1];
    expect(file).toBeDefined();
    expect((await anna.get(file!)).response.rawPayload.equals(samplePdf('Akt'))).toBe(true);
    // A whole exchange: a question, the answer, an offer, a deadline extension.
    await postMultipart(t.app, anna, `${s.page}/questions`, { fields: { body: 'Kas teil on politsei akt olemas?' } });
    const customerPage = await s.customer.browser.get(s.page);
    const answerForm = /action="(\/inquiries\/\d+\/answers\/\d+)"/.exec(customerPage.body)![1]!;
    await postMultipart(t.app, s.customer.browser, answerForm, { fields: { body: 'Jah, lisasin selle päringule.' } });
    await act(anna, s, 'offer', offerForm());
    await act(s.customer.browser, s, 'deadline', { deadline: dayFromNow(t, 9) });

    const mailbox = await anna.get('/mailbox');
    const seen: string[] = [page.body, (await anna.get(s.page)).body, (await anna.get('/e-consultations')).body, (await anna.get('/my')).body, mailbox.body];
    for (const link of mailbox.body.matchAll(/href="(\/mailbox\/(?:notices|conversations)\/\d+)"/g)) seen.push((await anna.get(link[1]!)).body);
    for (const email of await emailsTo(t, s.anna.email)) seen.push(email.subject, email.text_body, email.html_body);

    expect(seen.length).toBeGreaterThan(10);
    expect(seen.some((text) => text.includes('Jah, lisasin selle päringule.'))).toBe(true);
    for (const text of seen) {
      expect(text).not.toMatch(/Kristjan|Salajane|kristjan\.salajane@example\.ee|5999 ?8877/);
    }
  });

  it('never shows another expert’s offer or questions', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    const berit = await signedIn(s.berit);
    await act(anna, s, 'offer', offerForm({ price: '123,45', note: 'Anna pakkumise märkus' }));
    await postMultipart(t.app, anna, `${s.page}/questions`, { fields: { body: 'Anna küsib: millal see juhtus?' } });
    await act(berit, s, 'offer', offerForm({ price: '99,90', note: 'Berit pakkumise märkus' }));
    await postMultipart(t.app, berit, `${s.page}/questions`, { fields: { body: 'Berit küsib: kas on tunnistajaid?' } });

    const annaPage = textOf((await anna.get(s.page)).body);
    const beritPage = textOf((await berit.get(s.page)).body);

    expect(annaPage).toContain('Hind 123,45 €');
    expect(annaPage).toContain('Anna pakkumise märkus');
    expect(annaPage).toContain('Anna küsib');
    expect(annaPage).not.toMatch(/Berit|99,90/);
    expect(beritPage).toContain('Berit pakkumise märkus');
    expect(beritPage).not.toMatch(/Anna|123,45/);
  });
});

describe('making, changing and withdrawing an offer', () => {
  it('an offer of “120,50” reaches the customer as 120,50 € with its dates and note, and the customer is told', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);

    const done = await act(anna, s, 'offer', offerForm());

    expect(done.status).toBe(303);
    expect(done.location).toBe(`${s.page}#offer`);
    const own = await anna.follow(done);
    expect(flashOf(own.body)).toBe('Pakkumine on saadetud tellijale.');
    expect(textOf(own.body)).toContain('Hind 120,50 € Valmimise kuupäev 5. detsember 2026 Pakkumine kehtib kuni 30. november 2026 Märkus Sisaldab kirjalikku arvamust.');
    const customerPage = await s.customer.browser.get(s.page);
    const [offer] = offersOf(customerPage.body);
    expect(offer!.slice(1)).toEqual(['120,50 €', '5. detsember 2026', '30. november 2026', 'Sisaldab kirjalikku arvamust.']);
    expect(invitedOf(customerPage.body)[0]).toEqual(['Anna Aas', 'Pakkumine tehtud', '—']);
    expect(mailboxTitles((await s.customer.browser.get('/mailbox')).body)[0]).toBe('Uus pakkumine: Avarii ristmikul');
    const email = await lastEmailTo(t, customerEmail);
    expect(email.subject).toBe('Uus pakkumine: Avarii ristmikul');
    expect(email.text_body).toContain('Anna Aas tegi pakkumise teie päringule „Avarii ristmikul”.');
  });

  it('the expert changes it, withdraws it and offers again; the customer sees each version and is told each time', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await act(anna, s, 'offer', offerForm());

    const changed = await act(anna, s, 'offer/change', offerForm({ price: '150', note: 'Koos kohtuesindusega.' }));
    expect(changed.status).toBe(303);
    expect(flashOf((await anna.follow(changed)).body)).toBe('Pakkumine on muudetud ja tellijat on teavitatud.');
    expect(offersOf((await s.customer.browser.get(s.page)).body).map((row) => [row[1], row[4]])).toEqual([['150,00 €', 'Koos kohtuesindusega.']]);

    const withdrawn = await act(anna, s, 'offer/withdraw');
    expect(withdrawn.status).toBe(303);
    expect(flashOf((await anna.follow(withdrawn)).body)).toBe('Pakkumine on tagasi võetud.');
    const afterWithdrawal = await s.customer.browser.get(s.page);
    expect(offersOf(afterWithdrawal.body)).toEqual([]);
    expect(textOf(afterWithdrawal.body)).toContain('Pakkumisi ei ole veel.');
    expect(invitedOf(afterWithdrawal.body)[0]).toEqual(['Anna Aas', 'Avatud', '—']);

    const again = await act(anna, s, 'offer', offerForm({ price: '110' }));
    expect(again.status).toBe(303);
    expect(offersOf((await s.customer.browser.get(s.page)).body).map((row) => row[1])).toEqual(['110,00 €']);

    const told = ['Uus pakkumine: Avarii ristmikul', 'Pakkumist muudeti: Avarii ristmikul', 'Pakkumine võeti tagasi: Avarii ristmikul', 'Uus pakkumine: Avarii ristmikul'];
    expect(mailboxTitles((await s.customer.browser.get('/mailbox')).body).slice(0, 4)).toEqual([...told].reverse());
    expect((await emailsTo(t, customerEmail)).map((e) => e.subject).slice(1)).toEqual(told);
  });

  it('the customer sees all offers side by side, cheapest first, each with the expert’s rating and profile link', async () => {
    const s = await scene();
    await act(await signedIn(s.anna), s, 'offer', offerForm({ price: '120,50', note: 'Anna märkus' }));
    await act(await signedIn(s.berit), s, 'offer', offerForm({ price: '99,90', deliveryDate: dayFromNow(t, 12), validUntil: dayFromNow(t, 7), note: '' }));

    const page = await s.customer.browser.get(s.page);

    expect(offersOf(page.body)).toEqual([
      ['Berit Bee Hinnanguid veel pole', '99,90 €', '7. detsember 2026', '2. detsember 2026', '—'],
      ['Anna Aas 4,5 (2 hinnangut)', '120,50 €', '5. detsember 2026', '30. november 2026', 'Anna märkus'],
    ]);
    const table = /<table class="offers">[\s\S]*?<\/table>/.exec(page.body)![0];
    expect(table).toContain(`<a href="/experts/${s.berit.id}">Berit Bee</a>`);
    expect(table).toContain(`<a href="/experts/${s.anna.id}">Anna Aas</a>`);
  });
});

describe('refused actions say why and change nothing', () => {
  it('a second offer by the same expert is refused (409): the form keeps what was typed and the first offer stands', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await act(anna, s, 'offer', offerForm());
    const notices = await countOf('notices');

    const page = await act(anna, s, 'offer', offerForm({ price: '100', note: 'Teine pakkumine' }));

    expect(page.status).toBe(409);
    expect(summariesOf(page.body)[0]).toBe('Olete sellele päringule juba pakkumise teinud. Saate oma pakkumist muuta.');
    expect(inputValue(page.body, 'price')).toBe('100');
    expect(textAreaValue(page.body, 'note')).toBe('Teine pakkumine');
    expect(offersOf((await s.customer.browser.get(s.page)).body).map((row) => row[1])).toEqual(['120,50 €']);
    expect(await countOf('notices')).toBe(notices);
  });

  it('no offer on a cancelled inquiry (409)', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await anna.get(s.page);
    await act(s.customer.browser, s, 'cancel');

    const page = await anna.post(`${s.page}/offer`, offerForm());

    expect(page.status).toBe(409);
    expect(summariesOf(page.body)[0]).toBe('Tellija on selle päringu tühistanud.');
    expect(await countOf('offers')).toBe(0);
  });

  it('no offer after the deadline has passed, even before the sweep has closed the inquiry (409)', async () => {
    const s = await scene();
    t.clock.set(new Date(endOfTallinnDay(dayFromNow(t, 7)).getTime() + 60_000));
    const anna = await signedIn(s.anna);

    const page = await act(anna, s, 'offer', offerForm({ deliveryDate: dayFromNow(t, 3), validUntil: dayFromNow(t, 0) }));

    expect(page.status).toBe(409);
    expect(summariesOf(page.body)[0]).toBe('Pakkumiste tähtaeg on möödas: päringut ei saa enam muuta.');
    expect(await countOf('offers')).toBe(0);
  });

  it('after the deadline, before the sweep, the expert’s page says the deadline has passed instead of offering forms', async () => {
    const s = await scene();
    t.clock.set(new Date(endOfTallinnDay(dayFromNow(t, 7)).getTime() + 60_000));
    const anna = await signedIn(s.anna);

    const page = await anna.get(s.page);

    expect(page.body).not.toContain(`action="${s.page}/offer"`);
    expect(page.body).not.toContain(`action="${s.page}/decline"`);
    expect(textOf(page.body)).toContain('Teie vastus päringule Avatud Pakkumiste tähtaeg on möödas.');
  });

  it('declining after offering is refused (409): withdraw the offer first', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await act(anna, s, 'offer', offerForm());

    const page = await anna.post(`${s.page}/decline`, { reason: 'tooBusy', declineNote: '' });

    expect(page.status).toBe(409);
    expect(summariesOf(page.body)[0]).toBe('Teil on sellele päringule kehtiv pakkumine. Loobumiseks võtke see enne tagasi.');
    expect(invitedOf((await s.customer.browser.get(s.page)).body)[0]).toEqual(['Anna Aas', 'Pakkumine tehtud', '—']);
  });

  it('changing or withdrawing without an active offer is refused (409)', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await anna.get(s.page);

    const change = await anna.post(`${s.page}/offer/change`, offerForm());
    const withdraw = await anna.post(`${s.page}/offer/withdraw`, {});

    for (const page of [change, withdraw]) {
      expect(page.status).toBe(409);
      expect(summariesOf(page.body)[0]).toBe('Teil ei ole sellele päringule kehtivat pakkumist.');
    }
    expect(await countOf('offers')).toBe(0);
  });

  it('offering after declining is refused (409)', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await act(anna, s, 'decline', { reason: 'tooBusy', declineNote: '' });

    const page = await anna.post(`${s.page}/offer`, offerForm());

    expect(page.status).toBe(409);
    expect(summariesOf(page.body)[0]).toBe('Olete sellest päringust loobunud.');
    expect(await countOf('offers')).toBe(0);
  });

  const badOffers = [
    { name: 'valid after the deadline day', fields: () => offerForm({ validUntil: dayFromNow(t, 8) }), field: 'validUntil', message: 'Pakkumine saab kehtida kõige kauem päringu pakkumiste tähtajani.' },
    { name: 'a price of 0', fields: () => offerForm({ price: '0' }), field: 'price', message: 'Sisestage hind eurodes, näiteks 120 või 120,50.' },
    { name: 'a price that is not a number', fields: () => offerForm({ price: 'abc' }), field: 'price', message: 'Sisestage hind eurodes, näiteks 120 või 120,50.' },
    { name: 'no price', fields: () => offerForm({ price: '' }), field: 'price', message: 'Sisestage hind eurodes, näiteks 120 või 120,50.' },
    { name: 'a price above 100 000 €', fields: () => offerForm({ price: '100 000,01' }), field: 'price', message: 'Hind saab olla kuni 100 000 eurot.' },
    { name: 'a delivery date in the past', fields: () => offerForm({ deliveryDate: dayFromNow(t, -1) }), field: 'deliveryDate', message: 'Kuupäev ei saa olla minevikus.' },
    { name: 'a validity that is not a date', fields: () => offerForm({ validUntil: 'reede' }), field: 'validUntil', message: 'Sisestage kuupäev kujul aaaa-kk-pp.' },
  ];

  it.each(badOffers)('an offer with $name is refused (422) with the message and the form as typed', async ({ fields, field, message }) => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    const typed = fields();

    const page = await act(anna, s, 'offer', typed);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, field)).toBe(message);
    for (const name of ['price', 'deliveryDate', 'validUntil']) expect(inputValue(page.body, name), name).toBe(typed[name]);
    expect(textAreaValue(page.body, 'note')).toBe(typed['note']);
    expect(await countOf('offers')).toBe(0);
    expect(invitedOf((await s.customer.browser.get(s.page)).body)[0]).toEqual(['Anna Aas', 'Avatud', '—']);
  });

  it('a change with a bad price is refused (422) and the offer stands', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await act(anna, s, 'offer', offerForm());

    const page = await act(anna, s, 'offer/change', offerForm({ price: '-5' }));

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'price')).toBe('Sisestage hind eurodes, näiteks 120 või 120,50.');
    expect(inputValue(page.body, 'price')).toBe('-5');
    expect(offersOf((await s.customer.browser.get(s.page)).body).map((row) => row[1])).toEqual(['120,50 €']);
  });
});

describe('declining', () => {
  it('with a reason from the list: the customer sees it and is told', async () => {
    const s = await scene();
    const berit = await signedIn(s.berit);

    const done = await act(berit, s, 'decline', { reason: 'tooBusy', declineNote: '' });

    expect(done.status).toBe(303);
    const own = await berit.follow(done);
    expect(flashOf(own.body)).toBe('Olete pakkumisest loobunud. Tellijat on teavitatud.');
    expect(textOf(own.body)).toContain('Teie vastus päringule Loobunud Mul ei ole praegu aega');
    expect(own.body).not.toContain(`action="${s.page}/offer"`);
    expect(invitedOf((await s.customer.browser.get(s.page)).body)).toEqual([
      ['Anna Aas', 'Uus', '—'],
      ['Berit Bee', 'Loobunud', 'Mul ei ole praegu aega'],
    ]);
    expect((await lastEmailTo(t, customerEmail)).subject).toBe('Ekspert loobus: Avarii ristmikul');
  });

  it('“other” needs a note, and no reason at all is refused; with a note the customer reads it', async () => {
    const s = await scene();
    const berit = await signedIn(s.berit);

    const withoutNote = await act(berit, s, 'decline', { reason: 'other', declineNote: ' ' });
    const withoutReason = await act(berit, s, 'decline', { declineNote: 'Miks?' });
    const done = await act(berit, s, 'decline', { reason: 'other', declineNote: 'Esindan juba teist poolt.' });

    expect(withoutNote.status).toBe(422);
    expect(fieldError(withoutNote.body, 'declineNote')).toBe('Kirjutage tellijale lühidalt põhjus.');
    expect(withoutNote.body).toMatch(/<input type="radio" id="reason-4" name="reason" value="other" checked/);
    expect(withoutReason.status).toBe(422);
    expect(fieldError(withoutReason.body, 'reason')).toBe('Valige põhjus.');
    expect(textAreaValue(withoutReason.body, 'declineNote')).toBe('Miks?');
    expect(done.status).toBe(303);
    expect(invitedOf((await s.customer.browser.get(s.page)).body)[1]).toEqual(['Berit Bee', 'Loobunud', 'Muu põhjus: Esindan juba teist poolt.']);
  });
});

describe('questions', () => {
  it('an expert’s question reaches the customer on the inquiry page, with an answer form, and in the mailbox; to the expert the customer is “Tellija”', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await anna.get(s.page);

    const asked = await postMultipart(t.app, anna, `${s.page}/questions`, {
      fields: { body: 'Kas teil on politsei akt olemas?' },
      files: [{ name: 'volikiri.pdf', contentType: 'application/pdf', content: samplePdf('Volikiri') }],
    });

    expect(asked.status).toBe(303);
    expect(asked.location).toBe(`${s.page}#questions`);
    expect(flashOf((await anna.follow(asked)).body)).toBe('Küsimus on saadetud tellijale.');
    const customerPage = await s.customer.browser.get(s.page);
    const questions = /<section aria-labelledby="questions">([\s\S]*?)<\/section>/.exec(customerPage.body)?.[1] ?? '';
    expect(textOf(questions)).toContain('Küsimused: Anna Aas');
    expect(messagesOf(questions)).toEqual([['Anna Aas', 'Kas teil on politsei akt olemas?']]);
    expect(questions).toContain('volikiri.pdf');
    expect(questions).toMatch(new RegExp(`<form method="post" action="${s.page}/answers/\\d+"`));
    expect(invitedOf(customerPage.body)[0]).toEqual(['Anna Aas', 'Avatud', 'Küsimus ootab tellija vastust']);

    const mailbox = await s.customer.browser.get('/mailbox');
    expect(mailboxTitles(mailbox.body)[0]).toBe('Avarii ristmikul');
    const thread = /href="(\/mailbox\/conversations\/\d+)"/.exec(mailbox.body)![1]!;
    expect(textOf((await s.customer.browser.get(thread)).body)).toContain(`Osalejad: Anna Aas, ${customerName}`);
    expect((await lastEmailTo(t, customerEmail)).subject).toBe('Uus sõnum: Avarii ristmikul');
    expect(textOf((await anna.get(thread)).body)).toContain('Osalejad: Anna Aas, Tellija');
    expect(textOf((await s.customer.browser.get('/inquiries')).body)).toContain('1 küsimus ootab vastust');
  });

  it('questions from two experts show as two threads to the customer, each with its own messages and files; each expert sees only their own', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    const berit = await signedIn(s.berit);
    await anna.get(s.page);
    await berit.get(s.page);
    await postMultipart(t.app, anna, `${s.page}/questions`, { fields: { body: 'Anna esimene küsimus' } });
    await postMultipart(t.app, berit, `${s.page}/questions`, {
      fields: { body: 'Berit küsib' },
      files: [{ name: 'berit-vorm.pdf', contentType: 'application/pdf', content: samplePdf('Vorm') }],
    });
    await postMultipart(t.app, anna, `${s.page}/questions`, {
      fields: { body: 'Anna teine küsimus' },
      files: [{ name: 'anna-lisa.pdf', contentType: 'application/pdf', content: samplePdf('Lisa') }],
    });
    const threadsOf = (html: string) =>
      [...html.matchAll(/<h3[^>]*>Küsimused: ([^<]*)<\/h3>([\s\S]*?)(?=<h3[^>]*>Küsimused: |<\/section>)/g)].map((m) => ({
        expert: decode(m[1]!),
        messages: messagesOf(m[2]!).map(([, text]) => text),
        files: [...m[2]!.matchAll(/>([a-z-]+\.pdf)</g)].map((f) => f[1]),
      }));

    expect(threadsOf((await s.customer.browser.get(s.page)).body)).toEqual([
      { expert: 'Anna Aas', messages: ['Anna esimene küsimus', 'Anna teine küsimus'], files: ['anna-lisa.pdf'] },
      { expert: 'Berit Bee', messages: ['Berit küsib'], files: ['berit-vorm.pdf'] },
    ]);
    const annasPage = (await anna.get(s.page)).body;
    expect(messagesOf(annasPage).map(([, text]) => text)).toEqual(['Anna esimene küsimus', 'Anna teine küsimus']);
    expect(annasPage).not.toContain('Berit küsib');
    expect(annasPage).not.toContain('berit-vorm.pdf');
  });

  it('the customer answers on the inquiry page and in the mailbox thread; the expert reads the answers from “Tellija”', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    await anna.get(s.page);
    await postMultipart(t.app, anna, `${s.page}/questions`, { fields: { body: 'Millal see juhtus?' } });
    const customerPage = await s.customer.browser.get(s.page);
    const answerForm = /action="(\/inquiries\/\d+\/answers\/\d+)"/.exec(customerPage.body)![1]!;

    const answered = await postMultipart(t.app, s.customer.browser, answerForm, { fields: { body: 'Eile õhtul kell kuus.' } });

    expect(answered.status).toBe(303);
    expect(flashOf((await s.customer.browser.follow(answered)).body)).toBe('Vastus on saadetud.');
    const email = await lastEmailTo(t, s.anna.email);
    expect(email.subject).toBe('Uus sõnum: Avarii ristmikul');
    expect(email.text_body).toContain('Tellija saatis teile portaalis uue sõnumi');
    const thread = /href="(\/mailbox\/conversations\/\d+)"/.exec((await anna.get('/mailbox')).body)![1]!;
    expect(messagesOf((await anna.get(thread)).body)).toEqual([
      ['Teie', 'Millal see juhtus?'],
      ['Tellija', 'Eile õhtul kell kuus.'],
    ]);

    await postMultipart(t.app, anna, `${s.page}/questions`, { fields: { body: 'Kas keegi sai viga?' } });
    const inMailbox = await s.customer.browser.post(thread, { body: 'Ei, ainult auto.' }, { formPage: thread });

    expect(inMailbox.status).toBe(303);
    expect(messagesOf((await anna.get(thread)).body).map(([sender, text]) => `${sender}: ${text}`)).toEqual([
      'Teie: Millal see juhtus?',
      'Tellija: Eile õhtul kell kuus.',
      'Teie: Kas keegi sai viga?',
      'Tellija: Ei, ainult auto.',
    ]);
    expect(messagesOf((await s.customer.browser.get(s.page)).body)).toHaveLength(4);
    expect(invitedOf((await s.customer.browser.get(s.page)).body)[0]).toEqual(['Anna Aas', 'Avatud', '—']);
  });

  it('the expert’s “asked” filter shows the invitation while the question waits, and not after the answer', async () => {
    const s = await scene();
    const anna = await signedIn(s.anna);
    expect(listedTitles((await anna.get('/e-consultations?filter=asked')).body)).toEqual([]);
    await anna.get(s.page);
    await postMultipart(t.app, anna, `${s.page}/questions`, { fields: { body: 'Millal see juhtus?' } });

    const waiting = await anna.get('/e-consultations?filter=asked');
    expect(listedTitles(waiting.body)).toEqual(['Avarii ristmikul']);
    expect(textOf(waiting.body)).toContain('Küsimus ootab tellija vastust');

    const answerForm = /action="(\/inquiries\/\d+\/answers\/\d+)"/.exec((await s.customer.browser.get(s.page)).body)![1]!;
    await postMultipart(t.app, s.customer.browser, answerForm, { fields: { body: 'Eile.' } });

    expect(listedTitles((await anna.get('/e-consultations?filter=asked')).body)).toEqual([]);
    expect(textOf((await anna.get('/e-consultations')).body)).toContain('Tellija vastas teie küsimusele');
  });

  it('My menu lists new invitations first, then those waiting for the expert: opened, or with an answered question', async () => {
    const field = await createField(t);
    const expert = await createExpert(t, { name: 'Anna Aas', fieldIds: [field.id] });
    const { user: customer, browser: customerBrowser } = await signedInUser(t);
    const actor = await actorOf(t, expert);
    const inquiry = (title: string) => createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title });
    const opened = await inquiry('Avatud päring');
    await inquiry('Uus päring');
    const answered = await inquiry('Vastatud küsimus');
    const offered = await inquiry('Pakkumine tehtud');
    const declined = await inquiry('Loobutud päring');
    const anna = await signedIn(expert);
    await anna.get(`/inquiries/${opened}`);
    await askQuestion(t.deps, actor, answered, { body: 'Küsimus', uploads: [] });
    await makeOfferAs(t, expert, answered);
    const answerForm = /action="(\/inquiries\/\d+\/answers\/\d+)"/.exec((await customerBrowser.get(`/inquiries/${answered}`)).body)![1]!;
    await postMultipart(t.app, customerBrowser, answerForm, { fields: { body: 'Vastus' } });
    await makeOfferAs(t, expert, offered);
    await declineInvitation(t.deps, actor, declined, { reason: 'tooBusy', note: '' });

    const menu = await anna.get('/my');

    expect(agendaOf(menu.body)).toEqual([
      { heading: 'Uus päring (1)', titles: ['Uus päring'] },
      { heading: 'Ootavad teie vastust', titles: ['Vastatud küsimus', 'Avatud päring'] },
    ]);
  });

  it('My menu shows the ten newest of each list, and counts every new invitation', async () => {
    const field = await createField(t);
    const expert = await createExpert(t, { name: 'Anna Aas', fieldIds: [field.id] });
    const { user: customer } = await signedInUser(t);
    const anna = await signedIn(expert);
    const titles = (prefix: string) => Array.from({ length: 12 }, (_, i) => `${prefix} ${String(i + 1).padStart(2, '0')}`);
    for (const title of titles('Avatud')) await anna.get(`/inquiries/${await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title })}`);
    for (const title of titles('Uus')) await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title });

    const agenda = agendaOf((await anna.get('/my')).body);

    const newestTen = (prefix: string) => titles(prefix).reverse().slice(0, 10);
    expect(agenda).toEqual([
      { heading: 'Uued päringud (12)', titles: newestTen('Uus') },
      { heading: 'Ootavad teie vastust', titles: newestTen('Avatud') },
    ]);
  });
});

describe('the expert’s list (E-consultations)', () => {
  it('filters by what the expert did and by kind', async () => {
    const field = await createField(t);
    const expert = await createExpert(t, { name: 'Anna Aas', fieldIds: [field.id] });
    const { user: customer } = await signedInUser(t);
    const actor = await actorOf(t, expert);
    const inquiry = (title: string, options: { kind?: 'document'; deadline?: string } = {}) => createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title, ...options });
    await inquiry('Aegunud', { deadline: dayFromNow(t, 1) });
    t.clock.advance(2 * 24 * hour);
    await sweepInquiryDeadlines(t.deps);
    await inquiry('Uus');
    await askQuestion(t.deps, actor, await inquiry('Küsitud'), { body: 'Küsimus', uploads: [] });
    await makeOfferAs(t, expert, await inquiry('Pakutud'));
    await declineInvitation(t.deps, actor, await inquiry('Loobutud'), { reason: 'outsideExpertise', note: '' });
    await inquiry('Dokument', { kind: 'document' });
    const anna = await signedIn(expert);

    const all = await anna.get('/e-consultations');
    expect(listedTitles(all.body)).toEqual(['Dokument', 'Loobutud', 'Pakutud', 'Küsitud', 'Uus', 'Aegunud']);
    expect(textOf(all.body)).toContain('6 päringut');
    const cases: [string, string[]][] = [
      ['?filter=new', ['Dokument', 'Uus']],
      ['?filter=asked', ['Küsitud']],
      ['?filter=offered', ['Pakutud']],
      ['?filter=declined', ['Loobutud']],
      ['?filter=expired', ['Aegunud']],
      ['?filter=won', []],
      ['?kind=document', ['Dokument']],
      ['?kind=consultation', ['Loobutud', 'Pakutud', 'Küsitud', 'Uus', 'Aegunud']],
      ['?filter=new&kind=consultation', ['Uus']],
      ['?filter=nonsense', ['Dokument', 'Loobutud', 'Pakutud', 'Küsitud', 'Uus', 'Aegunud']],
    ];
    for (const [query, titles] of cases) {
      const page = await anna.get(`/e-consultations${query}`);
      expect(page.status, query).toBe(200);
      expect(listedTitles(page.body), query).toEqual(titles);
    }
    expect(textOf((await anna.get('/e-consultations?filter=won')).body)).toContain('Selle valikuga päringuid ei ole.');
  });

  it('is for experts only: a customer gets 403, an anonymous visitor is sent to sign in', async () => {
    const { browser } = await signedInUser(t);

    expect((await browser.get('/e-consultations')).status).toBe(403);
    const anonymous = await t.browser().get('/e-consultations');
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toMatch(/^\/login\?next=/);
  });

  it('shows 25 invitations a page, and the next page keeps the filter', async () => {
    const field = await createField(t);
    const expert = await createExpert(t, { name: 'Anna Aas', fieldIds: [field.id] });
    const { user: customer } = await signedInUser(t);
    for (let n = 1; n <= 26; n += 1) await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title: `Päring ${n}` });
    const anna = await signedIn(expert);

    const first = await anna.get('/e-consultations?filter=new');
    const next = decode(/<a href="([^"]+)" rel="next">/.exec(first.body)?.[1] ?? '');
    const second = await anna.get(next);

    expect(listedTitles(first.body)).toHaveLength(25);
    expect(listedTitles(first.body)[0]).toBe('Päring 26');
    expect(next).toBe('/e-consultations?filter=new&page=2');
    expect(listedTitles(second.body)).toEqual(['Päring 1']);
  });
});
