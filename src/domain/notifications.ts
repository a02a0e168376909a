/**
 * Kinds of e-mail a user can switch off in their notification settings. Security e-mails
 * (password or address changed) and account decisions (an expert application reviewed) are not
 * among them: those always go out. `staff` is offered to moderators and admins only.
 */
export const emailCategories = ['messages', 'inquiries', 'orders', 'reviews', 'staff'] as const;
export type EmailCategory = (typeof emailCategories)[number];

/** The categories a user is offered in their settings: `staff` only to moderators and admins. */
export function emailCategoriesFor(isStaffMember: boolean): readonly EmailCategory[] {
  return isStaffMember ? emailCategories : emailCategories.filter((c) => c !== 'staff');
}

/** Categories whose e-mail nobody can switch off. */
export type AlwaysSentCategory = 'security' | 'account';

/**
 * Every kind of notice, with the e-mail category that governs its e-mail (`security`: always
 * sent). Its title and body live in the catalog under `notices.<kind>`.
 */
export const noticeKinds = {
  passwordChanged: 'security',
  emailChanged: 'security',
  expertApplicationReceived: 'account',
  expertApplicationNeedsInfo: 'account',
  expertApplicationRejected: 'account',
  expertApplicationApproved: 'account',
  expertApplicationSubmitted: 'staff',
  inquiryReceived: 'inquiries',
  inquiryInvitation: 'inquiries',
  generalInquirySubmitted: 'staff',
  inquiryTriaged: 'inquiries',
  inquiryRejected: 'inquiries',
  offerReceived: 'inquiries',
  offerChanged: 'inquiries',
  offerWithdrawn: 'inquiries',
  offerLapsed: 'inquiries',
  invitationDeclined: 'inquiries',
  inquiryCancelled: 'inquiries',
  inquiryDeadlineExtended: 'inquiries',
  inquiryDeadlineReminder: 'inquiries',
  inquiryExpired: 'inquiries',
  invitationExpired: 'inquiries',
  orderPaidCustomer: 'orders',
  orderPaidExpert: 'orders',
  offerNotChosen: 'inquiries',
  paymentFailed: 'orders',
  latePayment: 'staff',
  refundIssued: 'orders',
  deliveryAdded: 'orders',
  workDone: 'orders',
  workAccepted: 'orders',
  changesRequested: 'orders',
  autoAcceptReminder: 'orders',
  autoAccepted: 'orders',
  newReview: 'reviews',
  reviewReplied: 'reviews',
  disputeOpened: 'orders',
  disputeOpenedStaff: 'staff',
  disputeResolved: 'orders',
} as const satisfies Record<string, EmailCategory | AlwaysSentCategory>;

export type NoticeKind = keyof typeof noticeKinds;

/** True for a string naming a known notice kind. */
export function isNoticeKind(value: string): value is NoticeKind {
  return Object.hasOwn(noticeKinds, value);
}

/** Whether an e-mail of this category reaches a user with these preferences (default: on). */
export function isEmailWanted(category: EmailCategory | AlwaysSentCategory, preferences: ReadonlyMap<string, boolean>): boolean {
  return category === 'security' || category === 'account' || preferences.get(category) !== false;
}

/** The longest message body accepted (characters). */
export const messageMaxLength = 20_000;
