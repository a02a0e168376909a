import { z } from 'zod';
import { isPlausibleEmail, normaliseEmail } from '../domain/email-address.js';
import type { MessageKey } from '../i18n/index.js';
import { DomainError, type DomainErrorCode } from '../domain/errors.js';
import type { FieldError, FieldErrors, FormValues } from './views/components.js';

/**
 * Form parsing at the edge: every field is validated with Zod, and a failure yields field
 * errors (catalog keys) plus the values as the user typed them, so the form can be shown again
 * with nothing lost. Passwords are never echoed back.
 */
export type FormResult<T> = { ok: true; data: T; values: FormValues } | { ok: false; errors: FieldErrors; values: FormValues };

// Control characters other than tab/newline; line breaks are refused in one-line fields.
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u;
const lineBreaks = /[\r\n\u2028\u2029]/u;
const allControlCharacters = new RegExp(controlCharacters.source, 'gu');

/** A one-line text: trimmed, NFC, no control characters or line breaks. */
export function lineText(max: number) {
  return z
    .string({ error: 'errors.field.required' })
    .transform((v) => v.normalize('NFC').trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'errors.field.required' })
        .max(max, { error: 'errors.field.tooLong' })
        .refine((v) => !controlCharacters.test(v) && !lineBreaks.test(v), { error: 'errors.field.nameInvalid' }),
    );
}

/** Like lineText, but an empty value becomes null. */
export function optionalLineText(max: number, pattern?: { regex: RegExp; error: MessageKey }) {
  return z
    .string({ error: 'errors.field.required' })
    .optional()
    .transform((v) => (v ?? '').normalize('NFC').trim())
    .pipe(
      z
        .string()
        .max(max, { error: 'errors.field.tooLong' })
        .refine((v) => !controlCharacters.test(v) && !lineBreaks.test(v), { error: 'errors.field.nameInvalid' })
        .refine((v) => v === '' || !pattern || pattern.regex.test(v), { error: pattern?.error ?? 'errors.field.nameInvalid' })
        .transform((v) => (v === '' ? null : v)),
    );
}

/** A multi-line text (a textarea): NFC, CRLF → LF, control characters other than line breaks and tabs removed, trimmed; may be empty. */
export function multiLineText(max: number) {
  return z
    .string()
    .optional()
    .transform((v) => (v ?? '').normalize('NFC').replace(/\r\n?/g, '\n').replace(allControlCharacters, '').trim())
    .pipe(z.string().max(max, { error: 'errors.field.tooLong' }));
}

/** A repeated form field (checkboxes): absent → [], one value → [value]; at most `max` values of bounded length. */
export function stringList(max: number) {
  return z.preprocess(
    (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.string().max(100, { error: 'errors.field.choiceInvalid' }), { error: 'errors.field.choiceInvalid' }).max(max, { error: 'errors.field.tooManyChoices' }),
  );
}

/** The largest id a route accepts (the engines' 32-bit integer keys). */
export const maxId = 2 ** 31 - 1;

/** A route's `:id` parameter. */
export const idParam = z.object({ id: z.coerce.number().int().positive().max(maxId) });

/** A checkbox or radio value as a number; anything else becomes NaN, which no id or level matches. */
export function numberOrNaN(value: string): number {
  return /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
}

export const emailField = z
  .string({ error: 'errors.field.required' })
  .transform((v) => normaliseEmail(v))
  .pipe(
    z
      .string()
      .min(1, { error: 'errors.field.required' })
      .max(254, { error: 'errors.field.tooLong' })
      .refine(isPlausibleEmail, { error: 'errors.field.emailInvalid' }),
  );

/** A password as typed (never trimmed); the policy is checked in the domain. */
export const passwordField = z
  .string({ error: 'errors.field.required' })
  .min(1, { error: 'errors.field.required' })
  .max(1024, { error: 'errors.field.PASSWORD_TOO_LONG' });

export const phonePattern = { regex: /^\+?[0-9][0-9 ()-]{4,24}$/u, error: 'errors.field.phoneInvalid' as MessageKey };

const passwordFieldNames = new Set(['password', 'passwordRepeat', 'currentPassword', 'newPassword', 'newPasswordRepeat', '_csrf']);

/**
 * The most of one field echoed back. Bodies are already bounded (64 KiB urlencoded, 200 KiB per
 * multipart field); this keeps everything a person can type, beyond the longest field the portal
 * takes (a 20 000-character message), so a form shown again never cuts off their text.
 */
const echoMaxLength = 100_000;

/** What the user typed, as strings, without passwords or the CSRF token. */
export function echoValues(body: unknown): FormValues {
  const values: FormValues = {};
  if (!body || typeof body !== 'object') return values;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (passwordFieldNames.has(key)) continue;
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text === 'string') values[key] = text.slice(0, echoMaxLength);
  }
  return values;
}

/** Every value a repeated field (checkboxes, radio buttons) was sent with, for showing the form again. */
export function echoList(body: unknown, name: string): string[] {
  if (!body || typeof body !== 'object') return [];
  const value = (body as Record<string, unknown>)[name];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').slice(0, 50);
}

/** Parses a form body; on failure returns one error per field (the first problem found). */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.output<S>> {
  const values = echoValues(body);
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, data: result.data, values };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (errors[field]) continue;
    const key = (issue.message.startsWith('errors.') ? issue.message : 'errors.field.required') as MessageKey;
    const max = issue.code === 'too_big' ? Number(issue.maximum) : undefined;
    errors[field] = max !== undefined ? { key, params: { max } } : { key };
  }
  return { ok: false, errors, values };
}

// Browsers drop tabs and line breaks from a URL before parsing it, so "/\t/evil.example" would
// become "//evil.example", another host: a return path may hold no control character at all.
const anyControlCharacter = /[\u0000-\u001f\u007f]/u;

/** A local path to return to after an action; anything else (other hosts, schemes) becomes "/". */
export function safeReturnPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string') return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || anyControlCharacter.test(value) || lineBreaks.test(value)) {
    return fallback;
  }
  // A Location header carries ASCII only (Node answers anything else with a 500): percent-encode
  // the rest, as a browser would. A lone surrogate cannot be encoded: such a path is refused.
  try {
    return value.slice(0, 500).replace(/[^\x21-\x7e]+/gu, (run) => encodeURIComponent(run));
  } catch {
    return fallback;
  }
}

/** Turns a DomainError into what a form shows: field errors for VALIDATION, a general message otherwise. */
export function formErrorsFromDomain(error: DomainError): { errors: FieldErrors; general: FieldError | undefined } {
  if (error.code === 'VALIDATION') {
    const fields = (error.details['fields'] ?? {}) as Record<string, string>;
    const params = (error.details['params'] ?? {}) as Record<string, string | number>;
    const errors: FieldErrors = {};
    for (const [field, problem] of Object.entries(fields)) errors[field] = { key: `errors.field.${problem}` as MessageKey, params };
    return { errors, general: undefined };
  }
  const { entity, status } = error.details;
  if (error.code === 'INVALID_STATE' && typeof entity === 'string' && typeof status === 'string' && lifecycleEntities.has(entity)) {
    // Says what happened ("the customer cancelled this inquiry") rather than only that it failed.
    return { errors: {}, general: { key: `errors.state.${entity}_${status}` as MessageKey } };
  }
  const params: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(error.details)) {
    if (typeof value === 'string' || typeof value === 'number') params[key] = value;
  }
  return { errors: {}, general: { key: `errors.domain.${error.code}`, params } };
}

/** Entities whose refused transitions have a sentence per state in the catalog (`errors.state.<entity>_<status>`). */
const lifecycleEntities = new Set(['inquiry', 'invitation', 'offer', 'order', 'review']);

/** Refusals a form shows beside itself (the input or the object's state); anything else goes to the error page. */
const formRefusals: ReadonlySet<DomainErrorCode> = new Set<DomainErrorCode>([
  'VALIDATION',
  'INVALID_STATE',
  'APPLICATION_EXISTS',
  'DEADLINE_PASSED',
  'OFFER_EXISTS',
  'OFFER_EXPIRED',
  'NO_EXPERTS_AVAILABLE',
  'RATE_LIMITED',
  'ORDER_EXISTS',
  'PAYMENT_UNAVAILABLE',
  'ACCOUNT_HAS_OBLIGATIONS',
]);

/**
 * The status to show a form again with when a use case refused it: 422 for invalid input, 429
 * for too many attempts, 409 when the object's state no longer allows it; undefined for errors
 * the error handler answers.
 */
export function formRefusalStatus(error: unknown): 422 | 429 | 409 | 503 | undefined {
  if (!(error instanceof DomainError) || !formRefusals.has(error.code)) return undefined;
  return error.code === 'VALIDATION' ? 422 : error.code === 'RATE_LIMITED' ? 429 : error.code === 'PAYMENT_UNAVAILABLE' ? 503 : 409;
}
