import { h, Fragment } from '../jsx.js';
import type { ApplicationListItem, ApplicationWithFields } from '../../db/repositories/expert-application-repository.js';
import { applicationStatuses, type ApplicationStatus } from '../../domain/experts.js';
import { formatDate, formatDateTime } from '../../i18n/format.js';
import type { MessageKey } from '../../i18n/index.js';
import type { FieldView } from '../../use-cases/fields.js';
import type { PageContext } from '../context.js';
import { AdminNav } from './admin-pages.js';
import type { FormState } from './auth-pages.js';
import { ChoiceGroup, CsrfInput, ErrorSummary, Field, FileField, PageHeading, Pagination, TextArea, type FormValues } from './components.js';
import { fieldChoices, languageChoices, priceChoices, priceLevelLabel } from './expert-pages.js';
import { Layout } from './layout.js';

export type ApplicationChoices = { kind: string[]; languages: string[]; fieldIds: string[]; priceLevel: string[] };
export type ApplicationFormState = FormState & { chosen?: ApplicationChoices };

/** The form's values and choices from a stored application (to edit it after "more information, please"). */
export function applicationFormState(application: ApplicationWithFields): { values: FormValues; chosen: ApplicationChoices } {
  return {
    values: {
      fullName: application.full_name ?? '',
      personalIdCode: application.personal_id_code ?? '',
      organisationName: application.organisation_name ?? '',
      registryCode: application.registry_code ?? '',
      contactPerson: application.contact_person ?? '',
      qualifications: application.qualifications,
      bio: application.bio,
      note: '',
    },
    chosen: {
      kind: [application.applicant_kind],
      languages: application.languages.split(',').filter(Boolean),
      fieldIds: application.fieldIds.map(String),
      priceLevel: [String(application.price_level)],
    },
  };
}

function ApplicationForm({
  ctx,
  action,
  fields,
  values = {},
  chosen,
  errors = {},
  general,
  hasPhoto,
  isResubmission,
}: { ctx: PageContext; action: string; fields: FieldView[]; hasPhoto: boolean; isResubmission: boolean } & ApplicationFormState) {
  const { t } = ctx;
  const picked = chosen ?? { kind: ['person'], languages: [ctx.locale], fieldIds: [], priceLevel: [] };
  return (
    <>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action={action} class="form" enctype="multipart/form-data" novalidate>
        <CsrfInput ctx={ctx} />
        <ChoiceGroup
          ctx={ctx}
          type="radio"
          name="kind"
          legend="application.kindLegend"
          choices={[
            { value: 'person', label: t('application.kindPerson') },
            { value: 'organisation', label: t('application.kindOrganisation') },
          ]}
          chosen={picked.kind}
          errors={errors}
        />
        <fieldset class="form-section">
          <legend>{t('application.personLegend')}</legend>
          <p class="hint">{t('application.personHint')}</p>
          <Field ctx={ctx} name="fullName" label="application.fullName" autocomplete="name" values={values} errors={errors} isRequired={false} isOptionalMarked={false} maxLength={200} />
          <Field ctx={ctx} name="personalIdCode" label="application.personalIdCode" hint="application.personalIdCodeHint" values={values} errors={errors} isRequired={false} isOptionalMarked={false} maxLength={20} />
        </fieldset>
        <fieldset class="form-section">
          <legend>{t('application.organisationLegend')}</legend>
          <p class="hint">{t('application.organisationHint')}</p>
          <Field ctx={ctx} name="organisationName" label="application.organisationName" autocomplete="organization" values={values} errors={errors} isRequired={false} isOptionalMarked={false} maxLength={200} />
          <Field ctx={ctx} name="registryCode" label="application.registryCode" hint="application.registryCodeHint" values={values} errors={errors} isRequired={false} isOptionalMarked={false} maxLength={20} />
          <Field ctx={ctx} name="contactPerson" label="application.contactPerson" hint="application.contactPersonHint" values={values} errors={errors} isRequired={false} isOptionalMarked={false} maxLength={200} />
        </fieldset>
        <ChoiceGroup ctx={ctx} type="checkbox" name="fieldIds" legend="experts.fieldsLegend" hint="experts.fieldsHint" choices={fieldChoices(fields)} chosen={picked.fieldIds} errors={errors} />
        <TextArea ctx={ctx} name="qualifications" label="experts.qualificationsLabel" hint="experts.qualificationsHint" values={values} errors={errors} maxLength={3000} />
        <TextArea ctx={ctx} name="bio" label="experts.bioLabel" hint="experts.bioHint" values={values} errors={errors} maxLength={5000} rows={8} />
        <ChoiceGroup ctx={ctx} type="checkbox" name="languages" legend="experts.languagesLegend" choices={languageChoices(ctx)} chosen={picked.languages} errors={errors} />
        <ChoiceGroup ctx={ctx} type="radio" name="priceLevel" legend="experts.priceLegend" hint="experts.priceHint" choices={priceChoices(ctx)} chosen={picked.priceLevel} errors={errors} />
        <FileField
          ctx={ctx}
          name="photo"
          label="experts.photoLabel"
          hint={hasPhoto ? 'application.photoKeptHint' : 'experts.photoHint'}
          errors={errors}
          accept="image/jpeg,image/png,image/webp"
        />
        {Object.keys(errors).length > 0 && <p class="hint">{t('application.photoAgain')}</p>}
        <TextArea ctx={ctx} name="note" label={isResubmission ? 'application.answerLabel' : 'application.noteLabel'} hint="application.noteHint" values={values} errors={errors} maxLength={3000} isRequired={false} rows={4} />
        <button type="submit" class="button">
          {isResubmission ? t('application.resubmitButton') : t('application.submitButton')}
        </button>
      </form>
    </>
  );
}

export type BecomeExpertView =
  | { state: 'anonymous' }
  | { state: 'expert'; expertId: number }
  | { state: 'submitted'; application: ApplicationWithFields }
  | { state: 'needsInfo'; application: ApplicationWithFields }
  | { state: 'apply'; previous: ApplicationWithFields | undefined };

export function BecomeExpertPage({ ctx, view, fields, ...form }: { ctx: PageContext; view: BecomeExpertView; fields: FieldView[] } & ApplicationFormState) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('info.becomeExpertTitle')}>
      <PageHeading lead={t('info.becomeExpertLead')}>{t('info.becomeExpertTitle')}</PageHeading>
      {/* A refused submission on a page without the form (already under review, already an expert) still says why. */}
      {(view.state === 'expert' || view.state === 'submitted') && <ErrorSummary ctx={ctx} errors={{}} general={form.general} />}
      {view.state === 'anonymous' && (
        <>
          <ol class="steps">
            <li>{t('application.step1')}</li>
            <li>{t('application.step2')}</li>
            <li>{t('application.step3')}</li>
          </ol>
          <p>
            {t('info.signInFirst')} <a href="/login?next=%2Fbecome-expert">{t('nav.login')}</a> · <a href="/register">{t('nav.register')}</a>
          </p>
        </>
      )}
      {view.state === 'expert' && (
        <section class="card">
          <h2>{t('application.alreadyExpertTitle')}</h2>
          <p>{t('application.alreadyExpert')}</p>
          <p class="actions">
            <a class="button" href={`/experts/${view.expertId}/edit`}>
              {t('experts.editProfile')}
            </a>
            <a class="button button-secondary" href={`/experts/${view.expertId}`}>
              {t('experts.viewPublicProfile')}
            </a>
          </p>
        </section>
      )}
      {view.state === 'submitted' && (
        <section class="card">
          <h2>{t('application.submittedTitle')}</h2>
          <p>{t('application.submittedBody', { date: formatDate(ctx.locale, view.application.submitted_at) })}</p>
          <form method="post" action={`/become-expert/${view.application.id}/withdraw`} class="inline-form">
            <CsrfInput ctx={ctx} />
            <button type="submit" class="button button-secondary">
              {t('application.withdrawButton')}
            </button>
          </form>
        </section>
      )}
      {view.state === 'needsInfo' && (
        <>
          <section class="notice" role="note">
            <h2>{t('application.needsInfoTitle')}</h2>
            <p class="pre-line">{view.application.review_note}</p>
          </section>
          <ApplicationForm
            ctx={ctx}
            action={`/become-expert/${view.application.id}/resubmit`}
            fields={fields}
            hasPhoto={view.application.photo_file_id !== null}
            isResubmission
            {...(form.values ? form : applicationFormState(view.application))}
          />
        </>
      )}
      {view.state === 'apply' && (
        <>
          {view.previous?.status === 'rejected' && (
            <section class="notice" role="note">
              <h2>{t('application.rejectedTitle')}</h2>
              <p class="pre-line">{view.previous.review_note}</p>
              <p>{t('application.applyAgain')}</p>
            </section>
          )}
          <ApplicationForm ctx={ctx} action="/become-expert" fields={fields} hasPhoto={false} isResubmission={false} {...form} />
        </>
      )}
    </Layout>
  );
}

// ---- review (moderators and admins) ----

function statusLabel(ctx: PageContext, status: ApplicationStatus): string {
  return ctx.t(`application.status_${status}` as MessageKey);
}

export function ApplicationQueuePage({
  ctx,
  status,
  items,
  total,
  page,
  pages,
}: {
  ctx: PageContext;
  status: ApplicationStatus;
  items: ApplicationListItem[];
  total: number;
  page: number;
  pages: number;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('review.queueTitle')}>
      <AdminNav ctx={ctx} current="/admin/expert-applications" />
      <PageHeading lead={t('review.queueLead')}>{t('review.queueTitle')}</PageHeading>
      <nav class="filter-links" aria-label={t('review.statusFilter')}>
        <ul>
          {applicationStatuses.map((s) => (
            <li key={s}>
              <a href={`/admin/expert-applications?status=${s}`} aria-current={s === status ? 'page' : undefined}>
                {statusLabel(ctx, s)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p>{t('review.count', { count: total })}</p>
      {items.length === 0 ? (
        <p>{t('review.empty')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('review.colApplicant')}</th>
                <th scope="col">{t('review.colKind')}</th>
                <th scope="col">{t('review.colSubmitted')}</th>
                <th scope="col">{t('review.colStatus')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>
                    <a href={`/admin/expert-applications/${item.id}`}>{(item.applicant_kind === 'person' ? item.full_name : item.organisation_name) ?? item.applicant_name}</a>
                  </td>
                  <td>{item.applicant_kind === 'person' ? t('application.kindPerson') : t('application.kindOrganisation')}</td>
                  <td>{formatDateTime(ctx.locale, item.submitted_at)}</td>
                  <td>{statusLabel(ctx, item.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination ctx={ctx} page={page} pages={pages} hrefFor={(p) => `/admin/expert-applications?status=${status}&page=${p}`} />
    </Layout>
  );
}

export function ApplicationReviewPage({
  ctx,
  application,
  applicant,
  reviewerName,
  fields,
  values,
  errors = {},
  general,
}: {
  ctx: PageContext;
  application: ApplicationWithFields;
  applicant: { id: number; name: string; email: string; phone: string | null; createdAt: string };
  reviewerName: string | undefined;
  fields: FieldView[];
} & FormState) {
  const { t } = ctx;
  const isPerson = application.applicant_kind === 'person';
  const title = (isPerson ? application.full_name : application.organisation_name) ?? applicant.name;
  const fieldNames = fields.filter((f) => application.fieldIds.includes(f.id)).map((f) => f.name);
  const isDecidable = application.status === 'submitted' || application.status === 'needs_info';
  const isOwn = ctx.actor?.id === application.user_id;
  return (
    <Layout ctx={ctx} title={title}>
      <AdminNav ctx={ctx} current="/admin/expert-applications" />
      <p>
        <a href={`/admin/expert-applications?status=${application.status}`}>← {t('review.queueTitle')}</a>
      </p>
      <PageHeading lead={statusLabel(ctx, application.status)}>{title}</PageHeading>
      {/* A decision refused because the application was already decided: the page has no decision form to show it in. */}
      {!isDecidable && <ErrorSummary ctx={ctx} errors={errors} general={general} />}
      {application.photo_file_id && <img class="avatar avatar-large" src={`/expert-applications/${application.id}/photo`} alt={t('review.photoAlt', { name: title })} width={160} height={160} />}
      <dl class="meta-list">
        <dt>{t('review.colKind')}</dt>
        <dd>{isPerson ? t('application.kindPerson') : t('application.kindOrganisation')}</dd>
        {isPerson && (
          <>
            <dt>{t('application.fullName')}</dt>
            <dd>{application.full_name}</dd>
            <dt>{t('application.personalIdCode')}</dt>
            <dd>{application.personal_id_code}</dd>
          </>
        )}
        {application.organisation_name && (
          <>
            <dt>{t('application.organisationName')}</dt>
            <dd>{application.organisation_name}</dd>
            <dt>{t('application.registryCode')}</dt>
            <dd>{application.registry_code}</dd>
          </>
        )}
        {!isPerson && (
          <>
            <dt>{t('application.contactPerson')}</dt>
            <dd>{application.contact_person}</dd>
          </>
        )}
        <dt>{t('review.account')}</dt>
        <dd>
          {applicant.name} · {applicant.email}
          {applicant.phone ? ` · ${applicant.phone}` : ''} · {t('account.memberSince', { date: formatDate(ctx.locale, applicant.createdAt) })}
        </dd>
        <dt>{t('experts.fieldsTitle')}</dt>
        <dd>{fieldNames.join(', ') || t('common.none')}</dd>
        <dt>{t('experts.languagesTitle')}</dt>
        <dd>{application.languages.split(',').filter(Boolean).map((code) => t(`languages.${code}` as MessageKey)).join(', ')}</dd>
        <dt>{t('experts.priceLegend')}</dt>
        <dd>{priceLevelLabel(ctx, application.price_level)}</dd>
        <dt>{t('review.colSubmitted')}</dt>
        <dd>{formatDateTime(ctx.locale, application.submitted_at)}</dd>
      </dl>
      <h2>{t('experts.qualificationsTitle')}</h2>
      <p class="pre-line">{application.qualifications}</p>
      <h2>{t('experts.aboutTitle')}</h2>
      <p class="pre-line">{application.bio}</p>
      {application.applicant_note && (
        <>
          <h2>{t('review.applicantNote')}</h2>
          <p class="pre-line">{application.applicant_note}</p>
        </>
      )}
      {application.review_note && (
        <>
          <h2>{t('review.reviewNote')}</h2>
          <p class="pre-line">{application.review_note}</p>
        </>
      )}
      {application.reviewed_at && (
        <p class="muted">{t('review.reviewedBy', { name: reviewerName ?? '—', date: formatDateTime(ctx.locale, application.reviewed_at) })}</p>
      )}
      {isDecidable && isOwn && <p class="notice">{t('review.ownApplication')}</p>}
      {isDecidable && !isOwn && (
        <section class="card" aria-labelledby="decision-title">
          <h2 id="decision-title">{t('review.decisionTitle')}</h2>
          <ErrorSummary ctx={ctx} errors={errors} general={general} />
          {application.status === 'submitted' && (
            <form method="post" action={`/admin/expert-applications/${application.id}/decision`} class="form">
              <CsrfInput ctx={ctx} />
              <input type="hidden" name="event" value="approve" />
              <p>{t('review.approveHint')}</p>
              <button type="submit" class="button">
                {t('review.approve')}
              </button>
            </form>
          )}
          <form method="post" action={`/admin/expert-applications/${application.id}/decision`} class="form" novalidate>
            <CsrfInput ctx={ctx} />
            <TextArea ctx={ctx} name="note" label="review.noteLabel" hint="review.noteHint" values={values} errors={errors} maxLength={3000} rows={4} />
            <div class="actions">
              {application.status === 'submitted' && (
                <button type="submit" class="button button-secondary" name="event" value="askForInfo">
                  {t('review.askForInfo')}
                </button>
              )}
              <button type="submit" class="button button-danger" name="event" value="reject">
                {t('review.reject')}
              </button>
            </div>
          </form>
        </section>
      )}
    </Layout>
  );
}
