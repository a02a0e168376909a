import { h, Fragment } from '../jsx.js';
import type { AvailableExpert, CustomerInquiryItem, ExpertInvitationItem, InquiryFile, TriageItem } from '../../db/repositories/inquiry-repository.js';
import { ratingAverage } from '../../domain/experts.js';
import { deadlineDayOf, declineReasons, inquiryLimits, invitationFilters, type InquiryKind, type InvitationFilter } from '../../domain/inquiries.js';
import { formatDate, formatDateTime, formatDecimal, formatMoney } from '../../i18n/format.js';
import type { MessageKey } from '../../i18n/index.js';
import type { DocumentTypeView, InquiryDetail, InvitationView, OfferView } from '../../use-cases/inquiries.js';
import type { FieldView } from '../../use-cases/fields.js';
import type { PageContext } from '../context.js';
import type { FormState } from './auth-pages.js';
import { ChoiceGroup, CsrfInput, ErrorSummary, Field, PageHeading, Pagination, TextArea, type FieldError } from './components.js';
import { Avatar, languageChoices, priceLevelLabel, profilePhotoUrl, Select } from './expert-pages.js';
import { AdminNav } from './admin-pages.js';
import { Layout } from './layout.js';
import { fileAccept, MessageForm, MessageList } from './mailbox-pages.js';

function RatingText({ ctx, average, count }: { ctx: PageContext; average: number | null; count: number }) {
  if (average === null || count === 0) return <span class="muted">{ctx.t('experts.noRatings')}</span>;
  return <span>{ctx.t('experts.ratingLine', { average: formatDecimal(ctx.locale, average), count })}</span>;
}

export function StatusBadge({ ctx, kind, status }: { ctx: PageContext; kind: 'inquiry' | 'invitation' | 'offer'; status: string }) {
  return <span class={`status status-${status}`}>{ctx.t(`inquiries.status.${kind}_${status}` as MessageKey)}</span>;
}

/** A calendar day (`YYYY-MM-DD`) in words; shown at noon so no time zone moves it. */
function day(ctx: PageContext, value: string): string {
  return formatDate(ctx.locale, `${value}T12:00:00Z`);
}

/** An offer deadline as people think of it: the last day, until its end. */
function deadline(ctx: PageContext, deadlineAt: string): string {
  return ctx.t('inquiries.untilEndOfDay', { date: day(ctx, deadlineDayOf(deadlineAt)) });
}

// ---- choosing a field ----

/** Step one of ordering: the fields (each leads to the form with its experts) or "I don't know the field". */
export function FieldChooserPage({ ctx, fields, kind }: { ctx: PageContext; fields: FieldView[]; kind: InquiryKind }) {
  const { t } = ctx;
  const title = kind === 'document' ? t('info.documentTitle') : t('info.consultationTitle');
  return (
    <Layout ctx={ctx} title={title}>
      <PageHeading lead={kind === 'document' ? t('info.documentLead') : t('info.consultationLead')}>{title}</PageHeading>
      <h2>{t('experts.chooseFieldTitle')}</h2>
      <ul class="field-list">
        {fields.map((field) => (
          <li key={field.id}>
            <h3>
              <a href={`/inquiries/new?kind=${kind}&field=${field.id}`}>{field.name}</a>
            </h3>
            <p>{field.description}</p>
          </li>
        ))}
      </ul>
      <section class="card">
        <h2>{t('inquiries.unknownFieldTitle')}</h2>
        <p>{t('inquiries.unknownFieldLead')}</p>
        <p>
          <a class="button button-secondary" href={`/inquiries/new?kind=${kind}`}>
            {t('inquiries.sendGeneral')}
          </a>
        </p>
      </section>
    </Layout>
  );
}

// ---- the inquiry form ----

export type InquiryFormView = {
  kind: InquiryKind;
  /** Undefined: a general inquiry. */
  field: FieldView | undefined;
  experts: AvailableExpert[];
  documentTypes: DocumentTypeView[];
  /** Defaults for a fresh form. */
  defaults: { deadline: string; language: string };
};

export type InquiryFormState = FormState & { chosen?: { expertIds: string[]; documentTypeId: string[]; language: string[] } };

function ExpertChoices({ ctx, experts, chosen, error }: { ctx: PageContext; experts: AvailableExpert[]; chosen: readonly string[]; error: FieldError | undefined }) {
  const { t } = ctx;
  return (
    <fieldset class={error ? 'field choices field-error' : 'field choices'} aria-describedby={error ? 'expertIds-hint expertIds-error' : 'expertIds-hint'}>
      <legend>{t('inquiries.chooseExperts')}</legend>
      <p class="hint" id="expertIds-hint">
        {t('inquiries.chooseExpertsHint', { max: inquiryLimits.maxInvitations })}
      </p>
      {error && (
        <p class="error-message" id="expertIds-error">
          {t(error.key, error.params)}
        </p>
      )}
      <ul class="plain-list expert-choices">
        {experts.map((expert, index) => {
          const id = index === 0 ? 'expertIds' : `expertIds-${index}`;
          return (
            <li key={expert.id} class="expert-choice">
              <input type="checkbox" id={id} name="expertIds" value={String(expert.id)} checked={chosen.includes(String(expert.id))} aria-invalid={error ? 'true' : undefined} />
              <label for={id}>
                <Avatar name={expert.displayName} photoUrl={profilePhotoUrl(expert.id, expert.photoFileId)} />
                <span>
                  <strong>{expert.displayName}</strong>
                  <span class="expert-meta">
                    <RatingText ctx={ctx} average={ratingAverage(expert.ratingCount, expert.ratingSum)} count={expert.ratingCount} />
                    <span>{priceLevelLabel(ctx, expert.priceLevel)}</span>
                  </span>
                </span>
              </label>
              <a href={`/experts/${expert.id}`} target="_blank" rel="noopener">
                {t('inquiries.viewProfile', { name: expert.displayName })}
              </a>
            </li>
          );
        })}
      </ul>
      {experts.length > 1 && (
        <div class="checkbox">
          <input type="checkbox" id="allExperts" name="allExperts" value="on" checked={chosen.includes('all')} />
          <label for="allExperts">{t('inquiries.chooseAll', { count: Math.min(experts.length, inquiryLimits.maxInvitations) })}</label>
        </div>
      )}
    </fieldset>
  );
}

export function InquiryFormPage({ ctx, view, values, errors = {}, general, chosen }: { ctx: PageContext; view: InquiryFormView } & InquiryFormState) {
  const { t } = ctx;
  const isGeneral = view.field === undefined;
  const title = isGeneral ? t('inquiries.generalTitle') : view.kind === 'document' ? t('inquiries.documentFormTitle', { field: view.field!.name }) : t('inquiries.consultationFormTitle', { field: view.field!.name });
  const formValues = { deadline: view.defaults.deadline, ...values };
  const chosenLanguage = chosen?.language.length ? chosen.language : [view.defaults.language];
  const noExperts = !isGeneral && view.experts.length === 0;
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href={view.kind === 'document' ? '/order/document' : '/order/consultation'}>← {t('inquiries.backToFields')}</a>
      </p>
      <PageHeading lead={isGeneral ? t('inquiries.generalLead') : view.field!.description}>{title}</PageHeading>
      {noExperts ? (
        <div class="notice">
          <p>{t('inquiries.noExpertsAvailable')}</p>
          <p>
            <a href={`/inquiries/new?kind=${view.kind}`}>{t('inquiries.sendGeneral')}</a>
          </p>
        </div>
      ) : (
        <>
          <ErrorSummary ctx={ctx} errors={errors} general={general} />
          <form method="post" action="/inquiries" class="form upload-form" enctype="multipart/form-data" novalidate data-uploading={t('mailbox.uploading')}>
            <CsrfInput ctx={ctx} />
            <input type="hidden" name="kind" value={view.kind} />
            {view.field && <input type="hidden" name="fieldId" value={String(view.field.id)} />}
            {view.field && <ExpertChoices ctx={ctx} experts={view.experts} chosen={chosen?.expertIds ?? []} error={errors['expertIds']} />}
            {view.kind === 'document' && (
              <>
                <ChoiceGroup
                  ctx={ctx}
                  name="documentTypeId"
                  legend="inquiries.documentType"
                  type="radio"
                  choices={view.documentTypes.map((d) => ({ value: String(d.id), label: d.name }))}
                  chosen={chosen?.documentTypeId ?? []}
                  errors={errors}
                />
                <TextArea ctx={ctx} name="purpose" label="inquiries.purpose" hint="inquiries.purposeHint" values={values} errors={errors} maxLength={inquiryLimits.purpose} rows={3} />
              </>
            )}
            <Field ctx={ctx} name="title" label="inquiries.titleLabel" hint="inquiries.titleHint" values={values} errors={errors} maxLength={inquiryLimits.title} />
            <TextArea ctx={ctx} name="description" label="inquiries.description" hint="inquiries.descriptionHint" values={values} errors={errors} isRequired={false} maxLength={inquiryLimits.description} rows={10} />
            <div class={errors['files'] ? 'field field-error' : 'field'}>
              <label for="files">
                {t('inquiries.files')} <span class="muted">{t('common.optional')}</span>
              </label>
              <p class="hint" id="files-hint">
                {t('mailbox.filesHint', { files: ctx.uploads.maxFiles, mb: ctx.uploads.maxFileMegabytes })}
              </p>
              {errors['files'] && (
                <p class="error-message" id="files-error">
                  {t(errors['files'].key, errors['files'].params)}
                </p>
              )}
              <input id="files" name="files" type="file" multiple accept={fileAccept} aria-describedby={errors['files'] ? 'files-hint files-error' : 'files-hint'} aria-invalid={errors['files'] ? 'true' : undefined} />
              {values && <p class="hint">{t('inquiries.filesAgain')}</p>}
            </div>
            <Field ctx={ctx} name="deadline" type="date" label="inquiries.deadline" hint="inquiries.deadlineHint" values={formValues} errors={errors} />
            <Field ctx={ctx} name="wishedBy" type="date" label="inquiries.wishedBy" hint="inquiries.wishedByHint" values={values} errors={errors} isRequired={false} />
            <Select ctx={ctx} name="language" label="inquiries.language" options={languageChoices(ctx)} value={chosenLanguage[0] ?? view.defaults.language} />
            <p class="hint">{t('inquiries.privacyNote')}</p>
            <button type="submit" class="button">
              {isGeneral ? t('inquiries.sendGeneralButton') : t('inquiries.send')}
            </button>
          </form>
        </>
      )}
    </Layout>
  );
}

// ---- the customer's list ----

export function MyInquiriesPage({ ctx, items, page, pages }: { ctx: PageContext; items: CustomerInquiryItem[]; page: number; pages: number }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('inquiries.myTitle')}>
      <PageHeading lead={t('inquiries.myLead')}>{t('inquiries.myTitle')}</PageHeading>
      <p class="actions">
        <a class="button" href="/order/consultation">
          {t('nav.orderConsultation')}
        </a>
        <a class="button button-secondary" href="/order/document">
          {t('nav.orderDocument')}
        </a>
      </p>
      {items.length === 0 ? (
        <p>{t('inquiries.myEmpty')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('inquiries.titleLabel')}</th>
                <th scope="col">{t('inquiries.statusLabel')}</th>
                <th scope="col">{t('inquiries.experts')}</th>
                <th scope="col">{t('inquiries.offers')}</th>
                <th scope="col">{t('inquiries.deadline')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>
                    <a href={`/inquiries/${item.id}`}>{item.title}</a>
                    <br />
                    <span class="muted">{t(`inquiries.kind_${item.kind}`)}</span>
                  </td>
                  <td>
                    <StatusBadge ctx={ctx} kind="inquiry" status={item.status} />
                    {item.waitingQuestionCount > 0 && <p class="attention">{t('inquiries.questionsWaiting', { count: item.waitingQuestionCount })}</p>}
                  </td>
                  <td>{item.invitationCount}</td>
                  <td>{item.offerCount}</td>
                  <td>{deadline(ctx, item.deadlineAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination ctx={ctx} page={page} pages={pages} hrefFor={(p) => `/inquiries?page=${p}`} />
    </Layout>
  );
}

// ---- one inquiry ----

/** Errors of the forms on an inquiry's page, by form. */
export type InquiryForms = Partial<Record<string, FormState>>;

function Files({ ctx, inquiryId, files }: { ctx: PageContext; inquiryId: number; files: InquiryFile[] }) {
  if (files.length === 0) return null;
  return (
    <>
      <h3>{ctx.t('inquiries.files')}</h3>
      <ul class="attachments">
        {files.map((file) => (
          <li key={file.id}>
            <a href={`/inquiries/${inquiryId}/files/${file.id}`} download>
              {file.original_name}
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}

function InquirySummary({ ctx, detail }: { ctx: PageContext; detail: InquiryDetail }) {
  const { t } = ctx;
  const { inquiry } = detail;
  return (
    <section class="card" aria-labelledby="inquiry-content">
      <h2 id="inquiry-content">{t('inquiries.contentTitle')}</h2>
      <dl class="meta-list">
        <dt>{t('inquiries.statusLabel')}</dt>
        <dd>
          <StatusBadge ctx={ctx} kind="inquiry" status={inquiry.status} />
        </dd>
        <dt>{t('inquiries.kindLabel')}</dt>
        <dd>{t(`inquiries.kind_${inquiry.kind}`)}</dd>
        <dt>{t('inquiries.field')}</dt>
        <dd>{inquiry.field ? inquiry.field.name : t('inquiries.fieldUnknown')}</dd>
        {inquiry.documentType && (
          <>
            <dt>{t('inquiries.documentType')}</dt>
            <dd>{inquiry.documentType}</dd>
          </>
        )}
        <dt>{t('inquiries.deadline')}</dt>
        <dd>{deadline(ctx, inquiry.deadlineAt)}</dd>
        {inquiry.wishedBy && (
          <>
            <dt>{t('inquiries.wishedBy')}</dt>
            <dd>{day(ctx, inquiry.wishedBy)}</dd>
          </>
        )}
        <dt>{t('inquiries.language')}</dt>
        <dd>{t(`languages.${inquiry.language}` as MessageKey)}</dd>
        <dt>{t('inquiries.sentAt')}</dt>
        <dd>{formatDateTime(ctx.locale, inquiry.createdAt)}</dd>
      </dl>
      {inquiry.purpose && (
        <>
          <h3>{t('inquiries.purpose')}</h3>
          <p class="message-body">{inquiry.purpose}</p>
        </>
      )}
      {inquiry.description && (
        <>
          <h3>{t('inquiries.description')}</h3>
          <p class="message-body">{inquiry.description}</p>
        </>
      )}
      <Files ctx={ctx} inquiryId={inquiry.id} files={detail.files} />
    </section>
  );
}

function invitationActivity(ctx: PageContext, invitation: InvitationView): string {
  const { t } = ctx;
  if (invitation.status === 'declined') {
    const reason = invitation.declineReason ? t(`inquiries.declineReasons.${invitation.declineReason}` as MessageKey) : '';
    return [reason, invitation.declineNote].filter(Boolean).join(': ');
  }
  if (invitation.questionState === 'waiting') return t('inquiries.questionWaiting');
  return '';
}

/** The offers side by side; `orderFor` (the customer, while the inquiry is open) adds an order button to each valid offer. */
function OffersTable({ ctx, invitations, orderFor, now }: { ctx: PageContext; invitations: InvitationView[]; orderFor?: number | undefined; now?: Date }) {
  const { t } = ctx;
  const withOffers = invitations.filter((i): i is InvitationView & { offer: OfferView } => i.offer !== undefined && i.offer.status !== 'withdrawn');
  if (withOffers.length === 0) return <p>{t('inquiries.noOffersYet')}</p>;
  const sorted = [...withOffers].sort((a, b) => Number(b.offer.status === 'active') - Number(a.offer.status === 'active') || a.offer.priceCents - b.offer.priceCents);
  return (
    <div class="table-wrap">
      <table class="offers">
        <caption class="visually-hidden">{t('inquiries.offersTitle')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('inquiries.expert')}</th>
            <th scope="col">{t('inquiries.price')}</th>
            <th scope="col">{t('inquiries.deliveryDate')}</th>
            <th scope="col">{t('inquiries.validUntil')}</th>
            <th scope="col">{t('inquiries.offerNote')}</th>
            {orderFor !== undefined && <th scope="col">{t('orders.orderColumn')}</th>}
          </tr>
        </thead>
        <tbody>
          {sorted.map((i) => (
            <tr key={i.id} class={i.offer.status === 'active' ? undefined : 'inactive'}>
              <th scope="row">
                <a href={`/experts/${i.expertId}`}>{i.expertName}</a>
                <br />
                <RatingText ctx={ctx} average={i.rating.average} count={i.rating.count} />
                {i.offer.status !== 'active' && (
                  <>
                    <br />
                    <StatusBadge ctx={ctx} kind="offer" status={i.offer.status} />
                  </>
                )}
              </th>
              <td class="price">{formatMoney(ctx.locale, i.offer.priceCents)}</td>
              <td>{day(ctx, i.offer.deliveryDate)}</td>
              <td>{day(ctx, i.offer.validUntil)}</td>
              <td class="message-body">{i.offer.note || t('common.none')}</td>
              {orderFor !== undefined && (
                <td>
                  {i.offer.status === 'active' && (!now || now.getTime() < Date.parse(i.offer.expiresAt)) && (
                    <form method="post" action={`/inquiries/${orderFor}/order`}>
                      <CsrfInput ctx={ctx} />
                      <input type="hidden" name="offerId" value={String(i.offer.id)} />
                      <button type="submit" class="button" aria-label={t('orders.orderFrom', { name: i.expertName, amount: formatMoney(ctx.locale, i.offer.priceCents) })}>
                        {t('orders.orderAndPay')}
                      </button>
                    </form>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InvitedExperts({ ctx, invitations }: { ctx: PageContext; invitations: InvitationView[] }) {
  const { t } = ctx;
  if (invitations.length === 0) return <p>{t('inquiries.noInvitations')}</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{t('inquiries.invitedTitle')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('inquiries.expert')}</th>
            <th scope="col">{t('inquiries.statusLabel')}</th>
            <th scope="col">{t('inquiries.activity')}</th>
          </tr>
        </thead>
        <tbody>
          {invitations.map((i) => (
            <tr key={i.id}>
              <th scope="row">
                <a href={`/experts/${i.expertId}`}>{i.expertName}</a>
                {i.isRandom && <span class="muted"> · {t('inquiries.pickedAtRandom')}</span>}
              </th>
              <td>
                <StatusBadge ctx={ctx} kind="invitation" status={i.status} />
              </td>
              <td>{invitationActivity(ctx, i) || t('common.none')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function isTaking(detail: InquiryDetail, now: Date): boolean {
  return detail.inquiry.status === 'open' && now.getTime() < Date.parse(detail.inquiry.deadlineAt);
}

function CustomerSections({ ctx, detail, forms, now }: { ctx: PageContext; detail: InquiryDetail; forms: InquiryForms; now: Date }) {
  const { t } = ctx;
  const { inquiry } = detail;
  const threads = detail.invitations.filter((i) => i.messages.length > 0);
  const isLive = inquiry.status === 'open' || inquiry.status === 'triage';
  return (
    <>
      {inquiry.status === 'triage' && <p class="notice">{t('inquiries.waitingForModerator')}</p>}
      {inquiry.status === 'rejected' && (
        <div class="notice">
          <p>{t('inquiries.rejectedByModerator')}</p>
          {inquiry.triageNote && <p class="message-body">{inquiry.triageNote}</p>}
        </div>
      )}
      {inquiry.status !== 'triage' && inquiry.status !== 'rejected' && (
        <section aria-labelledby="offers" id="offers-section">
          <h2 id="offers">{t('inquiries.offersTitle')}</h2>
          {inquiry.status === 'open' && detail.invitations.some((i) => i.offer?.status === 'active') && <p class="hint">{t('orders.orderHint')}</p>}
          <OffersTable ctx={ctx} invitations={detail.invitations} orderFor={inquiry.status === 'open' ? inquiry.id : undefined} now={now} />
          <h2>{t('inquiries.invitedTitle')}</h2>
          <InvitedExperts ctx={ctx} invitations={detail.invitations} />
        </section>
      )}
      {threads.length > 0 && (
        <section aria-labelledby="questions">
          <h2 id="questions">{t('inquiries.questionsTitle')}</h2>
          {threads.map((i) => (
            <div class="card" key={i.id} id={`thread-${i.id}`}>
              <h3>{t('inquiries.questionsFrom', { name: i.expertName })}</h3>
              <MessageList ctx={ctx} messages={i.messages} />
              {isTaking(detail, now) && i.status !== 'declined' && (
                <MessageForm
                  ctx={ctx}
                  action={`/inquiries/${inquiry.id}/answers/${i.id}`}
                  idPrefix={`answer-${i.id}-`}
                  label="inquiries.answerLabel"
                  submit="inquiries.sendAnswer"
                  {...forms[`answer-${i.id}`]}
                />
              )}
            </div>
          ))}
        </section>
      )}
      {isLive && (
        <section class="card" aria-labelledby="manage">
          <h2 id="manage">{t('inquiries.manageTitle')}</h2>
          <ErrorSummary ctx={ctx} errors={forms['deadline']?.errors ?? {}} general={forms['deadline']?.general} />
          <form method="post" action={`/inquiries/${inquiry.id}/deadline`} class="form" novalidate>
            <CsrfInput ctx={ctx} />
            <Field ctx={ctx} name="deadline" type="date" label="inquiries.newDeadline" hint="inquiries.newDeadlineHint" values={forms['deadline']?.values ?? { deadline: inquiry.deadlineDay }} errors={forms['deadline']?.errors} />
            <button type="submit" class="button button-secondary">
              {t('inquiries.extendDeadline')}
            </button>
          </form>
          <ErrorSummary ctx={ctx} errors={{}} general={forms['cancel']?.general} />
          <form method="post" action={`/inquiries/${inquiry.id}/cancel`} class="form">
            <CsrfInput ctx={ctx} />
            <p class="hint">{t('inquiries.cancelHint')}</p>
            <button type="submit" class="button button-danger">
              {t('inquiries.cancelInquiry')}
            </button>
          </form>
        </section>
      )}
    </>
  );
}

function OfferFields({ ctx, form, validDefault }: { ctx: PageContext; form: FormState | undefined; validDefault: string }) {
  const values = { validUntil: validDefault, ...form?.values };
  return (
    <>
      <Field ctx={ctx} name="price" label="inquiries.priceLabel" hint="inquiries.priceHint" values={values} errors={form?.errors} maxLength={12} />
      <Field ctx={ctx} name="deliveryDate" type="date" label="inquiries.deliveryDate" hint="inquiries.deliveryDateHint" values={values} errors={form?.errors} />
      <Field ctx={ctx} name="validUntil" type="date" label="inquiries.validUntil" hint="inquiries.validUntilHint" values={values} errors={form?.errors} />
      <TextArea ctx={ctx} name="note" label="inquiries.offerNote" hint="inquiries.offerNoteHint" values={values} errors={form?.errors} isRequired={false} maxLength={inquiryLimits.offerNote} rows={4} />
    </>
  );
}

/** Form values showing an offer as it stands, for changing it. */
function offerValues(offer: OfferView): Record<string, string> {
  return { price: (offer.priceCents / 100).toFixed(2), deliveryDate: offer.deliveryDate, validUntil: offer.validUntil, note: offer.note };
}

function ExpertSections({ ctx, detail, forms, now }: { ctx: PageContext; detail: InquiryDetail; forms: InquiryForms; now: Date }) {
  const { t } = ctx;
  const { inquiry } = detail;
  const mine = detail.invitations[0];
  if (!mine) return null;
  const canAct = isTaking(detail, now) && (mine.status === 'new' || mine.status === 'seen' || mine.status === 'offered');
  const activeOffer = mine.offer?.status === 'active' ? mine.offer : undefined;
  return (
    <>
      <section class="card" aria-labelledby="my-status">
        <h2 id="my-status">{t('inquiries.myInvitationTitle')}</h2>
        <p>
          <StatusBadge ctx={ctx} kind="invitation" status={mine.status} />
          {mine.isRandom && <span class="muted"> · {t('inquiries.pickedAtRandomForYou')}</span>}
        </p>
        {mine.status === 'declined' && <p>{invitationActivity(ctx, mine)}</p>}
        {!canAct && (inquiry.status !== 'open' || !isTaking(detail, now)) && <p>{t(`inquiries.closedForExpert_${inquiry.status}` as MessageKey)}</p>}
      </section>

      <section class="card" aria-labelledby="offer-title" id="offer">
        <h2 id="offer-title">{t('inquiries.yourOffer')}</h2>
        {mine.offer && mine.offer.status !== 'active' && mine.offer.status !== 'withdrawn' && (
          <p>
            <StatusBadge ctx={ctx} kind="offer" status={mine.offer.status} />
          </p>
        )}
        {activeOffer && (
          <dl class="meta-list">
            <dt>{t('inquiries.price')}</dt>
            <dd>{formatMoney(ctx.locale, activeOffer.priceCents)}</dd>
            <dt>{t('inquiries.deliveryDate')}</dt>
            <dd>{day(ctx, activeOffer.deliveryDate)}</dd>
            <dt>{t('inquiries.validUntil')}</dt>
            <dd>{day(ctx, activeOffer.validUntil)}</dd>
            <dt>{t('inquiries.offerNote')}</dt>
            <dd class="message-body">{activeOffer.note || t('common.none')}</dd>
          </dl>
        )}
        {canAct && !activeOffer && (
          <>
            <ErrorSummary ctx={ctx} errors={forms['offer']?.errors ?? {}} general={forms['offer']?.general} />
            <form method="post" action={`/inquiries/${inquiry.id}/offer`} class="form" novalidate>
              <CsrfInput ctx={ctx} />
              <OfferFields ctx={ctx} form={forms['offer']} validDefault={inquiry.deadlineDay} />
              <button type="submit" class="button">
                {t('inquiries.makeOffer')}
              </button>
            </form>
          </>
        )}
        {canAct && activeOffer && (
          <details open={forms['offer'] !== undefined}>
            <summary>{t('inquiries.changeOffer')}</summary>
            <ErrorSummary ctx={ctx} errors={forms['offer']?.errors ?? {}} general={forms['offer']?.general} />
            <form method="post" action={`/inquiries/${inquiry.id}/offer/change`} class="form" novalidate>
              <CsrfInput ctx={ctx} />
              <OfferFields ctx={ctx} form={forms['offer'] ?? { values: offerValues(activeOffer) }} validDefault={activeOffer.validUntil} />
              <button type="submit" class="button">
                {t('inquiries.saveOffer')}
              </button>
            </form>
          </details>
        )}
        {canAct && activeOffer && (
          <form method="post" action={`/inquiries/${inquiry.id}/offer/withdraw`} class="form">
            <CsrfInput ctx={ctx} />
            <ErrorSummary ctx={ctx} errors={{}} general={forms['withdraw']?.general} />
            <button type="submit" class="button button-secondary">
              {t('inquiries.withdrawOffer')}
            </button>
          </form>
        )}
      </section>

      <section class="card" aria-labelledby="questions-title" id="questions">
        <h2 id="questions-title">{t('inquiries.questionsWithCustomer')}</h2>
        {mine.messages.length > 0 ? <MessageList ctx={ctx} messages={mine.messages} /> : <p class="hint">{t('inquiries.askHint')}</p>}
        {canAct && <MessageForm ctx={ctx} action={`/inquiries/${inquiry.id}/questions`} idPrefix="question-" label="inquiries.questionLabel" submit="inquiries.askQuestion" {...forms['question']} />}
      </section>

      {canAct && mine.status !== 'offered' && (
        <section class="card" aria-labelledby="decline-title" id="decline">
          <h2 id="decline-title">{t('inquiries.declineTitle')}</h2>
          <p class="hint">{t('inquiries.declineLead')}</p>
          <ErrorSummary ctx={ctx} errors={forms['decline']?.errors ?? {}} general={forms['decline']?.general} />
          <form method="post" action={`/inquiries/${inquiry.id}/decline`} class="form" novalidate>
            <CsrfInput ctx={ctx} />
            <ChoiceGroup
              ctx={ctx}
              name="reason"
              legend="inquiries.declineReason"
              type="radio"
              choices={declineReasons.map((r) => ({ value: r, label: t(`inquiries.declineReasons.${r}`) }))}
              chosen={forms['decline']?.values?.['reason'] ? [forms['decline'].values['reason']] : []}
              errors={forms['decline']?.errors}
            />
            <TextArea ctx={ctx} name="declineNote" label="inquiries.declineNote" hint="inquiries.declineNoteHint" values={forms['decline']?.values} errors={forms['decline']?.errors} isRequired={false} maxLength={inquiryLimits.declineNote} rows={3} />
            <button type="submit" class="button button-secondary">
              {t('inquiries.decline')}
            </button>
          </form>
        </section>
      )}
    </>
  );
}

function StaffSections({ ctx, detail, fields, forms, randomInvitations }: { ctx: PageContext; detail: InquiryDetail; fields: FieldView[]; forms: InquiryForms; randomInvitations: number }) {
  const { t } = ctx;
  const { inquiry, triage } = detail;
  return (
    <>
      {triage && triage.at && (
        <section class="card" aria-labelledby="triage-record">
          <h2 id="triage-record">{t('triage.recordTitle')}</h2>
          <dl class="meta-list">
            <dt>{t('triage.by')}</dt>
            <dd>{triage.moderatorName ?? t('common.none')}</dd>
            <dt>{t('triage.at')}</dt>
            <dd>{formatDateTime(ctx.locale, triage.at)}</dd>
            {triage.poolSize !== null && (
              <>
                <dt>{t('triage.pool')}</dt>
                <dd>{t('triage.poolValue', { picked: detail.invitations.filter((i) => i.isRandom).length, pool: triage.poolSize })}</dd>
              </>
            )}
          </dl>
        </section>
      )}
      {inquiry.status === 'triage' && (
        <section class="card" aria-labelledby="triage-title">
          <h2 id="triage-title">{t('triage.chooseFieldTitle')}</h2>
          <p class="hint">{t('triage.chooseFieldLead', { number: randomInvitations })}</p>
          <ErrorSummary ctx={ctx} errors={forms['triage']?.errors ?? {}} general={forms['triage']?.general} />
          <form method="post" action={`/admin/triage/${inquiry.id}/assign`} class="form" novalidate>
            <CsrfInput ctx={ctx} />
            <ChoiceGroup
              ctx={ctx}
              name="fieldId"
              legend="inquiries.field"
              type="radio"
              choices={fields.map((f) => ({ value: String(f.id), label: f.name }))}
              chosen={forms['triage']?.values?.['fieldId'] ? [forms['triage'].values['fieldId']] : []}
              errors={forms['triage']?.errors}
            />
            <button type="submit" class="button">
              {t('triage.assign')}
            </button>
          </form>
        </section>
      )}
      {inquiry.status === 'triage' && (
        <section class="card" aria-labelledby="reject-title">
          <h2 id="reject-title">{t('triage.rejectTitle')}</h2>
          <ErrorSummary ctx={ctx} errors={forms['reject']?.errors ?? {}} general={forms['reject']?.general} />
          <form method="post" action={`/admin/triage/${inquiry.id}/reject`} class="form" novalidate>
            <CsrfInput ctx={ctx} />
            <TextArea ctx={ctx} name="message" label="triage.rejectMessage" hint="triage.rejectHint" values={forms['reject']?.values} errors={forms['reject']?.errors} maxLength={inquiryLimits.rejectMessage} rows={4} />
            <button type="submit" class="button button-danger">
              {t('triage.reject')}
            </button>
          </form>
        </section>
      )}
      {inquiry.status !== 'triage' && (
        <section aria-labelledby="staff-offers">
          <h2 id="staff-offers">{t('inquiries.offersTitle')}</h2>
          <OffersTable ctx={ctx} invitations={detail.invitations} />
          <h2>{t('inquiries.invitedTitle')}</h2>
          <InvitedExperts ctx={ctx} invitations={detail.invitations} />
        </section>
      )}
    </>
  );
}

export function InquiryPage({
  ctx,
  detail,
  fields,
  forms = {},
  general,
  now,
  randomInvitations,
}: {
  ctx: PageContext;
  detail: InquiryDetail;
  /** How many experts a general inquiry goes to (the setting), for the triage form's explanation. */
  randomInvitations: number;
  /** The fields a moderator can choose from (triage). */
  fields: FieldView[];
  forms?: InquiryForms;
  general?: FieldError | undefined;
  now: Date;
}) {
  const { t } = ctx;
  const { inquiry, role } = detail;
  const back = role === 'customer' ? { href: '/inquiries', label: t('inquiries.myTitle') } : role === 'expert' ? { href: '/e-consultations', label: t('consultations.title') } : { href: '/admin/triage', label: t('triage.title') };
  return (
    <Layout ctx={ctx} title={inquiry.title}>
      {role === 'staff' && <AdminNav ctx={ctx} current="/admin/triage" />}
      <p>
        <a href={back.href}>← {back.label}</a>
      </p>
      <PageHeading lead={role === 'expert' ? t('inquiries.expertLead') : undefined}>{inquiry.title}</PageHeading>
      <ErrorSummary ctx={ctx} errors={{}} general={general} />
      {detail.order && (
        <p class="notice">
          {t(detail.order.status === 'awaiting_payment' ? 'orders.inquiryAwaitingPayment' : 'orders.inquiryOrdered')}{' '}
          <a href={`/orders/${detail.order.id}`}>{t('orders.openOrder')}</a>
        </p>
      )}
      <InquirySummary ctx={ctx} detail={detail} />
      {role === 'customer' && <CustomerSections ctx={ctx} detail={detail} forms={forms} now={now} />}
      {role === 'expert' && <ExpertSections ctx={ctx} detail={detail} forms={forms} now={now} />}
      {role === 'staff' && <StaffSections ctx={ctx} detail={detail} fields={fields} forms={forms} randomInvitations={randomInvitations} />}
    </Layout>
  );
}

// ---- the expert's lists ----

function InvitationRows({ ctx, items }: { ctx: PageContext; items: ExpertInvitationItem[] }) {
  const { t } = ctx;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('inquiries.titleLabel')}</th>
            <th scope="col">{t('inquiries.statusLabel')}</th>
            <th scope="col">{t('inquiries.deadline')}</th>
            <th scope="col">{t('inquiries.receivedAt')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} class={item.status === 'new' ? 'unread' : undefined}>
              <td>
                <a href={`/inquiries/${item.inquiryId}`}>{item.title}</a>
                <br />
                <span class="muted">{t(`inquiries.kind_${item.kind}`)}</span>
              </td>
              <td>
                <StatusBadge ctx={ctx} kind="invitation" status={item.status} />
                {item.questionState === 'waiting' && <p class="muted">{t('inquiries.questionWaiting')}</p>}
                {item.questionState === 'answered' && item.status !== 'declined' && <p class="attention">{t('inquiries.questionAnswered')}</p>}
              </td>
              <td>{deadline(ctx, item.deadlineAt)}</td>
              <td>{formatDateTime(ctx.locale, item.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export type InvitationListFilters = { filter: InvitationFilter; kind: InquiryKind | undefined; page: number };

export function invitationListHref(filters: InvitationListFilters, page = filters.page): string {
  const params = new URLSearchParams();
  if (filters.filter !== 'all') params.set('filter', filters.filter);
  if (filters.kind) params.set('kind', filters.kind);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `/e-consultations?${query}` : '/e-consultations';
}

export function ExpertInvitationsPage({ ctx, items, filters, pages, total }: { ctx: PageContext; items: ExpertInvitationItem[]; filters: InvitationListFilters; pages: number; total: number }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('consultations.title')}>
      <PageHeading lead={t('consultations.lead')}>{t('consultations.title')}</PageHeading>
      <nav class="filter-tabs" aria-label={t('consultations.filterLabel')}>
        <ul>
          {invitationFilters.map((filter) => (
            <li key={filter}>
              <a href={invitationListHref({ ...filters, filter, page: 1 })} aria-current={filter === filters.filter ? 'page' : undefined}>
                {t(`consultations.filter_${filter}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <nav class="filter-tabs" aria-label={t('consultations.kindLabel')}>
        <ul>
          {([undefined, 'consultation', 'document'] as const).map((kind) => (
            <li key={kind ?? 'any'}>
              <a href={invitationListHref({ ...filters, kind, page: 1 })} aria-current={kind === filters.kind ? 'page' : undefined}>
                {kind ? t(`inquiries.kindPlural_${kind}`) : t('consultations.kindAny')}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p class="muted" role="status">
        {t('consultations.count', { count: total })}
      </p>
      {items.length === 0 ? <p>{t('consultations.empty')}</p> : <InvitationRows ctx={ctx} items={items} />}
      <Pagination ctx={ctx} page={filters.page} pages={pages} hrefFor={(p) => invitationListHref(filters, p)} />
    </Layout>
  );
}

/** My menu's expert part: new inquiries first, then those waiting for the expert. */
export function ExpertAgenda({ ctx, agenda }: { ctx: PageContext; agenda: { fresh: ExpertInvitationItem[]; waiting: ExpertInvitationItem[]; freshTotal: number } }) {
  const { t } = ctx;
  if (agenda.fresh.length === 0 && agenda.waiting.length === 0) return <p>{t('myMenu.expertEmpty')}</p>;
  return (
    <>
      {agenda.fresh.length > 0 && (
        <>
          <h3>{t('myMenu.newInquiries', { count: agenda.freshTotal })}</h3>
          <InvitationRows ctx={ctx} items={agenda.fresh} />
        </>
      )}
      {agenda.waiting.length > 0 && (
        <>
          <h3>{t('myMenu.waitingInquiries')}</h3>
          <InvitationRows ctx={ctx} items={agenda.waiting} />
        </>
      )}
    </>
  );
}

// ---- triage ----

export function TriageQueuePage({ ctx, items, page, pages, total }: { ctx: PageContext; items: TriageItem[]; page: number; pages: number; total: number }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('triage.title')}>
      <AdminNav ctx={ctx} current="/admin/triage" />
      <PageHeading lead={t('triage.lead')}>{t('triage.title')}</PageHeading>
      <p class="muted" role="status">
        {t('triage.count', { count: total })}
      </p>
      {items.length === 0 ? (
        <p>{t('triage.empty')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('inquiries.titleLabel')}</th>
                <th scope="col">{t('inquiries.kindLabel')}</th>
                <th scope="col">{t('inquiries.sentAt')}</th>
                <th scope="col">{t('inquiries.deadline')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>
                    <a href={`/inquiries/${item.id}`}>{item.title}</a>
                  </td>
                  <td>{t(`inquiries.kind_${item.kind}`)}</td>
                  <td>{formatDateTime(ctx.locale, item.created_at)}</td>
                  <td>{deadline(ctx, item.deadline_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination ctx={ctx} page={page} pages={pages} hrefFor={(p) => `/admin/triage?page=${p}`} />
    </Layout>
  );
}
