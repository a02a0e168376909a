/**
 * The bare baseline of `npm run bench`: a plain `node:http` server that answers every request
 * with bytes captured from the portal, from memory, doing nothing else. Run as its own process
 * (like the portal) by bench/main.ts:
 *
 *   node --import tsx bench/baseline.ts <answers.json>
 *
 * answers.json maps a key to { status, headers: [name, value][], body (base64) }; a request names
 * its answer in the `x-bench-page` header (the portal ignores it). A request with a body is read
 * to its end before the answer, as any server must. Prints `{"port": n}` once listening.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

type Stored = { status: number; headers: [string, string][]; body: string };
type Answer = { status: number; headers: Record<string, string | string[]>; body: Buffer };

/** Headers node:http writes itself (or that describe the captured transfer, not the content). */
const ownHeaders = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

const file = process.argv[2];
if (!file) throw new Error('usage: node --import tsx bench/baseline.ts <answers.json>');
const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Stored>;
const answers = new Map<string, Answer>();
for (const [key, answer] of Object.entries(stored)) {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of answer.headers) {
    const lower = name.toLowerCase();
    if (ownHeaders.has(lower)) continue;
    const previous = headers[lower];
    headers[lower] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const body = Buffer.from(answer.body, 'base64');
  headers['content-length'] = String(body.length);
  answers.set(key, { status: answer.status, headers, body });
}

const server = http.createServer((request, response) => {
  const answer = answers.get(String(request.headers['x-bench-page']));
  const send = () => {
    if (!answer) {
      response.writeHead(404, { 'content-length': '0' });
      response.end();
      return;
    }
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  };
  if (request.method === 'GET' || request.method === 'HEAD') {
    send();
  } else {
    request.on('data', () => undefined);
    request.on('end', send);
  }
});
// As Fastify does: keep idle keep-alive connections open longer than the load generator pauses.
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
