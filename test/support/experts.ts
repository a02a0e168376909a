import { iso } from '../../src/adapters/clock.js';
import { insertProfile, ensureOrganisation, replaceExpertFields, replaceExpertLanguages, updateProfile } from '../../src/db/repositories/expert-repository.js';
import { insertField, nextFieldPosition } from '../../src/db/repositories/field-repository.js';
import { ratingScoreOf, searchTextOf } from '../../src/domain/experts.js';
import { createUser, type UserOptions } from './factories.js';
import type { TestApp } from './test-app.js';

let fieldSequence = 0;

/** A field of expertise, active unless told otherwise. */
export async function createField(t: TestApp, options: { nameEt?: string; nameEn?: string; isActive?: boolean } = {}) {
  fieldSequence += 1;
  const now = iso(t.clock.now());
  const nameEt = options.nameEt ?? `Valdkond ${fieldSequence}`;
  const nameEn = options.nameEn ?? `Field ${fieldSequence}`;
  const id = await insertField(t.deps.db, {
    name_et: nameEt,
    name_en: nameEn,
    description_et: `${nameEt}: kirjeldus`,
    description_en: `${nameEn}: description`,
    position: await nextFieldPosition(t.deps.db),
    is_active: options.isActive === false ? 0 : 1,
    created_at: now,
    updated_at: now,
  });
  return { id, nameEt, nameEn };
}

export type ExpertOptions = UserOptions & {
  fieldIds: number[];
  languages?: string[];
  priceLevel?: 1 | 2 | 3;
  bio?: string;
  qualifications?: string;
  organisation?: { name: string; registryCode: string };
  /** Ratings as star counts, e.g. [5, 4, 4]: written straight into the profile's running totals. */
  ratings?: number[];
  onLeave?: { until?: Date };
  /** When the profile was approved (default: the test clock's now). */
  approvedAt?: Date;
};

/** An approved expert with a listed profile, created directly in the database (no review flow). */
export async function createExpert(t: TestApp, options: ExpertOptions) {
  const user = await createUser(t, { ...options, roles: ['expert', ...(options.roles ?? [])] });
  const now = iso(t.clock.now());
  const organisationId = options.organisation ? await ensureOrganisation(t.deps.db, { ...options.organisation, now }) : null;
  const bio = options.bio ?? `${user.name} aitab teid.`;
  const qualifications = options.qualifications ?? 'Magistrikraad.';
  const ratings = options.ratings ?? [];
  const distribution = [1, 2, 3, 4, 5].map((stars) => ratings.filter((r) => r === stars).length);
  await insertProfile(t.deps.db, {
    user_id: user.id,
    display_name: user.name,
    organisation_id: organisationId,
    qualifications,
    bio,
    price_level: options.priceLevel ?? 2,
    photo_file_id: null,
    is_on_leave: options.onLeave ? 1 : 0,
    leave_until: options.onLeave?.until ? iso(options.onLeave.until) : null,
    is_active: 1,
    search_text: searchTextOf([user.name, options.organisation?.name, qualifications, bio]),
    approved_at: iso(options.approvedAt ?? t.clock.now()),
    updated_at: now,
  });
  if (ratings.length > 0) {
    await updateProfile(t.deps.db, user.id, {
      rating_count: ratings.length,
      rating_sum: ratings.reduce((a, b) => a + b, 0),
      rating_distribution: JSON.stringify(distribution),
      rating_score: ratingScoreOf(ratings.length, ratings.reduce((a, b) => a + b, 0)),
    });
  }
  await replaceExpertFields(t.deps.db, user.id, options.fieldIds);
  await replaceExpertLanguages(t.deps.db, user.id, options.languages ?? ['et']);
  return user;
}

/** Valid identifiers from ../shared/reference/payments-and-ids.md. */
export const validIdCodes = ['36805280109', '49403136526', '50502280127', '38501011610'] as const;
export const validRegistryCodes = ['12417834', '10539549', '70004459', '80231423'] as const;

/** The fields of a complete "Become an expert" form for a private person; override any. */
export function personApplication(fieldIds: number[], overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    kind: 'person',
    fullName: 'Kati Karu',
    personalIdCode: validIdCodes[1],
    organisationName: '',
    registryCode: '',
    contactPerson: '',
    qualifications: 'Tartu Ülikool, õigusteaduse magister.',
    bio: 'Aitan ohvritel oma õigusi kaitsta.',
    languages: ['et', 'en'],
    fieldIds: fieldIds.map(String),
    priceLevel: '2',
    note: '',
    ...overrides,
  };
}

/** The fields of a complete application on behalf of an organisation; override any. */
export function organisationApplication(fieldIds: number[], overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    kind: 'organisation',
    fullName: '',
    personalIdCode: '',
    organisationName: 'Õigusbüroo Näide OÜ',
    registryCode: validRegistryCodes[0],
    contactPerson: 'Mart Mänd',
    qualifications: 'Kolm advokaati, kogemus alates 2005.',
    bio: 'Büroo aitab liiklusõnnetustes kannatanuid.',
    languages: ['et'],
    fieldIds: fieldIds.map(String),
    priceLevel: '3',
    note: '',
    ...overrides,
  };
}
