import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isCalendarDate } from '../../domain/calendar.js';
import { DomainError } from '../../domain/errors.js';
import { allowedFileTypes } from '../../domain/files.js';
import { assertMayEditProfile, consultationLanguages, profileLimits } from '../../domain/experts.js';
import { hasRole, type Actor } from '../../domain/roles.js';
import { getEditableProfile, getProfilePhoto, getPublicProfile, saveProfile, searchDirectory, setLeave, type DirectoryFilters } from '../../use-cases/expert-profiles.js';
import { sendStoredFile } from '../files.js';
import { echoList, formErrorsFromDomain, idParam, maxId, multiLineText, numberOrNaN, parseForm, stringList } from '../forms.js';
import { actorOf, requireUser } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import type { FormState } from '../views/auth-pages.js';
import { DirectoryPage, ProfileEditPage, ProfilePage, type ProfileFormState } from '../views/expert-pages.js';
import type { RouteEnv } from './route-env.js';


const directoryQuery = z.object({
  field: z.coerce.number().int().positive().max(maxId).optional().catch(undefined),
  // Control characters never occur in a name or keyword, and PostgreSQL refuses NUL in a parameter.
  q: z
    .string()
    .transform((v) => v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, 100))
    .catch('')
    .default(''),
  lang: z.enum(consultationLanguages).optional().catch(undefined),
  price: z.coerce.number().int().min(1).max(3).optional().catch(undefined),
  rating: z.coerce.number().int().min(1).max(5).optional().catch(undefined),
  sort: z.enum(['rating', 'price', 'newest']).catch('rating').default('rating'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

const profileSchema = z.object({
  qualifications: multiLineText(profileLimits.qualifications),
  bio: multiLineText(profileLimits.bio),
  languages: stringList(20),
  fieldIds: stringList(50),
  priceLevel: z.string().optional(),
  removePhoto: z.string().optional(),
});

const leaveSchema = z.object({
  isOnLeave: z.string().optional(),
  returnDate: z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim())
    .pipe(z.string().refine((v) => v === '' || isCalendarDate(v), { error: 'errors.field.dateInvalid' })),
});

function profileChoices(body: unknown): NonNullable<ProfileFormState['chosen']> {
  return { languages: echoList(body, 'languages'), fieldIds: echoList(body, 'fieldIds'), priceLevel: echoList(body, 'priceLevel') };
}

export function expertRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps, publicPages } = env;

  app.get('/experts', async (request, reply) => {
    const query = directoryQuery.parse(request.query ?? {});
    const filters: DirectoryFilters = {
      fieldId: query.field,
      q: query.q,
      language: query.lang,
      priceLevel: query.price,
      minRating: query.rating,
      sort: query.sort,
      page: query.page,
    };
    return publicPages.send(request, reply, async () => {
      const result = await searchDirectory(deps, filters, request.ctx.locale);
      return (ctx) => <DirectoryPage ctx={ctx} result={result} filters={filters} />;
    });
  });

  app.get('/experts/:id', async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    // The expert and admins see an edit link: their copy is their own.
    const canEdit = (actor: Actor) => actor.id === params.data.id || hasRole(actor, 'admin');
    return publicPages.send(
      request,
      reply,
      async () => {
        const profile = await getPublicProfile(deps, params.data.id, request.ctx.locale);
        return (ctx) => <ProfilePage ctx={ctx} profile={profile} canEdit={ctx.actor !== undefined && canEdit(ctx.actor)} />;
      },
      { personalTo: canEdit },
    );
  });

  app.get('/experts/:id/photo', async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const file = await getProfilePhoto(deps, params.data.id);
    // Public like the profile; the URL names the file, so a new photo is a new URL. The name the
    // expert uploaded it under stays private (people name files after themselves, ID code and all).
    const extension = allowedFileTypes[file.content_type]?.extensions[0] ?? 'bin';
    return sendStoredFile(reply, deps, file, { cacheControl: 'public, max-age=86400', name: `expert-${params.data.id}.${extension}` });
  });

  const showEditPage = async (request: FastifyRequest, reply: FastifyReply, expertId: number, state: ProfileFormState & { leaveErrors?: FormState['errors']; leaveValues?: FormState['values'] } = {}, status = 200) => {
    const profile = await getEditableProfile(deps, actorOf(request), expertId, request.ctx.locale);
    return sendPage(reply, <ProfileEditPage ctx={request.ctx} profile={profile} {...state} />, status);
  };

  app.get('/experts/:id/edit', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return showEditPage(request, reply, params.data.id);
  });

  app.post('/experts/:id/edit', { preHandler: requireUser }, async (request, reply) => {
    const actor = actorOf(request);
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const expertId = params.data.id;
    // Refuses strangers before looking at what they sent.
    assertMayEditProfile(actor, expertId);
    const form = parseForm(profileSchema, request.body);
    const chosen = profileChoices(request.body);
    if (!form.ok) return showEditPage(request, reply, expertId, { values: form.values, errors: form.errors, chosen }, 422);
    try {
      await saveProfile(
        deps,
        actor,
        expertId,
        {
          qualifications: form.data.qualifications,
          bio: form.data.bio,
          languages: form.data.languages,
          fieldIds: form.data.fieldIds.map(numberOrNaN),
          priceLevel: form.data.priceLevel ? numberOrNaN(form.data.priceLevel) : null,
          removePhoto: form.data.removePhoto === 'on',
        },
        request.uploads.filter((u) => u.fieldName === 'photo'),
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION') throw error;
      return showEditPage(request, reply, expertId, { values: form.values, chosen, ...formErrorsFromDomain(error) }, 422);
    }
    setFlash(reply, env.cookies, 'experts.profileSaved');
    return reply.redirect(`/experts/${expertId}/edit`, 303);
  });

  app.post('/experts/:id/leave', { preHandler: requireUser }, async (request, reply) => {
    const actor = actorOf(request);
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const expertId = params.data.id;
    assertMayEditProfile(actor, expertId);
    const form = parseForm(leaveSchema, request.body);
    if (!form.ok) return showEditPage(request, reply, expertId, { leaveErrors: form.errors, leaveValues: form.values }, 422);
    const isOnLeave = form.data.isOnLeave === 'on';
    try {
      await setLeave(deps, actor, expertId, { isOnLeave, returnDate: isOnLeave && form.data.returnDate ? form.data.returnDate : null });
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION') throw error;
      return showEditPage(request, reply, expertId, { leaveErrors: formErrorsFromDomain(error).errors, leaveValues: form.values }, 422);
    }
    setFlash(reply, env.cookies, isOnLeave ? 'experts.leaveSaved' : 'experts.backFromLeave');
    return reply.redirect(`/experts/${expertId}/edit`, 303);
  });
}
