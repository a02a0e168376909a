/** The shortest password accepted (NIST SP 800-63B). */
export const passwordMinLength = 8;
/** The longest accepted: generous for passphrases, bounded so hashing cannot be abused. */
export const passwordMaxLength = 256;

export type PasswordProblem = 'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_LONG' | 'PASSWORD_TOO_COMMON' | 'PASSWORD_IS_EMAIL';

/**
 * Checks a new password: length in characters (not bytes, so "Õie" counts three), not one of
 * the most common passwords, not the account's own e-mail address.
 */
export function checkNewPassword(
  password: string,
  context: { email?: string; isCommon: (candidate: string) => boolean },
): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < passwordMinLength) return 'PASSWORD_TOO_SHORT';
  if (length > passwordMaxLength) return 'PASSWORD_TOO_LONG';
  const lowered = password.toLowerCase();
  if (context.isCommon(lowered)) return 'PASSWORD_TOO_COMMON';
  if (context.email && lowered === context.email.toLowerCase()) return 'PASSWORD_IS_EMAIL';
  return undefined;
}
