import { h } from '../jsx.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from '../context.js';
import { CsrfInput, ErrorSummary, Field, PageHeading, type FieldError, type FieldErrors, type FormValues } from './components.js';
import { Layout } from './layout.js';

export type FormState = { values?: FormValues; errors?: FieldErrors; general?: FieldError | undefined };

export function RegisterPage({ ctx, values, errors = {}, general }: { ctx: PageContext } & FormState) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('auth.registerTitle')}>
      <PageHeading lead={t('auth.registerLead')}>{t('auth.registerTitle')}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action="/register" class="form" novalidate>
        <CsrfInput ctx={ctx} />
        <Field ctx={ctx} name="name" label="auth.name" hint="auth.nameHint" autocomplete="name" values={values} errors={errors} maxLength={200} />
        <Field ctx={ctx} name="email" label="auth.email" hint="auth.emailHint" type="email" autocomplete="email" values={values} errors={errors} maxLength={254} />
        <Field ctx={ctx} name="phone" label="auth.phone" hint="auth.phoneHint" type="tel" autocomplete="tel" values={values} errors={errors} isRequired={false} maxLength={40} />
        <Field ctx={ctx} name="password" label="auth.password" hint="auth.passwordHint" type="password" autocomplete="new-password" errors={errors} />
        <Field ctx={ctx} name="passwordRepeat" label="auth.passwordRepeat" type="password" autocomplete="new-password" errors={errors} />
        <button type="submit" class="button">
          {t('auth.registerButton')}
        </button>
      </form>
      <p>
        {t('auth.haveAccount')} <a href="/login">{t('nav.login')}</a>
      </p>
    </Layout>
  );
}

/** A page that only tells something, with optional links onward. */
export function MessagePage({
  ctx,
  title,
  body,
  links = [],
  showDevMailHint = false,
}: {
  ctx: PageContext;
  title: string;
  body: string;
  links?: { href: string; label: MessageKey }[];
  showDevMailHint?: boolean;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={title}>
      <PageHeading>{title}</PageHeading>
      <p class="lead">{body}</p>
      {showDevMailHint && ctx.isSentEmailOpen && (
        <p class="notice">
          {t('auth.devMailHint')} <a href="/sent-emails">{t('sentEmails.title')}</a>
        </p>
      )}
      {links.length > 0 && (
        <p class="actions">
          {links.map((link) => (
            <a key={link.href} class="button" href={link.href}>
              {t(link.label)}
            </a>
          ))}
        </p>
      )}
    </Layout>
  );
}

/** The page a single-use link opens: one button that does the change (GET never changes state). */
export function ConfirmTokenPage({
  ctx,
  title,
  lead,
  action,
  token,
  button,
}: {
  ctx: PageContext;
  title: string;
  lead: string;
  action: string;
  token: string;
  button: MessageKey;
}) {
  return (
    <Layout ctx={ctx} title={title}>
      <PageHeading lead={lead}>{title}</PageHeading>
      <form method="post" action={action} class="form">
        <CsrfInput ctx={ctx} />
        <input type="hidden" name="token" value={token} />
        <button type="submit" class="button">
          {ctx.t(button)}
        </button>
      </form>
    </Layout>
  );
}

export function LoginPage({ ctx, values, errors = {}, general, showResend = false, next }: { ctx: PageContext; showResend?: boolean; next?: string | undefined } & FormState) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('auth.loginTitle')}>
      <PageHeading>{t('auth.loginTitle')}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      {showResend && (
        <p class="notice">
          {t('auth.notVerified')} <a href="/verify-email/resend">{t('auth.resendLink')}</a>
        </p>
      )}
      <form method="post" action="/login" class="form" novalidate>
        <CsrfInput ctx={ctx} />
        {next && <input type="hidden" name="next" value={next} />}
        <Field ctx={ctx} name="email" label="auth.email" type="email" autocomplete="username" values={values} errors={errors} maxLength={254} />
        <Field ctx={ctx} name="password" label="auth.password" type="password" autocomplete="current-password" errors={errors} />
        <button type="submit" class="button">
          {t('auth.loginButton')}
        </button>
      </form>
      <p>
        <a href="/password/forgot">{t('auth.forgotLink')}</a>
      </p>
      <p>
        {t('auth.noAccount')} <a href="/register">{t('nav.register')}</a>
      </p>
    </Layout>
  );
}

/** A one-field form asking for an e-mail address (forgotten password, resend link). */
export function EmailRequestPage({
  ctx,
  title,
  lead,
  action,
  button,
  values,
  errors = {},
  general,
}: { ctx: PageContext; title: MessageKey; lead: MessageKey; action: string; button: MessageKey } & FormState) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t(title)}>
      <PageHeading lead={t(lead)}>{t(title)}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action={action} class="form" novalidate>
        <CsrfInput ctx={ctx} />
        <Field ctx={ctx} name="email" label="auth.email" type="email" autocomplete="email" values={values} errors={errors} maxLength={254} />
        <button type="submit" class="button">
          {t(button)}
        </button>
      </form>
    </Layout>
  );
}

export function ResetPasswordPage({ ctx, token, errors = {}, general }: { ctx: PageContext; token: string } & FormState) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('auth.resetTitle')}>
      <PageHeading lead={t('auth.resetLead')}>{t('auth.resetTitle')}</PageHeading>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action="/password/reset" class="form" novalidate>
        <CsrfInput ctx={ctx} />
        <input type="hidden" name="token" value={token} />
        <Field ctx={ctx} name="password" label="auth.password" hint="auth.passwordHint" type="password" autocomplete="new-password" errors={errors} />
        <Field ctx={ctx} name="passwordRepeat" label="auth.passwordRepeat" type="password" autocomplete="new-password" errors={errors} />
        <button type="submit" class="button">
          {t('auth.resetButton')}
        </button>
      </form>
    </Layout>
  );
}
