import { keptAnswers } from '../memo.js';

/**
 * Calendar dates as people in Estonia mean them. Times are stored in UTC; a date someone picks
 * ("back on 3 March") means the start of that day in Europe/Tallinn.
 */
const timeZone = 'Europe/Tallinn';

const offsetFormat = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'longOffset' });
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });

/** Minutes Tallinn is ahead of UTC at the given instant (120 in winter, 180 in summer). */
function tallinnOffsetMinutes(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** A `YYYY-MM-DD` string that names a real calendar date. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The instant a Tallinn calendar day (`YYYY-MM-DD`) begins. */
export function startOfTallinnDay(value: string): Date {
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(year, month - 1, day);
  // Tallinn changes its clocks at 01:00 UTC, so UTC midnight of the day always has the same
  // offset as the Tallinn midnight that began it (21:00 or 22:00 UTC the evening before).
  return new Date(utcMidnight - offsetAt(utcMidnight) * 60_000);
}

/** Since 2002 Tallinn follows the EU rule: clocks change at 01:00 UTC, so the offset is the same for a whole UTC hour. */
const euRuleSince = Date.UTC(2002, 0, 1);
const euRuleUntil = Date.UTC(9999, 0, 1);
const hourMs = 3_600_000;
const offsetByUtcHour = keptAnswers<number, number>(100_000);

/**
 * Tallinn's offset at the start of the UTC hour `ms` falls in: the offset at `ms` itself when it
 * is a whole hour (a day's UTC midnight) or in the EU rule's years. Pages ask for it for every
 * row and forms for every date they read, and Intl's answer costs a few microseconds: it is
 * worked out once per hour.
 */
function offsetAt(ms: number): number {
  const hour = Math.floor(ms / hourMs);
  return offsetByUtcHour(hour, () => tallinnOffsetMinutes(new Date(hour * hourMs)));
}

/** The Tallinn calendar day (`YYYY-MM-DD`) an instant falls on. */
export function tallinnDayOf(at: Date | string): string {
  const ms = new Date(at).getTime();
  if (!(ms >= euRuleSince && ms < euRuleUntil)) return dayFormat.format(new Date(at));
  return new Date(ms + offsetAt(ms) * 60_000).toISOString().slice(0, 10);
}
