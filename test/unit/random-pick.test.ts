import { describe, expect, it } from 'vitest';
import { cryptoRandom, seededFloats, seededRandom } from '../../src/adapters/random.js';
import { pickRandomly, type RandomSource } from '../../src/domain/inquiries.js';

/**
 * A moderator's field choice invites N experts picked at random (src/use-cases/inquiries.ts,
 * assignField). Every expert of the field must have the same chance, so these tests pin the
 * algorithm (a seeded pick is hard-coded) and check the distribution statistically.
 */

const ids: readonly number[] = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110];

/** Upper critical values of the chi-square distribution with 9 degrees of freedom. */
const chiSquare9 = { p001: 27.88, p0001: 33.72 } as const;

/**
 * How often each candidate is picked when `count` of `candidates` are picked `trials` times.
 */
function pickCounts(candidates: readonly number[], count: number, trials: number, random: RandomSource): Map<number, number> {
  const counts = new Map<number, number>(candidates.map((c) => [c, 0]));
  for (let i = 0; i < trials; i += 1) {
    for (const picked of pickRandomly(candidates, count, random)) counts.set(picked, (counts.get(picked) ?? 0) + 1);
  }
  return counts;
}

/**
 * The chi-square statistic of per-candidate counts for `count`-of-`k` picks. The counts are not
 * a plain multinomial (a pick holds `count` distinct candidates), so Pearson's Σ(O−E)²/E would
 * come out 7/9 of a chi-square (too lenient). Each count has variance n·p(1−p), each pair
 * covariance −n·p(1−p)/(k−1); on the sum-zero subspace that is n·p(1−p)·k/(k−1) times the
 * identity, so dividing by that makes the statistic exactly chi-square with k−1 degrees of freedom.
 */
function candidateChiSquare(counts: Map<number, number>, count: number, trials: number): number {
  const k = counts.size;
  const p = count / k;
  const expected = trials * p;
  const scale = trials * p * (1 - p) * (k / (k - 1));
  return [...counts.values()].reduce((sum, observed) => sum + (observed - expected) ** 2 / scale, 0);
}

/** How often each 3-of-5 subset comes out (order ignored), keyed "a,b,c". */
function subsetCounts(trials: number, random: RandomSource): Map<string, number> {
  const five = [1, 2, 3, 4, 5];
  const counts = new Map<string, number>();
  for (const a of five) for (const b of five) for (const c of five) if (a < b && b < c) counts.set(`${a},${b},${c}`, 0);
  for (let i = 0; i < trials; i += 1) {
    const key = pickRandomly(five, 3, random)
      .sort((x, y) => x - y)
      .join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Pearson's statistic for a multinomial with equally likely categories. */
function pearson(counts: Map<string, number>, trials: number): number {
  const expected = trials / counts.size;
  return [...counts.values()].reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
}

describe('picking experts at random', () => {
  it('picks 107, 106 and 109 out of ten with the seed 42 (a change to the algorithm or the seeded sequence shows here)', () => {
    expect(pickRandomly(ids, 3, seededRandom(42))).toEqual([107, 106, 109]);
  });

  it('continues the same seeded sequence on a second pick', () => {
    const random = seededRandom(42);
    pickRandomly(ids, 3, random);
    expect(pickRandomly(ids, 3, random)).toEqual([107, 103, 101]);
  });

  it('picks the same experts again from the same seed', () => {
    expect(pickRandomly(ids, 5, seededRandom(7))).toEqual(pickRandomly(ids, 5, seededRandom(7)));
  });

  it('never picks the same candidate twice', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 500; i += 1) {
      const picked = pickRandomly(ids, 5, random);
      expect(picked).toHaveLength(5);
      expect(new Set(picked).size).toBe(5);
      for (const id of picked) expect(ids).toContain(id);
    }
  });

  it('returns every candidate, in some order, when there are fewer than asked for', () => {
    const picked = pickRandomly([3, 1, 2], 5, seededRandom(42));
    expect(picked).toHaveLength(3);
    expect([...picked].sort()).toEqual([1, 2, 3]);
  });

  it('returns every candidate when exactly as many are asked for', () => {
    expect([...pickRandomly(ids, ids.length, seededRandom(42))].sort()).toEqual([...ids]);
  });

  it('returns nothing when nobody is asked for', () => {
    expect(pickRandomly(ids, 0, seededRandom(42))).toEqual([]);
  });

  it('returns nothing when there are no candidates', () => {
    expect(pickRandomly([], 3, seededRandom(42))).toEqual([]);
  });

  it('leaves the list of candidates as it was', () => {
    const candidates = Object.freeze([...ids]);
    const picked = pickRandomly(candidates, 3, seededRandom(42));
    expect(candidates).toEqual([...ids]);
    picked[0] = -1;
    expect(candidates).toEqual([...ids]);
  });

  it('asks the source for one integer below 10, then below 9, then below 8 (each draw is over the candidates still left)', () => {
    const asked: number[] = [];
    pickRandomly(ids, 3, {
      integer: (maxExclusive) => {
        asked.push(maxExclusive);
        return 0;
      },
    });
    expect(asked).toEqual([10, 9, 8]);
  });

  it('follows the source exactly: one that always says 0 always picks the first candidates, which is why the real source must be uniform', () => {
    const alwaysZero: RandomSource = { integer: () => 0 };
    for (let i = 0; i < 3; i += 1) expect(pickRandomly(ids, 3, alwaysZero)).toEqual([101, 102, 103]);
  });

  it('picks the last candidates first when the source always gives its largest value', () => {
    const alwaysLargest: RandomSource = { integer: (maxExclusive) => maxExclusive - 1 };
    expect(pickRandomly([1, 2, 3, 4, 5], 3, alwaysLargest)).toEqual([5, 1, 2]);
  });
});

describe('the fairness of the pick', () => {
  const trials = 10_000;

  describe('with a seeded source', () => {
    it('gives each of 10 candidates a 3-in-10 chance (chi-square, p = 0.001)', () => {
      const counts = pickCounts(ids, 3, trials, seededRandom(20_261_125));
      for (const observed of counts.values()) expect(Math.abs(observed / trials - 0.3)).toBeLessThan(0.025);
      expect(candidateChiSquare(counts, 3, trials)).toBeLessThan(chiSquare9.p001);
    });

    it('makes all 10 subsets of 3 out of 5 equally likely (chi-square, p = 0.001)', () => {
      const counts = subsetCounts(trials, seededRandom(20_261_126));
      expect(counts.size).toBe(10);
      for (const observed of counts.values()) expect(Math.abs(observed / trials - 0.1)).toBeLessThan(0.015);
      expect(pearson(counts, trials)).toBeLessThan(chiSquare9.p001);
    });
  });

  // Truly random: the thresholds make a false failure about 1 in 10 000 runs for each test.
  describe('with the crypto source used in production', () => {
    it('gives each of 10 candidates a 3-in-10 chance (chi-square, p = 0.0001)', () => {
      const counts = pickCounts(ids, 3, trials, cryptoRandom);
      expect(candidateChiSquare(counts, 3, trials)).toBeLessThan(chiSquare9.p0001);
    });

    it('makes all 10 subsets of 3 out of 5 equally likely (chi-square, p = 0.0001)', () => {
      const counts = subsetCounts(trials, cryptoRandom);
      expect(counts.size).toBe(10);
      expect(pearson(counts, trials)).toBeLessThan(chiSquare9.p0001);
    });
  });

  it('the chi-square check notices a source that favours the first candidate', () => {
    const seeded = seededRandom(3);
    let calls = 0;
    // Every twentieth draw says 0 regardless: a small bias towards whoever is first in the pool.
    const slightlyBiased: RandomSource = {
      integer: (maxExclusive) => {
        calls += 1;
        return calls % 20 === 0 ? 0 : seeded.integer(maxExclusive);
      },
    };
    const counts = pickCounts(ids, 3, trials, slightlyBiased);
    expect(candidateChiSquare(counts, 3, trials)).toBeGreaterThan(chiSquare9.p0001);
  });
});

describe('the random sources', () => {
  it('crypto gives integers from 0 up to, not including, the limit', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i += 1) {
      const value = cryptoRandom.integer(7);
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(7);
      seen.add(value);
    }
    expect(seen.size).toBe(7);
  });

  it('crypto gives 0 when there is only one choice', () => {
    expect(cryptoRandom.integer(1)).toBe(0);
  });

  it('seeded integers stay from 0 up to, not including, the limit and reach every value', () => {
    const random = seededRandom(99);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i += 1) {
      const value = random.integer(7);
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(7);
      seen.add(value);
    }
    expect(seen.size).toBe(7);
  });

  it('seeded floats repeat for the same seed, lie in [0, 1) and differ between seeds', () => {
    const first = seededFloats(42);
    const again = seededFloats(42);
    const other = seededFloats(43);
    const a = Array.from({ length: 1_000 }, () => first());
    const b = Array.from({ length: 1_000 }, () => again());
    const c = Array.from({ length: 1_000 }, () => other());
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const value of a) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('seeded floats start 0.6011…, 0.4482…, 0.8524… for the seed 42', () => {
    const next = seededFloats(42);
    expect(next()).toBeCloseTo(0.601_103_751_920_163_6, 15);
    expect(next()).toBeCloseTo(0.448_290_558_997_541_67, 15);
    expect(next()).toBeCloseTo(0.852_465_793_490_409_9, 15);
  });
});
