import { describe, expect, it } from 'vitest';
import { birthDateOf, isValidPersonalIdCode, isValidRegistryCode } from '../../src/domain/estonian-codes.js';

// An independent check digit, written straight from ../shared/reference/payments-and-ids.md §3:
// weights 1 2 3 4 5 6 7 8 9 1, then 3 4 5 6 7 8 9 1 2 3, else 0 (the registry code uses the first 7).
const firstWeights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1];
const secondWeights = [3, 4, 5, 6, 7, 8, 9, 1, 2, 3];

function referenceCheckDigit(body: string): number {
  for (const weights of [firstWeights, secondWeights]) {
    const sum = [...body].reduce((total, digit, index) => total + Number(digit) * (weights[index] ?? 0), 0);
    if (sum % 11 < 10) return sum % 11;
  }
  return 0;
}

/** The body followed by its right check digit. */
function withCheckDigit(body: string): string {
  return `${body}${referenceCheckDigit(body)}`;
}

/** Every code that differs from the given one in exactly one digit. */
function singleDigitChanges(code: string): string[] {
  const changes: string[] = [];
  for (let index = 0; index < code.length; index++) {
    for (let digit = 0; digit <= 9; digit++) {
      if (String(digit) !== code[index]) changes.push(`${code.slice(0, index)}${digit}${code.slice(index + 1)}`);
    }
  }
  return changes;
}

const utc = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day));

describe('the personal identification code (isikukood)', () => {
  describe('the worked examples of the reference', () => {
    it.each([
      ['36805280109', utc(1968, 5, 28)],
      ['49403136526', utc(1994, 3, 13)],
      ['50502280127', utc(2005, 2, 28)],
      ['38501011610', utc(1985, 1, 1)],
    ])('accepts %s and reads its birth date', (code, birthDate) => {
      expect(isValidPersonalIdCode(code)).toBe(true);
      expect(birthDateOf(code)).toEqual(birthDate);
    });

    it('refuses 36805280108, whose check digit should be 9', () => {
      expect(isValidPersonalIdCode('36805280108')).toBe(false);
    });

    it('takes the second weights when the first give 10 (50502280127)', () => {
      // pass 1 = 109 → 10; pass 2 = 150 → 7: the first pass alone would call 7 wrong.
      expect(isValidPersonalIdCode('50502280127')).toBe(true);
      expect(isValidPersonalIdCode('50502280120')).toBe(false);
    });

    it('uses check digit 0 when both weights give 10 (38501011610)', () => {
      expect(isValidPersonalIdCode('38501011610')).toBe(true);
      for (const last of '123456789') expect(isValidPersonalIdCode(`3850101161${last}`)).toBe(false);
    });
  });

  describe('the form', () => {
    it.each([
      ['empty', ''],
      ['10 digits', '3680528010'],
      ['12 digits', '368052801090'],
      ['a letter', '3680528010a'],
      ['a letter in front', 'A36805280109'],
      ['letter O for zero', '368O5280109'],
      ['a leading space', ' 36805280109'],
      ['a trailing space', '36805280109 '],
      ['spaces inside', '368 0528 0109'],
      ['a dash', '368052-80109'],
      ['a newline at the end', '36805280109\n'],
      ['non-Latin digits', '٣٦٨٠٥٢٨٠١٠٩'],
      ['a sign', '+36805280109'],
    ])('refuses %s', (_name, code) => {
      expect(isValidPersonalIdCode(code)).toBe(false);
      expect(birthDateOf(code)).toBeUndefined();
    });
  });

  describe('the century digit', () => {
    it.each([
      ['1', 1800],
      ['2', 1800],
      ['3', 1900],
      ['4', 1900],
      ['5', 2000],
      ['6', 2000],
      ['7', 2100],
      ['8', 2100],
    ])('reads %s as the %ss', (digit, century) => {
      const code = withCheckDigit(`${digit}050715012`);
      expect(isValidPersonalIdCode(code)).toBe(true);
      expect(birthDateOf(code)).toEqual(utc(century + 5, 7, 15));
    });

    it.each(['0', '9'])('refuses century digit %s even with a right check digit', (digit) => {
      const code = withCheckDigit(`${digit}050715012`);
      expect(code).toHaveLength(11);
      expect(isValidPersonalIdCode(code)).toBe(false);
      expect(birthDateOf(code)).toBeUndefined();
    });
  });

  describe('the birth date', () => {
    // Each code below carries the right check digit, so only the date can make it wrong.
    it.each([
      ['30 February', '3850230', false],
      ['31 April', '3850431', false],
      ['month 13', '3851301', false],
      ['month 00', '3850001', false],
      ['day 00', '3850100', false],
      ['day 32', '3850132', false],
      ['29 February 1985 (not a leap year)', '3850229', false],
      ['29 February 1984 (a leap year)', '3840229', true],
      ['29 February 2000 (a leap year: divisible by 400)', '5000229', true],
      ['29 February 1900 (not a leap year: divisible by 100)', '3000229', false],
      ['29 February 2100 (not a leap year)', '7000229', false],
      ['28 February 2100', '7000228', true],
      ['31 December 1899', '2991231', true],
      ['1 January 1800', '1000101', true],
    ])('%s', (_name, datePart, isValid) => {
      const code = withCheckDigit(`${datePart}123`);
      expect(isValidPersonalIdCode(code)).toBe(isValid);
      expect(birthDateOf(code) !== undefined).toBe(isValid);
    });

    it('reads 29 February of a leap year as that day', () => {
      expect(birthDateOf(withCheckDigit('4840229123'))).toEqual(utc(1984, 2, 29));
    });
  });

  describe('the check digit', () => {
    const validCodes = ['36805280109', '49403136526', '50502280127', '38501011610'];

    it.each(validCodes)('refuses %s with any other last digit', (code) => {
      const others = singleDigitChanges(code).filter((changed) => changed.slice(0, 10) === code.slice(0, 10));
      expect(others).toHaveLength(9);
      for (const changed of others) expect(isValidPersonalIdCode(changed), changed).toBe(false);
    });

    it.each(['36805280109', '49403136526'])('refuses every one-digit change of %s that the first weights decide', (code) => {
      // With weights 1–9 (all non-zero mod 11) one changed digit always moves the sum mod 11,
      // so the check digit no longer matches, as long as the changed code does not fall back to the second weights.
      const firstPassDecides = (changed: string) =>
        [...changed.slice(0, 10)].reduce((sum, digit, index) => sum + Number(digit) * (firstWeights[index] ?? 0), 0) % 11 < 10;
      expect(firstPassDecides(code)).toBe(true);
      const changes = singleDigitChanges(code).filter(firstPassDecides);
      expect(changes.length).toBeGreaterThan(80);
      for (const changed of changes) expect(isValidPersonalIdCode(changed), changed).toBe(false);
    });

    it.each(validCodes)('agrees with the reference algorithm on every one-digit change of %s', (code) => {
      // The fallback to the second weights (and to 0) lets a few one-digit changes through:
      // those are other valid codes, not gaps in the check.
      for (const changed of singleDigitChanges(code)) {
        const expected = birthDateOf(changed) !== undefined && referenceCheckDigit(changed.slice(0, 10)) === Number(changed[10]);
        expect(isValidPersonalIdCode(changed), changed).toBe(expected);
      }
    });

    it('accepts 36105280109: one digit from 36805280109, but valid on its own (pass 1 = 120 → 10, pass 2 = 163 → 9)', () => {
      expect(isValidPersonalIdCode('36105280109')).toBe(true);
    });
  });
});

describe('the business registry code (registrikood)', () => {
  const validCodes = ['12417834', '10539549', '70004459', '74000047', '80231423', '14532901'];

  it.each(validCodes)('accepts %s from the reference', (code) => {
    expect(isValidRegistryCode(code)).toBe(true);
  });

  it('takes the second weights for AS LHV Pank 10539549 (first pass 131 → 10, second 185 → 9)', () => {
    expect(isValidRegistryCode('10539549')).toBe(true);
    expect(isValidRegistryCode('10539541')).toBe(false);
  });

  it.each(validCodes)('refuses %s with any other last digit', (code) => {
    for (let digit = 0; digit <= 9; digit++) {
      if (String(digit) === code[7]) continue;
      const changed = `${code.slice(0, 7)}${digit}`;
      expect(isValidRegistryCode(changed), changed).toBe(false);
    }
  });

  it.each(validCodes)('agrees with the reference algorithm on every one-digit change of %s', (code) => {
    for (const changed of singleDigitChanges(code)) {
      const expected = '1789'.includes(changed[0] ?? '') && referenceCheckDigit(changed.slice(0, 7)) === Number(changed[7]);
      expect(isValidRegistryCode(changed), changed).toBe(expected);
    }
  });

  it.each(['0', '2', '3', '4', '5', '6'])('refuses a first digit %s even with a right check digit', (first) => {
    const code = withCheckDigit(`${first}241783`);
    expect(code).toHaveLength(8);
    expect(isValidRegistryCode(code)).toBe(false);
  });

  it.each(['1', '7', '8', '9'])('accepts the first digit %s with a right check digit', (first) => {
    expect(isValidRegistryCode(withCheckDigit(`${first}241783`))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['7 digits', '1241783'],
    ['9 digits', '124178340'],
    ['a letter', '1241783a'],
    ['spaces', '1241 7834'],
    ['a trailing space', '12417834 '],
    ['a leading space', ' 12417834'],
    ['a VAT number', 'EE102090374'],
    ['an isikukood', '36805280109'],
  ])('refuses %s', (_name, code) => {
    expect(isValidRegistryCode(code)).toBe(false);
  });
});
