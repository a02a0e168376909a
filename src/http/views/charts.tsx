/**
 * Small server-side SVG charts (issue 8: "charts people would rather look at than read").
 * Pure functions of their props: no script, no external service, no inline style (the CSP
 * allows none), colours from the stylesheet's palette through classes (`chart-tone-1` …).
 *
 * Each chart is a <figure> named by its <figcaption>; the <svg> is one image (role="img")
 * labelled by its <title> and <desc>; and the same numbers are always in a real <table> under a
 * <details> disclosure, for screen readers and for anyone who prefers numbers. Every text is
 * passed in already translated and every number through the caller's `format` (the reader's
 * locale), so the components know no language.
 */
import { h, type Children } from '../jsx.js';

/** One category on the x axis (a week): a short label for the axis, a longer one for the table. */
export type ChartCategory = { label: string; longLabel?: string };

/** One row of extra, already formatted figures in the table (e.g. a share next to a median). */
export type ChartExtraColumn = { heading: string; cells: string[] };

type ChartText = {
  /** Unique on the page: prefixes the ids of the title and description. */
  id: string;
  /** The caption (and the image's name). */
  title: string;
  /** One or two sentences saying what the chart shows (the image's description). */
  description: string;
  /** The disclosure's text, e.g. "Show the numbers as a table". */
  tableSummary: string;
  /** The heading of the table's first column, e.g. "Week". */
  categoryHeading: string;
  /** Shown over the chart when it has nothing to show yet (omit to show the empty axes only). */
  emptyText?: string | undefined;
  /** A value as the reader reads it (table, labels over bars, axis unless `axisFormat`). */
  format: (value: number) => string;
  /** The axis's labels, when they should read differently (e.g. whole euros). */
  axisFormat?: ((value: number) => string) | undefined;
};

// ---- scales ----

export type Scale = { max: number; step: number; ticks: number[] };

/**
 * A "nice" linear scale from zero: about `intervals` steps of 1, 2, 2.5 or 5 × 10ⁿ covering
 * `maxValue`. Counts get whole steps. Nothing to show (zero, negative, NaN): 0…1 with the zero
 * tick only, so nothing is ever divided by zero.
 */
export function niceScale(maxValue: number, options: { isInteger?: boolean; intervals?: number } = {}): Scale {
  if (!(maxValue > 0) || !Number.isFinite(maxValue)) return { max: 1, step: 1, ticks: [0] };
  const intervals = options.intervals ?? 4;
  const rough = maxValue / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const multipliers = options.isInteger && magnitude < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  let step = (multipliers.find((m) => m * magnitude >= rough - 1e-9) ?? 10) * magnitude;
  if (options.isInteger) step = Math.max(1, Math.round(step));
  const count = Math.max(1, Math.ceil(maxValue / step - 1e-9));
  const ticks = Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { max: ticks[ticks.length - 1]!, step, ticks };
}

// ---- geometry shared by the column charts ----

const width = 800;
const height = 280;
const margin = { top: 18, right: 12, bottom: 34, left: 72 };
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;
/** Axis labels need about this many units each; denser categories label every second (third…) one. */
const labelSpace = 48;
/** Values are written over the bars only when a bar's slot is at least this wide. */
const valueLabelSpace = 40;

/** A value a bar can show: finite and not below zero (anything else draws as nothing, never as NaN). */
function drawable(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function yOf(value: number, scale: Scale): number {
  return round(margin.top + plotHeight - (Math.max(0, value) / scale.max) * plotHeight);
}

function slotWidth(count: number): number {
  return plotWidth / Math.max(1, count);
}

/** The gridlines and value labels of the y axis. */
function YAxis({ scale, format }: { scale: Scale; format: (value: number) => string }) {
  return (
    <g class="chart-axis" aria-hidden="true">
      {scale.ticks.map((tick) => {
        const y = yOf(tick, scale);
        return (
          <g key={tick}>
            <line class={tick === 0 ? 'chart-baseline' : 'chart-gridline'} x1={margin.left} x2={width - margin.right} y1={y} y2={y} />
            <text class="chart-tick" x={margin.left - 8} y={y} dy="0.32em" text-anchor="end">
              {format(tick)}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** The category labels under the plot, thinned out when there are many. */
function XAxis({ categories }: { categories: ChartCategory[] }) {
  const slot = slotWidth(categories.length);
  const every = Math.max(1, Math.ceil(labelSpace / slot));
  return (
    <g class="chart-axis" aria-hidden="true">
      {categories.map((category, i) =>
        (categories.length - 1 - i) % every === 0 ? (
          <text key={i} class="chart-tick" x={round(margin.left + slot * (i + 0.5))} y={height - margin.bottom + 18} text-anchor="middle">
            {category.label}
          </text>
        ) : null,
      )}
    </g>
  );
}

function EmptyNote({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <text class="chart-empty" x={round(margin.left + plotWidth / 2)} y={round(margin.top + plotHeight / 2)} text-anchor="middle">
      {text}
    </text>
  );
}

/** A legend in HTML (readable text, wraps on small screens); one series needs none. */
function Legend({ labels }: { labels: string[] }) {
  if (labels.length < 2) return null;
  return (
    <ul class="chart-legend">
      {labels.map((label, i) => (
        <li key={label}>
          <span class={`chart-swatch chart-tone-${toneOf(i)}`} aria-hidden="true" />
          {label}
        </li>
      ))}
    </ul>
  );
}

function toneOf(seriesIndex: number): number {
  return (seriesIndex % 3) + 1;
}

/** The numbers of a chart as a table, behind a disclosure. */
function DataTable({
  text,
  categories,
  columns,
}: {
  text: ChartText;
  categories: ChartCategory[];
  columns: { heading: string; cells: string[] }[];
}) {
  return (
    <details class="chart-data">
      <summary>{text.tableSummary}</summary>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{text.title}</caption>
          <thead>
            <tr>
              <th scope="col">{text.categoryHeading}</th>
              {columns.map((column) => (
                <th key={column.heading} scope="col" class="num">
                  {column.heading}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {categories.map((category, i) => (
              <tr key={i}>
                <th scope="row">{category.longLabel ?? category.label}</th>
                {columns.map((column) => (
                  <td key={column.heading} class="num">
                    {column.cells[i] ?? ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** The frame every chart shares: figure, caption, legend, the image, the table. */
function ChartFigure({
  text,
  legend,
  svgHeight,
  children,
  table,
}: {
  text: ChartText;
  legend: string[];
  svgHeight: number;
  children: Children;
  table: Children;
}) {
  const titleId = `${text.id}-title`;
  const descId = `${text.id}-desc`;
  return (
    <figure class="chart" id={text.id}>
      <figcaption class="chart-title">{text.title}</figcaption>
      <Legend labels={legend} />
      <div class="chart-frame">
        <svg class="chart-svg" viewBox={`0 0 ${width} ${svgHeight}`} role="img" aria-labelledby={`${titleId} ${descId}`} focusable="false">
          <title id={titleId}>{text.title}</title>
          <desc id={descId}>{text.description}</desc>
          {children}
        </svg>
      </div>
      {table}
    </figure>
  );
}

// ---- column chart: one series, stacked or grouped ----

export type BarSeries = { label: string; values: number[] };

export type BarChartProps = ChartText & {
  categories: ChartCategory[];
  series: BarSeries[];
  /** Several series on top of each other (parts of a whole) or side by side (default: stacked). */
  layout?: 'stacked' | 'grouped';
  /** Whole numbers only (counts): the axis steps by whole numbers. */
  isInteger?: boolean;
  /** Stacked bars: the heading of a total column in the table. */
  totalHeading?: string;
  extraColumns?: ChartExtraColumn[];
};

/** Columns per category: one series, several stacked (with their total over the column) or grouped side by side. */
export function BarChart(props: BarChartProps) {
  const { categories, series, layout = 'stacked', isInteger = false } = props;
  const valueAt = (s: BarSeries, i: number) => drawable(s.values[i]);
  const totals = categories.map((_, i) => series.reduce((sum, s) => sum + valueAt(s, i), 0));
  const highest = layout === 'stacked' ? Math.max(0, ...totals) : Math.max(0, ...series.flatMap((s) => categories.map((_, i) => valueAt(s, i))));
  const scale = niceScale(highest, { isInteger });
  const slot = slotWidth(categories.length);
  const groupWidth = slot * 0.7;
  const isEmpty = highest === 0;
  const showValues = slot >= valueLabelSpace && (layout === 'stacked' || series.length === 1);
  const axisFormat = props.axisFormat ?? props.format;

  const columns = [
    ...series.map((s) => ({ heading: s.label, cells: categories.map((_, i) => props.format(valueAt(s, i))) })),
    ...(layout === 'stacked' && series.length > 1 && props.totalHeading ? [{ heading: props.totalHeading, cells: totals.map((v) => props.format(v)) }] : []),
    ...(props.extraColumns ?? []),
  ];

  return (
    <ChartFigure text={props} legend={series.map((s) => s.label)} svgHeight={height} table={<DataTable text={props} categories={categories} columns={columns} />}>
      <YAxis scale={scale} format={axisFormat} />
      <g class="chart-bars">
        {categories.map((category, i) => {
          const left = margin.left + slot * i + (slot - groupWidth) / 2;
          let base = 0;
          return (
            <g key={i}>
              {series.map((s, k) => {
                const value = valueAt(s, i);
                if (value === 0) return null;
                const barWidth = layout === 'stacked' ? groupWidth : groupWidth / series.length;
                const x = layout === 'stacked' ? left : left + barWidth * k;
                const bottom = layout === 'stacked' ? base : 0;
                if (layout === 'stacked') base += value;
                const y = yOf(bottom + value, scale);
                return (
                  <rect key={k} class={`chart-bar chart-tone-${toneOf(k)}`} x={round(x)} y={y} width={round(barWidth)} height={round(yOf(bottom, scale) - y)}>
                    <title>{`${category.longLabel ?? category.label}: ${s.label} ${props.format(value)}`}</title>
                  </rect>
                );
              })}
              {showValues && totals[i]! > 0 && (
                <text class="chart-value" x={round(left + groupWidth / 2)} y={yOf(layout === 'stacked' ? totals[i]! : valueAt(series[0]!, i), scale) - 5} text-anchor="middle" aria-hidden="true">
                  {props.format(layout === 'stacked' ? totals[i]! : valueAt(series[0]!, i))}
                </text>
              )}
            </g>
          );
        })}
      </g>
      <XAxis categories={categories} />
      {isEmpty && <EmptyNote text={props.emptyText} />}
    </ChartFigure>
  );
}

// ---- line chart ----

export type LineSeries = { label: string; values: (number | undefined)[] };

export type LineChartProps = ChartText & {
  categories: ChartCategory[];
  series: LineSeries[];
  /** A fixed top of the axis (100 for per cent); otherwise from the data. */
  max?: number;
  isInteger?: boolean;
  /** The table's cell for a category without a value (e.g. "–"). */
  missingText: string;
  extraColumns?: ChartExtraColumn[];
};

/** Lines over the categories; a category without a value breaks the line (no invented zero). */
export function LineChart(props: LineChartProps) {
  const { categories, series } = props;
  const defined = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const scale = props.max !== undefined ? niceScale(props.max, { isInteger: props.isInteger ?? false }) : niceScale(Math.max(0, ...defined), { isInteger: props.isInteger ?? false });
  const slot = slotWidth(categories.length);
  const xOf = (i: number) => round(margin.left + slot * (i + 0.5));
  const axisFormat = props.axisFormat ?? props.format;
  const columns = [
    ...series.map((s) => ({ heading: s.label, cells: categories.map((_, i) => {
        const value = s.values[i];
        return value === undefined || !Number.isFinite(value) ? props.missingText : props.format(value);
      }) })),
    ...(props.extraColumns ?? []),
  ];

  return (
    <ChartFigure text={props} legend={series.map((s) => s.label)} svgHeight={height} table={<DataTable text={props} categories={categories} columns={columns} />}>
      <YAxis scale={scale} format={axisFormat} />
      {series.map((s, k) => {
        const points = categories.map((_, i) => {
          const value = s.values[i];
          return value === undefined || !Number.isFinite(value) ? undefined : { x: xOf(i), y: yOf(Math.min(value, scale.max), scale), value, i };
        });
        // Runs of consecutive values, each its own line.
        const runs: { x: number; y: number }[][] = [];
        let run: { x: number; y: number }[] = [];
        for (const point of points) {
          if (point) run.push(point);
          else if (run.length) {
            runs.push(run);
            run = [];
          }
        }
        if (run.length) runs.push(run);
        return (
          <g key={k} class={`chart-line chart-tone-${toneOf(k)}`}>
            {runs
              .filter((r) => r.length > 1)
              .map((r, j) => (
                <polyline key={j} class="chart-path" points={r.map((p) => `${p.x},${p.y}`).join(' ')} />
              ))}
            {points.map((point) =>
              point ? (
                <circle key={point.i} class="chart-point" cx={point.x} cy={point.y} r="4">
                  <title>{`${categories[point.i]!.longLabel ?? categories[point.i]!.label}: ${s.label} ${props.format(point.value)}`}</title>
                </circle>
              ) : null,
            )}
          </g>
        );
      })}
      <XAxis categories={categories} />
      {defined.length === 0 && <EmptyNote text={props.emptyText} />}
    </ChartFigure>
  );
}

// ---- horizontal bars (a histogram or a ranking) ----

export type HorizontalBarChartProps = ChartText & {
  categories: ChartCategory[];
  values: number[];
  /** The table's heading of the values' column. */
  valueHeading: string;
  isInteger?: boolean;
};

const rowHeight = 30;
const labelWidth = 130;

/** One horizontal bar per category, its value written after it: for few categories with long names. */
export function HorizontalBarChart(props: HorizontalBarChartProps) {
  const { categories, values } = props;
  const valueAt = (i: number) => drawable(values[i]);
  const highest = Math.max(0, ...categories.map((_, i) => valueAt(i)));
  const scale = niceScale(highest, { isInteger: props.isInteger ?? false });
  const svgHeight = margin.top + rowHeight * Math.max(1, categories.length) + 8;
  // Room after the longest bar for its value.
  const barSpace = width - margin.right - labelWidth - 70;
  return (
    <ChartFigure
      text={props}
      legend={[]}
      svgHeight={svgHeight}
      table={<DataTable text={props} categories={categories} columns={[{ heading: props.valueHeading, cells: categories.map((_, i) => props.format(valueAt(i))) }]} />}
    >
      <line class="chart-baseline" x1={labelWidth} x2={labelWidth} y1={margin.top - 6} y2={svgHeight - 4} aria-hidden="true" />
      {categories.map((category, i) => {
        const y = margin.top + rowHeight * i;
        const barWidth = round((valueAt(i) / scale.max) * barSpace);
        return (
          <g key={i}>
            <text class="chart-tick" x={labelWidth - 8} y={y + rowHeight / 2 - 2} dy="0.32em" text-anchor="end" aria-hidden="true">
              {category.label}
            </text>
            {barWidth > 0 && (
              <rect class="chart-bar chart-tone-1" x={labelWidth} y={y + 4} width={barWidth} height={rowHeight - 12}>
                <title>{`${category.longLabel ?? category.label}: ${props.format(valueAt(i))}`}</title>
              </rect>
            )}
            <text class="chart-value" x={labelWidth + barWidth + 6} y={y + rowHeight / 2 - 2} dy="0.32em" aria-hidden="true">
              {props.format(valueAt(i))}
            </text>
          </g>
        );
      })}
      {highest === 0 && props.emptyText && (
        <text class="chart-empty" x={round(labelWidth + barSpace / 2)} y={round(svgHeight / 2)} text-anchor="middle">
          {props.emptyText}
        </text>
      )}
    </ChartFigure>
  );
}
