import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { loginAs } from './factories.js';
import type { TestApp } from './test-app.js';

// Talking HTTP to a listening app, as browsers do: `inject` goes around the server, and so around
// the front door for kept pages (decisions 022–024).

export type Answer = { status: number; headers: [string, string][]; body: string };

/** One request on a new connection to 127.0.0.1:`port`, with a form as a browser posts it. */
export function httpRequest(port: number, method: string, path: string, cookie?: string, form?: Record<string, string>): Promise<Answer> {
  const body = form && new URLSearchParams(form).toString();
  const headers = { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}) };
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < incoming.rawHeaders.length; i += 2) headers.push([incoming.rawHeaders[i]!.toLowerCase(), incoming.rawHeaders[i + 1]!]);
        resolve({ status: incoming.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Extra routes (`createTestApp`'s `extraRoutes`) that write down every request reaching Fastify (its first hook), as "METHOD url". */
export function recordingRequests(reached: () => string[]): (app: FastifyInstance) => void {
  return (app) =>
    app.addHook('onRequest', async (request) => {
      reached().push(`${request.method} ${request.url}`);
    });
}

/** The CSRF token of the page's first form. */
export const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

/** The headers but the date, which changes by the second. */
export const withoutDate = (answer: Answer) => answer.headers.filter(([name]) => name !== 'date');

/** A new session of `user`, signed in through the login form: its cookie as their browser sends it. */
export async function sessionCookieOf(t: TestApp, user: { email: string; password: string }): Promise<string> {
  const browser = t.browser();
  await loginAs(browser, user);
  return `konsult_sid=${browser.cookies.get('konsult_sid')!}`;
}
