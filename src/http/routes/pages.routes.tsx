import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { myExpertStatus } from '../../use-cases/expert-profiles.js';
import { actorOf, requireUser } from '../plugins/guards.js';
import { sendPage } from '../render.js';
import { HomePage, InfoPage, MyMenuPage } from '../views/pages.js';
import type { RouteEnv } from './route-env.js';

export function pageRoutes(app: FastifyInstance, env: RouteEnv): void {
  app.get('/', async (request, reply) => sendPage(reply, <HomePage ctx={request.ctx} />));

  app.get('/order/document', async (request, reply) =>
    sendPage(reply, <InfoPage ctx={request.ctx} titleKey="info.documentTitle" leadKey="info.documentLead" />),
  );

  app.get('/my', { preHandler: requireUser }, async (request, reply) => {
    const expertStatus = await myExpertStatus(env.deps, actorOf(request));
    return sendPage(reply, <MyMenuPage ctx={request.ctx} expertStatus={expertStatus} />);
  });

  // Liveness: the process answers. Readiness: it can reach its database.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(env.deps.db);
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
