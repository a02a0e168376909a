import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomToken } from '../adapters/tokens.js';
import type { Config } from '../config.js';
import { projectRoot } from '../project-root.js';
import type { Deps } from '../use-cases/deps.js';
import { registerErrorHandling } from './plugins/errors.js';
import { registerSecurityHeaders, securityHeaders } from './plugins/security-headers.js';
import { registerUploads } from './plugins/uploads.js';
import { registerRequestContext } from './plugins/request-context.js';
import { htmlHeaders, sendErrorPage } from './render.js';
import { keptPageFront, serverWithFrontDoor, type FrontDoor } from './kept-page-front.js';
import { PrivatePageCache } from './private-page-cache.js';
import { PublicPageCache } from './public-page-cache.js';
import { accountRoutes } from './routes/account.routes.js';
import { adminRoutes } from './routes/admin.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { mailboxRoutes } from './routes/mailbox.routes.js';
import { expertRoutes } from './routes/experts.routes.js';
import { expertApplicationRoutes } from './routes/expert-applications.routes.js';
import { dashboardRoutes } from './routes/dashboard.routes.js';
import { documentTypeRoutes } from './routes/document-types.routes.js';
import { fieldRoutes } from './routes/fields.routes.js';
import { inquiryRoutes } from './routes/inquiries.routes.js';
import { orderRoutes } from './routes/orders.routes.js';
import { pageRoutes } from './routes/pages.routes.js';
import type { RouteEnv } from './routes/route-env.js';

export type AppOptions = {
  config: Config;
  deps: Deps;
  secret: string;
  logger: FastifyBaseLogger | false;
  /** Extra routes (tests use this for guard fixtures). */
  extraRoutes?: (app: FastifyInstance, env: RouteEnv) => void;
};

/** The fields of a request's log line (the path without its query string, which can hold single-use tokens). */
function requestLine(method: string, path: string, status: number, ms: number, userId?: number) {
  return { method, path, status, ms: Math.round(ms), userId };
}

/** Builds the web application; it never listens (server.ts does), so tests can inject requests. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, deps } = options;
  const requestIdPrefix = `${randomToken(3)}-`;
  let requestCount = 0;
  // A random prefix per process and a counter: unique in the logs without a random draw per request.
  const nextRequestId = () => `${requestIdPrefix}${(++requestCount).toString(36)}`;
  // Answers anonymous visitors' kept pages before Fastify (decision 022); set once the app is built.
  let frontDoor: FrontDoor = () => false;
  const app = Fastify({
    serverFactory: serverWithFrontDoor(() => frontDoor),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy ? ['127.0.0.1', '::1'] : false,
    bodyLimit: 256 * 1024,
    genReqId: nextRequestId,
    routerOptions: { maxParamLength: 200 },
    // The router refuses some addresses before any hook runs (a broken percent escape, a
    // parameter longer than maxParamLength); without this, Fastify answers those in JSON.
    frameworkErrors: (error, request, reply) => void answerFrameworkError(error, request, reply),
  });

  // One log line per request: id, method, route, status, time, user; never the query string,
  // which can hold single-use tokens.
  const logsEachRequest = options.logger !== false && ['trace', 'debug', 'info'].includes(options.logger.level);
  if (logsEachRequest) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info(requestLine(request.method, request.url.split('?')[0]!, reply.statusCode, reply.elapsedTime, request.ctx?.actor?.id), 'request');
    });
  }

  const isSecure = config.session.cookieSecure;
  const headersOfEveryAnswer = securityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameSrc: ["'self'"],
        // An order form redirects to the payment provider's page; Chrome applies form-action to that redirect.
        formAction: ["'self'", ...(config.payments.provider === 'montonio' ? ['https://*.montonio.com'] : [])],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        ...(isSecure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: isSecure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    xFrameOptions: { action: 'deny' },
  });
  registerSecurityHeaders(app, headersOfEveryAnswer);
  // Defaults for every cookie set or cleared, so none can forget Secure: a __Host- cookie
  // cleared without it is ignored by browsers (the session cookie would outlive logout).
  await app.register(fastifyCookie, { parseOptions: { path: '/', httpOnly: true, sameSite: 'lax', secure: isSecure } });
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyStatic, {
    root: path.join(projectRoot(), 'public'),
    prefix: '/static/',
    maxAge: config.isDevelopment ? 0 : 3_600_000,
    index: false,
  });

  await registerUploads(app, deps.fileStore);
  const { names: cookies, buildContext, anonymousVisitor, signedInVisitor } = registerRequestContext(app, { deps, config, secret: options.secret });
  registerErrorHandling(app);
  // The friendly page in the visitor's language, as for any other error: no hook has run, so
  // the cookies are read and the page context built here. (Declared here, after what it uses;
  // the router calls it only once requests arrive.)
  async function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    try {
      request.cookies = app.parseCookie(request.headers.cookie ?? '');
      await buildContext(request, reply);
    } catch (contextError) {
      request.log.warn({ err: contextError }, 'no page context for a refused address');
    }
    // A parameter too long to be any id names nothing: not found.
    const isTooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    return sendErrorPage(request, reply, isTooLong ? 404 : 400, isTooLong ? 'notFound' : 'badRequest');
  }

  const publicPages = new PublicPageCache(config.publicPageCacheMs, deps.clock);
  const privatePages = new PrivatePageCache(config.privatePageCacheMs, deps.clock);
  let isClosing = false;
  app.addHook('preClose', (done) => {
    isClosing = true;
    done();
  });
  const logger = options.logger;
  frontDoor = keptPageFront({
    pages: publicPages,
    privatePages,
    parseCookies: (header) => app.parseCookie(header),
    anonymousVisitor,
    signedInVisitor,
    headers: { ...headersOfEveryAnswer, ...htmlHeaders },
    isClosing: () => isClosing,
    ...(logsEachRequest && logger ? { logRequest: ({ path, ms, userId }) => logger.info({ reqId: nextRequestId(), ...requestLine('GET', path, 200, ms, userId) }, 'request') } : {}),
  });

  const env: RouteEnv = { deps, config, cookies, publicPages, privatePages };
  pageRoutes(app, env);
  authRoutes(app, env);
  accountRoutes(app, env);
  adminRoutes(app, env);
  mailboxRoutes(app, env);
  expertRoutes(app, env);
  expertApplicationRoutes(app, env);
  fieldRoutes(app, env);
  documentTypeRoutes(app, env);
  inquiryRoutes(app, env);
  orderRoutes(app, env);
  dashboardRoutes(app, env);
  options.extraRoutes?.(app, env);
  return app;
}
