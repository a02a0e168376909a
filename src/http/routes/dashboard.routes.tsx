import { h } from '../jsx.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { loadDashboard, minInvitationsToRank, responseWindowDays } from '../../db/repositories/dashboard-repository.js';
import { requireRole } from '../plugins/guards.js';
import { sendPage } from '../render.js';
import { DashboardPage } from '../views/dashboard-page.js';
import type { RouteEnv } from './route-env.js';

/** `?weeks=` from 4 to 26; anything else (missing, not a number, out of range) is the default 12. */
const dashboardQuery = z.object({
  weeks: z.coerce.number().int().min(4).max(26).catch(12),
});

/** The back office's dashboard (GET /admin), for moderators and admins. */
export function dashboardRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;

  app.get('/admin', { preHandler: requireRole('moderator', 'admin') }, async (request, reply) => {
    const { weeks } = dashboardQuery.parse(request.query ?? {});
    const now = deps.clock.now();
    const dashboard = await loadDashboard(deps.db, { now, weekCount: weeks });
    const oldest = dashboard.outbox.oldestPendingAt;
    return sendPage(
      reply,
      <DashboardPage
        ctx={request.ctx}
        dashboard={dashboard}
        weekCount={weeks}
        isMailDelivered={deps.mail.deliverBySmtp}
        oldestPendingMinutes={oldest === undefined ? undefined : Math.max(0, now.getTime() - Date.parse(oldest)) / 60_000}
        responseWindowDays={responseWindowDays}
        minInvitationsToRank={minInvitationsToRank}
      />,
    );
  });
}
