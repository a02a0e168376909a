import { iso } from '../../src/adapters/clock.js';
import { listDocumentTypes } from '../../src/db/repositories/document-type-repository.js';
import { listRoles } from '../../src/db/repositories/user-repository.js';
import type { UserRow } from '../../src/db/schema.js';
import { tallinnDayOf } from '../../src/domain/calendar.js';
import type { InquiryKind, OfferInput } from '../../src/domain/inquiries.js';
import type { Actor } from '../../src/domain/roles.js';
import { createInquiry, type InquiryInput } from '../../src/use-cases/inquiries.js';
import { makeOffer } from '../../src/use-cases/invitations.js';
import type { TestApp } from './test-app.js';

/** The Actor a use case expects for a user made by the factories. */
export async function actorOf(t: TestApp, user: Pick<UserRow, 'id' | 'name' | 'email' | 'locale'>): Promise<Actor> {
  return { id: user.id, name: user.name, email: user.email, locale: user.locale, roles: await listRoles(t.deps.db, user.id) };
}

/** A Tallinn calendar day `days` from the test clock's now. */
export function dayFromNow(t: TestApp, days: number): string {
  return tallinnDayOf(new Date(t.clock.now().getTime() + days * 86_400_000));
}

export type InquiryOptions = Partial<Omit<InquiryInput, 'fieldId' | 'expertIds'>> & {
  /** Omit for a general inquiry. */
  fieldId?: number;
  expertIds?: number[];
  kind?: InquiryKind;
};

/** Sends an inquiry through the use case (as the customer would), deadline a week ahead by default. */
export async function createInquiryAs(t: TestApp, customer: UserRow, options: InquiryOptions = {}): Promise<number> {
  const kind = options.kind ?? 'consultation';
  const documentTypeId = kind === 'document' ? (options.documentTypeId ?? (await listDocumentTypes(t.deps.db))[0]!.id) : undefined;
  return createInquiry(
    t.deps,
    await actorOf(t, customer),
    {
      kind,
      fieldId: options.fieldId,
      expertIds: options.expertIds ?? [],
      title: options.title ?? 'Vajan nõu',
      description: options.description ?? 'Kirjeldus sellest, mis juhtus.',
      documentTypeId,
      purpose: options.purpose ?? (kind === 'document' ? 'Esitada kohtule' : ''),
      deadline: options.deadline ?? dayFromNow(t, 7),
      wishedBy: options.wishedBy ?? null,
      language: options.language ?? 'et',
    },
    [],
  );
}

/** A valid offer: 120 €, delivered in ten days, valid until the deadline day by default. */
export function offerInput(t: TestApp, overrides: Partial<OfferInput> = {}): OfferInput {
  return { priceCents: 12_000, deliveryDate: dayFromNow(t, 10), validUntil: dayFromNow(t, 5), note: 'Sisaldab kirjalikku vastust.', ...overrides };
}

/** An expert's offer through the use case. */
export async function makeOfferAs(t: TestApp, expert: UserRow, inquiryId: number, overrides: Partial<OfferInput> = {}): Promise<void> {
  await makeOffer(t.deps, await actorOf(t, expert), inquiryId, offerInput(t, overrides));
}

/** The current now of the test clock as stored (ISO). */
export function nowIso(t: TestApp): string {
  return iso(t.clock.now());
}
