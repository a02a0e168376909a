import { describe, expect, it } from 'vitest';
import { DomainError, type DomainErrorCode } from '../../src/domain/errors.js';
import {
  assertOfferOrderable,
  deadlineDayOf,
  deadlineProblem,
  endOfTallinnDay,
  inquiryEvents,
  inquiryLimits,
  inquiryProblems,
  inquiryRoleOf,
  inquiryStatuses,
  invitationEvents,
  invitationStatuses,
  nextInquiryStatus,
  nextInvitationStatus,
  nextOfferStatus,
  offerEvents,
  offerProblems,
  offerStatuses,
  parseEuros,
  type InquiryEvent,
  type InquiryInput,
  type InquiryStatus,
  type InvitationEvent,
  type InvitationStatus,
  type OfferEvent,
  type OfferInput,
  type OfferStatus,
} from '../../src/domain/inquiries.js';
import type { Actor, GrantableRole } from '../../src/domain/roles.js';

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The code and details of the DomainError the action throws (fails the test if it throws nothing or something else). */
function domainErrorOf(action: () => unknown): { code: DomainErrorCode; details: Readonly<Record<string, unknown>> } {
  const error = errorOf(action);
  expect(error).toBeInstanceOf(DomainError);
  const { code, details } = error as DomainError;
  return { code, details };
}

const refused = 'refused' as const;
type Table<S extends string, E extends string> = Record<S, Record<E, S | typeof refused>>;

/** Every status × event pair of a table, for it.each. */
function pairsOf<S extends string, E extends string>(table: Table<S, E>) {
  return (Object.keys(table) as S[]).flatMap((status) =>
    (Object.keys(table[status]) as E[]).map((event) => ({ status, event, next: table[status][event] })),
  );
}

const sorted = (values: readonly string[]) => [...values].sort();

// ---- the three lifecycles, written out in full ----

/**
 * triage → open (a moderator picked the field) | rejected; triage or open → cancelled | expired;
 * extending the deadline keeps the status; open → ordered; a failed payment reopens an ordered
 * inquiry; cancelled, expired and rejected are final.
 */
const inquiryTable: Table<InquiryStatus, InquiryEvent> = {
  triage: { assignField: 'open', reject: 'rejected', cancel: 'cancelled', expire: 'expired', extendDeadline: 'triage', order: refused, reopen: refused },
  open: { assignField: refused, reject: refused, cancel: 'cancelled', expire: 'expired', extendDeadline: 'open', order: 'ordered', reopen: refused },
  ordered: { assignField: refused, reject: refused, cancel: refused, expire: refused, extendDeadline: refused, order: refused, reopen: 'open' },
  cancelled: { assignField: refused, reject: refused, cancel: refused, expire: refused, extendDeadline: refused, order: refused, reopen: refused },
  expired: { assignField: refused, reject: refused, cancel: refused, expire: refused, extendDeadline: refused, order: refused, reopen: refused },
  rejected: { assignField: refused, reject: refused, cancel: refused, expire: refused, extendDeadline: refused, order: refused, reopen: refused },
};

/**
 * new → seen (opened or asked) → offered | declined; an offer is changed in place, withdrawn or
 * lapsed back to seen; the inquiry's end decides won / lost / expired / cancelled. Closed
 * invitations can still be opened (it changes nothing); a pending offer must be withdrawn before
 * declining, and only an offer can win.
 */
const invitationTable: Table<InvitationStatus, InvitationEvent> = {
  new: {
    open: 'seen',
    ask: 'seen',
    offer: 'offered',
    changeOffer: refused,
    withdrawOffer: refused,
    offerLapsed: refused,
    decline: 'declined',
    win: refused,
    lose: 'lost',
    expire: 'expired',
    cancel: 'cancelled',
  },
  seen: {
    open: 'seen',
    ask: 'seen',
    offer: 'offered',
    changeOffer: refused,
    withdrawOffer: refused,
    offerLapsed: refused,
    decline: 'declined',
    win: refused,
    lose: 'lost',
    expire: 'expired',
    cancel: 'cancelled',
  },
  offered: {
    open: 'offered',
    ask: 'offered',
    offer: refused,
    changeOffer: 'offered',
    withdrawOffer: 'seen',
    offerLapsed: 'seen',
    decline: refused,
    win: 'won',
    lose: 'lost',
    expire: 'expired',
    cancel: 'cancelled',
  },
  declined: {
    open: 'declined',
    ask: refused,
    offer: refused,
    changeOffer: refused,
    withdrawOffer: refused,
    offerLapsed: refused,
    decline: refused,
    win: refused,
    lose: refused,
    expire: refused,
    cancel: refused,
  },
  won: {
    open: 'won',
    ask: refused,
    offer: refused,
    changeOffer: refused,
    withdrawOffer: refused,
    offerLapsed: refused,
    decline: refused,
    win: refused,
    lose: refused,
    expire: refused,
    cancel: refused,
  },
  lost: {
    open: 'lost',
    ask: refused,
    offer: refused,
    changeOffer: refused,
    withdrawOffer: refused,
    offerLapsed: refused,
    decline: refused,
    win: refused,
    lose: refused,
    expire: refused,
    cancel: refused,
  },
  expired: {
    open: 'expired',
    ask: refused,
    offer: refused,
    changeOffer: refused,
    withdrawOffer: refused,
    offerLapsed: refused,
    decline: refused,
    win: refused,
    lose: refused,
    expire: refused,
    cancel: refused,
  },
  cancelled: {
    open: 'cancelled',
    ask: refused,
    offer: refused,
    changeOffer: refused,
    withdrawOffer: refused,
    offerLapsed: refused,
    decline: refused,
    win: refused,
    lose: refused,
    expire: refused,
    cancel: refused,
  },
};

/** Only an active offer moves: changed in place, or ended by its expert, its validity, the order or the inquiry. */
const offerTable: Table<OfferStatus, OfferEvent> = {
  active: { change: 'active', withdraw: 'withdrawn', expire: 'expired', order: 'ordered', lose: 'lost', cancel: 'cancelled' },
  ordered: { change: refused, withdraw: refused, expire: refused, order: refused, lose: refused, cancel: refused },
  withdrawn: { change: refused, withdraw: refused, expire: refused, order: refused, lose: refused, cancel: refused },
  expired: { change: refused, withdraw: refused, expire: refused, order: refused, lose: refused, cancel: refused },
  lost: { change: refused, withdraw: refused, expire: refused, order: refused, lose: refused, cancel: refused },
  cancelled: { change: refused, withdraw: refused, expire: refused, order: refused, lose: refused, cancel: refused },
};

const lifecycles = [
  {
    entity: 'inquiry',
    table: inquiryTable as Table<string, string>,
    statuses: inquiryStatuses,
    events: inquiryEvents,
    next: nextInquiryStatus as (status: string, event: string) => string,
  },
  {
    entity: 'invitation',
    table: invitationTable as Table<string, string>,
    statuses: invitationStatuses,
    events: invitationEvents,
    next: nextInvitationStatus as (status: string, event: string) => string,
  },
  {
    entity: 'offer',
    table: offerTable as Table<string, string>,
    statuses: offerStatuses,
    events: offerEvents,
    next: nextOfferStatus as (status: string, event: string) => string,
  },
] as const;

describe.each(lifecycles)('the $entity lifecycle', ({ entity, table, statuses, events, next }) => {
  const pairs = pairsOf(table);

  it('has a row for every status and a column for every event the domain knows', () => {
    expect(sorted(Object.keys(table))).toEqual(sorted(statuses));
    for (const status of statuses) expect(sorted(Object.keys(table[status] ?? {}))).toEqual(sorted(events));
    expect(pairs).toHaveLength(statuses.length * events.length);
  });

  it.each(pairs.filter((pair) => pair.next !== refused))('$status + $event → $next', ({ status, event, next: expected }) => {
    expect(next(status, event)).toBe(expected);
  });

  it.each(pairs.filter((pair) => pair.next === refused))('$status + $event is refused as INVALID_STATE', ({ status, event }) => {
    const { code, details } = domainErrorOf(() => next(status, event));
    expect(code).toBe('INVALID_STATE');
    expect(details).toEqual({ entity, status, event });
  });
});

// ---- ordering an offer ----

describe('whether an offer can be ordered', () => {
  const now = new Date('2026-11-25T10:00:00Z');
  const validOffer = { status: 'active' as const, expiresAt: '2026-11-30T22:00:00.000Z' };
  const openInquiry = { status: 'open' as const };

  it('can be ordered while it is active and valid and its inquiry is open', () => {
    expect(() => assertOfferOrderable(validOffer, openInquiry, now)).not.toThrow();
  });

  it('can be ordered a millisecond before its validity ends', () => {
    expect(() => assertOfferOrderable({ status: 'active', expiresAt: '2026-11-25T10:00:00.001Z' }, openInquiry, now)).not.toThrow();
  });

  it.each([
    ['the very moment its validity ends', '2026-11-25T10:00:00.000Z'],
    ['after its validity has ended, though still marked active', '2026-11-24T22:00:00.000Z'],
  ])('is refused as OFFER_EXPIRED %s', (_when, expiresAt) => {
    const { code } = domainErrorOf(() => assertOfferOrderable({ status: 'active', expiresAt }, openInquiry, now));
    expect(code).toBe('OFFER_EXPIRED');
  });

  it.each(inquiryStatuses.filter((status) => status !== 'open'))('is refused as INVALID_STATE when the inquiry is %s', (status) => {
    const { code, details } = domainErrorOf(() => assertOfferOrderable(validOffer, { status }, now));
    expect(code).toBe('INVALID_STATE');
    expect(details).toEqual({ entity: 'inquiry', status, event: 'order' });
  });

  it('names the closed inquiry, not the lapsed offer, when both are true', () => {
    const { code, details } = domainErrorOf(() => assertOfferOrderable({ status: 'active', expiresAt: '2026-11-20T22:00:00.000Z' }, { status: 'cancelled' }, now));
    expect(code).toBe('INVALID_STATE');
    expect(details).toEqual({ entity: 'inquiry', status: 'cancelled', event: 'order' });
  });

  it.each(offerStatuses.filter((status) => status !== 'active'))('is refused as INVALID_STATE when the offer is %s', (status) => {
    const { code, details } = domainErrorOf(() => assertOfferOrderable({ status, expiresAt: validOffer.expiresAt }, openInquiry, now));
    expect(code).toBe('INVALID_STATE');
    expect(details).toEqual({ entity: 'offer', status, event: 'order' });
  });

  it('calls a withdrawn offer withdrawn even after its validity would have ended', () => {
    const { code, details } = domainErrorOf(() => assertOfferOrderable({ status: 'withdrawn', expiresAt: '2026-11-20T22:00:00.000Z' }, openInquiry, now));
    expect(code).toBe('INVALID_STATE');
    expect(details).toEqual({ entity: 'offer', status: 'withdrawn', event: 'order' });
  });
});

// ---- offers ----

describe('the problems of an offer', () => {
  // Wednesday 25 November 2026, 12:00 in Tallinn; offers are taken until the end of 10 December.
  const now = new Date('2026-11-25T10:00:00Z');
  const deadline = endOfTallinnDay('2026-12-10').toISOString();
  const offer = (changes: Partial<OfferInput> = {}): OfferInput => ({ priceCents: 12_050, deliveryDate: '2026-12-20', note: '', validUntil: '2026-12-10', ...changes });

  it('finds none in a sound offer', () => {
    expect(offerProblems(offer(), deadline, now)).toEqual({});
  });

  it.each([
    ['zero', 0],
    ['negative', -100],
    ['not a number', Number.NaN],
    ['a fraction of a cent', 100.5],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('refuses a price that is %s', (_name, priceCents) => {
    expect(offerProblems(offer({ priceCents }), deadline, now)).toEqual({ price: 'priceInvalid' });
  });

  it('accepts a price of one cent and of exactly 100 000 €', () => {
    expect(offerProblems(offer({ priceCents: 1 }), deadline, now)).toEqual({});
    expect(offerProblems(offer({ priceCents: inquiryLimits.maxPriceCents }), deadline, now)).toEqual({});
  });

  it('refuses a price above 100 000 €', () => {
    expect(offerProblems(offer({ priceCents: inquiryLimits.maxPriceCents + 1 }), deadline, now)).toEqual({ price: 'priceTooHigh' });
  });

  it('refuses a delivery date in the past but accepts today', () => {
    expect(offerProblems(offer({ deliveryDate: '2026-11-24' }), deadline, now)).toEqual({ deliveryDate: 'dateInPast' });
    expect(offerProblems(offer({ deliveryDate: '2026-11-25' }), deadline, now)).toEqual({});
  });

  it('counts "today" in Tallinn: at 00:30 on 26 November, the 25th is already past', () => {
    const justAfterMidnight = new Date('2026-11-25T22:30:00Z');
    expect(offerProblems(offer({ deliveryDate: '2026-11-25', validUntil: '2026-11-25' }), deadline, justAfterMidnight)).toEqual({
      deliveryDate: 'dateInPast',
      validUntil: 'dateInPast',
    });
  });

  it('accepts validity up to the deadline day and refuses the day after it', () => {
    expect(offerProblems(offer({ validUntil: '2026-12-10' }), deadline, now)).toEqual({});
    expect(offerProblems(offer({ validUntil: '2026-12-11' }), deadline, now)).toEqual({ validUntil: 'validAfterDeadline' });
  });

  it('finds the deadline day in summer time too', () => {
    const summerNow = new Date('2026-07-01T10:00:00Z');
    const summerDeadline = endOfTallinnDay('2026-07-10').toISOString();
    expect(offerProblems(offer({ deliveryDate: '2026-07-20', validUntil: '2026-07-10' }), summerDeadline, summerNow)).toEqual({});
    expect(offerProblems(offer({ deliveryDate: '2026-07-20', validUntil: '2026-07-11' }), summerDeadline, summerNow)).toEqual({ validUntil: 'validAfterDeadline' });
  });

  it('refuses validity that ended before today', () => {
    expect(offerProblems(offer({ validUntil: '2026-11-24' }), deadline, now)).toEqual({ validUntil: 'dateInPast' });
    expect(offerProblems(offer({ validUntil: '2026-11-25' }), deadline, now)).toEqual({});
  });

  it.each(['', '2026-02-30', '25.12.2026', 'next week', '2026-12-1'])('refuses %j as a delivery date or validity', (value) => {
    expect(offerProblems(offer({ deliveryDate: value, validUntil: value }), deadline, now)).toEqual({ deliveryDate: 'dateInvalid', validUntil: 'dateInvalid' });
  });

  it('reports every problem at once', () => {
    expect(offerProblems({ priceCents: 0, deliveryDate: '2026-11-01', note: '', validUntil: '2027-01-01' }, deadline, now)).toEqual({
      price: 'priceInvalid',
      deliveryDate: 'dateInPast',
      validUntil: 'validAfterDeadline',
    });
  });
});

// ---- inquiries ----

describe('the problems of a new inquiry', () => {
  const now = new Date('2026-11-25T10:00:00Z');
  const inquiry = (changes: Partial<InquiryInput> = {}): InquiryInput => ({
    kind: 'consultation',
    fieldId: 4,
    expertIds: [11, 12],
    title: 'A leaking roof',
    description: 'Water comes through the ceiling when it rains.',
    documentTypeId: undefined,
    purpose: '',
    deadline: '2026-12-01',
    wishedBy: null,
    language: 'et',
    ...changes,
  });
  const documentInquiry = (changes: Partial<InquiryInput> = {}) => inquiry({ kind: 'document', documentTypeId: 2, purpose: 'For the bank', ...changes });

  it('finds none in a sound consultation inquiry or document order', () => {
    expect(inquiryProblems(inquiry(), now, 0)).toEqual({});
    expect(inquiryProblems(documentInquiry(), now, 0)).toEqual({});
  });

  it('asks for a description or a file', () => {
    expect(inquiryProblems(inquiry({ description: '' }), now, 0)).toEqual({ description: 'descriptionOrFile' });
    expect(inquiryProblems(inquiry({ description: '  \n ' }), now, 0)).toEqual({ description: 'descriptionOrFile' });
    expect(inquiryProblems(inquiry({ description: '' }), now, 1)).toEqual({});
  });

  it('asks a document order for its document type and purpose', () => {
    expect(inquiryProblems(documentInquiry({ documentTypeId: undefined }), now, 0)).toEqual({ documentTypeId: 'chooseDocumentType' });
    expect(inquiryProblems(documentInquiry({ documentTypeId: Number.NaN }), now, 0)).toEqual({ documentTypeId: 'chooseDocumentType' });
    expect(inquiryProblems(documentInquiry({ purpose: '   ' }), now, 0)).toEqual({ purpose: 'required' });
  });

  it('needs no document type or purpose for a consultation', () => {
    expect(inquiryProblems(inquiry({ documentTypeId: undefined, purpose: '' }), now, 0)).toEqual({});
  });

  describe('in a chosen field', () => {
    it('asks for at least one expert', () => {
      expect(inquiryProblems(inquiry({ expertIds: [] }), now, 0)).toEqual({ expertIds: 'chooseExperts' });
    });

    it(`accepts up to ${inquiryLimits.maxInvitations} experts and refuses more`, () => {
      const ids = (count: number) => Array.from({ length: count }, (_, i) => i + 1);
      expect(inquiryProblems(inquiry({ expertIds: ids(inquiryLimits.maxInvitations) }), now, 0)).toEqual({});
      expect(inquiryProblems(inquiry({ expertIds: ids(inquiryLimits.maxInvitations + 1) }), now, 0)).toEqual({ expertIds: 'tooManyExperts' });
    });

    it('refuses an expert choice that is not a number', () => {
      expect(inquiryProblems(inquiry({ expertIds: [11, Number.NaN] }), now, 0)).toEqual({ expertIds: 'choiceInvalid' });
    });
  });

  it('needs no experts for a general inquiry (a moderator picks the field)', () => {
    expect(inquiryProblems(inquiry({ fieldId: undefined, expertIds: [] }), now, 0)).toEqual({});
  });

  it('refuses a deadline in the past, too far ahead, or not a date', () => {
    expect(inquiryProblems(inquiry({ deadline: '2026-11-24' }), now, 0)).toEqual({ deadline: 'dateInPast' });
    expect(inquiryProblems(inquiry({ deadline: '2027-01-25' }), now, 0)).toEqual({ deadline: 'deadlineTooFar' });
    expect(inquiryProblems(inquiry({ deadline: '2026-13-01' }), now, 0)).toEqual({ deadline: 'dateInvalid' });
    expect(inquiryProblems(inquiry({ deadline: '' }), now, 0)).toEqual({ deadline: 'dateInvalid' });
  });

  it('accepts a deadline today or 60 days ahead', () => {
    expect(inquiryProblems(inquiry({ deadline: '2026-11-25' }), now, 0)).toEqual({});
    expect(inquiryProblems(inquiry({ deadline: '2027-01-24' }), now, 0)).toEqual({});
  });

  it('refuses a wished completion date before the offer deadline, and accepts it on the deadline day', () => {
    expect(inquiryProblems(inquiry({ wishedBy: '2026-11-30' }), now, 0)).toEqual({ wishedBy: 'wishedBeforeDeadline' });
    expect(inquiryProblems(inquiry({ wishedBy: '2026-12-01' }), now, 0)).toEqual({});
    expect(inquiryProblems(inquiry({ wishedBy: '2027-03-01' }), now, 0)).toEqual({});
  });

  it('refuses a wished completion date that is not a date', () => {
    expect(inquiryProblems(inquiry({ wishedBy: '2026-02-30' }), now, 0)).toEqual({ wishedBy: 'dateInvalid' });
  });

  it('only complains about the deadline when it is wrong and the wished date is before it', () => {
    expect(inquiryProblems(inquiry({ deadline: '2026-11-01', wishedBy: '2026-10-01' }), now, 0)).toEqual({ deadline: 'dateInPast' });
  });

  it('refuses a language portal experts do not consult in', () => {
    expect(inquiryProblems(inquiry({ language: 'xx' }), now, 0)).toEqual({ language: 'choiceInvalid' });
    expect(inquiryProblems(inquiry({ language: 'ru' }), now, 0)).toEqual({});
  });

  it('reports every problem at once', () => {
    expect(
      inquiryProblems(documentInquiry({ description: '', documentTypeId: undefined, purpose: '', expertIds: [], deadline: 'soon', wishedBy: 'later', language: '' }), now, 0),
    ).toEqual({
      description: 'descriptionOrFile',
      documentTypeId: 'chooseDocumentType',
      purpose: 'required',
      expertIds: 'chooseExperts',
      deadline: 'dateInvalid',
      wishedBy: 'dateInvalid',
      language: 'choiceInvalid',
    });
  });
});

// ---- deadlines in Tallinn time ----

/** The calendar day `days` after `day`. */
function addDays(day: string, days: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

describe('the end of a Tallinn day', () => {
  it('is 22:00 UTC in winter and 21:00 UTC in summer', () => {
    expect(endOfTallinnDay('2026-11-25').toISOString()).toBe('2026-11-25T22:00:00.000Z');
    expect(endOfTallinnDay('2026-07-10').toISOString()).toBe('2026-07-10T21:00:00.000Z');
  });

  it('makes 29 March 2026 (clocks go forward) 23 hours long', () => {
    expect(endOfTallinnDay('2026-03-28').toISOString()).toBe('2026-03-28T22:00:00.000Z');
    expect(endOfTallinnDay('2026-03-29').toISOString()).toBe('2026-03-29T21:00:00.000Z');
    expect(endOfTallinnDay('2026-03-29').getTime() - endOfTallinnDay('2026-03-28').getTime()).toBe(23 * 3_600_000);
  });

  it('makes 25 October 2026 (clocks go back) 25 hours long', () => {
    expect(endOfTallinnDay('2026-10-24').toISOString()).toBe('2026-10-24T21:00:00.000Z');
    expect(endOfTallinnDay('2026-10-25').toISOString()).toBe('2026-10-25T22:00:00.000Z');
    expect(endOfTallinnDay('2026-10-25').getTime() - endOfTallinnDay('2026-10-24').getTime()).toBe(25 * 3_600_000);
  });

  it('crosses month, year and leap-day boundaries', () => {
    expect(endOfTallinnDay('2026-11-30').toISOString()).toBe('2026-11-30T22:00:00.000Z');
    expect(endOfTallinnDay('2026-12-31').toISOString()).toBe('2026-12-31T22:00:00.000Z');
    expect(endOfTallinnDay('2028-02-28').toISOString()).toBe('2028-02-28T22:00:00.000Z');
    expect(endOfTallinnDay('2028-02-29').toISOString()).toBe('2028-02-29T22:00:00.000Z');
  });
});

describe('the deadline day of a deadline instant', () => {
  it('round-trips the end of every day of 2026 and of the leap year 2028', () => {
    for (const year of ['2026', '2028']) {
      for (let day = `${year}-01-01`; day.startsWith(year); day = addDays(day, 1)) {
        expect(deadlineDayOf(endOfTallinnDay(day).toISOString())).toBe(day);
      }
    }
  });

  it('is the day the instant falls on when it is not a day end', () => {
    expect(deadlineDayOf('2026-11-25T10:00:00.000Z')).toBe('2026-11-25');
  });

  it('counts a deadline at Tallinn midnight as the end of the day before', () => {
    expect(deadlineDayOf('2026-11-24T22:00:00.000Z')).toBe('2026-11-24');
    expect(deadlineDayOf('2026-11-24T22:00:00.001Z')).toBe('2026-11-25');
  });
});

describe('the problem with an offer deadline', () => {
  const now = new Date('2026-11-25T10:00:00Z');

  it('accepts today up to 60 days ahead', () => {
    expect(deadlineProblem('2026-11-25', now)).toBeUndefined();
    expect(deadlineProblem('2026-12-24', now)).toBeUndefined();
    expect(deadlineProblem('2027-01-24', now)).toBeUndefined();
  });

  it('refuses yesterday and the 61st day', () => {
    expect(deadlineProblem('2026-11-24', now)).toBe('dateInPast');
    expect(deadlineProblem('2027-01-25', now)).toBe('deadlineTooFar');
  });

  it.each(['', '2026-11-31', '25.11.2026', '2026-11-25T12:00', 'tomorrow'])('refuses %j as not a date', (day) => {
    expect(deadlineProblem(day, now)).toBe('dateInvalid');
  });

  it('takes "today" in Tallinn the night clocks go forward (29 March 2026)', () => {
    // 23:30 on Saturday 28 March in Tallinn (UTC+2).
    expect(deadlineProblem('2026-03-28', new Date('2026-03-28T21:30:00Z'))).toBeUndefined();
    // 00:30 on Sunday 29 March in Tallinn: the 28th has passed.
    expect(deadlineProblem('2026-03-28', new Date('2026-03-28T22:30:00Z'))).toBe('dateInPast');
    expect(deadlineProblem('2026-03-29', new Date('2026-03-28T22:30:00Z'))).toBeUndefined();
  });

  it('takes "today" in Tallinn the night clocks go back (25 October 2026)', () => {
    // 23:30 on Saturday 24 October in Tallinn (UTC+3).
    expect(deadlineProblem('2026-10-24', new Date('2026-10-24T20:30:00Z'))).toBeUndefined();
    // 00:30 on Sunday 25 October in Tallinn.
    expect(deadlineProblem('2026-10-24', new Date('2026-10-24T21:30:00Z'))).toBe('dateInPast');
    expect(deadlineProblem('2026-10-25', new Date('2026-10-24T21:30:00Z'))).toBeUndefined();
  });

  // Late in the evening (Tallinn) before a clock change 60 days later, the limit counted in
  // hours lands on another calendar day than "60 days after today".
  it.each([
    ['23:30 on 1 February, 60 days before summer time', '2026-02-01T21:30:00Z', '2026-02-01'],
    ['00:30 on 2 September, 60 days before winter time', '2026-09-01T21:30:00Z', '2026-09-02'],
    ['00:30 on 27 August, 60 days ahead is the day clocks go back', '2026-08-26T21:30:00Z', '2026-08-27'],
  ])('allows exactly 60 calendar days ahead at %s', (_when, at, today) => {
    const instant = new Date(at);
    expect(deadlineProblem(today, instant)).toBeUndefined();
    expect(deadlineProblem(addDays(today, 60), instant)).toBeUndefined();
    expect(deadlineProblem(addDays(today, 61), instant)).toBe('deadlineTooFar');
  });
});

// ---- prices ----

describe('reading a price in euros', () => {
  it.each([
    ['120', 12_000],
    ['120,50', 12_050],
    ['120.50', 12_050],
    ['120,5', 12_050],
    ['1 200.5', 120_050],
    ['1\u00a0200,50', 120_050],
    ['€ 99', 9_900],
    ['99 €', 9_900],
    [' 99 ', 9_900],
    ['0,01', 1],
    ['0.29', 29],
    ['0', 0],
    ['9999999.99', 999_999_999],
  ])('reads %j as %i cents', (text, cents) => {
    expect(parseEuros(text)).toBe(cents);
  });

  it.each(['120.505', '-5', 'abc', '', '€', '1,200.50', '12345678', '.5', '5.', '1e3', '0x10', '12.3.4', '+5', '5 EUR'])('refuses %j', (text) => {
    expect(parseEuros(text)).toBeNaN();
  });
});

// ---- who sees an inquiry ----

describe('the part someone plays in an inquiry', () => {
  const actor = (id: number, roles: GrantableRole[] = []): Actor => ({ id, name: `User ${id}`, email: `user${id}@example.ee`, locale: 'et', roles });
  const inquiry = { customerId: 1, invitedExpertIds: [2, 3] };

  it.each([
    ['its customer', actor(1), 'customer'],
    ['its customer, even when they are staff too', actor(1, ['moderator', 'admin']), 'customer'],
    ['an invited expert', actor(2, ['expert']), 'expert'],
    ['an invited expert who is also a moderator', actor(3, ['expert', 'moderator']), 'expert'],
    ['a moderator', actor(10, ['moderator']), 'staff'],
    ['an admin', actor(11, ['admin']), 'staff'],
  ] as const)('is %s → %s', (_who, who, role) => {
    expect(inquiryRoleOf(who, inquiry)).toBe(role);
  });

  it.each([
    ['another customer', actor(20)],
    ['an expert who was not invited', actor(21, ['expert'])],
  ])('is hidden from %s (NOT_FOUND)', (_who, who) => {
    const { code, details } = domainErrorOf(() => inquiryRoleOf(who, inquiry));
    expect(code).toBe('NOT_FOUND');
    expect(details).toEqual({ entity: 'inquiry' });
  });
});
