import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { hasRole, type Actor, type Role } from '../../domain/roles.js';
import { sendErrorPage } from '../render.js';

/** Redirects anonymous visitors to sign in, remembering where they were going. */
export const requireUser: preHandlerAsyncHookHandler = async (request, reply) => {
  if (!request.ctx.actor) await redirectToLogin(request, reply);
};

async function redirectToLogin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const next = request.method === 'GET' ? request.url : '/my';
  const expired = request.ctx.hasSessionEnded ? '&expired=1' : '';
  await reply.redirect(`/login?next=${encodeURIComponent(next)}${expired}`, 303);
}

/** Lets only holders of one of the roles through: anonymous → sign in, others → 403. */
export function requireRole(...roles: Role[]): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    const actor = request.ctx.actor;
    if (!actor) return redirectToLogin(request, reply);
    if (!roles.some((role) => hasRole(actor, role))) {
      await sendErrorPage(request, reply, 403, 'forbidden');
    }
  };
}

/** The signed-in actor of a guarded route (the guard has already run). */
export function actorOf(request: FastifyRequest): Actor {
  const actor = request.ctx.actor;
  if (!actor) throw new Error('actorOf() used on a route without requireUser');
  return actor;
}
