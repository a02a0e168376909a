import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { randomToken } from '../adapters/tokens.js';
import type { Clock } from '../adapters/clock.js';
import { TtlCache } from '../adapters/ttl-cache.js';
import type { PageContext } from './context.js';
import { pageHtml, sendHtml, sendPage } from './render.js';

/** Pages kept at most; each is one URL (query string included) in one language. */
const maxEntries = 500;

/**
 * Anonymous visitors' directory and profile pages, rendered once and served from memory for a
 * few seconds (decision 014). Everything on such a page is the same for every anonymous visitor
 * but the CSRF token of the language switch, which is bound to each browser: the page is
 * rendered with a random placeholder in its place, and each answer puts the visitor's own token
 * back. Signed-in people, a flash message or an ended session always get a fresh render.
 * Pages are kept as bytes, so an answer is a copy, not a string search and an encoding.
 */
export class PublicPageCache {
  /** Each page as the bytes between the places of the CSRF token. */
  readonly #pages: TtlCache<Buffer[]>;
  readonly #placeholder = `csrf-${randomToken(24)}`;

  constructor(ttlMs: number, clock: Clock) {
    this.#pages = new TtlCache(ttlMs, clock, maxEntries);
  }

  /**
   * Sends the page that `load` fetches the data of and draws: from memory when an anonymous
   * visitor's copy of this URL in this language is fresh (then `load` does not run at all).
   */
  async send(request: FastifyRequest, reply: FastifyReply, load: () => Promise<(ctx: PageContext) => VNode>): Promise<FastifyReply> {
    const ctx = request.ctx;
    if (ctx.actor || ctx.flash || ctx.hasSessionEnded) return sendPage(reply, (await load())(ctx));
    const parts = await this.#pages.get(`${ctx.locale} ${request.url}`, async () => {
      const draw = await load();
      const html = pageHtml(draw({ ...ctx, csrfToken: this.#placeholder }));
      return html.split(this.#placeholder).map((part) => Buffer.from(part, 'utf8'));
    });
    const token = Buffer.from(ctx.csrfToken, 'utf8');
    return sendHtml(reply, Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [token, part]))));
  }
}
