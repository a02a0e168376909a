import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tallinnDayOf } from '../../domain/calendar.js';
import { DomainError } from '../../domain/errors.js';
import { inquiryKinds, inquiryLimits, invitationFilters, parseEuros, type InquiryKind } from '../../domain/inquiries.js';
import { messageMaxLength } from '../../domain/notifications.js';
import { activeFields } from '../../use-cases/fields.js';
import { answerQuestion, askQuestion } from '../../use-cases/inquiry-questions.js';
import {
  activeDocumentTypes,
  assignField,
  availableExperts,
  cancelInquiry,
  createInquiry,
  extendDeadline,
  getInquiry,
  getInquiryFile,
  listMyInquiries,
  listTriage,
  rejectInquiry,
  type InquiryInput,
} from '../../use-cases/inquiries.js';
import { orderOffer } from '../../use-cases/orders.js';
import { changeOffer, declineInvitation, listMyInvitations, makeOffer, withdrawOffer, type OfferInput } from '../../use-cases/invitations.js';
import { sendStoredFile } from '../files.js';
import { echoList, formErrorsFromDomain, formRefusalStatus, idParam, lineText, maxId, multiLineText, numberOrNaN, parseForm, stringList } from '../forms.js';
import type { FlashKey, PageContext } from '../context.js';
import { actorOf, requireRole, requireUser } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import type { FormState } from '../views/auth-pages.js';
import {
  ExpertInvitationsPage,
  FieldChooserPage,
  InquiryFormPage,
  InquiryPage,
  MyInquiriesPage,
  TriageQueuePage,
  type InquiryFormState,
  type InquiryForms,
} from '../views/inquiry-pages.js';
import type { RouteEnv } from './route-env.js';

const pageQuery = z.coerce.number().int().min(1).max(100_000).catch(1).default(1);

const newInquiryQuery = z.object({
  kind: z.enum(inquiryKinds).catch('consultation').default('consultation'),
  field: z.coerce.number().int().positive().max(maxId).optional().catch(undefined),
});

/** A date field as typed; the domain checks that it is a real date in the allowed range. */
const dateText = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim().slice(0, 20));

const inquirySchema = z.object({
  kind: z.enum(inquiryKinds, { error: 'errors.field.choiceInvalid' }),
  fieldId: z.string().optional(),
  expertIds: stringList(200),
  allExperts: z.string().optional(),
  documentTypeId: z.string().optional(),
  purpose: multiLineText(inquiryLimits.purpose),
  title: lineText(inquiryLimits.title),
  description: multiLineText(inquiryLimits.description),
  deadline: dateText,
  wishedBy: dateText,
  language: z.string().optional(),
});

const offerSchema = z.object({
  price: z.string({ error: 'errors.field.required' }).max(20, { error: 'errors.field.priceInvalid' }),
  deliveryDate: dateText,
  validUntil: dateText,
  note: multiLineText(inquiryLimits.offerNote),
});

const declineSchema = z.object({
  reason: z.string().max(40).optional(),
  declineNote: multiLineText(inquiryLimits.declineNote),
});

const messageSchema = z.object({ body: multiLineText(messageMaxLength) });
const deadlineSchema = z.object({ deadline: dateText });
const assignSchema = z.object({ fieldId: z.string({ error: 'errors.field.chooseField' }).max(12) });
const rejectSchema = z.object({ message: multiLineText(inquiryLimits.rejectMessage) });
const orderSchema = z.object({ offerId: z.string().max(12) });

const invitationListQuery = z.object({
  filter: z.enum(invitationFilters).catch('all').default('all'),
  kind: z.enum(inquiryKinds).optional().catch(undefined),
  page: pageQuery,
});

const fileParams = z.object({ id: z.coerce.number().int().positive().max(maxId), fileId: z.coerce.number().int().positive().max(maxId) });
const answerParams = z.object({ id: z.coerce.number().int().positive().max(maxId), invitationId: z.coerce.number().int().positive().max(maxId) });

const listPageSize = 25;
/** The default offer deadline: a week from today. */
const defaultDeadlineDays = 7;

function pagesOf(total: number): number {
  return Math.max(1, Math.ceil(total / listPageSize));
}

function offerInput(data: z.output<typeof offerSchema>): OfferInput {
  return { priceCents: parseEuros(data.price), deliveryDate: data.deliveryDate, validUntil: data.validUntil, note: data.note };
}

export function inquiryRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;

  // ---- ordering ----

  const chooser = (kind: InquiryKind) => async (request: FastifyRequest, reply: FastifyReply) => {
    const fields = await activeFields(deps, request.ctx.locale);
    return sendPage(reply, <FieldChooserPage ctx={request.ctx} fields={fields} kind={kind} />);
  };
  app.get('/order/consultation', chooser('consultation'));
  app.get('/order/document', chooser('document'));

  const showForm = async (request: FastifyRequest, reply: FastifyReply, query: { kind: InquiryKind; fieldId: number | undefined }, state: InquiryFormState = {}, status = 200) => {
    const locale = request.ctx.locale;
    const fields = await activeFields(deps, locale);
    const field = query.fieldId === undefined ? undefined : fields.find((f) => f.id === query.fieldId);
    if (query.fieldId !== undefined && !field) return sendErrorPage(request, reply, 404, 'notFound');
    const [experts, documentTypes] = await Promise.all([
      field ? availableExperts(deps, request.ctx.actor, field.id) : [],
      query.kind === 'document' ? activeDocumentTypes(deps, locale) : [],
    ]);
    const now = deps.clock.now();
    const defaults = { deadline: tallinnDayOf(new Date(now.getTime() + defaultDeadlineDays * 86_400_000)), language: locale };
    return sendPage(reply, <InquiryFormPage ctx={request.ctx} view={{ kind: query.kind, field, experts, documentTypes, defaults }} {...state} />, status);
  };

  app.get('/inquiries/new', { preHandler: requireUser }, async (request, reply) => {
    const query = newInquiryQuery.parse(request.query ?? {});
    return showForm(request, reply, { kind: query.kind, fieldId: query.field });
  });

  app.post('/inquiries', { preHandler: requireUser }, async (request, reply) => {
    const actor = actorOf(request);
    const form = parseForm(inquirySchema, request.body);
    const kind = form.ok ? form.data.kind : (inquiryKinds.find((k) => k === form.values['kind']) ?? 'consultation');
    const fieldId = form.values['fieldId'] ? numberOrNaN(form.values['fieldId']) : undefined;
    if (fieldId !== undefined && Number.isNaN(fieldId)) return sendErrorPage(request, reply, 404, 'notFound');
    const chosen = {
      expertIds: [...echoList(request.body, 'expertIds'), ...(form.values['allExperts'] === 'on' ? ['all'] : [])],
      documentTypeId: echoList(request.body, 'documentTypeId'),
      language: echoList(request.body, 'language'),
    };
    if (!form.ok) return showForm(request, reply, { kind, fieldId }, { values: form.values, errors: form.errors, chosen }, 422);
    const data = form.data;
    let expertIds = data.expertIds.map(numberOrNaN);
    // "All of them": every expert the form offered, up to the limit of one inquiry.
    if (data.allExperts === 'on' && fieldId !== undefined) {
      expertIds = (await availableExperts(deps, actor, fieldId)).slice(0, inquiryLimits.maxInvitations).map((e) => e.id);
    }
    const input: InquiryInput = {
      kind: data.kind,
      fieldId,
      expertIds,
      title: data.title,
      description: data.description,
      documentTypeId: data.documentTypeId ? numberOrNaN(data.documentTypeId) : undefined,
      purpose: data.purpose,
      deadline: data.deadline,
      wishedBy: data.wishedBy || null,
      language: data.language ?? '',
    };
    let id: number;
    try {
      id = await createInquiry(deps, actor, input, request.uploads.filter((u) => u.fieldName === 'files'));
    } catch (error) {
      const status = formRefusalStatus(error);
      if (!status) throw error;
      return showForm(request, reply, { kind, fieldId }, { values: form.values, chosen, ...formErrorsFromDomain(error as DomainError) }, status);
    }
    setFlash(reply, env.cookies, fieldId === undefined ? 'inquiries.sentGeneral' : 'inquiries.sent');
    return reply.redirect(`/inquiries/${id}`, 303);
  });

  app.get('/inquiries', { preHandler: requireUser }, async (request, reply) =>
    env.privatePages.send(request, reply, async () => {
      const page = pageQuery.parse((request.query as Record<string, unknown> | undefined)?.['page']);
      const { items, total } = await listMyInquiries(deps, actorOf(request), { page, pageSize: listPageSize });
      return (ctx) => <MyInquiriesPage ctx={ctx} items={items} page={page} pages={pagesOf(total)} />;
    }),
  );

  // ---- one inquiry ----

  /** An inquiry's page as `request`'s visitor may see it (with a form's input and errors to show again). */
  const drawInquiry = async (request: FastifyRequest, id: number, state: { forms?: InquiryForms; general?: FormState['general'] } = {}) => {
    const detail = await getInquiry(deps, actorOf(request), id, request.ctx.locale);
    const fields = detail.role === 'staff' && detail.inquiry.status === 'triage' ? await activeFields(deps, request.ctx.locale) : [];
    const now = deps.clock.now();
    const { randomInvitations } = deps.settings.current();
    return (ctx: PageContext) => <InquiryPage ctx={ctx} detail={detail} fields={fields} now={now} randomInvitations={randomInvitations} {...state} />;
  };

  const showInquiry = async (request: FastifyRequest, reply: FastifyReply, id: number, state: { forms?: InquiryForms; general?: FormState['general'] } = {}, status = 200) =>
    sendPage(reply, (await drawInquiry(request, id, state))(request.ctx), status);

  app.get('/inquiries/:id', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return env.privatePages.send(request, reply, () => drawInquiry(request, params.data.id));
  });

  app.get('/inquiries/:id/files/:fileId', { preHandler: requireUser }, async (request, reply) => {
    const params = fileParams.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const file = await getInquiryFile(deps, actorOf(request), params.data.id, params.data.fileId);
    return sendStoredFile(reply, deps, file, { cacheControl: 'private, no-store' });
  });

  /**
   * One action on an inquiry's page: parse the form, run the use case, and on a refusal show the
   * page again with the form's input and the reason beside that form; otherwise back to the page.
   */
  const action = <S extends z.ZodType,>(
    path: string,
    options: { schema: S; form: string | ((request: FastifyRequest) => string); flash: FlashKey; anchor?: string; run: (request: FastifyRequest, id: number, data: z.output<S>) => Promise<unknown> },
  ) => {
    const guard = path.startsWith('/admin/') ? requireRole('moderator', 'admin') : requireUser;
    app.post(path, { preHandler: guard }, async (request, reply) => {
      const params = idParam.safeParse({ id: (request.params as Record<string, unknown>)['id'] });
      if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
      const id = params.data.id;
      const formName = typeof options.form === 'string' ? options.form : options.form(request);
      const form = parseForm(options.schema, request.body);
      if (!form.ok) {
        return showInquiry(request, reply, id, { forms: { [formName]: { values: form.values, errors: form.errors } } }, 422);
      }
      try {
        await options.run(request, id, form.data);
      } catch (error) {
        const status = formRefusalStatus(error);
        if (!status) throw error;
        const shown = formErrorsFromDomain(error as DomainError);
        return showInquiry(request, reply, id, { forms: { [formName]: { values: form.values, ...shown } }, general: shown.general }, status);
      }
      setFlash(reply, env.cookies, options.flash);
      return reply.redirect(`/inquiries/${id}${options.anchor ?? ''}`, 303);
    });
  };

  const empty = z.object({});

  action('/inquiries/:id/cancel', { schema: empty, form: 'cancel', flash: 'inquiries.cancelled', run: (request, id) => cancelInquiry(deps, actorOf(request), id) });
  action('/inquiries/:id/deadline', {
    schema: deadlineSchema,
    form: 'deadline',
    flash: 'inquiries.deadlineExtended',
    run: (request, id, data) => extendDeadline(deps, actorOf(request), id, data.deadline),
  });
  action('/inquiries/:id/answers/:invitationId', {
    schema: messageSchema,
    form: (request) => `answer-${answerParams.safeParse(request.params).data?.invitationId ?? 0}`,
    flash: 'inquiries.answerSent',
    run: (request, id, data) => {
      const params = answerParams.safeParse(request.params);
      if (!params.success) throw new DomainError('NOT_FOUND', { entity: 'inquiry' });
      return answerQuestion(deps, actorOf(request), id, params.data.invitationId, { body: data.body, uploads: request.uploads.filter((u) => u.fieldName === 'files') });
    },
  });
  action('/inquiries/:id/questions', {
    schema: messageSchema,
    form: 'question',
    flash: 'inquiries.questionSent',
    anchor: '#questions',
    run: (request, id, data) => askQuestion(deps, actorOf(request), id, { body: data.body, uploads: request.uploads.filter((u) => u.fieldName === 'files') }),
  });
  action('/inquiries/:id/offer', { schema: offerSchema, form: 'offer', flash: 'inquiries.offerSent', anchor: '#offer', run: (request, id, data) => makeOffer(deps, actorOf(request), id, offerInput(data)) });
  action('/inquiries/:id/offer/change', {
    schema: offerSchema,
    form: 'offer',
    flash: 'inquiries.offerChanged',
    anchor: '#offer',
    run: (request, id, data) => changeOffer(deps, actorOf(request), id, offerInput(data)),
  });
  action('/inquiries/:id/offer/withdraw', { schema: empty, form: 'withdraw', flash: 'inquiries.offerWithdrawn', anchor: '#offer', run: (request, id) => withdrawOffer(deps, actorOf(request), id) });
  action('/inquiries/:id/decline', {
    schema: declineSchema,
    form: 'decline',
    flash: 'inquiries.declined',
    run: (request, id, data) => declineInvitation(deps, actorOf(request), id, { reason: data.reason ?? '', note: data.declineNote }),
  });

  // ---- ordering an offer ----

  app.post('/inquiries/:id/order', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const form = parseForm(orderSchema, request.body);
    if (!form.ok) return sendErrorPage(request, reply, 404, 'notFound');
    let paymentUrl: string;
    try {
      ({ paymentUrl } = await orderOffer(deps, actorOf(request), params.data.id, numberOrNaN(form.data.offerId)));
    } catch (error) {
      const status = formRefusalStatus(error);
      if (!status) throw error;
      return showInquiry(request, reply, params.data.id, { general: formErrorsFromDomain(error as DomainError).general }, status);
    }
    return reply.redirect(paymentUrl, 303);
  });

  // ---- the expert's list ----

  app.get('/e-consultations', { preHandler: requireRole('expert') }, async (request, reply) =>
    env.privatePages.send(request, reply, async () => {
      const query = invitationListQuery.parse(request.query ?? {});
      const { items, total } = await listMyInvitations(deps, actorOf(request), { filter: query.filter, kind: query.kind, page: query.page, pageSize: listPageSize });
      return (ctx) => <ExpertInvitationsPage ctx={ctx} items={items} total={total} pages={pagesOf(total)} filters={{ filter: query.filter, kind: query.kind, page: query.page }} />;
    }),
  );

  // ---- triage ----

  app.get('/admin/triage', { preHandler: requireRole('moderator', 'admin') }, async (request, reply) => {
    const page = pageQuery.parse((request.query as Record<string, unknown> | undefined)?.['page']);
    const { items, total } = await listTriage(deps, actorOf(request), { page, pageSize: listPageSize });
    return sendPage(reply, <TriageQueuePage ctx={request.ctx} items={items} total={total} page={page} pages={pagesOf(total)} />);
  });

  action('/admin/triage/:id/assign', {
    schema: assignSchema,
    form: 'triage',
    flash: 'triage.assigned',
    run: (request, id, data) => assignField(deps, actorOf(request), id, numberOrNaN(data.fieldId)),
  });
  action('/admin/triage/:id/reject', { schema: rejectSchema, form: 'reject', flash: 'triage.rejected', run: (request, id, data) => rejectInquiry(deps, actorOf(request), id, data.message) });
}
