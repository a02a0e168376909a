import { describe, expect, it } from 'vitest';
import { CoalescedLookups } from '../../src/db/coalesced-lookups.js';

/** A `lookupMany` that records each call's keys and answers when the test says so. */
function controlledSource(known: Record<string, string>) {
  const calls: { keys: string[]; answer(): void; fail(error: Error): void }[] = [];
  const lookups = new CoalescedLookups<string>(
    (keys) =>
      new Promise((resolve, reject) => {
        const callNumber = calls.length + 1;
        calls.push({
          keys,
          answer: () => resolve(new Map(keys.filter((key) => key in known).map((key) => [key, `${known[key]} (call ${callNumber})`]))),
          fail: reject,
        });
      }),
    3,
  );
  return { lookups, calls };
}

/** Lets the event loop run its check phase, where the first call is made. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesced lookups', () => {
  it('asks for everything asked in the same turn in one call, each key once, and answers each with its own value', async () => {
    const { lookups, calls } = controlledSource({ a: 'Mari', b: 'Jaan' });
    const answers = Promise.all([lookups.lookup('a'), lookups.lookup('b'), lookups.lookup('unknown'), lookups.lookup('a')]);
    await nextTurn();
    expect(calls.map((call) => call.keys)).toEqual([['a', 'b', 'unknown']]);
    calls[0]!.answer();
    expect(await answers).toEqual(['Mari (call 1)', 'Jaan (call 1)', undefined, 'Mari (call 1)']);
  });

  it('never answers a lookup with a call made before it was asked: it goes in the next call', async () => {
    const { lookups, calls } = controlledSource({ a: 'Mari', b: 'Jaan' });
    const first = lookups.lookup('a');
    await nextTurn();
    const later = lookups.lookup('a');
    const other = lookups.lookup('b');
    calls[0]!.answer();
    expect(await first).toBe('Mari (call 1)');
    await nextTurn();
    expect(calls.map((call) => call.keys)).toEqual([['a'], ['a', 'b']]);
    calls[1]!.answer();
    expect(await later).toBe('Mari (call 2)');
    expect(await other).toBe('Jaan (call 2)');
  });

  it('sends at most its limit of keys in one call, and the rest in the next', async () => {
    const { lookups, calls } = controlledSource({ a: '1', b: '2', c: '3', d: '4', e: '5' });
    const answers = Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => lookups.lookup(key)));
    await nextTurn();
    calls[0]!.answer();
    await nextTurn();
    calls[1]!.answer();
    expect(await answers).toEqual(['1 (call 1)', '2 (call 1)', '3 (call 1)', '4 (call 2)', '5 (call 2)']);
    expect(calls.map((call) => call.keys)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('fails the lookups of a failed call only; the next call answers', async () => {
    const { lookups, calls } = controlledSource({ a: 'Mari', b: 'Jaan' });
    const failed = lookups.lookup('a');
    await nextTurn();
    const later = lookups.lookup('b');
    calls[0]!.fail(new Error('the database is down'));
    await expect(failed).rejects.toThrow('the database is down');
    await nextTurn();
    calls[1]!.answer();
    expect(await later).toBe('Jaan (call 2)');
  });
});
