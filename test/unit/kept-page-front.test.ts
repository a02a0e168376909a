import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { keptPageFront, serverWithFrontDoor, type FrontDoor, type KeptPageFrontOptions } from '../../src/http/kept-page-front.js';
import type { SignedInContext } from '../../src/http/context.js';
import type { SignedInVisitor } from '../../src/http/plugins/request-context.js';
import type { PrivatePageCache } from '../../src/http/private-page-cache.js';
import type { PublicPageCache } from '../../src/http/public-page-cache.js';

// The front door's own decisions (test/integration/kept-page-front.test.ts shows it answering
// real HTTP): what it does when the app is closing, the log line of a page it answered, and
// what becomes of a signed-in visitor's request while their session is looked up.

const signedIn = { locale: 'en', csrfToken: 'their-token', actor: { id: 7 } } as unknown as SignedInContext;
const visitor: SignedInVisitor = { ctx: signedIn, dataVersion: 'v1' };
const keptPages = {
  anonymousCopy: (locale: string, url: string, token: string) => [Buffer.from(`${locale} ${url} `), Buffer.from(token)],
  signedInCopy: (ctx: SignedInContext, url: string) => [Buffer.from(`${ctx.locale} ${url} `), Buffer.from(`${ctx.csrfToken} ${ctx.actor.id}`)],
  isKept: () => true,
} as unknown as PublicPageCache;
/** A private copy of `/my` only, kept for user 7 at data version v1. */
const privatePages = {
  copy: (ctx: SignedInContext, url: string, dataVersion: string) =>
    url === '/my' && ctx.actor.id === 7 && dataVersion === 'v1' ? [Buffer.from(`own ${ctx.locale} ${url} `), Buffer.from(ctx.csrfToken)] : undefined,
  isKept: (url: string) => url === '/my',
} as unknown as PrivatePageCache;

function fixture(overrides: Partial<KeptPageFrontOptions> = {}) {
  const written: { status?: number; headers?: Record<string, string>; body?: Buffer } = {};
  const parts: Buffer[] = [];
  const logged: { path: string; ms: number; userId?: number }[] = [];
  const front = keptPageFront({
    pages: keptPages,
    privatePages,
    parseCookies: () => ({}),
    anonymousVisitor: () => ({ locale: 'et', csrfToken: 'token' }),
    signedInVisitor: () => undefined,
    headers: { 'x-frame-options': 'DENY' },
    isClosing: () => false,
    logRequest: (line) => logged.push(line),
    ...overrides,
  });
  const response = {
    destroyed: false,
    writeHead(status: number, headers: Record<string, string>) {
      written.status = status;
      written.headers = headers;
    },
    cork() {},
    write(part: Buffer) {
      parts.push(part);
    },
    end() {
      written.body = Buffer.concat(parts);
    },
  } as unknown as ServerResponse;
  const answer = (method: string, url: string) => front({ method, url, headers: {} } as IncomingMessage, response);
  return { answer, written, logged, response };
}

describe('the front door for kept pages', () => {
  it('answers with the kept copy and the given headers, and logs the path without its query string', () => {
    const { answer, written, logged } = fixture();
    expect(answer('GET', '/experts?q=secret-token')).toBe(true);
    expect(written.status).toBe(200);
    expect(written.headers).toEqual({ 'x-frame-options': 'DENY', 'content-length': String(written.body!.length) });
    expect(written.body!.toString()).toBe('et /experts?q=secret-token token');
    expect(logged).toEqual([{ path: '/experts', ms: expect.any(Number) }]);
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

  it("answers a signed-in visitor once their session is looked up, with their own copy", async () => {
    const { answer, written, logged } = fixture({ anonymousVisitor: () => undefined, signedInVisitor: () => Promise.resolve(visitor) });
    expect(await answer('GET', '/experts/3')).toBe(true);
    expect(written.body!.toString()).toBe('en /experts/3 their-token 7');
    expect(logged).toEqual([{ path: '/experts/3', ms: expect.any(Number), userId: 7 }]);
  });

  it("answers a signed-in visitor's own kept page only at the data version it was kept at", async () => {
    const notKept = { ...keptPages, signedInCopy: () => undefined, isKept: () => false } as unknown as PublicPageCache;
    const own = fixture({ pages: notKept, anonymousVisitor: () => undefined, signedInVisitor: () => Promise.resolve(visitor) });
    expect(await own.answer('GET', '/my')).toBe(true);
    expect(own.written.body!.toString()).toBe('own en /my their-token');
    const changed = fixture({ pages: notKept, anonymousVisitor: () => undefined, signedInVisitor: () => Promise.resolve({ ...visitor, dataVersion: 'v2' }) });
    expect(await changed.answer('GET', '/my')).toBe(false);
    expect(changed.written).toEqual({});
  });

  it('looks no session up for a page that is not kept, and leaves an ended session to the framework', async () => {
    let lookups = 0;
    const lookUp = () => {
      lookups += 1;
      return Promise.resolve(undefined);
    };
    const notKept = { ...keptPages, isKept: () => false } as unknown as PublicPageCache;
    expect(fixture({ pages: notKept, anonymousVisitor: () => undefined, signedInVisitor: lookUp }).answer('GET', '/account')).toBe(false);
    expect(lookups).toBe(0);
    const { answer, written } = fixture({ anonymousVisitor: () => undefined, signedInVisitor: lookUp });
    expect(await answer('GET', '/experts')).toBe(false);
    expect(lookups).toBe(1);
    expect(written).toEqual({});
  });

  it('writes nothing when the app begins to close, or the visitor leaves, while the session is looked up', async () => {
    let isClosing = false;
    const closing = fixture({
      anonymousVisitor: () => undefined,
      isClosing: () => isClosing,
      signedInVisitor: () => {
        isClosing = true;
        return Promise.resolve(visitor);
      },
    });
    expect(await closing.answer('GET', '/experts')).toBe(false);
    expect(closing.written).toEqual({});

    const leaving = fixture({ anonymousVisitor: () => undefined, signedInVisitor: () => Promise.resolve(visitor) });
    (leaving.response as { destroyed: boolean }).destroyed = true;
    expect(await leaving.answer('GET', '/experts')).toBe(true);
    expect(leaving.written).toEqual({});
    expect(leaving.logged).toEqual([]);
  });
});

describe('the server with a front door', () => {
  async function serve(front: FrontDoor): Promise<{ get: () => Promise<string>; close: () => Promise<void> }> {
    const factory = serverWithFrontDoor(() => front);
    const server = factory((_request, response) => response.end('from the framework'), {}) as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = async () => (await fetch(`http://127.0.0.1:${port}/experts`)).text();
    return { get, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('hands the request to the framework when the front door declines, at once or after a lookup, or its lookup fails', async () => {
    for (const front of [() => false, () => Promise.resolve(false), () => Promise.reject(new Error('database down'))] as FrontDoor[]) {
      const server = await serve(front);
      expect(await server.get()).toBe('from the framework');
      await server.close();
    }
    const answering = await serve((_request, response) => {
      response.end('from the front door');
      return Promise.resolve(true);
    });
    expect(await answering.get()).toBe('from the front door');
    await answering.close();
  });
});
