import { sql, type RawBuilder } from 'kysely';
import { firstOfferFigures, percentOf, responseFigures, sumByWeek, tallinnWeeks, type ExpertResponses, type Week } from '../../domain/stats.js';
import type { Executor } from './user-repository.js';

/**
 * The back office's dashboard (issue 8): a handful of aggregate queries, each returning counts
 * or sums (grouped per UTC hour, bucketed into Tallinn weeks in TypeScript), never whole tables.
 * Timestamps are ISO text on both engines, so `substr(col, 1, 13)` is the same hour everywhere
 * and a range on the column is a range on the instant.
 */

const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** How far back the experts' response rates look. */
export const responseWindowDays = 90;
/** Experts with fewer counted invitations than this are not named in the "lowest" list (too few to judge). */
export const minInvitationsToRank = 5;
/** How many of the least responsive experts the dashboard names. */
export const lowestRespondersShown = 5;

export type DashboardWeek = {
  /** The Monday the Tallinn week begins (`YYYY-MM-DD`). */
  monday: string;
  /** The instant it begins (for dates shown in the reader's format). */
  startsAt: string;
  addressedInquiries: number;
  generalInquiries: number;
  /** General inquiries among all that week, in per cent; undefined for a week without inquiries. */
  generalPercent: number | undefined;
  paidOrders: number;
  paidInCents: number;
  feesCents: number;
  /** Inquiries sent that week that have at least one offer. */
  withOffer: number;
  /** The median hours from such an inquiry to its first offer; undefined when none had an offer. */
  medianHoursToFirstOffer: number | undefined;
};

export type LowResponder = { expertId: number; name: string; counted: number; answered: number; percent: number };

export type Dashboard = {
  weeks: DashboardWeek[];
  period: {
    inquiries: number;
    general: number;
    generalPercent: number | undefined;
    paidOrders: number;
    paidInCents: number;
    feesCents: number;
    withoutOffer: number;
    withoutOfferPercent: number | undefined;
    medianHoursToFirstOffer: number | undefined;
  };
  now: {
    openInquiries: number;
    triageInquiries: number;
    applicationsWaiting: number;
    openDisputes: number;
    escrowCents: number;
  };
  responses: {
    /** Invitations of the last 90 days whose time to answer is over or that were answered. */
    counted: number;
    answered: number;
    percent: number | undefined;
    /** Experts per response-rate bucket (0–20 % … 80–100 %). */
    histogram: number[];
    lowest: LowResponder[];
  };
  outbox: { pending: number; failed: number; oldestPendingAt: string | undefined; sentLastDay: number };
};

/** The first 13 characters of an ISO timestamp column: its UTC hour. The numbers are SQL text, not parameters, so PostgreSQL sees the same expression in SELECT and GROUP BY. */
function hourOf(column: string): RawBuilder<string> {
  return sql<string>`substr(${sql.ref(column)}, 1, 13)`;
}

type Range = { since: string; until: string };

/** Inquiries sent per hour, general or addressed. Reads `inquiries` by `created_at`. */
async function inquiriesPerHour(db: Executor, range: Range) {
  const rows = await db
    .selectFrom('inquiries')
    .select([hourOf('created_at').as('hour'), 'is_general', (eb) => eb.fn.countAll<number>().as('n')])
    .where('created_at', '>=', range.since)
    .where('created_at', '<', range.until)
    .groupBy([hourOf('created_at'), 'is_general'])
    .execute();
  return rows.map((r) => ({ hour: r.hour, isGeneral: Number(r.is_general) === 1, n: Number(r.n) }));
}

/** Orders paid per hour (by when the payment arrived; a payment that came after the order was cancelled has no `paid_at`). */
async function paidOrdersPerHour(db: Executor, range: Range) {
  const rows = await db
    .selectFrom('orders')
    .select([hourOf('paid_at').as('hour'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('paid_at', '>=', range.since)
    .where('paid_at', '<', range.until)
    .groupBy(hourOf('paid_at'))
    .execute();
  return rows.map((r) => ({ hour: r.hour, value: Number(r.n) }));
}

/** Money that arrived per hour: succeeded payments by when they were settled (a late payment did arrive, so it counts). */
async function paidInPerHour(db: Executor, range: Range) {
  const rows = await db
    .selectFrom('payments')
    .select([hourOf('settled_at').as('hour'), (eb) => eb.fn.sum<number>('amount_cents').as('cents')])
    .where('status', '=', 'succeeded')
    .where('settled_at', '>=', range.since)
    .where('settled_at', '<', range.until)
    .groupBy(hourOf('settled_at'))
    .execute();
  return rows.map((r) => ({ hour: r.hour, value: Number(r.cents) }));
}

/** The portal's fees per hour: the ledger's `fees` account (credited when work is accepted). */
async function feesPerHour(db: Executor, range: Range) {
  const rows = await db
    .selectFrom('ledger_entries')
    .select([hourOf('created_at').as('hour'), (eb) => eb.fn.sum<number>('amount_cents').as('cents')])
    .where('account', '=', 'fees')
    .where('created_at', '>=', range.since)
    .where('created_at', '<', range.until)
    .groupBy(hourOf('created_at'))
    .execute();
  return rows.map((r) => ({ hour: r.hour, value: Number(r.cents) }));
}

/**
 * For each inquiry sent in the range that has an offer: when it was sent and when its first
 * offer came (withdrawn offers count: an offer was made). One row per such inquiry, two short
 * strings each: the median needs the delays, which neither engine can take a median of in the same SQL.
 */
async function firstOffers(db: Executor, range: Range) {
  const rows = await db
    .selectFrom('inquiries as i')
    .innerJoin('offers as o', 'o.inquiry_id', 'i.id')
    .select(['i.created_at', (eb) => eb.fn.min('o.created_at').as('first_offer_at')])
    .where('i.created_at', '>=', range.since)
    .where('i.created_at', '<', range.until)
    // `+i.id`, not the key itself: grouped by the key, SQLite reads every inquiry in key order
    // instead of the range of `created_at` (the same trick as in `responsesPerExpert`).
    .groupBy([sql`+${sql.ref('i.id')}`, 'i.created_at'])
    .execute();
  return rows.map((r) => ({ createdAt: r.created_at, firstOfferAt: String(r.first_offer_at) }));
}

/**
 * Each expert's invitations of the window that count, and how many they answered: one row per
 * expert invited in the window. Answered: an offer was made (`offered`, `won`, and any later
 * state of an offered invitation) or the invitation was declined; both set `responded_at`.
 * Counted: answered ones, and those whose time to answer is over without an answer: `expired`
 * (the deadline passed) and `lost` (the customer ordered from someone else). Invitations still
 * open (`new`, `seen`) are not judged yet; `cancelled` ones were withdrawn by the customer, not
 * ignored by the expert.
 *
 * Grouped by `+expert_id`, an expression rather than the column: grouped by the column, SQLite
 * walks `invitations_expert_idx` over every invitation ever sent to get its groups in order
 * (2.3 s at 600 000 invitations, against 0.09 s for a plain scan; see bench/dashboard.ts).
 */
async function responsesPerExpert(db: Executor, since: string): Promise<ExpertResponses[]> {
  const expert = sql<number>`+${sql.ref('expert_id')}`;
  const rows = await db
    .selectFrom('invitations')
    .select([
      expert.as('expert_id'),
      (eb) => eb.fn.countAll<number>().as('counted'),
      (eb) => eb.fn.sum<number>(eb.case().when('responded_at', 'is not', null).then(1).else(0).end()).as('answered'),
    ])
    .where('created_at', '>=', since)
    .where((eb) => eb.or([eb('responded_at', 'is not', null), eb('status', 'in', ['expired', 'lost'])]))
    .groupBy(expert)
    .execute();
  return rows.map((r) => ({ expertId: Number(r.expert_id), counted: Number(r.counted), answered: Number(r.answered) }));
}

/** The names staff know experts by (the public name, or the account's for an expert without a profile). */
async function expertNames(db: Executor, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('users as u')
    .leftJoin('expert_profiles as p', 'p.user_id', 'u.id')
    .select(['u.id', 'u.name', 'p.display_name'])
    .where('u.id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.display_name ?? r.name]));
}

/**
 * The counts of "right now", in one round trip. The counts by status use the status indexes;
 * the money held sums every `escrow:order:…` entry of the ledger (a prefix LIKE can use no index
 * on either engine: SQLite's LIKE ignores case, PostgreSQL's needs a C collation). Counting the
 * e-mails sent in the last day reads every sent e-mail until an index on (status, sent_at) exists.
 */
async function currentCounts(db: Executor, sentSince: string) {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('inquiries').select((e) => e.fn.countAll<number>().as('n')).where('status', '=', 'open').as('open_inquiries'),
      eb.selectFrom('inquiries').select((e) => e.fn.countAll<number>().as('n')).where('status', '=', 'triage').as('triage_inquiries'),
      eb.selectFrom('expert_applications').select((e) => e.fn.countAll<number>().as('n')).where('status', '=', 'submitted').as('applications_waiting'),
      eb.selectFrom('disputes').select((e) => e.fn.countAll<number>().as('n')).where('status', 'in', ['open', 'deciding']).as('open_disputes'),
      eb
        .selectFrom('ledger_entries')
        .select((e) => e.fn.coalesce(e.fn.sum<number>('amount_cents'), e.lit(0)).as('n'))
        .where('account', 'like', 'escrow:order:%')
        .as('escrow_cents'),
      eb.selectFrom('outbox_emails').select((e) => e.fn.countAll<number>().as('n')).where('status', '=', 'pending').as('pending_emails'),
      eb.selectFrom('outbox_emails').select((e) => e.fn.countAll<number>().as('n')).where('status', '=', 'failed').as('failed_emails'),
      eb.selectFrom('outbox_emails').select((e) => e.fn.min('created_at').as('n')).where('status', '=', 'pending').as('oldest_pending_at'),
      eb
        .selectFrom('outbox_emails')
        .select((e) => e.fn.countAll<number>().as('n'))
        .where('status', '=', 'sent')
        .where('sent_at', '>=', sentSince)
        .as('sent_last_day'),
    ])
    .executeTakeFirstOrThrow();
  return {
    now: {
      openInquiries: Number(row.open_inquiries ?? 0),
      triageInquiries: Number(row.triage_inquiries ?? 0),
      applicationsWaiting: Number(row.applications_waiting ?? 0),
      openDisputes: Number(row.open_disputes ?? 0),
      escrowCents: Number(row.escrow_cents ?? 0),
    },
    outbox: {
      pending: Number(row.pending_emails ?? 0),
      failed: Number(row.failed_emails ?? 0),
      oldestPendingAt: row.oldest_pending_at ?? undefined,
      sentLastDay: Number(row.sent_last_day ?? 0),
    },
  };
}

/** The range of instants the weeks cover, as stored timestamps. */
function rangeOf(weeks: readonly Week[]): Range {
  return { since: new Date(weeks[0]!.startMs).toISOString(), until: new Date(weeks[weeks.length - 1]!.endMs).toISOString() };
}

/** Everything the dashboard shows for the last `weekCount` Tallinn weeks up to `now`. */
export async function loadDashboard(db: Executor, options: { now: Date; weekCount: number }): Promise<Dashboard> {
  const weeks = tallinnWeeks(options.now, options.weekCount);
  const range = rangeOf(weeks);
  const responseSince = new Date(options.now.getTime() - responseWindowDays * dayMs).toISOString();
  const sentSince = new Date(options.now.getTime() - 24 * hourMs).toISOString();
  // One after the other: SQLite runs them one at a time anyway, and a PostgreSQL pool is shared with every other request.
  const inquiryRows = await inquiriesPerHour(db, range);
  const paidOrders = sumByWeek(weeks, await paidOrdersPerHour(db, range));
  const paidIn = sumByWeek(weeks, await paidInPerHour(db, range));
  const fees = sumByWeek(weeks, await feesPerHour(db, range));
  const offers = firstOfferFigures(weeks, await firstOffers(db, range));
  const responses = responseFigures(await responsesPerExpert(db, responseSince), { minCounted: minInvitationsToRank, limit: lowestRespondersShown });
  const names = await expertNames(db, responses.lowest.map((e) => e.expertId));
  const current = await currentCounts(db, sentSince);

  const general = sumByWeek(weeks, inquiryRows.filter((r) => r.isGeneral).map((r) => ({ hour: r.hour, value: r.n })));
  const addressed = sumByWeek(weeks, inquiryRows.filter((r) => !r.isGeneral).map((r) => ({ hour: r.hour, value: r.n })));
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const inquiryTotal = sum(general) + sum(addressed);
  const withOfferTotal = sum(offers.withOffer);

  return {
    weeks: weeks.map((week, i) => ({
      monday: week.monday,
      startsAt: new Date(week.startMs).toISOString(),
      addressedInquiries: addressed[i]!,
      generalInquiries: general[i]!,
      generalPercent: percentOf(general[i]!, general[i]! + addressed[i]!),
      paidOrders: paidOrders[i]!,
      paidInCents: paidIn[i]!,
      feesCents: fees[i]!,
      withOffer: offers.withOffer[i]!,
      medianHoursToFirstOffer: offers.medianHours[i],
    })),
    period: {
      inquiries: inquiryTotal,
      general: sum(general),
      generalPercent: percentOf(sum(general), inquiryTotal),
      paidOrders: sum(paidOrders),
      paidInCents: sum(paidIn),
      feesCents: sum(fees),
      withoutOffer: inquiryTotal - withOfferTotal,
      withoutOfferPercent: percentOf(inquiryTotal - withOfferTotal, inquiryTotal),
      medianHoursToFirstOffer: offers.overallMedianHours,
    },
    now: current.now,
    responses: {
      counted: responses.counted,
      answered: responses.answered,
      percent: percentOf(responses.answered, responses.counted),
      histogram: responses.histogram,
      lowest: responses.lowest.map((e) => ({ ...e, name: names.get(e.expertId) ?? '', percent: percentOf(e.answered, e.counted) ?? 0 })),
    },
    outbox: current.outbox,
  };
}
