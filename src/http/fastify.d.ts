import type { PageContext } from './context.js';
import type { SessionInfo } from '../use-cases/sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session, if any (set by the session plugin). */
    session: SessionInfo | undefined;
    /** What every page needs: locale, translator, actor, CSRF token, flash. */
    ctx: PageContext;
  }
}
