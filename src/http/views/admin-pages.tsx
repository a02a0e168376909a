import { h } from '../jsx.js';
import type { OutboxEmailRow } from '../../db/schema.js';
import type { OutboxListItem } from '../../db/repositories/outbox-repository.js';
import { userListFilters, type UserListFilter, type UserListItem } from '../../db/repositories/user-repository.js';
import { formatDateTime } from '../../i18n/format.js';
import type { PageContext } from '../context.js';
import { PageHeading, Pagination } from './components.js';
import { Layout } from './layout.js';

/** The back office's pages the signed-in staff member may open, in menu order. */
export function backOfficeLinks(ctx: PageContext): { href: string; label: string }[] {
  const { t, actor } = ctx;
  return [
    { href: '/admin', label: t('admin.navDashboard') },
    { href: '/admin/expert-applications', label: t('review.queueTitle') },
    { href: '/admin/triage', label: t('triage.title') },
    { href: '/admin/users', label: t('admin.usersTitle') },
    { href: '/admin/orders', label: t('adminOrders.title') },
    { href: '/admin/ledger', label: t('ledger.title') },
    ...(actor?.roles.includes('admin')
      ? [
          { href: '/admin/fields', label: t('fieldAdmin.title') },
          { href: '/admin/document-types', label: t('documentTypeAdmin.title') },
          { href: '/admin/settings', label: t('settings.title') },
          { href: '/admin/audit', label: t('audit.title') },
          { href: '/sent-emails', label: t('sentEmails.title') },
        ]
      : []),
  ];
}

/** The back office's own menu, shown at the top of every admin page. */
export function AdminNav({ ctx, current }: { ctx: PageContext; current: string }) {
  const { t } = ctx;
  const links = backOfficeLinks(ctx);
  return (
    <nav class="admin-nav" aria-label={t('admin.title')}>
      <ul>
        {links.map((link) => (
          <li key={link.href}>
            <a href={link.href} aria-current={link.href === current ? 'page' : undefined}>
              {link.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function UsersPage({
  ctx,
  items,
  total,
  page,
  pages,
  search,
  filter,
}: {
  ctx: PageContext;
  items: UserListItem[];
  total: number;
  page: number;
  pages: number;
  search: string;
  filter: UserListFilter;
}) {
  const { t } = ctx;
  const hrefFor = (p: number) =>
    `/admin/users?${new URLSearchParams({ ...(search ? { q: search } : {}), ...(filter !== 'all' ? { filter } : {}), page: String(p) }).toString()}`;
  return (
    <Layout ctx={ctx} title={t('admin.usersTitle')}>
      <AdminNav ctx={ctx} current="/admin/users" />
      <PageHeading lead={t('admin.usersTotal', { count: total })}>{t('admin.usersTitle')}</PageHeading>
      <form method="get" action="/admin/users" class="search-form" role="search">
        <label for="q">{t('admin.searchLabel')}</label>
        <input id="q" name="q" type="search" value={search} maxLength={100} />
        <label for="filter">{t('admin.filterLabel')}</label>
        <select id="filter" name="filter">
          {userListFilters.map((value) => (
            <option key={value} value={value} selected={value === filter}>
              {t(`admin.filter_${value}`)}
            </option>
          ))}
        </select>
        <button type="submit" class="button">
          {t('common.search')}
        </button>
      </form>
      {items.length === 0 ? (
        <p>{t('admin.noUsers')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('admin.colName')}</th>
                <th scope="col">{t('admin.colEmail')}</th>
                <th scope="col">{t('admin.colRoles')}</th>
                <th scope="col">{t('admin.colStatus')}</th>
                <th scope="col">{t('admin.colCreated')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((user) => (
                <tr key={user.id}>
                  <td>
                    <a href={`/admin/users/${user.id}`}>{user.name}</a>
                  </td>
                  <td>{user.email}</td>
                  <td>{['customer' as const, ...user.roles].map((role) => t(`roles.${role}`)).join(', ')}</td>
                  <td>
                    {user.deleted_at
                      ? t('admin.statusDeletedShort')
                      : user.blocked_at
                      ? t('admin.statusBlocked')
                      : user.email_verified_at
                        ? t('admin.statusActive')
                        : t('admin.statusUnverified')}
                  </td>
                  <td>{formatDateTime(ctx.locale, user.created_at)}</td>
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

export function SentEmailsPage({ ctx, items, page, pages }: { ctx: PageContext; items: OutboxListItem[]; page: number; pages: number }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('sentEmails.title')}>
      {ctx.actor?.roles.includes('admin') && <AdminNav ctx={ctx} current="/sent-emails" />}
      <PageHeading lead={t('sentEmails.lead')}>{t('sentEmails.title')}</PageHeading>
      {items.length === 0 ? (
        <p>{t('sentEmails.empty')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('sentEmails.colCreated')}</th>
                <th scope="col">{t('sentEmails.colTo')}</th>
                <th scope="col">{t('sentEmails.colSubject')}</th>
                <th scope="col">{t('sentEmails.colStatus')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((email) => (
                <tr key={email.id}>
                  <td>{formatDateTime(ctx.locale, email.created_at)}</td>
                  <td>{email.to_address}</td>
                  <td>
                    <a href={`/sent-emails/${email.id}`}>{email.subject}</a>
                  </td>
                  <td>{t(`sentEmails.status_${email.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination ctx={ctx} page={page} pages={pages} hrefFor={(p) => `/sent-emails?page=${p}`} />
    </Layout>
  );
}

export function SentEmailPage({ ctx, email }: { ctx: PageContext; email: OutboxEmailRow }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={email.subject}>
      <p>
        <a href="/sent-emails">← {t('sentEmails.title')}</a>
      </p>
      <PageHeading>{email.subject}</PageHeading>
      <dl class="meta-list">
        <dt>{t('sentEmails.colTo')}</dt>
        <dd>{email.to_name ? `${email.to_name} <${email.to_address}>` : email.to_address}</dd>
        <dt>{t('sentEmails.colStatus')}</dt>
        <dd>{t(`sentEmails.status_${email.status}`)}</dd>
        <dt>{t('sentEmails.colCreated')}</dt>
        <dd>{formatDateTime(ctx.locale, email.created_at)}</dd>
        <dt>Message-ID</dt>
        <dd>
          <code>{email.message_id}</code>
        </dd>
      </dl>
      {email.last_error && <p class="notice">{t('sentEmails.lastError', { error: email.last_error })}</p>}
      <h2>{t('sentEmails.textVersion')}</h2>
      <pre class="email-text" data-testid="email-text">
        {email.text_body}
      </pre>
      <h2>{t('sentEmails.htmlVersion')}</h2>
      <iframe class="email-html" src={`/sent-emails/${email.id}/html`} title={t('sentEmails.htmlVersion')} sandbox="" />
    </Layout>
  );
}
