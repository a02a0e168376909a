import { describe, expect, it } from 'vitest';
import { headerSafe } from '../../src/use-cases/enqueue-email.js';

describe('headerSafe (what may go into an e-mail header)', () => {
  it('turns a CR/LF header injection into one harmless line', () => {
    const value = headerSafe('Tere\r\nBcc: victim@example.ee');
    expect(value).not.toMatch(/[\r\n]/);
    expect(value).toBe('Tere Bcc: victim@example.ee');
  });

  it('strips a bare LF and a bare CR', () => {
    expect(headerSafe('a\nb')).toBe('a b');
    expect(headerSafe('a\rb')).toBe('a b');
  });

  it('strips NUL, tab and other control characters', () => {
    expect(headerSafe('a\u0000b\tc\u001bd\u007fe')).toBe('a b c d e');
  });

  it('strips Unicode line and paragraph separators', () => {
    expect(headerSafe('a\u2028b\u2029c')).toBe('a b c');
  });

  it('trims what is left at the ends', () => {
    expect(headerSafe('\r\n  Kinnitage aadress \r\n')).toBe('Kinnitage aadress');
  });

  it('keeps Estonian letters, emoji and right-to-left text exactly', () => {
    expect(headerSafe('Õie Mäger 🌲 مرحبا')).toBe('Õie Mäger 🌲 مرحبا');
  });
});
