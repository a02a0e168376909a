import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, safeEqual, sign } from '../../adapters/tokens.js';
import type { Config } from '../../config.js';
import type { Locale } from '../../domain/roles.js';
import { isLocale, translator, defaultLocale } from '../../i18n/index.js';
import { resolveSession, type SessionInfo } from '../../use-cases/sessions.js';
import type { Deps } from '../../use-cases/deps.js';
import { keptAnswers } from '../../memo.js';
import { flashKeys, type FlashKey, type PageContext, type SignedInContext } from '../context.js';
import { sendErrorPage } from '../render.js';

export type CookieNames = { session: string; csrf: string; lang: string; flash: string };

export function cookieNames(isSecure: boolean): CookieNames {
  // The __Host- prefix pins a cookie to this origin and path "/", and demands Secure.
  return {
    session: isSecure ? '__Host-konsult_sid' : 'konsult_sid',
    csrf: isSecure ? '__Host-konsult_csrf' : 'konsult_csrf',
    lang: 'konsult_lang',
    flash: 'konsult_flash',
  };
}

/** What the front door needs of an anonymous visitor (decision 022): their language and CSRF token. */
export type AnonymousVisitor = { locale: Locale; csrfToken: string };

/** What the front door needs of a signed-in visitor (decisions 023 and 024): their page context and the data version read with their session. */
export type SignedInVisitor = { ctx: SignedInContext; dataVersion: string };

export type RequestContextOptions = {
  deps: Deps;
  config: Pick<Config, 'isSentEmailOpen' | 'session'>;
  secret: string;
};

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Builds `request.ctx` for every request: the session (server-side, looked up by the hash of
 * the cookie), the locale, the flash message and the CSRF token. CSRF tokens are an HMAC of the
 * session id (or, before sign-in, of a random per-browser cookie), so a token from one session
 * is worthless in another. Unsafe methods must present it; it is checked once the body is parsed.
 */
export function registerRequestContext(
  app: FastifyInstance,
  options: RequestContextOptions,
): {
  names: CookieNames;
  buildContext: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  anonymousVisitor: (cookies: Record<string, string | undefined>) => AnonymousVisitor | undefined;
  signedInVisitor: (request: IncomingMessage, cookies: Record<string, string | undefined>) => Promise<SignedInVisitor | undefined> | undefined;
} {
  const { deps, config, secret } = options;
  const isSecure = config.session.cookieSecure;
  const names = cookieNames(isSecure);
  const baseCookie = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: isSecure };

  // Tokens by binding: the same browser asks for a page many times, and an HMAC per request shows
  // in the profile of every page.
  const tokens = keptAnswers<string, string>(10_000);
  const csrfTokenOf = (binding: string) => tokens(binding, () => sign(secret, `csrf:${binding}`));

  // Live sessions the front door looked up for a request it then left to Fastify: looked up once.
  const lookedUp = new WeakMap<IncomingMessage, { rawSessionId: string; session: SessionInfo }>();

  app.decorateRequest('session', undefined);
  app.decorateRequest('ctx', undefined as unknown as FastifyRequest['ctx']);

  /** A page's context: the visitor (their session, if any), their language and token, the page's path. */
  const pageContext = (
    url: string,
    session: SessionInfo | undefined,
    binding: string,
    locale: Locale,
    { flash, hasSessionEnded }: { flash: FlashKey | undefined; hasSessionEnded: boolean },
  ): PageContext => {
    const settings = deps.settings.current();
    return {
      locale,
      t: translator(locale),
      actor: session?.actor,
      hasSessionEnded,
      csrfToken: csrfTokenOf(binding),
      currentPath: url,
      flash,
      unreadCount: session?.unreadCount ?? 0,
      isSentEmailOpen: config.isSentEmailOpen,
      support: { email: settings.supportEmail, skype: settings.supportSkype || undefined, phone: settings.supportPhone || undefined },
      uploads: { maxFiles: settings.maxFilesPerMessage, maxFileMegabytes: settings.maxFileMegabytes },
    };
  };

  const buildContext = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Static files and probes need no session, locale or token: spare them the lookups.
    if (request.url.startsWith('/static/') || request.url === '/healthz' || request.url === '/readyz') return;
    await deps.settings.refreshIfStale(deps.db);
    const cookies = request.cookies;
    const rawSessionId = cookies[names.session];
    const handedOver = lookedUp.get(request.raw);
    let session: SessionInfo | undefined;
    if (rawSessionId) session = handedOver?.rawSessionId === rawSessionId ? handedOver.session : await resolveSession(deps, rawSessionId);
    if (rawSessionId && !session) reply.clearCookie(names.session, { path: '/' });

    let binding: string;
    if (session && rawSessionId) {
      binding = sessionBinding(rawSessionId);
    } else {
      session = undefined;
      let anon = cookies[names.csrf];
      if (!isBrowserId(anon)) {
        anon = randomToken(16);
        reply.setCookie(names.csrf, anon, { ...baseCookie, maxAge: 7 * 24 * 3600 });
      }
      binding = browserBinding(anon);
    }

    const locale = session?.actor.locale ?? chosenLocale(cookies[names.lang]);

    const flashCookie = cookies[names.flash];
    const flash = flashKeys.find((key) => key === flashCookie);
    if (flashCookie) reply.clearCookie(names.flash, { path: '/' });

    request.session = session;
    request.ctx = pageContext(request.url, session, binding, locale, { flash, hasSessionEnded: Boolean(rawSessionId) && !session });
  };
  app.addHook('onRequest', buildContext);

  /**
   * What an anonymous visitor's request tells of them, when that is all it holds: no session
   * cookie (not even an ended one), no flash message, and the browser cookie their CSRF token is
   * bound to. Such a visitor's context is their language and their token; any other request
   * (undefined here) needs `buildContext`.
   */
  const anonymousVisitor = (cookies: Record<string, string | undefined>): AnonymousVisitor | undefined => {
    const anon = cookies[names.csrf];
    if (cookies[names.session] !== undefined || cookies[names.flash] !== undefined || !isBrowserId(anon)) return undefined;
    return { locale: chosenLocale(cookies[names.lang]), csrfToken: csrfTokenOf(browserBinding(anon)) };
  };

  /**
   * A signed-in visitor's page context and data version, when their request holds a live session
   * and nothing else to act on (no flash message): undefined at once when it holds no session or
   * a flash message, a promise of undefined when the session has ended (`buildContext` then tells
   * the visitor so). A live session is handed over to `buildContext` should the request go on to
   * Fastify, which then does not look it up again. For the front door (decisions 023 and 024).
   */
  const signedInVisitor = (request: IncomingMessage, cookies: Record<string, string | undefined>): Promise<SignedInVisitor | undefined> | undefined => {
    const rawSessionId = cookies[names.session];
    if (!rawSessionId || cookies[names.flash] !== undefined) return undefined;
    return resolveSession(deps, rawSessionId).then((session) => {
      if (!session) return undefined;
      lookedUp.set(request, { rawSessionId, session });
      const ctx = pageContext(request.url ?? '', session, sessionBinding(rawSessionId), session.actor.locale, { flash: undefined, hasSessionEnded: false });
      return { ctx: { ...ctx, actor: session.actor }, dataVersion: session.dataVersion };
    });
  };

  app.addHook('preHandler', async (request, reply) => {
    if (!unsafeMethods.has(request.method)) return;
    // Signed by the payment provider instead; it has no browser session to bind a token to.
    if (request.routeOptions.config.isServerToServer) return;
    const body = request.body as Record<string, unknown> | undefined;
    const fromBody = body && typeof body === 'object' ? body['_csrf'] : undefined;
    const header = request.headers['x-csrf-token'];
    const presented = typeof fromBody === 'string' ? fromBody : typeof header === 'string' ? header : '';
    // Static files and probes get no context (above), so no token: a POST, PUT or DELETE to one
    // of their addresses is refused here like any other without a token, not left to fail (500).
    const expected = request.ctx?.csrfToken;
    if (!presented || !expected || !safeEqual(presented, expected)) {
      request.log.warn({ reason: 'csrf' }, 'CSRF token missing or wrong');
      await sendErrorPage(request, reply, 403, request.ctx?.hasSessionEnded ? 'sessionExpired' : 'csrf');
    }
  });

  return { names, buildContext, anonymousVisitor, signedInVisitor };
}

/** What a signed-in visitor's CSRF token is bound to: their session. */
const sessionBinding = (sessionId: string) => `s:${sessionId}`;

/** What an anonymous visitor's CSRF token is bound to: their browser cookie. */
const browserBinding = (browserId: string) => `a:${browserId}`;

/** A browser cookie this portal could have set (random, URL-safe). */
function isBrowserId(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{22,64}$/.test(value);
}

/** The language a visitor without a session chose (the language switch's cookie), or the default. */
function chosenLocale(cookie: string | undefined): Locale {
  return isLocale(cookie) ? cookie : defaultLocale;
}

/** Sets the one-shot message the next page shows. */
export function setFlash(reply: FastifyReply, names: CookieNames, key: FlashKey): void {
  reply.setCookie(names.flash, key, { path: '/', httpOnly: true, sameSite: 'lax', maxAge: 60 });
}
