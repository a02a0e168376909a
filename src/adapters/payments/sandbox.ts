import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { signJwt, verifyJwt } from './jwt.js';
import {
  PaymentProviderError,
  PaymentVerificationError,
  type CreatePaymentInput,
  type PaymentProvider,
  type ProviderPaymentStatus,
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

/** The sandbox's extra surface: its hosted payment page reads and completes payments. */
export type SandboxProvider = PaymentProvider & {
  /** A payment as the hosted test page shows it; undefined for an unknown reference. */
  describe(providerRef: string): (CreatePaymentInput & { status: ProviderPaymentStatus }) | undefined;
  /**
   * The payer pressed pay, fail or cancel on the test page: the sandbox records it, sends the
   * signed notification server to server, and returns where the browser goes next (the return
   * URL with the signed token, as a real provider does).
   */
  complete(providerRef: string, outcome: 'pay' | 'fail' | 'cancel'): Promise<string>;
};

const accessKey = 'sandbox';

/**
 * The embedded test payment provider. It behaves like Montonio: payments get a hosted page,
 * every status change is signed with HS256 and sent to the notification URL, the browser comes
 * back with the same token, and the status can be queried. Its memory is the process's: a
 * restart forgets unfinished test payments (their orders then time out like abandoned ones).
 */
export function createSandboxProvider(options: { secret: string; publicUrl: string; clock: Clock; deliver?: NotificationDelivery }): SandboxProvider {
  const payments = new Map<string, SandboxPayment>();
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
      payments.set(providerRef, { ...input, providerRef, status: 'PENDING', refundedCents: 0 });
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
      const payment = payments.get(providerRef);
      if (!payment) throw new PaymentProviderError('unknown sandbox payment');
      return statusOf(payment);
    },
    async refund({ providerRef, amountCents }) {
      const payment = payments.get(providerRef);
      if (!payment || (payment.status !== 'PAID' && payment.status !== 'PARTIALLY_REFUNDED')) return { refundRef: randomUUID(), status: 'REJECTED' };
      if (amountCents > payment.amountCents - payment.refundedCents) return { refundRef: randomUUID(), status: 'REJECTED' };
      payment.refundedCents += amountCents;
      payment.status = payment.refundedCents === payment.amountCents ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
      return { refundRef: randomUUID(), status: 'SUCCESSFUL' };
    },
    describe(providerRef) {
      const payment = payments.get(providerRef);
      return payment ? { ...payment } : undefined;
    },
    async complete(providerRef, outcome) {
      const payment = payments.get(providerRef);
      if (!payment) throw new PaymentProviderError('unknown sandbox payment');
      if (payment.status === 'PENDING') payment.status = outcome === 'pay' ? 'PAID' : outcome === 'fail' ? 'VOIDED' : 'ABANDONED';
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
