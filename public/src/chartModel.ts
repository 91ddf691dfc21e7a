// What a chart needs from /render answers, computed without the DOM (pure): parsed series with
// gaps kept as nulls, legend statistics, y range, colours, and the values under the crosshair.

/** One drawn series: `points[i] = [epochSeconds, value | null]`, null being a gap (never zero). */
export interface PlotSeries {
  name: string;
  /** The target (expression) this series came from. */
  target: string;
  points: Array<[number, number | null]>;
  /** drawAsInfinite(): drawn as vertical lines where the value is > 0, not as a line. */
  marker?: boolean;
}

export interface SeriesStats {
  /** The last non-null value. */
  current: number | null;
  min: number | null;
  max: number | null;
  avg: number | null;
}

/**
 * Reads graphite's render JSON, `[{"target", "tags", "datapoints": [[value, ts], …]}]`, into
 * PlotSeries. ±Infinity becomes a gap too (it cannot be drawn). Throws on anything else.
 */
export function parseRender(json: unknown, target: string): PlotSeries[] {
  if (!Array.isArray(json)) throw new Error('unexpected answer from /render: not a list of series');
  return json.map((s, i) => {
    if (typeof s !== 'object' || s === null || !Array.isArray((s as { datapoints?: unknown }).datapoints)) {
      throw new Error(`unexpected answer from /render: series ${i} has no datapoints`);
    }
    const raw = s as { target?: unknown; tags?: unknown; datapoints: unknown[] };
    const points: Array<[number, number | null]> = [];
    for (const dp of raw.datapoints) {
      if (!Array.isArray(dp) || typeof dp[1] !== 'number') continue;
      const v = dp[0];
      points.push([dp[1], typeof v === 'number' && Number.isFinite(v) ? v : null]);
    }
    const name = typeof raw.target === 'string' ? raw.target : target;
    const series: PlotSeries = { name, target, points };
    if (isMarker(name, raw.tags)) series.marker = true;
    return series;
  });
}

/**
 * drawAsInfinite() marks a series by its name, `drawAsInfinite(x)`, and by the tag
 * `drawAsInfinite` (which survives an alias() around it).
 */
function isMarker(name: string, tags: unknown): boolean {
  if (name.startsWith('drawAsInfinite(')) return true;
  if (typeof tags !== 'object' || tags === null) return false;
  const flag = (tags as Record<string, unknown>).drawAsInfinite;
  return flag === '1' || flag === 1 || flag === true || flag === 'true';
}

/** Times of a marker series' lines: where the value is > 0 (graphite-web's drawAsInfinite). */
export function markerTimes(points: ReadonlyArray<[number, number | null]>): number[] {
  return points.filter(([, v]) => v !== null && v > 0).map(([t]) => t);
}

export function seriesStats(points: ReadonlyArray<[number, number | null]>): SeriesStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  let current: number | null = null;
  for (const [, v] of points) {
    if (v === null) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
    current = v;
  }
  return n === 0 ? { current: null, min: null, max: null, avg: null } : { current, min, max, avg: sum / n };
}

/** Indexes of points with gaps on both sides: a line cannot show them, so they get a dot. */
export function isolatedPoints(points: ReadonlyArray<[number, number | null]>): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.length; i++) {
    if (points[i]![1] === null) continue;
    const before = i === 0 || points[i - 1]![1] === null;
    const after = i === points.length - 1 || points[i + 1]![1] === null;
    if (before && after) out.push(i);
  }
  return out;
}

/** The y range to draw: covers every visible value (markers aside); a flat line gets room around it; null when nothing to draw. */
export function yExtent(series: readonly PlotSeries[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (s.marker) continue; // vertical lines: no value on the y axis
    for (const [, v] of s.points) {
      if (v === null) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) return null;
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
  }
  // Values that are all positive read best from zero unless they sit far above it.
  if (lo > 0 && lo < hi * 0.5) lo = 0;
  return [lo, hi];
}

/** The x range of the data (first to last timestamp over all series); null when there are no points. */
export function timeExtent(series: readonly PlotSeries[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (s.points.length === 0) continue;
    lo = Math.min(lo, s.points[0]![0]);
    hi = Math.max(hi, s.points[s.points.length - 1]![0]);
  }
  return lo === Infinity ? null : [lo, hi];
}

/** The point of each series nearest to `time` (at most `maxDistance` seconds away), for the crosshair. */
export function valuesAt(series: readonly PlotSeries[], time: number, maxDistance: number): Array<{ name: string; time: number; value: number | null } | null> {
  return series.map((s) => {
    const i = nearestIndex(s.points, time);
    if (i < 0) return null;
    const [t, v] = s.points[i]!;
    return Math.abs(t - time) <= maxDistance ? { name: s.name, time: t, value: v } : null;
  });
}

/** Binary search over sorted timestamps: index of the point closest to `time`, -1 if none. */
export function nearestIndex(points: ReadonlyArray<[number, number | null]>, time: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]![0] < time) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1]![0] - time) <= Math.abs(points[lo]![0] - time)) return lo - 1;
  return lo;
}

/** The step between points of a series (smallest gap between consecutive timestamps), 0 if unknown. */
export function stepOf(points: ReadonlyArray<[number, number | null]>): number {
  let step = Infinity;
  for (let i = 1; i < points.length; i++) step = Math.min(step, points[i]![0] - points[i - 1]![0]);
  return Number.isFinite(step) ? step : 0;
}

// Tableau 10: distinct hues that stay readable on light and dark backgrounds.
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Colour per series by position, so hiding one does not recolour the others. */
export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/**
 * Dash patterns (SVG stroke-dasharray) for each round of the palette: the first ten series are
 * solid, the next ten dashed, then dotted, … so 50 series look different before any repeats.
 */
export const DASHES = ['', '7 3', '2 3', '10 3 2 3', '1 5'];

export interface SeriesStyle {
  color: string;
  /** stroke-dasharray; '' for a solid line. */
  dash: string;
}

/** Colour and dash per series by position (stable when others are hidden). */
export function styleFor(index: number): SeriesStyle {
  return { color: colorFor(index), dash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length]! };
}

/** A CSS background drawing `style` as a short horizontal line sample (legend and tooltip swatches). */
export function swatchBackground(style: SeriesStyle): string {
  const parts = style.dash.split(/[\s,]+/).filter(Boolean).map(Number);
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n) || n < 0)) return style.color;
  const stops: string[] = [];
  let at = 0;
  parts.forEach((len, k) => {
    const color = k % 2 === 0 ? style.color : 'transparent';
    stops.push(`${color} ${at}px ${at + len}px`);
    at += len;
  });
  return `repeating-linear-gradient(90deg, ${stops.join(', ')})`;
}

/** How many legend entries show before "+N more". */
export const LEGEND_LIMIT = 20;

/** The legend entries to show and the count left out (`expanded`: all of them). */
export function legendSlice(count: number, expanded: boolean, limit = LEGEND_LIMIT): { shown: number; more: number } {
  // "+1 more" would take the room of the one entry it hides: show it instead.
  if (expanded || count <= limit + 1) return { shown: count, more: 0 };
  return { shown: limit, more: count - limit };
}
