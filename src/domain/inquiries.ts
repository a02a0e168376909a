import { isCalendarDate, startOfTallinnDay, tallinnDayOf } from './calendar.js';
import { DomainError } from './errors.js';
import { consultationLanguages } from './experts.js';
import { isStaff, type Actor } from './roles.js';

/**
 * Inquiries, invitations and offers (DOMAIN.md, "Lifecycles"). Each lifecycle is a table of
 * allowed events; anything not in the table is refused with INVALID_STATE naming the entity, its
 * status and the event, which the views turn into a sentence the user understands.
 */

export const inquiryKinds = ['consultation', 'document'] as const;
export type InquiryKind = (typeof inquiryKinds)[number];

// ---- inquiry ----

/**
 * `triage` (a general inquiry waiting for a moderator) → `open` (experts invited, collecting
 * offers until the deadline) → `ordered`; or `cancelled` by the customer, `expired` at the
 * deadline with nothing ordered, `rejected` by a moderator (spam, out of scope).
 */
export const inquiryStatuses = ['triage', 'open', 'ordered', 'cancelled', 'expired', 'rejected'] as const;
export type InquiryStatus = (typeof inquiryStatuses)[number];

export const inquiryEvents = ['assignField', 'reject', 'cancel', 'expire', 'extendDeadline', 'order', 'reopen'] as const;
export type InquiryEvent = (typeof inquiryEvents)[number];

const inquiryTransitions: Record<InquiryStatus, Partial<Record<InquiryEvent, InquiryStatus>>> = {
  triage: { assignField: 'open', reject: 'rejected', cancel: 'cancelled', expire: 'expired', extendDeadline: 'triage' },
  open: { cancel: 'cancelled', expire: 'expired', extendDeadline: 'open', order: 'ordered' },
  // A payment that fails or is abandoned gives the inquiry back to the customer (issue 6).
  ordered: { reopen: 'open' },
  cancelled: {},
  expired: {},
  rejected: {},
};

/** The status an inquiry moves to on an event; INVALID_STATE when not allowed. */
export function nextInquiryStatus(status: InquiryStatus, event: InquiryEvent): InquiryStatus {
  const next = inquiryTransitions[status][event];
  if (!next) throw new DomainError('INVALID_STATE', { entity: 'inquiry', status, event });
  return next;
}

/** Inquiries still waiting for something: a moderator or offers. */
export const liveInquiryStatuses: readonly InquiryStatus[] = ['triage', 'open'];

// ---- invitation (one expert's copy of an inquiry) ----

/**
 * `new` → `seen` (opened) → `offered` | `declined`; withdrawing an offer (or its validity
 * ending) returns it to `seen`. When the inquiry is ordered the ordered offer's expert has `won`,
 * every other open invitation `lost`; when it expires or is cancelled, open invitations become
 * `expired` or `cancelled`.
 */
export const invitationStatuses = ['new', 'seen', 'offered', 'declined', 'won', 'lost', 'expired', 'cancelled'] as const;
export type InvitationStatus = (typeof invitationStatuses)[number];

export const invitationEvents = ['open', 'ask', 'offer', 'changeOffer', 'withdrawOffer', 'offerLapsed', 'decline', 'win', 'lose', 'expire', 'cancel'] as const;
export type InvitationEvent = (typeof invitationEvents)[number];

const invitationTransitions: Record<InvitationStatus, Partial<Record<InvitationEvent, InvitationStatus>>> = {
  new: { open: 'seen', ask: 'seen', offer: 'offered', decline: 'declined', lose: 'lost', expire: 'expired', cancel: 'cancelled' },
  seen: { open: 'seen', ask: 'seen', offer: 'offered', decline: 'declined', lose: 'lost', expire: 'expired', cancel: 'cancelled' },
  offered: {
    open: 'offered',
    ask: 'offered',
    changeOffer: 'offered',
    withdrawOffer: 'seen',
    offerLapsed: 'seen',
    win: 'won',
    lose: 'lost',
    expire: 'expired',
    cancel: 'cancelled',
  },
  // Opening a closed invitation only shows it; it changes nothing.
  declined: { open: 'declined' },
  won: { open: 'won' },
  lost: { open: 'lost' },
  expired: { open: 'expired' },
  cancelled: { open: 'cancelled' },
};

/** The status an invitation moves to on an event; INVALID_STATE when not allowed. */
export function nextInvitationStatus(status: InvitationStatus, event: InvitationEvent): InvitationStatus {
  const next = invitationTransitions[status][event];
  if (!next) throw new DomainError('INVALID_STATE', { entity: 'invitation', status, event });
  return next;
}

/** Invitations the expert can still act on (ask, offer, decline). */
export const openInvitationStatuses: readonly InvitationStatus[] = ['new', 'seen', 'offered'];

/** The filters of the expert's list: a status, or `asked` (a question of theirs waits for the customer's answer). */
export const invitationFilters = ['all', 'new', 'asked', 'offered', 'declined', 'won', 'lost', 'expired'] as const;
export type InvitationFilter = (typeof invitationFilters)[number];

/** Where the question thread between one expert and the customer stands. */
export type QuestionState = 'none' | 'waiting' | 'answered';

// ---- offer ----

/** `active` → `ordered` | `withdrawn` | `expired` | `lost` | `cancelled` (the inquiry was cancelled). */
export const offerStatuses = ['active', 'ordered', 'withdrawn', 'expired', 'lost', 'cancelled'] as const;
export type OfferStatus = (typeof offerStatuses)[number];

export const offerEvents = ['change', 'withdraw', 'expire', 'order', 'lose', 'cancel'] as const;
export type OfferEvent = (typeof offerEvents)[number];

const offerTransitions: Record<OfferStatus, Partial<Record<OfferEvent, OfferStatus>>> = {
  active: { change: 'active', withdraw: 'withdrawn', expire: 'expired', order: 'ordered', lose: 'lost', cancel: 'cancelled' },
  ordered: {},
  withdrawn: {},
  expired: {},
  lost: {},
  cancelled: {},
};

/** The status an offer moves to on an event; INVALID_STATE when not allowed. */
export function nextOfferStatus(status: OfferStatus, event: OfferEvent): OfferStatus {
  const next = offerTransitions[status][event];
  if (!next) throw new DomainError('INVALID_STATE', { entity: 'offer', status, event });
  return next;
}

/**
 * An offer can be ordered while it is active, valid and its inquiry is open. OFFER_EXPIRED when
 * its validity has ended (even before the sweep has marked it).
 */
export function assertOfferOrderable(offer: { status: OfferStatus; expiresAt: string }, inquiry: { status: InquiryStatus }, now: Date): void {
  if (inquiry.status !== 'open') throw new DomainError('INVALID_STATE', { entity: 'inquiry', status: inquiry.status, event: 'order' });
  if (offer.status === 'active' && now.getTime() >= Date.parse(offer.expiresAt)) throw new DomainError('OFFER_EXPIRED');
  nextOfferStatus(offer.status, 'order');
}

// ---- rules and limits ----

export const inquiryLimits = {
  title: 200,
  description: 10_000,
  purpose: 2_000,
  offerNote: 3_000,
  declineNote: 1_000,
  rejectMessage: 2_000,
  question: 5_000,
  /** The most experts one inquiry can be sent to. */
  maxInvitations: 25,
  /** How far ahead the offer deadline may be (days). */
  maxDeadlineDays: 60,
  /** The largest price an offer may name, in cents (100 000 €). */
  maxPriceCents: 10_000_000,
} as const;

/** Reasons an expert can give for declining; `other` asks for words. */
export const declineReasons = ['deadlineTooShort', 'outsideExpertise', 'tooBusy', 'conflictOfInterest', 'other'] as const;
export type DeclineReason = (typeof declineReasons)[number];

/** How long before the offer deadline experts who have not answered are reminded. */
export const reminderBeforeMs = 24 * 3_600_000;

/** The instant a deadline day ends: offers are taken until the end of that day in Tallinn. */
export function endOfTallinnDay(day: string): Date {
  const next = new Date(`${day}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return startOfTallinnDay(next.toISOString().slice(0, 10));
}

/** Problems with an offer deadline (a Tallinn date): today at the earliest, at most 60 days ahead. */
export function deadlineProblem(day: string, now: Date): string | undefined {
  if (!isCalendarDate(day)) return 'dateInvalid';
  const today = tallinnDayOf(now);
  if (day < today) return 'dateInPast';
  // Counted in calendar days: a clock change within the window must not move the last day.
  const latest = new Date(`${today}T12:00:00Z`);
  latest.setUTCDate(latest.getUTCDate() + inquiryLimits.maxDeadlineDays);
  if (day > latest.toISOString().slice(0, 10)) return 'deadlineTooFar';
  return undefined;
}

export type InquiryInput = {
  kind: InquiryKind;
  /** Undefined for a general inquiry (the moderator picks the field). */
  fieldId: number | undefined;
  expertIds: number[];
  title: string;
  description: string;
  documentTypeId: number | undefined;
  purpose: string;
  deadline: string;
  wishedBy: string | null;
  language: string;
};

/** Every problem of a new inquiry, by field; `fileCount` counts the attached files. */
export function inquiryProblems(input: InquiryInput, now: Date, fileCount: number): Record<string, string> {
  const problems: Record<string, string> = {};
  if (input.description.trim() === '' && fileCount === 0) problems['description'] = 'descriptionOrFile';
  if (input.kind === 'document') {
    if (input.documentTypeId === undefined || Number.isNaN(input.documentTypeId)) problems['documentTypeId'] = 'chooseDocumentType';
    if (input.purpose.trim() === '') problems['purpose'] = 'required';
  }
  if (input.fieldId !== undefined) {
    if (input.expertIds.length === 0) problems['expertIds'] = 'chooseExperts';
    else if (input.expertIds.length > inquiryLimits.maxInvitations) problems['expertIds'] = 'tooManyExperts';
    else if (input.expertIds.some((id) => Number.isNaN(id))) problems['expertIds'] = 'choiceInvalid';
  }
  const deadline = deadlineProblem(input.deadline, now);
  if (deadline) problems['deadline'] = deadline;
  if (input.wishedBy !== null) {
    if (!isCalendarDate(input.wishedBy)) problems['wishedBy'] = 'dateInvalid';
    else if (!deadline && input.wishedBy < input.deadline) problems['wishedBy'] = 'wishedBeforeDeadline';
  }
  if (!(consultationLanguages as readonly string[]).includes(input.language)) problems['language'] = 'choiceInvalid';
  return problems;
}

export type OfferInput = { priceCents: number; deliveryDate: string; note: string; validUntil: string };

/**
 * Problems of an offer: a positive price within the limit, a delivery date not in the past, a
 * validity from today up to the inquiry's deadline day.
 */
export function offerProblems(input: OfferInput, inquiryDeadline: string, now: Date): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!Number.isInteger(input.priceCents) || input.priceCents <= 0) problems['price'] = 'priceInvalid';
  else if (input.priceCents > inquiryLimits.maxPriceCents) problems['price'] = 'priceTooHigh';
  const today = tallinnDayOf(now);
  if (!isCalendarDate(input.deliveryDate)) problems['deliveryDate'] = 'dateInvalid';
  else if (input.deliveryDate < today) problems['deliveryDate'] = 'dateInPast';
  const deadlineDay = tallinnDayOf(new Date(Date.parse(inquiryDeadline) - 1));
  if (!isCalendarDate(input.validUntil)) problems['validUntil'] = 'dateInvalid';
  else if (input.validUntil < today) problems['validUntil'] = 'dateInPast';
  else if (input.validUntil > deadlineDay) problems['validUntil'] = 'validAfterDeadline';
  return problems;
}

/** The last day offers are taken, for showing and for defaults (the deadline instant is the end of it). */
export function deadlineDayOf(deadlineAt: string): string {
  return tallinnDayOf(new Date(Date.parse(deadlineAt) - 1));
}

/** "120", "120,50", "1 200.5" → cents; NaN for anything else. */
export function parseEuros(value: string): number {
  const compact = value.replace(/[\s\u00a0€]/gu, '').replace(',', '.');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(compact)) return Number.NaN;
  const [whole, fraction = ''] = compact.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

// ---- who may do what ----

export type InquiryParty = { customerId: number; invitedExpertIds: readonly number[] };

/** How the actor relates to an inquiry: its customer, an invited expert, staff, or nobody (NOT_FOUND). */
export type InquiryRole = 'customer' | 'expert' | 'staff';

/**
 * The actor's part in an inquiry. An inquiry is visible only to its customer, its invited experts,
 * moderators and admins; anyone else is told it does not exist.
 */
export function inquiryRoleOf(actor: Actor, inquiry: InquiryParty): InquiryRole {
  if (actor.id === inquiry.customerId) return 'customer';
  if (inquiry.invitedExpertIds.includes(actor.id)) return 'expert';
  if (isStaff(actor)) return 'staff';
  throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
}

// ---- random choice of experts ----

/** A source of uniformly distributed integers; crypto in production, seeded in tests. */
export type RandomSource = { integer(maxExclusive: number): number };

/**
 * `count` distinct candidates chosen uniformly at random (a partial Fisher–Yates shuffle: every
 * subset of that size is equally likely when the source is uniform). Fewer candidates: all of them.
 */
export function pickRandomly<T>(candidates: readonly T[], count: number, random: RandomSource): T[] {
  const pool = [...candidates];
  const take = Math.max(0, Math.min(count, pool.length));
  for (let i = 0; i < take; i += 1) {
    const j = i + random.integer(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, take);
}
