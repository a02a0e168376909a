import { formatDate } from '../../i18n/format.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from '../context.js';
import { PageHeading } from './components.js';
import { Layout } from './layout.js';

export function HomePage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('home.title')}>
      <section class="hero">
        <h1>{t('home.title')}</h1>
        <p class="lead">{t('home.lead')}</p>
        <p class="actions">
          <a class="button" href="/order/consultation">
            {t('home.ctaConsultation')}
          </a>
          <a class="button button-secondary" href="/order/document">
            {t('home.ctaDocument')}
          </a>
        </p>
      </section>
      <section>
        <h2>{t('home.stepsTitle')}</h2>
        <ol class="steps">
          <li>{t('home.step1')}</li>
          <li>{t('home.step2')}</li>
          <li>{t('home.step3')}</li>
          <li>{t('home.step4')}</li>
        </ol>
        <p>
          <a href="/become-expert">{t('home.ctaExpert')}</a>
        </p>
      </section>
    </Layout>
  );
}

/** A page of the menu whose flow opens in a later release: what it is for, and whom to ask meanwhile. */
export function InfoPage({ ctx, titleKey, leadKey }: { ctx: PageContext; titleKey: MessageKey; leadKey: MessageKey }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t(titleKey)}>
      <PageHeading lead={t(leadKey)}>{t(titleKey)}</PageHeading>
      <p class="notice">{t('info.opensSoon', { email: ctx.support.email })}</p>
      {!ctx.actor && (
        <p>
          {t('info.signInFirst')} <a href="/login">{t('nav.login')}</a> · <a href="/register">{t('nav.register')}</a>
        </p>
      )}
    </Layout>
  );
}

/** What My menu shows about the user's expert side: their profile's leave, or an open application. */
export type ExpertStatus =
  | { kind: 'expert'; isOnLeave: boolean; leaveUntil: string | null }
  | { kind: 'application'; status: 'submitted' | 'needs_info' }
  | undefined;

export function MyMenuPage({ ctx, expertStatus }: { ctx: PageContext; expertStatus: ExpertStatus }) {
  const { t } = ctx;
  const actor = ctx.actor;
  if (!actor) return null;
  const isExpert = actor.roles.includes('expert');
  const isStaff = actor.roles.includes('moderator') || actor.roles.includes('admin');
  return (
    <Layout ctx={ctx} title={t('myMenu.title')}>
      <PageHeading lead={t('myMenu.greeting', { name: actor.name })}>{t('myMenu.title')}</PageHeading>
      {isExpert && (
        <section class="card">
          <h2>{t('myMenu.expertTitle')}</h2>
          {expertStatus?.kind === 'expert' && expertStatus.isOnLeave && (
            <p>
              <span class="badge-leave">
                {expertStatus.leaveUntil ? t('experts.onLeaveUntil', { date: formatDate(ctx.locale, expertStatus.leaveUntil) }) : t('experts.onLeave')}
              </span>
            </p>
          )}
          <p>{t('myMenu.expertEmpty')}</p>
          <ul>
            <li>
              <a href={`/experts/${actor.id}`}>{t('myMenu.expertProfileLink')}</a>
            </li>
            <li>
              <a href={`/experts/${actor.id}/edit`}>{t('myMenu.expertEditLink')}</a>
            </li>
          </ul>
        </section>
      )}
      {expertStatus?.kind === 'application' && (
        <section class="card">
          <h2>{t('nav.becomeExpert')}</h2>
          <p>{expertStatus.status === 'needs_info' ? t('myMenu.applicationNeedsInfo') : t('myMenu.applicationPending')}</p>
          <p>
            <a href="/become-expert">{t('myMenu.applicationLink')}</a>
          </p>
        </section>
      )}
      <section class="card">
        <h2>{t('myMenu.customerTitle')}</h2>
        <p>{t('myMenu.customerEmpty')}</p>
        <p class="actions">
          <a class="button" href="/order/consultation">
            {t('nav.orderConsultation')}
          </a>
          <a class="button button-secondary" href="/order/document">
            {t('nav.orderDocument')}
          </a>
        </p>
      </section>
      <section class="card">
        <h2>{t('myMenu.mailboxTitle')}</h2>
        <p>{t('myMenu.mailboxSummary', { count: ctx.unreadCount })}</p>
        <p>
          <a href="/mailbox">{t('myMenu.openMailbox')}</a>
        </p>
      </section>
      {isStaff && (
        <section class="card">
          <h2>{t('myMenu.staffTitle')}</h2>
          <ul>
            <li>
              <a href="/admin/expert-applications">{t('review.queueTitle')}</a>
            </li>
            <li>
              <a href="/admin/users">{t('admin.usersTitle')}</a>
            </li>
            {actor.roles.includes('admin') && (
              <li>
                <a href="/admin/fields">{t('fieldAdmin.title')}</a>
              </li>
            )}
            {(ctx.isDevelopment || actor.roles.includes('admin')) && (
              <li>
                <a href="/sent-emails">{t('sentEmails.title')}</a>
              </li>
            )}
          </ul>
        </section>
      )}
    </Layout>
  );
}
