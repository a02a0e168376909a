import { describe, expect, it } from 'vitest';
import { keptAnswers } from '../../src/memo.js';

describe('kept answers', () => {
  it('computes each key once and gives the kept answer after', () => {
    const kept = keptAnswers<string, number>(10);
    let computed = 0;
    const square = (n: number) => kept(String(n), () => (computed += 1, n * n));
    expect([square(3), square(4), square(3), square(4)]).toEqual([9, 16, 9, 16]);
    expect(computed).toBe(2);
  });

  it('starts over when full, and still answers right', () => {
    const kept = keptAnswers<number, number>(3);
    let computed = 0;
    const double = (n: number) => kept(n, () => (computed += 1, 2 * n));
    for (const n of [1, 2, 3]) double(n);
    expect(computed).toBe(3);
    expect(double(4)).toBe(8); // the fourth: the map starts over
    expect(double(1)).toBe(2); // forgotten, computed again
    expect(computed).toBe(5);
  });
});
