import { describe, expect, it } from 'vitest';
import { isPlausibleEmail, normaliseEmail } from '../../src/domain/email-address.js';

describe('e-mail address normalisation', () => {
  it('trims surrounding whitespace', () => {
    expect(normaliseEmail('  mari@example.ee \t')).toBe('mari@example.ee');
  });

  it('lower-cases the whole address so two spellings are one account', () => {
    expect(normaliseEmail('Mari.Maasikas@Example.EE')).toBe('mari.maasikas@example.ee');
  });

  it('composes decomposed letters (NFC) so "Õ" typed two ways is one address', () => {
    const decomposed = 'O\u0303ie@na\u0308ide.ee';
    expect(normaliseEmail(decomposed)).toBe('õie@näide.ee');
    expect(normaliseEmail(decomposed)).toBe(normaliseEmail('Õie@näide.ee'));
  });
});

describe('e-mail address plausibility', () => {
  it.each(['mari@example.ee', 'mari.maasikas+konsult@mail.example.com', 'õie@näide.ee', "o'brien@example.ie"])('accepts %s', (address) => {
    expect(isPlausibleEmail(address)).toBe(true);
  });

  it.each([
    ['no at sign', 'mari.example.ee'],
    ['two at signs', 'mari@maasikas@example.ee'],
    ['no dot in the domain', 'mari@localhost'],
    ['a one-letter top-level domain', 'mari@example.e'],
    ['an empty local part', '@example.ee'],
    ['a space inside', 'mari maasikas@example.ee'],
    ['angle brackets', '<mari@example.ee>'],
    ['a display name', 'Mari <mari@example.ee>'],
    ['a quote', '"mari"@example.ee'],
    ['a comma-separated second address', 'mari@example.ee,jaan@example.ee'],
    ['a semicolon-separated second address', 'mari@example.ee;jaan@example.ee'],
    ['a NUL character', 'mari\u0000@example.ee'],
    ['an empty string', ''],
  ])('refuses an address with %s', (_what, address) => {
    expect(isPlausibleEmail(address)).toBe(false);
  });

  it('refuses a header-injection attempt with CR/LF and a Bcc line', () => {
    expect(isPlausibleEmail('a@b.ee\r\nBcc: x@y.ee')).toBe(false);
    expect(isPlausibleEmail(normaliseEmail('a@b.ee\r\nBcc: x@y.ee'))).toBe(false);
  });

  it('refuses a header-injection attempt with a bare LF', () => {
    expect(isPlausibleEmail('a@b.ee\nBcc:x@y.ee')).toBe(false);
  });

  it('refuses an address longer than 254 characters', () => {
    const local = 'a'.repeat(64);
    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.ee`;
    const address = `${local}@${domain}`;
    expect(address.length).toBeGreaterThan(254);
    expect(isPlausibleEmail(address)).toBe(false);
  });

  it('accepts an address of exactly 254 characters', () => {
    const address = `${'a'.repeat(254 - '@example.ee'.length)}@example.ee`;
    expect(address).toHaveLength(254);
    expect(isPlausibleEmail(address)).toBe(true);
  });
});
