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
  const calc = config.calculatedTimerMetrics;
  const out: StatEmitter = !calc || calc.length === 0 ? emit : (s, v) => { if (keepsStat(s, calc)) emit(s, v); };
  const n = values.length;
  if (n === 0) {
    out('count_ps', 0);
    out('count', 0);
    return;
  }
  values.sort(ascending);
  const min = values[0]!;
  const max = values[n - 1]!;
  // Running totals in ascending order, exactly as etsy builds them (same rounding).
  const cum = new Float64Array(n);
  const cumSq = new Float64Array(n);
  cum[0] = min;
  cumSq[0] = min * min;
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    cum[i] = v + cum[i - 1]!;
    cumSq[i] = v * v + cumSq[i - 1]!;
  }

  let sum = min;
  let sumSquares = min * min;
  let mean = min;
  let boundary = max;
  for (const pct of config.percentThreshold) {
    let numInThreshold = n;
    if (n > 1) {
      numInThreshold = Math.round((Math.abs(pct) / 100) * n);
      if (numInThreshold === 0) continue;
      if (pct > 0) {
        boundary = values[numInThreshold - 1]!;
        sum = cum[numInThreshold - 1]!;
        sumSquares = cumSq[numInThreshold - 1]!;
      } else {
        boundary = values[n - numInThreshold]!;
        // etsy reads cum[-1] (undefined → NaN) when the top percentile spans every value.
        const before = n - numInThreshold - 1;
        sum = cum[n - 1]! - (before >= 0 ? cum[before]! : NaN);
        sumSquares = cumSq[n - 1]! - (before >= 0 ? cumSq[before]! : NaN);
      }
      mean = sum / numInThreshold;
    }
    const p = percentSuffix(pct);
    out('count_' + p, numInThreshold);
    out('mean_' + p, mean);
    out((pct > 0 ? 'upper_' : 'lower_') + p, boundary);
    out('sum_' + p, sum);
    out('sum_squares_' + p, sumSquares);
  }

  sum = cum[n - 1]!;
  sumSquares = cumSq[n - 1]!;
  mean = sum / n;
  let sumOfDiffs = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    sumOfDiffs += d * d;
  }
  const mid = Math.floor(n / 2);
  const median = n % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;

  out('std', Math.sqrt(sumOfDiffs / n));
  out('upper', max);
  out('lower', min);
  out('count', count);
  out('count_ps', count / (flushIntervalMs / 1000));
  out('sum', sum);
  out('sum_squares', sumSquares);
  out('mean', mean);
  out('median', median);

  const bins = binsFor(key, config.histogram);
  let i = 0;
  for (const bin of bins) {
    let freq = 0;
    for (; i < n && (bin === 'inf' || values[i]! < bin); i++) freq += 1;
    out('histogram.' + binName(bin), freq);
  }
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
