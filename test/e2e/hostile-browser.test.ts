import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { demoAccounts, demoPassword } from '../../src/db/seed-demo.js';
import { tallinnDayOf } from '../../src/domain/calendar.js';
import { safeFileName } from '../../src/domain/files.js';
import { validIdCodes } from '../support/experts.js';
import { samplePdf } from '../support/multipart.js';
import type { ServerProcess } from '../support/server-process.js';
import { expectNothingRan, expectShownLiterally, hostileFileName, hostileLine, hostileText, squash, vectors, watch, type Probes } from './hostile-support.js';
import { openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * Hostile text typed into the real forms, in Chromium, against the real server process, in
 * every place where what one person writes is shown to another: names at registration and in
 * the account, an expert application (the moderator's note on it, and the answer), the expert's
 * profile, an inquiry's title, description and file (and the form shown back after a refusal,
 * written in place by the upload script), an expert's question and the customer's answer, a
 * refusal's note, a mailbox message, an offer's note, an order's messages, deliveries, files,
 * request for changes, rating and reply, a general inquiry refused by the moderator, an admin's
 * reason for a block, the customer's data export, and the e-mails all these send (the "sent
 * e-mail" preview, and its HTML version opened on its own). Then the same for what comes in
 * through the address bar: a search, the language switch's return address, a missing page's
 * name, and where to go after signing in.
 *
 * Each value is built to give itself away if it ever runs or becomes markup: script tags,
 * handlers, attribute break-outs, javascript: links, template syntax, CSS and frames that would
 * call out, right-to-left overrides and emoji, SQL (test/e2e/hostile-support.ts). Every page that
 * shows one is opened in each reader's own browser, and the suite fails on a dialog, on
 * `window.__pwned`, on an element or handler the text brought with it, on a javascript: link, on
 * a CSP violation, and on any request off the portal's origin; it also fails unless the text is
 * on the page as text, exactly as typed (in form fields too), and stored exactly as typed (file
 * names as the portal's documented safe name, src/domain/files.ts, of what was chosen). The
 * last test shows the probes do notice text that becomes markup.
 *
 * The steps build on each other (the approved expert is the one asked for a price, the order
 * comes from that inquiry), so they share one server and run in order.
 */

const hostile = {
  registeredName: hostileLine('«nimi»', ['img', 'attribute', 'unicode']),
  accountName: hostileLine('«konto»', ['svg', 'autofocus', 'sql']),
  applicantName: hostileLine('«taotleja»', ['link', 'javascriptUrl']),
  expertName: hostileLine('«ekspert»', ['script', 'attribute']),
  qualifications: hostileText('«kvalifikatsioon»'),
  bio: hostileText('«tutvustus»'),
  applicationNote: hostileText('«taotluse märkus»'),
  reviewNote: hostileText('«moderaatori märkus»'),
  applicationAnswer: hostileText('«taotleja vastus»'),
  newBio: hostileText('«uus tutvustus»'),
  title: hostileLine('«pealkiri»', ['script', 'template']),
  description: hostileText('«kirjeldus»'),
  inquiryFile: hostileFileName('«päringu fail»', 'pdf'),
  question: hostileText('«küsimus»'),
  answer: hostileText('«vastus»'),
  declineNote: hostileText('«loobumine»'),
  mailboxMessage: hostileText('«postkast»'),
  offerNote: hostileText('«pakkumine»'),
  orderMessage: hostileText('«tellimuse sõnum»'),
  delivery: hostileText('«töö»'),
  deliveryFile: hostileFileName('«töö fail»', 'pdf'),
  changes: hostileText('«muudatused»'),
  comment: hostileText('«hinnang»'),
  reply: hostileText('«ekspertvastus»'),
  generalTitle: hostileLine('«üldine»', ['css', 'frame']),
  generalDescription: hostileText('«üldine kirjeldus»'),
  rejection: hostileText('«tagasilükkamine»'),
  blockReason: hostileText('«blokeerimine»'),
};

const passphrase = 'lanterns over a silent river';
const demo = {
  moderator: { email: 'moderaator@demo.konsult.ee', password: demoPassword },
  admin: { email: 'admin@demo.konsult.ee', password: demoPassword },
  lawyer: { email: 'jurist@demo.konsult.ee', password: demoPassword },
  applicantToBlock: 'taotleja@demo.konsult.ee',
};
const customer = { email: 'vaenulik.klient@example.ee', password: passphrase };
const applicant = { email: 'vaenulik.ekspert@example.ee', password: passphrase };
/** The field the new expert applies for; the demo lawyer serves it too (src/db/seed-demo.ts). */
const fieldName = 'Kriminaalmenetlus ja ohvri õigused';

let server: ServerProcess;
let browser: Browser;
let database: DatabaseHandle;
const contexts: BrowserContext[] = [];

/** A person's own browser, watched by the probes. */
type Person = { page: Page; probes: Probes };

/** What the steps learn and pass on. */
const state = {
  customerId: 0,
  applicantId: 0,
  fieldId: 0,
  applicationId: 0,
  inquiryId: 0,
  orderId: 0,
  generalInquiryId: 0,
  blockedId: 0,
};
let people: { customer: Person; applicant: Person; moderator: Person; admin: Person; lawyer: Person; visitor: Person };

beforeAll(async () => {
  [server, browser] = await startServerAndBrowser();
  database = openDatabase(`sqlite:${path.join(server.dataDir, 'konsult.sqlite')}`);
  const open = async (): Promise<Person> => {
    const { context, page } = await openPage(browser, server.baseUrl);
    contexts.push(context);
    return { page, probes: await watch(context, server.baseUrl) };
  };
  const [c, a, m, ad, l, v] = await Promise.all([open(), open(), open(), open(), open(), open()]);
  people = { customer: c, applicant: a, moderator: m, admin: ad, lawyer: l, visitor: v };
  state.fieldId = (await database.db.selectFrom('fields').select('id').where('name_et', '=', fieldName).executeTakeFirstOrThrow()).id;
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await database?.destroy();
  await server?.stop();
});

const dayFromToday = (days: number) => tallinnDayOf(new Date(Date.now() + days * 86_400_000));

/** Opens a page in a person's browser and fails if anything hostile ran there or is not shown as text. */
async function visit(person: Person, pathname: string, texts: string[], scope = 'main'): Promise<void> {
  const response = await person.page.goto(pathname);
  expect(response?.status(), `${pathname} answers`).toBeLessThan(400);
  await expectNothingRan(person.page, person.probes, pathname);
  await expectShownLiterally(person.page, texts, pathname, scope);
}

/** The form whose action is exactly this path. */
function form(page: Page, action: string): Locator {
  return page.locator(`main form[action="${action}"]`);
}

/** Presses a button and waits until the answer's page is there (the page left is marked, so it cannot pass for it). */
async function press(page: Page, button: Locator): Promise<void> {
  await page.locator('main').evaluate((main) => main.setAttribute('data-left', ''));
  await button.click();
  await page.locator('main:not([data-left]) h1').waitFor();
}

/**
 * Presses a form's submit button (or the given one) and waits for the page that answers: its
 * one-time confirmation, or its error summary (which fails the step with what it says). Forms
 * with files are sent by the upload script, which writes the answer into the page in place.
 */
async function submit(page: Page, action: string, button?: Locator): Promise<void> {
  await press(page, button ?? form(page, action).locator('button[type=submit]').first());
  const answer = page.locator('main:not([data-left]) .flash, main:not([data-left]) .error-summary').first();
  await answer.waitFor();
  if ((await answer.getAttribute('class'))?.includes('error-summary')) {
    throw new Error(`${action} was refused: ${squash(await page.locator('main').innerText()).slice(0, 1500)}`);
  }
}

/** Fills a form's fields by name, as typed. */
async function fill(page: Page, action: string, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) await form(page, action).locator(`[name="${name}"]`).fill(value);
}

/** The value a form field shows (an input's value attribute or a text area's text). */
async function fieldValue(page: Page, action: string, name: string): Promise<string> {
  return form(page, action).locator(`[name="${name}"]`).inputValue();
}

/** Signs in with the login form (once: each person's browser keeps its session for the later steps). */
async function signIn(person: Person, account: { email: string; password: string }): Promise<void> {
  await person.page.goto('/login');
  await fill(person.page, '/login', { email: account.email, password: account.password });
  await form(person.page, '/login').locator('button[type=submit]').click();
  await person.page.waitForURL('**/my');
}

/** Registers through the form, confirms the address from the sent e-mail's link, and signs in. */
async function register(person: Person, name: string, account: { email: string; password: string }): Promise<void> {
  const { page } = person;
  await page.goto('/register');
  await fill(page, '/register', { name, email: account.email, password: account.password, passwordRepeat: account.password });
  await press(page, form(page, '/register').locator('button[type=submit]'));
  await expectNothingRan(page, person.probes, 'the registration answer');
  const email = await database.db.selectFrom('outbox_emails').select(['id', 'text_body']).where('to_address', '=', account.email).orderBy('id', 'desc').executeTakeFirstOrThrow();
  const link = new RegExp(`${server.baseUrl}/verify-email\\?token=[A-Za-z0-9_-]+`).exec(email.text_body)?.[0];
  expect(link, email.text_body).toBeDefined();
  await page.goto(link!);
  await press(page, form(page, '/verify-email').locator('button[type=submit]'));
  await signIn(person, account);
}

async function userId(email: string): Promise<number> {
  return (await database.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

describe('hostile text typed into the forms, read in the browser', () => {
  it('names at registration and in the account are text for everyone who sees them, and stored as typed', async () => {
    await withServerOutput(server, async () => {
      const { customer: c, applicant: a, admin } = people;
      await Promise.all([register(c, hostile.registeredName, customer), register(a, hostile.applicantName, applicant), signIn(admin, demo.admin)]);
      state.customerId = await userId(customer.email);
      state.applicantId = await userId(applicant.email);

      // The account form shows the name back in its field, whole; the customer renames themselves.
      await visit(c, '/account', []);
      expect(await fieldValue(c.page, '/account/profile', 'name')).toBe(hostile.registeredName);
      await fill(c.page, '/account/profile', { name: hostile.accountName });
      await submit(c.page, '/account/profile');
      await expectNothingRan(c.page, c.probes, 'the saved account');
      expect(await fieldValue(c.page, '/account/profile', 'name')).toBe(hostile.accountName);
      await visit(c, '/my', []);

      // The admin finds both by name, in the list and on the user's page.
      await visit(admin, `/admin/users?q=${encodeURIComponent('«konto»')}`, [hostile.accountName]);
      expect(await admin.page.locator('main form[role=search] input[name=q]').inputValue()).toBe('«konto»');
      await visit(admin, `/admin/users/${state.customerId}`, [hostile.accountName]);
      await visit(admin, `/admin/users?q=${encodeURIComponent(hostile.applicantName)}`, [hostile.applicantName]);
      expect(await admin.page.locator('main form[role=search] input[name=q]').inputValue()).toBe(hostile.applicantName);

      const stored = await database.db.selectFrom('users').select(['email', 'name']).where('id', 'in', [state.customerId, state.applicantId]).orderBy('email').execute();
      expect(stored).toEqual([
        { email: customer.email, name: hostile.accountName },
        { email: applicant.email, name: hostile.applicantName },
      ].sort((x, y) => x.email.localeCompare(y.email)));
    });
  }, 90_000);

  it('an expert application, the moderator’s note and the answer are text on both sides, and on the public profile once approved', async () => {
    await withServerOutput(server, async () => {
      const { applicant: a, moderator: m, visitor: v } = people;
      await signIn(m, demo.moderator);

      await a.page.goto('/become-expert');
      await fill(a.page, '/become-expert', {
        fullName: hostile.expertName,
        personalIdCode: validIdCodes[0],
        qualifications: hostile.qualifications,
        bio: hostile.bio,
        note: hostile.applicationNote,
      });
      await form(a.page, '/become-expert').locator(`input[name=fieldIds][value="${state.fieldId}"]`).check();
      await form(a.page, '/become-expert').locator('input[name=priceLevel][value="2"]').check();
      await submit(a.page, '/become-expert');
      await expectNothingRan(a.page, a.probes, 'the submitted application');
      const application = await database.db
        .selectFrom('expert_applications')
        .select(['id', 'full_name', 'qualifications', 'bio', 'applicant_note'])
        .where('user_id', '=', state.applicantId)
        .executeTakeFirstOrThrow();
      state.applicationId = application.id;
      expect(application).toEqual({ id: application.id, full_name: hostile.expertName, qualifications: hostile.qualifications, bio: hostile.bio, applicant_note: hostile.applicationNote });

      // The moderator: the queue and the review; asks for more with a note of their own.
      const review = `/admin/expert-applications/${state.applicationId}`;
      await visit(m, '/admin/expert-applications', [hostile.expertName]);
      await visit(m, review, [hostile.expertName, hostile.qualifications, hostile.bio, hostile.applicationNote]);
      expect(squash(await m.page.title())).toContain(squash(hostile.expertName));
      await m.page.locator(`main form[action="/admin/expert-applications/${state.applicationId}/decision"] textarea[name=note]`).fill(hostile.reviewNote);
      await submit(m.page, review, m.page.locator('main button[name=event][value=askForInfo]'));
      await expectNothingRan(m.page, m.probes, 'the review after asking for more');
      expect((await database.db.selectFrom('expert_applications').select('review_note').where('id', '=', state.applicationId).executeTakeFirstOrThrow()).review_note).toBe(hostile.reviewNote);

      // The applicant: the note, and the form again with everything as it was typed; answers.
      const resubmit = `/become-expert/${state.applicationId}/resubmit`;
      await visit(a, '/become-expert', [hostile.reviewNote]);
      expect(await fieldValue(a.page, resubmit, 'fullName')).toBe(hostile.expertName);
      expect(await fieldValue(a.page, resubmit, 'qualifications')).toBe(hostile.qualifications);
      expect(await fieldValue(a.page, resubmit, 'bio')).toBe(hostile.bio);
      await fill(a.page, resubmit, { note: hostile.applicationAnswer });
      await submit(a.page, resubmit);
      await expectNothingRan(a.page, a.probes, 'the resubmitted application');

      // The moderator sees the answer and approves.
      await visit(m, review, [hostile.applicationAnswer, hostile.expertName]);
      await submit(m.page, review, form(m.page, `/admin/expert-applications/${state.applicationId}/decision`).locator('input[name=event][value=approve] ~ button'));
      await expectNothingRan(m.page, m.probes, 'the approved application');

      // Anyone: the directory of the field and the public profile.
      await visit(v, `/experts?field=${state.fieldId}`, [hostile.expertName]);
      await visit(v, `/experts?q=${encodeURIComponent('«ekspert»')}`, [hostile.expertName]);
      await visit(v, `/experts/${state.applicantId}`, [hostile.expertName, hostile.qualifications, hostile.bio]);
      expect(squash(await v.page.locator('main h1').innerText())).toBe(squash(hostile.expertName));

      // The expert edits the profile: the form shows the texts whole; the new one is public.
      const edit = `/experts/${state.applicantId}/edit`;
      await visit(a, edit, []);
      expect(await fieldValue(a.page, edit, 'qualifications')).toBe(hostile.qualifications);
      expect(await fieldValue(a.page, edit, 'bio')).toBe(hostile.bio);
      await fill(a.page, edit, { bio: hostile.newBio });
      await submit(a.page, edit);
      await expectNothingRan(a.page, a.probes, 'the saved profile');
      await visit(v, `/experts/${state.applicantId}`, [hostile.expertName, hostile.newBio]);

      const profile = await database.db.selectFrom('expert_profiles').select(['display_name', 'qualifications', 'bio']).where('user_id', '=', state.applicantId).executeTakeFirstOrThrow();
      expect(profile).toEqual({ display_name: hostile.expertName, qualifications: hostile.qualifications, bio: hostile.newBio });
    });
  }, 90_000);

  it('an inquiry, its file, a question and its answer, a refusal, a mailbox message and an offer are text for every reader', async () => {
    await withServerOutput(server, async () => {
      const { customer: c, applicant: expert, lawyer, moderator: m } = people;
      await signIn(lawyer, demo.lawyer);

      // The customer asks the new expert and the demo lawyer, with a file.
      const newInquiry = `/inquiries/new?kind=consultation&field=${state.fieldId}`;
      await visit(c, newInquiry, [hostile.expertName]);
      const inquiryForm = form(c.page, '/inquiries');
      await inquiryForm.locator(`input[name=expertIds][value="${state.applicantId}"]`).check();
      await inquiryForm.locator(`input[name=expertIds][value="${await userId(demo.lawyer.email)}"]`).check();
      const file = { name: hostile.inquiryFile, mimeType: 'application/pdf', buffer: samplePdf('Paring') };
      // A deadline in the past first: the refusal (written into the page by the upload script)
      // shows every text back in its field, whole.
      await fill(c.page, '/inquiries', { title: hostile.title, description: hostile.description, deadline: dayFromToday(-1) });
      await inquiryForm.locator('input[name=files]').setInputFiles(file);
      await expect(submit(c.page, '/inquiries')).rejects.toThrow(/was refused/);
      await expectNothingRan(c.page, c.probes, 'the refused inquiry');
      expect(await fieldValue(c.page, '/inquiries', 'title')).toBe(hostile.title);
      expect(await fieldValue(c.page, '/inquiries', 'description')).toBe(hostile.description);
      await fill(c.page, '/inquiries', { deadline: dayFromToday(10) });
      await inquiryForm.locator('input[name=files]').setInputFiles(file);
      await submit(c.page, '/inquiries');
      await expectNothingRan(c.page, c.probes, 'the sent inquiry');
      state.inquiryId = Number(/\/inquiries\/(\d+)/.exec(c.page.url())?.[1]);
      expect(state.inquiryId, c.page.url()).toBeGreaterThan(0);
      const inquiryPath = `/inquiries/${state.inquiryId}`;
      const shownFile = safeFileName(hostile.inquiryFile, 'application/pdf');
      await visit(c, inquiryPath, [hostile.title, hostile.description, shownFile, hostile.expertName]);
      expect(squash(await c.page.title())).toContain(squash(hostile.title));

      // The expert: My menu, the list, the inquiry; asks a question.
      await visit(expert, '/my', [hostile.title]);
      await visit(expert, '/e-consultations', [hostile.title]);
      await visit(expert, inquiryPath, [hostile.title, hostile.description, shownFile]);
      await fill(expert.page, `${inquiryPath}/questions`, { body: hostile.question });
      await submit(expert.page, `${inquiryPath}/questions`);
      await expectNothingRan(expert.page, expert.probes, 'the asked question');

      // The lawyer declines, with a note.
      await visit(lawyer, inquiryPath, [hostile.title, hostile.description]);
      await form(lawyer.page, `${inquiryPath}/decline`).locator('input[name=reason][value=other]').check();
      await fill(lawyer.page, `${inquiryPath}/decline`, { declineNote: hostile.declineNote });
      await submit(lawyer.page, `${inquiryPath}/decline`);
      await expectNothingRan(lawyer.page, lawyer.probes, 'the refusal');

      // The customer reads both and answers the question.
      await visit(c, inquiryPath, [hostile.question, hostile.declineNote, hostile.expertName]);
      const answerForm = c.page.locator(`main form[action^="${inquiryPath}/answers/"]`);
      const answerAction = (await answerForm.getAttribute('action'))!;
      await fill(c.page, answerAction, { body: hostile.answer });
      await submit(c.page, answerAction);
      await expectNothingRan(c.page, c.probes, 'the sent answer');

      // The same thread in the mailbox: the customer writes there too.
      await visit(c, '/mailbox', [hostile.title]);
      const conversation = (await c.page.locator('main a[href^="/mailbox/conversations/"]').filter({ hasText: '«pealkiri»' }).first().getAttribute('href'))!;
      await visit(c, conversation, [hostile.title, hostile.question, hostile.answer]);
      await fill(c.page, conversation, { body: hostile.mailboxMessage });
      await submit(c.page, conversation);
      await expectNothingRan(c.page, c.probes, 'the sent mailbox message');

      // The expert reads the thread in the mailbox and on the inquiry, and offers.
      await visit(expert, '/mailbox', [hostile.title]);
      await visit(expert, conversation, [hostile.title, hostile.question, hostile.answer, hostile.mailboxMessage]);
      await visit(expert, inquiryPath, [hostile.answer, hostile.mailboxMessage]);
      await fill(expert.page, `${inquiryPath}/offer`, { price: '120', deliveryDate: dayFromToday(14), validUntil: dayFromToday(9), note: hostile.offerNote });
      await submit(expert.page, `${inquiryPath}/offer`);
      await expectNothingRan(expert.page, expert.probes, 'the sent offer');
      await visit(expert, inquiryPath, [hostile.offerNote]);

      // The customer compares the offer; the moderator sees everything.
      await visit(c, inquiryPath, [hostile.offerNote, hostile.expertName]);
      await visit(m, inquiryPath, [hostile.title, hostile.description, hostile.offerNote, hostile.declineNote, hostile.expertName]);

      const inquiry = await database.db.selectFrom('inquiries').select(['title', 'description']).where('id', '=', state.inquiryId).executeTakeFirstOrThrow();
      expect(inquiry).toEqual({ title: hostile.title, description: hostile.description });
      const files = await database.db
        .selectFrom('inquiry_files')
        .innerJoin('files', 'files.id', 'inquiry_files.file_id')
        .select('files.original_name')
        .where('inquiry_files.inquiry_id', '=', state.inquiryId)
        .execute();
      expect(files).toEqual([{ original_name: shownFile }]);
      const conversationId = Number(conversation.split('/').pop());
      const messages = await database.db.selectFrom('messages').select('body').where('conversation_id', '=', conversationId).orderBy('id').execute();
      expect(messages.map((message) => message.body)).toEqual([hostile.question, hostile.answer, hostile.mailboxMessage]);
      expect((await database.db.selectFrom('conversations').select('subject').where('id', '=', conversationId).executeTakeFirstOrThrow()).subject).toBe(hostile.title);
      const invitations = await database.db.selectFrom('invitations').select(['expert_id', 'decline_note']).where('inquiry_id', '=', state.inquiryId).orderBy('expert_id').execute();
      expect(invitations.find((i) => i.expert_id !== state.applicantId)?.decline_note).toBe(hostile.declineNote);
      const offer = await database.db.selectFrom('offers').select('note').where('inquiry_id', '=', state.inquiryId).executeTakeFirstOrThrow();
      expect(offer.note).toBe(hostile.offerNote);
    });
  }, 120_000);

  it('an order’s messages, deliveries, files, request for changes, rating and reply are text on the order, in the mailbox and on the profile', async () => {
    await withServerOutput(server, async () => {
      const { customer: c, applicant: expert, moderator: m, visitor: v } = people;
      const inquiryPath = `/inquiries/${state.inquiryId}`;

      // The customer orders the offer and pays in the sandbox (whose page names the order).
      await c.page.goto(inquiryPath);
      await c.page.locator(`main form[action="${inquiryPath}/order"] button[type=submit]`).click();
      await c.page.waitForURL(/\/sandbox\/pay\//);
      await expectNothingRan(c.page, c.probes, 'the sandbox payment page');
      await c.page.locator('main button[name=action][value=pay]').click();
      await c.page.waitForURL(/\/orders\/\d+$/);
      state.orderId = Number(/\/orders\/(\d+)$/.exec(c.page.url())?.[1]);
      const orderPath = `/orders/${state.orderId}`;
      await visit(c, orderPath, [hostile.title, hostile.offerNote, hostile.expertName]);

      // The expert: the customer's name on the contact card; a message, a delivery with a file, done.
      await visit(expert, orderPath, [hostile.title, hostile.accountName]);
      await fill(expert.page, `${orderPath}/messages`, { body: hostile.orderMessage });
      await submit(expert.page, `${orderPath}/messages`);
      await expectNothingRan(expert.page, expert.probes, 'the sent order message');
      await fill(expert.page, `${orderPath}/deliveries`, { body: hostile.delivery });
      await form(expert.page, `${orderPath}/deliveries`).locator('input[name=files]').setInputFiles({ name: hostile.deliveryFile, mimeType: 'application/pdf', buffer: samplePdf('Too') });
      await submit(expert.page, `${orderPath}/deliveries`);
      await expectNothingRan(expert.page, expert.probes, 'the saved delivery (written in place by the upload script)');
      const shownFile = safeFileName(hostile.deliveryFile, 'application/pdf');
      await visit(expert, orderPath, [hostile.delivery, shownFile, hostile.orderMessage]);
      await submit(expert.page, `${orderPath}/done`);

      // The customer reads it, downloads the file under its safe name, and asks for changes.
      await visit(c, orderPath, [hostile.orderMessage, hostile.delivery, shownFile]);
      const [download] = await Promise.all([c.page.waitForEvent('download'), c.page.locator('main a').filter({ hasText: '«töö fail»' }).first().click()]);
      expect(download.suggestedFilename()).toBe(shownFile);
      await expectNothingRan(c.page, c.probes, 'the order page after the download');
      await fill(c.page, `${orderPath}/changes`, { message: hostile.changes });
      await submit(c.page, `${orderPath}/changes`);
      await expectNothingRan(c.page, c.probes, 'the requested changes');

      // The expert: the request in the thread; another delivery, done again.
      await visit(expert, orderPath, [hostile.changes]);
      await fill(expert.page, `${orderPath}/deliveries`, { body: 'Parandatud versioon.' });
      await submit(expert.page, `${orderPath}/deliveries`);
      await submit(expert.page, `${orderPath}/done`);

      // The customer accepts and rates; the expert replies.
      await c.page.goto(orderPath);
      await submit(c.page, `${orderPath}/accept`);
      await form(c.page, `${orderPath}/rating`).locator('input[name=stars][value="4"]').check();
      await fill(c.page, `${orderPath}/rating`, { comment: hostile.comment });
      await submit(c.page, `${orderPath}/rating`);
      await expectNothingRan(c.page, c.probes, 'the saved rating');
      await visit(expert, orderPath, [hostile.comment]);
      await fill(expert.page, `${orderPath}/reply`, { reply: hostile.reply });
      await submit(expert.page, `${orderPath}/reply`);
      await expectNothingRan(expert.page, expert.probes, 'the published reply');

      // Anyone: the rating and the reply on the public profile, without the customer's name.
      await visit(v, `/experts/${state.applicantId}`, [hostile.comment, hostile.reply]);
      expect(await v.page.locator('body').innerText()).not.toContain('«konto»');
      // The notices about it all, in both mailboxes; the staff's order list.
      await visit(expert, '/mailbox', [hostile.title]);
      await visit(expert, (await expert.page.locator('main a[href^="/mailbox/notices/"]').filter({ hasText: '«pealkiri»' }).first().getAttribute('href'))!, [hostile.title]);
      await visit(c, '/mailbox', [hostile.title]);
      await visit(c, '/orders', [hostile.title]);
      await visit(m, '/admin/orders', [hostile.title]);
      await visit(m, orderPath, [hostile.title, hostile.delivery, hostile.comment, hostile.reply]);

      const thread = await database.db
        .selectFrom('messages')
        .select('body')
        .where('conversation_id', '=', (await database.db.selectFrom('invitations').select('conversation_id').where('inquiry_id', '=', state.inquiryId).where('expert_id', '=', state.applicantId).executeTakeFirstOrThrow()).conversation_id!)
        .orderBy('id')
        .execute();
      expect(thread.map((message) => message.body)).toEqual(expect.arrayContaining([hostile.orderMessage, hostile.changes]));
      const deliveries = await database.db.selectFrom('deliveries').select('body').where('order_id', '=', state.orderId).orderBy('id').execute();
      expect(deliveries.map((delivery) => delivery.body)).toEqual([hostile.delivery, 'Parandatud versioon.']);
      const deliveredFiles = await database.db
        .selectFrom('delivery_files')
        .innerJoin('deliveries', 'deliveries.id', 'delivery_files.delivery_id')
        .innerJoin('files', 'files.id', 'delivery_files.file_id')
        .select('files.original_name')
        .where('deliveries.order_id', '=', state.orderId)
        .execute();
      expect(deliveredFiles).toEqual([{ original_name: shownFile }]);
      const review = await database.db.selectFrom('reviews').select(['stars', 'comment', 'reply']).where('order_id', '=', state.orderId).executeTakeFirstOrThrow();
      expect(review).toEqual({ stars: 4, comment: hostile.comment, reply: hostile.reply });
    });
  }, 120_000);

  it('a general inquiry refused by the moderator and a user blocked by the admin: the notes are text for whoever reads them', async () => {
    await withServerOutput(server, async () => {
      const { customer: c, moderator: m, admin } = people;

      // A general inquiry, for the moderator to pick a field for.
      await c.page.goto('/inquiries/new?kind=consultation');
      await fill(c.page, '/inquiries', { title: hostile.generalTitle, description: hostile.generalDescription, deadline: dayFromToday(10) });
      await submit(c.page, '/inquiries');
      await expectNothingRan(c.page, c.probes, 'the sent general inquiry');
      state.generalInquiryId = Number(/\/inquiries\/(\d+)/.exec(c.page.url())?.[1]);
      const inquiryPath = `/inquiries/${state.generalInquiryId}`;

      // The moderator: the triage queue, the inquiry; refuses it with a message.
      await visit(m, '/admin/triage', [hostile.generalTitle]);
      await visit(m, inquiryPath, [hostile.generalTitle, hostile.generalDescription]);
      await fill(m.page, `/admin/triage/${state.generalInquiryId}/reject`, { message: hostile.rejection });
      await submit(m.page, `/admin/triage/${state.generalInquiryId}/reject`);
      await expectNothingRan(m.page, m.probes, 'the refused inquiry');
      await visit(c, inquiryPath, [hostile.generalTitle, hostile.rejection]);
      await visit(c, '/inquiries', [hostile.generalTitle, hostile.title]);

      // The admin blocks a user with a reason: on the user's page and in the audit log.
      state.blockedId = await userId(demo.applicantToBlock);
      const userPath = `/admin/users/${state.blockedId}`;
      await admin.page.goto(userPath);
      await fill(admin.page, `${userPath}/block`, { reason: hostile.blockReason });
      await submit(admin.page, `${userPath}/block`);
      await expectNothingRan(admin.page, admin.probes, 'the blocked user’s page');
      await visit(admin, userPath, [hostile.blockReason]);
      await visit(admin, '/admin/audit', [hostile.blockReason]);
      await visit(admin, '/admin', []);

      const general = await database.db.selectFrom('inquiries').select(['title', 'description', 'triage_note', 'status']).where('id', '=', state.generalInquiryId).executeTakeFirstOrThrow();
      expect(general).toEqual({ title: hostile.generalTitle, description: hostile.generalDescription, triage_note: hostile.rejection, status: 'rejected' });
      // The customer's own data, downloaded: every text as typed.
      await visit(c, '/account', []);
      const [exported] = await Promise.all([c.page.waitForEvent('download'), c.page.locator('main a[href="/account/data.json"]').first().click()]);
      const data = JSON.stringify(JSON.parse(await readFile((await exported.path())!, 'utf8')));
      for (const text of [hostile.accountName, hostile.title, hostile.description, hostile.answer, hostile.mailboxMessage, hostile.comment, hostile.generalTitle]) {
        expect(data, `the data export holds "${text.slice(0, 40)}…"`).toContain(JSON.stringify(text).slice(1, -1));
      }

      // Nothing typed reached the database as SQL: every demo account and the two newcomers are there.
      const accounts = await database.db.selectFrom('users').select('email').execute();
      expect(accounts.length).toBe(demoAccounts.length + 2);
    });
  }, 90_000);

  it('the e-mails that carry the hostile text show it as text in the sent-e-mail preview, and their HTML runs nothing even opened alone', async () => {
    await withServerOutput(server, async () => {
      const { admin } = people;
      const stored = await database.db.selectFrom('outbox_emails').select(['id', 'to_address', 'to_name', 'subject', 'text_body', 'html_body']).orderBy('id').execute();
      // One e-mail of each kind whose text came from a form, and what it must carry as typed.
      const expected = [
        { to: customer.email, texts: [hostile.registeredName], why: 'the address confirmation greets the registered name' },
        { to: demo.moderator.email, texts: [hostile.expertName], why: 'the moderator is told of the application by the applicant’s name' },
        { to: applicant.email, texts: [hostile.reviewNote], why: 'the applicant gets the moderator’s note' },
        { to: applicant.email, texts: [hostile.title, hostile.applicantName], why: 'the expert is told of the inquiry by its title' },
        { to: customer.email, texts: [hostile.title, hostile.expertName, hostile.accountName], why: 'the customer is told of the offer and who made it' },
        { to: applicant.email, texts: [hostile.title, hostile.changes], why: 'the expert gets the request for changes' },
        { to: customer.email, texts: [hostile.generalTitle, hostile.rejection], why: 'the customer gets the moderator’s reason' },
      ];
      await visit(admin, '/sent-emails', [hostile.generalTitle]);
      for (const { to, texts, why } of expected) {
        const email = stored.find((row) => row.to_address === to && texts.every((text) => row.subject.includes(text) || row.text_body.includes(text) || row.to_name === text));
        expect(email, `an e-mail to ${to}: ${why}`).toBeDefined();
        const preview = `/sent-emails/${email!.id}`;
        await visit(admin, preview, [email!.subject, email!.to_name ?? '', ...texts]);
        expect(squash(await admin.page.getByTestId('email-text').innerText())).toBe(squash(email!.text_body));
        // The HTML version, in its frame on the preview (checked above) and opened on its own.
        await visit(admin, `${preview}/html`, texts.filter((text) => email!.text_body.includes(text)), 'body');
      }
    });
  }, 90_000);

  it('markup, script addresses and other origins in the address bar are text too, and never a place to go', async () => {
    await withServerOutput(server, async () => {
      const { context, page } = await openPage(browser, server.baseUrl);
      contexts.push(context);
      const person: Person = { page, probes: await watch(context, server.baseUrl) };

      // The search box and the language switch's return address both echo the address.
      const search = `/experts?q=${encodeURIComponent(vectors.autofocus)}&page=${encodeURIComponent(vectors.script)}`;
      await visit(person, search, []);
      expect(await page.locator('main input[name=q]').inputValue()).toBe(vectors.autofocus.trim());
      await page.locator('header form[action="/language"] button[type=submit]').click();
      await page.waitForURL((url) => url.pathname === '/experts');
      await expectNothingRan(page, person.probes, 'the directory after switching the language');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');

      // A page that does not exist, named with markup.
      const missing = await page.goto(`/experts/${encodeURIComponent(vectors.img)}`);
      expect(missing?.status()).toBe(404);
      await expectNothingRan(page, person.probes, 'the not-found page');

      // Where to go after signing in: a script address and another origin both lead to My menu.
      await page.goto(`/login?next=${encodeURIComponent(vectors.javascriptUrl)}`);
      await expectNothingRan(page, person.probes, 'the sign-in page with a script address to go to');
      await fill(page, '/login', { email: demoAccounts[0]!.email, password: demoPassword });
      await form(page, '/login').locator('button[type=submit]').click();
      await page.waitForURL('**/my');
      await expectNothingRan(page, person.probes, 'My menu after signing in');
      await page.goto(`/login?next=${encodeURIComponent('//attacker.invalid/x')}`);
      expect(new URL(page.url()).pathname).toBe('/my');
      await expectNothingRan(page, person.probes, 'My menu instead of another origin');
    });
  }, 60_000);

  it('the probes notice hostile text that does become markup, so a clean page means something', async () => {
    const { context, page } = await openPage(browser, server.baseUrl);
    contexts.push(context);
    const probes = await watch(context, server.baseUrl);
    const text = hostileText('«kontroll»');
    await page.goto('/experts');
    // What a page that forgot to escape would do with the text.
    await page.locator('main').evaluate((main, html) => main.insertAdjacentHTML('beforeend', `<p>${html}</p>`), text);
    await expect(expectNothingRan(page, probes, 'a page that parses the text')).rejects.toThrow(/hostile markup became elements|event handler|CSP violations/);
    await expect(expectShownLiterally(page, [text], 'a page that parses the text')).rejects.toThrow(/as text/);
    // The style and the frame asked the attacker's host; the CSP refused the inline handlers and style.
    await expect.poll(() => probes.consoleViolations.length + probes.offOrigin.length).toBeGreaterThan(0);
  });
});
