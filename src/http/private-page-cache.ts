import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../adapters/clock.js';
import { TtlCache } from '../adapters/ttl-cache.js';
import type { Locale } from '../domain/roles.js';
import type { PageContext, SignedInContext } from './context.js';
import type { Html } from './jsx.js';
import { pageHtml, sendHtml, sendPage } from './render.js';
import { filled, TokenSlots, type Pieces } from './token-slots.js';

/** Pages kept at most (one per user, language and URL): a few tens of MB at worst. */
const maxEntries = 500;

/** A signed-in visitor's page, and the database's data version it was drawn at. */
type Entry = { pieces: Pieces; dataVersion: string };

const keyOf = (userId: number, locale: Locale, url: string) => `${userId} ${locale} ${url}`;

/**
 * A signed-in visitor's own pages (My menu, an inquiry, the mailbox, a conversation), kept as
 * drawn for them together with the database's data version read before the page's data
 * (decision 024). The front door (`kept-page-front.ts`) sends the same user's copy again, with
 * their session's CSRF token, while the session lookup reads the same data version (nothing has
 * been committed since, by any process) and the copy is younger than `ttlMs` (what the page says
 * of the time, such as an offer's validity, is at most that old). A page is kept only for the
 * user it was drawn for; the copy holds no other session's token.
 */
export class PrivatePageCache {
  readonly #pages: TtlCache<Entry>;
  /** The URLs kept for someone: only for them is a signed-in visitor's session looked up at the front door. */
  readonly #urls: TtlCache<true>;
  readonly #slots = new TokenSlots();
  readonly #keeps: boolean;

  constructor(ttlMs: number, clock: Clock) {
    this.#keeps = ttlMs > 0;
    this.#pages = new TtlCache(ttlMs, clock, maxEntries);
    this.#urls = new TtlCache(ttlMs, clock, maxEntries);
  }

  /**
   * Draws the page `load` fetches the data of, sends it and keeps it for this visitor. `load`
   * must draw from the database and the `ctx` it is given only. A page with a flash message
   * is sent but not kept.
   */
  async send(request: FastifyRequest, reply: FastifyReply, load: () => Promise<(ctx: PageContext) => Html>): Promise<FastifyReply> {
    const { ctx, session } = request;
    const draw = await load();
    if (!this.#keeps || !session || !ctx.actor || ctx.flash) return sendPage(reply, draw(ctx));
    const pieces = this.#slots.split(pageHtml(draw({ ...ctx, csrfToken: this.#slots.placeholder })));
    this.#pages.set(keyOf(ctx.actor.id, ctx.locale, request.url), { pieces, dataVersion: session.dataVersion });
    this.#urls.set(request.url, true);
    return sendHtml(reply, Buffer.concat(filled(pieces, Buffer.from(ctx.csrfToken, 'utf8'))));
  }

  /**
   * The visitor's (`ctx`'s) own copy of `url`, with their token, while it is fresh and was drawn
   * at `dataVersion`; undefined otherwise (then the route draws it). For the front door.
   */
  copy(ctx: SignedInContext, url: string, dataVersion: string): Buffer[] | undefined {
    const entry = this.#pages.peek(keyOf(ctx.actor.id, ctx.locale, url));
    if (!entry || entry.dataVersion !== dataVersion) return undefined;
    return filled(entry.pieces, Buffer.from(ctx.csrfToken, 'utf8'));
  }

  /** Whether `url` is kept for anyone: worth a signed-in visitor's session lookup. */
  isKept(url: string): boolean {
    return this.#urls.peek(url) !== undefined;
  }
}
