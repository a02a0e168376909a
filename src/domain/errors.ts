/**
 * Every failure a use case can report, by code. The HTTP layer maps each code to a status in
 * one table (src/http/plugins/errors.ts); views turn codes into words via the i18n catalog.
 */
export const domainErrorCodes = {
  /** The object does not exist or the actor may not know that it does. */
  NOT_FOUND: 'NOT_FOUND',
  /** The actor is known but may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** E-mail and password do not match an active, verified account (deliberately vague). */
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  /** The account's e-mail address is not verified yet. */
  EMAIL_NOT_VERIFIED: 'EMAIL_NOT_VERIFIED',
  /** Too many attempts in the current window. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A single-use link is unknown, used, or of another purpose. */
  TOKEN_INVALID: 'TOKEN_INVALID',
  /** A single-use link is past its expiry. */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** The current password given to confirm a sensitive change is wrong. */
  REAUTH_FAILED: 'REAUTH_FAILED',
  /** The new e-mail address belongs to another account. */
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  /** Input broke a rule the edge could not check alone; `details.fields` maps field → problem. */
  VALIDATION: 'VALIDATION',
  /** The account is blocked by an administrator. */
  ACCOUNT_BLOCKED: 'ACCOUNT_BLOCKED',
  /** The object is not in a state that allows this (an application already decided, …); `details.status`. */
  INVALID_STATE: 'INVALID_STATE',
  /** The user already has an open expert application or is already an expert. */
  APPLICATION_EXISTS: 'APPLICATION_EXISTS',
  /** The field is in use (experts, applications, inquiries): it can be deactivated, not deleted. */
  FIELD_IN_USE: 'FIELD_IN_USE',
  /** Inquiries name the document type (`details.inquiries`): it can be hidden, not deleted. */
  DOCUMENT_TYPE_IN_USE: 'DOCUMENT_TYPE_IN_USE',
  /** The offer's validity has ended: it can no longer be ordered. */
  OFFER_EXPIRED: 'OFFER_EXPIRED',
  /** The inquiry's offer deadline has passed: no new offers, questions or changes. */
  DEADLINE_PASSED: 'DEADLINE_PASSED',
  /** The expert already has an active offer on this inquiry: they change it instead of making a second one. */
  OFFER_EXISTS: 'OFFER_EXISTS',
  /** The chosen field has no expert who can take inquiries now (all on leave or none listed). */
  NO_EXPERTS_AVAILABLE: 'NO_EXPERTS_AVAILABLE',
  /** The inquiry already has an order (being paid or paid): exactly one per inquiry. */
  ORDER_EXISTS: 'ORDER_EXISTS',
  /** The payment provider could not be reached or refused to start a payment; nothing was charged. */
  PAYMENT_UNAVAILABLE: 'PAYMENT_UNAVAILABLE',
  /** The account still has live orders, open inquiries, active offers or pending invitations (`details`): it cannot be deleted yet. */
  ACCOUNT_HAS_OBLIGATIONS: 'ACCOUNT_HAS_OBLIGATIONS',
} as const;

export type DomainErrorCode = keyof typeof domainErrorCodes;

/** A rule of the domain refused the request; `code` says which. */
export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DomainErrorCode, details: Record<string, unknown> = {}) {
    super(code);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}
