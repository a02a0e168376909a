import { h, Fragment } from '../jsx.js';
import type { CustomerInquiryItem, ExpertInvitationItem } from '../../db/repositories/inquiry-repository.js';
import { formatDate } from '../../i18n/format.js';
import type { PageContext } from '../context.js';
import { PageHeading } from './components.js';
import { backOfficeLinks } from './admin-pages.js';
import { ExpertAgenda, StatusBadge } from './inquiry-pages.js';
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

export type ExpertAgendaView = { fresh: ExpertInvitationItem[]; waiting: ExpertInvitationItem[]; freshTotal: number };

/** What My menu shows about the user's expert side: their profile's leave, or an open application. */
export type ExpertStatus =
  | { kind: 'expert'; isOnLeave: boolean; leaveUntil: string | null }
  | { kind: 'application'; status: 'submitted' | 'needs_info' }
  | undefined;

export function MyMenuPage({
  ctx,
  expertStatus,
  agenda,
  inquiries,
}: {
  ctx: PageContext;
  expertStatus: ExpertStatus;
  agenda: ExpertAgendaView | undefined;
  inquiries: { items: CustomerInquiryItem[]; total: number };
}) {
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
          {agenda && <ExpertAgenda ctx={ctx} agenda={agenda} />}
          <ul>
            <li>
              <a href="/e-consultations">{t('consultations.title')}</a>
            </li>
            <li>
              <a href="/orders">{t('orders.myTitle')}</a>
            </li>
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
        {inquiries.items.length === 0 ? (
          <p>{t('myMenu.customerEmpty')}</p>
        ) : (
          <>
            <ul class="plain-list inquiry-summary-list">
              {inquiries.items.map((item) => (
                <li key={item.id}>
                  <a href={`/inquiries/${item.id}`}>{item.title}</a> <StatusBadge ctx={ctx} kind="inquiry" status={item.status} />
                  {item.offerCount > 0 && <span class="muted"> · {t('myMenu.offerCount', { count: item.offerCount })}</span>}
                  {item.waitingQuestionCount > 0 && <span class="attention"> · {t('inquiries.questionsWaiting', { count: item.waitingQuestionCount })}</span>}
                </li>
              ))}
            </ul>
            <p>
              <a href="/inquiries">{t('myMenu.allInquiries', { count: inquiries.total })}</a> · <a href="/orders">{t('orders.myTitle')}</a>
            </p>
          </>
        )}
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
            {backOfficeLinks(ctx).map((link) => (
              <li key={link.href}>
                <a href={link.href}>{link.label}</a>
              </li>
            ))}
            {ctx.isSentEmailOpen && !actor.roles.includes('admin') && (
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
