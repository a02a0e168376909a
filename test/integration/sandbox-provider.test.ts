import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import type { CreatePaymentInput } from '../../src/adapters/payments/provider.js';
import { createSandboxProvider, type SandboxProvider } from '../../src/adapters/payments/sandbox.js';
import { createSharedTestDatabase, testEngine, type SharedTestDatabase } from '../support/test-db.js';

/**
 * The sandbox payment provider as two web processes behind a load balancer see it: the payment
 * one process created is known to the other (its test page, the status query, the refund), the
 * first button pressed decides, and refunds never add up to more than was paid, even at once.
 */

let shared: SharedTestDatabase;
let first: SandboxProvider;
let second: SandboxProvider;
const notifications: string[] = [];

const input: CreatePaymentInput = {
  merchantReference: 'K-41',
  amountCents: 12_000,
  currency: 'EUR',
  description: 'Konsult, tellimus 41',
  locale: 'et',
  returnUrl: 'http://konsult.test/payments/return/sandbox?order=41',
  notificationUrl: 'http://konsult.test/payments/notify/sandbox',
};

beforeEach(async () => {
  // SQLite serves one process (two connections in one test process would wait on each other
  // synchronously): there both providers share a connection; on PostgreSQL each has its own pool.
  shared = await createSharedTestDatabase(testEngine() === 'sqlite' ? 1 : 2);
  notifications.length = 0;
  const common = { secret: 'sandbox-secret-sandbox-secret-0123', publicUrl: 'http://konsult.test', clock: new ManualClock(), deliver: async (url: string) => void notifications.push(url) };
  first = createSandboxProvider({ ...common, db: shared.handles[0]!.db });
  second = createSandboxProvider({ ...common, db: shared.handles.at(-1)!.db });
});

afterEach(async () => {
  await shared.destroy();
});

describe('the sandbox payment provider across processes', () => {
  it('a payment made through one process is shown, paid and queried through another', async () => {
    const { providerRef, paymentUrl } = await first.createPayment(input);
    expect(paymentUrl).toBe(`http://konsult.test/sandbox/pay/${providerRef}`);
    expect(await second.describe(providerRef)).toMatchObject({ ...input, status: 'PENDING' });

    const next = await second.complete(providerRef, 'pay');
    expect(next).toMatch(/^http:\/\/konsult\.test\/payments\/return\/sandbox\?order=41&order-token=/);
    expect(notifications).toEqual([input.notificationUrl]);
    const token = decodeURIComponent(next.split('order-token=')[1]!);
    expect(await first.verifyToken(token)).toMatchObject({ providerRef, status: 'PAID', amountCents: 12_000 });
    expect((await first.queryStatus(providerRef)).status).toBe('PAID');

    // A second press, in another tab on the other process, does not change the outcome.
    await first.complete(providerRef, 'cancel');
    expect((await second.queryStatus(providerRef)).status).toBe('PAID');
  });

  it('an unknown payment is unknown to every process', async () => {
    const ref = '00000000-0000-4000-8000-000000000000';
    expect(await first.describe(ref)).toBeUndefined();
    await expect(second.queryStatus(ref)).rejects.toThrow('unknown sandbox payment');
    await expect(second.complete(ref, 'pay')).rejects.toThrow('unknown sandbox payment');
  });

  it('refunds at once through both processes never return more than was paid', async () => {
    const { providerRef } = await first.createPayment(input);
    expect((await first.refund({ providerRef, amountCents: 1_000, idempotencyKey: 'early' })).status).toBe('REJECTED');
    await first.complete(providerRef, 'pay');

    const answers = await Promise.all([first, second, first, second].map((provider, i) => provider.refund({ providerRef, amountCents: 5_000, idempotencyKey: `dispute-${i}` })));
    expect(answers.filter((a) => a.status === 'SUCCESSFUL')).toHaveLength(2);
    expect((await second.queryStatus(providerRef)).status).toBe('PARTIALLY_REFUNDED');
    expect((await first.describe(providerRef))?.status).toBe('PARTIALLY_REFUNDED');

    expect((await second.refund({ providerRef, amountCents: 2_001, idempotencyKey: 'too-much' })).status).toBe('REJECTED');
    expect((await second.refund({ providerRef, amountCents: 2_000, idempotencyKey: 'the-rest' })).status).toBe('SUCCESSFUL');
    expect((await first.queryStatus(providerRef)).status).toBe('REFUNDED');
  });

  it('a refund asked for again with its idempotency key, through either process, is the same one refund', async () => {
    const { providerRef } = await first.createPayment(input);
    await second.complete(providerRef, 'pay');
    const answers = await Promise.all([first, second, first].map((provider) => provider.refund({ providerRef, amountCents: 3_000, idempotencyKey: 'refund-41-1' })));
    expect(new Set(answers.map((a) => a.refundRef)).size).toBe(1);
    expect(answers.map((a) => a.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL', 'SUCCESSFUL']);
    // 3 000 of 12 000 refunded once, not three times: 9 000 can still be refunded, 9 001 not.
    expect((await second.refund({ providerRef, amountCents: 9_001, idempotencyKey: 'refund-41-2' })).status).toBe('REJECTED');
    expect((await second.refund({ providerRef, amountCents: 9_000, idempotencyKey: 'refund-41-3' })).status).toBe('SUCCESSFUL');
  });
});
