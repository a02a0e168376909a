import { h } from '../jsx.js';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { hasRole } from '../../domain/roles.js';
import { myExpertStatus } from '../../use-cases/expert-profiles.js';
import { listMyInquiries } from '../../use-cases/inquiries.js';
import { myAgenda } from '../../use-cases/invitations.js';
import { actorOf, requireUser } from '../plugins/guards.js';
import { sendPage } from '../render.js';
import { HomePage, MyMenuPage } from '../views/pages.js';
import type { RouteEnv } from './route-env.js';

export function pageRoutes(app: FastifyInstance, env: RouteEnv): void {
  app.get('/', async (request, reply) => sendPage(reply, <HomePage ctx={request.ctx} />));

  app.get('/my', { preHandler: requireUser }, async (request, reply) =>
    env.privatePages.send(request, reply, async () => {
      const actor = actorOf(request);
      const [expertStatus, agenda, inquiries] = await Promise.all([
        myExpertStatus(env.deps, actor),
        hasRole(actor, 'expert') ? myAgenda(env.deps, actor) : undefined,
        listMyInquiries(env.deps, actor, { page: 1, pageSize: 5 }),
      ]);
      return (ctx) => <MyMenuPage ctx={ctx} expertStatus={expertStatus} agenda={agenda} inquiries={inquiries} />;
    }),
  );

  // Liveness: the process answers. Readiness: it can reach its database and its file store
  // (and a process that is shutting down answers 503 to anything still reaching it).
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(env.deps.db);
      await env.deps.fileStore.check();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
