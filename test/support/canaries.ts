import type { OutboxEmailRow } from '../../src/db/schema.js';
import type { Browser } from './browser.js';
import type { TestApp } from './test-app.js';

/**
 * Canaries (issue 9): unique markers seeded into contact data and private texts, and the means
 * to find every one of them in whatever reaches a person — pages reached by following links,
 * JSON, e-mails — in any form an answer may carry them (raw, HTML-escaped, URL-encoded, in JSON).
 *
 * A text canary carries a token `zq<id>zq` with only letters and digits inside, so no escaping
 * or encoding can split it, and it is found case-insensitively. A digit canary (a phone number, a
 * personal ID code) is found in a text's digits with spaces, dots, dashes and brackets between
 * them left out, so `+372 5937 0101`, `+37259370101` and `5937-0101` are all the same canary.
 */

const origin = 'http://konsult.test';

/** The marker of a text canary; `id` is lower-case letters and digits, without "zq". */
export function token(id: string): string {
  if (!/^[a-z0-9]+$/.test(id) || id.includes('zq')) throw new Error(`not a canary id: ${id}`);
  return `zq${id}zq`;
}

/** The canaries a text carries: the ids of the text canaries and the digit canaries it contains. */
export function canariesIn(text: string, known: { tokens: ReadonlySet<string>; digits: readonly string[] }): Set<string> {
  const found = new Set<string>();
  const lower = text.toLowerCase();
  const tokens = /zq([a-z0-9]+?)zq/g;
  for (let match = tokens.exec(lower); match; match = tokens.exec(lower)) {
    const id = match[1]!;
    if (known.tokens.has(id)) found.add(id);
    // Not ours (e.g. random letters of a CSRF token): its closing "zq" may open a real token.
    else tokens.lastIndex = match.index + 2;
  }
  // Percent-encoding decoded first, so "%20" between digits is a space, not two more digits.
  const decoded = text.replace(/%[0-9a-f]{2}/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
  const digits = decoded.replace(/(?<=\d)[\s\u00a0\u202f().\-/+]+(?=\d)/g, '');
  for (const run of digits.matchAll(/\d{7,}/g)) {
    for (const canary of known.digits) if (run[0].includes(canary)) found.add(canary);
  }
  return found;
}

/** One answer that reached a person: where it came from, and everything it carried. */
export type Reached = { where: string; text: string };

export type CrawlResult = {
  reached: Reached[];
  /** Every path (with query) asked for, in order. */
  visited: string[];
  /** Answers of 500 and above, as "path: status". */
  failures: string[];
  /** True when the limit stopped the crawl before it ran out of links. */
  truncated: boolean;
};

function decodeAttribute(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A same-origin link as path and query (fragment dropped), or undefined for anything else. */
function portalPath(href: string, from: string): string | undefined {
  let url: URL;
  try {
    url = new URL(decodeAttribute(href), `${origin}${from}`);
  } catch {
    return undefined;
  }
  if (url.origin !== origin) return undefined;
  return `${url.pathname}${url.search}`;
}

/**
 * Follows same-origin GET links (href and src) breadth-first from the starting paths, as a
 * signed-in person clicking through would, and keeps everything each answer carried: headers
 * (the session cookie left out: it is the browser's own) and body. Redirects are followed as
 * links. Paths for which `skip` says so are never asked for.
 */
export async function crawl(browser: Browser, starts: readonly string[], options: { skip: (path: string) => boolean; limit: number }): Promise<CrawlResult> {
  const queue = [...new Set(starts)];
  const seen = new Set(queue);
  const result: CrawlResult = { reached: [], visited: [], failures: [], truncated: false };
  const enqueue = (path: string | undefined) => {
    if (path === undefined || seen.has(path) || options.skip(path)) return;
    seen.add(path);
    queue.push(path);
  };
  while (queue.length > 0) {
    if (result.visited.length >= options.limit) {
      result.truncated = true;
      break;
    }
    const path = queue.shift()!;
    result.visited.push(path);
    const page = await browser.get(path);
    if (page.status >= 500) result.failures.push(`${path}: ${page.status}`);
    const headers = Object.fromEntries(Object.entries(page.headers).filter(([name]) => name !== 'set-cookie'));
    result.reached.push({ where: `GET ${path} (${page.status})`, text: `${JSON.stringify(headers)}\n${page.body}` });
    if (page.location) enqueue(portalPath(page.location, path));
    const type = String(page.headers['content-type'] ?? '');
    if (!type.startsWith('text/html')) continue;
    for (const match of page.body.matchAll(/\s(?:href|src)="([^"]*)"/g)) enqueue(portalPath(match[1]!, path));
  }
  return result;
}

/** Every e-mail the portal wrote to an address, whole: recipient name, subject, text and HTML. */
export async function emailsReaching(t: TestApp, address: string): Promise<(Reached & { email: OutboxEmailRow })[]> {
  const rows = await t.deps.db.selectFrom('outbox_emails').selectAll().where('to_address', '=', address).orderBy('id').execute();
  return rows.map((email) => ({
    email,
    where: `e-mail #${email.id} "${email.subject}"`,
    text: [email.to_address, email.to_name ?? '', email.subject, email.text_body, email.html_body].join('\n'),
  }));
}
