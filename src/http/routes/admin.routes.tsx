import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findOutboxEmail, listOutboxEmails } from '../../db/repositories/outbox-repository.js';
import { listUsers } from '../../db/repositories/user-repository.js';
import { idParam } from '../forms.js';
import { requireRole } from '../plugins/guards.js';
import { sendErrorPage, sendPage } from '../render.js';
import { SentEmailPage, SentEmailsPage, UsersPage } from '../views/admin-pages.js';
import type { RouteEnv } from './route-env.js';

const pageSize = 25;
const listQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  // Names and addresses never hold control characters, and PostgreSQL refuses NUL in a query
  // parameter (a 500): strip them before searching.
  q: z
    .string()
    .max(100)
    .transform((v) => v.replace(/[\u0000-\u001f\u007f]/g, ''))
    .catch('')
    .optional(),
});

export function adminRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps, config } = env;

  app.get('/admin/users', { preHandler: requireRole('admin', 'moderator') }, async (request, reply) => {
    const query = listQuery.parse(request.query ?? {});
    const search = (query.q ?? '').trim();
    const { items, total } = await listUsers(deps.db, { search, limit: pageSize, offset: (query.page - 1) * pageSize });
    const pages = Math.max(1, Math.ceil(total / pageSize));
    return sendPage(reply, <UsersPage ctx={request.ctx} items={items} total={total} page={query.page} pages={pages} search={search} />);
  });

  // "Sent e-mail": admins always; in development mode anyone, so a newcomer can follow every
  // flow without a mail server.
  const canReadSentEmail = config.isDevelopment ? [] : [requireRole('admin')];

  app.get('/sent-emails', { preHandler: canReadSentEmail }, async (request, reply) => {
    const query = listQuery.parse(request.query ?? {});
    const { items, total } = await listOutboxEmails(deps.db, { limit: pageSize, offset: (query.page - 1) * pageSize });
    const pages = Math.max(1, Math.ceil(total / pageSize));
    return sendPage(reply, <SentEmailsPage ctx={request.ctx} items={items} page={query.page} pages={pages} />);
  });

  app.get('/sent-emails/:id', { preHandler: canReadSentEmail }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const email = params.success ? await findOutboxEmail(deps.db, params.data.id) : undefined;
    if (!email) return sendErrorPage(request, reply, 404, 'notFound');
    return sendPage(reply, <SentEmailPage ctx={request.ctx} email={email} />);
  });

  // The HTML body, framed by the page above: a sandbox with no scripts, no network, own CSP.
  app.get('/sent-emails/:id/html', { preHandler: canReadSentEmail }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const email = params.success ? await findOutboxEmail(deps.db, params.data.id) : undefined;
    if (!email) return sendErrorPage(request, reply, 404, 'notFound');
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
      .header('x-frame-options', 'SAMEORIGIN')
      .header('cache-control', 'no-store')
      .send(email.html_body);
  });
}
