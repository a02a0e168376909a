import fs from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inArrivalOrder } from '../../src/http/arrival-order.js';
import { serverWithFrontDoor } from '../../src/http/kept-page-front.js';

/** Lets the event loop run one more turn. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('work in arrival order', () => {
  it('starts the pieces in the order they were queued, one on each turn of the event loop', async () => {
    const queue = inArrivalOrder();
    const started: string[] = [];
    queue(() => started.push('a'));
    queue(() => started.push('b'));
    expect(started).toEqual([]);
    await nextTurn();
    expect(started).toEqual(['a']);
    await nextTurn();
    expect(started).toEqual(['a', 'b']);
    queue(() => started.push('c'));
    await nextTurn();
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('starts the next piece while one that awaits is still out', async () => {
    const queue = inArrivalOrder();
    const events: string[] = [];
    let release = () => {};
    queue(() => {
      events.push('a starts');
      void new Promise<void>((resolve) => (release = resolve)).then(() => events.push('a ends'));
    });
    queue(() => events.push('b starts'));
    await nextTurn();
    await nextTurn();
    expect(events).toEqual(['a starts', 'b starts']);
    release();
    await nextTurn();
    expect(events).toEqual(['a starts', 'b starts', 'a ends']);
  });
});

describe('the server: writes in the order they arrive', () => {
  let server: Server | undefined;
  const clients: net.Socket[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /**
   * Three connections post forms; each serves as a client that answers at once (its next form is
   * written while the server is still on the one before). S's first form is written while A's
   * first is served, before B's second: it must be served before B's second. Without the queue,
   * Node serves a poll's connections in the order the kernel reported them in the poll before
   * (A and B), ahead of S, which became readable later; S would wait a round more.
   */
  it('serves a form that arrived while another was served before the forms that arrived after it', async () => {
    const served: string[] = [];
    const connections = new Map<string, net.Socket>();
    const form = (name: string) => `POST /${name} HTTP/1.1\r\nHost: konsult.test\r\nContent-Length: 0\r\n\r\n`;
    // What each client sends as soon as the server has its form (on a local socket, at once).
    const reactions: Record<string, () => void> = {
      A1: () => {
        connections.get('A')!.write(form('A2'));
        connections.get('S')!.write(form('S1'));
      },
      B1: () => connections.get('B')!.write(form('B2')),
    };
    const allServed = new Promise<void>((resolve) => {
      const handler = (request: IncomingMessage, response: ServerResponse) => {
        const name = (request.url ?? '').slice(1);
        served.push(name);
        reactions[name]?.();
        response.end();
        if (served.length === 5) resolve();
      };
      server = serverWithFrontDoor(() => () => false)(handler, {}) as unknown as Server;
    });
    const socketPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'konsult-arrival-')), 'server.sock');
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
    const connected = (name: string) =>
      new Promise<void>((resolve) => {
        const socket = net.connect(socketPath, resolve);
        socket.resume();
        clients.push(socket);
        connections.set(name, socket);
      });
    await Promise.all(['A', 'B', 'S'].map(connected));
    // Let the server take the three connections before the first forms arrive.
    for (let turn = 0; turn < 5; turn += 1) await nextTurn();
    connections.get('A')!.write(form('A1'));
    connections.get('B')!.write(form('B1'));
    await allServed;
    expect(served.indexOf('S1')).toBeLessThan(served.indexOf('B2'));
    expect(served).toEqual(['A1', 'B1', 'A2', 'S1', 'B2']);
  });
});
