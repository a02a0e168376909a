/**
 * Kinds of e-mail a user can switch off in their notification settings. Security e-mails
 * (password or address changed) are not among them: those always go out.
 */
export const emailCategories = ['messages', 'inquiries', 'orders', 'reviews'] as const;
export type EmailCategory = (typeof emailCategories)[number];

/**
 * Every kind of notice, with the e-mail category that governs its e-mail (`security`: always
 * sent). Its title and body live in the catalog under `notices.<kind>`.
 */
export const noticeKinds = {
  passwordChanged: 'security',
  emailChanged: 'security',
} as const satisfies Record<string, EmailCategory | 'security'>;

export type NoticeKind = keyof typeof noticeKinds;

/** True for a string naming a known notice kind. */
export function isNoticeKind(value: string): value is NoticeKind {
  return Object.hasOwn(noticeKinds, value);
}

/** Whether an e-mail of this category reaches a user with these preferences (default: on). */
export function isEmailWanted(category: EmailCategory | 'security', preferences: ReadonlyMap<string, boolean>): boolean {
  return category === 'security' || preferences.get(category) !== false;
}

/** The longest message body accepted (characters). */
export const messageMaxLength = 20_000;
