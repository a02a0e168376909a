/**
 * Check digits of Estonian identifiers (../shared/reference/payments-and-ids.md, §3 and §4).
 * Pure functions: no I/O, no clock.
 */

/** The isikukood / registrikood check digit over the given digits (weights 1–9,1 then 3–9,1–3, else 0). */
function checkDigit(digits: readonly number[]): number {
  for (const start of [1, 3]) {
    let sum = 0;
    digits.forEach((digit, index) => {
      sum += digit * (((start - 1 + index) % 9) + 1);
    });
    const remainder = sum % 11;
    if (remainder < 10) return remainder;
  }
  return 0;
}

function digitsOf(value: string): number[] {
  return [...value].map(Number);
}

/** The birth date an isikukood encodes, or undefined when its date part is impossible. */
export function birthDateOf(code: string): Date | undefined {
  if (!/^[1-8]\d{10}$/.test(code)) return undefined;
  const centuryDigit = Number(code[0]);
  const century = 1800 + Math.floor((centuryDigit - 1) / 2) * 100;
  const year = century + Number(code.slice(1, 3));
  const month = Number(code.slice(3, 5));
  const day = Number(code.slice(5, 7));
  const date = new Date(Date.UTC(year, month - 1, day));
  const isRealDate = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return isRealDate ? date : undefined;
}

/** True for a well-formed Estonian personal identification code: 11 digits, a real birth date, the right check digit. */
export function isValidPersonalIdCode(code: string): boolean {
  if (!birthDateOf(code)) return false;
  const digits = digitsOf(code);
  return checkDigit(digits.slice(0, 10)) === digits[10];
}

/** True for a well-formed Estonian business registry code: 8 digits, a known first digit, the right check digit. */
export function isValidRegistryCode(code: string): boolean {
  if (!/^[1789]\d{7}$/.test(code)) return false;
  const digits = digitsOf(code);
  return checkDigit(digits.slice(0, 7)) === digits[7];
}
