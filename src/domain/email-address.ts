/**
 * Normalises an e-mail address for storage and comparison: trimmed, NFC, lower-cased.
 * Lower-casing the local part is a deliberate choice: two accounts that differ only by case
 * are always a mistake on a portal like this one.
 */
export function normaliseEmail(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase();
}

// Deliberately simple (RFC 5322 in full accepts things no mail provider hands out):
// one @, no whitespace or control characters, a dot in the domain, no angle brackets or quotes.
const emailPattern = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]+@[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]+\.[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]{2,}$/u;

/** True when the (normalised) address has a usable shape and fits the column. */
export function isPlausibleEmail(email: string): boolean {
  return email.length <= 254 && emailPattern.test(email);
}
