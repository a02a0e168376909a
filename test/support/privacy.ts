import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../src/db/schema.js';
import type { Browser, Page } from './browser.js';
import { loginAs } from './factories.js';
import { postMultipart, type FilePart } from './multipart.js';
import type { TestApp } from './test-app.js';

/**
 * Helpers for the privacy tests (issue 8): reading everything the database holds, finding where
 * a string still lives, the file store's contents, the ledger's state, and the steps of an order
 * as its two people take them on its pages.
 */

// ---- the whole database ----

/** Every table of the schema: adding a table to `Database` without naming it here fails the type check. */
const everyTable = {
  users: true,
  user_roles: true,
  sessions: true,
  account_tokens: true,
  rate_limits: true,
  outbox_emails: true,
  notices: true,
  conversations: true,
  conversation_members: true,
  messages: true,
  files: true,
  message_files: true,
  email_preferences: true,
  fields: true,
  organisations: true,
  expert_profiles: true,
  expert_fields: true,
  expert_languages: true,
  expert_applications: true,
  expert_application_fields: true,
  document_types: true,
  inquiries: true,
  inquiry_files: true,
  invitations: true,
  offers: true,
  orders: true,
  payments: true,
  payment_events: true,
  refunds: true,
  ledger_entries: true,
  deliveries: true,
  delivery_files: true,
  reviews: true,
  disputes: true,
  settings: true,
  audit_log: true,
  sandbox_payments: true,
  sandbox_refunds: true,
} satisfies Record<keyof Database, true>;

export const tableNames = Object.keys(everyTable) as (keyof Database)[];

export type Dump = Record<string, Record<string, unknown>[]>;

/** Every row of every table, as the engine returns them (each table's rows in a stable order, to compare two dumps). */
export async function dumpDatabase(t: TestApp): Promise<Dump> {
  const dump: Dump = {};
  for (const table of tableNames) {
    const rows = (await t.deps.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
    dump[table] = rows
      .map((row) => ({ row, key: JSON.stringify(row, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ row }) => row);
  }
  return dump;
}

/** Where a string was found: the table, the column and the string (JSON and text alike). */
export type Sighting = `${string}.${string}: ${string}`;

/**
 * Every place in the dump where one of the strings occurs in a text column (case-insensitive,
 * so an address stored lowercased is found too), as `table.column: string`, sorted and unique.
 */
export function sightingsIn(dump: Dump, needles: readonly string[]): Sighting[] {
  const found = new Set<Sighting>();
  for (const [table, rows] of Object.entries(dump)) {
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value !== 'string') continue;
        const text = value.toLowerCase();
        for (const needle of needles) if (text.includes(needle.toLowerCase())) found.add(`${table}.${column}: ${needle}`);
      }
    }
  }
  return [...found].sort();
}

// ---- the file store ----

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The keys of the files kept in the store (DATA_DIR/files, outside its temporary folder), sorted. */
export function storedKeys(t: TestApp): string[] {
  const root = path.join(t.config.dataDir, 'files');
  const temp = path.join(root, 'tmp') + path.sep;
  return filesUnder(root)
    .filter((file) => !file.startsWith(temp))
    .map((file) => path.basename(file))
    .sort();
}

/** The storage keys of the file rows with these original names (fails when one is missing). */
export async function keysOfFiles(t: TestApp, names: readonly string[]): Promise<Record<string, string>> {
  const rows = await t.deps.db.selectFrom('files').select(['original_name', 'storage_key']).where('original_name', 'in', [...names]).execute();
  const keys = Object.fromEntries(rows.map((row) => [row.original_name, row.storage_key]));
  for (const name of names) if (!keys[name]) throw new Error(`no stored file named ${name}`);
  return keys;
}

// ---- the ledger ----

/** The ledger as a whole: how many entries, their sum, and every account's balance. */
export async function ledgerState(t: TestApp): Promise<{ entries: number; total: number; balances: Record<string, number> }> {
  const rows = await t.deps.db.selectFrom('ledger_entries').select(['account', 'amount_cents']).orderBy('id').execute();
  const balances: Record<string, number> = {};
  for (const row of rows) balances[row.account] = (balances[row.account] ?? 0) + Number(row.amount_cents);
  return { entries: rows.length, total: rows.reduce((sum, row) => sum + Number(row.amount_cents), 0), balances };
}

// ---- reading pages ----

export function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The messages of a thread (an order's or a mailbox conversation's) as [sender, text], oldest first. */
export function messagesOf(html: string): [string, string][] {
  return [...html.matchAll(/<li class="message(?: mine)?" id="message-\d+">([\s\S]*?)<\/li>\s*(?=<li class="message|<\/ol>)/g)].map((m) => [
    decode(/<strong>([\s\S]*?)<\/strong>/.exec(m[1]!)?.[1] ?? ''),
    decode(/<p class="message-body">([\s\S]*?)<\/p>/.exec(m[1]!)?.[1] ?? ''),
  ]);
}

/** The attachment links of a page: [name, href], in page order. */
export function attachmentsOf(html: string): [string, string][] {
  return [...html.matchAll(/<a href="([^"]+)" download[^>]*>([\s\S]*?)<\/a>/g)].map((m) => [decode(m[2]!.trim()), decode(m[1]!)]);
}

// ---- an order's steps, as its people take them ----

export async function signedIn(t: TestApp, person: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, person);
  return browser;
}

/** The customer orders an offer ("Telli ja maksa"); returns the new order and the sandbox payment page it leads to. */
export async function orderOffer(t: TestApp, customer: Browser, inquiryId: number, offerId: number): Promise<{ orderId: number; payPage: string }> {
  const page = `/inquiries/${inquiryId}`;
  const ordered = await customer.post(`${page}/order`, { offerId: String(offerId) }, { formPage: page });
  const match = /^http:\/\/konsult\.test(\/sandbox\/pay\/[0-9a-f-]{36})$/.exec(ordered.location ?? '');
  if (ordered.status !== 303 || !match) throw new Error(`not sent to the payment page: ${ordered.status} ${ordered.location}`);
  const order = await t.deps.db.selectFrom('orders').select('id').where('inquiry_id', '=', inquiryId).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return { orderId: order.id, payPage: match[1]! };
}

/** Pays on the sandbox's page and comes back to the order through the return address. */
export async function payOnSandbox(customer: Browser, payPage: string): Promise<void> {
  await customer.get(payPage);
  const paid = await customer.post(payPage, { action: 'pay' });
  if (paid.status !== 303 || !paid.location) throw new Error(`the sandbox answered ${paid.status}`);
  const url = new URL(paid.location);
  await customer.get(`${url.pathname}${url.search}`);
}

/** The id of an expert's offer on an inquiry. */
export async function offerIdOf(t: TestApp, inquiryId: number, expertId: number): Promise<number> {
  const row = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).where('expert_id', '=', expertId).executeTakeFirstOrThrow();
  return row.id;
}

export async function orderStatus(t: TestApp, orderId: number): Promise<string> {
  return (await t.deps.db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow()).status;
}

/** A step on the order page (done, accept, rating, dispute, resolve…), sent from the page with its token. */
export function orderStep(browser: Browser, orderId: number, action: string, fields: Record<string, string> = {}): Promise<Page> {
  return browser.post(`/orders/${orderId}/${action}`, fields, { formPage: `/orders/${orderId}` });
}

/** A delivery or a message in the order's thread (multipart, with files), sent from the order page. */
export async function postOnOrder(t: TestApp, browser: Browser, orderId: number, what: 'deliveries' | 'messages', body: string, files: FilePart[] = []): Promise<Page> {
  await browser.get(`/orders/${orderId}`);
  return postMultipart(t.app, browser, `/orders/${orderId}/${what}`, { fields: { body }, files });
}

/** Makes sure a step was taken (a redirect back to the order), with a readable failure otherwise. */
export function expectRedirect(page: Page, what: string): void {
  if (page.status !== 303) throw new Error(`${what}: expected 303, got ${page.status}`);
}
