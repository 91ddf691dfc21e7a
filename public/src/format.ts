// Numbers for people (pure): the unit a series is in, guessed from statsd's naming, and
// formatting of single values and of whole axes (all ticks in one scale, just enough decimals).

/**
 * `ms`: statsd timer statistics; `perSecond`: rates (`rate`, `count_ps`, `max_rate`,
 * perSecond()); `percent`: asPercent(); `none`: anything else.
 */
export type Unit = 'ms' | 'perSecond' | 'percent' | 'none';

// etsy's timer statistics (plus per-percentile `mean_90`, `upper_90`, `lower_top10`); not
// `count`, `count_ps` or `sum_squares`, which are not durations.
const TIMER_STAT = /^(mean|median|std|upper|lower|sum)(_top\d+|_\d+)?$/;
const RATE_STAT = /^(rate|count_ps|max_rate)$/;
// asPercent() as the outermost function, under renaming or shifting ones:
// alias(asPercent(a, b), "x"), offset(scale(asPercent(r, m), -1), 100) (100 − a percentage).
const PERCENT = /^\s*(?:(?:alias|aliasByNode|aliasByMetric|aliasSub|legendValue|consolidateBy|keepLastValue|offset|scale)\s*\(\s*)*(?:asPercent|pct)\s*\(/;

/** The unit of a target or series name: the metric paths inside it must agree, else `none`. */
export function unitOf(name: string): Unit {
  if (PERCENT.test(name)) return 'percent';
  if (/\b(perSecond|scaleToSeconds)\s*\(/.test(name)) return 'perSecond';
  // Drop quoted strings (aliases) and pick out dotted paths.
  const component = String.raw`(?:[\w*?[\]-]|\{[^}]*\})+`;
  const paths = name.replace(/(["'])(?:(?!\1).)*\1/g, '').match(new RegExp(`${component}(?:\\.${component})+`, 'g')) ?? [];
  let unit: Unit | null = null;
  for (const path of paths) {
    const parts = path.split('.');
    const last = parts[parts.length - 1]!;
    let u: Unit = 'none';
    if (parts.includes('timers') && TIMER_STAT.test(last)) u = 'ms';
    else if (RATE_STAT.test(last)) u = 'perSecond';
    if (unit !== null && unit !== u) return 'none';
    unit = u;
  }
  return unit ?? 'none';
}

const SI: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
  [1, ''],
  [1e-3, 'm'],
  [1e-6, 'µ'],
];

const SI_RATES = SI.filter(([size]) => size >= 1);

const DURATIONS: Array<[number, string]> = [
  [86400000, 'd'],
  [3600000, 'h'],
  [60000, 'min'],
  [1000, 's'],
  [1, 'ms'],
  [0.001, 'µs'],
];

interface Scale {
  size: number;
  suffix: string;
}

function pickScale(magnitude: number, unit: Unit): Scale {
  if (unit === 'percent') return { size: 1, suffix: '%' };
  // No milli- or micro- prefix on a rate: `500m/s` reads as metres per second; 0.5/s it is.
  const table = unit === 'ms' ? DURATIONS : unit === 'perSecond' ? SI_RATES : SI;
  const m = Math.abs(magnitude);
  if (m === 0 || !Number.isFinite(m)) return unit === 'ms' ? { size: 1, suffix: 'ms' } : { size: 1, suffix: '' };
  for (const [size, suffix] of table) if (m >= size) return { size, suffix };
  const [size, suffix] = table[table.length - 1]!;
  return { size, suffix };
}

function decorate(text: string, scale: Scale, unit: Unit): string {
  if (unit === 'percent') return `${text}%`;
  const sep = unit === 'ms' || (scale.suffix && scale.suffix.length > 1) ? ' ' : '';
  const body = scale.suffix ? `${text}${sep}${scale.suffix}` : text;
  return unit === 'perSecond' ? `${body}/s` : body;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** One value, three significant digits: `1.23k`, `350 ms`, `1.5 s`, `12/s`, `–` for a gap. */
export function formatValue(value: number | null | undefined, unit: Unit = 'none'): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return decorate('0', unit === 'ms' ? { size: 1, suffix: 'ms' } : { size: 1, suffix: '' }, unit);
  const scale = pickScale(value, unit);
  const scaled = value / scale.size;
  const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  // below the smallest prefix (rates under 1/s): three significant digits, not 0.00
  const text = Math.abs(scaled) < 1 ? String(Number(scaled.toPrecision(3))) : trimZeros(scaled.toFixed(digits));
  return decorate(text, scale, unit);
}

/**
 * Labels for axis ticks: one scale for all (picked from the largest tick) and the same number of
 * decimals for all (the fewest that write every tick exactly), e.g. [0, 500, 1000, 1500] ms →
 * `0.0 s`, `0.5 s`, `1.0 s`, `1.5 s`; [0, 2500, 5000] → `0`, `2.5k`, `5.0k`.
 */
export function formatTicks(ticks: number[], unit: Unit = 'none'): string[] {
  if (ticks.length === 0) return [];
  const largest = Math.max(...ticks.map((t) => Math.abs(t)));
  const scale = pickScale(largest, unit);
  const scaled = ticks.map((t) => t / scale.size);
  // Fewest decimals that write every tick exactly (d3's ticks are round numbers: 0.25, 2.5, 10).
  let decimals = 0;
  while (decimals < 6 && !scaled.every((v) => Math.abs(v * 10 ** decimals - Math.round(v * 10 ** decimals)) < 1e-6 * 10 ** decimals)) decimals++;
  return ticks.map((t, i) => {
    const text = (scaled[i] as number).toFixed(decimals);
    return t === 0 && unit !== 'ms' && unit !== 'percent' ? '0' : decorate(text === '-0' ? '0' : text, scale, unit);
  });
}

/** A count for the tree: 1234 → `1,234` (grouping without locale surprises). */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
