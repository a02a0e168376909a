import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { applicationStatuses, profileLimits, type ApplicationInput } from '../../domain/experts.js';
import { hasRole } from '../../domain/roles.js';
import {
  getApplicationForReview,
  getApplicationPhoto,
  listApplicationsForReview,
  myLatestApplication,
  resubmitApplication,
  reviewApplication,
  submitApplication,
  withdrawApplication,
} from '../../use-cases/expert-applications.js';
import { activeFields } from '../../use-cases/fields.js';
import { sendStoredFile } from '../files.js';
import { echoList, formErrorsFromDomain, idParam, multiLineText, numberOrNaN, optionalLineText, parseForm, stringList } from '../forms.js';
import { actorOf, requireRole, requireUser } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import type { FormState } from '../views/auth-pages.js';
import {
  ApplicationQueuePage,
  ApplicationReviewPage,
  BecomeExpertPage,
  type ApplicationFormState,
  type BecomeExpertView,
} from '../views/expert-application-pages.js';
import type { RouteEnv } from './route-env.js';


/** An identifier people type with spaces ("3680528 0109"): spaces go before it is checked. */
const code = (max: number) =>
  optionalLineText(max).transform((v) => (v === null ? null : v.replace(/\s+/g, '')));

const applicationSchema = z.object({
  kind: z.enum(['person', 'organisation'], { error: 'errors.field.chooseApplicantKind' }),
  fullName: optionalLineText(profileLimits.name),
  personalIdCode: code(20),
  organisationName: optionalLineText(profileLimits.name),
  registryCode: code(20),
  contactPerson: optionalLineText(profileLimits.name),
  qualifications: multiLineText(profileLimits.qualifications),
  bio: multiLineText(profileLimits.bio),
  languages: stringList(20),
  fieldIds: stringList(50),
  priceLevel: z.string().optional(),
  note: multiLineText(profileLimits.note),
});

function toInput(data: z.output<typeof applicationSchema>): ApplicationInput {
  return {
    kind: data.kind,
    fullName: data.fullName,
    personalIdCode: data.personalIdCode,
    organisationName: data.organisationName,
    registryCode: data.registryCode,
    contactPerson: data.contactPerson,
    qualifications: data.qualifications,
    bio: data.bio,
    languages: data.languages,
    fieldIds: data.fieldIds.map(numberOrNaN),
    priceLevel: data.priceLevel ? numberOrNaN(data.priceLevel) : null,
    note: data.note || null,
  };
}

const queueQuery = z.object({
  status: z.enum(applicationStatuses).catch('submitted').default('submitted'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

const decisionSchema = z.object({
  event: z.enum(['approve', 'reject', 'askForInfo'], { error: 'errors.field.required' }),
  note: multiLineText(profileLimits.note),
});

const queuePageSize = 25;

export function expertApplicationRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;

  const showBecomeExpert = async (request: FastifyRequest, reply: FastifyReply, form: ApplicationFormState = {}, status = 200) => {
    const actor = request.ctx.actor;
    const fields = await activeFields(deps, request.ctx.locale);
    let view: BecomeExpertView;
    if (!actor) {
      view = { state: 'anonymous' };
    } else if (hasRole(actor, 'expert')) {
      view = { state: 'expert', expertId: actor.id };
    } else {
      const latest = await myLatestApplication(deps, actor);
      if (latest?.status === 'submitted') view = { state: 'submitted', application: latest };
      else if (latest?.status === 'needs_info') view = { state: 'needsInfo', application: latest };
      else view = { state: 'apply', previous: latest };
    }
    return sendPage(reply, <BecomeExpertPage ctx={request.ctx} view={view} fields={fields} {...form} />, status);
  };

  app.get('/become-expert', async (request, reply) => showBecomeExpert(request, reply));

  /** Submits or resubmits through the same form handling; errors show the form again with everything kept. */
  const handleApplication = async (request: FastifyRequest, reply: FastifyReply, write: (input: ApplicationInput) => Promise<unknown>) => {
    const form = parseForm(applicationSchema, request.body);
    const chosen = {
      kind: echoList(request.body, 'kind'),
      languages: echoList(request.body, 'languages'),
      fieldIds: echoList(request.body, 'fieldIds'),
      priceLevel: echoList(request.body, 'priceLevel'),
    };
    if (!form.ok) return showBecomeExpert(request, reply, { values: form.values, errors: form.errors, chosen }, 422);
    try {
      await write(toInput(form.data));
    } catch (error) {
      if (!(error instanceof DomainError) || (error.code !== 'VALIDATION' && error.code !== 'APPLICATION_EXISTS' && error.code !== 'INVALID_STATE')) throw error;
      return showBecomeExpert(request, reply, { values: form.values, chosen, ...formErrorsFromDomain(error) }, error.code === 'VALIDATION' ? 422 : 409);
    }
    setFlash(reply, env.cookies, 'application.submitted');
    return reply.redirect('/become-expert', 303);
  };

  app.post('/become-expert', { preHandler: requireUser }, async (request, reply) =>
    handleApplication(request, reply, (input) => submitApplication(deps, actorOf(request), input, request.uploads.filter((u) => u.fieldName === 'photo'))),
  );

  app.post('/become-expert/:id/resubmit', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return handleApplication(request, reply, (input) =>
      resubmitApplication(deps, actorOf(request), params.data.id, input, request.uploads.filter((u) => u.fieldName === 'photo')),
    );
  });

  app.post('/become-expert/:id/withdraw', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    await withdrawApplication(deps, actorOf(request), params.data.id);
    setFlash(reply, env.cookies, 'application.withdrawn');
    return reply.redirect('/become-expert', 303);
  });

  app.get('/expert-applications/:id/photo', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const file = await getApplicationPhoto(deps, actorOf(request), params.data.id);
    return sendStoredFile(reply, deps, file, { cacheControl: 'private, no-store' });
  });

  // ---- review ----

  const isStaff = requireRole('moderator', 'admin');


  app.get('/admin/expert-applications', { preHandler: isStaff }, async (request, reply) => {
    const query = queueQuery.parse(request.query ?? {});
    const { items, total } = await listApplicationsForReview(deps, actorOf(request), { status: query.status, page: query.page, pageSize: queuePageSize });
    const pages = Math.max(1, Math.ceil(total / queuePageSize));
    return sendPage(reply, <ApplicationQueuePage ctx={request.ctx} status={query.status} items={items} total={total} page={query.page} pages={pages} />);
  });

  const showReview = async (request: FastifyRequest, reply: FastifyReply, id: number, form: FormState = {}, status = 200) => {
    const [review, fields] = await Promise.all([getApplicationForReview(deps, actorOf(request), id), activeFields(deps, request.ctx.locale)]);
    return sendPage(reply, <ApplicationReviewPage ctx={request.ctx} {...review} fields={fields} {...form} />, status);
  };

  app.get('/admin/expert-applications/:id', { preHandler: isStaff }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return showReview(request, reply, params.data.id);
  });

  app.post('/admin/expert-applications/:id/decision', { preHandler: isStaff }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const form = parseForm(decisionSchema, request.body);
    if (!form.ok) return showReview(request, reply, params.data.id, { values: form.values, errors: form.errors }, 422);
    const { event, note } = form.data;
    try {
      await reviewApplication(deps, actorOf(request), params.data.id, event === 'approve' ? { event } : { event, note });
    } catch (error) {
      if (!(error instanceof DomainError) || (error.code !== 'VALIDATION' && error.code !== 'INVALID_STATE')) throw error;
      return showReview(request, reply, params.data.id, { values: form.values, ...formErrorsFromDomain(error) }, error.code === 'VALIDATION' ? 422 : 409);
    }
    setFlash(reply, env.cookies, `review.done_${event}`);
    return reply.redirect(`/admin/expert-applications/${params.data.id}`, 303);
  });
}
