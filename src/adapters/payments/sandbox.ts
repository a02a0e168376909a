import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { preparedInsert } from '../../db/prepared.js';
import type { SandboxPaymentsTable } from '../../db/schema.js';
import { iso, type Clock } from '../clock.js';
import { signJwt, verifyJwt } from './jwt.js';
import {
  PaymentProviderError,
  PaymentVerificationError,
  type CreatePaymentInput,
  type PaymentProvider,
  type ProviderPaymentStatus,
  type RefundResult,
  type VerifiedPaymentStatus,
} from './provider.js';

/** How a sandbox notification reaches the portal: an HTTP POST of JSON, like a real provider's webhook. */
export type NotificationDelivery = (url: string, body: Record<string, string>) => Promise<void>;

/** Posts the notification over HTTP (the embedded default: the portal calls its own public address). */
export const deliverOverHttp: NotificationDelivery = async (url, body) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  if (!response.ok) throw new PaymentProviderError(`notification answered ${response.status}`);
};

type SandboxPayment = CreatePaymentInput & { providerRef: string; status: ProviderPaymentStatus; refundedCents: number };

function paymentOf(row: SandboxPaymentsTable): SandboxPayment {
  return {
    providerRef: row.provider_ref,
    merchantReference: row.merchant_reference,
    amountCents: row.amount_cents,
    currency: row.currency as 'EUR',
    description: row.description,
    locale: row.locale as 'et' | 'en',
    returnUrl: row.return_url,
    notificationUrl: row.notification_url,
    status: row.status as ProviderPaymentStatus,
    refundedCents: row.refunded_cents,
  };
}

/** The sandbox's extra surface: its hosted payment page reads and completes payments. */
export type SandboxProvider = PaymentProvider & {
  /** A payment as the hosted test page shows it; undefined for an unknown reference. */
  describe(providerRef: string): Promise<(CreatePaymentInput & { status: ProviderPaymentStatus }) | undefined>;
  /**
   * The payer pressed pay, fail or cancel on the test page: the sandbox records it, sends the
   * signed notification server to server, and returns where the browser goes next (the return
   * URL with the signed token, as a real provider does).
   */
  complete(providerRef: string, outcome: 'pay' | 'fail' | 'cancel'): Promise<string>;
};

const accessKey = 'sandbox';

/** A new payment's row, through a kept statement: every order writes one (decision 029). */
const insertSandboxPayment = preparedInsert('sandbox_payments');

/**
 * The embedded test payment provider. It behaves like Montonio: payments get a hosted page,
 * every status change is signed with HS256 and sent to the notification URL, the browser comes
 * back with the same token, and the status can be queried. Its records are a table of their
 * own (`sandbox_payments`), so any of several web processes serves the test page of a payment
 * another one created, and a restart forgets nothing.
 */
export function createSandboxProvider(options: { db: Db; secret: string; publicUrl: string; clock: Clock; deliver?: NotificationDelivery }): SandboxProvider {
  const { db } = options;
  const find = async (providerRef: string): Promise<SandboxPayment | undefined> => {
    const row = await db.selectFrom('sandbox_payments').selectAll().where('provider_ref', '=', providerRef).executeTakeFirst();
    return row ? paymentOf(row) : undefined;
  };
  const deliver = options.deliver ?? deliverOverHttp;

  const tokenOf = (payment: SandboxPayment): string => {
    const now = Math.floor(options.clock.now().getTime() / 1000);
    return signJwt(
      {
        uuid: payment.providerRef,
        accessKey,
        merchantReference: payment.merchantReference,
        paymentStatus: payment.status,
        grandTotal: payment.amountCents / 100,
        currency: payment.currency,
        iat: now,
        exp: now + 600,
      },
      options.secret,
    );
  };

  const statusOf = (payment: SandboxPayment): VerifiedPaymentStatus => ({
    providerRef: payment.providerRef,
    merchantReference: payment.merchantReference,
    status: payment.status,
    amountCents: payment.amountCents,
    currency: payment.currency,
  });

  return {
    name: 'sandbox',
    async createPayment(input) {
      const providerRef = randomUUID();
      await insertSandboxPayment(db, [
        {
          provider_ref: providerRef,
          merchant_reference: input.merchantReference,
          amount_cents: input.amountCents,
          currency: input.currency,
          description: input.description,
          locale: input.locale,
          return_url: input.returnUrl,
          notification_url: input.notificationUrl,
          status: 'PENDING',
          refunded_cents: 0,
          created_at: iso(options.clock.now()),
        },
      ]);
      return { providerRef, paymentUrl: `${options.publicUrl}/sandbox/pay/${providerRef}` };
    },
    async verifyToken(token) {
      const claims = verifyJwt(token, options.secret, { now: options.clock.now() });
      if (claims['accessKey'] !== accessKey) throw new PaymentVerificationError('wrong access key');
      const status = claims['paymentStatus'];
      const total = claims['grandTotal'];
      if (typeof claims['uuid'] !== 'string' || typeof claims['merchantReference'] !== 'string' || typeof status !== 'string' || typeof total !== 'number' || typeof claims['currency'] !== 'string') {
        throw new PaymentVerificationError('missing claims');
      }
      return { providerRef: claims['uuid'], merchantReference: claims['merchantReference'], status: status as ProviderPaymentStatus, amountCents: Math.round(total * 100), currency: claims['currency'] };
    },
    async queryStatus(providerRef) {
      const payment = await find(providerRef);
      if (!payment) throw new PaymentProviderError('unknown sandbox payment');
      return statusOf(payment);
    },
    async refund({ providerRef, amountCents, idempotencyKey }) {
      const earlier = async () => db.selectFrom('sandbox_refunds').select(['refund_ref as refundRef', 'status']).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
      const answered = await earlier();
      if (answered) return answered as RefundResult;
      try {
        return await db.transaction().execute(async (trx) => {
          // One statement: refunds at once can never take more than was paid.
          const { numUpdatedRows } = await trx
            .updateTable('sandbox_payments')
            .set((eb) => ({
              refunded_cents: eb('refunded_cents', '+', amountCents),
              status: eb.case().when(eb('refunded_cents', '+', amountCents), '=', eb.ref('amount_cents')).then('REFUNDED').else('PARTIALLY_REFUNDED').end(),
            }))
            .where('provider_ref', '=', providerRef)
            .where('status', 'in', ['PAID', 'PARTIALLY_REFUNDED'])
            .where((eb) => eb(eb('refunded_cents', '+', amountCents), '<=', eb.ref('amount_cents')))
            .executeTakeFirst();
          const result: RefundResult = { refundRef: randomUUID(), status: numUpdatedRows > 0n ? 'SUCCESSFUL' : 'REJECTED' };
          await trx.insertInto('sandbox_refunds').values({ idempotency_key: idempotencyKey, provider_ref: providerRef, refund_ref: result.refundRef, amount_cents: amountCents, status: result.status }).execute();
          return result;
        });
      } catch (error) {
        // The same key at the same moment through another process: its answer is the answer.
        const theirs = await earlier();
        if (theirs) return theirs as RefundResult;
        throw error;
      }
    },
    async describe(providerRef) {
      return find(providerRef);
    },
    async complete(providerRef, outcome) {
      // The first button pressed decides; a second press (another tab) only repeats the answer.
      await db
        .updateTable('sandbox_payments')
        .set({ status: outcome === 'pay' ? 'PAID' : outcome === 'fail' ? 'VOIDED' : 'ABANDONED' })
        .where('provider_ref', '=', providerRef)
        .where('status', '=', 'PENDING')
        .execute();
      const payment = await find(providerRef);
      if (!payment) throw new PaymentProviderError('unknown sandbox payment');
      const token = tokenOf(payment);
      // A real provider retries a notification that did not get through; here the browser's
      // return (a status query) settles the payment instead.
      await deliver(payment.notificationUrl, { orderToken: token }).catch(() => undefined);
      const separator = payment.returnUrl.includes('?') ? '&' : '?';
      return `${payment.returnUrl}${separator}order-token=${encodeURIComponent(token)}`;
    },
  };
}

/** True for the embedded sandbox provider (its hosted test page is served only then). */
export function isSandboxProvider(provider: PaymentProvider): provider is SandboxProvider {
  return provider.name === 'sandbox' && 'complete' in provider;
}
