import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyServerFactory } from 'fastify';
import { inArrivalOrder } from './arrival-order.js';
import type { AnonymousVisitor, SignedInVisitor } from './plugins/request-context.js';
import type { PrivatePageCache } from './private-page-cache.js';
import type { PublicPageCache } from './public-page-cache.js';

/**
 * Answers a request itself (true) or leaves it to the framework (false, nothing written); a
 * signed-in visitor's answer comes once their session is looked up.
 */
export type FrontDoor = (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>;

export type KeptPageFrontOptions = {
  pages: PublicPageCache;
  /** Signed-in visitors' own pages (decision 024). */
  privatePages: PrivatePageCache;
  parseCookies(header: string): Record<string, string | undefined>;
  /** The visitor's language and CSRF token when the request is an anonymous visitor's and holds nothing else (request-context.ts). */
  anonymousVisitor(cookies: Record<string, string | undefined>): AnonymousVisitor | undefined;
  /**
   * A signed-in visitor's page context and data version when the request holds a live session and
   * nothing else; undefined at once when it holds no session (request-context.ts).
   */
  signedInVisitor(request: IncomingMessage, cookies: Record<string, string | undefined>): Promise<SignedInVisitor | undefined> | undefined;
  /** Every header of the framework's answer with such a page, but its length (security headers, then the HTML ones). */
  headers: Readonly<Record<string, string>>;
  /** True once the app has begun to close: the framework then answers 503. */
  isClosing(): boolean;
  /** Writes the request's log line, when each request is logged (with the signed-in visitor's id, as Fastify's has it). */
  logRequest?: (line: { path: string; ms: number; userId?: number }) => void;
};

/**
 * The front door for directory and profile pages kept in memory (decisions 022 and 023): a GET
 * of a fresh kept page is answered before Fastify sees the request, with the same bytes and
 * headers Fastify would send (`test/integration/kept-page-front.test.ts` compares them): an
 * anonymous visitor's at once, a signed-in visitor's with their own header once their session
 * is looked up. Anything else (an ended session, a flash message, a first visit without the
 * browser cookie, another method, a page not kept or no longer fresh, a page that is the
 * visitor's own, a closing app) goes on to Fastify, which draws the page and keeps it for the
 * next visitor.
 */
export function keptPageFront(options: KeptPageFrontOptions): FrontDoor {
  // The copy's parts go out as they are kept, in one write: no page-sized copy per answer.
  const answer = (response: ServerResponse, url: string, body: Buffer[], startedAt: number, userId?: number): true => {
    let length = 0;
    for (const part of body) length += part.length;
    response.writeHead(200, { ...options.headers, 'content-length': String(length) });
    response.cork();
    for (const part of body) response.write(part);
    response.end();
    options.logRequest?.({ path: url.split('?')[0]!, ms: Math.round(performance.now() - startedAt), userId });
    return true;
  };

  const answerSignedIn = async (response: ServerResponse, url: string, lookup: Promise<SignedInVisitor | undefined>, startedAt: number): Promise<boolean> => {
    const visitor = await lookup;
    if (!visitor || options.isClosing()) return false;
    const { ctx, dataVersion } = visitor;
    const body = options.pages.signedInCopy(ctx, url) ?? options.privatePages.copy(ctx, url, dataVersion);
    if (!body) return false;
    // The visitor left while their session was looked up: there is no one to answer.
    if (response.destroyed) return true;
    return answer(response, url, body, startedAt, ctx.actor.id);
  };

  return (request, response) => {
    if (request.method !== 'GET' || options.isClosing()) return false;
    const startedAt = performance.now();
    const url = request.url ?? '';
    const cookies = options.parseCookies(request.headers.cookie ?? '');
    const visitor = options.anonymousVisitor(cookies);
    if (visitor) {
      const body = options.pages.anonymousCopy(visitor.locale, url, visitor.csrfToken);
      return body ? answer(response, url, body, startedAt) : false;
    }
    // A signed-in visitor's session is looked up only for a page that is kept (for someone).
    const lookup = options.pages.isKept(url) || options.privatePages.isKept(url) ? options.signedInVisitor(request, cookies) : undefined;
    return lookup ? answerSignedIn(response, url, lookup, startedAt) : false;
  };
}

/**
 * Fastify's HTTP server, with `front` asked first: the same server Fastify would make itself
 * (its keep-alive, request and connection timeouts), handing on whatever `front` leaves.
 * Writes (any method but GET and HEAD) go to Fastify one per turn of the event loop, in the
 * order they were read (`arrival-order.ts`, decision 026); pages go on at once.
 */
export function serverWithFrontDoor(front: () => FrontDoor): FastifyServerFactory {
  return (handler, options) => {
    const writes = inArrivalOrder();
    const server = http.createServer((request, response) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        writes(() => handler(request, response));
        return;
      }
      const answered = front()(request, response);
      if (answered === false) handler(request, response);
      else if (answered !== true) {
        // A lookup that failed (the database down) is Fastify's to answer, as it answers any.
        answered.then(
          (isAnswered) => isAnswered || handler(request, response),
          () => handler(request, response),
        );
      }
    });
    // Fastify's defaults, which it has filled in by now.
    server.keepAliveTimeout = numberOr(options['keepAliveTimeout'], 72_000);
    server.requestTimeout = numberOr(options['requestTimeout'], 0);
    server.setTimeout(numberOr(options['connectionTimeout'], 0));
    return server;
  };
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
