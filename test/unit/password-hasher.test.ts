import { describe, expect, it } from 'vitest';
import { createScryptHasher } from '../../src/adapters/password-hasher.js';

// scrypt N=2^10 keeps the suite fast; the code path is the production one.
const hasher = createScryptHasher(10);

describe('the password hasher', () => {
  it('verifies the password it hashed', async () => {
    const stored = await hasher.hash('metsas kasvab kuusk');
    expect(await hasher.verify('metsas kasvab kuusk', stored)).toBe(true);
  });

  it('refuses a wrong password', async () => {
    const stored = await hasher.hash('metsas kasvab kuusk');
    expect(await hasher.verify('metsas kasvab mänd', stored)).toBe(false);
    expect(await hasher.verify('', stored)).toBe(false);
  });

  it('never stores the password itself', async () => {
    const stored = await hasher.hash('metsas kasvab kuusk');
    expect(stored).not.toContain('metsas');
  });

  it('salts every hash, so the same password hashes differently twice', async () => {
    const first = await hasher.hash('metsas kasvab kuusk');
    const second = await hasher.hash('metsas kasvab kuusk');
    expect(first).not.toBe(second);
    expect(first.split('$')[4]).not.toBe(second.split('$')[4]);
  });

  it('treats the composed and decomposed spelling of "Õie" as the same password', async () => {
    const stored = await hasher.hash('\u00d5ie salajane lause');
    expect(await hasher.verify('O\u0303ie salajane lause', stored)).toBe(true);
  });

  it('writes its parameters into the stored form', async () => {
    const stored = await hasher.hash('metsas kasvab kuusk');
    expect(stored).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
  });

  it('verifies an old hash with the parameters stored in it after the cost is raised', async () => {
    const stored = await hasher.hash('metsas kasvab kuusk');
    const stronger = createScryptHasher(11);
    expect(await stronger.verify('metsas kasvab kuusk', stored)).toBe(true);
    expect(await stronger.verify('vale parool', stored)).toBe(false);
    expect(await stronger.hash('metsas kasvab kuusk')).toMatch(/^scrypt\$11\$/);
  });

  it('refuses a hash whose stored cost was tampered with', async () => {
    const stored = await hasher.hash('metsas kasvab kuusk');
    const tampered = stored.replace(/^scrypt\$10\$/, 'scrypt$11$');
    expect(await hasher.verify('metsas kasvab kuusk', tampered)).toBe(false);
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'not a hash'],
    ['another algorithm', '$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'],
    ['too few parts', 'scrypt$10$8$1$c2FsdA'],
    ['too many parts', 'scrypt$10$8$1$c2FsdA$a2V5$extra'],
    ['an empty key', 'scrypt$10$8$1$c2FsdHNhbHRzYWx0$'],
    ['a non-numeric cost', 'scrypt$abc$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U'],
    ['an empty cost', 'scrypt$$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U'],
    ['a negative block size', 'scrypt$10$-8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U'],
    ['an absurd cost', 'scrypt$64$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U'],
  ])('answers false, not an error, for a malformed stored hash: %s', async (_what, stored) => {
    await expect(hasher.verify('metsas kasvab kuusk', stored)).resolves.toBe(false);
  });
});
