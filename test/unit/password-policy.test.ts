import { describe, expect, it } from 'vitest';
import { loadCommonPasswords } from '../../src/adapters/common-passwords.js';
import { checkNewPassword, passwordMaxLength, passwordMinLength } from '../../src/domain/password-policy.js';

const isCommon = loadCommonPasswords();
const neverCommon = () => false;

describe('the password policy', () => {
  it('asks for at least 8 and allows at most 256 characters', () => {
    expect(passwordMinLength).toBe(8);
    expect(passwordMaxLength).toBe(256);
  });

  it('refuses a 7-character password as too short', () => {
    expect(checkNewPassword('abcdefg', { isCommon: neverCommon })).toBe('PASSWORD_TOO_SHORT');
  });

  it('accepts an 8-character password', () => {
    expect(checkNewPassword('kuusk ja', { isCommon: neverCommon })).toBeUndefined();
  });

  it('counts Estonian letters as one character each, not as bytes', () => {
    // "Õõ" is 2 characters but 4 bytes in UTF-8: 4 × "Õõ" is exactly the minimum.
    expect(checkNewPassword('ÕõÕõÕõÕõ', { isCommon: neverCommon })).toBeUndefined();
    expect(checkNewPassword('ÕõÕõÕõÕ', { isCommon: neverCommon })).toBe('PASSWORD_TOO_SHORT');
  });

  it('counts an emoji as one character', () => {
    expect(checkNewPassword('🌲🌲🌲🌲🌲🌲🌲', { isCommon: neverCommon })).toBe('PASSWORD_TOO_SHORT');
    expect(checkNewPassword('🌲🌲🌲🌲🌲🌲🌲🌲', { isCommon: neverCommon })).toBeUndefined();
  });

  it('accepts a 64-character passphrase', () => {
    const passphrase = 'metsas kasvab kuusk ja mänd '.repeat(3).slice(0, 64);
    expect([...passphrase]).toHaveLength(64);
    expect(checkNewPassword(passphrase, { isCommon })).toBeUndefined();
  });

  it('accepts exactly 256 characters and refuses 257', () => {
    expect(checkNewPassword('õ'.repeat(256), { isCommon: neverCommon })).toBeUndefined();
    expect(checkNewPassword('õ'.repeat(257), { isCommon: neverCommon })).toBe('PASSWORD_TOO_LONG');
  });

  it('refuses a common password whatever its letter case', () => {
    expect(checkNewPassword('password', { isCommon })).toBe('PASSWORD_TOO_COMMON');
    expect(checkNewPassword('PassWord', { isCommon })).toBe('PASSWORD_TOO_COMMON');
    expect(checkNewPassword('QWERTYUIOP', { isCommon })).toBe('PASSWORD_TOO_COMMON');
  });

  it('refuses the Estonian favourites an English list misses', () => {
    expect(checkNewPassword('Parool123', { isCommon })).toBe('PASSWORD_TOO_COMMON');
    expect(checkNewPassword('SALASÕNA1', { isCommon })).toBe('PASSWORD_TOO_COMMON');
  });

  it('refuses the account\'s own e-mail address as the password, in any case', () => {
    expect(checkNewPassword('Mari.Maasikas@Example.ee', { email: 'mari.maasikas@example.ee', isCommon })).toBe('PASSWORD_IS_EMAIL');
  });

  it('accepts a password that merely contains the e-mail address', () => {
    expect(checkNewPassword('mari@example.ee on mu aadress', { email: 'mari@example.ee', isCommon })).toBeUndefined();
  });
});
