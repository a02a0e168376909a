import { randomInt } from 'node:crypto';
import type { RandomSource } from '../domain/inquiries.js';

/** Uniform integers from the operating system's CSPRNG (`crypto.randomInt` rejects biased draws). */
export const cryptoRandom: RandomSource = {
  integer: (maxExclusive) => randomInt(maxExclusive),
};

/**
 * Reproducible floats in [0, 1) for tests and benchmarks (mulberry32): the same seed gives the
 * same sequence. Never used for real picks.
 */
export function seededFloats(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A reproducible RandomSource (see seededFloats). */
export function seededRandom(seed: number): RandomSource {
  const next = seededFloats(seed);
  return { integer: (maxExclusive) => Math.floor(next() * maxExclusive) };
}
