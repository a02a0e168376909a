import { startOfTallinnDay, tallinnDayOf } from './calendar.js';

/**
 * The arithmetic behind the back office's dashboard (issue 8): Tallinn weeks, bucketing of
 * hourly counts into them, medians and shares. Pure: the clock's "now" is passed in.
 */

const dayMs = 86_400_000;
const hourMs = 3_600_000;

/** A Monday-to-Sunday week in Europe/Tallinn: its Monday (`YYYY-MM-DD`) and the instants it begins and ends. */
export type Week = { monday: string; startMs: number; endMs: number };

/** Shifts a calendar day (`YYYY-MM-DD`) by whole days. */
function addDays(day: string, days: number): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date) + days * dayMs).toISOString().slice(0, 10);
}

/** The Monday of the Tallinn week a calendar day falls in. */
export function mondayOf(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const weekday = (new Date(Date.UTC(year, month - 1, date)).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

/** The last `count` Tallinn weeks up to and including the one `now` falls in, oldest first. */
export function tallinnWeeks(now: Date, count: number): Week[] {
  const thisMonday = mondayOf(tallinnDayOf(now));
  return Array.from({ length: count }, (_, i) => {
    const monday = addDays(thisMonday, (i - count + 1) * 7);
    return { monday, startMs: startOfTallinnDay(monday).getTime(), endMs: startOfTallinnDay(addDays(monday, 7)).getTime() };
  });
}

/** The index of the week an instant falls in, or -1 outside them. */
export function weekIndexOf(weeks: readonly Week[], atMs: number): number {
  let low = 0;
  let high = weeks.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const week = weeks[middle]!;
    if (atMs < week.startMs) high = middle - 1;
    else if (atMs >= week.endMs) low = middle + 1;
    else return middle;
  }
  return -1;
}

/**
 * The instant an hour bucket begins: the first 13 characters of an ISO timestamp
 * (`2026-11-25T10`), as the database groups them. Tallinn's offset from UTC is a whole number
 * of hours, so an hour never straddles two Tallinn weeks, and counts per UTC hour add up to
 * exact counts per Tallinn week (a day prefix would put Monday's first two or three hours in
 * the week before).
 */
export function hourStartMs(hour: string): number {
  return Date.parse(`${hour}:00:00.000Z`);
}

/** Adds hourly values into the weeks (values outside the weeks are left out). */
export function sumByWeek(weeks: readonly Week[], rows: readonly { hour: string; value: number }[]): number[] {
  const sums = weeks.map(() => 0);
  for (const row of rows) {
    const index = weekIndexOf(weeks, hourStartMs(row.hour));
    if (index >= 0) sums[index]! += row.value;
  }
  return sums;
}

/** The median of some numbers; undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `part` of `whole` in per cent (0–100); undefined when the whole is zero (no NaN on an empty portal). */
export function percentOf(part: number, whole: number): number | undefined {
  return whole > 0 ? (100 * part) / whole : undefined;
}

/** Per week: the median hours from an inquiry to its first offer, and how many inquiries had an offer. */
export type FirstOfferFigures = { medianHours: (number | undefined)[]; withOffer: number[]; overallMedianHours: number | undefined };

/** Medians of the delays to the first offer, by the week the inquiry was sent, and over all the weeks. */
export function firstOfferFigures(weeks: readonly Week[], rows: readonly { createdAt: string; firstOfferAt: string }[]): FirstOfferFigures {
  const delays: number[][] = weeks.map(() => []);
  const all: number[] = [];
  for (const row of rows) {
    const createdMs = Date.parse(row.createdAt);
    const index = weekIndexOf(weeks, createdMs);
    if (index < 0) continue;
    // An offer cannot come before its inquiry; a clock set back must not give negative delays.
    const hours = Math.max(0, Date.parse(row.firstOfferAt) - createdMs) / hourMs;
    delays[index]!.push(hours);
    all.push(hours);
  }
  return { medianHours: delays.map((d) => median(d)), withOffer: delays.map((d) => d.length), overallMedianHours: median(all) };
}

/** The response-rate buckets of the histogram: 0–20 %, 20–40 %, 40–60 %, 60–80 %, 80–100 % (the last includes 100 %). */
export const responseRateBucketCount = 5;

/** The bucket of a response rate, the same arithmetic the database does (whole-number division). */
export function responseRateBucketOf(answered: number, counted: number): number {
  if (counted <= 0) return 0;
  return Math.min(responseRateBucketCount - 1, Math.floor((answered * responseRateBucketCount) / counted));
}

/** One expert's invitations that count towards the response rate, and how many of them were answered. */
export type ExpertResponses = { expertId: number; counted: number; answered: number };

export type ResponseFigures = {
  counted: number;
  answered: number;
  /** Experts per response-rate bucket (see `responseRateBucketOf`). */
  histogram: number[];
  /** The least responsive experts with at least `minCounted` counted invitations: lowest rate first, then the most invitations. */
  lowest: ExpertResponses[];
};

/** The response-rate figures from each expert's counts: totals, the histogram and the least responsive experts. */
export function responseFigures(experts: readonly ExpertResponses[], options: { minCounted: number; limit: number }): ResponseFigures {
  const histogram = Array.from({ length: responseRateBucketCount }, () => 0);
  let counted = 0;
  let answered = 0;
  for (const expert of experts) {
    if (expert.counted <= 0) continue;
    counted += expert.counted;
    answered += expert.answered;
    histogram[responseRateBucketOf(expert.answered, expert.counted)]! += 1;
  }
  const lowest = experts
    .filter((e) => e.counted >= options.minCounted)
    // Rates compared as fractions (a/b < c/d ⇔ a·d < c·b): no rounding decides the order.
    .sort((a, b) => a.answered * b.counted - b.answered * a.counted || b.counted - a.counted || a.expertId - b.expertId)
    .slice(0, options.limit);
  return { counted, answered, histogram, lowest };
}
