import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError, type DomainErrorCode } from '../../domain/errors.js';
import { sendErrorPage } from '../render.js';
import type { ErrorKind } from '../views/error-page.js';

/** The one table from domain error codes to HTTP statuses and pages. */
export const domainErrorStatus: Record<DomainErrorCode, [number, ErrorKind]> = {
  NOT_FOUND: [404, 'notFound'],
  FORBIDDEN: [403, 'forbidden'],
  INVALID_CREDENTIALS: [401, 'badRequest'],
  EMAIL_NOT_VERIFIED: [403, 'forbidden'],
  RATE_LIMITED: [429, 'rateLimited'],
  TOKEN_INVALID: [400, 'badRequest'],
  TOKEN_EXPIRED: [410, 'badRequest'],
  REAUTH_FAILED: [403, 'forbidden'],
  EMAIL_TAKEN: [409, 'badRequest'],
  VALIDATION: [422, 'badRequest'],
  ACCOUNT_BLOCKED: [403, 'forbidden'],
  INVALID_STATE: [409, 'badRequest'],
  APPLICATION_EXISTS: [409, 'badRequest'],
  FIELD_IN_USE: [409, 'badRequest'],
  DOCUMENT_TYPE_IN_USE: [409, 'badRequest'],
  OFFER_EXPIRED: [409, 'badRequest'],
  DEADLINE_PASSED: [409, 'badRequest'],
  OFFER_EXISTS: [409, 'badRequest'],
  NO_EXPERTS_AVAILABLE: [409, 'badRequest'],
  ORDER_EXISTS: [409, 'badRequest'],
  PAYMENT_UNAVAILABLE: [503, 'server'],
  ACCOUNT_HAS_OBLIGATIONS: [409, 'badRequest'],
};

/** SQLite or the file system found no room to write. */
function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

/**
 * Errors become friendly pages: domain errors by the table above, client errors Fastify detects
 * (malformed or oversized bodies, bad content types) as 4xx, and anything else as a 500 whose
 * reference id is the request id in the log. No stack ever reaches the browser.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    // A failure while the body was still arriving (an upload that hit a full disk) leaves the rest
    // of it unread on the connection: close it after this answer, or the client's next request
    // on that keep-alive connection would wait behind the stalled upload for good.
    if (!request.raw.complete) reply.header('connection', 'close');
    if (error instanceof DomainError) {
      const [status, kind] = domainErrorStatus[error.code];
      return sendErrorPage(request, reply, status, kind);
    }
    // busboy reports a malformed multipart body (no boundary, a cut-off part) as a plain Error.
    const isMalformedMultipart = !error.statusCode && /^(Multipart: |Malformed part header|Unexpected end of (form|file)|Part terminated early)/.test(error.message);
    const status = error.statusCode ?? (isMalformedMultipart ? 400 : 500);
    if (status >= 400 && status < 500) {
      request.log.info({ err: { code: error.code, message: error.message } }, 'client error');
      const kind: ErrorKind = status === 413 ? 'tooLarge' : status === 429 ? 'rateLimited' : status === 404 ? 'notFound' : 'badRequest';
      return sendErrorPage(request, reply, status, kind);
    }
    request.log.error({ err: error }, 'request failed');
    // A full disk: the write was rolled back whole. Say so, and when to come back.
    const isUnavailable = isDiskFull(error);
    if (isUnavailable) reply.header('retry-after', '120');
    return sendErrorPage(request, reply, isUnavailable ? 503 : 500, isUnavailable ? 'unavailable' : 'server', request.id);
  });

  app.setNotFoundHandler(async (request, reply) => sendErrorPage(request, reply, 404, 'notFound'));
}
