import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock.js';
import { signJwt } from '../../src/adapters/payments/jwt.js';
import { createMontonioProvider } from '../../src/adapters/payments/montonio.js';
import { PaymentProviderError, PaymentVerificationError, type PaymentProvider } from '../../src/adapters/payments/provider.js';

const ACCESS_KEY = 'test-access-key-7f3a';
const SECRET_KEY = 'test-secret-key-9c2e-do-not-leak';
const ORDER_UUID = '1e0d6c4e-6f0a-4b6b-9f61-2b6c1f3f5a10';
const REFUND_UUID = '8a1b2c3d-0000-4000-8000-000000000042';
const PAYMENT_URL = 'https://sandbox-payments.montonio.com?payment_token=abc';

type Received = { method: string; path: string; claims: Record<string, unknown>; rawPayload: string };
type Reply = { status: number; body: unknown } | 'hang';

/** Montonio's HS256 check, written independently of the adapter's own verifier. */
function montonioVerify(token: string): { claims: Record<string, unknown>; rawPayload: string } | undefined {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  const expected = Buffer.from(createHmac('sha256', SECRET_KEY).update(`${header}.${payload}`).digest('base64url'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  if (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')).alg !== 'HS256') return undefined;
  const rawPayload = Buffer.from(payload, 'base64url').toString('utf8');
  return { claims: JSON.parse(rawPayload) as Record<string, unknown>, rawPayload };
}

/**
 * A fake Montonio Stargate on 127.0.0.1: it checks every request's JWT (signature with the test
 * secret, our access key) and answers as the reference describes, or as a test tells it to.
 */
class FakeMontonio {
  received: Received[] = [];
  reply: Partial<Record<'orders' | 'order' | 'refunds', Reply>> = {};
  /** Requests left unanswered on purpose (a hanging server). */
  hanging: ServerResponse[] = [];
  #server: Server = createServer((request, response) => void this.#handle(request, response));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  reset(): void {
    this.received = [];
    this.reply = {};
    for (const response of this.hanging) response.destroy();
    this.hanging = [];
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = request.url ?? '';
    let token: string | undefined;
    if (request.method === 'GET') {
      token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    } else if (request.headers['content-type'] === 'application/json') {
      token = (JSON.parse(text) as { data?: string }).data;
    }
    const verified = token === undefined ? undefined : montonioVerify(token);
    if (verified === undefined || verified.claims.accessKey !== ACCESS_KEY) {
      return this.#send(response, { status: 401, body: { statusCode: 401, message: 'Unauthorized' } });
    }
    this.received.push({ method: request.method ?? '', path, ...verified });
    const claims = verified.claims;
    if (request.method === 'POST' && path === '/api/orders') {
      return this.#send(response, this.reply.orders ?? {
        status: 201,
        body: {
          uuid: ORDER_UUID,
          paymentStatus: 'PENDING',
          paymentUrl: PAYMENT_URL,
          merchantReference: claims.merchantReference,
          grandTotal: String(claims.grandTotal),
          currency: claims.currency,
        },
      });
    }
    if (request.method === 'GET' && path === `/api/orders/${ORDER_UUID}`) {
      return this.#send(response, this.reply.order ?? {
        status: 200,
        body: { uuid: ORDER_UUID, merchantReference: 'K-12', paymentStatus: 'PAID', grandTotal: '90.50', currency: 'EUR', refunds: [] },
      });
    }
    if (request.method === 'POST' && path === '/api/refunds') {
      return this.#send(response, this.reply.refunds ?? {
        status: 201,
        body: { uuid: REFUND_UUID, amount: claims.amount, status: 'PENDING', currency: 'EUR', createdAt: '2026-11-25T10:00:00Z', type: 'PARTIAL_REFUND' },
      });
    }
    this.#send(response, { status: 404, body: { statusCode: 404, message: 'Not Found' } });
  }

  #send(response: ServerResponse, reply: Reply): void {
    if (reply === 'hang') {
      this.hanging.push(response);
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    response.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json' });
    response.end(text);
  }
}

const fake = new FakeMontonio();
let baseUrl: string;
let clock: ManualClock;
let montonio: PaymentProvider;
const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

const paymentInput = {
  merchantReference: 'K-12',
  amountCents: 9050,
  currency: 'EUR' as const,
  description: 'Konsult tellimus K-12',
  locale: 'et' as const,
  returnUrl: 'https://konsult.example/orders/12/return',
  notificationUrl: 'https://konsult.example/payments/montonio/notify',
};

/** A token signed the way Montonio signs its webhook and return tokens. */
function webhookToken(overrides: Record<string, unknown> = {}, secret = SECRET_KEY): string {
  return signJwt(
    {
      uuid: ORDER_UUID,
      accessKey: ACCESS_KEY,
      merchantReference: 'K-12',
      merchantReferenceDisplay: 'K-12',
      paymentStatus: 'PAID',
      paymentMethod: 'paymentInitiation',
      paymentProviderName: 'LHV',
      grandTotal: 90.5,
      currency: 'EUR',
      senderIban: null,
      senderName: null,
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
      ...overrides,
    },
    secret,
  );
}

/** The PaymentProviderError a promise rejects with (fails the test when it resolves). */
async function providerError(promise: Promise<unknown>): Promise<PaymentProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PaymentProviderError);
  return error as PaymentProviderError;
}

beforeAll(async () => {
  baseUrl = await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  clock = new ManualClock('2026-11-25T10:00:00.000Z');
  montonio = createMontonioProvider({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY, baseUrl, clock, timeoutMs: 500 });
});
afterEach(() => fake.reset());

describe('Montonio: creating a payment', () => {
  it('registers an order with a signed token and returns the payment URL and the order uuid', async () => {
    const created = await montonio.createPayment(paymentInput);
    expect(created).toEqual({ providerRef: ORDER_UUID, paymentUrl: PAYMENT_URL });
    expect(fake.received).toHaveLength(1);
    const [request] = fake.received;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/api/orders');
    expect(request!.claims).toEqual({
      accessKey: ACCESS_KEY,
      merchantReference: 'K-12',
      returnUrl: 'https://konsult.example/orders/12/return',
      notificationUrl: 'https://konsult.example/payments/montonio/notify',
      grandTotal: 90.5,
      currency: 'EUR',
      locale: 'et',
      payment: {
        method: 'paymentInitiation',
        amount: 90.5,
        currency: 'EUR',
        methodOptions: { preferredCountry: 'EE', paymentDescription: 'Konsult tellimus K-12' },
      },
      lineItems: [{ name: 'Konsult tellimus K-12', quantity: 1, finalPrice: 90.5 }],
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
    });
    // The amount travels as a plain JSON number in major units.
    expect(request!.rawPayload).toContain('"grandTotal":90.5,');
  });

  it('converts cents to euros exactly, without floating-point drift', async () => {
    const cases: [number, number][] = [[1, 0.01], [10, 0.1], [1999, 19.99], [100, 1], [12345, 123.45], [123456789, 1234567.89], [30, 0.3]];
    for (const [amountCents] of cases) await montonio.createPayment({ ...paymentInput, amountCents, locale: 'en' });
    expect(fake.received.map((r) => r.claims.grandTotal)).toEqual(cases.map(([, euros]) => euros));
    expect(fake.received.map((r) => /"grandTotal":([^,]+),/.exec(r.rawPayload)?.[1])).toEqual(['0.01', '0.1', '19.99', '1', '123.45', '1234567.89', '0.3']);
    expect(fake.received[0]!.claims.locale).toBe('en');
  });

  it('refuses an amount that is not a positive whole number of cents without calling Montonio', async () => {
    for (const amountCents of [0, -100, 90.5, Number.NaN]) {
      await expect(montonio.createPayment({ ...paymentInput, amountCents })).rejects.toThrow(RangeError);
    }
    expect(fake.received).toHaveLength(0);
  });

  it('reports a 422 refusal with its status and reason, never the secret key', async () => {
    fake.reply.orders = { status: 422, body: { statusCode: 422, message: ['grandTotal must not be less than 0.01'], error: 'Unprocessable Entity' } };
    const error = await providerError(montonio.createPayment(paymentInput));
    expect(error.message).toContain('422');
    expect(error.message).toContain('grandTotal must not be less than 0.01');
    expect(error.message).not.toContain(SECRET_KEY);
  });

  it('never repeats the secret key even when the provider echoes it', async () => {
    fake.reply.orders = { status: 400, body: { statusCode: 400, message: `signature does not match ${SECRET_KEY}` } };
    const error = await providerError(montonio.createPayment(paymentInput));
    expect(error.message).toContain('400');
    expect(error.message).not.toContain(SECRET_KEY);
  });

  it('reports a 500 from Montonio as a provider error', async () => {
    fake.reply.orders = { status: 500, body: 'Internal Server Error' };
    const error = await providerError(montonio.createPayment(paymentInput));
    expect(error.message).toMatch(/POST \/orders answered 500/);
    expect(error.message).not.toContain(SECRET_KEY);
  });

  it('reports wrong keys (401 from Montonio) as a provider error', async () => {
    const wrongKey = createMontonioProvider({ accessKey: 'someone-else', secretKey: SECRET_KEY, baseUrl, clock, timeoutMs: 500 });
    expect((await providerError(wrongKey.createPayment(paymentInput))).message).toContain('401');
    const wrongSecret = createMontonioProvider({ accessKey: ACCESS_KEY, secretKey: 'not-the-secret', baseUrl, clock, timeoutMs: 500 });
    const error = await providerError(wrongSecret.createPayment(paymentInput));
    expect(error.message).toContain('401');
    expect(error.message).not.toContain('not-the-secret');
  });

  it('refuses an answer without a payment URL or uuid, or one that is not JSON', async () => {
    fake.reply.orders = { status: 201, body: { uuid: ORDER_UUID, paymentStatus: 'PENDING' } };
    await providerError(montonio.createPayment(paymentInput));
    fake.reply.orders = { status: 201, body: { paymentUrl: PAYMENT_URL } };
    await providerError(montonio.createPayment(paymentInput));
    fake.reply.orders = { status: 201, body: { uuid: ORDER_UUID, paymentUrl: 'javascript:alert(1)' } };
    await providerError(montonio.createPayment(paymentInput));
    fake.reply.orders = { status: 200, body: '<html>maintenance</html>' };
    expect((await providerError(montonio.createPayment(paymentInput))).message).toContain('without JSON');
  });

  it('gives up on a server that never answers', async () => {
    fake.reply.orders = 'hang';
    const error = await providerError(montonio.createPayment(paymentInput));
    expect(error.message).toContain('timed out after 500 ms');
  });

  it('reports an unreachable server as a provider error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = createMontonioProvider({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY, baseUrl: `http://127.0.0.1:${port}/api`, clock });
    expect((await providerError(offline.createPayment(paymentInput))).message).toContain('could not be reached');
  });

  it('accepts a base URL with a trailing slash', async () => {
    const slashed = createMontonioProvider({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY, baseUrl: `${baseUrl}/`, clock });
    await expect(slashed.createPayment(paymentInput)).resolves.toMatchObject({ providerRef: ORDER_UUID });
  });
});

describe('Montonio: verifying a notification or return token', () => {
  it('reads the status of a token signed like Montonio’s webhook', async () => {
    await expect(montonio.verifyToken(webhookToken())).resolves.toEqual({
      providerRef: ORDER_UUID,
      merchantReference: 'K-12',
      status: 'PAID',
      amountCents: 9050,
      currency: 'EUR',
    });
  });

  it('reads every payment status Montonio sends', async () => {
    for (const status of ['PENDING', 'AUTHORIZED', 'PAID', 'VOIDED', 'ABANDONED', 'PARTIALLY_REFUNDED', 'REFUNDED']) {
      await expect(montonio.verifyToken(webhookToken({ paymentStatus: status }))).resolves.toMatchObject({ status });
    }
  });

  it('converts the grand total to cents exactly', async () => {
    for (const [grandTotal, cents] of [[19.99, 1999], [0.29, 29], [1234567.89, 123456789], [100, 10000], [0, 0]] as const) {
      await expect(montonio.verifyToken(webhookToken({ grandTotal }))).resolves.toMatchObject({ amountCents: cents });
    }
  });

  it('refuses a token issued for another access key', async () => {
    await expect(montonio.verifyToken(webhookToken({ accessKey: 'another-merchant' }))).rejects.toThrow(PaymentVerificationError);
    await expect(montonio.verifyToken(webhookToken({ accessKey: undefined }))).rejects.toThrow(/access key/);
  });

  it('refuses a token signed with another secret', async () => {
    await expect(montonio.verifyToken(webhookToken({}, 'an-attackers-secret'))).rejects.toThrow(PaymentVerificationError);
  });

  it('refuses an expired token, allowing five minutes of clock skew', async () => {
    const token = webhookToken({ exp: nowSeconds() + 60 });
    clock.advance(6 * 60_000);
    await expect(montonio.verifyToken(token)).resolves.toMatchObject({ status: 'PAID' });
    clock.advance(60_000);
    await expect(montonio.verifyToken(token)).rejects.toThrow('token expired');
  });

  it('refuses a token whose amount or status was changed after signing', async () => {
    const [header, , signature] = webhookToken({ paymentStatus: 'ABANDONED', grandTotal: 0.01 }).split('.');
    const body = (claims: Record<string, unknown>) => Buffer.from(JSON.stringify(claims)).toString('base64url');
    const forged = { uuid: ORDER_UUID, accessKey: ACCESS_KEY, merchantReference: 'K-12', paymentStatus: 'PAID', grandTotal: 90.5, currency: 'EUR', exp: nowSeconds() + 600 };
    await expect(montonio.verifyToken(`${header}.${body(forged)}.${signature}`)).rejects.toThrow('bad token signature');
  });

  it('refuses an unknown payment status', async () => {
    await expect(montonio.verifyToken(webhookToken({ paymentStatus: 'COMPLETED' }))).rejects.toThrow('unknown payment status');
    await expect(montonio.verifyToken(webhookToken({ paymentStatus: 'paid' }))).rejects.toThrow(PaymentVerificationError);
  });

  it('refuses a token without its order uuid, merchant reference, valid amount or currency', async () => {
    for (const overrides of [
      { uuid: undefined },
      { uuid: '' },
      { merchantReference: undefined },
      { grandTotal: undefined },
      { grandTotal: -1 },
      { grandTotal: 'lots' },
      { grandTotal: null },
      { currency: undefined },
    ]) {
      await expect(montonio.verifyToken(webhookToken(overrides))).rejects.toThrow(PaymentVerificationError);
    }
  });

  it('refuses a refund notification where an order token is expected', async () => {
    const refundToken = signJwt(
      { orderUuid: ORDER_UUID, refundUuid: REFUND_UUID, refundStatus: 'SUCCESSFUL', refundAmount: 12.34, accessKey: ACCESS_KEY, exp: nowSeconds() + 600 },
      SECRET_KEY,
    );
    await expect(montonio.verifyToken(refundToken)).rejects.toThrow(PaymentVerificationError);
  });
});

describe('Montonio: asking for a payment’s status', () => {
  it('sends a valid Bearer token and maps the order object', async () => {
    await expect(montonio.queryStatus(ORDER_UUID)).resolves.toEqual({
      providerRef: ORDER_UUID,
      merchantReference: 'K-12',
      status: 'PAID',
      amountCents: 9050,
      currency: 'EUR',
    });
    expect(fake.received).toHaveLength(1);
    expect(fake.received[0]!.method).toBe('GET');
    expect(fake.received[0]!.path).toBe(`/api/orders/${ORDER_UUID}`);
    expect(fake.received[0]!.claims).toEqual({ accessKey: ACCESS_KEY, iat: nowSeconds(), exp: nowSeconds() + 600 });
  });

  it('reads the grand total string to the cent', async () => {
    for (const [grandTotal, cents] of [['19.99', 1999], ['90.5', 9050], ['100', 10000], ['0.01', 1], ['1234567.89', 123456789]] as const) {
      fake.reply.order = { status: 200, body: { uuid: ORDER_UUID, merchantReference: 'K-12', paymentStatus: 'PENDING', grandTotal, currency: 'EUR' } };
      await expect(montonio.queryStatus(ORDER_UUID)).resolves.toMatchObject({ amountCents: cents, status: 'PENDING' });
    }
  });

  it('refuses an answer about another order, with an unknown status or a bad amount', async () => {
    const order = { uuid: ORDER_UUID, merchantReference: 'K-12', paymentStatus: 'PAID', grandTotal: '90.50', currency: 'EUR' };
    for (const body of [
      { ...order, uuid: 'another-uuid' },
      { ...order, paymentStatus: 'SETTLED' },
      { ...order, grandTotal: '90,50' },
      { ...order, grandTotal: '-1.00' },
      { ...order, grandTotal: '90.505' },
      { ...order, merchantReference: undefined },
    ]) {
      fake.reply.order = { status: 200, body };
      await providerError(montonio.queryStatus(ORDER_UUID));
    }
  });

  it('reports an unknown order (404) as a provider error', async () => {
    expect((await providerError(montonio.queryStatus('0c8e1c55-0000-4000-8000-000000000000'))).message).toContain('404');
  });
});

describe('Montonio: refunds', () => {
  it('posts the order uuid, the amount with two decimals and the idempotency key', async () => {
    const result = await montonio.refund({ providerRef: ORDER_UUID, amountCents: 1234, idempotencyKey: 'c9b7f5a2-1d3e-4f60-8a9b-0c1d2e3f4a5b' });
    expect(result).toEqual({ refundRef: REFUND_UUID, status: 'PENDING' });
    expect(fake.received).toHaveLength(1);
    expect(fake.received[0]!.path).toBe('/api/refunds');
    expect(fake.received[0]!.claims).toEqual({
      accessKey: ACCESS_KEY,
      orderUuid: ORDER_UUID,
      amount: 12.34,
      idempotencyKey: 'c9b7f5a2-1d3e-4f60-8a9b-0c1d2e3f4a5b',
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
    });
    expect(fake.received[0]!.rawPayload).toContain('"amount":12.34,');
  });

  it('maps the refund status, treating anything unfinished as pending', async () => {
    for (const [status, mapped] of [['SUCCESSFUL', 'SUCCESSFUL'], ['REJECTED', 'REJECTED'], ['PENDING', 'PENDING'], ['PROCESSING', 'PENDING'], [undefined, 'PENDING']]) {
      fake.reply.refunds = { status: 201, body: { uuid: REFUND_UUID, amount: '12.34', status, currency: 'EUR', type: 'PARTIAL_REFUND' } };
      await expect(montonio.refund({ providerRef: ORDER_UUID, amountCents: 1234, idempotencyKey: 'k-1' })).resolves.toEqual({ refundRef: REFUND_UUID, status: mapped });
    }
  });

  it('reports a refused refund as a provider error', async () => {
    fake.reply.refunds = { status: 400, body: { statusCode: 400, message: 'Refund amount exceeds available amount' } };
    const error = await providerError(montonio.refund({ providerRef: ORDER_UUID, amountCents: 999_999, idempotencyKey: 'k-2' }));
    expect(error.message).toContain('400');
    expect(error.message).toContain('exceeds available amount');
  });

  it('refuses a refund of no money without calling Montonio', async () => {
    await expect(montonio.refund({ providerRef: ORDER_UUID, amountCents: 0, idempotencyKey: 'k-3' })).rejects.toThrow(RangeError);
    expect(fake.received).toHaveLength(0);
  });
});
