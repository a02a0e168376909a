import type { FastifyInstance } from 'fastify';
import { isSandboxProvider } from '../../src/adapters/payments/sandbox.js';
import { submitApplication } from '../../src/use-cases/expert-applications.js';
import { openDispute } from '../../src/use-cases/fulfilment.js';
import { orderOffer } from '../../src/use-cases/orders.js';
import { createExpert, createField, validIdCodes } from './experts.js';
import { createUser } from './factories.js';
import { actorOf, createInquiryAs, makeOfferAs } from './inquiries.js';
import type { TestApp } from './test-app.js';

// ---- the app's route table ----

export type RegisteredRoute = { method: string; path: string };

/**
 * Every route the app registered, read from Fastify's route tree (`printRoutes`), HEAD left out
 * (Fastify adds it to every GET). Each line of the tree is one node: its depth is the column of
 * its "├── " or "└── " marker divided by four, its path the concatenation of its ancestors' segments.
 */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    // "├── " or "└── ", after four columns per level of depth.
    const marker = line.search(/[├└]── /);
    if (marker < 0) continue;
    const depth = marker / 4;
    if (!Number.isInteger(depth)) throw new Error(`unexpected line in Fastify's route tree: ${line}`);
    const node = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(marker + 4))!;
    const path = (depth === 0 ? '' : prefixes[depth - 1]!) + node[1]!;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of (node[2] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) routes.push({ method, path });
  }
  return routes;
}

/** The friendly 403 page's heading (Estonian, the default language). */
export const forbiddenTitle = 'Ligipääs puudub';

// ---- things staff act on ----

/** An expert's application from a private person, submitted through the use case; returns its id and the applicant. */
export async function submittedApplication(t: TestApp, options: { name?: string } = {}) {
  const field = await createField(t);
  const applicant = await createUser(t, { name: options.name ?? 'Kati Karu' });
  const applicationId = await submitApplication(
    t.deps,
    await actorOf(t, applicant),
    {
      kind: 'person',
      fullName: options.name ?? 'Kati Karu',
      personalIdCode: validIdCodes[1],
      organisationName: null,
      registryCode: null,
      contactPerson: null,
      qualifications: 'Tartu Ülikool, õigusteaduse magister.',
      bio: 'Aitan ohvritel oma õigusi kaitsta.',
      languages: ['et'],
      fieldIds: [field.id],
      priceLevel: 2,
      note: null,
    },
    [],
  );
  return { applicationId, applicant, field };
}

/** A general inquiry (no field chosen) waiting in the triage queue, with one expert of an active field available to invite. */
export async function generalInquiry(t: TestApp, options: { title?: string } = {}) {
  const field = await createField(t);
  const expert = await createExpert(t, { fieldIds: [field.id] });
  const customer = await createUser(t);
  const inquiryId = await createInquiryAs(t, customer, { title: options.title ?? 'Üldine küsimus' });
  return { field, expert, customer, inquiryId };
}

/**
 * An order of `priceCents` (default 100 €), ordered and paid through the use case and the
 * sandbox provider (which notifies the portal in-process): in progress, the money held.
 */
export async function paidOrder(t: TestApp, options: { priceCents?: number } = {}) {
  const field = await createField(t);
  const expert = await createExpert(t, { fieldIds: [field.id] });
  const customer = await createUser(t);
  const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id] });
  await makeOfferAs(t, expert, inquiryId, { priceCents: options.priceCents ?? 10_000 });
  const offer = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).executeTakeFirstOrThrow();
  const { orderId, paymentUrl } = await orderOffer(t.deps, await actorOf(t, customer), inquiryId, offer.id);
  const provider = t.deps.payments.provider;
  if (!isSandboxProvider(provider)) throw new Error('the tests run with the sandbox provider');
  const ref = /\/sandbox\/pay\/([0-9a-f-]{36})$/.exec(paymentUrl)?.[1];
  if (!ref) throw new Error(`not a sandbox payment page: ${paymentUrl}`);
  await provider.complete(ref, 'pay');
  const order = await t.deps.db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow();
  if (order.status !== 'in_progress') throw new Error(`the order is ${order.status}, not paid`);
  return { field, expert, customer, inquiryId, orderId };
}

/** A paid order its customer has disputed. */
export async function disputedOrder(t: TestApp) {
  const order = await paidOrder(t);
  await openDispute(t.deps, await actorOf(t, order.customer), order.orderId, 'Ekspert ei vasta ja tähtaeg on möödas.');
  return order;
}

// ---- the audit log ----

export type AuditEntry = {
  id: number;
  createdAt: string;
  actorId: number | null;
  action: string;
  objectType: string;
  objectId: string | null;
  before: unknown;
  after: unknown;
};

/** Every audit entry, oldest first, with its before and after values parsed. */
export async function auditEntries(t: TestApp): Promise<AuditEntry[]> {
  const rows = await t.deps.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    actorId: row.actor_id,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    before: row.before_json === null ? undefined : JSON.parse(row.before_json),
    after: row.after_json === null ? undefined : JSON.parse(row.after_json),
  }));
}

/** How many entries the audit log holds. */
export async function auditCount(t: TestApp): Promise<number> {
  return (await t.deps.db.selectFrom('audit_log').select('id').execute()).length;
}
