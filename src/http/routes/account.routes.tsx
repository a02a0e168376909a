import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getUserById } from '../../db/repositories/user-repository.js';
import { DomainError } from '../../domain/errors.js';
import { isLocale } from '../../i18n/index.js';
import { changeLocale, changePassword, confirmEmailChange, peekEmailChange, requestEmailChange, updateProfile } from '../../use-cases/account-settings.js';
import { emailField, formErrorsFromDomain, formRefusalStatus, lineText, optionalLineText, parseForm, passwordField, phonePattern, safeReturnPath } from '../forms.js';
import { actorOf, requireUser } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendPage } from '../render.js';
import { AccountPage, ChangeEmailPage, ChangePasswordPage, DeleteAccountPage } from '../views/account-pages.js';
import { ConfirmTokenPage, MessagePage, type FormState } from '../views/auth-pages.js';
import { deleteMyAccount, deletionBlockers, exportMyData } from '../../use-cases/privacy.js';
import { hasRole } from '../../domain/roles.js';
import type { RouteEnv } from './route-env.js';

const profileSchema = z.object({ name: lineText(200), phone: optionalLineText(40, phonePattern) });
const passwordSchema = z
  .object({ currentPassword: passwordField, newPassword: passwordField, newPasswordRepeat: z.string({ error: 'errors.field.required' }) })
  .refine((v) => v.newPassword === v.newPasswordRepeat, { path: ['newPasswordRepeat'], error: 'errors.field.passwordMismatch' });
const emailSchema = z.object({ newEmail: emailField, currentPassword: passwordField });
const deleteSchema = z.object({ currentPassword: passwordField });
const tokenSchema = z.object({ token: z.string().min(10).max(200).regex(/^[A-Za-z0-9_-]+$/) });

export function accountRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;

  // The language switch works for everyone: remembered in a cookie, and on the account when signed in.
  app.post('/language', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const lang = body['lang'];
    const returnTo = safeReturnPath(body['returnTo']);
    if (!isLocale(lang)) return reply.redirect(returnTo, 303);
    reply.setCookie(env.cookies.lang, lang, { path: '/', httpOnly: true, sameSite: 'lax', secure: env.config.session.cookieSecure, maxAge: 365 * 24 * 3600 });
    const actor = request.ctx.actor;
    if (actor) await changeLocale(deps, actor, lang);
    if (returnTo === '/account') setFlash(reply, env.cookies, 'account.languageSaved');
    return reply.redirect(returnTo, 303);
  });

  app.get('/account', { preHandler: requireUser }, async (request, reply) => {
    const user = await getUserById(deps.db, actorOf(request).id);
    return sendPage(reply, <AccountPage ctx={request.ctx} user={user} />);
  });

  app.post('/account/profile', { preHandler: requireUser }, async (request, reply) => {
    const actor = actorOf(request);
    const form = parseForm(profileSchema, request.body);
    if (!form.ok) {
      const user = await getUserById(deps.db, actor.id);
      return sendPage(reply, <AccountPage ctx={request.ctx} user={user} values={form.values} errors={form.errors} />, 422);
    }
    await updateProfile(deps, actor, form.data);
    setFlash(reply, env.cookies, 'account.profileSaved');
    return reply.redirect('/account', 303);
  });

  app.get('/account/password', { preHandler: requireUser }, async (request, reply) => sendPage(reply, <ChangePasswordPage ctx={request.ctx} />));

  app.post('/account/password', { preHandler: requireUser }, async (request, reply) => {
    const actor = actorOf(request);
    const form = parseForm(passwordSchema, request.body);
    if (!form.ok) return sendPage(reply, <ChangePasswordPage ctx={request.ctx} errors={form.errors} />, 422);
    try {
      await changePassword(deps, actor, {
        currentPassword: form.data.currentPassword,
        newPassword: form.data.newPassword,
        keepSessionIdHash: request.session?.idHash ?? '',
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const mapped = formErrorsFromDomain(error);
      const errors = error.code === 'REAUTH_FAILED' ? { currentPassword: { key: 'errors.domain.REAUTH_FAILED' as const } } : mapped.errors;
      const general = error.code === 'REAUTH_FAILED' ? undefined : mapped.general;
      return sendPage(reply, <ChangePasswordPage ctx={request.ctx} errors={errors} general={general} />, error.code === 'RATE_LIMITED' ? 429 : 422);
    }
    setFlash(reply, env.cookies, 'account.passwordChanged');
    return reply.redirect('/account', 303);
  });

  app.get('/account/email', { preHandler: requireUser }, async (request, reply) =>
    sendPage(reply, <ChangeEmailPage ctx={request.ctx} currentEmail={actorOf(request).email} />),
  );

  app.post('/account/email', { preHandler: requireUser }, async (request, reply) => {
    const actor = actorOf(request);
    const form = parseForm(emailSchema, request.body);
    if (!form.ok) return sendPage(reply, <ChangeEmailPage ctx={request.ctx} currentEmail={actor.email} values={form.values} errors={form.errors} />, 422);
    try {
      await requestEmailChange(deps, actor, { ...form.data, ip: request.ip });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const mapped = formErrorsFromDomain(error);
      const errors = error.code === 'REAUTH_FAILED' ? { currentPassword: { key: 'errors.domain.REAUTH_FAILED' as const } } : mapped.errors;
      const general = error.code === 'REAUTH_FAILED' ? undefined : mapped.general;
      return sendPage(
        reply,
        <ChangeEmailPage ctx={request.ctx} currentEmail={actor.email} values={form.values} errors={errors} general={general} />,
        error.code === 'RATE_LIMITED' ? 429 : 422,
      );
    }
    const { t } = request.ctx;
    return sendPage(
      reply,
      <MessagePage ctx={request.ctx} title={t('auth.checkEmailTitle')} body={t('account.emailChangeSent', { email: form.data.newEmail })} showDevMailHint />,
    );
  });

  // GDPR: the person's own data as JSON, downloaded as a file (never cached on the way).
  app.get('/account/data.json', { preHandler: requireUser }, async (request, reply) => {
    const data = await exportMyData(deps, actorOf(request));
    const day = data.exportedAt.slice(0, 10);
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="konsult-data-${day}.json"`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2));
  });

  const deletePage = async (request: FastifyRequest, reply: FastifyReply, state: FormState = {}, status = 200) => {
    const actor = actorOf(request);
    const blockers = await deletionBlockers(deps, actor);
    return sendPage(reply, <DeleteAccountPage ctx={request.ctx} blockers={blockers} isAdmin={hasRole(actor, 'admin')} {...state} />, status);
  };

  app.get('/account/delete', { preHandler: requireUser }, async (request, reply) => deletePage(request, reply));

  app.post('/account/delete', { preHandler: requireUser }, async (request, reply) => {
    const form = parseForm(deleteSchema, request.body);
    if (!form.ok) return deletePage(request, reply, { errors: form.errors }, 422);
    try {
      await deleteMyAccount(deps, actorOf(request), form.data.currentPassword);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'REAUTH_FAILED') return deletePage(request, reply, { errors: { currentPassword: { key: 'errors.domain.REAUTH_FAILED' } } }, 422);
      if (error.code === 'FORBIDDEN') return deletePage(request, reply, {}, 403);
      const status = formRefusalStatus(error);
      if (status === undefined) throw error;
      return deletePage(request, reply, formErrorsFromDomain(error), status);
    }
    reply.clearCookie(env.cookies.session, { path: '/' });
    const { t } = request.ctx;
    return sendPage(
      reply,
      <MessagePage ctx={{ ...request.ctx, actor: undefined, unreadCount: 0 }} title={t('privacy.deletedTitle')} body={t('privacy.deletedBody')} links={[{ href: '/', label: 'privacy.backHome' }]} />,
    );
  });

  // The link from the e-mail opens a page whose button makes the change. No sign-in needed:
  // the link itself proves control of the new address.
  app.get('/account/email/confirm', async (request, reply) => {
    const parsed = tokenSchema.safeParse(request.query);
    const { t } = request.ctx;
    try {
      if (!parsed.success) throw new DomainError('TOKEN_INVALID');
      const { newEmail } = await peekEmailChange(deps, parsed.data.token);
      return sendPage(
        reply,
        <ConfirmTokenPage
          ctx={request.ctx}
          title={t('account.confirmEmailTitle')}
          lead={t('account.confirmEmailLead', { email: newEmail })}
          action="/account/email/confirm"
          token={parsed.data.token}
          button="account.confirmEmailButton"
        />,
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return sendPage(reply, <MessagePage ctx={request.ctx} title={t('account.confirmEmailTitle')} body={t(`errors.domain.${error.code}`)} />, error.code === 'TOKEN_EXPIRED' ? 410 : 400);
    }
  });

  app.post('/account/email/confirm', async (request, reply) => {
    const parsed = tokenSchema.safeParse(request.body);
    const { t } = request.ctx;
    try {
      if (!parsed.success) throw new DomainError('TOKEN_INVALID');
      await confirmEmailChange(deps, parsed.data.token);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return sendPage(reply, <MessagePage ctx={request.ctx} title={t('account.confirmEmailTitle')} body={t(`errors.domain.${error.code}`)} />, error.code === 'TOKEN_EXPIRED' ? 410 : 400);
    }
    if (request.ctx.actor) {
      setFlash(reply, env.cookies, 'account.emailChanged');
      return reply.redirect('/account', 303);
    }
    return sendPage(reply, <MessagePage ctx={request.ctx} title={t('account.emailChanged')} body={t('account.emailChanged')} links={[{ href: '/login', label: 'nav.login' }]} />);
  });
}
