import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { profileLimits } from '../../domain/experts.js';
import { createField, deleteField, editField, getFieldForAdmin, listFieldsForAdmin, moveField, type FieldInput } from '../../use-cases/fields.js';
import { formErrorsFromDomain, idParam, lineText, multiLineText, parseForm } from '../forms.js';
import { actorOf, requireRole } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import type { FormState } from '../views/auth-pages.js';
import { FieldEditPage, FieldsAdminPage } from '../views/field-admin-pages.js';
import type { RouteEnv } from './route-env.js';


const fieldSchema = z.object({
  nameEt: lineText(profileLimits.fieldName),
  nameEn: lineText(profileLimits.fieldName),
  descriptionEt: multiLineText(profileLimits.fieldDescription),
  descriptionEn: multiLineText(profileLimits.fieldDescription),
  isActive: z.string().optional(),
});

const moveSchema = z.object({ direction: z.enum(['up', 'down']) });

function toInput(data: z.output<typeof fieldSchema>): FieldInput {
  return { nameEt: data.nameEt, nameEn: data.nameEn, descriptionEt: data.descriptionEt, descriptionEn: data.descriptionEn, isActive: data.isActive === 'on' };
}

/** Fields of expertise: admins only (moderators get 403, like customers). */
export function fieldRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;
  const isAdmin = requireRole('admin');

  const showList = async (request: FastifyRequest, reply: FastifyReply, form: FormState = {}, status = 200) => {
    const fields = await listFieldsForAdmin(deps, actorOf(request));
    return sendPage(reply, <FieldsAdminPage ctx={request.ctx} fields={fields} {...form} />, status);
  };

  const showEdit = async (request: FastifyRequest, reply: FastifyReply, id: number, form: FormState = {}, status = 200) => {
    const field = await getFieldForAdmin(deps, actorOf(request), id);
    return sendPage(reply, <FieldEditPage ctx={request.ctx} field={field} {...form} />, status);
  };

  app.get('/admin/fields', { preHandler: isAdmin }, async (request, reply) => showList(request, reply));

  app.post('/admin/fields', { preHandler: isAdmin }, async (request, reply) => {
    const form = parseForm(fieldSchema, request.body);
    if (!form.ok) return showList(request, reply, { values: form.values, errors: form.errors }, 422);
    try {
      await createField(deps, actorOf(request), toInput(form.data));
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION') throw error;
      return showList(request, reply, { values: form.values, ...formErrorsFromDomain(error) }, 422);
    }
    setFlash(reply, env.cookies, 'fieldAdmin.created');
    return reply.redirect('/admin/fields', 303);
  });

  app.get('/admin/fields/:id', { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return showEdit(request, reply, params.data.id);
  });

  app.post('/admin/fields/:id', { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const form = parseForm(fieldSchema, request.body);
    if (!form.ok) return showEdit(request, reply, params.data.id, { values: form.values, errors: form.errors }, 422);
    try {
      await editField(deps, actorOf(request), params.data.id, toInput(form.data));
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION') throw error;
      return showEdit(request, reply, params.data.id, { values: form.values, ...formErrorsFromDomain(error) }, 422);
    }
    setFlash(reply, env.cookies, 'fieldAdmin.saved');
    return reply.redirect('/admin/fields', 303);
  });

  app.post('/admin/fields/:id/move', { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const body = moveSchema.safeParse(request.body ?? {});
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    if (!body.success) return sendErrorPage(request, reply, 400, 'badRequest');
    await moveField(deps, actorOf(request), params.data.id, body.data.direction);
    return reply.redirect('/admin/fields', 303);
  });

  app.post('/admin/fields/:id/delete', { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    try {
      await deleteField(deps, actorOf(request), params.data.id);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'FIELD_IN_USE') throw error;
      return showEdit(request, reply, params.data.id, formErrorsFromDomain(error), 409);
    }
    setFlash(reply, env.cookies, 'fieldAdmin.deleted');
    return reply.redirect('/admin/fields', 303);
  });
}
