/** Where "now" comes from; tests inject a clock they can move. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move: for tests of expiry and deadlines. */
export class ManualClock implements Clock {
  #now: Date;
  constructor(start: Date | string = '2026-11-25T10:00:00.000Z') {
    this.#now = new Date(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now = new Date(this.#now.getTime() + ms);
  }
  set(to: Date | string): void {
    this.#now = new Date(to);
  }
}

/** ISO-8601 UTC, the form every timestamp is stored in. */
export function iso(date: Date): string {
  return date.toISOString();
}

/** `date` moved by `ms` milliseconds, as an ISO string. */
export function isoPlus(date: Date, ms: number): string {
  return new Date(date.getTime() + ms).toISOString();
}
