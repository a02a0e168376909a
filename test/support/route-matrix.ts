import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { sql } from 'kysely';
import { isSandboxProvider } from '../../src/adapters/payments/sandbox.js';
import { listDocumentTypes } from '../../src/db/repositories/document-type-repository.js';
import { updateUser } from '../../src/db/repositories/user-repository.js';
import type { UserRow } from '../../src/db/schema.js';
import { requestEmailChange } from '../../src/use-cases/account-settings.js';
import { reviewApplication, submitApplication, withdrawApplication } from '../../src/use-cases/expert-applications.js';
import { saveProfile } from '../../src/use-cases/expert-profiles.js';
import { acceptWork, addDelivery, markDone, openDispute, postOrderMessage, rateOrder } from '../../src/use-cases/fulfilment.js';
import { askQuestion } from '../../src/use-cases/inquiry-questions.js';
import { createInquiry, type InquiryInput } from '../../src/use-cases/inquiries.js';
import { orderOffer } from '../../src/use-cases/orders.js';
import { requestPasswordReset } from '../../src/use-cases/password-reset.js';
import { registerUser } from '../../src/use-cases/register-user.js';
import type { UploadedPart } from '../../src/use-cases/uploads.js';
import type { Browser } from './browser.js';
import { lastEmailTo, linkIn } from './emails.js';
import { createExpert, createField, validIdCodes } from './experts.js';
import { createUser, defaultPassword, loginAs } from './factories.js';
import { actorOf, dayFromNow, makeOfferAs } from './inquiries.js';
import { samplePdf, samplePng } from './multipart.js';
import { tableNames } from './privacy.js';
import type { TestApp } from './test-app.js';

/**
 * The world of the route authorisation matrix (test/integration/route-authorization.test.ts):
 * the eight kinds of visitor, and every object a route acts on in each state that matters, built
 * through the use cases (as people would make them) so that ids, files and threads are real.
 * Scenes are built on demand: the matrix builds all of them once for the cells that read or are
 * refused, and only the scene a cell needs for each allowed write on a fresh database.
 */

// ---- who ----

/**
 * The kinds of visitor. `invited` is invited to every inquiry but never wins (in the open
 * inquiry they asked a question and made no offer; in ordered ones they lost); `winner` is
 * invited too, offered in the open inquiry, and won every order.
 */
export const actors = ['anonymous', 'owner', 'other', 'invited', 'uninvited', 'winner', 'moderator', 'admin'] as const;
export type Actor = (typeof actors)[number];
export type Person = Exclude<Actor, 'anonymous'>;

export const actorLabels: Record<Actor, string> = {
  anonymous: 'anonymous',
  owner: 'owner customer',
  other: 'other customer',
  invited: 'invited expert',
  uninvited: 'uninvited expert',
  winner: 'winning expert',
  moderator: 'moderator',
  admin: 'admin',
};

export type Member = UserRow & { password: string };

// ---- what ----

export const orderStages = ['awaiting', 'inProgress', 'delivered', 'accepted', 'disputed'] as const;
export type OrderStage = (typeof orderStages)[number];

/**
 * The parts of the world beyond the people (who always exist, with the field and a spare field):
 * the winning expert's photo; the general inquiry in triage; the open inquiry; one order (with
 * its own inquiry) per stage; expert applications; single-use links; accounts for staff to act on.
 */
export type Scene = 'photo' | 'triage' | 'open' | OrderStage | 'applications' | 'tokens' | 'accounts';
export const scenes: readonly Scene[] = ['photo', 'triage', 'open', ...orderStages, 'applications', 'tokens', 'accounts'];

export type OrderScene = {
  inquiryId: number;
  title: string;
  orderId: number;
  winnerOfferId: number;
  winnerInvitationId: number;
  /** The sandbox payment page of the order (`/sandbox/pay/<ref>`). */
  paymentPage: string;
  /** Where the sandbox sent the payer back (paid stages). */
  returnUrl?: string;
  /** A file the winner delivered (in progress and later, except disputed). */
  deliveryFileId?: number;
  deliveryFile?: Buffer;
  /** The order's thread (the winner wrote in it with a file; in progress only). */
  threadId?: number;
  threadText?: string;
  threadFileId?: number;
  threadFile?: Buffer;
};

export type World = {
  people: Record<Person, Member>;
  fieldId: number;
  /** A field no one serves (an admin may change, move or delete it). */
  spareFieldId: number;
  documentTypeId: number;
  winnerPhoto?: Buffer;
  triage?: { inquiryId: number; title: string; fileId: number };
  open?: {
    inquiryId: number;
    title: string;
    fileId: number;
    file: Buffer;
    /** The invited expert's invitation, their question thread and the file they attached to the question. */
    invitationId: number;
    conversationId: number;
    question: string;
    questionFileId: number;
    questionFile: Buffer;
    /** The winning expert's offer (and the note on it, which only the customer, that expert and staff may read). */
    winnerOfferId: number;
    offerNote: string;
    /** The owner's notice of the winner's offer. */
    noticeId: number;
  };
  orders: Partial<Record<OrderStage, OrderScene>>;
  applications?: {
    /** Someone else's application waiting for a reviewer. */
    submittedId: number;
    applicantName: string;
    /** The owner's: an earlier one they withdrew, and an open one a reviewer asked more of (with a photo). */
    withdrawnId: number;
    needsInfoId: number;
    photo: Buffer;
  };
  tokens?: { verifyLink: string; unverifiedEmail: string; resetLink: string; resetEmail: string; resetEmailId: number; emailChangeLink: string; newEmail: string };
  accounts?: { customerId: number; customerEmail: string; blockedId: number; staffId: number };
};

/** An upload as the HTTP layer hands it to a use case: the bytes in a temporary file of the store. */
async function upload(t: TestApp, fieldName: string, fileName: string, content: Buffer): Promise<UploadedPart> {
  const tempPath = await t.deps.fileStore.tempPath();
  await fs.writeFile(tempPath, content);
  return { fieldName, fileName, tempPath, sizeBytes: content.length, sha256: createHash('sha256').update(content).digest('hex'), isTruncated: false };
}

function inquiryInput(t: TestApp, fields: { fieldId?: number; expertIds?: number[]; title: string }): InquiryInput {
  return {
    kind: 'consultation',
    fieldId: fields.fieldId,
    expertIds: fields.expertIds ?? [],
    title: fields.title,
    description: `${fields.title}: kirjeldus, mida näevad vaid asjaosalised.`,
    documentTypeId: undefined,
    purpose: '',
    deadline: dayFromNow(t, 7),
    wishedBy: null,
    language: 'et',
  };
}

async function offerIdOf(t: TestApp, inquiryId: number, expertId: number): Promise<number> {
  return (await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).where('expert_id', '=', expertId).executeTakeFirstOrThrow()).id;
}

async function invitationOf(t: TestApp, inquiryId: number, expertId: number) {
  return t.deps.db.selectFrom('invitations').select(['id', 'conversation_id']).where('inquiry_id', '=', inquiryId).where('expert_id', '=', expertId).executeTakeFirstOrThrow();
}

async function buildPeople(t: TestApp): Promise<Pick<World, 'people' | 'fieldId' | 'spareFieldId' | 'documentTypeId'>> {
  const field = await createField(t, { nameEt: 'Üürivaidlused', nameEn: 'Tenancy' });
  const spare = await createField(t, { nameEt: 'Varuvaldkond', nameEn: 'Spare field' });
  // At once: each person is a password hash and a few inserts of their own (a fresh world is built for every allowed write).
  const [owner, other, invited, uninvited, winner, moderator, admin] = await Promise.all([
    createUser(t, { name: 'Olev Omanik' }),
    createUser(t, { name: 'Tiina Teine' }),
    createExpert(t, { name: 'Kaarel Kutsutud', fieldIds: [field.id] }),
    createExpert(t, { name: 'Urmas Kutsumata', fieldIds: [field.id] }),
    createExpert(t, { name: 'Villu Võitja', fieldIds: [field.id] }),
    createUser(t, { name: 'Mari Moderaator', roles: ['moderator'] }),
    createUser(t, { name: 'Aadu Admin', roles: ['admin'] }),
  ]);
  const people: Record<Person, Member> = { owner, other, invited, uninvited, winner, moderator, admin };
  const documentTypeId = (await listDocumentTypes(t.deps.db, { includeInactive: true }))[0]!.id;
  return { people, fieldId: field.id, spareFieldId: spare.id, documentTypeId };
}

async function buildPhoto(t: TestApp, w: World): Promise<void> {
  const photo = samplePng();
  const profile = { qualifications: 'Magistrikraad.', bio: 'Villu Võitja aitab teid.', languages: ['et'], fieldIds: [w.fieldId], priceLevel: 2, removePhoto: false };
  await saveProfile(t.deps, await actorOf(t, w.people.winner), w.people.winner.id, profile, [await upload(t, 'photo', 'villu.png', photo)]);
  w.winnerPhoto = photo;
}

async function buildTriage(t: TestApp, w: World): Promise<void> {
  const title = 'Naaber ehitab piirile';
  const inquiryId = await createInquiry(t.deps, await actorOf(t, w.people.owner), inquiryInput(t, { title }), [await upload(t, 'files', 'piir.pdf', samplePdf('Piir'))]);
  const file = await t.deps.db.selectFrom('inquiry_files').select('file_id').where('inquiry_id', '=', inquiryId).executeTakeFirstOrThrow();
  w.triage = { inquiryId, title, fileId: file.file_id };
}

async function buildOpen(t: TestApp, w: World): Promise<void> {
  const { owner, invited, winner } = w.people;
  const title = 'Üürileandja ei tagasta tagatisraha';
  const file = samplePdf('Leping');
  const inquiryId = await createInquiry(t.deps, await actorOf(t, owner), inquiryInput(t, { fieldId: w.fieldId, expertIds: [invited.id, winner.id], title }), [
    await upload(t, 'files', 'leping.pdf', file),
  ]);
  const question = 'Kas leping oli kirjalik? Tunnusmärk 7713.';
  const questionFile = samplePdf('Küsimus');
  await askQuestion(t.deps, await actorOf(t, invited), inquiryId, { body: question, uploads: [await upload(t, 'files', 'kysimus.pdf', questionFile)] });
  const offerNote = 'Hinnas sisaldub kirjalik arvamus. Tunnusmärk 3390.';
  await makeOfferAs(t, winner, inquiryId, { note: offerNote });
  const invitation = await invitationOf(t, inquiryId, invited.id);
  const inquiryFile = await t.deps.db.selectFrom('inquiry_files').select('file_id').where('inquiry_id', '=', inquiryId).executeTakeFirstOrThrow();
  const questionFileRow = await t.deps.db
    .selectFrom('message_files')
    .innerJoin('messages', 'messages.id', 'message_files.message_id')
    .select('message_files.file_id')
    .where('messages.conversation_id', '=', invitation.conversation_id!)
    .executeTakeFirstOrThrow();
  const notice = await t.deps.db
    .selectFrom('notices')
    .select('id')
    .where('user_id', '=', owner.id)
    .where('kind', '=', 'offerReceived')
    .where('link', 'like', `/inquiries/${inquiryId}%`)
    .executeTakeFirstOrThrow();
  w.open = {
    inquiryId,
    title,
    fileId: inquiryFile.file_id,
    file,
    invitationId: invitation.id,
    conversationId: invitation.conversation_id!,
    question,
    questionFileId: questionFileRow.file_id,
    questionFile,
    winnerOfferId: await offerIdOf(t, inquiryId, winner.id),
    offerNote,
    noticeId: notice.id,
  };
}

const orderTitles: Record<OrderStage, string> = {
  awaiting: 'Tellimus ootab makset: korteri üürileping',
  inProgress: 'Tellimus töös: töövaidlus',
  delivered: 'Tellimus valmis: pärandvara',
  accepted: 'Tellimus vastu võetud: naabritüli',
  disputed: 'Tellimus vaidlustatud: garantii',
};

async function buildOrder(t: TestApp, w: World, stage: OrderStage): Promise<void> {
  const { owner, invited, winner } = w.people;
  const title = orderTitles[stage];
  const inquiryId = await createInquiry(t.deps, await actorOf(t, owner), inquiryInput(t, { fieldId: w.fieldId, expertIds: [invited.id, winner.id], title }), []);
  await makeOfferAs(t, invited, inquiryId, { priceCents: 9_000 });
  await makeOfferAs(t, winner, inquiryId, { priceCents: 12_000 });
  const winnerOfferId = await offerIdOf(t, inquiryId, winner.id);
  const customer = await actorOf(t, owner);
  const expert = await actorOf(t, winner);
  const { orderId, paymentUrl } = await orderOffer(t.deps, customer, inquiryId, winnerOfferId);
  const paymentPage = new URL(paymentUrl).pathname;
  const scene: OrderScene = { inquiryId, title, orderId, winnerOfferId, winnerInvitationId: (await invitationOf(t, inquiryId, winner.id)).id, paymentPage };
  w.orders[stage] = scene;
  if (stage === 'awaiting') return;

  const provider = t.deps.payments.provider;
  if (!isSandboxProvider(provider)) throw new Error('the matrix runs with the sandbox payment provider');
  const back = new URL(await provider.complete(paymentPage.split('/').at(-1)!, 'pay'));
  scene.returnUrl = `${back.pathname}${back.search}`;
  if (stage === 'disputed') {
    await openDispute(t.deps, customer, orderId, 'Ekspert ei vasta ja tähtaeg on möödas.');
    return;
  }
  const deliveryFile = samplePdf(`Arvamus ${stage}`);
  await addDelivery(t.deps, expert, orderId, { body: 'Arvamus on lisatud.', uploads: [await upload(t, 'files', 'arvamus.pdf', deliveryFile)] });
  scene.deliveryFile = deliveryFile;
  scene.deliveryFileId = (
    await t.deps.db.selectFrom('delivery_files').innerJoin('deliveries', 'deliveries.id', 'delivery_files.delivery_id').select('file_id').where('deliveries.order_id', '=', orderId).executeTakeFirstOrThrow()
  ).file_id;
  if (stage === 'inProgress') {
    const threadFile = samplePdf('Lisa');
    scene.threadText = 'Saatsin lisa tellimuse lõimes. Tunnusmärk 5521.';
    await postOrderMessage(t.deps, expert, orderId, { body: scene.threadText, uploads: [await upload(t, 'files', 'lisa.pdf', threadFile)] });
    scene.threadFile = threadFile;
    scene.threadId = (await invitationOf(t, inquiryId, winner.id)).conversation_id!;
    scene.threadFileId = (
      await t.deps.db
        .selectFrom('message_files')
        .innerJoin('messages', 'messages.id', 'message_files.message_id')
        .select('message_files.file_id')
        .where('messages.conversation_id', '=', scene.threadId)
        .executeTakeFirstOrThrow()
    ).file_id;
    return;
  }
  await markDone(t.deps, expert, orderId);
  if (stage === 'delivered') return;
  await acceptWork(t.deps, customer, orderId);
  await rateOrder(t.deps, customer, orderId, { stars: 4, comment: 'Hea töö.' });
}

async function buildApplications(t: TestApp, w: World): Promise<void> {
  const applicantName = 'Kati Karu';
  const applicant = await createUser(t, { name: applicantName });
  const input = (name: string, idCode: string) => ({
    kind: 'person' as const,
    fullName: name,
    personalIdCode: idCode,
    organisationName: null,
    registryCode: null,
    contactPerson: null,
    qualifications: 'Tartu Ülikool, õigusteaduse magister.',
    bio: 'Aitan üürivaidlustes.',
    languages: ['et'],
    fieldIds: [w.fieldId],
    priceLevel: 2,
    note: null,
  });
  const submittedId = await submitApplication(t.deps, await actorOf(t, applicant), input(applicantName, validIdCodes[1]), []);
  const owner = await actorOf(t, w.people.owner);
  const withdrawnId = await submitApplication(t.deps, owner, input(w.people.owner.name, validIdCodes[0]), []);
  await withdrawApplication(t.deps, owner, withdrawnId);
  const photo = samplePng();
  const needsInfoId = await submitApplication(t.deps, owner, input(w.people.owner.name, validIdCodes[0]), [await upload(t, 'photo', 'olev.png', photo)]);
  await reviewApplication(t.deps, await actorOf(t, w.people.moderator), needsInfoId, { event: 'askForInfo', note: 'Palun lisage diplomi number.' });
  w.applications = { submittedId, applicantName, withdrawnId, needsInfoId, photo };
}

let tokenRound = 0;

/** Single-use links of three kinds, each to a person of its own (made anew, with new people, on every call). */
async function buildTokens(t: TestApp, w: World): Promise<void> {
  tokenRound += 1;
  // Every round from an address of its own: e-mail requests are limited per address.
  const ip = `198.51.100.${tokenRound % 250}`;
  const unverifiedEmail = `uudo.uus.${tokenRound}@example.ee`;
  await registerUser(t.deps, { name: 'Uudo Uus', email: unverifiedEmail, phone: null, password: defaultPassword, locale: 'et', ip });
  const verifyLink = linkIn(await lastEmailTo(t, unverifiedEmail));
  const forgetful = await createUser(t, { name: 'Unustav Uku', email: `uku.unustav.${tokenRound}@example.ee` });
  await requestPasswordReset(t.deps, { email: forgetful.email, ip });
  const resetEmail = await lastEmailTo(t, forgetful.email);
  const resetLink = linkIn(resetEmail);
  const mover = await createUser(t, { name: 'Kolija Kalle', email: `kalle.vana.${tokenRound}@example.ee` });
  const newEmail = `kalle.uus.${tokenRound}@example.ee`;
  await requestEmailChange(t.deps, await actorOf(t, mover), { currentPassword: mover.password, newEmail, ip });
  const emailChangeLink = linkIn(await lastEmailTo(t, newEmail));
  w.tokens = { verifyLink, unverifiedEmail, resetLink, resetEmail: forgetful.email, resetEmailId: resetEmail.id, emailChangeLink, newEmail };
}

let accountRound = 0;

/** Accounts for staff to act on: a customer, a blocked customer, a moderator (new people on every call). */
async function buildAccounts(t: TestApp, w: World): Promise<void> {
  accountRound += 1;
  const customer = await createUser(t, { name: 'Siiri Sihtmärk', email: `siiri.sihtmark.${accountRound}@example.ee` });
  const blocked = await createUser(t, { name: 'Birgit Blokeeritud' });
  await updateUser(t.deps.db, blocked.id, { blocked_at: t.clock.now().toISOString() });
  const staff = await createUser(t, { name: 'Mati Moderaator', roles: ['moderator'] });
  w.accounts = { customerId: customer.id, customerEmail: customer.email, blockedId: blocked.id, staffId: staff.id };
}

/**
 * The people and the given scenes. Everything a reader would mark read (notices, threads) is
 * read at the end, so that opening a page later changes nothing in the database.
 */
export async function buildWorld(t: TestApp, wanted: readonly Scene[]): Promise<World> {
  const w: World = { ...(await buildPeople(t)), orders: {} };
  const want = new Set(wanted);
  if (want.has('photo')) await buildPhoto(t, w);
  if (want.has('triage')) await buildTriage(t, w);
  if (want.has('open')) await buildOpen(t, w);
  for (const stage of orderStages) if (want.has(stage)) await buildOrder(t, w, stage);
  if (want.has('applications')) await buildApplications(t, w);
  if (want.has('tokens')) await buildTokens(t, w);
  if (want.has('accounts')) await buildAccounts(t, w);
  await t.deps.db.updateTable('notices').set({ read_at: t.clock.now().toISOString() }).where('read_at', 'is', null).execute();
  await t.deps.db.updateTable('conversation_members').set({ unread_count: 0 }).execute();
  return w;
}

/** The scenes that can be built again in the same world (the others hold one-per-person things). */
export type RenewableScene = Exclude<Scene, 'photo' | 'applications'>;

/** Makes a scene's object anew, for the next visitor after one used it up (a single-use link, an order paid or disputed). */
export async function renewScene(t: TestApp, w: World, scene: RenewableScene): Promise<void> {
  if (scene === 'triage') await buildTriage(t, w);
  else if (scene === 'open') await buildOpen(t, w);
  else if (scene === 'tokens') await buildTokens(t, w);
  else if (scene === 'accounts') await buildAccounts(t, w);
  else await buildOrder(t, w, scene);
}

/** A browser of the visitor: signed in through the sign-in form, or (anonymous) holding the token the sign-in page gives. */
export async function browserOf(t: TestApp, w: World, actor: Actor): Promise<Browser> {
  const browser = t.browser();
  if (actor === 'anonymous') await browser.get('/login');
  else await loginAs(browser, w.people[actor]);
  return browser;
}

// ---- the database, to compare before and after ----

/**
 * Per table: its row count and a hash of all its rows. PostgreSQL hashes on the server in one
 * query, rows in a stable order (an update that changes nothing may still move a row); SQLite in
 * memory returns an unchanged table's rows in the same order, so they are hashed as they come.
 * The tables are those test/support/privacy.ts names (a table added to the schema and not named
 * there fails the type check).
 */
export async function fingerprint(t: TestApp): Promise<Record<string, string>> {
  if (t.database.engine === 'postgres') {
    const query = tableNames
      .map((name) => `select '${name}' as name, count(*) as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${name}" x`)
      .join(' union all ');
    const rows = (await sql.raw<{ name: string; n: number; h: string }>(query).execute(t.deps.db)).rows;
    return Object.fromEntries(rows.map((row) => [row.name, `${row.n} rows, ${row.h}`]));
  }
  const prints: Record<string, string> = {};
  for (const name of tableNames) {
    const rows = await t.deps.db.selectFrom(name).selectAll().execute();
    prints[name] = `${rows.length} rows, ${createHash('md5').update(JSON.stringify(rows)).digest('hex')}`;
  }
  return prints;
}
