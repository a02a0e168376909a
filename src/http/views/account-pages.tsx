import { h } from '../jsx.js';
import type { UserRow } from '../../db/schema.js';
import { formatDate } from '../../i18n/format.js';
import type { PageContext } from '../context.js';
import type { FormState } from './auth-pages.js';
import { CsrfInput, ErrorSummary, Field, PageHeading } from './components.js';
import { Layout } from './layout.js';

export type AccountView = Pick<UserRow, 'name' | 'email' | 'phone' | 'locale' | 'created_at'>;

export function AccountPage({ ctx, user, values, errors = {}, general }: { ctx: PageContext; user: AccountView } & FormState) {
  const { t } = ctx;
  const roles = ['customer' as const, ...(ctx.actor?.roles ?? [])];
  const formValues = values ?? { name: user.name, phone: user.phone ?? '' };
  return (
    <Layout ctx={ctx} title={t('account.title')}>
      <PageHeading lead={t('account.memberSince', { date: formatDate(ctx.locale, user.created_at) })}>{t('account.title')}</PageHeading>
      <section class="card">
        <h2>{t('account.profileTitle')}</h2>
        <ErrorSummary ctx={ctx} errors={errors} general={general} />
        <form method="post" action="/account/profile" class="form" novalidate>
          <CsrfInput ctx={ctx} />
          <Field ctx={ctx} name="name" label="auth.name" autocomplete="name" values={formValues} errors={errors} maxLength={200} />
          <Field ctx={ctx} name="phone" label="auth.phone" hint="auth.phoneHint" type="tel" autocomplete="tel" values={formValues} errors={errors} isRequired={false} maxLength={40} />
          <button type="submit" class="button">
            {t('common.save')}
          </button>
        </form>
      </section>
      <section class="card">
        <h2>{t('account.languageTitle')}</h2>
        <form method="post" action="/language" class="form">
          <CsrfInput ctx={ctx} />
          <input type="hidden" name="returnTo" value="/account" />
          <div class="field">
            <label for="lang">{t('account.languageLabel')}</label>
            <select id="lang" name="lang">
              <option value="et" selected={user.locale === 'et'} lang="et">
                Eesti
              </option>
              <option value="en" selected={user.locale === 'en'} lang="en">
                English
              </option>
            </select>
          </div>
          <button type="submit" class="button">
            {t('common.save')}
          </button>
        </form>
      </section>
      <section class="card">
        <h2>{t('account.securityTitle')}</h2>
        <p>{t('account.currentEmail', { email: user.email })}</p>
        <ul>
          <li>
            <a href="/account/password">{t('account.changePassword')}</a>
          </li>
          <li>
            <a href="/account/email">{t('account.changeEmail')}</a>
          </li>
        </ul>
        <h3>{t('account.roles')}</h3>
        <ul>
          {roles.map((role) => (
            <li key={role}>{t(`roles.${role}`)}</li>
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="privacy-title">
        <h2 id="privacy-title">{t('privacy.title')}</h2>
        <p>{t('privacy.lead')}</p>
        <ul>
          <li>
            <a href="/account/data.json" download>
              {t('privacy.download')}
            </a>
          </li>
          <li>
            <a href="/account/delete">{t('privacy.deleteLink')}</a>
          </li>
        </ul>
      </section>
    </Layout>
  );
}

export function ChangePasswordPage({ ctx, errors = {}, general }: { ctx: PageContext } & FormState) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('account.changePassword')}>
      <PageHeading>{t('account.changePassword')}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action="/account/password" class="form" novalidate>
        <CsrfInput ctx={ctx} />
        <Field ctx={ctx} name="currentPassword" label="account.currentPassword" hint="account.currentPasswordHint" type="password" autocomplete="current-password" errors={errors} />
        <Field ctx={ctx} name="newPassword" label="account.newPassword" hint="auth.passwordHint" type="password" autocomplete="new-password" errors={errors} />
        <Field ctx={ctx} name="newPasswordRepeat" label="account.newPasswordRepeat" type="password" autocomplete="new-password" errors={errors} />
        <button type="submit" class="button">
          {t('account.changePassword')}
        </button>
        <a href="/account" class="button button-secondary">
          {t('common.cancel')}
        </a>
      </form>
    </Layout>
  );
}

export function ChangeEmailPage({ ctx, currentEmail, values, errors = {}, general }: { ctx: PageContext; currentEmail: string } & FormState) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('account.changeEmail')}>
      <PageHeading lead={t('account.currentEmail', { email: currentEmail })}>{t('account.changeEmail')}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action="/account/email" class="form" novalidate>
        <CsrfInput ctx={ctx} />
        <Field ctx={ctx} name="newEmail" label="account.newEmail" type="email" autocomplete="email" values={values} errors={errors} maxLength={254} />
        <Field ctx={ctx} name="currentPassword" label="account.currentPassword" hint="account.currentPasswordHint" type="password" autocomplete="current-password" errors={errors} />
        <button type="submit" class="button">
          {t('account.changeEmail')}
        </button>
        <a href="/account" class="button button-secondary">
          {t('common.cancel')}
        </a>
      </form>
    </Layout>
  );
}

export type DeletionBlockersView = { liveOrders: number; openInquiries: number; activeOffers: number; pendingInvitations: number };

/** "Delete my account": what stays and what goes, what still stands in the way, and the password to confirm. */
export function DeleteAccountPage({ ctx, blockers, isAdmin, errors = {}, general }: { ctx: PageContext; blockers: DeletionBlockersView; isAdmin: boolean } & FormState) {
  const { t } = ctx;
  const pending = (
    [
      ['liveOrders', '/orders'],
      ['openInquiries', '/inquiries'],
      ['activeOffers', '/e-consultations?filter=offered'],
      ['pendingInvitations', '/e-consultations?filter=new'],
    ] as const
  ).filter(([key]) => blockers[key] > 0);
  return (
    <Layout ctx={ctx} title={t('privacy.deleteTitle')}>
      <p>
        <a href="/account">← {t('account.title')}</a>
      </p>
      <PageHeading lead={t('privacy.deleteLead')}>{t('privacy.deleteTitle')}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <section class="card">
        <h2>{t('privacy.whatGoesTitle')}</h2>
        <p>{t('privacy.whatGoes')}</p>
        <h2>{t('privacy.whatStaysTitle')}</h2>
        <p>{t('privacy.whatStays')}</p>
        <p>
          <a href="/account/data.json" download>
            {t('privacy.downloadFirst')}
          </a>
        </p>
      </section>
      {isAdmin ? (
        <p class="notice">{t('privacy.adminCannotDelete')}</p>
      ) : pending.length > 0 ? (
        <section class="card" aria-labelledby="blockers-title">
          <h2 id="blockers-title">{t('privacy.blockersTitle')}</h2>
          <ul>
            {pending.map(([key, href]) => (
              <li key={key}>
                <a href={href}>{t(`privacy.blocker_${key}`, { count: blockers[key] })}</a>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <form method="post" action="/account/delete" class="form" novalidate>
          <CsrfInput ctx={ctx} />
          <Field ctx={ctx} name="currentPassword" label="account.currentPassword" hint="privacy.passwordHint" type="password" autocomplete="current-password" errors={errors} />
          <button type="submit" class="button button-danger">
            {t('privacy.deleteButton')}
          </button>
          <a href="/account" class="button button-secondary">
            {t('common.cancel')}
          </a>
        </form>
      )}
    </Layout>
  );
}
