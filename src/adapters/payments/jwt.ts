import { createHmac, timingSafeEqual } from 'node:crypto';
import { PaymentVerificationError } from './provider.js';

/**
 * Compact HS256 JSON Web Tokens (RFC 7519) with node:crypto alone: what Montonio signs its API
 * requests, notifications and return tokens with, and what the sandbox provider imitates.
 */

const HEADER = { alg: 'HS256', typ: 'JWT' } as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Montonio's own plugin allows five minutes of clock skew. */
const DEFAULT_LEEWAY_SECONDS = 300;

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function hmac(secret: string, signingInput: string): string {
  return createHmac('sha256', secret).update(signingInput, 'utf8').digest('base64url');
}

/** A JSON object from one base64url part, or a verification error naming the part. */
function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  // Buffer.from(…, 'base64url') silently skips characters outside the alphabet: check them first.
  if (!BASE64URL.test(part)) throw new PaymentVerificationError(`malformed token ${what}`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new PaymentVerificationError(`malformed token ${what}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PaymentVerificationError(`malformed token ${what}`);
  }
  return value as Record<string, unknown>;
}

/** Signs `payload` as an HS256 JWT under `secret` (header {"alg":"HS256","typ":"JWT"}). */
export function signJwt(payload: object, secret: string): string {
  if (secret === '') throw new Error('signJwt needs a non-empty secret');
  const signingInput = `${encodeJson(HEADER)}.${encodeJson(payload)}`;
  return `${signingInput}.${hmac(secret, signingInput)}`;
}

/**
 * The claims of an HS256 JWT signed with `secret` whose `exp` has not passed at `now` (give or
 * take `leewaySeconds`, default 300). The algorithm is pinned: a header asking for `none`, RS256
 * or anything else is refused before any signature is computed. Throws PaymentVerificationError.
 */
export function verifyJwt(
  token: string,
  secret: string,
  options: { now: Date; leewaySeconds?: number },
): Record<string, unknown> {
  if (secret === '') throw new PaymentVerificationError('no secret to verify with');
  if (typeof token !== 'string') throw new PaymentVerificationError('malformed token');
  const parts = token.split('.');
  if (parts.length !== 3) throw new PaymentVerificationError('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

  const header = decodeJsonObject(headerPart, 'header');
  if (header.alg !== 'HS256') throw new PaymentVerificationError('unsupported token algorithm');

  // Compare the base64url text, not the decoded bytes: the last character of a 32-byte signature
  // carries 2 spare bits, so decoding would let four spellings of one signature through.
  if (!BASE64URL.test(signaturePart)) throw new PaymentVerificationError('malformed token signature');
  const expected = Buffer.from(hmac(secret, `${headerPart}.${payloadPart}`), 'utf8');
  const given = Buffer.from(signaturePart, 'utf8');
  // timingSafeEqual throws on unequal lengths; a length says nothing about the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new PaymentVerificationError('bad token signature');
  }

  const claims = decodeJsonObject(payloadPart, 'payload');
  const leeway = options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const nowSeconds = options.now.getTime() / 1000;
  const { exp, nbf } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new PaymentVerificationError('token has no expiry');
  if (nowSeconds > exp + leeway) throw new PaymentVerificationError('token expired');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) throw new PaymentVerificationError('malformed token nbf');
    if (nowSeconds < nbf - leeway) throw new PaymentVerificationError('token not yet valid');
  }
  return claims;
}
