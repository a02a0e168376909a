import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { keptPageFront, type KeptPageFrontOptions } from '../../src/http/kept-page-front.js';
import type { PublicPageCache } from '../../src/http/public-page-cache.js';

// The front door's own decisions (test/integration/kept-page-front.test.ts shows it answering
// real HTTP): what it does when the app is closing, and the log line of a page it answered.

function fixture(overrides: Partial<KeptPageFrontOptions> = {}) {
  const written: { status?: number; headers?: Record<string, string>; body?: Buffer } = {};
  const logged: { path: string; ms: number }[] = [];
  const front = keptPageFront({
    pages: { anonymousCopy: (locale: string, url: string, token: string) => Buffer.from(`${locale} ${url} ${token}`) } as unknown as PublicPageCache,
    parseCookies: () => ({}),
    anonymousVisitor: () => ({ locale: 'et', csrfToken: 'token' }),
    headers: { 'x-frame-options': 'DENY' },
    isClosing: () => false,
    logRequest: (line) => logged.push(line),
    ...overrides,
  });
  const response = {
    writeHead(status: number, headers: Record<string, string>) {
      written.status = status;
      written.headers = headers;
    },
    end(body: Buffer) {
      written.body = body;
    },
  } as unknown as ServerResponse;
  const answer = (method: string, url: string) => front({ method, url, headers: {} } as IncomingMessage, response);
  return { answer, written, logged };
}

describe('the front door for kept pages', () => {
  it('answers with the kept copy and the given headers, and logs the path without its query string', () => {
    const { answer, written, logged } = fixture();
    expect(answer('GET', '/experts?q=secret-token')).toBe(true);
    expect(written.status).toBe(200);
    expect(written.headers).toEqual({ 'x-frame-options': 'DENY', 'content-length': String(written.body!.length) });
    expect(written.body!.toString()).toBe('et /experts?q=secret-token token');
    expect(logged.map((line) => line.path)).toEqual(['/experts']);
  });

  it('leaves everything to the framework once the app is closing (it answers 503 then)', () => {
    const { answer, written, logged } = fixture({ isClosing: () => true });
    expect(answer('GET', '/experts')).toBe(false);
    expect(written).toEqual({});
    expect(logged).toEqual([]);
  });

  it('leaves a visitor the request context must see, and a page not kept, to the framework', () => {
    expect(fixture({ anonymousVisitor: () => undefined }).answer('GET', '/experts')).toBe(false);
    expect(fixture({ pages: { anonymousCopy: () => undefined } as unknown as PublicPageCache }).answer('GET', '/experts')).toBe(false);
    expect(fixture().answer('POST', '/experts')).toBe(false);
  });
});
