import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/workers/outbox-worker.js';

const minute = 60_000;
const hour = 60 * minute;
const middle = () => 0.5;

describe('the outbox retry delay', () => {
  it('waits between 15 and 30 seconds after the first failure', () => {
    expect(retryDelayMs(1, () => 0)).toBe(15_000);
    expect(retryDelayMs(1, () => 0.999_999)).toBeLessThanOrEqual(30_000);
    expect(retryDelayMs(1, () => 0.999_999)).toBeGreaterThan(29_000);
  });

  it('doubles with every further failure', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, middle));
    for (let i = 1; i < delays.length; i += 1) expect(delays[i]).toBe(2 * delays[i - 1]!);
  });

  it('stays within half and all of the base delay whatever the random draw', () => {
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      const base = Math.min(hour, 30_000 * 2 ** (attempt - 1));
      for (const draw of [0, 0.1, 0.5, 0.9, 0.999_999]) {
        const delay = retryDelayMs(attempt, () => draw);
        expect(delay).toBeGreaterThanOrEqual(base / 2);
        expect(delay).toBeLessThanOrEqual(base);
      }
    }
  });

  it('spreads retries out: different random draws give different delays', () => {
    const delays = new Set([0, 0.25, 0.5, 0.75].map((draw) => retryDelayMs(4, () => draw)));
    expect(delays.size).toBe(4);
  });

  it('never waits more than an hour, however many failures', () => {
    for (const attempt of [8, 10, 20, 100, 2000]) {
      expect(retryDelayMs(attempt, () => 0.999_999)).toBeLessThanOrEqual(hour);
      expect(retryDelayMs(attempt, () => 0)).toBe(hour / 2);
    }
  });

  it('treats attempt 0 or less like the first failure', () => {
    expect(retryDelayMs(0, middle)).toBe(retryDelayMs(1, middle));
    expect(retryDelayMs(-3, middle)).toBe(retryDelayMs(1, middle));
  });

  it('returns whole milliseconds with the real random source', () => {
    for (let i = 0; i < 50; i += 1) {
      const delay = retryDelayMs(3);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(minute);
      expect(delay).toBeLessThanOrEqual(2 * minute);
    }
  });
});
