import type { PageContext } from './context.js';
import type { SessionInfo } from '../use-cases/sessions.js';
import type { UploadedPart } from '../use-cases/uploads.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session, if any (set by the session plugin). */
    session: SessionInfo | undefined;
    /** What every page needs: locale, translator, actor, CSRF token, flash. */
    ctx: PageContext;
    /** Files of a multipart form, streamed to temporary paths (set by the uploads plugin). */
    uploads: UploadedPart[];
  }
  interface FastifyContextConfig {
    /** A server-to-server endpoint (a payment provider's notification): no session, no CSRF token. */
    isServerToServer?: boolean;
  }
}
