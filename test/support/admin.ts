import { expect } from 'vitest';
import { mainText, type Browser, type Page } from './browser.js';
import { createExpert, createField } from './experts.js';
import { createUser, loginAs } from './factories.js';
import { createInquiryAs, makeOfferAs } from './inquiries.js';
import { postMultipart } from './multipart.js';
import type { TestApp } from './test-app.js';

/**
 * Helpers for the back-office tests (users, settings): reading what a page says, and an order
 * taken through the pages a customer and an expert use, to see settings take effect.
 */

const origin = 'http://konsult.test';

export function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The visible text of a page's main part, with Intl's non-breaking spaces as plain ones. */
export function textOf(html: string): string {
  return mainText(html).replace(/[\u00a0\u202f]/g, ' ');
}

/**
 * What a form's input shows, or undefined when the page has no such input. Reads attributes as
 * quoted strings, so a value holding ">" (which attributes may carry unescaped) is read whole.
 */
export function inputValue(html: string, name: string): string | undefined {
  const attributes = '(?:[^>"]|"[^"]*")*';
  const tag = new RegExp(`<input${attributes}\\sname="${name}"${attributes}>`).exec(html)?.[0];
  if (tag === undefined) return undefined;
  return decode(/\svalue="([^"]*)"/.exec(tag)?.[1] ?? '');
}

/** The visible text of the page footer (support contacts). */
export function footerText(html: string): string {
  const footer = /<footer[^>]*>([\s\S]*?)<\/footer>/.exec(html)?.[1] ?? '';
  return textOf(`<main>${footer}</main>`);
}

/** The flash line a redirect leads to (the confirmation at the top of the next page). */
export function flashOf(html: string): string | undefined {
  const flash = /<p class="flash"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return flash === undefined ? undefined : decode(flash.trim());
}

/** The heading of the page's error summary (the reason a refused action gives), if any. */
export function summaryOf(html: string): string | undefined {
  const heading = /<div class="error-summary"[^>]*><h2[^>]*>([\s\S]*?)<\/h2>/.exec(html)?.[1];
  return heading === undefined ? undefined : decode(heading);
}

/** The lines of the error summary's list (one per field with a problem). */
export function summaryItems(html: string): string[] {
  const summary = /<div class="error-summary"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
  return [...summary.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((m) => textOf(`<main>${m[1]!}</main>`));
}

/** Whether the page has a form posting to the address. */
export function hasForm(html: string, action: string): boolean {
  return html.includes(`action="${action}"`);
}

/** The path and query of a portal address (the payment page, the return address). */
export function pathOf(url: string | undefined): string {
  if (!url) throw new Error('expected a redirect');
  const parsed = new URL(url, origin);
  if (parsed.origin !== origin) throw new Error(`left the portal: ${url}`);
  return `${parsed.pathname}${parsed.search}`;
}

export async function signedIn(t: TestApp, person: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, person);
  return browser;
}

// ---- an order through the pages ----

/** A customer's inquiry to an expert who offered (120,00 € by default); both signed in, each in a browser of their own. */
export async function offeredInquiry(t: TestApp, options: { title?: string; priceCents?: number } = {}) {
  const field = await createField(t, { nameEt: 'Tööõigus', nameEn: 'Employment law' });
  const customer = await createUser(t, { name: 'Kaja Kliendike' });
  const expert = await createExpert(t, { name: 'Villu Võitja', fieldIds: [field.id] });
  const title = options.title ?? 'Töölepingu ülesütlemine';
  const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title });
  await makeOfferAs(t, expert, inquiryId, { priceCents: options.priceCents ?? 12_000 });
  const offer = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).executeTakeFirstOrThrow();
  return {
    field,
    customer,
    expert,
    inquiryId,
    offerId: offer.id,
    title,
    browsers: { customer: await signedIn(t, customer), expert: await signedIn(t, expert) },
  };
}

export type OfferedInquiry = Awaited<ReturnType<typeof offeredInquiry>>;

/** The customer orders the offer ("Telli ja maksa"); returns the order and the sandbox's payment page. */
export async function orderOffer(t: TestApp, s: OfferedInquiry): Promise<{ orderId: number; payPage: string }> {
  const page = `/inquiries/${s.inquiryId}`;
  const ordered = await s.browsers.customer.post(`${page}/order`, { offerId: String(s.offerId) }, { formPage: page });
  expect(ordered.status).toBe(303);
  const payPage = pathOf(ordered.location);
  const order = await t.deps.db.selectFrom('orders').select('id').where('inquiry_id', '=', s.inquiryId).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return { orderId: order.id, payPage };
}

/** Pays on the sandbox's page and comes back through the return address to the order. */
export async function payOrder(s: OfferedInquiry, orderId: number, payPage: string): Promise<Page> {
  const customer = s.browsers.customer;
  await customer.get(payPage);
  const paid = await customer.post(payPage, { action: 'pay' });
  expect(paid.status).toBe(303);
  const back = await customer.get(pathOf(paid.location));
  expect(back.location).toBe(`/orders/${orderId}`);
  return customer.follow(back);
}

function orderStep(browser: Browser, orderId: number, action: string, fields: Record<string, string> = {}): Promise<Page> {
  return browser.post(`/orders/${orderId}/${action}`, fields, { formPage: `/orders/${orderId}` });
}

/** The expert delivers a text answer and marks the work done, from the order page. */
export async function deliverAndMarkDone(t: TestApp, s: OfferedInquiry, orderId: number): Promise<void> {
  await s.browsers.expert.get(`/orders/${orderId}`);
  const delivered = await postMultipart(t.app, s.browsers.expert, `/orders/${orderId}/deliveries`, { fields: { body: 'Vastus teie küsimusele.' } });
  expect(delivered.status).toBe(303);
  expect((await orderStep(s.browsers.expert, orderId, 'done')).status).toBe(303);
}

/** The customer accepts the work from the order page. */
export async function acceptWork(s: OfferedInquiry, orderId: number): Promise<Page> {
  return orderStep(s.browsers.customer, orderId, 'accept');
}

export async function orderRow(t: TestApp, orderId: number) {
  return t.deps.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
}

/** The ledger entries of an order, in the order written. */
export async function ledgerOf(t: TestApp, orderId: number) {
  return t.deps.db.selectFrom('ledger_entries').select(['kind', 'account', 'amount_cents']).where('order_id', '=', orderId).orderBy('id').execute();
}

/** Audit entries as stored, oldest first (optionally of one action). */
export async function auditEntries(t: TestApp, action?: string) {
  let query = t.deps.db.selectFrom('audit_log').select(['actor_id', 'action', 'object_type', 'object_id', 'before_json', 'after_json']).orderBy('id');
  if (action) query = query.where('action', '=', action);
  const rows = await query.execute();
  return rows.map((row) => ({
    actorId: row.actor_id,
    action: row.action,
    object: `${row.object_type}/${row.object_id ?? ''}`,
    before: row.before_json === null ? null : (JSON.parse(row.before_json) as unknown),
    after: row.after_json === null ? null : (JSON.parse(row.after_json) as unknown),
  }));
}
