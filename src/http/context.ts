import type { Actor, Locale } from '../domain/roles.js';
import type { Translate } from '../i18n/index.js';

/** Flash messages a redirect can carry to the next page (keys into the catalog, nothing else). */
export const flashKeys = [
  'auth.loggedOut',
  'auth.loggedIn',
  'auth.resetDone',
  'auth.verifiedBody',
  'auth.sessionExpired',
  'auth.loginRequired',
  'account.profileSaved',
  'account.languageSaved',
  'account.passwordChanged',
  'account.emailChanged',
  'mailbox.sent',
  'notificationSettings.saved',
  'admin.saved',
  'settings.saved',
  'experts.profileSaved',
  'experts.leaveSaved',
  'experts.backFromLeave',
  'application.submitted',
  'application.withdrawn',
  'review.done_approve',
  'review.done_reject',
  'review.done_askForInfo',
  'fieldAdmin.created',
  'fieldAdmin.saved',
  'fieldAdmin.deleted',
  'documentTypeAdmin.created',
  'documentTypeAdmin.saved',
  'documentTypeAdmin.deleted',
  'documentTypeAdmin.hidden',
  'documentTypeAdmin.shown',
  'inquiries.sent',
  'inquiries.sentGeneral',
  'inquiries.cancelled',
  'inquiries.deadlineExtended',
  'inquiries.answerSent',
  'inquiries.questionSent',
  'inquiries.offerSent',
  'inquiries.offerChanged',
  'inquiries.offerWithdrawn',
  'inquiries.declined',
  'triage.assigned',
  'triage.rejected',
  'orders.refundedFlash',
  'orders.paymentCancelled',
  'orders.deliverySaved',
  'orders.markedDone',
  'orders.acceptedFlash',
  'orders.changesSent',
  'orders.ratingSaved',
  'orders.replySaved',
  'orders.disputeOpenedFlash',
  'orders.disputeResolvedFlash',
] as const;
export type FlashKey = (typeof flashKeys)[number];

/** Everything a page needs to know about the request it answers. */
export type PageContext = {
  locale: Locale;
  t: Translate;
  actor: Actor | undefined;
  /** The request came with a session cookie that has expired or was ended. */
  hasSessionEnded: boolean;
  csrfToken: string;
  /** Path and query of the current page, for "come back here" links. */
  currentPath: string;
  flash: FlashKey | undefined;
  unreadCount: number;
  /** Everyone may read the Sent e-mail page (Config.isSentEmailOpen). */
  isSentEmailOpen: boolean;
  support: { email: string; skype: string | undefined; phone: string | undefined };
  /** Upload limits from the settings, for the forms' hints. */
  uploads: { maxFiles: number; maxFileMegabytes: number };
};

/** A signed-in visitor's page context. */
export type SignedInContext = PageContext & { actor: Actor };
