import { h, type Children } from '../jsx.js';
import type { Dashboard } from '../../db/repositories/dashboard-repository.js';
import type { Locale } from '../../domain/roles.js';
import { formatDate, formatMoney } from '../../i18n/format.js';
import type { PageContext } from '../context.js';
import { AdminNav } from './admin-pages.js';
import { BarChart, HorizontalBarChart, LineChart, type ChartCategory } from './charts.js';
import { PageHeading } from './components.js';
import { Layout } from './layout.js';

/** The periods offered in the form (any 4…26 works in the address). */
const periodChoices = [4, 8, 12, 26];
/** An e-mail waiting longer than this means the worker is not keeping up (it retries within minutes). */
const slowPendingMinutes = 30;

type NumberFormats = {
  integer: (value: number) => string;
  percent: (percent: number) => string;
  hours: (value: number) => string;
  euros: (cents: number) => string;
  shortDay: (day: string) => string;
};

const intlLocale: Record<Locale, string> = { et: 'et-EE', en: 'en-GB' };
const formatCache = new Map<Locale, Omit<NumberFormats, 'hours'> & { decimal: Intl.NumberFormat }>();

/** Numbers as the reader writes them (et: "1 234", "30%", "2,5"; en: "1,234", "30%", "2.5"). */
function numberFormats(ctx: PageContext): NumberFormats {
  let cached = formatCache.get(ctx.locale);
  if (!cached) {
    const tag = intlLocale[ctx.locale];
    const integer = new Intl.NumberFormat(tag, { maximumFractionDigits: 0 });
    const percent = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 0 });
    const euros = new Intl.NumberFormat(tag, { style: 'currency', currency: 'EUR', minimumFractionDigits: 0, maximumFractionDigits: 0 });
    // The Monday as a calendar date ("23.11", "23/11"): formatted in UTC so no time zone moves it to Sunday.
    const shortDay = new Intl.DateTimeFormat(tag, { day: '2-digit', month: '2-digit', timeZone: 'UTC' });
    cached = {
      integer: (value) => integer.format(value),
      percent: (value) => percent.format(value / 100),
      euros: (cents) => euros.format(cents / 100),
      shortDay: (day) => shortDay.format(new Date(`${day}T00:00:00.000Z`)),
      decimal: new Intl.NumberFormat(tag, { maximumFractionDigits: 1 }),
    };
    formatCache.set(ctx.locale, cached);
  }
  const { decimal, ...rest } = cached;
  return { ...rest, hours: (value) => ctx.t('dashboard.hours', { value: decimal.format(value) }) };
}

/** How long ago, in the largest whole unit that reads naturally. */
function ageText(ctx: PageContext, minutes: number): string {
  if (minutes < 60) return ctx.t('dashboard.ageMinutes', { count: Math.floor(minutes) });
  if (minutes < 48 * 60) return ctx.t('dashboard.ageHours', { count: Math.floor(minutes / 60) });
  return ctx.t('dashboard.ageDays', { count: Math.floor(minutes / (24 * 60)) });
}

function Stat({ label, value, link }: { label: string; value: string; link?: { href: string; text: string } | undefined }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd class="stat-value">{value}</dd>
      {link && (
        <dd class="stat-link">
          <a href={link.href}>{link.text}</a>
        </dd>
      )}
    </div>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: Children }) {
  return (
    <section class="card dashboard-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

export type DashboardPageProps = {
  ctx: PageContext;
  dashboard: Dashboard;
  weekCount: number;
  /** False when no SMTP server is configured (e-mails are only stored). */
  isMailDelivered: boolean;
  /** Minutes the oldest waiting e-mail has waited (from the request's clock), if any waits. */
  oldestPendingMinutes: number | undefined;
  responseWindowDays: number;
  minInvitationsToRank: number;
};

/** The back office's front page: the portal's vital signs as charts, each with its numbers in a table. */
export function DashboardPage({ ctx, dashboard, weekCount, isMailDelivered, oldestPendingMinutes, responseWindowDays, minInvitationsToRank }: DashboardPageProps) {
  const { t, actor } = ctx;
  const f = numberFormats(ctx);
  const money = (cents: number) => formatMoney(ctx.locale, cents);
  const { weeks, period, now, responses, outbox } = dashboard;
  const categories: ChartCategory[] = weeks.map((week) => ({ label: f.shortDay(week.monday), longLabel: formatDate(ctx.locale, week.startsAt) }));
  const common = { categoryHeading: t('dashboard.weekHeading'), tableSummary: t('dashboard.showTable'), emptyText: t('dashboard.noData') };
  const share = (part: number, whole: number, percent: number | undefined) =>
    percent === undefined ? t('dashboard.none') : t('dashboard.shareOfTotal', { percent: f.percent(percent), part: f.integer(part), whole: f.integer(whole) });
  const canReadSentEmail = ctx.isSentEmailOpen || (actor?.roles.includes('admin') ?? false);
  const needsAttention = outbox.failed > 0 || (oldestPendingMinutes ?? 0) >= slowPendingMinutes;
  const choices = [...new Set([...periodChoices, weekCount])].sort((a, b) => a - b);
  const buckets = responses.histogram.map((_, i, all) => {
    const from = (100 * i) / all.length;
    const to = (100 * (i + 1)) / all.length;
    return { label: `${f.integer(from)}–${f.percent(to)}` };
  });

  return (
    <Layout ctx={ctx} title={t('dashboard.title')}>
      <AdminNav ctx={ctx} current="/admin" />
      <PageHeading lead={t('dashboard.lead', { weeks: weekCount })}>{t('dashboard.title')}</PageHeading>
      <form method="get" action="/admin" class="dashboard-period">
        <label for="weeks">{t('dashboard.periodLabel')}</label>
        <select id="weeks" name="weeks">
          {choices.map((n) => (
            <option key={n} value={String(n)} selected={n === weekCount}>
              {t('dashboard.periodOption', { weeks: n })}
            </option>
          ))}
        </select>
        <button type="submit" class="button button-secondary">
          {t('dashboard.show')}
        </button>
      </form>

      <Section id="dash-now" title={t('dashboard.nowTitle')}>
        <dl class="stat-tiles">
          <Stat label={t('dashboard.openInquiries')} value={f.integer(now.openInquiries)} />
          <Stat label={t('dashboard.triageWaiting')} value={f.integer(now.triageInquiries)} link={{ href: '/admin/triage', text: t('dashboard.toTriage') }} />
          <Stat
            label={t('dashboard.applicationsWaiting')}
            value={f.integer(now.applicationsWaiting)}
            link={{ href: '/admin/expert-applications', text: t('dashboard.toApplications') }}
          />
          <Stat label={t('dashboard.openDisputes')} value={f.integer(now.openDisputes)} />
          <Stat label={t('dashboard.escrow')} value={money(now.escrowCents)} link={{ href: '/admin/ledger', text: t('dashboard.toLedger') }} />
        </dl>
      </Section>

      <Section id="dash-inquiries" title={t('dashboard.inquiriesTitle')}>
        <dl class="stat-tiles">
          <Stat label={t('dashboard.generalShareTotal')} value={share(period.general, period.inquiries, period.generalPercent)} />
        </dl>
        <BarChart
          {...common}
          id="chart-inquiries"
          title={t('dashboard.inquiriesChart')}
          description={t('dashboard.inquiriesDesc', { total: f.integer(period.inquiries), addressed: f.integer(period.inquiries - period.general), general: f.integer(period.general) })}
          categories={categories}
          series={[
            { label: t('dashboard.addressed'), values: weeks.map((w) => w.addressedInquiries) },
            { label: t('dashboard.general'), values: weeks.map((w) => w.generalInquiries) },
          ]}
          layout="stacked"
          isInteger
          totalHeading={t('dashboard.total')}
          format={f.integer}
        />
        <LineChart
          {...common}
          id="chart-general-share"
          title={t('dashboard.generalShareChart')}
          description={t('dashboard.generalShareDesc', { percent: share(period.general, period.inquiries, period.generalPercent) })}
          categories={categories}
          series={[{ label: t('dashboard.share'), values: weeks.map((w) => w.generalPercent) }]}
          // From zero up to the highest week (never past 100 %), so a share of 5–15 % is not a flat line at the bottom.
          max={Math.min(100, Math.max(0, ...weeks.map((w) => w.generalPercent ?? 0)))}
          format={f.percent}
          missingText={t('dashboard.missing')}
        />
      </Section>

      <Section id="dash-orders" title={t('dashboard.ordersTitle')}>
        <dl class="stat-tiles">
          <Stat label={t('dashboard.paidOrders')} value={f.integer(period.paidOrders)} />
          <Stat label={t('dashboard.paidIn')} value={money(period.paidInCents)} />
          <Stat label={t('dashboard.fees')} value={money(period.feesCents)} />
        </dl>
        <BarChart
          {...common}
          id="chart-orders"
          title={t('dashboard.ordersChart')}
          description={t('dashboard.ordersDesc', { count: f.integer(period.paidOrders) })}
          categories={categories}
          series={[{ label: t('dashboard.paidOrders'), values: weeks.map((w) => w.paidOrders) }]}
          isInteger
          format={f.integer}
        />
        <BarChart
          {...common}
          id="chart-money"
          title={t('dashboard.moneyChart')}
          description={t('dashboard.moneyDesc', { paidIn: money(period.paidInCents), fees: money(period.feesCents) })}
          categories={categories}
          series={[
            { label: t('dashboard.paidIn'), values: weeks.map((w) => w.paidInCents) },
            { label: t('dashboard.fees'), values: weeks.map((w) => w.feesCents) },
          ]}
          layout="grouped"
          isInteger
          format={money}
          axisFormat={f.euros}
        />
        <p class="hint">{t('dashboard.moneyHint')}</p>
      </Section>

      <Section id="dash-offers" title={t('dashboard.offersTitle')}>
        <dl class="stat-tiles">
          <Stat label={t('dashboard.medianOverall')} value={period.medianHoursToFirstOffer === undefined ? t('dashboard.none') : f.hours(period.medianHoursToFirstOffer)} />
          <Stat label={t('dashboard.withoutOffer')} value={share(period.withoutOffer, period.inquiries, period.withoutOfferPercent)} />
        </dl>
        <LineChart
          {...common}
          id="chart-first-offer"
          title={t('dashboard.offersChart')}
          description={t('dashboard.offersDesc', { median: period.medianHoursToFirstOffer === undefined ? t('dashboard.none') : f.hours(period.medianHoursToFirstOffer) })}
          categories={categories}
          series={[{ label: t('dashboard.median'), values: weeks.map((w) => w.medianHoursToFirstOffer) }]}
          format={f.hours}
          axisFormat={f.integer}
          missingText={t('dashboard.missing')}
          extraColumns={[{ heading: t('dashboard.withOffer'), cells: weeks.map((w) => f.integer(w.withOffer)) }]}
        />
      </Section>

      <Section id="dash-responses" title={t('dashboard.responsesTitle')}>
        <p class="hint">{t('dashboard.responsesLead', { days: responseWindowDays })}</p>
        <dl class="stat-tiles">
          <Stat label={t('dashboard.responseRate')} value={share(responses.answered, responses.counted, responses.percent)} />
        </dl>
        <HorizontalBarChart
          {...common}
          id="chart-response-rates"
          title={t('dashboard.histogramChart')}
          description={t('dashboard.histogramDesc', { experts: f.integer(responses.histogram.reduce((a, b) => a + b, 0)) })}
          categoryHeading={t('dashboard.responseRate')}
          categories={buckets}
          values={responses.histogram}
          valueHeading={t('dashboard.experts')}
          isInteger
          format={f.integer}
        />
        <h3 id="dash-lowest-title">{t('dashboard.lowestTitle')}</h3>
        <p class="hint">{t('dashboard.lowestLead', { min: minInvitationsToRank })}</p>
        {responses.lowest.length === 0 ? (
          <p>{t('dashboard.lowestEmpty')}</p>
        ) : (
          <div class="table-wrap">
            <table aria-labelledby="dash-lowest-title">
              <thead>
                <tr>
                  <th scope="col">{t('dashboard.colExpert')}</th>
                  <th scope="col" class="num">
                    {t('dashboard.colInvitations')}
                  </th>
                  <th scope="col" class="num">
                    {t('dashboard.colAnswered')}
                  </th>
                  <th scope="col" class="num">
                    {t('dashboard.responseRate')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {responses.lowest.map((expert) => (
                  <tr key={expert.expertId}>
                    <th scope="row">
                      <a href={`/admin/users/${expert.expertId}`}>{expert.name}</a>
                    </th>
                    <td class="num">{f.integer(expert.counted)}</td>
                    <td class="num">{f.integer(expert.answered)}</td>
                    <td class="num">{f.percent(expert.percent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      <Section id="dash-outbox" title={t('dashboard.outboxTitle')}>
        <p class={needsAttention ? 'attention' : 'muted'}>
          {needsAttention ? t('dashboard.outboxAttention') : t('dashboard.outboxOk')}
        </p>
        <dl class="stat-tiles">
          <Stat label={t('dashboard.pendingEmails')} value={f.integer(outbox.pending)} />
          <Stat
            label={t('dashboard.failedEmails')}
            value={f.integer(outbox.failed)}
            link={canReadSentEmail ? { href: '/sent-emails', text: t('dashboard.toSentEmails') } : undefined}
          />
          <Stat label={t('dashboard.oldestPending')} value={oldestPendingMinutes === undefined ? t('dashboard.none') : ageText(ctx, oldestPendingMinutes)} />
          <Stat label={t('dashboard.sentLastDay')} value={f.integer(outbox.sentLastDay)} />
        </dl>
        {!isMailDelivered && <p class="notice">{t('dashboard.mailStored')}</p>}
      </Section>
    </Layout>
  );
}
