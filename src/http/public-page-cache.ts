import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { randomToken } from '../adapters/tokens.js';
import type { Clock } from '../adapters/clock.js';
import type { PageContext } from './context.js';
import { pageHtml, sendHtml, sendPage } from './render.js';

/** Pages kept at most; each is one URL (query string included) in one language. */
const maxEntries = 500;

type Entry = { html: string; expiresAt: number };

/**
 * Anonymous visitors' directory and profile pages, rendered once and served from memory for a
 * few seconds (decision 014). Everything on such a page is the same for every anonymous visitor
 * but the CSRF token of the language switch, which is bound to each browser: the page is
 * rendered with a random placeholder in its place, and each answer puts the visitor's own token
 * back. Signed-in people, a flash message or an ended session always get a fresh render.
 */
export class PublicPageCache {
  readonly #pages = new Map<string, Entry>();
  readonly #placeholder = `csrf-${randomToken(24)}`;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /**
   * Sends the page that `load` fetches the data of and draws: from memory when an anonymous
   * visitor's copy of this URL in this language is fresh (then `load` does not run at all).
   */
  async send(request: FastifyRequest, reply: FastifyReply, load: () => Promise<(ctx: PageContext) => VNode>): Promise<FastifyReply> {
    const ctx = request.ctx;
    if (this.ttlMs <= 0 || ctx.actor || ctx.flash || ctx.hasSessionEnded) return sendPage(reply, (await load())(ctx));
    const key = `${ctx.locale} ${request.url}`;
    const now = this.clock.now().getTime();
    let entry = this.#pages.get(key);
    if (!entry || entry.expiresAt <= now) {
      const draw = await load();
      entry = { html: pageHtml(draw({ ...ctx, csrfToken: this.#placeholder })), expiresAt: now + this.ttlMs };
      this.#pages.delete(key);
      if (this.#pages.size >= maxEntries) this.#evictOne(now);
      this.#pages.set(key, entry);
    }
    return sendHtml(reply, entry.html.replaceAll(this.#placeholder, ctx.csrfToken));
  }

  /** Drops an expired page if there is one, else the oldest. */
  #evictOne(now: number): void {
    for (const [key, entry] of this.#pages) {
      if (entry.expiresAt <= now) {
        this.#pages.delete(key);
        return;
      }
    }
    this.#pages.delete(this.#pages.keys().next().value!);
  }
}
