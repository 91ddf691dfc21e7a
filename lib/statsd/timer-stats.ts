// Timer statistics exactly as etsy statsd 0.9's lib/process_metrics.js computes them, including its
// floating-point order (running sums over the ascending values) and its naming quirks. Pure.
// Shared with the tracelog helper, which reports request durations as statsd timers would.

/** One `histogram` rule: the first rule whose `metric` is a substring of the timer key wins. */
export interface HistogramRule {
  metric: string;
  /** Upper bin limits (exclusive), ascending; `'inf'` as the last bin catches everything above. */
  bins: (number | 'inf')[];
}

export interface TimerStatsConfig {
  /** Percentiles; negative means "top" (`lower_top10`). Default in sotto `[90, 95, 99]`. */
  percentThreshold: number[];
  histogram?: HistogramRule[];
  /** When non-empty, only these stats are kept (`count`, `upper_percent`, `histogram`, …). */
  calculatedTimerMetrics?: string[];
}

export type StatEmitter = (suffix: string, value: number) => void;

/** `('' + pct).replace('.', '_').replace('-', 'top')`, as etsy names percentile stats. */
export function percentSuffix(pct: number): string {
  return String(pct).replace('.', '_').replace('-', 'top');
}

/** `'bin_' + String(bin).replace('.', '_')`: only the first dot, as etsy does. */
export function binName(bin: number | 'inf'): string {
  return 'bin_' + String(bin).replace('.', '_');
}

/** The histogram bins for a key: the first rule whose metric is contained in the key (etsy: first match). */
export function binsFor(key: string, rules: HistogramRule[] | undefined): (number | 'inf')[] {
  if (!rules) return [];
  for (const rule of rules) {
    if (key.indexOf(rule.metric) > -1) return rule.bins;
  }
  return [];
}

const filterCache = new WeakMap<string[], Map<string, boolean>>();

/** Whether `calculatedTimerMetrics` keeps a stat (percentile stats match as `<stat>_percent`). */
export function keepsStat(suffix: string, calculated: string[] | undefined): boolean {
  if (!calculated || !Array.isArray(calculated) || calculated.length === 0) return true;
  let cache = filterCache.get(calculated);
  if (!cache) {
    cache = new Map();
    filterCache.set(calculated, cache);
  }
  let keep = cache.get(suffix);
  if (keep === undefined) {
    const cleaned = suffix.startsWith('histogram.') ? 'histogram' : suffix.replace(/_(top)?\d+$/, '_percent');
    keep = calculated.includes(cleaned);
    cache.set(suffix, keep);
  }
  return keep;
}

const ascending = (a: number, b: number): number => a - b;

/**
 * A configuration's timer stats numbered in etsy's emission order, so a flush of many timers
 * names them from precomputed suffixes: per percentile `count_p`, `mean_p`, `upper_p` (`lower_topN`),
 * `sum_p`, `sum_squares_p` (ids 5k…5k+4), then `std`, `upper`, `lower`, `count`, `count_ps`, `sum`,
 * `sum_squares`, `mean`, `median`, then one id per histogram bin of the key's rule.
 */
export class TimerStatLayout {
  readonly percents: readonly number[];
  /** Suffix per id (bins excluded). */
  readonly names: string[] = [];
  /** calculatedTimerMetrics: 1 where the stat is kept. */
  readonly keep: Uint8Array;
  readonly keepHistogram: boolean;
  readonly fixed: number;
  private readonly rules: HistogramRule[] | undefined;
  private readonly calc: string[] | undefined;
  private readonly binNames = new Map<HistogramRule['bins'], string[]>();

  constructor(config: TimerStatsConfig) {
    this.percents = config.percentThreshold;
    for (const pct of this.percents) {
      const p = percentSuffix(pct);
      this.names.push('count_' + p, 'mean_' + p, (pct > 0 ? 'upper_' : 'lower_') + p, 'sum_' + p, 'sum_squares_' + p);
    }
    this.fixed = this.names.length;
    this.names.push('std', 'upper', 'lower', 'count', 'count_ps', 'sum', 'sum_squares', 'mean', 'median');
    const calc = config.calculatedTimerMetrics;
    this.keep = Uint8Array.from(this.names, (n) => (keepsStat(n, calc) ? 1 : 0));
    this.keepHistogram = keepsStat('histogram.bin', calc);
    this.rules = config.histogram;
    this.calc = calc;
  }

  /** Whether this layout was made from (an unchanged) `config`. */
  describes(config: TimerStatsConfig): boolean {
    return this.percents === config.percentThreshold && this.rules === config.histogram && this.calc === config.calculatedTimerMetrics;
  }

  /** The bins for a key (etsy: the first rule whose metric the key contains). */
  bins(key: string): (number | 'inf')[] {
    return binsFor(key, this.rules);
  }

  /** Suffixes of a bins list (`histogram.bin_100`, …), computed once per rule. */
  binSuffixes(bins: (number | 'inf')[]): string[] {
    let names = this.binNames.get(bins);
    if (names === undefined) {
      names = bins.map((b) => 'histogram.' + binName(b));
      this.binNames.set(bins, names);
    }
    return names;
  }
}

// Running totals, reused between timers (the flush of 100,000 timers allocates nothing per timer).
let cum = new Float64Array(1024);
let cumSq = new Float64Array(1024);

/** Stat ids of the fixed stats, relative to TimerStatLayout.fixed. */
const STD = 0, UPPER = 1, LOWER = 2, COUNT = 3, COUNT_PS = 4, SUM = 5, SUM_SQUARES = 6, MEAN = 7, MEDIAN = 8;
/** Histogram bin b has id `layout.fixed + BINS + b`. */
export const BINS = 9;

/**
 * The core of etsy's process_metrics for one timer: `v[start, start + n)` SORTED ASCENDING,
 * `count` = Σ 1/rate. Calls `emit(id, value)` in etsy's order for the stats the layout keeps
 * (bin b has id `layout.fixed + 9 + b`).
 */
export function computeTimerStats(
  v: ArrayLike<number>, start: number, n: number, count: number, flushIntervalMs: number,
  layout: TimerStatLayout, bins: readonly (number | 'inf')[], emit: (id: number, value: number) => void,
): void {
  const keep = layout.keep;
  const f = layout.fixed;
  if (n === 0) {
    if (keep[f + COUNT_PS]) emit(f + COUNT_PS, 0);
    if (keep[f + COUNT]) emit(f + COUNT, 0);
    return;
  }
  const min = v[start]!;
  const max = v[start + n - 1]!;
  if (cum.length < n) {
    cum = new Float64Array(Math.max(n, cum.length * 2));
    cumSq = new Float64Array(cum.length);
  }
  // Running totals in ascending order, exactly as etsy builds them (same rounding).
  cum[0] = min;
  cumSq[0] = min * min;
  for (let i = 1; i < n; i++) {
    const x = v[start + i]!;
    cum[i] = x + cum[i - 1]!;
    cumSq[i] = x * x + cumSq[i - 1]!;
  }

  let sum = min;
  let sumSquares = min * min;
  let mean = min;
  let boundary = max;
  const pcts = layout.percents;
  for (let k = 0; k < pcts.length; k++) {
    const pct = pcts[k]!;
    let numInThreshold = n;
    if (n > 1) {
      numInThreshold = Math.round((Math.abs(pct) / 100) * n);
      if (numInThreshold === 0) continue;
      if (pct > 0) {
        boundary = v[start + numInThreshold - 1]!;
        sum = cum[numInThreshold - 1]!;
        sumSquares = cumSq[numInThreshold - 1]!;
      } else {
        boundary = v[start + n - numInThreshold]!;
        // etsy reads cum[-1] (undefined → NaN) when the top percentile spans every value.
        const before = n - numInThreshold - 1;
        sum = cum[n - 1]! - (before >= 0 ? cum[before]! : NaN);
        sumSquares = cumSq[n - 1]! - (before >= 0 ? cumSq[before]! : NaN);
      }
      mean = sum / numInThreshold;
    }
    const id = 5 * k;
    if (keep[id]) emit(id, numInThreshold);
    if (keep[id + 1]) emit(id + 1, mean);
    if (keep[id + 2]) emit(id + 2, boundary);
    if (keep[id + 3]) emit(id + 3, sum);
    if (keep[id + 4]) emit(id + 4, sumSquares);
  }

  sum = cum[n - 1]!;
  sumSquares = cumSq[n - 1]!;
  mean = sum / n;
  let sumOfDiffs = 0;
  for (let i = 0; i < n; i++) {
    const d = v[start + i]! - mean;
    sumOfDiffs += d * d;
  }
  const mid = Math.floor(n / 2);
  const median = n % 2 ? v[start + mid]! : (v[start + mid - 1]! + v[start + mid]!) / 2;

  if (keep[f + STD]) emit(f + STD, Math.sqrt(sumOfDiffs / n));
  if (keep[f + UPPER]) emit(f + UPPER, max);
  if (keep[f + LOWER]) emit(f + LOWER, min);
  if (keep[f + COUNT]) emit(f + COUNT, count);
  if (keep[f + COUNT_PS]) emit(f + COUNT_PS, count / (flushIntervalMs / 1000));
  if (keep[f + SUM]) emit(f + SUM, sum);
  if (keep[f + SUM_SQUARES]) emit(f + SUM_SQUARES, sumSquares);
  if (keep[f + MEAN]) emit(f + MEAN, mean);
  if (keep[f + MEDIAN]) emit(f + MEDIAN, median);

  if (!layout.keepHistogram) return;
  let i = 0;
  for (let b = 0; b < bins.length; b++) {
    const bin = bins[b]!;
    let freq = 0;
    for (; i < n && (bin === 'inf' || v[start + i]! < bin); i++) freq += 1;
    emit(f + BINS + b, freq);
  }
}

const layouts = new WeakMap<TimerStatsConfig, TimerStatLayout>();

/** The layout of a configuration, made once per (unchanged) config object. */
export function layoutFor(config: TimerStatsConfig): TimerStatLayout {
  let layout = layouts.get(config);
  if (layout === undefined || !layout.describes(config)) {
    layout = new TimerStatLayout(config);
    layouts.set(config, layout);
  }
  return layout;
}

/**
 * Emits one timer's statistics in etsy's order. `values` is SORTED IN PLACE (ascending).
 * `count` is the sample-rate-corrected count (Σ 1/rate); `values.length` is the raw number of values.
 * With no values only `count_ps` and `count` (both 0) are emitted, as etsy does for idle timers.
 * `key` selects the histogram rule (pass '' when there is no histogram configuration).
 */
export function forEachTimerStat(
  values: number[],
  count: number,
  flushIntervalMs: number,
  config: TimerStatsConfig,
  emit: StatEmitter,
  key = '',
): void {
  const layout = layoutFor(config);
  values.sort(ascending);
  const bins = values.length ? layout.bins(key) : [];
  const names = layout.names;
  const binNames = layout.binSuffixes(bins);
  const f = layout.fixed + BINS;
  computeTimerStats(values, 0, values.length, count, flushIntervalMs, layout, bins, (id, v) => emit(id < f ? names[id]! : binNames[id - f]!, v));
}

/**
 * One timer's statistics as `[suffix, value]` pairs in etsy's order, suffixes as etsy's graphite
 * backend writes them (`count_90`, `mean_90`, `upper_90`, …, `count_ps`, `median`, `histogram.bin_100`).
 * `values` is sorted in place. Stable signature: the tracelog helper depends on it.
 */
export function timerStats(
  values: number[],
  count: number,
  flushIntervalMs: number,
  config: TimerStatsConfig,
  key = '',
): Array<[statSuffix: string, value: number]> {
  const stats: Array<[string, number]> = [];
  forEachTimerStat(values, count, flushIntervalMs, config, (s, v) => stats.push([s, v]), key);
  return stats;
}
