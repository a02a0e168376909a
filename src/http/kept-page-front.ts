import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyServerFactory } from 'fastify';
import type { AnonymousVisitor } from './plugins/request-context.js';
import type { PublicPageCache } from './public-page-cache.js';

/** Answers a request itself (true) or leaves it to the framework (false, nothing written). */
export type FrontDoor = (request: IncomingMessage, response: ServerResponse) => boolean;

export type KeptPageFrontOptions = {
  pages: PublicPageCache;
  parseCookies(header: string): Record<string, string | undefined>;
  /** The visitor's language and CSRF token when the request is an anonymous visitor's and holds nothing else (request-context.ts). */
  anonymousVisitor(cookies: Record<string, string | undefined>): AnonymousVisitor | undefined;
  /** Every header of the framework's answer with such a page, but its length (security headers, then the HTML ones). */
  headers: Readonly<Record<string, string>>;
  /** True once the app has begun to close: the framework then answers 503. */
  isClosing(): boolean;
  /** Writes the request's log line, when each request is logged. */
  logRequest?: (line: { path: string; ms: number }) => void;
};

/**
 * The front door for directory and profile pages kept in memory (decision 022): an anonymous
 * visitor's GET of a fresh kept page is answered before Fastify sees the request, with the same
 * bytes and headers Fastify would send (`test/integration/kept-page-front.test.ts` compares
 * them). Anything else (a session, a flash message, a first visit without the browser cookie,
 * another method, a page not kept or no longer fresh, a closing app) goes on to Fastify, which
 * draws the page and keeps it for the next visitor.
 */
export function keptPageFront(options: KeptPageFrontOptions): FrontDoor {
  return (request, response) => {
    if (request.method !== 'GET' || options.isClosing()) return false;
    const startedAt = performance.now();
    const visitor = options.anonymousVisitor(options.parseCookies(request.headers.cookie ?? ''));
    const url = request.url ?? '';
    const body = visitor && options.pages.anonymousCopy(visitor.locale, url, visitor.csrfToken);
    if (!body) return false;
    response.writeHead(200, { ...options.headers, 'content-length': String(body.length) });
    response.end(body);
    options.logRequest?.({ path: url.split('?')[0]!, ms: Math.round(performance.now() - startedAt) });
    return true;
  };
}

/**
 * Fastify's HTTP server, with `front` asked first: the same server Fastify would make itself
 * (its keep-alive, request and connection timeouts), handing on whatever `front` leaves.
 */
export function serverWithFrontDoor(front: () => FrontDoor): FastifyServerFactory {
  return (handler, options) => {
    const server = http.createServer((request, response) => {
      if (!front()(request, response)) handler(request, response);
    });
    // Fastify's defaults, which it has filled in by now.
    server.keepAliveTimeout = numberOr(options['keepAliveTimeout'], 72_000);
    server.requestTimeout = numberOr(options['requestTimeout'], 0);
    server.setTimeout(numberOr(options['connectionTimeout'], 0));
    return server;
  };
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
