import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { createScryptHasher } from '../../src/adapters/password-hasher.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { demoPassword } from '../../src/db/seed-demo.js';
import type { Locale } from '../../src/domain/roles.js';
import { formatMoney } from '../../src/i18n/format.js';
import { translator } from '../../src/i18n/index.js';
import type { Deps } from '../../src/use-cases/deps.js';
import { createExpert, createField } from '../support/experts.js';
import { defaultPassword } from '../support/factories.js';
import { samplePdf } from '../support/multipart.js';
import type { ServerProcess } from '../support/server-process.js';
import type { TestApp } from '../support/test-app.js';
import { addDelivery, cardOf, contactCard, dayFromToday, definitionsOf, deliveriesOf, deliveriesSection, download, escapeRegExp, expectConfirmation, expectHeading, expectLang, expertCheckbox, flashText, followNotice, labelled, makeOffer, markDone, type Offer, openAsExpertFromMyMenu, openFromCustomerMenu, orderAndPay, orderStatus, profileRatings, rate, ratingSection, reviewSection, rowsOf, signIn, squash, switchLanguageTo, tableUnder } from './main-path.js';
import { expectNoSeriousA11yViolations, openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * The whole mission in a real browser against the real server process, every person in a browser
 * of their own and everything done with clicks and typing: a newcomer registers, confirms the
 * address from the sent e-mail, asks experts for a price, answers a question, compares offers,
 * orders and pays in the sandbox, gets the work (asking once for changes), accepts it and rates
 * it; the expert replies, and the rating, the comment and the reply are on the expert's public
 * profile for anyone to see; the ledger still sums to zero. Once for an e-consultation in
 * Estonian, once for a document in English. Only the fields and the experts are seeded.
 */

const et = translator('et');
const en = translator('en');
const admin = { email: 'admin@demo.konsult.ee', password: demoPassword };

type Person = { id: number; name: string; email: string; phone: string; password: string };
type Newcomer = { locale: Locale; name: string; email: string; phone: string; password: string };

const consultationField = { nameEt: 'Üürisuhted', nameEn: 'Tenancy' };
const documentField = { nameEt: 'Intellektuaalomand', nameEn: 'Intellectual property' };

let server: ServerProcess;
let browser: Browser;
let database: DatabaseHandle;
let seeded: {
  consultation: { a: Person; b: Person; c: Person };
  document: { writer: Person; other: Person };
};

/** The fields and their experts straight into the running server's SQLite file; the customers register themselves. */
async function seed(): Promise<typeof seeded> {
  database = openDatabase(`sqlite:${path.join(server.dataDir, 'konsult.sqlite')}`);
  const seeding = { deps: { db: database.db, hasher: createScryptHasher(10) } as unknown as Deps, clock: new ManualClock(new Date()) } as TestApp;
  const { id: consultationFieldId } = await createField(seeding, consultationField);
  const { id: documentFieldId } = await createField(seeding, documentField);
  const expert = async (name: string, email: string, phone: string, fieldId: number, locale: Locale): Promise<Person> => {
    const user = await createExpert(seeding, { name, email, phone, locale, fieldIds: [fieldId], languages: ['et', 'en'] });
    return { id: user.id, name: user.name, email: user.email, phone, password: defaultPassword };
  };
  return {
    consultation: {
      a: await expert('Mirjam Mägi', 'mirjam.magi@example.ee', '+372 5901 1122', consultationFieldId, 'et'),
      b: await expert('Rasmus Raud', 'rasmus.raud@example.ee', '+372 5902 2233', consultationFieldId, 'et'),
      c: await expert('Heli Hein', 'heli.hein@example.ee', '+372 5903 3344', consultationFieldId, 'et'),
    },
    document: {
      writer: await expert('Triin Tali', 'triin.tali@example.ee', '+372 5904 4455', documentFieldId, 'en'),
      other: await expert('Urmo Uus', 'urmo.uus@example.ee', '+372 5905 5566', documentFieldId, 'en'),
    },
  };
}

beforeAll(async () => {
  [server, browser] = await startServerAndBrowser();
  seeded = await seed();
});

afterAll(async () => {
  await browser?.close();
  await database?.destroy();
  await server?.stop();
});

/** Browsers of their own for several people at once; all closed whatever happens. */
async function withBrowsers(use: (open: () => Promise<Page>) => Promise<void>): Promise<void> {
  const contexts: BrowserContext[] = [];
  const open = async () => {
    const { context, page } = await openPage(browser, server.baseUrl);
    contexts.push(context);
    return page;
  };
  try {
    await withServerOutput(server, () => use(open));
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
}

/**
 * A newcomer registers from the header's link, opens the confirmation e-mail on the development
 * "sent e-mail" page, follows its link, confirms, and signs in from the confirmation page.
 */
async function registerVerifyAndSignIn(page: Page, person: Newcomer): Promise<void> {
  const t = translator(person.locale);
  await page.goto('/');
  await switchLanguageTo(page, person.locale);
  await page.locator('header').getByRole('link', { name: t('nav.register'), exact: true }).click();
  await expectHeading(page, t('auth.registerTitle'));
  const form = page.getByRole('main');
  await form.getByLabel(t('auth.name'), { exact: true }).fill(person.name);
  await form.getByLabel(t('auth.email'), { exact: true }).fill(person.email);
  await form.getByLabel(t('auth.phone')).fill(person.phone);
  await form.getByLabel(t('auth.password'), { exact: true }).fill(person.password);
  await form.getByLabel(t('auth.passwordRepeat'), { exact: true }).fill(person.password);
  await form.getByRole('button', { name: t('auth.registerButton'), exact: true }).click();
  await expectHeading(page, t('auth.checkEmailTitle'));

  await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link', { name: t('nav.sentEmails'), exact: true }).click();
  await expectHeading(page, t('sentEmails.title'));
  await page.getByRole('row').filter({ hasText: person.email }).first().getByRole('link').click();
  await expectHeading(page, t('email.verifySubject'));
  const text = await page.getByTestId('email-text').innerText();
  const link = new RegExp(`${escapeRegExp(server.baseUrl)}/verify-email\\?token=[A-Za-z0-9_-]+`).exec(text)?.[0];
  expect(link, `a verification link in:\n${text}`).toBeDefined();
  await page.goto(link!);
  await expectHeading(page, t('auth.verifyTitle'));
  await page.getByRole('main').getByRole('button', { name: t('auth.verifyButton'), exact: true }).click();
  await expectHeading(page, t('auth.verifiedTitle'));

  await page.getByRole('main').getByRole('link', { name: t('nav.login'), exact: true }).click();
  await expectHeading(page, t('auth.loginTitle'));
  const login = page.getByRole('main');
  await login.getByLabel(t('auth.email'), { exact: true }).fill(person.email);
  await login.getByLabel(t('auth.password'), { exact: true }).fill(person.password);
  await login.getByRole('button', { name: t('auth.loginButton'), exact: true }).click();
  await page.waitForURL('**/my');
  await expectHeading(page, t('myMenu.title'));
  await expectLang(page, person.locale);
}


describe('the mission', () => {
  it('takes a newcomer in Estonian from registration to an e-consultation rated 5 stars, with the expert’s reply on the public profile', async () => {
    const { a, b, c } = seeded.consultation;
    const customer: Newcomer = { locale: 'et', name: 'Liisi Lõhmus', email: 'liisi.lohmus@example.ee', phone: '+372 5876 5432', password: 'kevadel õitsevad sirelid aias' };
    const title = 'Üürileandja ei maksa tagatisraha tagasi';
    const question = 'Kas üleandmise-vastuvõtmise akt on allkirjastatud?';
    const answer = 'Jah, mõlemad allkirjastasid akti, kahjustusi sinna ei märgitud.';
    const offerA: Offer = { price: '120', cents: 12_000, deliveryDate: dayFromToday(7), validUntil: dayFromToday(4), note: 'Kirjalik hinnang ja nõudekiri üürileandjale.' };
    const offerB: Offer = { price: '95,50', cents: 9_550, deliveryDate: dayFromToday(9), validUntil: dayFromToday(4), note: 'Suuline konsultatsioon videokõnes.' };
    const firstDelivery = 'Teie nõue on põhjendatud: tagatisraha tuleb tagastada mõistliku aja jooksul. Lisatud on nõudekirja projekt.';
    const firstFile = { name: 'noudekiri.pdf', mimeType: 'application/pdf', buffer: samplePdf('Noudekiri') };
    const changes = 'Palun lisage nõudekirja ka viivise arvutus.';
    const secondDelivery = 'Viivis on 0,0657% päevas alates 1. märtsist; arvutus on nõudekirja lõpus.';
    const comment = 'Selge ja kiire abi, tagatisraha tuli tagasi.';
    const reply = 'Aitäh! Rõõm, et asi lahenes.';

    await withBrowsers(async (open) => {
      const [page, pageA, pageB, visitor, adminPage] = await Promise.all([open(), open(), open(), open(), open()]);

      // ---- registration, the e-mail's link, signing in ----
      await registerVerifyAndSignIn(page, customer);
      await Promise.all([signIn(pageA, a), signIn(pageB, b)]);

      // ---- "Telli e-konsultatsioon" → the field → two of its three experts ----
      await page.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.orderConsultation'), exact: true }).click();
      await page.waitForURL('**/order/consultation');
      await page.getByRole('main').getByRole('link', { name: consultationField.nameEt, exact: true }).click();
      await page.waitForURL(/\/inquiries\/new\?kind=consultation&field=\d+$/);
      await expectHeading(page, et('inquiries.consultationFormTitle', { field: consultationField.nameEt }));
      const form = page.getByRole('main');
      await expertCheckbox(page, a.name).check();
      await expertCheckbox(page, b.name).check();
      await form.getByLabel(et('inquiries.titleLabel'), { exact: true }).fill(title);
      await labelled(form, et('inquiries.description')).fill('Kolisin välja kaks kuud tagasi, korter anti üle korras.\nÜürileandja ei vasta kirjadele.');
      await form.getByLabel(et('inquiries.deadline'), { exact: true }).fill(dayFromToday(5));
      await form.getByRole('button', { name: et('inquiries.send'), exact: true }).click();
      await page.waitForURL(/\/inquiries\/\d+$/);
      await expectHeading(page, title);
      expect(await flashText(page)).toBe(et('inquiries.sent'));
      const inquiryPath = new URL(page.url()).pathname;
      const invited = (await rowsOf(tableUnder(page, et('inquiries.invitedTitle')))).map(([name]) => name).sort();
      expect(invited).toEqual([a.name, b.name].sort());
      expect(invited).not.toContain(c.name);

      // ---- expert A asks; the customer answers ----
      await openAsExpertFromMyMenu(pageA, et, title);
      const questions = pageA.getByRole('region', { name: et('inquiries.questionsWithCustomer') });
      await questions.getByLabel(et('inquiries.questionLabel'), { exact: true }).fill(question);
      await questions.getByRole('button', { name: et('inquiries.askQuestion'), exact: true }).click();
      await pageA.waitForURL(/\/inquiries\/\d+#questions$/);
      expect(await flashText(pageA)).toBe(et('inquiries.questionSent'));

      await openFromCustomerMenu(page, et, title);
      const thread = page.locator('main .card').filter({ has: page.getByRole('heading', { name: et('inquiries.questionsFrom', { name: a.name }), exact: true }) });
      expect(await thread.locator('ol.messages').innerText()).toContain(question);
      await thread.getByLabel(et('inquiries.answerLabel'), { exact: true }).fill(answer);
      await thread.getByRole('button', { name: et('inquiries.sendAnswer'), exact: true }).click();
      await page.waitForURL((url) => url.pathname === inquiryPath);
      expect(await flashText(page)).toBe(et('inquiries.answerSent'));

      // ---- both offer; A has read the answer ----
      await pageA.goto(inquiryPath);
      expect(await pageA.locator('main ol.messages li.message').filter({ hasText: answer }).locator('.message-meta strong').innerText()).toBe(et('inquiries.customerAlias'));
      await makeOffer(pageA, et, offerA);
      await openAsExpertFromMyMenu(pageB, et, title);
      await makeOffer(pageB, et, offerB);

      // ---- the customer orders A's offer and pays in the sandbox ----
      await openFromCustomerMenu(page, et, title);
      const offers = await rowsOf(tableUnder(page, et('inquiries.offersTitle')));
      const noRatings = et('experts.noRatings');
      expect(offers.map(([name, price]) => [name, price])).toEqual([
        [`${b.name} ${noRatings}`, squash(formatMoney('et', offerB.cents))],
        [`${a.name} ${noRatings}`, squash(formatMoney('et', offerA.cents))],
      ]);
      const orderId = await orderAndPay(page, et, 'et', a, offerA.cents);
      const orderPath = `/orders/${orderId}`;
      await expectHeading(page, et('orders.title', { id: orderId }));
      expect(await orderStatus(page, et)).toBe(et('orders.status_in_progress'));
      expect(await contactCard(page, et('orders.expertContact'))).toEqual(cardOf(et, a));
      expect(await deliveriesSection(page, et).innerText()).toContain(et('orders.noDeliveries'));

      // ---- A: the notice leads to the order, with the customer's contact ----
      await followNotice(pageA, et, et('notices.orderPaidExpert.title', { title }));
      expect(new URL(pageA.url()).pathname).toBe(orderPath);
      expect(await orderStatus(pageA, et)).toBe(et('orders.status_in_progress'));
      expect(await contactCard(pageA, et('orders.customerContact'))).toEqual(cardOf(et, customer));

      // ---- A delivers a text and a file, and marks the work done ----
      await addDelivery(pageA, et, { body: firstDelivery, file: firstFile });
      expect(new URL(pageA.url()).pathname).toBe(orderPath);
      expect(await deliveriesOf(pageA, et)).toEqual([{ body: firstDelivery, files: [firstFile.name] }]);
      expect(await orderStatus(pageA, et)).toBe(et('orders.status_in_progress'));
      await expectNoSeriousA11yViolations(pageA, 'expert’s order page in progress with a delivery (et)');
      await markDone(pageA, et);

      // ---- the customer: the notice, the work, the file; asks for changes ----
      await followNotice(page, et, et('notices.workDone.title', { title }));
      expect(new URL(page.url()).pathname).toBe(orderPath);
      expect(await orderStatus(page, et)).toBe(et('orders.status_delivered'));
      expect(await deliveriesOf(page, et)).toEqual([{ body: firstDelivery, files: [firstFile.name] }]);
      expect((await download(page, et, firstFile.name)).equals(firstFile.buffer)).toBe(true);
      const review = reviewSection(page, et);
      expect(await review.getByRole('button', { name: et('orders.accept'), exact: true }).count()).toBe(1);
      expect(await review.getByRole('button', { name: et('orders.requestChanges'), exact: true }).count()).toBe(1);
      await expectNoSeriousA11yViolations(page, 'customer’s order page with delivered work, accept and changes forms (et)');
      await labelled(review, et('orders.changesLabel')).fill(changes);
      await review.getByRole('button', { name: et('orders.requestChanges'), exact: true }).click();
      await expectConfirmation(page, et('orders.changesSent'));
      expect(await orderStatus(page, et)).toBe(et('orders.status_in_progress'));
      expect(await reviewSection(page, et).count()).toBe(0);

      // ---- A: the request for changes, in the order's thread; another delivery; done again ----
      await followNotice(pageA, et, et('notices.changesRequested.title', { title }));
      expect(new URL(pageA.url()).pathname).toBe(orderPath);
      expect(await orderStatus(pageA, et)).toBe(et('orders.status_in_progress'));
      expect(await pageA.getByRole('region', { name: et('orders.threadTitle'), exact: true }).innerText()).toContain(changes);
      await addDelivery(pageA, et, { body: secondDelivery });
      expect(await deliveriesOf(pageA, et)).toEqual([
        { body: firstDelivery, files: [firstFile.name] },
        { body: secondDelivery, files: [] },
      ]);
      await markDone(pageA, et);

      // ---- the customer accepts and rates 5 stars with a comment ----
      await followNotice(page, et, et('notices.workDone.title', { title }));
      expect((await deliveriesOf(page, et)).map((d) => d.body)).toEqual([firstDelivery, secondDelivery]);
      await reviewSection(page, et).getByRole('button', { name: et('orders.accept'), exact: true }).click();
      await expectConfirmation(page, et('orders.acceptedFlash'));
      expect(await orderStatus(page, et)).toBe(et('orders.status_accepted'));
      expect(await reviewSection(page, et).count()).toBe(0);
      expect(await ratingSection(page, et).innerText()).toContain(et('orders.ratingOptional'));
      await expectNoSeriousA11yViolations(page, 'customer’s accepted order page with the rating form (et)');
      await rate(page, et, 5, comment);
      const rated = ratingSection(page, et);
      expect(await rated.locator('.review').innerText()).toContain(et('experts.starsLabel', { count: 5 }));
      expect(await rated.locator('.review').innerText()).toContain(comment);

      // ---- A: told of the acceptance and the rating; replies ----
      await followNotice(pageA, et, et('notices.workAccepted.title', { title }));
      expect(await orderStatus(pageA, et)).toBe(et('orders.status_accepted'));
      // The rating's notice leads to the order's rating, where the reply is written.
      await followNotice(pageA, et, et('notices.newReview.title', { title }), /\/orders\/\d+#rating$/);
      expect(new URL(pageA.url()).pathname).toBe(orderPath);
      const replyForm = ratingSection(pageA, et);
      expect(await replyForm.locator('.review').innerText()).toContain(comment);
      await labelled(replyForm, et('orders.replyLabel')).fill(reply);
      await replyForm.getByRole('button', { name: et('orders.publishReply'), exact: true }).click();
      await expectConfirmation(pageA, et('orders.replySaved'));
      expect(await ratingSection(pageA, et).locator('.review-reply').innerText()).toBe(et('experts.expertReply', { reply }));
      expect(await ratingSection(pageA, et).getByRole('button', { name: et('orders.publishReply') }).count()).toBe(0);

      // ---- anyone, signed out: the public profile shows 5,0, the comment and the reply, not the customer ----
      await visitor.goto(`/experts/${a.id}`);
      await expectHeading(visitor, a.name);
      expect(await visitor.locator('header').getByRole('link', { name: et('nav.login'), exact: true }).count()).toBe(1);
      const profile = await profileRatings(visitor, et);
      expect(profile.average).toBe(et('experts.ratingAverage', { average: '5,0', count: 1 }));
      expect(profile.reviews).toHaveLength(1);
      expect(profile.reviews[0]![0]).toContain(et('experts.starsLabel', { count: 5 }));
      expect(profile.reviews[0]!.slice(1)).toEqual([comment, et('experts.expertReply', { reply })]);
      expect(await visitor.locator('body').innerText()).not.toContain(customer.name);

      // ---- the admin's ledger: every entry sums to zero; the order's escrow is paid out ----
      // By its address (it is also on My menu's staff list).
      await signIn(adminPage, admin);
      await adminPage.goto('/admin/ledger');
      await expectHeading(adminPage, et('ledger.title'));
      const ledger = await definitionsOf(adminPage.getByRole('main'));
      expect(ledger[et('ledger.total')]).toBe('0,00 €');
      const escrow = Object.fromEntries((await rowsOf(tableUnder(adminPage, et('ledger.escrowTitle')))).map(([name, balance]) => [name, balance]));
      // Nothing is held for the order any more: settled accounts leave the list.
      expect(escrow[et('orders.title', { id: orderId })]).toBeUndefined();
      const payables = Object.fromEntries((await rowsOf(tableUnder(adminPage, et('ledger.payablesTitle')))).map(([name, balance]) => [name, balance]));
      expect(payables[`payable:expert:${a.id}`]).toBe('102,00 €');
    });
  }, 300_000);

  it('takes a newcomer in English from registration to a document rated 4 stars on the public profile', async () => {
    const { writer, other } = seeded.document;
    const customer: Newcomer = { locale: 'en', name: 'Oliver Brightwater', email: 'oliver.brightwater@example.com', phone: '+44 20 7946 0123', password: 'lanterns over a silent river' };
    const title = 'My photographs were used without permission';
    const purpose = 'To send to the online shop that sells prints of my photographs.';
    const offer: Offer = { price: '80', cents: 8_000, deliveryDate: dayFromToday(6), validUntil: dayFromToday(3), note: 'A cease-and-desist letter with a claim for a licence fee.' };
    const note = 'The letter is attached. Send it by registered mail or e-mail with a read receipt.';
    const documentFile = { name: 'cease-and-desist.pdf', mimeType: 'application/pdf', buffer: samplePdf('Cease and desist') };
    const comment = 'A clear letter; the shop took the prints down within a week.';

    await withBrowsers(async (open) => {
      const [page, writerPage, visitor] = await Promise.all([open(), open(), open()]);

      // ---- English first, then registration and the e-mail's link ----
      await registerVerifyAndSignIn(page, customer);
      await signIn(writerPage, writer);
      await expectLang(writerPage, 'en');

      // ---- "Order a document" → the field → the expert, the type and the purpose ----
      await page.getByRole('navigation', { name: en('nav.label') }).getByRole('link', { name: en('nav.orderDocument'), exact: true }).click();
      await page.waitForURL('**/order/document');
      await expectHeading(page, en('info.documentTitle'));
      await page.getByRole('main').getByRole('link', { name: documentField.nameEn, exact: true }).click();
      await page.waitForURL(/\/inquiries\/new\?kind=document&field=\d+$/);
      await expectHeading(page, en('inquiries.documentFormTitle', { field: documentField.nameEn }));
      const form = page.getByRole('main');
      await expertCheckbox(page, writer.name).check();
      await expertCheckbox(page, other.name).check();
      await form.getByRole('group', { name: en('inquiries.documentType') }).getByRole('radio', { name: 'Other document', exact: true }).check();
      await labelled(form, en('inquiries.purpose')).fill(purpose);
      await form.getByLabel(en('inquiries.titleLabel'), { exact: true }).fill(title);
      await labelled(form, en('inquiries.description')).fill('An online shop sells prints of three of my photographs. I never gave them a licence.');
      await form.getByLabel(en('inquiries.deadline'), { exact: true }).fill(dayFromToday(4));
      await form.getByRole('button', { name: en('inquiries.send'), exact: true }).click();
      await page.waitForURL(/\/inquiries\/\d+$/);
      await expectHeading(page, title);
      expect(await flashText(page)).toBe(en('inquiries.sent'));
      const content = await page.getByRole('region', { name: en('inquiries.contentTitle'), exact: true }).innerText();
      expect(content).toContain('Other document');
      expect(content).toContain(purpose);

      // ---- one expert offers; the other stays silent ----
      await openAsExpertFromMyMenu(writerPage, en, title);
      expect(await writerPage.getByRole('main').innerText()).toContain(purpose);
      await makeOffer(writerPage, en, offer);

      // ---- the customer orders and pays ----
      await openFromCustomerMenu(page, en, title);
      const orderId = await orderAndPay(page, en, 'en', writer, offer.cents);
      const orderPath = `/orders/${orderId}`;
      await expectHeading(page, en('orders.title', { id: orderId }));
      expect(await orderStatus(page, en)).toBe(en('orders.status_in_progress'));
      expect(await contactCard(page, en('orders.expertContact'))).toEqual(cardOf(en, writer));

      // ---- the expert: a document order needs the document as a file ----
      await followNotice(writerPage, en, en('notices.orderPaidExpert.title', { title }));
      expect(new URL(writerPage.url()).pathname).toBe(orderPath);
      expect(await contactCard(writerPage, en('orders.customerContact'))).toEqual(cardOf(en, customer));
      expect(await deliveriesSection(writerPage, en).innerText()).toContain(en('orders.deliveryDocumentHint'));
      const deliveries = deliveriesSection(writerPage, en);
      await deliveries.getByLabel(en('orders.deliveryLabel'), { exact: true }).fill(note);
      await deliveries.getByRole('button', { name: en('orders.addDelivery'), exact: true }).click();
      const refusal = writerPage.getByRole('main').getByRole('alert').first();
      await refusal.waitFor();
      expect(await refusal.innerText()).toContain(en('errors.field.documentFileRequired'));
      expect(await deliveriesSection(writerPage, en).getByLabel(en('orders.deliveryLabel'), { exact: true }).inputValue()).toBe(note);
      expect(await deliveriesOf(writerPage, en)).toEqual([]);

      // With the PDF it is delivered; then marked done.
      await addDelivery(writerPage, en, { body: note, file: documentFile });
      expect(await deliveriesOf(writerPage, en)).toEqual([{ body: note, files: [documentFile.name] }]);
      await expectNoSeriousA11yViolations(writerPage, 'expert’s order page in progress with a delivery (en)');
      await markDone(writerPage, en);

      // ---- the customer: the document, accepted, rated 4 stars ----
      await followNotice(page, en, en('notices.workDone.title', { title }));
      expect(new URL(page.url()).pathname).toBe(orderPath);
      expect(await orderStatus(page, en)).toBe(en('orders.status_delivered'));
      expect(await deliveriesOf(page, en)).toEqual([{ body: note, files: [documentFile.name] }]);
      expect((await download(page, en, documentFile.name)).equals(documentFile.buffer)).toBe(true);
      await expectNoSeriousA11yViolations(page, 'customer’s order page with delivered work, accept and changes forms (en)');
      await reviewSection(page, en).getByRole('button', { name: en('orders.accept'), exact: true }).click();
      await expectConfirmation(page, en('orders.acceptedFlash'));
      expect(await orderStatus(page, en)).toBe(en('orders.status_accepted'));
      await expectNoSeriousA11yViolations(page, 'customer’s accepted order page with the rating form (en)');
      await rate(page, en, 4, comment);

      // ---- the public profile, in English, signed out ----
      await visitor.goto('/');
      await switchLanguageTo(visitor, 'en');
      await visitor.goto(`/experts/${writer.id}`);
      await expectHeading(visitor, writer.name);
      const profile = await profileRatings(visitor, en);
      expect(profile.average).toBe(en('experts.ratingAverage', { average: '4.0', count: 1 }));
      expect(profile.reviews).toHaveLength(1);
      expect(profile.reviews[0]![0]).toContain(en('experts.starsLabel', { count: 4 }));
      expect(profile.reviews[0]!.slice(1)).toEqual([comment]);
      expect(await visitor.locator('body').innerText()).not.toContain(customer.name);
    });
  }, 240_000);
});
