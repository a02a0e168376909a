import { h, Fragment } from '../jsx.js';
import { consultationLanguages, priceLevels } from '../../domain/experts.js';
import { formatDate, formatDecimal } from '../../i18n/format.js';
import type { MessageKey } from '../../i18n/index.js';
import type { DirectoryFilters, DirectoryItem, DirectoryResult, EditableProfile, PublicProfile } from '../../use-cases/expert-profiles.js';
import type { FieldView } from '../../use-cases/fields.js';
import type { PageContext } from '../context.js';
import type { FormState } from './auth-pages.js';
import { ChoiceGroup, CsrfInput, ErrorSummary, Field, FileField, PageHeading, Pagination, TextArea, type Choice } from './components.js';
import { Layout } from './layout.js';

/** Initials for an expert without a photo ("Mari Maasikas" → "MM"). */
function initialsOf(name: string): string {
  const letters = name
    .split(/\s+/u)
    .filter(Boolean)
    .map((word) => [...word][0] ?? '')
    .filter((c) => /\p{L}/u.test(c));
  return (letters.length > 1 ? letters[0]! + letters[letters.length - 1]! : (letters[0] ?? '?')).toUpperCase();
}

/** The photo, or the initials in a circle; decorative either way (the name is always beside it). */
export function Avatar({ name, photoUrl, size = 'small' }: { name: string; photoUrl: string | undefined; size?: 'small' | 'large' }) {
  return photoUrl ? (
    <img class={`avatar avatar-${size}`} src={photoUrl} alt="" width={size === 'large' ? 160 : 72} height={size === 'large' ? 160 : 72} loading="lazy" />
  ) : (
    <span class={`avatar avatar-${size} avatar-initials`} aria-hidden="true">
      {initialsOf(name)}
    </span>
  );
}

export function profilePhotoUrl(expertId: number, photoFileId: number | null): string | undefined {
  // The file id in the query makes a new photo a new URL, so the old one can be cached long.
  return photoFileId ? `/experts/${expertId}/photo?v=${photoFileId}` : undefined;
}

export function priceLevelLabel(ctx: PageContext, level: number): string {
  return ctx.t('experts.priceLevelLabel', { symbol: '€'.repeat(level), name: ctx.t(`experts.priceLevel_${level}` as MessageKey) });
}

function RatingLine({ ctx, average, count }: { ctx: PageContext; average: number | null; count: number }) {
  if (average === null || count === 0) return <span class="rating rating-none">{ctx.t('experts.noRatings')}</span>;
  return (
    <span class="rating">
      <span aria-hidden="true">★ </span>
      {ctx.t('experts.ratingLine', { average: formatDecimal(ctx.locale, average), count })}
    </span>
  );
}

function LeaveBadge({ ctx, leaveUntil }: { ctx: PageContext; leaveUntil: string | null }) {
  return (
    <span class="badge-leave">
      {leaveUntil ? ctx.t('experts.onLeaveUntil', { date: formatDate(ctx.locale, leaveUntil) }) : ctx.t('experts.onLeave')}
    </span>
  );
}

function languageNames(ctx: PageContext, codes: readonly string[]): string {
  return codes.map((code) => ctx.t(`languages.${code}` as MessageKey)).join(', ');
}

export function languageChoices(ctx: PageContext): Choice[] {
  return consultationLanguages.map((code) => ({ value: code, label: ctx.t(`languages.${code}` as MessageKey) }));
}

export function priceChoices(ctx: PageContext): Choice[] {
  return priceLevels.map((level) => ({ value: String(level), label: priceLevelLabel(ctx, level), hint: ctx.t(`experts.priceLevelHint_${level}` as MessageKey) }));
}

export function fieldChoices(fields: readonly FieldView[]): Choice[] {
  return fields.map((f) => ({ value: String(f.id), label: f.name }));
}

function ExpertCard({ ctx, item }: { ctx: PageContext; item: DirectoryItem }) {
  const { t } = ctx;
  return (
    <li class="expert-card">
      <Avatar name={item.displayName} photoUrl={profilePhotoUrl(item.id, item.photoFileId)} />
      <div class="expert-card-body">
        <h2 class="expert-name">
          <a href={`/experts/${item.id}`}>{item.displayName}</a>
        </h2>
        {item.organisationName && item.organisationName !== item.displayName && <p class="muted">{item.organisationName}</p>}
        <p class="expert-meta">
          <RatingLine ctx={ctx} average={item.rating.average} count={item.rating.count} />
          <span>{priceLevelLabel(ctx, item.priceLevel)}</span>
          {item.languages.length > 0 && <span>{t('experts.languagesLine', { languages: languageNames(ctx, item.languages) })}</span>}
        </p>
        {item.isOnLeaveNow && (
          <p>
            <LeaveBadge ctx={ctx} leaveUntil={item.leaveUntil} />
          </p>
        )}
        {item.fields.length > 0 && <p class="expert-fields">{item.fields.map((f) => f.name).join(' · ')}</p>}
        <p class="expert-excerpt">{item.bioExcerpt.length >= 280 ? `${item.bioExcerpt.trimEnd()}…` : item.bioExcerpt}</p>
      </div>
    </li>
  );
}

export type SelectOption = { value: string; label: string };

export function Select({ ctx, name, label, options, value }: { ctx: PageContext; name: string; label: MessageKey; options: SelectOption[]; value: string }) {
  return (
    <div class="field">
      <label for={name}>{ctx.t(label)}</label>
      <select id={name} name={name}>
        {options.map((o) => (
          <option value={o.value} selected={o.value === value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The query string of a directory page, without defaults. */
export function directoryHref(filters: DirectoryFilters, page: number): string {
  const params = new URLSearchParams();
  if (filters.fieldId !== undefined) params.set('field', String(filters.fieldId));
  if (filters.q) params.set('q', filters.q);
  if (filters.language) params.set('lang', filters.language);
  if (filters.priceLevel !== undefined) params.set('price', String(filters.priceLevel));
  if (filters.minRating !== undefined) params.set('rating', String(filters.minRating));
  if (filters.sort !== 'rating') params.set('sort', filters.sort);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `/experts?${query}` : '/experts';
}

export function DirectoryPage({ ctx, result, filters }: { ctx: PageContext; result: DirectoryResult; filters: DirectoryFilters }) {
  const { t } = ctx;
  const title = result.field ? result.field.name : t('experts.directoryTitle');
  return (
    <Layout ctx={ctx} title={title}>
      <PageHeading lead={result.field ? result.field.description : t('experts.directoryLead')}>{title}</PageHeading>
      <form method="get" action="/experts" class="filters" role="search" aria-label={t('experts.filtersLabel')}>
        <Select
          ctx={ctx}
          name="field"
          label="experts.fieldFilter"
          value={filters.fieldId === undefined ? '' : String(filters.fieldId)}
          options={[{ value: '', label: t('experts.allFields') }, ...result.fields.map((f) => ({ value: String(f.id), label: f.name }))]}
        />
        <div class="field">
          <label for="q">{t('experts.searchLabel')}</label>
          <input id="q" name="q" type="search" value={filters.q} maxLength={100} />
        </div>
        <Select
          ctx={ctx}
          name="lang"
          label="experts.languageFilter"
          value={filters.language ?? ''}
          options={[{ value: '', label: t('experts.anyLanguage') }, ...languageChoices(ctx)]}
        />
        <Select
          ctx={ctx}
          name="price"
          label="experts.priceFilter"
          value={filters.priceLevel === undefined ? '' : String(filters.priceLevel)}
          options={[{ value: '', label: t('experts.anyPrice') }, ...priceLevels.map((l) => ({ value: String(l), label: priceLevelLabel(ctx, l) }))]}
        />
        <Select
          ctx={ctx}
          name="rating"
          label="experts.ratingFilter"
          value={filters.minRating === undefined ? '' : String(filters.minRating)}
          options={[{ value: '', label: t('experts.anyRating') }, ...[4, 3, 2].map((n) => ({ value: String(n), label: t('experts.atLeastStars', { count: n }) }))]}
        />
        <Select
          ctx={ctx}
          name="sort"
          label="experts.sortLabel"
          value={filters.sort}
          options={(['rating', 'price', 'newest'] as const).map((s) => ({ value: s, label: t(`experts.sort_${s}`) }))}
        />
        <button type="submit" class="button">
          {t('experts.showResults')}
        </button>
      </form>
      <p class="result-count" role="status">
        {t('experts.resultCount', { count: result.total })}
      </p>
      {result.items.length === 0 ? (
        <p>{t('experts.noResults')}</p>
      ) : (
        <ul class="expert-list">
          {result.items.map((item) => (
            <ExpertCard ctx={ctx} item={item} key={item.id} />
          ))}
        </ul>
      )}
      <Pagination ctx={ctx} page={result.page} pages={result.pages} hrefFor={(p) => directoryHref(filters, p)} />
    </Layout>
  );
}

function Paragraphs({ text }: { text: string }) {
  return (
    <>
      {text
        .split(/\n{2,}/)
        .filter(Boolean)
        .map((paragraph, index) => (
          <p class="pre-line" key={index}>
            {paragraph}
          </p>
        ))}
    </>
  );
}

export function ProfilePage({ ctx, profile, canEdit }: { ctx: PageContext; profile: PublicProfile; canEdit: boolean }) {
  const { t } = ctx;
  const { rating } = profile;
  return (
    <Layout ctx={ctx} title={profile.displayName}>
      <p>
        <a href="/experts">← {t('experts.backToDirectory')}</a>
      </p>
      <div class="profile-head">
        <Avatar name={profile.displayName} photoUrl={profilePhotoUrl(profile.id, profile.photoFileId)} size="large" />
        <div>
          <h1>{profile.displayName}</h1>
          {profile.organisationName && <p class="lead">{profile.organisationName}</p>}
          <p class="expert-meta">
            <RatingLine ctx={ctx} average={rating.average} count={rating.count} />
            <span>{priceLevelLabel(ctx, profile.priceLevel)}</span>
          </p>
          {profile.isOnLeave && (
            <p>
              <LeaveBadge ctx={ctx} leaveUntil={profile.leaveUntil} />
            </p>
          )}
          {canEdit && (
            <p>
              <a class="button button-secondary button-small" href={`/experts/${profile.id}/edit`}>
                {t('experts.editProfile')}
              </a>
            </p>
          )}
        </div>
      </div>
      <dl class="meta-list">
        <dt>{t('experts.fieldsTitle')}</dt>
        <dd>{profile.fields.length > 0 ? profile.fields.map((f) => f.name).join(', ') : t('common.none')}</dd>
        <dt>{t('experts.languagesTitle')}</dt>
        <dd>{profile.languages.length > 0 ? languageNames(ctx, profile.languages) : t('common.none')}</dd>
        <dt>{t('experts.memberSince')}</dt>
        <dd>{formatDate(ctx.locale, profile.memberSince)}</dd>
      </dl>
      <section>
        <h2>{t('experts.aboutTitle')}</h2>
        <Paragraphs text={profile.bio} />
      </section>
      <section>
        <h2>{t('experts.qualificationsTitle')}</h2>
        <Paragraphs text={profile.qualifications} />
      </section>
      <section aria-labelledby="ratings-title">
        <h2 id="ratings-title">{t('experts.ratingsTitle')}</h2>
        {rating.count === 0 || rating.average === null ? (
          <p>{t('experts.noRatingsYet')}</p>
        ) : (
          <>
            <p class="rating-average">{t('experts.ratingAverage', { average: formatDecimal(ctx.locale, rating.average), count: rating.count })}</p>
            <table class="rating-distribution">
              <caption class="visually-hidden">{t('experts.distributionCaption')}</caption>
              <tbody>
                {[5, 4, 3, 2, 1].map((stars) => {
                  const count = rating.distribution[stars - 1] ?? 0;
                  const share = Math.round((count / rating.count) * 100);
                  return (
                    <tr key={stars}>
                      <th scope="row">{t('experts.starsLabel', { count: stars })}</th>
                      <td>
                        <span class="bar" aria-hidden="true">
                          <span class={`bar-fill bar-${Math.round(share / 10) * 10}`} />
                        </span>
                      </td>
                      <td>{count}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
        {profile.reviews.length > 0 && (
          <ol class="reviews">
            {profile.reviews.map((review, index) => (
              <li key={index}>
                <p>
                  <strong>{t('experts.starsLabel', { count: review.stars })}</strong> · {formatDate(ctx.locale, review.createdAt)}
                </p>
                {review.comment && <p class="pre-line">{review.comment}</p>}
                {review.reply && <p class="review-reply pre-line">{t('experts.expertReply', { reply: review.reply })}</p>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </Layout>
  );
}

export type ProfileFormState = FormState & { chosen?: { languages: string[]; fieldIds: string[]; priceLevel: string[] } };

export function ProfileEditPage({
  ctx,
  profile,
  values,
  errors = {},
  general,
  chosen,
  leaveErrors = {},
  leaveValues,
}: { ctx: PageContext; profile: EditableProfile; leaveErrors?: FormState['errors']; leaveValues?: FormState['values'] } & ProfileFormState) {
  const { t } = ctx;
  const formValues = values ?? { qualifications: profile.qualifications, bio: profile.bio };
  const picked = chosen ?? { languages: profile.languages, fieldIds: profile.fieldIds.map(String), priceLevel: [String(profile.priceLevel)] };
  const offered = fieldChoices(profile.choosableFields);
  const leave = leaveValues ?? { returnDate: profile.returnDate ?? '', isOnLeave: profile.isOnLeave ? 'on' : '' };
  return (
    <Layout ctx={ctx} title={t('experts.editTitle')}>
      <PageHeading lead={t('experts.editLead')}>{t('experts.editTitle')}</PageHeading>
      <p>
        <a href={`/experts/${profile.id}`}>{t('experts.viewPublicProfile')}</a>
      </p>
      <section class="card" aria-labelledby="leave-title">
        <h2 id="leave-title">{t('experts.leaveTitle')}</h2>
        <p>{profile.isOnLeave ? t('experts.leaveStatusOn') : t('experts.leaveStatusOff')}</p>
        <ErrorSummary ctx={ctx} errors={leaveErrors} />
        <form method="post" action={`/experts/${profile.id}/leave`} class="form" novalidate>
          <CsrfInput ctx={ctx} />
          <div class="checkbox">
            <input type="checkbox" id="isOnLeave" name="isOnLeave" value="on" checked={leave['isOnLeave'] === 'on'} />
            <label for="isOnLeave">{t('experts.leaveCheckbox')}</label>
          </div>
          <Field ctx={ctx} name="returnDate" type="date" label="experts.returnDate" hint="experts.returnDateHint" values={leave} errors={leaveErrors} isRequired={false} />
          <button type="submit" class="button">
            {t('experts.saveLeave')}
          </button>
        </form>
      </section>
      <section class="card" aria-labelledby="profile-title">
        <h2 id="profile-title">{t('experts.profileTitle')}</h2>
        <p class="hint">{t('experts.nameLocked', { name: profile.displayName, email: ctx.support.email })}</p>
        <ErrorSummary ctx={ctx} errors={errors} general={general} />
        <form method="post" action={`/experts/${profile.id}/edit`} class="form" enctype="multipart/form-data" novalidate>
          <CsrfInput ctx={ctx} />
          <ChoiceGroup ctx={ctx} type="checkbox" name="fieldIds" legend="experts.fieldsLegend" hint="experts.fieldsHint" choices={offered} chosen={picked.fieldIds} errors={errors} />
          <TextArea ctx={ctx} name="bio" label="experts.bioLabel" hint="experts.bioHint" values={formValues} errors={errors} maxLength={5000} rows={8} />
          <TextArea ctx={ctx} name="qualifications" label="experts.qualificationsLabel" hint="experts.qualificationsHint" values={formValues} errors={errors} maxLength={3000} />
          <ChoiceGroup ctx={ctx} type="checkbox" name="languages" legend="experts.languagesLegend" choices={languageChoices(ctx)} chosen={picked.languages} errors={errors} />
          <ChoiceGroup ctx={ctx} type="radio" name="priceLevel" legend="experts.priceLegend" hint="experts.priceHint" choices={priceChoices(ctx)} chosen={picked.priceLevel} errors={errors} />
          {profile.photoFileId && (
            <div class="field">
              <Avatar name={profile.displayName} photoUrl={profilePhotoUrl(profile.id, profile.photoFileId)} />
              <div class="checkbox">
                <input type="checkbox" id="removePhoto" name="removePhoto" value="on" />
                <label for="removePhoto">{t('experts.removePhoto')}</label>
              </div>
            </div>
          )}
          <FileField ctx={ctx} name="photo" label="experts.photoLabel" hint="experts.photoHint" errors={errors} accept="image/jpeg,image/png,image/webp" />
          <button type="submit" class="button">
            {t('common.save')}
          </button>
        </form>
      </section>
    </Layout>
  );
}
