// Filtering and sorting whole series (highest*, *Above/*Below, filterSeries, limit, grep, sort*)
// and filtering values (removeAbove/BelowValue/Percentile, nPercentile). Sorts are Python's
// stable sorts with a missing aggregate counting as -infinity.
import type { FunctionDef } from '../context.js';
import { getAggFunc, safeAvg, safeLen, safeMax, safeMin, type AggFunc } from '../aggfuncs.js';
import { InputParameterError } from '../errors.js';
import { copySeries, iter, type RenderSeries, type Value } from '../series.js';
import { pyFormatG, pyStr } from '../pyformat.js';
import { pySearch } from '../pyregex.js';
import { def, int, mapInPlace, num, optNum, p, seriesList, seriesListParam, seriesLists, seriesListsParam, stableSortBy, str, bool } from './helpers.js';
import { getPercentile } from './combine.js';

const OPERATORS: Record<string, (v: number | null, t: number) => boolean> = {
  '=': (v, t) => v !== null && v === t,
  '!=': (v, t) => v === null || v !== t,
  '>': (v, t) => v !== null && v > t,
  '>=': (v, t) => v !== null && v >= t,
  '<': (v, t) => v === null || v < t,
  '<=': (v, t) => v === null || v <= t,
};

function keyOf(agg: AggFunc): (s: RenderSeries) => number {
  return (s) => agg(iter(s)) ?? -Infinity;
}

function filterSeries(list: RenderSeries[], func: string, operator: string, threshold: number): RenderSeries[] {
  const agg = getAggFunc(func);
  const op = OPERATORS[operator];
  if (!op) throw new InputParameterError(`Unsupported operator: ${operator}`);
  return list.filter((s) => op(agg(iter(s)), threshold));
}

function nPercentile(list: RenderSeries[], n: number): RenderSeries[] {
  if (!n) throw new InputParameterError('The requested percent is required to be greater than 0');
  const out: RenderSeries[] = [];
  for (const s of list) {
    const sorted = (iter(s).filter((v) => v !== null) as number[]).sort((a, b) => a - b);
    if (!sorted.length) continue;
    const copy = copySeries(s, { values: sorted });
    const value = getPercentile(sorted, n, false);
    if (value === null) continue;
    copy.tags.nPercentile = pyStr(n, true);
    const count = Math.trunc((s.end - s.start) / s.step);
    out.push(copySeries(copy, { name: `nPercentile(${copy.name}, ${pyFormatG(n)})`, values: new Array(Math.max(0, count)).fill(value) }));
  }
  return out;
}

function removeValues(name: string, list: RenderSeries[], n: number, remove: (v: Value, limit: number) => boolean, limitOf: (s: RenderSeries) => number | null): RenderSeries[] {
  for (const s of list) {
    s.name = `${name}(${s.name}, ${pyFormatG(n)})`;
    s.pathExpression = s.name;
    const limit = limitOf(s);
    if (limit === null) continue;
    mapInPlace(s, (v) => (remove(v, limit) ? null : v));
  }
  return list;
}

export function filterFunctions(): FunctionDef[] {
  const nParam = p('n', 'integer', { required: true });
  const thresholdParam = p('n', 'float', { required: true });
  const top = (name: string, func: string | null, reverse: boolean): FunctionDef =>
    def(
      name,
      'Filter Series',
      `The n series with the ${reverse ? 'highest' : 'lowest'} ${func ?? 'aggregate (func, default average)'}.`,
      func ? [seriesListParam(), nParam] : [seriesListParam(), p('n', 'integer', { required: true }), p('func', 'aggFunc', { default: 'average' })],
      (_ctx, [l, n, f]) => stableSortBy(seriesList(l), keyOf(getAggFunc(func ?? (f === undefined || f === null ? 'average' : str(f, 'func')))), reverse).slice(0, n === undefined ? 1 : int(n, 'n')),
    );
  const threshold = (name: string, func: string, op: string): FunctionDef =>
    def(name, 'Filter Series', `Series whose ${func} is ${op === '>' ? 'above' : 'at or below'} n.`, [seriesListParam(), thresholdParam], (_ctx, [l, n]) => filterSeries(seriesList(l), func, op, num(n, 'n')));
  return [
    top('highest', null, true),
    top('lowest', null, false),
    top('highestCurrent', 'current', true),
    top('highestMax', 'max', true),
    top('highestAverage', 'average', true),
    top('lowestCurrent', 'current', false),
    top('lowestAverage', 'average', false),
    threshold('currentAbove', 'last', '>'),
    threshold('currentBelow', 'last', '<='),
    threshold('averageAbove', 'average', '>'),
    threshold('averageBelow', 'average', '<='),
    threshold('maximumAbove', 'max', '>'),
    threshold('maximumBelow', 'max', '<='),
    threshold('minimumAbove', 'min', '>'),
    threshold('minimumBelow', 'min', '<='),
    def(
      'filterSeries',
      'Filter Series',
      'Keeps the series whose aggregate (func) compares true (operator: = != > >= < <=) with the threshold.',
      [seriesListParam(), p('func', 'aggFunc', { required: true }), p('operator', 'string', { required: true, options: Object.keys(OPERATORS).sort() }), p('threshold', 'float', { required: true })],
      (_ctx, [l, f, op, t]) => {
        const list = seriesList(l);
        getAggFunc(str(f, 'func'));
        if (!OPERATORS[str(op, 'operator')]) throw new InputParameterError(`Unsupported operator: ${op}`);
        return list.length ? filterSeries(list, f as string, op as string, num(t, 'threshold')) : [];
      },
    ),
    def('removeAboveValue', 'Filter Data', 'Replaces values above n by null.', [seriesListParam(), thresholdParam], (_ctx, [l, n]) => {
      const limit = num(n, 'n');
      return removeValues('removeAboveValue', seriesList(l), limit, (v, t) => v !== null && v > t, () => limit);
    }),
    def('removeBelowValue', 'Filter Data', 'Replaces values below n by null.', [seriesListParam(), thresholdParam], (_ctx, [l, n]) => {
      const limit = num(n, 'n');
      return removeValues('removeBelowValue', seriesList(l), limit, (v, t) => v === null || v < t, () => limit);
    }),
    def('removeAbovePercentile', 'Filter Data', 'Replaces values above the n-th percentile of the series by null.', [seriesListParam(), thresholdParam], (_ctx, [l, n]) => {
      const pct = num(n, 'n');
      return removeValues('removeAbovePercentile', seriesList(l), pct, (v, t) => v !== null && v > t, (s) => nPercentile([s], pct)[0]?.values[0] ?? null);
    }),
    def('removeBelowPercentile', 'Filter Data', 'Replaces values below the n-th percentile of the series by null.', [seriesListParam(), thresholdParam], (_ctx, [l, n]) => {
      const pct = num(n, 'n');
      return removeValues('removeBelowPercentile', seriesList(l), pct, (v, t) => v === null || v < t, (s) => nPercentile([s], pct)[0]?.values[0] ?? null);
    }),
    def('nPercentile', 'Calculate', 'A constant series at the n-th percentile of each series.', [seriesListParam(), thresholdParam], (_ctx, [l, n]) => nPercentile(seriesList(l), num(n, 'n'))),
    def('removeEmptySeries', 'Filter Series', 'Drops series without (enough, per xFilesFactor) non-null values.', [seriesListParam(), p('xFilesFactor', 'float')], (_ctx, [l, x]) => {
      const xff = optNum(x, 'xFilesFactor') ?? 0;
      return seriesList(l).filter((s) => {
        const total = s.values.length;
        const nonNull = safeLen(iter(s));
        return total > 0 && nonNull > 0 && nonNull / total >= xff;
      });
    }),
    def('limit', 'Filter Series', 'The first n series.', [seriesListParam(), nParam], (_ctx, [l, n]) => seriesList(l).slice(0, int(n, 'n'))),
    def('exclude', 'Filter Series', 'Drops the series whose name matches the (Python) regular expression.', [seriesListParam(), p('pattern', 'string', { required: true })], (_ctx, [l, pat]) => {
      const pattern = str(pat, 'pattern');
      return seriesList(l).filter((s) => !pySearch(pattern, s.name));
    }),
    def('grep', 'Filter Series', 'Keeps the series whose name matches the (Python) regular expression.', [seriesListParam(), p('pattern', 'string', { required: true })], (_ctx, [l, pat]) => {
      const pattern = str(pat, 'pattern');
      return seriesList(l).filter((s) => pySearch(pattern, s.name));
    }),
    def('mostDeviant', 'Filter Series', 'The n series with the largest (population) variance.', [seriesListParam(), nParam], (_ctx, [l, n]) => {
      const deviants: { sigma: number; s: RenderSeries }[] = [];
      for (const s of seriesList(l)) {
        const vals = iter(s);
        const mean = safeAvg(vals);
        if (mean === null) continue;
        let squares = 0;
        for (const v of vals) if (v !== null) squares += (v - mean) ** 2;
        const len = safeLen(vals);
        if (!len) continue;
        deviants.push({ sigma: squares / len, s });
      }
      return stableSortBy(deviants, (d) => d.sigma, true)
        .map((d) => d.s)
        .slice(0, int(n, 'n'));
    }),
    def('sortByName', 'Sorting', 'Sorts by name (natural: numbers compared by value).', [seriesListParam(), p('natural', 'boolean', { default: false }), p('reverse', 'boolean', { default: false })], (_ctx, [l, nat, rev]) => {
      const natural = bool(nat, false);
      const key = (s: RenderSeries): string => (natural ? s.name.replace(/\d+/g, (d) => BigInt(d).toString().padStart(10, '0')) : s.name);
      return stableSortBy(seriesList(l), key, bool(rev, false));
    }),
    def('sortBy', 'Sorting', 'Sorts by an aggregate of each series (default average).', [seriesListParam(), p('func', 'aggFunc', { default: 'average' }), p('reverse', 'boolean', { default: false })], (_ctx, [l, f, rev]) =>
      stableSortBy(seriesList(l), keyOf(getAggFunc(f === undefined || f === null ? 'average' : str(f, 'func'))), bool(rev, false)),
    ),
    def('sortByTotal', 'Sorting', 'Sorts by the sum of each series, largest first.', [seriesListParam()], (_ctx, [l]) => stableSortBy(seriesList(l), keyOf(getAggFunc('sum')), true)),
    def('sortByMaxima', 'Sorting', 'Sorts by the maximum of each series, largest first.', [seriesListParam()], (_ctx, [l]) => stableSortBy(seriesList(l), keyOf(safeMax), true)),
    def('sortByMinima', 'Sorting', 'Sorts by the minimum of each series (series never above 0 are dropped).', [seriesListParam()], (_ctx, [l]) =>
      stableSortBy(
        seriesList(l).filter((s) => (safeMax(iter(s)) ?? 0) > 0),
        keyOf(safeMin),
      ),
    ),
    def('unique', 'Filter Series', 'Drops series whose name was already seen.', [seriesListsParam()], (_ctx, args) => {
      const seen = new Set<string>();
      return seriesLists(args)
        .flat()
        .filter((s) => (seen.has(s.name) ? false : (seen.add(s.name), true)));
    }),
    def('averageOutsidePercentile', 'Filter Series', 'Series whose average lies outside the n-th percentile band of all averages.', [seriesListParam(), thresholdParam], (_ctx, [l, nArg]) => {
      const list = seriesList(l);
      let n = num(nArg, 'n');
      const averages = list.map((s) => safeAvg(iter(s)));
      if (n < 50) n = 100 - n;
      const low = getPercentile(averages, 100 - n, false);
      const high = getPercentile(averages, n, false);
      // Python's chained `low < avg < high` (None compares as in Python 2: never inside)
      return list.filter((_, i) => {
        const a = averages[i];
        return !(low !== null && high !== null && a !== null && low < a && a < high);
      });
    }),
    def('fallbackSeries', 'Special', 'The series list, or the fallback when it is empty.', [seriesListParam(), seriesListParam('fallback')], (_ctx, [l, fb]) => {
      const list = seriesList(l);
      return list.length ? list : seriesList(fb, 'fallback');
    }),
  ];
}
