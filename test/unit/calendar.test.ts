import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCalendarDate, startOfTallinnDay, tallinnDayOf } from '../../src/domain/calendar.js';

describe('a calendar date', () => {
  it.each(['2026-01-15', '2026-12-31', '2024-02-29', '2000-02-29', '2026-03-29', '2026-10-25', '1999-01-01'])('accepts %s', (value) => {
    expect(isCalendarDate(value)).toBe(true);
  });

  it.each([
    ['30 February', '2026-02-30'],
    ['29 February of a non-leap year', '2026-02-29'],
    ['29 February 1900', '1900-02-29'],
    ['31 April', '2026-04-31'],
    ['month 13', '2026-13-01'],
    ['month 00', '2026-00-10'],
    ['day 00', '2026-01-00'],
    ['day 32', '2026-01-32'],
    ['empty', ''],
    ['no leading zeros', '2026-1-5'],
    ['day first', '15-01-2026'],
    ['Estonian style', '15.01.2026'],
    ['slashes', '2026/01/15'],
    ['a time as well', '2026-01-15T10:00'],
    ['spaces around', ' 2026-01-15 '],
    ['a trailing newline', '2026-01-15\n'],
    ['a two-digit year', '26-01-15'],
    ['words', 'tomorrow'],
  ])('refuses %s', (_name, value) => {
    expect(isCalendarDate(value)).toBe(false);
  });
});

describe('the start of a Tallinn day', () => {
  it('is 22:00 UTC the day before in winter (UTC+2)', () => {
    expect(startOfTallinnDay('2026-01-15').toISOString()).toBe('2026-01-14T22:00:00.000Z');
  });

  it('is 21:00 UTC the day before in summer (UTC+3)', () => {
    expect(startOfTallinnDay('2026-07-01').toISOString()).toBe('2026-06-30T21:00:00.000Z');
  });

  it('crosses a month and a year boundary', () => {
    expect(startOfTallinnDay('2026-01-01').toISOString()).toBe('2025-12-31T22:00:00.000Z');
    expect(startOfTallinnDay('2024-02-29').toISOString()).toBe('2024-02-28T22:00:00.000Z');
  });

  describe('when summer time begins (Sunday 29 March 2026, 03:00 → 04:00 local)', () => {
    it('starts that day still in winter time', () => {
      expect(startOfTallinnDay('2026-03-29').toISOString()).toBe('2026-03-28T22:00:00.000Z');
    });

    it('starts the day before in winter time and the day after in summer time', () => {
      expect(startOfTallinnDay('2026-03-28').toISOString()).toBe('2026-03-27T22:00:00.000Z');
      expect(startOfTallinnDay('2026-03-30').toISOString()).toBe('2026-03-29T21:00:00.000Z');
    });

    it('makes that day 23 hours long', () => {
      const hours = (startOfTallinnDay('2026-03-30').getTime() - startOfTallinnDay('2026-03-29').getTime()) / 3_600_000;
      expect(hours).toBe(23);
    });
  });

  describe('when summer time ends (Sunday 25 October 2026, 04:00 → 03:00 local)', () => {
    it('starts that day still in summer time', () => {
      expect(startOfTallinnDay('2026-10-25').toISOString()).toBe('2026-10-24T21:00:00.000Z');
    });

    it('starts the day before in summer time and the day after in winter time', () => {
      expect(startOfTallinnDay('2026-10-24').toISOString()).toBe('2026-10-23T21:00:00.000Z');
      expect(startOfTallinnDay('2026-10-26').toISOString()).toBe('2026-10-25T22:00:00.000Z');
    });

    it('makes that day 25 hours long', () => {
      const hours = (startOfTallinnDay('2026-10-26').getTime() - startOfTallinnDay('2026-10-25').getTime()) / 3_600_000;
      expect(hours).toBe(25);
    });
  });

  it('falls on the day it names, for every day of 2026', () => {
    for (let day = new Date(Date.UTC(2026, 0, 1)); day.getUTCFullYear() === 2026; day = new Date(day.getTime() + 86_400_000)) {
      const value = day.toISOString().slice(0, 10);
      const start = startOfTallinnDay(value);
      expect(tallinnDayOf(start), value).toBe(value);
      expect(tallinnDayOf(new Date(start.getTime() - 1)), value).not.toBe(value);
    }
  });
});

describe('the Tallinn day of an instant', () => {
  it.each([
    ['just before midnight in winter', '2026-01-14T21:59:59.999Z', '2026-01-14'],
    ['at midnight in winter', '2026-01-14T22:00:00.000Z', '2026-01-15'],
    ['just after midnight in winter', '2026-01-14T22:00:00.001Z', '2026-01-15'],
    ['just before midnight in summer', '2026-06-30T20:59:59.999Z', '2026-06-30'],
    ['at midnight in summer', '2026-06-30T21:00:00.000Z', '2026-07-01'],
    ['UTC midnight in winter, already 02:00 in Tallinn', '2026-01-15T00:00:00.000Z', '2026-01-15'],
    ['late evening UTC in summer, already the next day in Tallinn', '2026-07-01T22:30:00.000Z', '2026-07-02'],
    ['New Year in Tallinn before it in UTC', '2025-12-31T22:00:00.000Z', '2026-01-01'],
  ])('%s (%s) is %s', (_name, instant, day) => {
    expect(tallinnDayOf(new Date(instant))).toBe(day);
  });

  it('reads a stored ISO string as well as a Date', () => {
    expect(tallinnDayOf('2026-01-14T21:59:59.999Z')).toBe('2026-01-14');
    expect(tallinnDayOf('2026-01-14T22:00:00.000Z')).toBe('2026-01-15');
  });

  it('gives back the day a start of day was made from', () => {
    for (const value of ['2026-01-15', '2026-03-29', '2026-07-01', '2026-10-25']) {
      expect(tallinnDayOf(startOfTallinnDay(value))).toBe(value);
    }
  });
  it('agrees with the time zone database for any instant, clock changes and old offsets included', () => {
    const intlDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Tallinn', year: 'numeric', month: '2-digit', day: '2-digit' });
    // Every minute around the clock changes of 2026 (29 March and 25 October, 01:00 UTC).
    for (const change of [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)]) {
      for (let ms = change - 3 * 3_600_000; ms <= change + 3 * 3_600_000; ms += 60_000) {
        expect(tallinnDayOf(new Date(ms)), new Date(ms).toISOString()).toBe(intlDay.format(new Date(ms)));
      }
    }
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2200, 0, 1) }), (ms) => {
        expect(tallinnDayOf(new Date(ms))).toBe(intlDay.format(new Date(ms)));
        expect(tallinnDayOf(new Date(ms).toISOString())).toBe(intlDay.format(new Date(ms)));
      }),
      { numRuns: 5_000 },
    );
  });
});
