import { type Clock } from '../clock.js';
import { signJwt, verifyJwt } from './jwt.js';
import {
  PaymentProviderError,
  PaymentVerificationError,
  type CreatedPayment,
  type CreatePaymentInput,
  type PaymentProvider,
  type ProviderPaymentStatus,
  type RefundResult,
  type VerifiedPaymentStatus,
} from './provider.js';

/**
 * Montonio Stargate (https://docs.montonio.com/api/stargate/): Estonian and Baltic bank links and
 * cards. Every request is an HS256 JWT signed with the secret key: POST bodies are `{"data": jwt}`,
 * GETs carry `Authorization: Bearer jwt`. Notifications and return URLs carry an `orderToken`
 * signed the same way; verifyToken checks it (signature, algorithm, expiry, our access key).
 * Offline reference: payments-and-ids.md §1.
 */

export type MontonioOptions = {
  accessKey: string;
  secretKey: string;
  /** https://sandbox-stargate.montonio.com/api or https://stargate.montonio.com/api */
  baseUrl: string;
  clock: Clock;
  fetch?: typeof fetch;
  /** How long one request may take, body included (default 15 s). */
  timeoutMs?: number;
};

const PAYMENT_STATUSES: readonly ProviderPaymentStatus[] = [
  'PENDING',
  'AUTHORIZED',
  'PAID',
  'VOIDED',
  'ABANDONED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
];
/** The clients give every request token ten minutes. */
const REQUEST_TOKEN_SECONDS = 600;
const DEFAULT_TIMEOUT_MS = 15_000;
/** SEPA unstructured remittance information holds 140 characters; banks cut or refuse longer text. */
const MAX_DESCRIPTION_CHARS = 140;

function isPaymentStatus(value: unknown): value is ProviderPaymentStatus {
  return typeof value === 'string' && (PAYMENT_STATUSES as readonly string[]).includes(value);
}

function requireCents(cents: number, what: string): void {
  if (!Number.isSafeInteger(cents) || cents <= 0) throw new RangeError(`${what} must be a positive whole number of cents`);
}

/** 9050 → "90.50", by integer arithmetic (no floating-point drift). */
function centsToDecimal(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** 9050 → 90.5: the JSON number Montonio expects for "90.50". */
function centsToMajor(cents: number): number {
  return Number(centsToDecimal(cents));
}

/**
 * Cents from an amount in major units: a JSON number (the tokens' 90.5) or a decimal string (the
 * order object's "90.50"). Undefined when it is not a finite, non-negative amount of whole cents.
 */
function toCents(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    const cents = Math.round(value * 100);
    return Number.isSafeInteger(cents) ? cents : undefined;
  }
  if (typeof value === 'string') {
    const match = /^(\d+)(?:\.(\d{1,2})0*)?$/.exec(value.trim());
    if (!match) return undefined;
    const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
    return Number.isSafeInteger(cents) ? cents : undefined;
  }
  return undefined;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function mapRefundStatus(value: unknown): RefundResult['status'] {
  // PROCESSING (and anything new) is still on its way; the refund notification says how it ends.
  return value === 'SUCCESSFUL' || value === 'REJECTED' ? value : 'PENDING';
}

/** The Montonio payment provider (name 'montonio'). */
export function createMontonioProvider(options: MontonioOptions): PaymentProvider {
  const { accessKey, secretKey, clock } = options;
  if (accessKey === '' || secretKey === '') throw new Error('Montonio needs an access key and a secret key');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /** A request token: `claims` plus our access key, iat and a ten-minute exp. */
  function requestToken(claims: Record<string, unknown> = {}): string {
    const iat = Math.floor(clock.now().getTime() / 1000);
    return signJwt({ accessKey, ...claims, iat, exp: iat + REQUEST_TOKEN_SECONDS }, secretKey);
  }

  /** Never let a key reach a message, whatever the provider echoes back. */
  function scrub(text: string): string {
    return text.split(secretKey).join('[redacted]').slice(0, 300);
  }

  /** The provider's own explanation of a refusal (`message`: a string or a list), if any. */
  function errorDetail(body: string): string {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      const message = Array.isArray(parsed.message) ? parsed.message.filter((m) => typeof m === 'string').join('; ') : parsed.message;
      return typeof message === 'string' && message !== '' ? `: ${scrub(message)}` : '';
    } catch {
      return '';
    }
  }

  /** One call to the API; the parsed JSON answer of a 2xx, else PaymentProviderError. */
  async function call(method: 'GET' | 'POST', path: string, request: { data?: string; bearer?: string }): Promise<Record<string, unknown>> {
    const what = `Montonio ${method} ${path}`;
    const signal = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.bearer !== undefined) headers.authorization = `Bearer ${request.bearer}`;
    if (request.data !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      const response = await (options.fetch ?? fetch)(`${baseUrl}${path}`, {
        method,
        headers,
        body: request.data === undefined ? undefined : JSON.stringify({ data: request.data }),
        signal,
        redirect: 'error',
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw new PaymentProviderError(`${what} timed out after ${timeoutMs} ms`);
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new PaymentProviderError(`${what} could not be reached${typeof cause === 'string' ? ` (${cause})` : ''}`);
    }
    if (status < 200 || status > 299) throw new PaymentProviderError(`${what} answered ${status}${errorDetail(text)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PaymentProviderError(`${what} answered ${status} without JSON`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new PaymentProviderError(`${what} answered ${status} without an object`);
    }
    return body as Record<string, unknown>;
  }

  async function createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    requireCents(input.amountCents, 'amountCents');
    const grandTotal = centsToMajor(input.amountCents);
    const description = [...input.description].slice(0, MAX_DESCRIPTION_CHARS).join('');
    const data = requestToken({
      merchantReference: input.merchantReference,
      returnUrl: input.returnUrl,
      notificationUrl: input.notificationUrl,
      grandTotal,
      currency: input.currency,
      locale: input.locale,
      payment: {
        method: 'paymentInitiation',
        amount: grandTotal,
        currency: input.currency,
        methodOptions: { preferredCountry: 'EE', paymentDescription: description },
      },
      lineItems: [{ name: description, quantity: 1, finalPrice: grandTotal }],
    });
    const order = await call('POST', '/orders', { data });
    const { uuid, paymentUrl } = order;
    if (!nonEmptyString(uuid) || !nonEmptyString(paymentUrl) || !isWebUrl(paymentUrl)) {
      throw new PaymentProviderError('Montonio POST /orders answered without a uuid and payment URL');
    }
    return { providerRef: uuid, paymentUrl };
  }

  async function verifyToken(token: string): Promise<VerifiedPaymentStatus> {
    const claims = verifyJwt(token, secretKey, { now: clock.now() });
    if (claims.accessKey !== accessKey) throw new PaymentVerificationError('token issued for another access key');
    const { uuid, merchantReference, paymentStatus, grandTotal, currency } = claims;
    if (!nonEmptyString(uuid)) throw new PaymentVerificationError('token has no order uuid');
    if (!nonEmptyString(merchantReference)) throw new PaymentVerificationError('token has no merchant reference');
    if (!isPaymentStatus(paymentStatus)) throw new PaymentVerificationError('token has an unknown payment status');
    const amountCents = toCents(grandTotal);
    if (amountCents === undefined) throw new PaymentVerificationError('token has no valid grand total');
    if (!nonEmptyString(currency)) throw new PaymentVerificationError('token has no currency');
    return { providerRef: uuid, merchantReference, status: paymentStatus, amountCents, currency };
  }

  async function queryStatus(providerRef: string): Promise<VerifiedPaymentStatus> {
    if (!nonEmptyString(providerRef)) throw new PaymentProviderError('no Montonio order uuid to query');
    const order = await call('GET', `/orders/${encodeURIComponent(providerRef)}`, { bearer: requestToken() });
    const { uuid, merchantReference, paymentStatus, grandTotal, currency } = order;
    const what = 'Montonio GET /orders/{uuid}';
    if (uuid !== providerRef) throw new PaymentProviderError(`${what} answered for another order`);
    if (!nonEmptyString(merchantReference)) throw new PaymentProviderError(`${what} answered without a merchant reference`);
    if (!isPaymentStatus(paymentStatus)) throw new PaymentProviderError(`${what} answered with an unknown payment status`);
    const amountCents = toCents(grandTotal);
    if (amountCents === undefined) throw new PaymentProviderError(`${what} answered without a valid grand total`);
    if (!nonEmptyString(currency)) throw new PaymentProviderError(`${what} answered without a currency`);
    return { providerRef: uuid, merchantReference, status: paymentStatus, amountCents, currency };
  }

  async function refund(input: { providerRef: string; amountCents: number; idempotencyKey: string }): Promise<RefundResult> {
    requireCents(input.amountCents, 'amountCents');
    if (!nonEmptyString(input.providerRef) || !nonEmptyString(input.idempotencyKey)) {
      throw new RangeError('a refund needs the order uuid and an idempotency key');
    }
    const data = requestToken({
      orderUuid: input.providerRef,
      amount: centsToMajor(input.amountCents),
      idempotencyKey: input.idempotencyKey,
    });
    const answer = await call('POST', '/refunds', { data });
    if (!nonEmptyString(answer.uuid)) throw new PaymentProviderError('Montonio POST /refunds answered without a uuid');
    return { refundRef: answer.uuid, status: mapRefundStatus(answer.status) };
  }

  return { name: 'montonio', createPayment, verifyToken, queryStatus, refund };
}

/** Only http(s) addresses may become a redirect for the payer's browser. */
function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
