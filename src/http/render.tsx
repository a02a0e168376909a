import type { FastifyReply, FastifyRequest } from 'fastify';
import { defaultLocale, translator } from '../i18n/index.js';
import type { PageContext } from './context.js';
import { h, type Html } from './jsx.js';
import { ErrorPage, type ErrorKind } from './views/error-page.js';

/** A page component as a whole HTML document. */
export function pageHtml(page: Html): string {
  return '<!doctype html>' + page.value;
}

/** The headers of every HTML document: no cache may keep one (pages carry a per-visitor CSRF token). */
export const htmlHeaders = Object.freeze({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });

/** Sends an HTML document (with `htmlHeaders`). */
export function sendHtml(reply: FastifyReply, html: string | Buffer, status = 200): FastifyReply {
  return reply.code(status).headers(htmlHeaders).send(html);
}

/** Renders a page component to HTML and sends it. */
export function sendPage(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return sendHtml(reply, pageHtml(page), status);
}

/** The request's page context, or a plain anonymous one when the failure came before it was built. */
function contextOf(request: FastifyRequest): PageContext {
  if (request.ctx) return request.ctx;
  return {
    locale: defaultLocale,
    t: translator(defaultLocale),
    actor: undefined,
    hasSessionEnded: false,
    csrfToken: '',
    currentPath: '/',
    flash: undefined,
    unreadCount: 0,
    isSentEmailOpen: false,
    support: { email: '', skype: undefined, phone: undefined },
    uploads: { maxFiles: 0, maxFileMegabytes: 0 },
  };
}

/** Sends one of the friendly error pages (404, 403, CSRF, 400, 413, 429, 500). */
export function sendErrorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  kind: ErrorKind,
  referenceId?: string,
): FastifyReply {
  return sendPage(reply, <ErrorPage ctx={contextOf(request)} kind={kind} referenceId={referenceId} />, status);
}
