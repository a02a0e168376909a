import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { listAuditEntries } from '../../db/repositories/audit-repository.js';
import { listOrdersForStaff } from '../../db/repositories/order-repository.js';
import { findOutboxEmail, listOutboxEmails } from '../../db/repositories/outbox-repository.js';
import { listUsers, userListFilters } from '../../db/repositories/user-repository.js';
import { auditActions, auditObjectTypes } from '../../domain/audit.js';
import { isCalendarDate, startOfTallinnDay } from '../../domain/calendar.js';
import { DomainError } from '../../domain/errors.js';
import { endOfTallinnDay } from '../../domain/inquiries.js';
import { orderStatuses } from '../../domain/orders.js';
import { settingKeys, type SettingKey, type Settings } from '../../domain/settings.js';
import type { MessageKey } from '../../i18n/index.js';
import { settingsForAdmin, updateSettings } from '../../use-cases/settings.js';
import { getUserForAdmin, setBlocked, setStaffRole, staffRoles } from '../../use-cases/user-admin.js';
import { echoValues, formErrorsFromDomain, idParam, maxId, multiLineText, parseForm } from '../forms.js';
import { actorOf, requireRole } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import { SentEmailPage, SentEmailsPage, UsersPage } from '../views/admin-pages.js';
import type { FormState } from '../views/auth-pages.js';
import { AuditPage, OrdersAdminPage, SettingsPage, UserAdminPage, settingInputName } from '../views/back-office-pages.js';
import type { FormValues } from '../views/components.js';
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

const blockSchema = z.object({ reason: multiLineText(1000) });
const roleSchema = z.object({ role: z.enum(staffRoles), grant: z.enum(['yes', 'no']) });
const ordersQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  status: z.enum(orderStatuses).optional().catch(undefined),
  id: z.string().max(12).optional().catch(undefined),
});
const tallinnDay = z.string().refine(isCalendarDate).optional().catch(undefined);

const auditQuery = z.object({
  action: z.enum(auditActions).optional().catch(undefined),
  objectType: z.enum(auditObjectTypes).optional().catch(undefined),
  objectId: z.string().max(60).regex(/^[A-Za-z0-9_-]*$/).optional().catch(undefined),
  actor: z.coerce.number().int().positive().max(maxId).optional().catch(undefined),
  from: tallinnDay,
  to: tallinnDay,
  before: z.coerce.number().int().positive().max(maxId).optional().catch(undefined),
});
const auditPageSize = 50;

/** The settings as the form shows them (the fee as a percentage with a decimal comma in Estonian). */
function settingsFormValues(settings: Settings, locale: 'et' | 'en'): FormValues {
  const values: FormValues = {};
  for (const key of settingKeys) {
    const value = settings[key];
    values[settingInputName(key)] = key === 'portalFeeBasisPoints' ? String((value as number) / 100).replace('.', locale === 'et' ? ',' : '.') : String(value);
  }
  return values;
}

/** The submitted settings as the domain checks them: numbers that are not numbers become NaN. */
function settingsCandidate(body: Record<string, unknown>): Record<SettingKey, number | string> {
  const text = (key: SettingKey) => {
    const value = body[settingInputName(key)];
    return typeof value === 'string' ? value.normalize('NFC').trim() : '';
  };
  const integer = (key: SettingKey) => (/^\d{1,7}$/.test(text(key)) ? Number(text(key)) : Number.NaN);
  const fee = text('portalFeeBasisPoints').replace(',', '.');
  const candidate = {} as Record<SettingKey, number | string>;
  for (const key of settingKeys) candidate[key] = integer(key);
  candidate.portalFeeBasisPoints = /^\d{1,2}(\.\d{1,2})?$/.test(fee) ? Math.round(Number(fee) * 100) : Number.NaN;
  for (const key of ['supportEmail', 'supportPhone', 'supportSkype'] as const) candidate[key] = text(key);
  return candidate;
}

export function adminRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps, config } = env;
  const isStaff = requireRole('admin', 'moderator');
  const isAdmin = requireRole('admin');

  // ---- one user: status, roles, history; block / unblock; staff roles ----

  const userPage = async (request: FastifyRequest, reply: FastifyReply, userId: number, state: FormState = {}, status = 200) => {
    const detail = await getUserForAdmin(deps, actorOf(request), userId);
    return sendPage(reply, <UserAdminPage ctx={request.ctx} detail={detail} {...state} />, status);
  };

  app.get('/admin/users/:id', { preHandler: isStaff }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return userPage(request, reply, params.data.id);
  });

  /**
   * Runs an account action; input the form could not parse (`invalid`), or a refusal, shows the
   * user's page again with what was typed and why.
   */
  const accountAction = async (request: FastifyRequest, reply: FastifyReply, run: (userId: number) => Promise<void>, invalid?: FormState) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    if (invalid) return userPage(request, reply, params.data.id, invalid, 422);
    try {
      await run(params.data.id);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'NOT_FOUND') throw error;
      const reason = error.details['reason'];
      if (error.code === 'FORBIDDEN' && typeof reason === 'string') {
        return userPage(request, reply, params.data.id, { general: { key: `admin.refusal_${reason}` as MessageKey } }, 403);
      }
      if (error.code !== 'VALIDATION') throw error;
      return userPage(request, reply, params.data.id, { ...formErrorsFromDomain(error), values: echoValues(request.body) }, 422);
    }
    setFlash(reply, env.cookies, 'admin.saved');
    return reply.redirect(`/admin/users/${params.data.id}`, 303);
  };

  app.post('/admin/users/:id/block', { preHandler: isStaff }, async (request, reply) => {
    const form = parseForm(blockSchema, request.body);
    return accountAction(
      request,
      reply,
      (id) => setBlocked(deps, actorOf(request), id, { isBlocked: true, reason: form.ok ? form.data.reason : '' }),
      form.ok ? undefined : { errors: form.errors, values: form.values },
    );
  });

  app.post('/admin/users/:id/unblock', { preHandler: isStaff }, async (request, reply) =>
    accountAction(request, reply, (id) => setBlocked(deps, actorOf(request), id, { isBlocked: false, reason: '' })),
  );

  app.post('/admin/users/:id/roles', { preHandler: isAdmin }, async (request, reply) => {
    const form = parseForm(roleSchema, request.body);
    if (!form.ok) return sendErrorPage(request, reply, 400, 'badRequest');
    return accountAction(request, reply, (id) => setStaffRole(deps, actorOf(request), id, { role: form.data.role, isGranted: form.data.grant === 'yes' }));
  });

  // ---- settings ----

  const settingsHistory = () => listAuditEntries(deps.db, { objectType: 'setting' }, { limit: 20 });

  app.get('/admin/settings', { preHandler: isAdmin }, async (request, reply) => {
    const settings = await settingsForAdmin(deps, actorOf(request));
    return sendPage(reply, <SettingsPage ctx={request.ctx} values={settingsFormValues(settings, request.ctx.locale)} history={await settingsHistory()} />);
  });

  app.post('/admin/settings', { preHandler: isAdmin }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    try {
      await updateSettings(deps, actorOf(request), settingsCandidate(body));
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION') throw error;
      const mapped = formErrorsFromDomain(error);
      const errors = Object.fromEntries(Object.entries(mapped.errors).map(([key, value]) => [settingInputName(key as SettingKey), value]));
      const values: FormValues = {};
      for (const key of settingKeys) {
        const raw = body[settingInputName(key)];
        values[settingInputName(key)] = typeof raw === 'string' ? raw.slice(0, 300) : '';
      }
      return sendPage(reply, <SettingsPage ctx={request.ctx} values={values} errors={errors} history={await settingsHistory()} />, 422);
    }
    setFlash(reply, env.cookies, 'settings.saved');
    return reply.redirect('/admin/settings', 303);
  });

  // ---- audit log ----

  app.get('/admin/audit', { preHandler: isAdmin }, async (request, reply) => {
    const query = auditQuery.parse(request.query ?? {});
    const filter = {
      action: query.action,
      objectType: query.objectType,
      objectId: query.objectId || undefined,
      actorId: query.actor,
      from: query.from ? startOfTallinnDay(query.from).toISOString() : undefined,
      // "To" includes the whole day: entries before the start of the next Tallinn day.
      to: query.to ? endOfTallinnDay(query.to).toISOString() : undefined,
    };
    const entries = await listAuditEntries(deps.db, filter, { limit: auditPageSize + 1, beforeId: query.before });
    const hasMore = entries.length > auditPageSize;
    const shown = entries.slice(0, auditPageSize);
    const filterValues = {
      action: query.action ?? '',
      objectType: query.objectType ?? '',
      objectId: query.objectId ?? '',
      actor: query.actor ? String(query.actor) : '',
      from: query.from ?? '',
      to: query.to ?? '',
    };
    const nextParams = new URLSearchParams(Object.entries(filterValues).filter(([, v]) => v !== ''));
    if (hasMore) nextParams.set('before', String(shown[shown.length - 1]!.id));
    return sendPage(reply, <AuditPage ctx={request.ctx} entries={shown} filter={filterValues} nextHref={hasMore ? `/admin/audit?${nextParams.toString()}` : undefined} />);
  });

  // ---- orders ----

  app.get('/admin/orders', { preHandler: isStaff }, async (request, reply) => {
    const query = ordersQuery.parse(request.query ?? {});
    const goTo = query.id?.trim().replace(/^#/, '');
    if (goTo && /^\d{1,9}$/.test(goTo)) return reply.redirect(`/orders/${goTo}`, 303);
    const { items, total } = await listOrdersForStaff(deps.db, { status: query.status, limit: pageSize, offset: (query.page - 1) * pageSize });
    const pages = Math.max(1, Math.ceil(total / pageSize));
    return sendPage(reply, <OrdersAdminPage ctx={request.ctx} items={items} total={total} page={query.page} pages={pages} status={query.status ?? ''} />);
  });

  app.get('/admin/users', { preHandler: isStaff }, async (request, reply) => {
    const query = listQuery.parse(request.query ?? {});
    const search = (query.q ?? '').trim();
    const filter = z.enum(userListFilters).catch('all').parse((request.query as Record<string, unknown> | undefined)?.['filter']);
    const { items, total } = await listUsers(deps.db, { search, filter, limit: pageSize, offset: (query.page - 1) * pageSize });
    const pages = Math.max(1, Math.ceil(total / pageSize));
    return sendPage(reply, <UsersPage ctx={request.ctx} items={items} total={total} page={query.page} pages={pages} search={search} filter={filter} />);
  });

  // "Sent e-mail": admins always; anyone only outside production while no SMTP server is set
  // (the e-mails never leave, so this page is the only mailbox a newcomer trying the portal has).
  const canReadSentEmail = config.isSentEmailOpen ? [] : [requireRole('admin')];

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
