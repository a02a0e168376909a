import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from '../../src/adapters/payments/jwt.js';
import { PaymentVerificationError } from '../../src/adapters/payments/provider.js';

const secret = 'test-secret-key-for-jwt';
const now = new Date('2026-11-25T10:00:00.000Z');
const nowSeconds = Math.floor(now.getTime() / 1000);
const claims = { uuid: 'b3c1', merchantReference: 'K-12', grandTotal: 90.5, iat: nowSeconds, exp: nowSeconds + 600 };

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const hmac = (key: string, input: string): string => createHmac('sha256', key).update(input).digest('base64url');

/** A token with any header, signed correctly with `key` over whatever it holds. */
function handMade(header: unknown, payload: unknown, key = secret): string {
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${hmac(key, input)}`;
}

/** The reason verifyJwt gives for refusing `token`, or a failure when it accepts it. */
function refusal(token: string, at = now, leewaySeconds?: number): string {
  try {
    verifyJwt(token, secret, { now: at, leewaySeconds });
  } catch (error) {
    expect(error).toBeInstanceOf(PaymentVerificationError);
    return (error as Error).message;
  }
  throw new Error('the token was accepted');
}

describe('HS256 tokens', () => {
  it('verifies the claims of a token it signed', () => {
    const token = signJwt(claims, secret);
    expect(token.split('.')).toHaveLength(3);
    expect(verifyJwt(token, secret, { now })).toEqual(claims);
  });

  it('writes the standard header {"alg":"HS256","typ":"JWT"} in base64url', () => {
    const [header, payload, signature] = signJwt({ text: 'õun ~~~ ???', exp: nowSeconds }, secret).split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'))).toEqual({ alg: 'HS256', typ: 'JWT' });
    for (const part of [header, payload, signature]) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('agrees with an independently computed HMAC-SHA-256 signature', () => {
    const token = handMade({ alg: 'HS256', typ: 'JWT' }, claims);
    expect(verifyJwt(token, secret, { now })).toEqual(claims);
    expect(signJwt(claims, secret)).toBe(token);
  });

  it('refuses a token whose payload was changed after signing', () => {
    const [header, , signature] = signJwt(claims, secret).split('.');
    const forged = `${header}.${encode({ ...claims, grandTotal: 0.01 })}.${signature}`;
    expect(refusal(forged)).toBe('bad token signature');
  });

  it('refuses a token whose signature was changed, even in its last character', () => {
    const token = signJwt(claims, secret);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The last character holds 2 spare bits: its neighbour in the alphabet decodes to the same bytes.
    const neighbour = alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]!;
    const signature = token.split('.')[2]!;
    const sameBytes = Buffer.from(signature.slice(0, -1) + neighbour, 'base64url').equals(Buffer.from(signature, 'base64url'));
    expect(sameBytes).toBe(true);
    expect(refusal(token.slice(0, -1) + neighbour)).toBe('bad token signature');
    const changed = `${token.slice(0, -signature.length)}${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expect(refusal(changed)).toBe('bad token signature');
  });

  it('refuses a token signed with another secret', () => {
    expect(refusal(signJwt(claims, 'another-secret'))).toBe('bad token signature');
  });

  it('refuses alg "none", with or without a signature', () => {
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    expect(refusal(unsigned)).toBe('unsupported token algorithm');
    expect(refusal(handMade({ alg: 'none' }, claims))).toBe('unsupported token algorithm');
    expect(refusal(handMade({ alg: 'hs256' }, claims))).toBe('unsupported token algorithm');
    expect(refusal(handMade({ typ: 'JWT' }, claims))).toBe('unsupported token algorithm');
  });

  it('refuses an RS256 or HS512 header even when the HMAC over it is right', () => {
    expect(refusal(handMade({ alg: 'RS256', typ: 'JWT' }, claims))).toBe('unsupported token algorithm');
    expect(refusal(handMade({ alg: 'HS512', typ: 'JWT' }, claims))).toBe('unsupported token algorithm');
  });

  it('refuses an expired token, but allows five minutes of clock skew by default', () => {
    const token = signJwt({ ...claims, exp: nowSeconds - 60 }, secret);
    expect(verifyJwt(token, secret, { now })).toMatchObject({ uuid: 'b3c1' });
    expect(verifyJwt(token, secret, { now: new Date(now.getTime() + 240_000) })).toMatchObject({ uuid: 'b3c1' });
    expect(refusal(token, new Date(now.getTime() + 241_000))).toBe('token expired');
    expect(refusal(token, now, 0)).toBe('token expired');
    expect(verifyJwt(token, secret, { now, leewaySeconds: 60 })).toMatchObject({ uuid: 'b3c1' });
  });

  it('refuses a token without a numeric exp claim', () => {
    const { exp: _exp, ...withoutExp } = claims;
    expect(refusal(signJwt(withoutExp, secret))).toBe('token has no expiry');
    expect(refusal(signJwt({ ...claims, exp: String(nowSeconds + 600) }, secret))).toBe('token has no expiry');
    expect(refusal(signJwt({ ...claims, exp: null }, secret))).toBe('token has no expiry');
  });

  it('refuses a token that is not valid yet (nbf)', () => {
    expect(refusal(signJwt({ ...claims, nbf: nowSeconds + 3600 }, secret))).toBe('token not yet valid');
    expect(verifyJwt(signJwt({ ...claims, nbf: nowSeconds + 100 }, secret), secret, { now })).toMatchObject({ uuid: 'b3c1' });
  });

  it('refuses a token of two or four parts', () => {
    const [header, payload, signature] = signJwt(claims, secret).split('.');
    expect(refusal(`${header}.${payload}`)).toBe('malformed token');
    expect(refusal(`${header}.${payload}.${signature}.${signature}`)).toBe('malformed token');
    expect(refusal('')).toBe('malformed token');
  });

  it('refuses garbage instead of base64url JSON', () => {
    const [header, payload, signature] = signJwt(claims, secret).split('.');
    expect(refusal(`not*base64.${payload}.${signature}`)).toBe('malformed token header');
    expect(refusal(`${encode('just a string')}.${payload}.${signature}`)).toBe('malformed token header');
    expect(refusal(`${Buffer.from('{not json').toString('base64url')}.${payload}.${signature}`)).toBe('malformed token header');
    expect(refusal(`${header}.${payload}.sig+with/plain=base64`)).toBe('malformed token signature');
    // A correctly signed payload that is not a JSON object.
    const input = `${header}.${Buffer.from('[1,2,3]').toString('base64url')}`;
    expect(refusal(`${input}.${hmac(secret, input)}`)).toBe('malformed token payload');
    const notJson = `${header}.${Buffer.from('{"exp":').toString('base64url')}`;
    expect(refusal(`${notJson}.${hmac(secret, notJson)}`)).toBe('malformed token payload');
  });

  it('refuses signatures of the wrong length cleanly, without a TypeError from the comparison', () => {
    const [header, payload, signature] = signJwt(claims, secret).split('.');
    for (const wrong of ['', 'A', signature!.slice(0, -1), `${signature}A`, `${signature}${signature}`]) {
      expect(refusal(`${header}.${payload}.${wrong}`)).toMatch(/^(bad|malformed) token signature$/);
    }
  });

  it('refuses to verify with an empty secret, and refuses to sign with one', () => {
    const token = signJwt(claims, secret);
    expect(() => verifyJwt(token, '', { now })).toThrow(PaymentVerificationError);
    expect(() => signJwt(claims, '')).toThrow();
  });
});
