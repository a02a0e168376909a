import { DomainError } from './errors.js';
import { isValidPersonalIdCode, isValidRegistryCode } from './estonian-codes.js';
import { hasRole, isStaff, type Actor } from './roles.js';

/** Languages an expert can consult in (ISO 639-1); their names live in the catalog under `languages.<code>`. */
export const consultationLanguages = ['et', 'en', 'ru', 'fi', 'uk', 'de', 'fr', 'lv', 'lt'] as const;
export type ConsultationLanguage = (typeof consultationLanguages)[number];

/** Price levels: 1 affordable, 2 standard, 3 premium (shown as €, €€, €€€ with words). */
export const priceLevels = [1, 2, 3] as const;
export type PriceLevel = (typeof priceLevels)[number];

/** Lengths of the profile texts (characters). */
export const profileLimits = {
  name: 200,
  qualifications: 3_000,
  bio: 5_000,
  note: 3_000,
  fieldName: 100,
  fieldDescription: 1_000,
  maxFields: 10,
  photoMaxBytes: 5 * 1024 * 1024,
} as const;

/** Image types a profile photo may have (decided by content). */
export const photoTypes = ['image/jpeg', 'image/png', 'image/webp'] as const;

// ---- the application lifecycle ----

/**
 * An application to become an expert: `submitted` → `approved` | `rejected` | `needs_info`;
 * from `needs_info` the applicant resubmits (back to `submitted`); an open application can be
 * withdrawn by the applicant.
 */
export const applicationStatuses = ['submitted', 'needs_info', 'approved', 'rejected', 'withdrawn'] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

export const applicationEvents = ['approve', 'reject', 'askForInfo', 'resubmit', 'withdraw'] as const;
export type ApplicationEvent = (typeof applicationEvents)[number];

/** Open applications wait for someone: the reviewer (submitted) or the applicant (needs_info). */
export const openApplicationStatuses: readonly ApplicationStatus[] = ['submitted', 'needs_info'];

const applicationTransitions: Record<ApplicationStatus, Partial<Record<ApplicationEvent, ApplicationStatus>>> = {
  submitted: { approve: 'approved', reject: 'rejected', askForInfo: 'needs_info', withdraw: 'withdrawn' },
  needs_info: { resubmit: 'submitted', reject: 'rejected', withdraw: 'withdrawn' },
  approved: {},
  rejected: {},
  withdrawn: {},
};

/** The status an application moves to on an event; INVALID_STATE when the event is not allowed there. */
export function nextApplicationStatus(status: ApplicationStatus, event: ApplicationEvent): ApplicationStatus {
  const next = applicationTransitions[status][event];
  if (!next) throw new DomainError('INVALID_STATE', { entity: 'application', status, event });
  return next;
}

/**
 * Who may do an event: reviewers (moderators, admins) decide, but never on their own application;
 * the applicant resubmits or withdraws.
 */
export function assertMayActOnApplication(actor: Actor, application: { userId: number }, event: ApplicationEvent): void {
  const isApplicantEvent = event === 'resubmit' || event === 'withdraw';
  const isAllowed = isApplicantEvent ? actor.id === application.userId : isStaff(actor) && actor.id !== application.userId;
  if (!isAllowed) throw new DomainError(isApplicantEvent ? 'NOT_FOUND' : 'FORBIDDEN', { entity: 'application' });
}

// ---- profiles ----

/** Only the expert themself and admins change a profile; anyone else is refused. */
export function assertMayEditProfile(actor: Actor, expertId: number): void {
  if (actor.id !== expertId && !hasRole(actor, 'admin')) throw new DomainError('FORBIDDEN', { entity: 'expertProfile' });
}

/**
 * On leave means no new inquiries. Leave with a return date ends by itself at the start of that
 * day; leave without one lasts until the expert ends it.
 */
export function isOnLeave(profile: { isOnLeave: boolean; leaveUntil: string | null }, now: Date): boolean {
  if (!profile.isOnLeave) return false;
  return profile.leaveUntil === null || new Date(profile.leaveUntil).getTime() > now.getTime();
}

/** Average, count and the 1–5 star distribution, from the profile's running totals. */
export type RatingSummary = { average: number | null; count: number; distribution: [number, number, number, number, number] };

/** The stored sort key of a rating average: the average × 100, rounded; 0 while unrated. */
export function ratingScoreOf(count: number, sum: number): number {
  return count > 0 ? Math.round((sum * 100) / count) : 0;
}

/** The average of the ratings to one decimal, as shown; null while unrated. */
export function ratingAverage(count: number, sum: number): number | null {
  return count > 0 ? Math.round((sum / count) * 10) / 10 : null;
}

export function ratingSummary(count: number, sum: number, distributionJson: string): RatingSummary {
  let distribution: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  try {
    const parsed: unknown = JSON.parse(distributionJson);
    if (Array.isArray(parsed) && parsed.length === 5 && parsed.every((n) => Number.isInteger(n) && n >= 0)) {
      distribution = parsed as [number, number, number, number, number];
    }
  } catch {
    // a damaged value shows as no distribution rather than breaking the profile
  }
  return { average: ratingAverage(count, sum), count, distribution };
}

/** The words a person searches by, lowercased, so search needs no SQL function (both engines alike). */
export function searchTextOf(parts: readonly (string | null | undefined)[]): string {
  return parts
    .filter((p): p is string => Boolean(p))
    .join(' \n ')
    .normalize('NFC')
    .toLowerCase();
}

// ---- what an application must contain ----

export type ApplicantKind = 'person' | 'organisation';

/** The application as submitted (texts already trimmed and bounded at the edge). */
export type ApplicationInput = {
  kind: ApplicantKind;
  fullName: string | null;
  personalIdCode: string | null;
  organisationName: string | null;
  registryCode: string | null;
  contactPerson: string | null;
  qualifications: string;
  bio: string;
  languages: readonly string[];
  fieldIds: readonly number[];
  priceLevel: number | null;
  note: string | null;
};

/** What an expert says about their work, in an application and when editing the profile later. */
export type ProfileDescription = Pick<ApplicationInput, 'qualifications' | 'bio' | 'languages' | 'fieldIds' | 'priceLevel'>;

/**
 * Every problem of a profile description, by form field: both texts given, 1–10 fields out of
 * those that may be chosen, at least one known language, a known price level.
 */
export function profileProblems(input: ProfileDescription, choosableFieldIds: ReadonlySet<number>): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!input.qualifications) problems['qualifications'] = 'required';
  if (!input.bio) problems['bio'] = 'required';
  if (input.fieldIds.length === 0) problems['fieldIds'] = 'chooseField';
  else if (input.fieldIds.length > profileLimits.maxFields) problems['fieldIds'] = 'tooManyFields';
  else if (input.fieldIds.some((id) => !choosableFieldIds.has(id))) problems['fieldIds'] = 'choiceInvalid';
  if (input.languages.length === 0) problems['languages'] = 'chooseLanguage';
  else if (input.languages.some((l) => !(consultationLanguages as readonly string[]).includes(l))) problems['languages'] = 'choiceInvalid';
  if (input.priceLevel === null) problems['priceLevel'] = 'choosePriceLevel';
  else if (!(priceLevels as readonly number[]).includes(input.priceLevel)) problems['priceLevel'] = 'choiceInvalid';
  return problems;
}

/**
 * Every problem of an application, by form field (problem codes are catalog keys under
 * `errors.field`). A person gives their name and a valid ID code, and may name the organisation
 * they work for (name and registry code together); an organisation gives its name, a valid
 * registry code and a contact person. Both describe themselves and choose fields, languages
 * and a price level.
 */
export function applicationProblems(input: ApplicationInput, activeFieldIds: ReadonlySet<number>): Record<string, string> {
  const problems: Record<string, string> = {};
  if (input.kind === 'person') {
    if (!input.fullName) problems['fullName'] = 'required';
    if (!input.personalIdCode) problems['personalIdCode'] = 'required';
    else if (!isValidPersonalIdCode(input.personalIdCode)) problems['personalIdCode'] = 'personalIdCodeInvalid';
    if (input.organisationName && !input.registryCode) problems['registryCode'] = 'registryCodeWithName';
    if (input.registryCode && !input.organisationName) problems['organisationName'] = 'organisationNameWithCode';
  } else {
    if (!input.organisationName) problems['organisationName'] = 'required';
    if (!input.contactPerson) problems['contactPerson'] = 'required';
    if (!input.registryCode) problems['registryCode'] = 'required';
  }
  if (input.registryCode && !problems['registryCode'] && !isValidRegistryCode(input.registryCode)) problems['registryCode'] = 'registryCodeInvalid';
  Object.assign(problems, profileProblems(input, activeFieldIds));
  return problems;
}

/** The profile's public name: the person's name, or the organisation's for an organisation. */
export function displayNameOf(input: Pick<ApplicationInput, 'kind' | 'fullName' | 'organisationName'>): string {
  return (input.kind === 'person' ? input.fullName : input.organisationName) ?? '';
}
