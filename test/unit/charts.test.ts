import { describe, expect, it } from 'vitest';
import {
  firstOfferFigures,
  median,
  mondayOf,
  percentOf,
  responseFigures,
  responseRateBucketOf,
  sumByWeek,
  tallinnWeeks,
  weekIndexOf,
} from '../../src/domain/stats.js';
import { BarChart, HorizontalBarChart, LineChart, niceScale, type BarChartProps, type LineChartProps } from '../../src/http/views/charts.js';

/**
 * The dashboard's charts (issue 8) as pure functions of their props: scales, bars in proportion,
 * nothing drawn and a calm note for no data, every text escaped, and the numbers always in a
 * table too; and the week arithmetic behind them (Tallinn weeks, medians, shares).
 */

const text = {
  id: 'chart-test',
  title: 'Päringud nädalas',
  description: 'Kokku 10 päringut.',
  tableSummary: 'Näita arve tabelina',
  categoryHeading: 'Nädal',
  emptyText: 'Andmeid veel pole',
  format: (value: number) => String(value),
};

const weeks3 = [{ label: '9. nov' }, { label: '16. nov' }, { label: '23. nov' }];

function bars(props: Partial<BarChartProps> = {}): string {
  return BarChart({ ...text, categories: weeks3, series: [{ label: 'Päringud', values: [2, 4, 1] }], isInteger: true, ...props }).value;
}

function lines(props: Partial<LineChartProps> = {}): string {
  return LineChart({ ...text, categories: weeks3, series: [{ label: 'Osakaal', values: [10, 50, 30] }], missingText: '–', ...props }).value;
}

/** Every `<rect class="chart-bar…">` as its numbers. */
function rects(html: string): { x: number; y: number; width: number; height: number; tone: string }[] {
  return [...html.matchAll(/<rect class="chart-bar chart-tone-(\d)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)].map((m) => ({
    tone: m[1]!,
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]),
    height: Number(m[5]),
  }));
}

/** The table's rows, cells as text. */
function tableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => cell[1]!));
}

function tableHeadings(html: string): string[] {
  const head = /<thead>([\s\S]*?)<\/thead>/.exec(html)?.[1] ?? '';
  return [...head.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => m[1]!);
}

describe('niceScale', () => {
  it('rounds the top of the axis up to a nice step', () => {
    expect(niceScale(100)).toEqual({ max: 100, step: 25, ticks: [0, 25, 50, 75, 100] });
    expect(niceScale(7, { isInteger: true })).toEqual({ max: 8, step: 2, ticks: [0, 2, 4, 6, 8] });
    expect(niceScale(3, { isInteger: true })).toEqual({ max: 3, step: 1, ticks: [0, 1, 2, 3] });
    expect(niceScale(12_345, { isInteger: true })).toEqual({ max: 15_000, step: 5_000, ticks: [0, 5_000, 10_000, 15_000] });
    expect(niceScale(0.3).ticks).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('steps counts by whole numbers however small they are', () => {
    expect(niceScale(1, { isInteger: true })).toEqual({ max: 1, step: 1, ticks: [0, 1] });
    expect(niceScale(2, { isInteger: true }).ticks).toEqual([0, 1, 2]);
  });

  it('gives an axis with only its zero when there is nothing to show, never dividing by zero', () => {
    for (const nothing of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) expect(niceScale(nothing)).toEqual({ max: 1, step: 1, ticks: [0] });
  });

  it('always covers the value with at most a few steps', () => {
    for (const value of [1, 3, 9, 11, 99, 101, 250, 999, 1_001, 86_400, 1_234_567]) {
      const scale = niceScale(value, { isInteger: true });
      expect(scale.max).toBeGreaterThanOrEqual(value);
      expect(scale.ticks.length).toBeLessThanOrEqual(6);
      expect(scale.ticks[0]).toBe(0);
    }
  });
});

describe('BarChart', () => {
  it('draws bars in proportion to their values on the scale', () => {
    const drawn = rects(bars());
    expect(drawn).toHaveLength(3);
    // The scale is 0…4; the plot is 228 high with its top at 18.
    expect(drawn.map((r) => r.height)).toEqual([114, 228, 57]);
    expect(drawn[1]!.y).toBe(18);
    expect(drawn[0]!.y + drawn[0]!.height).toBe(246);
    expect(new Set(drawn.map((r) => r.width)).size).toBe(1);
    expect(drawn[0]!.x).toBeLessThan(drawn[1]!.x);
  });

  it('stacks series on each other, writes the total over the column and adds a total column', () => {
    const html = bars({
      series: [
        { label: 'Suunatud', values: [3, 0, 1] },
        { label: 'Üldised', values: [1, 2, 0] },
      ],
      totalHeading: 'Kokku',
    });
    const [first, second, third, fourth] = rects(html);
    // Week 1: 3 + 1 on a 0…4 scale; the general part sits on the addressed one.
    expect(first).toMatchObject({ tone: '1', height: 171, y: 75 });
    expect(second).toMatchObject({ tone: '2', height: 57, y: 18 });
    expect(second!.x).toBe(first!.x);
    // Week 2: no addressed bar at all (zero draws nothing), general from the baseline.
    expect(third).toMatchObject({ tone: '2', height: 114, y: 132 });
    expect(fourth).toMatchObject({ tone: '1', height: 57 });
    expect(html.match(/<text class="chart-value"[^>]*>(\d+)<\/text>/g)?.map((m) => />(\d+)</.exec(m)![1])).toEqual(['4', '2', '1']);
    expect(tableHeadings(html)).toEqual(['Nädal', 'Suunatud', 'Üldised', 'Kokku']);
    expect(tableRows(html)).toEqual([
      ['9. nov', '3', '1', '4'],
      ['16. nov', '0', '2', '2'],
      ['23. nov', '1', '0', '1'],
    ]);
    expect(html).toContain('<ul class="chart-legend">');
  });

  it('puts grouped series side by side from the baseline', () => {
    const html = bars({
      series: [
        { label: 'Laekunud', values: [400, 0, 0] },
        { label: 'Tasud', values: [100, 0, 0] },
      ],
      layout: 'grouped',
    });
    const [paid, fee] = rects(html);
    expect(paid!.y + paid!.height).toBe(246);
    expect(fee!.y + fee!.height).toBe(246);
    expect(fee!.x).toBeCloseTo(paid!.x + paid!.width, 0);
    expect(paid!.height).toBe(4 * fee!.height);
    // Side by side, values are not written over the bars (the table has them).
    expect(html).not.toContain('class="chart-value"');
  });

  it('shows no bars and a calm note when everything is zero, with the zeros in the table', () => {
    const html = bars({ series: [{ label: 'Päringud', values: [0, 0, 0] }] });
    expect(rects(html)).toEqual([]);
    expect(html).toContain('<text class="chart-empty"');
    expect(html).toContain('Andmeid veel pole');
    expect(tableRows(html)).toEqual([
      ['9. nov', '0'],
      ['16. nov', '0'],
      ['23. nov', '0'],
    ]);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('draws nothing for values that are not numbers, and never writes NaN', () => {
    const html = bars({ series: [{ label: 'Päringud', values: [Number.NaN, -3, 2] }] });
    expect(rects(html)).toHaveLength(1);
    expect(html).not.toMatch(/NaN|Infinity/);
  });

  it('is a figure with a caption, an image labelled by its title and description, and a table', () => {
    const html = bars();
    expect(html).toMatch(/^<figure class="chart" id="chart-test"><figcaption class="chart-title">Päringud nädalas<\/figcaption>/);
    expect(html).toContain('<svg class="chart-svg" viewBox="0 0 800 280" role="img" aria-labelledby="chart-test-title chart-test-desc" focusable="false">');
    expect(html).toContain('<title id="chart-test-title">Päringud nädalas</title><desc id="chart-test-desc">Kokku 10 päringut.</desc>');
    expect(html).toContain('<details class="chart-data"><summary>Näita arve tabelina</summary>');
    expect(html).toContain('<caption class="visually-hidden">Päringud nädalas</caption>');
    expect(html).toContain('<th scope="row">9. nov</th>');
    // One series needs no legend; axis texts are hidden from screen readers (the table has them).
    expect(html).not.toContain('chart-legend');
    expect(html).toContain('<g class="chart-axis" aria-hidden="true">');
    // No inline style: the CSP allows none.
    expect(html).not.toContain('style=');
  });

  it('formats every value with the given format and the axis with its own', () => {
    const html = bars({ format: (v) => `${v},00 €`, axisFormat: (v) => `${v} €` });
    expect(tableRows(html)[1]).toEqual(['16. nov', '4,00 €']);
    expect(html).toContain('text-anchor="end">4 €</text>');
    expect(html).toContain('<title>16. nov: Päringud 4,00 €</title>');
  });

  it('escapes every text it is given', () => {
    const evil = '<script>alert(1)</script>&';
    const html = bars({ title: evil, description: evil, tableSummary: evil, categoryHeading: evil, categories: [{ label: evil }], series: [{ label: evil, values: [1] }] });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script>alert(1)&lt;/script>&amp;');
  });

  it('labels every category when there is room, and every second one of 26 weeks (always the latest)', () => {
    const few = bars();
    expect(few.match(/<text class="chart-tick" x="[\d.]+" y="264"/g)).toHaveLength(3);
    const categories = Array.from({ length: 26 }, (_, i) => ({ label: `v${i + 1}` }));
    const many = bars({ categories, series: [{ label: 'Päringud', values: categories.map(() => 1) }] });
    const labels = [...many.matchAll(/y="264" text-anchor="middle">(v\d+)<\/text>/g)].map((m) => m[1]);
    expect(labels).toHaveLength(13);
    expect(labels.at(-1)).toBe('v26');
    expect(labels[0]).toBe('v2');
    // 26 narrow columns: no values crammed over them.
    expect(many).not.toContain('class="chart-value"');
    expect(tableRows(many)).toHaveLength(26);
  });

  it('adds extra, already formatted columns to the table', () => {
    const html = bars({ extraColumns: [{ heading: 'Osakaal', cells: ['10%', '20%', '30%'] }] });
    expect(tableHeadings(html)).toEqual(['Nädal', 'Päringud', 'Osakaal']);
    expect(tableRows(html)[2]).toEqual(['23. nov', '1', '30%']);
  });
});

describe('LineChart', () => {
  it('places points on a fixed scale and joins them', () => {
    const html = lines({ max: 100, format: (v) => `${v}%` });
    const points = [...html.matchAll(/<circle class="chart-point" cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => Number(m[2]));
    // 0…100 over 228 units, the top at 18: 10 % → 223.2, 50 % → 132, 30 % → 177.6.
    expect(points).toEqual([223.2, 132, 177.6]);
    expect(html.match(/<polyline/g)).toHaveLength(1);
    expect(html).toContain('text-anchor="end">100%</text>');
    expect(tableRows(html)).toEqual([
      ['9. nov', '10%'],
      ['16. nov', '50%'],
      ['23. nov', '30%'],
    ]);
  });

  it('breaks the line where a week has no value instead of inventing a zero', () => {
    const categories = [...weeks3, { label: '30. nov' }];
    const html = lines({ categories, series: [{ label: 'Mediaan', values: [1, undefined, 3, 4] }] });
    expect(html.match(/<circle class="chart-point"/g)).toHaveLength(3);
    // Only 3 → 4 is a line; the lonely first point stands alone.
    expect(html.match(/<polyline/g)).toHaveLength(1);
    expect(tableRows(html)[1]).toEqual(['16. nov', '–']);
    expect(html).not.toContain('chart-empty');
  });

  it('shows a calm note and dashes when no week has a value', () => {
    const html = lines({ series: [{ label: 'Mediaan', values: [undefined, undefined, Number.NaN] }] });
    expect(html).not.toContain('<circle');
    expect(html).not.toContain('<polyline');
    expect(html).toContain('Andmeid veel pole');
    expect(tableRows(html).map((row) => row[1])).toEqual(['–', '–', '–']);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('is accessible the same way as the bar chart', () => {
    const html = lines();
    expect(html).toContain('role="img" aria-labelledby="chart-test-title chart-test-desc"');
    expect(html).toContain('<summary>Näita arve tabelina</summary>');
  });
});

describe('HorizontalBarChart', () => {
  const buckets = ['0–20%', '20–40%', '40–60%', '60–80%', '80–100%'].map((label) => ({ label }));

  it('draws a bar per category in proportion, with its value after it and in the table', () => {
    const html = HorizontalBarChart({ ...text, categories: buckets, values: [1, 0, 2, 0, 4], valueHeading: 'Eksperte', isInteger: true }).value;
    const drawn = rects(html);
    expect(drawn).toHaveLength(3);
    expect(drawn[2]!.width).toBe(4 * drawn[0]!.width);
    expect(drawn[1]!.width).toBe(2 * drawn[0]!.width);
    expect(tableHeadings(html)).toEqual(['Nädal', 'Eksperte']);
    expect(tableRows(html)).toEqual([
      ['0–20%', '1'],
      ['20–40%', '0'],
      ['40–60%', '2'],
      ['60–80%', '0'],
      ['80–100%', '4'],
    ]);
    expect(html).not.toContain('chart-empty');
  });

  it('shows zeros and the calm note when nobody is counted', () => {
    const html = HorizontalBarChart({ ...text, categories: buckets, values: [0, 0, 0, 0, 0], valueHeading: 'Eksperte' }).value;
    expect(rects(html)).toEqual([]);
    expect(html).toContain('Andmeid veel pole');
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });
});

// ---- the arithmetic ----

describe('Tallinn weeks', () => {
  it('are Monday to Monday in Tallinn time, the current one last', () => {
    const weeks = tallinnWeeks(new Date('2026-11-25T10:00:00.000Z'), 3);
    expect(weeks.map((w) => w.monday)).toEqual(['2026-11-09', '2026-11-16', '2026-11-23']);
    expect(new Date(weeks[2]!.startMs).toISOString()).toBe('2026-11-22T22:00:00.000Z');
    expect(new Date(weeks[2]!.endMs).toISOString()).toBe('2026-11-29T22:00:00.000Z');
    expect(weeks[0]!.endMs).toBe(weeks[1]!.startMs);
  });

  it('follow the clock change: the week of the spring change is an hour shorter', () => {
    const [spring, after] = tallinnWeeks(new Date('2026-04-01T12:00:00.000Z'), 2);
    expect(spring!.monday).toBe('2026-03-23');
    expect(new Date(spring!.startMs).toISOString()).toBe('2026-03-22T22:00:00.000Z');
    expect(new Date(spring!.endMs).toISOString()).toBe('2026-03-29T21:00:00.000Z');
    expect(new Date(after!.startMs).toISOString()).toBe('2026-03-29T21:00:00.000Z');
  });

  it('start at Monday midnight in Tallinn, even while it is still Sunday in UTC', () => {
    expect(tallinnWeeks(new Date('2026-11-22T22:00:00.000Z'), 1)[0]!.monday).toBe('2026-11-23');
    expect(tallinnWeeks(new Date('2026-11-22T21:59:59.999Z'), 1)[0]!.monday).toBe('2026-11-16');
    expect(mondayOf('2026-11-29')).toBe('2026-11-23');
    expect(mondayOf('2026-11-23')).toBe('2026-11-23');
    expect(mondayOf('2027-01-01')).toBe('2026-12-28');
  });

  it('find the week of an instant, or none outside them', () => {
    const weeks = tallinnWeeks(new Date('2026-11-25T10:00:00.000Z'), 3);
    expect(weekIndexOf(weeks, Date.parse('2026-11-22T22:00:00.000Z'))).toBe(2);
    expect(weekIndexOf(weeks, Date.parse('2026-11-22T21:59:59.999Z'))).toBe(1);
    expect(weekIndexOf(weeks, Date.parse('2026-11-08T21:59:59.999Z'))).toBe(-1);
    expect(weekIndexOf(weeks, Date.parse('2026-11-29T22:00:00.000Z'))).toBe(-1);
  });

  it('add up hourly counts into weeks, Monday’s first Tallinn hours included', () => {
    const weeks = tallinnWeeks(new Date('2026-11-25T10:00:00.000Z'), 2);
    const sums = sumByWeek(weeks, [
      { hour: '2026-11-22T21', value: 1 },
      { hour: '2026-11-22T22', value: 2 },
      { hour: '2026-11-25T09', value: 3 },
      { hour: '2026-11-01T10', value: 100 },
    ]);
    expect(sums).toEqual([1, 5]);
  });
});

describe('medians and shares', () => {
  it('take the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeUndefined();
    expect(median([5])).toBe(5);
    expect(median([10, 2, 4])).toBe(4);
    expect(median([1, 3])).toBe(2);
    expect(median([0.5, 10, 2, 4])).toBe(3);
  });

  it('are per cent, and nothing (not NaN) of nothing', () => {
    expect(percentOf(3, 10)).toBe(30);
    expect(percentOf(0, 4)).toBe(0);
    expect(percentOf(0, 0)).toBeUndefined();
  });

  it('give the median hours to the first offer per week of the inquiry', () => {
    const weeks = tallinnWeeks(new Date('2026-11-25T10:00:00.000Z'), 2);
    const figures = firstOfferFigures(weeks, [
      { createdAt: '2026-11-17T09:00:00.000Z', firstOfferAt: '2026-11-17T09:30:00.000Z' },
      { createdAt: '2026-11-23T08:00:00.000Z', firstOfferAt: '2026-11-23T10:00:00.000Z' },
      { createdAt: '2026-11-23T08:00:00.000Z', firstOfferAt: '2026-11-23T12:00:00.000Z' },
      { createdAt: '2026-11-23T08:00:00.000Z', firstOfferAt: '2026-11-23T18:00:00.000Z' },
      // Before the weeks: left out.
      { createdAt: '2026-10-01T08:00:00.000Z', firstOfferAt: '2026-10-01T09:00:00.000Z' },
    ]);
    expect(figures).toEqual({ medianHours: [0.5, 4], withOffer: [1, 3], overallMedianHours: 3 });
  });

  it('never give a negative delay, even when a clock went back', () => {
    const weeks = tallinnWeeks(new Date('2026-11-25T10:00:00.000Z'), 1);
    expect(firstOfferFigures(weeks, [{ createdAt: '2026-11-24T08:00:00.000Z', firstOfferAt: '2026-11-24T07:00:00.000Z' }]).medianHours).toEqual([0]);
    expect(firstOfferFigures(weeks, []).medianHours).toEqual([undefined]);
  });

  it('put response rates into five buckets, 100 % into the last', () => {
    expect([0, 1, 2, 3, 4, 5].map((answered) => responseRateBucketOf(answered, 5))).toEqual([0, 1, 2, 3, 4, 4]);
    expect(responseRateBucketOf(1, 6)).toBe(0);
    expect(responseRateBucketOf(0, 0)).toBe(0);
  });
});

describe('response figures', () => {
  it('add up the experts’ counts, sort them into buckets and name the least responsive with enough invitations', () => {
    const figures = responseFigures(
      [
        { expertId: 1, counted: 5, answered: 5 },
        { expertId: 2, counted: 5, answered: 0 },
        { expertId: 3, counted: 10, answered: 2 },
        { expertId: 4, counted: 5, answered: 1 },
        { expertId: 5, counted: 4, answered: 0 },
        { expertId: 6, counted: 20, answered: 0 },
      ],
      { minCounted: 5, limit: 3 },
    );
    expect(figures.counted).toBe(49);
    expect(figures.answered).toBe(8);
    expect(figures.histogram).toEqual([3, 2, 0, 0, 1]);
    // 0 % (20 invitations before 5), then 20 % (10 before 5): the rate first, then the most invitations.
    expect(figures.lowest.map((e) => e.expertId)).toEqual([6, 2, 3]);
  });

  it('are empty, not NaN, without invitations', () => {
    expect(responseFigures([], { minCounted: 5, limit: 5 })).toEqual({ counted: 0, answered: 0, histogram: [0, 0, 0, 0, 0], lowest: [] });
  });
});
