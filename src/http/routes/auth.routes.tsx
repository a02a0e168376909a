import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { logIn } from '../../use-cases/log-in.js';
import { checkPasswordResetToken, requestPasswordReset, resetPassword } from '../../use-cases/password-reset.js';
import { registerUser } from '../../use-cases/register-user.js';
import { endSession } from '../../use-cases/sessions.js';
import { resendVerification, verifyEmail } from '../../use-cases/verify-email.js';
import { emailField, formErrorsFromDomain, lineText, optionalLineText, parseForm, passwordField, phonePattern, safeReturnPath } from '../forms.js';
import { setFlash } from '../plugins/request-context.js';
import { sendPage } from '../render.js';
import { type FormState, ConfirmTokenPage, EmailRequestPage, LoginPage, MessagePage, RegisterPage, ResetPasswordPage } from '../views/auth-pages.js';
import type { RouteEnv } from './route-env.js';

const registerSchema = z
  .object({
    name: lineText(200),
    email: emailField,
    phone: optionalLineText(40, phonePattern),
    password: passwordField,
    passwordRepeat: z.string({ error: 'errors.field.required' }),
  })
  .refine((v) => v.password === v.passwordRepeat, { path: ['passwordRepeat'], error: 'errors.field.passwordMismatch' });

const loginSchema = z.object({ email: emailField, password: passwordField, next: z.string().optional() });
const emailOnlySchema = z.object({ email: emailField });
const tokenQuery = z.object({ token: z.string().min(10).max(200).regex(/^[A-Za-z0-9_-]+$/) });
const resetSchema = z
  .object({ token: z.string().max(200), password: passwordField, passwordRepeat: z.string({ error: 'errors.field.required' }) })
  .refine((v) => v.password === v.passwordRepeat, { path: ['passwordRepeat'], error: 'errors.field.passwordMismatch' });

/** Reads a single-use token from the query or body, or undefined when it is missing or malformed. */
function tokenFrom(source: unknown): string | undefined {
  const parsed = tokenQuery.safeParse(source);
  return parsed.success ? parsed.data.token : undefined;
}

export function authRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;

  const tokenProblemPage = (request: FastifyRequest, reply: FastifyReply, error: DomainError, retry: { href: string; label: 'auth.resendTitle' | 'auth.forgotTitle' }) =>
    sendPage(
      reply,
      <MessagePage ctx={request.ctx} title={request.ctx.t(error.code === 'TOKEN_EXPIRED' ? 'errors.domain.TOKEN_EXPIRED' : 'errors.domain.TOKEN_INVALID')} body={request.ctx.t(`errors.domain.${error.code}`)} links={[retry]} />,
      error.code === 'TOKEN_EXPIRED' ? 410 : 400,
    );

  // Registration
  app.get('/register', async (request, reply) => {
    if (request.ctx.actor) return reply.redirect('/my', 303);
    return sendPage(reply, <RegisterPage ctx={request.ctx} />);
  });

  app.post('/register', async (request, reply) => {
    const form = parseForm(registerSchema, request.body);
    if (!form.ok) return sendPage(reply, <RegisterPage ctx={request.ctx} values={form.values} errors={form.errors} />, 422);
    try {
      await registerUser(deps, { ...form.data, locale: request.ctx.locale, ip: request.ip });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const { errors, general } = formErrorsFromDomain(error);
      return sendPage(reply, <RegisterPage ctx={request.ctx} values={form.values} errors={errors} general={general} />, error.code === 'RATE_LIMITED' ? 429 : 422);
    }
    const { t } = request.ctx;
    return sendPage(reply, <MessagePage ctx={request.ctx} title={t('auth.checkEmailTitle')} body={t('auth.checkEmailBody', { email: form.data.email })} showDevMailHint />);
  });

  // E-mail verification: the link opens a page; its button does the change.
  app.get('/verify-email', async (request, reply) => {
    const token = tokenFrom(request.query);
    const { t } = request.ctx;
    if (!token) return tokenProblemPage(request, reply, new DomainError('TOKEN_INVALID'), { href: '/verify-email/resend', label: 'auth.resendTitle' });
    return sendPage(reply, <ConfirmTokenPage ctx={request.ctx} title={t('auth.verifyTitle')} lead={t('auth.verifyLead')} action="/verify-email" token={token} button="auth.verifyButton" />);
  });

  app.post('/verify-email', async (request, reply) => {
    const token = tokenFrom(request.body);
    try {
      if (!token) throw new DomainError('TOKEN_INVALID');
      await verifyEmail(deps, token);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return tokenProblemPage(request, reply, error, { href: '/verify-email/resend', label: 'auth.resendTitle' });
    }
    const { t } = request.ctx;
    return sendPage(reply, <MessagePage ctx={request.ctx} title={t('auth.verifiedTitle')} body={t('auth.verifiedBody')} links={[{ href: '/login', label: 'nav.login' }]} />);
  });

  const resendPage = (request: FastifyRequest, state: FormState) => (
    <EmailRequestPage ctx={request.ctx} title="auth.resendTitle" lead="auth.resendLead" action="/verify-email/resend" button="auth.resendButton" {...state} />
  );

  app.get('/verify-email/resend', async (request, reply) => sendPage(reply, resendPage(request, {})));

  app.post('/verify-email/resend', async (request, reply) => {
    const form = parseForm(emailOnlySchema, request.body);
    if (!form.ok) return sendPage(reply, resendPage(request, { values: form.values, errors: form.errors }), 422);
    try {
      await resendVerification(deps, { email: form.data.email, ip: request.ip });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return sendPage(reply, resendPage(request, { values: form.values, ...formErrorsFromDomain(error) }), 429);
    }
    const { t } = request.ctx;
    return sendPage(reply, <MessagePage ctx={request.ctx} title={t('auth.checkEmailTitle')} body={t('auth.resendDone')} showDevMailHint />);
  });

  // Sign in and out
  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const next = safeReturnPath(query['next'], '');
    if (request.ctx.actor) return reply.redirect(next || '/my', 303);
    const notice = query['expired'] === '1' ? 'auth.sessionExpired' : next ? 'auth.loginRequired' : undefined;
    return sendPage(reply, <LoginPage ctx={request.ctx} next={next || undefined} general={notice ? { key: notice } : undefined} />);
  });

  app.post('/login', async (request, reply) => {
    const form = parseForm(loginSchema, request.body);
    const next = safeReturnPath(form.values['next'], '') || undefined;
    if (!form.ok) return sendPage(reply, <LoginPage ctx={request.ctx} values={form.values} errors={form.errors} next={next} />, 422);
    try {
      const { sessionId } = await logIn(deps, {
        email: form.data.email,
        password: form.data.password,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      if (request.session) await endSession(deps, request.session.idHash);
      reply.setCookie(env.cookies.session, sessionId, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: env.config.session.cookieSecure,
        maxAge: Math.floor(env.config.session.absoluteMs / 1000),
      });
      setFlash(reply, env.cookies, 'auth.loggedIn');
      return reply.redirect(next ?? '/my', 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const { general } = formErrorsFromDomain(error);
      const status = error.code === 'RATE_LIMITED' ? 429 : error.code === 'ACCOUNT_BLOCKED' ? 403 : 401;
      return sendPage(
        reply,
        <LoginPage ctx={request.ctx} values={form.values} general={general} showResend={error.code === 'EMAIL_NOT_VERIFIED'} next={next} />,
        status,
      );
    }
  });

  app.post('/logout', async (request, reply) => {
    if (request.session) await endSession(deps, request.session.idHash);
    reply.clearCookie(env.cookies.session, { path: '/' });
    setFlash(reply, env.cookies, 'auth.loggedOut');
    return reply.redirect('/', 303);
  });

  // Forgotten password
  const forgotPage = (request: FastifyRequest, state: FormState) => (
    <EmailRequestPage ctx={request.ctx} title="auth.forgotTitle" lead="auth.forgotLead" action="/password/forgot" button="auth.forgotButton" {...state} />
  );

  app.get('/password/forgot', async (request, reply) => sendPage(reply, forgotPage(request, {})));

  app.post('/password/forgot', async (request, reply) => {
    const form = parseForm(emailOnlySchema, request.body);
    if (!form.ok) return sendPage(reply, forgotPage(request, { values: form.values, errors: form.errors }), 422);
    try {
      await requestPasswordReset(deps, { email: form.data.email, ip: request.ip });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return sendPage(reply, forgotPage(request, { values: form.values, ...formErrorsFromDomain(error) }), 429);
    }
    const { t } = request.ctx;
    return sendPage(reply, <MessagePage ctx={request.ctx} title={t('auth.checkEmailTitle')} body={t('auth.forgotDone')} showDevMailHint />);
  });

  app.get('/password/reset', async (request, reply) => {
    const token = tokenFrom(request.query);
    try {
      if (!token) throw new DomainError('TOKEN_INVALID');
      await checkPasswordResetToken(deps, token);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return tokenProblemPage(request, reply, error, { href: '/password/forgot', label: 'auth.forgotTitle' });
    }
    return sendPage(reply, <ResetPasswordPage ctx={request.ctx} token={token} />);
  });

  app.post('/password/reset', async (request, reply) => {
    const form = parseForm(resetSchema, request.body);
    const token = tokenFrom(request.body);
    if (!token) return tokenProblemPage(request, reply, new DomainError('TOKEN_INVALID'), { href: '/password/forgot', label: 'auth.forgotTitle' });
    if (!form.ok) return sendPage(reply, <ResetPasswordPage ctx={request.ctx} token={token} errors={form.errors} />, 422);
    try {
      await resetPassword(deps, { token, password: form.data.password });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'VALIDATION') {
        return sendPage(reply, <ResetPasswordPage ctx={request.ctx} token={token} {...formErrorsFromDomain(error)} />, 422);
      }
      return tokenProblemPage(request, reply, error, { href: '/password/forgot', label: 'auth.forgotTitle' });
    }
    if (request.session) reply.clearCookie(env.cookies.session, { path: '/' });
    setFlash(reply, env.cookies, 'auth.resetDone');
    return reply.redirect('/login', 303);
  });
}
