import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../adapters/clock.js';
import { locales, type Actor, type Locale } from '../domain/roles.js';
import { TtlCache } from '../adapters/ttl-cache.js';
import type { PageContext, SignedInContext } from './context.js';
import type { Html } from './jsx.js';
import { pageHtml, sendHtml, sendPage } from './render.js';
import { filled, TokenSlots, type Pieces } from './token-slots.js';
import { SiteHeader } from './views/layout.js';

/** Pages kept at most; each is one URL (query string included) in one language. */
const maxEntries = 500;

/** A kept page's key: its language and its whole URL, query string included. */
const keyOf = (locale: Locale, url: string) => `${locale} ${url}`;

/** Who gets a page of their own rather than the kept copy (an expert their own profile, with its edit link). */
export type PersonalTo = (actor: Actor) => boolean;

/**
 * A page as an anonymous visitor sees it, in three parts: before its header, the header, after
 * it (a signed-in visitor's own header goes in between instead); one part when the page has no
 * header to replace. With the route's rule of who gets a page of their own.
 */
type Entry = ({ before: Pieces; header: Pieces; after: Pieces } | { page: Pieces }) & { personalTo: PersonalTo | undefined };

/**
 * The directory and profile pages, rendered once and served from memory for a few seconds
 * (decisions 014 and 015). Such a page is the same for everyone but its header (the language
 * switch with the CSRF token bound to each browser, and a signed-in visitor's own links and
 * mailbox count): the page is rendered as an anonymous visitor sees it, with a random
 * placeholder in the token's place; each answer puts the visitor's own token back, and a
 * signed-in visitor's own header in place of the anonymous one. A page the route marks as
 * personal (an expert's own profile, with its edit link: the route's `personalTo`, kept with the
 * page), a flash message or an ended session always get a fresh render. Pages are kept as bytes,
 * so an answer is a copy and a header. Copies are usually sent by the front door
 * (`kept-page-front.ts`, decisions 022 and 023) before the request reaches the framework;
 * `send` answers the rest.
 */
export class PublicPageCache {
  readonly #pages: TtlCache<Entry>;
  readonly #slots = new TokenSlots();

  constructor(ttlMs: number, clock: Clock) {
    this.#pages = new TtlCache(ttlMs, clock, maxEntries);
  }

  /**
   * Sends the page that `load` fetches the data of and draws: from memory when this URL's copy
   * in this language is fresh (then `load` does not run at all). `load` must draw the same page
   * for everyone but the signed-in visitors `options.personalTo` names, who get a fresh render.
   */
  async send(
    request: FastifyRequest,
    reply: FastifyReply,
    load: () => Promise<(ctx: PageContext) => Html>,
    options: { personalTo?: PersonalTo } = {},
  ): Promise<FastifyReply> {
    const ctx = request.ctx;
    if (ctx.flash || ctx.hasSessionEnded || (ctx.actor && options.personalTo?.(ctx.actor))) return sendPage(reply, (await load())(ctx));
    const entry = await this.#pages.get(keyOf(ctx.locale, request.url), async () => {
      const draw = await load();
      const anonymous: PageContext = { ...ctx, actor: undefined, unreadCount: 0, csrfToken: this.#slots.placeholder };
      const html = pageHtml(draw(anonymous));
      const header = SiteHeader({ ctx: anonymous }).value;
      const at = html.indexOf(header);
      const { personalTo } = options;
      if (at < 0) return { page: this.#slots.split(html), personalTo };
      return { before: this.#slots.split(html.slice(0, at)), header: this.#slots.split(header), after: this.#slots.split(html.slice(at + header.length)), personalTo };
    });
    if (!ctx.actor) return sendHtml(reply, Buffer.concat(this.#anonymousCopy(entry, ctx.csrfToken)));
    // No header to replace (a page drawn without the layout): a signed-in visitor gets a fresh render.
    const copy = this.#signedInCopy(entry, ctx, ctx.actor);
    return sendHtml(reply, copy ? Buffer.concat(copy) : pageHtml((await load())(ctx)));
  }

  /**
   * An anonymous visitor's copy of the page kept for `url` in `locale`, with their own CSRF token
   * in it, while the copy is fresh; undefined otherwise (then the route must draw it). For the
   * front door (`kept-page-front.ts`), which answers such visitors without the framework.
   */
  anonymousCopy(locale: Locale, url: string, csrfToken: string): Buffer[] | undefined {
    const entry = this.#pages.peek(keyOf(locale, url));
    return entry && this.#anonymousCopy(entry, csrfToken);
  }

  /**
   * A signed-in visitor's copy (`ctx` is theirs, with `actor`) of the page kept for `url`: the
   * kept page with their own header, while the copy is fresh and the page is not theirs alone;
   * undefined otherwise. For the front door, as `anonymousCopy`.
   */
  signedInCopy(ctx: SignedInContext, url: string): Buffer[] | undefined {
    const entry = this.#pages.peek(keyOf(ctx.locale, url));
    return entry && this.#signedInCopy(entry, ctx, ctx.actor);
  }

  /** Whether a fresh copy of `url` is kept in any language: worth a signed-in visitor's session lookup. */
  isKept(url: string): boolean {
    return locales.some((locale) => this.#pages.peek(keyOf(locale, url)) !== undefined);
  }

  #anonymousCopy(entry: Entry, csrfToken: string): Buffer[] {
    const token = Buffer.from(csrfToken, 'utf8');
    if ('page' in entry) return filled(entry.page, token);
    return [...filled(entry.before, token), ...filled(entry.header, token), ...filled(entry.after, token)];
  }

  /** The kept page with `ctx`'s header, or undefined when it has no header to replace or is `actor`'s own. */
  #signedInCopy(entry: Entry, ctx: PageContext, actor: Actor): Buffer[] | undefined {
    if ('page' in entry || entry.personalTo?.(actor)) return undefined;
    const token = Buffer.from(ctx.csrfToken, 'utf8');
    const header = Buffer.from(SiteHeader({ ctx }).value, 'utf8');
    return [...filled(entry.before, token), header, ...filled(entry.after, token)];
  }
}
