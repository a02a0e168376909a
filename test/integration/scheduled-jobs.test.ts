import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSandboxProvider } from '../../src/adapters/payments/sandbox.js';
import { createScryptHasher } from '../../src/adapters/password-hasher.js';
import { buildContainer } from '../../src/container.js';
import { demoAccounts, seedDemoData } from '../../src/db/seed-demo.js';
import { endOfTallinnDay } from '../../src/domain/inquiries.js';
import type { Deps } from '../../src/use-cases/deps.js';
import { addDelivery, markDone } from '../../src/use-cases/fulfilment.js';
import { orderOffer } from '../../src/use-cases/orders.js';
import { scheduledSweeps } from '../../src/use-cases/sweeps.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser } from '../support/factories.js';
import { actorOf, createInquiryAs, dayFromNow, makeOfferAs } from '../support/inquiries.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createSharedTestDatabase, testEngine, type SharedTestDatabase } from '../support/test-db.js';

/**
 * The scheduled jobs (deadline reminders, expiry, lapsed offers, payment timeouts, automatic
 * acceptance) with several workers running them at the same moment on one PostgreSQL database,
 * as `npm run worker` next to web processes that run their own: each job is done once, never
 * twice (one reminder, one expiry notice), and none is left undone; and several processes
 * starting at once on a new database. PostgreSQL only: SQLite is the one-process default.
 */

const hour = 3_600_000;
const workers = 4;

let shared: SharedTestDatabase;
let t: TestApp;
let workerDeps: Deps[];

beforeEach(async () => {
  shared = await createSharedTestDatabase(workers);
  t = await createTestApp({ database: shared.handles[0]! });
  // The other "processes": containers of their own over their own pools, on the test's clock.
  workerDeps = [t.deps, ...shared.handles.slice(1).map((database) => buildContainer(t.config, { database, clock: t.clock, hasher: createScryptHasher(10), logger: pino({ level: 'silent' }) }).deps)];
});

afterEach(async () => {
  await t.close();
  await shared.destroy();
});

/** Every worker runs its round of sweeps at once, each in its own order as the worker does. */
async function sweepEverywhere(): Promise<void> {
  await Promise.all(
    workerDeps.map(async (deps) => {
      for (const sweep of scheduledSweeps(deps)) await sweep();
    }),
  );
}

async function statusesOf(orderIds: number[]): Promise<string[]> {
  const rows = await t.deps.db.selectFrom('orders').select(['id', 'status']).where('id', 'in', orderIds).execute();
  return orderIds.map((id) => rows.find((row) => row.id === id)?.status ?? 'missing');
}

async function noticesOfKind(kind: string): Promise<{ user_id: number; link: string | null }[]> {
  return t.deps.db.selectFrom('notices').select(['user_id', 'link']).where('kind', '=', kind).orderBy('user_id').orderBy('link').execute();
}

/** E-mails written more than once to one address with one subject. */
async function doubledEmails(): Promise<string[]> {
  const rows = await t.deps.db
    .selectFrom('outbox_emails')
    .select(['to_address', 'subject', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['to_address', 'subject'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return rows.map((row) => `${row.to_address}: ${row.subject} (${row.count})`);
}

describe.runIf(testEngine() === 'postgres')('scheduled jobs with several workers at once', () => {
  it('each deadline reminder, expiry and lapsed offer happens exactly once', async () => {
    const field = await createField(t);
    const experts = [await createExpert(t, { fieldIds: [field.id] }), await createExpert(t, { fieldIds: [field.id] })];
    const customers = [await createUser(t), await createUser(t), await createUser(t)];
    const inquiryIds: number[] = [];
    for (const [index, customer] of customers.entries()) {
      for (let n = 0; n < 4; n += 1) {
        inquiryIds.push(await createInquiryAs(t, customer, { fieldId: field.id, expertIds: experts.map((e) => e.id), deadline: dayFromNow(t, 3), title: `Päring ${index}-${n}` }));
      }
    }
    // One offer per inquiry from the first expert, valid until tomorrow: it lapses before the deadline.
    for (const id of inquiryIds) await makeOfferAs(t, experts[0]!, id, { validUntil: dayFromNow(t, 1) });

    // Twelve hours before the deadline: the offers have lapsed, the second expert gets reminders.
    t.clock.set(new Date(endOfTallinnDay(dayFromNow(t, 3)).getTime() - 12 * hour));
    await sweepEverywhere();
    await sweepEverywhere();
    const lapsed = await noticesOfKind('offerLapsed');
    expect(lapsed).toHaveLength(inquiryIds.length);
    expect(new Set(lapsed.map((n) => n.link)).size).toBe(inquiryIds.length);
    const reminders = await noticesOfKind('inquiryDeadlineReminder');
    // The first expert's offer lapsed: is it reminded too? Whatever the rule, each invitation at most once.
    expect(new Set(reminders.map((n) => `${n.user_id} ${n.link}`)).size).toBe(reminders.length);
    expect(reminders.filter((n) => n.user_id === experts[1]!.id)).toHaveLength(inquiryIds.length);

    // Past the deadline: every inquiry expires once, each customer is told once per inquiry.
    t.clock.advance(13 * hour);
    await sweepEverywhere();
    await sweepEverywhere();
    const statuses = await t.deps.db.selectFrom('inquiries').select('status').where('id', 'in', inquiryIds).execute();
    expect(statuses.map((s) => s.status)).toEqual(inquiryIds.map(() => 'expired'));
    const expired = await noticesOfKind('inquiryExpired');
    expect(expired).toHaveLength(inquiryIds.length);
    expect(new Set(expired.map((n) => n.link)).size).toBe(inquiryIds.length);
    for (const customer of customers) {
      expect(expired.filter((n) => n.user_id === customer.id)).toHaveLength(4);
    }
    // No e-mail was written twice (each subject names its inquiry).
    expect(await doubledEmails()).toEqual([]);
  });
});

describe.runIf(testEngine() === 'postgres')('orders with several workers at once', () => {
  it('each unpaid order is cancelled once and each delivered order accepted by itself once', async () => {
    const field = await createField(t);
    const expert = await createExpert(t, { fieldIds: [field.id] });
    const expertActor = await actorOf(t, expert);
    const provider = t.deps.payments.provider;
    if (!isSandboxProvider(provider)) throw new Error('the tests run with the sandbox provider');
    const paid: number[] = [];
    const unpaid: number[] = [];
    for (let n = 0; n < 6; n += 1) {
      const customer = await createUser(t);
      const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title: `Tellimus ${n}` });
      await makeOfferAs(t, expert, inquiryId);
      const offer = await t.deps.db.selectFrom('offers').select('id').where('inquiry_id', '=', inquiryId).executeTakeFirstOrThrow();
      const { orderId, paymentUrl } = await orderOffer(t.deps, await actorOf(t, customer), inquiryId, offer.id);
      if (n < 4) {
        await provider.complete(paymentUrl.split('/').pop()!, 'pay');
        paid.push(orderId);
      } else {
        unpaid.push(orderId);
      }
    }

    // An hour later nobody has paid the last two: every worker sweeps at once, twice.
    t.clock.advance(hour);
    await sweepEverywhere();
    await sweepEverywhere();
    expect(await statusesOf(unpaid)).toEqual(['cancelled', 'cancelled']);
    expect(await statusesOf(paid)).toEqual(paid.map(() => 'in_progress'));

    for (const orderId of paid) {
      await addDelivery(t.deps, expertActor, orderId, { body: 'Töö on tehtud.', uploads: [] });
      await markDone(t.deps, expertActor, orderId);
    }
    // Past the automatic acceptance: each order is accepted once, the money released once.
    t.clock.advance((t.deps.settings.current().autoAcceptDays + 1) * 24 * hour);
    await sweepEverywhere();
    await sweepEverywhere();
    expect(await statusesOf(paid)).toEqual(paid.map(() => 'accepted'));
    const accepted = await noticesOfKind('autoAccepted');
    expect(accepted).toHaveLength(paid.length * 2);
    expect(new Set(accepted.map((n) => `${n.user_id} ${n.link}`)).size).toBe(accepted.length);
    for (const orderId of paid) {
      const releases = await t.deps.db.selectFrom('ledger_entries').select('transaction_id').where('order_id', '=', orderId).where('kind', '=', 'release').execute();
      expect(new Set(releases.map((r) => r.transaction_id)).size, `order ${orderId}`).toBe(1);
    }
    const ledgerTotal = await t.deps.db.selectFrom('ledger_entries').select((eb) => eb.fn.sum<string>('amount_cents').as('total')).executeTakeFirstOrThrow();
    expect(Number(ledgerTotal.total)).toBe(0);
    expect(await doubledEmails()).toEqual([]);
  });
});

describe.runIf(testEngine() === 'postgres')('several web processes starting at once on a new database', () => {
  it('seed the demo data once: one writes it, the others find it there and start', async () => {
    const outcomes = await Promise.all(workerDeps.map((deps) => seedDemoData(deps.db, deps.hasher, t.clock)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const users = await t.deps.db.selectFrom('users').select('email').execute();
    expect(users.map((u) => u.email).sort()).toEqual(demoAccounts.map((a) => a.email).sort());
  });
});
