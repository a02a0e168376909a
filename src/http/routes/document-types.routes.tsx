import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import {
  createDocumentType,
  deleteDocumentType,
  documentTypeNameMax,
  editDocumentType,
  getDocumentTypeForAdmin,
  listDocumentTypesForAdmin,
  moveDocumentType,
  setDocumentTypeActive,
  type DocumentTypeInput,
} from '../../use-cases/document-types.js';
import { formErrorsFromDomain, idParam, lineText, parseForm } from '../forms.js';
import { actorOf, requireRole } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import type { FormState } from '../views/auth-pages.js';
import { DocumentTypeEditPage, DocumentTypesAdminPage } from '../views/document-type-admin-pages.js';
import type { RouteEnv } from './route-env.js';

const documentTypeSchema = z.object({
  nameEt: lineText(documentTypeNameMax),
  nameEn: lineText(documentTypeNameMax),
  isActive: z.string().optional(),
});

const moveSchema = z.object({ direction: z.enum(['up', 'down']) });

const activeSchema = z.object({ isActive: z.enum(['on', 'off']) });

function toInput(data: z.output<typeof documentTypeSchema>): DocumentTypeInput {
  return { nameEt: data.nameEt, nameEn: data.nameEn, isActive: data.isActive === 'on' };
}

/** The document types "Order a document" offers: admins only (moderators get 403, like customers). */
export function documentTypeRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;
  const isAdmin = requireRole('admin');
  const list = '/admin/document-types';

  const showList = async (request: FastifyRequest, reply: FastifyReply, form: FormState = {}, status = 200) => {
    const types = await listDocumentTypesForAdmin(deps, actorOf(request));
    return sendPage(reply, <DocumentTypesAdminPage ctx={request.ctx} types={types} {...form} />, status);
  };

  const showEdit = async (request: FastifyRequest, reply: FastifyReply, id: number, form: FormState = {}, status = 200) => {
    const type = await getDocumentTypeForAdmin(deps, actorOf(request), id);
    return sendPage(reply, <DocumentTypeEditPage ctx={request.ctx} type={type} {...form} />, status);
  };

  app.get(list, { preHandler: isAdmin }, async (request, reply) => showList(request, reply));

  app.post(list, { preHandler: isAdmin }, async (request, reply) => {
    const form = parseForm(documentTypeSchema, request.body);
    if (!form.ok) return showList(request, reply, { values: form.values, errors: form.errors }, 422);
    try {
      await createDocumentType(deps, actorOf(request), toInput(form.data));
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION') throw error;
      return showList(request, reply, { values: form.values, ...formErrorsFromDomain(error) }, 422);
    }
    setFlash(reply, env.cookies, 'documentTypeAdmin.created');
    return reply.redirect(list, 303);
  });

  app.get(`${list}/:id`, { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return showEdit(request, reply, params.data.id);
  });

  app.post(`${list}/:id`, { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const form = parseForm(documentTypeSchema, request.body);
    if (!form.ok) return showEdit(request, reply, params.data.id, { values: form.values, errors: form.errors }, 422);
    try {
      await editDocumentType(deps, actorOf(request), params.data.id, toInput(form.data));
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION') throw error;
      return showEdit(request, reply, params.data.id, { values: form.values, ...formErrorsFromDomain(error) }, 422);
    }
    setFlash(reply, env.cookies, 'documentTypeAdmin.saved');
    return reply.redirect(list, 303);
  });

  app.post(`${list}/:id/active`, { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const body = activeSchema.safeParse(request.body ?? {});
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    if (!body.success) return sendErrorPage(request, reply, 400, 'badRequest');
    const isActive = body.data.isActive === 'on';
    await setDocumentTypeActive(deps, actorOf(request), params.data.id, isActive);
    setFlash(reply, env.cookies, isActive ? 'documentTypeAdmin.shown' : 'documentTypeAdmin.hidden');
    return reply.redirect(list, 303);
  });

  app.post(`${list}/:id/move`, { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const body = moveSchema.safeParse(request.body ?? {});
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    if (!body.success) return sendErrorPage(request, reply, 400, 'badRequest');
    await moveDocumentType(deps, actorOf(request), params.data.id, body.data.direction);
    return reply.redirect(list, 303);
  });

  app.post(`${list}/:id/delete`, { preHandler: isAdmin }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    try {
      await deleteDocumentType(deps, actorOf(request), params.data.id);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'DOCUMENT_TYPE_IN_USE') throw error;
      return showEdit(request, reply, params.data.id, formErrorsFromDomain(error), 409);
    }
    setFlash(reply, env.cookies, 'documentTypeAdmin.deleted');
    return reply.redirect(list, 303);
  });
}
