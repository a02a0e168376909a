/**
 * What the portal needs from an online payment provider. Two implementations: the embedded
 * sandbox (a hosted test payment page served by the portal itself, signing its notifications like
 * a real provider) and Montonio (Estonian bank links and cards). Every status the portal acts on
 * comes from a verified token or a verified status query, never from the browser's return alone.
 */

/** The provider's word for where a payment stands (Montonio's paymentStatus values). */
export type ProviderPaymentStatus = 'PENDING' | 'AUTHORIZED' | 'PAID' | 'VOIDED' | 'ABANDONED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';

export type CreatePaymentInput = {
  /** The portal's reference for the payment (unique, e.g. "K-12"). */
  merchantReference: string;
  amountCents: number;
  currency: 'EUR';
  /** Shown to the payer (the bank statement text). */
  description: string;
  locale: 'et' | 'en';
  /** Where the payer's browser comes back to. */
  returnUrl: string;
  /** Where the provider sends its signed server-to-server notifications. */
  notificationUrl: string;
};

export type CreatedPayment = {
  /** The provider's id of the payment (Montonio's order uuid). */
  providerRef: string;
  /** Where to send the payer's browser. */
  paymentUrl: string;
};

/** A payment status whose signature, issuer and expiry were checked. */
export type VerifiedPaymentStatus = {
  providerRef: string;
  merchantReference: string;
  status: ProviderPaymentStatus;
  amountCents: number;
  currency: string;
};

export type RefundResult = { refundRef: string; status: 'PENDING' | 'SUCCESSFUL' | 'REJECTED' };

/** A token or request that failed verification (bad signature, wrong key, expired, malformed). */
export class PaymentVerificationError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PaymentVerificationError';
  }
}

/** The provider could not be reached or refused the request. */
export class PaymentProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}

export type PaymentProvider = {
  readonly name: 'sandbox' | 'montonio';
  /** Registers a payment with the provider. Throws PaymentProviderError. */
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  /**
   * Verifies a notification or return token (the `orderToken` / `order-token` value) and reads the
   * status it carries. Throws PaymentVerificationError when it cannot be trusted.
   */
  verifyToken(token: string): Promise<VerifiedPaymentStatus>;
  /** Asks the provider where a payment stands (a verified status query). Throws PaymentProviderError. */
  queryStatus(providerRef: string): Promise<VerifiedPaymentStatus>;
  /** Refunds part or all of a paid payment. The idempotency key makes a retried request one refund. */
  refund(input: { providerRef: string; amountCents: number; idempotencyKey: string }): Promise<RefundResult>;
};
