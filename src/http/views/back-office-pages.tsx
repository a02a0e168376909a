import { h, Fragment } from '../jsx.js';
import type { AuditListItem } from '../../db/repositories/audit-repository.js';
import type { StaffOrderItem } from '../../db/repositories/order-repository.js';
import type { OrderListItem } from '../../db/repositories/order-repository.js';
import { auditActions, auditObjectTypes, isAuditAction } from '../../domain/audit.js';
import { orderStatuses } from '../../domain/orders.js';
import { accountActionRefusal, hasRole, type Actor } from '../../domain/roles.js';
import { settingRules, type SettingKey } from '../../domain/settings.js';
import { formatDateTime, formatMoney } from '../../i18n/format.js';
import type { MessageKey } from '../../i18n/index.js';
import type { UserForAdmin } from '../../use-cases/user-admin.js';
import type { PageContext } from '../context.js';
import { AdminNav } from './admin-pages.js';
import type { FormState } from './auth-pages.js';
import { CsrfInput, ErrorSummary, PageHeading, Pagination, TextArea, type FormValues } from './components.js';
import { StatusBadge } from './inquiry-pages.js';
import { Layout } from './layout.js';
import { OrderStatus } from './order-pages.js';

/** Where an audit entry's object lives in the back office, when it has a page. */
function objectHref(type: string, id: string | null): string | undefined {
  if (!id) return undefined;
  const pages: Record<string, string> = {
    user: `/admin/users/${id}`,
    application: `/admin/expert-applications/${id}`,
    inquiry: `/inquiries/${id}`,
    order: `/orders/${id}`,
    expert_profile: `/experts/${id}`,
    field: `/admin/fields/${id}`,
    document_type: `/admin/document-types/${id}`,
    setting: '/admin/settings',
  };
  return pages[type];
}

/** A before/after state as staff read it: one `key: value` line per field, plain values as they are. */
function ChangeValue({ json }: { json: string | null }) {
  if (json === null) return <span class="muted">–</span>;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return <code class="audit-value">{json}</code>;
  }
  const text = (v: unknown) => (v === null ? '–' : typeof v === 'string' ? v : JSON.stringify(v));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return <code class="audit-value">{text(value)}</code>;
  return (
    <code class="audit-value">
      {Object.entries(value as Record<string, unknown>)
        .map(([key, v]) => `${key}: ${text(v)}`)
        .join('\n')}
    </code>
  );
}

/** Audit entries as a table: when, who, what, on which object, before and after. */
export function AuditTable({ ctx, entries, showObject = true }: { ctx: PageContext; entries: AuditListItem[]; showObject?: boolean }) {
  const { t } = ctx;
  if (entries.length === 0) return <p>{t('audit.empty')}</p>;
  return (
    <div class="table-wrap">
      <table class="audit-table">
        <thead>
          <tr>
            <th scope="col">{t('audit.colWhen')}</th>
            <th scope="col">{t('audit.colWho')}</th>
            <th scope="col">{t('audit.colAction')}</th>
            {showObject && <th scope="col">{t('audit.colObject')}</th>}
            <th scope="col">{t('audit.colBefore')}</th>
            <th scope="col">{t('audit.colAfter')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const href = objectHref(entry.object_type, entry.object_id);
            // A setting is named by its label ("Portaali tasu (%)"), everything else by kind and number.
            const objectLabel =
              entry.object_type === 'setting' && entry.object_id && entry.object_id in settingRules
                ? t(`settings.label.${entry.object_id}` as MessageKey)
                : `${t(`audit.object.${entry.object_type}` as MessageKey)} ${entry.object_id ?? ''}`.trim();
            return (
              <tr key={entry.id}>
                <td>{formatDateTime(ctx.locale, entry.created_at)}</td>
                <td>{entry.actor_id ? <a href={`/admin/users/${entry.actor_id}`}>{entry.actor_name ?? `#${entry.actor_id}`}</a> : t('audit.system')}</td>
                <td>{isAuditAction(entry.action) ? t(`audit.action.${entry.action}`) : entry.action}</td>
                {showObject && <td>{href ? <a href={href}>{objectLabel}</a> : objectLabel}</td>}
                <td>
                  <ChangeValue json={entry.before_json} />
                </td>
                <td>
                  <ChangeValue json={entry.after_json} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export type AuditFilterValues = { action: string; actor: string; objectType: string; objectId: string; from: string; to: string };

export function AuditPage({ ctx, entries, filter, nextHref }: { ctx: PageContext; entries: AuditListItem[]; filter: AuditFilterValues; nextHref: string | undefined }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('audit.title')}>
      <AdminNav ctx={ctx} current="/admin/audit" />
      <PageHeading lead={t('audit.lead')}>{t('audit.title')}</PageHeading>
      <form method="get" action="/admin/audit" class="filters" aria-label={t('audit.filtersLabel')}>
        <div class="field">
          <label for="action">{t('audit.colAction')}</label>
          <select id="action" name="action">
            <option value="">{t('audit.anyAction')}</option>
            {auditActions.map((action) => (
              <option key={action} value={action} selected={filter.action === action}>
                {t(`audit.action.${action}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="objectType">{t('audit.colObject')}</label>
          <select id="objectType" name="objectType">
            <option value="">{t('audit.anyObject')}</option>
            {auditObjectTypes.map((type) => (
              <option key={type} value={type} selected={filter.objectType === type}>
                {t(`audit.object.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="objectId">{t('audit.objectId')}</label>
          <input id="objectId" name="objectId" value={filter.objectId} maxLength={60} />
        </div>
        <div class="field">
          <label for="actor">{t('audit.actorId')}</label>
          <input id="actor" name="actor" value={filter.actor} inputMode="numeric" maxLength={10} />
        </div>
        <div class="field">
          <label for="from">{t('audit.from')}</label>
          <input id="from" name="from" type="date" value={filter.from} />
        </div>
        <div class="field">
          <label for="to">{t('audit.to')}</label>
          <input id="to" name="to" type="date" value={filter.to} />
        </div>
        <button type="submit" class="button">
          {t('common.search')}
        </button>
      </form>
      <AuditTable ctx={ctx} entries={entries} />
      {nextHref && (
        <nav class="pagination" aria-label={t('audit.pagination')}>
          <a href={nextHref} rel="next">
            {t('audit.older')} →
          </a>
        </nav>
      )}
    </Layout>
  );
}

function UserStatus({ ctx, user }: { ctx: PageContext; user: UserForAdmin['user'] }) {
  const { t } = ctx;
  if (user.deleted_at) return <>{t('admin.statusDeleted', { date: formatDateTime(ctx.locale, user.deleted_at) })}</>;
  if (user.blocked_at) return <>{t('admin.statusBlockedSince', { date: formatDateTime(ctx.locale, user.blocked_at) })}</>;
  return <>{user.email_verified_at ? t('admin.statusActive') : t('admin.statusUnverified')}</>;
}

function OrderRows({ ctx, orders, caption }: { ctx: PageContext; orders: OrderListItem[]; caption: string }) {
  const { t } = ctx;
  if (orders.length === 0) return null;
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.colOrder')}</th>
            <th scope="col">{t('admin.colTitle')}</th>
            <th scope="col">{t('orders.statusLabel')}</th>
            <th scope="col">{t('orders.amount')}</th>
            <th scope="col">{t('admin.colCreated')}</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id}>
              <td>
                <a href={`/orders/${order.id}`}>#{order.id}</a>
              </td>
              <td>{order.title}</td>
              <td>
                <OrderStatus ctx={ctx} status={order.status} />
              </td>
              <td class="price">{formatMoney(ctx.locale, order.amountCents)}</td>
              <td>{formatDateTime(ctx.locale, order.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One account for staff: who, status, roles, what can be done to it, and its history. */
export function UserAdminPage({ ctx, detail, values, errors = {}, general }: { ctx: PageContext; detail: UserForAdmin } & FormState) {
  const { t } = ctx;
  const actor = ctx.actor as Actor;
  const { user, roles } = detail;
  const target = { id: user.id, roles };
  const mayBlock = !user.deleted_at && accountActionRefusal(actor, target, user.blocked_at ? 'unblock' : 'block') === undefined;
  const mayChangeRoles = !user.deleted_at && accountActionRefusal(actor, target, 'grant') === undefined;
  const selfNote = actor.id === user.id;
  return (
    <Layout ctx={ctx} title={user.name}>
      <AdminNav ctx={ctx} current="/admin/users" />
      <p>
        <a href="/admin/users">← {t('admin.usersTitle')}</a>
      </p>
      <PageHeading lead={user.email}>{user.name}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title">{t('admin.accountTitle')}</h2>
        <dl class="meta-list">
          <dt>{t('admin.colStatus')}</dt>
          <dd>
            <UserStatus ctx={ctx} user={user} />
          </dd>
          <dt>{t('admin.colRoles')}</dt>
          <dd>{['customer' as const, ...roles].map((role) => t(`roles.${role}`)).join(', ')}</dd>
          <dt>{t('auth.phone')}</dt>
          <dd>{user.phone ?? t('common.none')}</dd>
          <dt>{t('account.languageLabel')}</dt>
          <dd>{user.locale === 'en' ? 'English' : 'Eesti'}</dd>
          <dt>{t('admin.colCreated')}</dt>
          <dd>{formatDateTime(ctx.locale, user.created_at)}</dd>
          <dt>{t('admin.sessions')}</dt>
          <dd>
            {detail.sessions.count === 0
              ? t('admin.noSessions')
              : t('admin.sessionsLine', { count: detail.sessions.count, date: formatDateTime(ctx.locale, detail.sessions.lastSeenAt ?? user.created_at) })}
          </dd>
          {detail.expertProfile && (
            <>
              <dt>{t('roles.expert')}</dt>
              <dd>
                <a href={`/experts/${user.id}`}>{detail.expertProfile.displayName}</a>
                {!detail.expertProfile.isActive && <> ({t('admin.profileHidden')})</>}
                {hasRole(actor, 'admin') && (
                  <>
                    {' · '}
                    <a href={`/experts/${user.id}/edit`}>{t('admin.editProfile')}</a>
                  </>
                )}
              </dd>
            </>
          )}
          {detail.application && (
            <>
              <dt>{t('review.queueTitle')}</dt>
              <dd>
                <a href={`/admin/expert-applications/${detail.application.id}`}>{t(`application.status_${detail.application.status}` as MessageKey)}</a>
              </dd>
            </>
          )}
        </dl>
      </section>
      {selfNote && <p class="notice">{t('admin.selfNote')}</p>}
      {mayBlock && (
        <section class="card" aria-labelledby="block-title">
          <h2 id="block-title">{user.blocked_at ? t('admin.unblockTitle') : t('admin.blockTitle')}</h2>
          {user.blocked_at ? (
            <form method="post" action={`/admin/users/${user.id}/unblock`} class="form">
              <CsrfInput ctx={ctx} />
              <p>{t('admin.unblockHint')}</p>
              <button type="submit" class="button">
                {t('admin.unblockButton')}
              </button>
            </form>
          ) : (
            <form method="post" action={`/admin/users/${user.id}/block`} class="form" novalidate>
              <CsrfInput ctx={ctx} />
              <TextArea ctx={ctx} name="reason" label="admin.blockReason" hint="admin.blockHint" values={values ?? {}} errors={errors} maxLength={1000} rows={3} />
              <button type="submit" class="button button-danger">
                {t('admin.blockButton')}
              </button>
            </form>
          )}
        </section>
      )}
      {mayChangeRoles && (
        <section class="card" aria-labelledby="roles-title">
          <h2 id="roles-title">{t('admin.rolesTitle')}</h2>
          <p class="hint">{t('admin.rolesHint')}</p>
          <ul class="plain-list">
            {(['moderator', 'admin'] as const).map((role) => {
              const isHeld = roles.includes(role);
              return (
                <li key={role}>
                  <form method="post" action={`/admin/users/${user.id}/roles`} class="inline-form">
                    <CsrfInput ctx={ctx} />
                    <input type="hidden" name="role" value={role} />
                    <input type="hidden" name="grant" value={isHeld ? 'no' : 'yes'} />
                    <button type="submit" class={isHeld ? 'button button-secondary' : 'button'}>
                      {t(isHeld ? 'admin.revokeRole' : 'admin.grantRole', { role: t(`roles.${role}`) })}
                    </button>
                  </form>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">{t('admin.historyTitle')}</h2>
        {detail.inquiries.total === 0 && detail.ordersAsCustomer.length === 0 && detail.ordersAsExpert.length === 0 && <p>{t('admin.noHistory')}</p>}
        {detail.inquiries.items.length > 0 && (
          <div class="table-wrap">
            <table>
              <caption>{t('admin.inquiriesCaption', { count: detail.inquiries.total })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('admin.colTitle')}</th>
                  <th scope="col">{t('inquiries.statusLabel')}</th>
                  <th scope="col">{t('admin.colCreated')}</th>
                </tr>
              </thead>
              <tbody>
                {detail.inquiries.items.map((inquiry) => (
                  <tr key={inquiry.id}>
                    <td>
                      <a href={`/inquiries/${inquiry.id}`}>{inquiry.title}</a>
                    </td>
                    <td>
                      <StatusBadge ctx={ctx} kind="inquiry" status={inquiry.status} />
                    </td>
                    <td>{formatDateTime(ctx.locale, inquiry.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <OrderRows ctx={ctx} orders={detail.ordersAsCustomer} caption={t('admin.ordersAsCustomer')} />
        <OrderRows ctx={ctx} orders={detail.ordersAsExpert} caption={t('admin.ordersAsExpert')} />
      </section>
      <section class="card" aria-labelledby="user-audit-title">
        <h2 id="user-audit-title">{t('admin.auditTitle')}</h2>
        <AuditTable ctx={ctx} entries={detail.audit} showObject={false} />
        {hasRole(actor, 'admin') && (
          <p>
            <a href={`/admin/audit?actor=${user.id}`}>{t('admin.actionsByUser')}</a>
          </p>
        )}
      </section>
    </Layout>
  );
}

/** How each setting is asked for on the form: its input name, label, hint and type. */
const settingFields: { key: SettingKey; name: string; type: 'number' | 'email' | 'text' | 'tel' }[] = [
  { key: 'randomInvitations', name: 'randomInvitations', type: 'number' },
  { key: 'inquiriesPerDay', name: 'inquiriesPerDay', type: 'number' },
  { key: 'portalFeeBasisPoints', name: 'portalFeePercent', type: 'text' },
  { key: 'autoAcceptDays', name: 'autoAcceptDays', type: 'number' },
  { key: 'paymentTimeoutMinutes', name: 'paymentTimeoutMinutes', type: 'number' },
  { key: 'maxFileMegabytes', name: 'maxFileMegabytes', type: 'number' },
  { key: 'maxFilesPerMessage', name: 'maxFilesPerMessage', type: 'number' },
  { key: 'supportEmail', name: 'supportEmail', type: 'email' },
  { key: 'supportPhone', name: 'supportPhone', type: 'tel' },
  { key: 'supportSkype', name: 'supportSkype', type: 'text' },
];

/** The form name of a setting (the fee is typed as a percentage). */
export function settingInputName(key: SettingKey): string {
  return settingFields.find((f) => f.key === key)?.name ?? key;
}

/** A numeric setting's bounds as the form shows them (the fee in percent); none for texts. */
function rangeOf(key: SettingKey): Record<string, number> {
  const rule = settingRules[key];
  if (rule.kind !== 'integer') return {};
  return key === 'portalFeeBasisPoints' ? { min: rule.min / 100, max: rule.max / 100 } : { min: rule.min, max: rule.max };
}

export function SettingsPage({ ctx, values, history, errors: rawErrors = {}, general }: { ctx: PageContext; values: FormValues; history: AuditListItem[] } & FormState) {
  const { t } = ctx;
  // Each message carries its field's bounds, for the summary at the top as well as at the field.
  const errors = Object.fromEntries(
    Object.entries(rawErrors).map(([name, error]) => {
      const field = settingFields.find((f) => f.name === name);
      return [name, { ...error, params: { ...(field ? rangeOf(field.key) : {}), ...error.params } }];
    }),
  );
  const groups: { title: MessageKey; keys: SettingKey[] }[] = [
    { title: 'settings.groupInquiries', keys: ['randomInvitations', 'inquiriesPerDay'] },
    { title: 'settings.groupMoney', keys: ['portalFeeBasisPoints', 'paymentTimeoutMinutes', 'autoAcceptDays'] },
    { title: 'settings.groupFiles', keys: ['maxFileMegabytes', 'maxFilesPerMessage'] },
    { title: 'settings.groupSupport', keys: ['supportEmail', 'supportPhone', 'supportSkype'] },
  ];
  return (
    <Layout ctx={ctx} title={t('settings.title')}>
      <AdminNav ctx={ctx} current="/admin/settings" />
      <PageHeading lead={t('settings.lead')}>{t('settings.title')}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action="/admin/settings" class="form" novalidate>
        <CsrfInput ctx={ctx} />
        {groups.map((group) => (
          <fieldset key={group.title} class="form-section">
            <legend>{t(group.title)}</legend>
            {group.keys.map((key) => {
              const field = settingFields.find((f) => f.key === key)!;
              const rule = settingRules[key];
              const hint = `settings.hint.${key}` as MessageKey;
              const range = rangeOf(key);
              return (
                <div key={key} class={errors[field.name] ? 'field field-error' : 'field'}>
                  <label for={field.name}>
                    {t(`settings.label.${key}` as MessageKey)}
                    {rule.kind === 'text' && !rule.isRequired && <span class="muted"> {t('common.optional')}</span>}
                  </label>
                  <p class="hint" id={`${field.name}-hint`}>
                    {t(hint, range)}
                  </p>
                  {errors[field.name] && (
                    <p class="error-message" id={`${field.name}-error`}>
                      {t(errors[field.name]!.key, errors[field.name]!.params)}
                    </p>
                  )}
                  <input
                    id={field.name}
                    name={field.name}
                    type={field.type}
                    value={values[field.name] ?? ''}
                    inputMode={field.type === 'text' && key === 'portalFeeBasisPoints' ? 'decimal' : undefined}
                    min={field.type === 'number' ? range['min'] : undefined}
                    max={field.type === 'number' ? range['max'] : undefined}
                    maxLength={rule.kind === 'text' ? rule.maxLength : 10}
                    aria-invalid={errors[field.name] ? 'true' : undefined}
                    aria-describedby={[`${field.name}-hint`, errors[field.name] ? `${field.name}-error` : ''].filter(Boolean).join(' ')}
                  />
                </div>
              );
            })}
          </fieldset>
        ))}
        <button type="submit" class="button">
          {t('common.save')}
        </button>
      </form>
      <section class="card" aria-labelledby="settings-history">
        <h2 id="settings-history">{t('settings.historyTitle')}</h2>
        <AuditTable ctx={ctx} entries={history} />
      </section>
    </Layout>
  );
}

export function OrdersAdminPage({
  ctx,
  items,
  total,
  page,
  pages,
  status,
}: {
  ctx: PageContext;
  items: StaffOrderItem[];
  total: number;
  page: number;
  pages: number;
  status: string;
}) {
  const { t } = ctx;
  const hrefFor = (p: number) => `/admin/orders?${new URLSearchParams({ ...(status ? { status } : {}), page: String(p) }).toString()}`;
  return (
    <Layout ctx={ctx} title={t('adminOrders.title')}>
      <AdminNav ctx={ctx} current="/admin/orders" />
      <PageHeading lead={t('adminOrders.total', { count: total })}>{t('adminOrders.title')}</PageHeading>
      <form method="get" action="/admin/orders" class="filters" aria-label={t('adminOrders.filtersLabel')}>
        <div class="field">
          <label for="status">{t('orders.statusLabel')}</label>
          <select id="status" name="status">
            <option value="">{t('adminOrders.anyStatus')}</option>
            {orderStatuses.map((s) => (
              <option key={s} value={s} selected={s === status}>
                {t(`orders.status_${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="id">{t('adminOrders.goTo')}</label>
          <input id="id" name="id" inputMode="numeric" maxLength={10} />
        </div>
        <button type="submit" class="button">
          {t('common.search')}
        </button>
      </form>
      <p>
        <a href="/admin/ledger">{t('adminOrders.ledgerLink')}</a>
      </p>
      {items.length === 0 ? (
        <p>{t('adminOrders.empty')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('admin.colOrder')}</th>
                <th scope="col">{t('admin.colTitle')}</th>
                <th scope="col">{t('adminOrders.customer')}</th>
                <th scope="col">{t('adminOrders.expert')}</th>
                <th scope="col">{t('orders.amount')}</th>
                <th scope="col">{t('orders.statusLabel')}</th>
                <th scope="col">{t('admin.colCreated')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((order) => (
                <tr key={order.id}>
                  <td>
                    <a href={`/orders/${order.id}`}>#{order.id}</a>
                  </td>
                  <td>{order.title}</td>
                  <td>
                    <a href={`/admin/users/${order.customer.id}`}>{order.customer.name}</a>
                  </td>
                  <td>
                    <a href={`/admin/users/${order.expert.id}`}>{order.expert.name}</a>
                  </td>
                  <td class="price">{formatMoney(ctx.locale, order.amountCents)}</td>
                  <td>
                    <OrderStatus ctx={ctx} status={order.status} />
                  </td>
                  <td>{formatDateTime(ctx.locale, order.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination ctx={ctx} page={page} pages={pages} hrefFor={hrefFor} />
    </Layout>
  );
}
