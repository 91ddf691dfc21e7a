// Combine functions: aggregate and its aliases (sumSeries, averageSeries, …), the *WithWildcards
// and groupByNode(s) groupings, countSeries, group, percentileOfSeries. Names and tags as
// graphite-web: `sumSeries(<distinct path expressions>)`, tags = those common to all inputs
// plus `aggregatedBy`.
import type { FunctionDef, RenderContext } from '../context.js';
import { AGG_ALIASES, AGG_FUNC_NAMES, aggKeepsInts, getAggFunc, safePow } from '../aggfuncs.js';
import { constantLine } from './special.js';
import { InputParameterError } from '../errors.js';
import { mapRows, normalize } from '../normalize.js';
import { iter, makeSeries, type RenderSeries, type Value } from '../series.js';
import { pyFormatG } from '../pyformat.js';
import { aggregatorFunctions } from '../params.js';
import { aggKey, def, formatPathExpressions, groupBy, int, num, optNum, p, seriesList, seriesListParam, seriesLists, seriesListsParam, str } from './helpers.js';

/**
 * sum/average/min/max/count/last computed column by column (one pass per series, no row
 * arrays): the same operations in the same order as graphite's row-wise Python, many times
 * faster for sumSeries over thousands of series. Null for the other functions.
 */
function columnAggregate(list: RenderSeries[], func: string, xff: number): Value[] | null {
  if (!['sum', 'average', 'min', 'max', 'count', 'last'].includes(func)) return null;
  const cols = list.map(iter);
  const len = cols.reduce((m, c) => Math.max(m, c.length), 0);
  const acc = new Float64Array(len);
  const seen = new Uint32Array(len);
  if (func === 'sum' || func === 'average') {
    // the common case, in a loop of its own (Python's sum(): 0 + the first value, then in order)
    for (const col of cols) {
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        if (v !== null) acc[i] = seen[i]++ ? acc[i] + v : 0 + v;
      }
    }
  } else {
    for (const col of cols) {
      for (let i = 0; i < col.length; i++) {
        const v = col[i];
        if (v === null) continue;
        const k = seen[i]++;
        if (func === 'last') acc[i] = v;
        else if (k === 0) acc[i] = v;
        else if (func === 'max' ? v > acc[i] : func === 'min' ? v < acc[i] : false) acc[i] = v;
      }
    }
  }
  const rows = cols.length;
  const out: Value[] = new Array(len);
  for (let i = 0; i < len; i++) {
    const k = seen[i];
    if (!k || k / rows < xff) out[i] = null;
    else if (func === 'average') out[i] = acc[i] / k;
    else if (func === 'count') out[i] = k;
    else out[i] = acc[i];
  }
  return out;
}

/** graphite's aggregate(): one series over all inputs; [] when there is nothing to combine. */
export function aggregate(ctx: RenderContext, lists: RenderSeries[][], rawFunc: string, xFilesFactor: number | null = null): RenderSeries[] {
  const func = rawFunc.endsWith('Series') ? rawFunc.slice(0, -6) : rawFunc;
  const agg = getAggFunc(func, rawFunc);
  const n = normalize(lists);
  if (!n) return [];
  const xff = xFilesFactor ?? ctx.xFilesFactor;
  const name = `${func}Series(${formatPathExpressions(n.list)})`;
  const values =
    columnAggregate(n.list, AGG_ALIASES[func] ?? func, xff) ??
    mapRows(n.list, (row) => {
      let nonNull = 0;
      for (const v of row) if (v !== null) nonNull++;
      return nonNull && nonNull / row.length >= xff ? agg(row) : null;
    });
  let tags = { ...n.list[0].tags };
  for (const s of n.list) {
    const common: Record<string, string> = {};
    for (const [k, v] of Object.entries(tags)) if (k in s.tags && s.tags[k] === v) common[k] = v;
    tags = common;
  }
  if (!('name' in tags)) tags.name = name;
  tags.aggregatedBy = func;
  const ints = (AGG_ALIASES[func] ?? func) === 'count' || (n.list.every((s) => s.ints) && aggKeepsInts(func));
  return [makeSeries(name, n.start, n.end, n.step, values, { xFilesFactor: xff, tags, ints })];
}

function aliasOf(func: string) {
  return (ctx: RenderContext, args: unknown[]) => aggregate(ctx, seriesLists(args), func);
}

/** A groupByNode callback: a series function flagged as aggregator, or an aggregation name. */
async function applyCallback(ctx: RenderContext, group: RenderSeries[], callback: unknown, table: () => Map<string, FunctionDef>): Promise<RenderSeries | undefined> {
  const cb = str(callback, 'callback');
  const fn = table().get(cb);
  const result = fn ? await fn.fn(ctx, [group]) : aggregate(ctx, [group], cb);
  return result[0];
}

function aggregateWithWildcards(ctx: RenderContext, list: RenderSeries[], func: string, positions: number[]): RenderSeries[] {
  const groups = groupBy(list, (s) =>
    s.name
      .split('.')
      .filter((_, i) => !positions.includes(i))
      .join('.'),
  );
  const out: RenderSeries[] = [];
  for (const [key, group] of groups) {
    const [s] = aggregate(ctx, [group], func);
    s.name = key;
    out.push(s);
  }
  return out;
}

function percentile(points: Value[], n: number, interpolate: boolean): number | null {
  const sorted = (points.filter((v) => v !== null) as number[]).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const fractionalRank = (n / 100) * (sorted.length + 1);
  let rank = Math.trunc(fractionalRank);
  const rankFraction = fractionalRank - rank;
  if (!interpolate) rank += Math.ceil(rankFraction);
  let value: number;
  if (rank === 0) value = sorted[0];
  else if (rank - 1 === sorted.length) value = sorted[sorted.length - 1];
  else if (rank - 1 < sorted.length) value = sorted[rank - 1];
  else throw new InputParameterError(`percentile ${n} is out of range`);
  if (interpolate && rank !== sorted.length) value = value + rankFraction * (sorted[rank] - value);
  return value;
}
export { percentile as getPercentile };

export function combineFunctions(table: () => Map<string, FunctionDef>): FunctionDef[] {
  const wildcardsParams = [seriesListParam(), p('position', 'node', { multiple: true })];
  const simple = (name: string, func: string, what: string): FunctionDef =>
    def(name, 'Combine', `${what} of the series at each point (aggregate with "${func}"); nulls are skipped.`, [seriesListsParam()], aliasOf(func), true);
  const groupNodes = async (ctx: RenderContext, list: RenderSeries[], callback: unknown, nodes: unknown[]): Promise<RenderSeries[]> => {
    const out: RenderSeries[] = [];
    for (const [key, group] of groupBy(list, (s) => aggKey(s, nodes))) {
      const s = await applyCallback(ctx, group, callback, table);
      if (!s) continue;
      s.name = key;
      out.push(s);
    }
    return out;
  };
  return [
    def(
      'aggregate',
      'Combine',
      'Aggregates the series with the given function (average, avg_zero, median, sum, min, max, diff, stddev, count, range, multiply, last).',
      [seriesListParam(), p('func', 'aggFunc', { required: true }), p('xFilesFactor', 'float')],
      (ctx, [list, func, xff]) => aggregate(ctx, [seriesList(list)], str(func, 'func'), optNum(xff, 'xFilesFactor')),
    ),
    simple('sumSeries', 'sum', 'Sum'),
    simple('sum', 'sum', 'Sum'),
    simple('averageSeries', 'average', 'Average'),
    simple('avg', 'average', 'Average'),
    simple('minSeries', 'min', 'Minimum'),
    simple('maxSeries', 'max', 'Maximum'),
    simple('diffSeries', 'diff', 'The first series minus the others'),
    simple('stddevSeries', 'stddev', 'Population standard deviation'),
    simple('rangeOfSeries', 'rangeOf', 'Maximum minus minimum'),
    def(
      'multiplySeries',
      'Combine',
      'Product of the series at each point (null if any is null).',
      [seriesListsParam()],
      (ctx, args) => {
        const lists = seriesLists(args);
        if (lists.length === 1 && lists[0].length === 1) return lists[0];
        return aggregate(ctx, lists, 'multiply');
      },
      true,
    ),
    def(
      'countSeries',
      'Combine',
      'The number of series, as a constant series (0 without arguments).',
      [seriesListsParam(false)],
      async (ctx, args) => {
        if (!args.length) {
          const zero = constantLine(ctx, 0, false);
          zero.ints = true;
          zero.pathExpression = 'countSeries()';
          return [zero];
        }
        const n = normalize(seriesLists(args));
        if (!n) return [];
        const name = `countSeries(${formatPathExpressions(n.list)})`;
        const values = mapRows(n.list, (row) => row.length);
        return [makeSeries(name, n.start, n.end, n.step, values, { xFilesFactor: ctx.xFilesFactor, ints: true })];
      },
      true,
    ),
    def(
      'powSeries',
      'Combine',
      'The first series raised to the power of the second, that to the third, … at each point.',
      [seriesListsParam()],
      (ctx, args) => {
        const n = normalize(seriesLists(args));
        if (!n) return [];
        const name = `powSeries(${n.list.map((s) => s.name).join(',')})`;
        const values = mapRows(n.list, (row) => row.slice(1).reduce<Value>((acc, v) => safePow(acc, v), row[0]));
        return [makeSeries(name, n.start, n.end, n.step, values, { xFilesFactor: ctx.xFilesFactor })];
      },
      true,
    ),
    def('group', 'Combine', 'Concatenates the series lists.', [seriesListsParam(false)], (_ctx, args) => seriesLists(args).flat()),
    def(
      'percentileOfSeries',
      'Combine',
      'The n-th percentile across the series at each point (an actual value unless interpolate).',
      [seriesListParam(), p('n', 'float', { required: true }), p('interpolate', 'boolean', { default: false })],
      (ctx, [listArg, nArg, interp]) => {
        const n = num(nArg, 'n');
        if (n <= 0) throw new InputParameterError('The requested percent is required to be greater than 0');
        const list = seriesList(listArg);
        if (!list.length) return [];
        const name = `percentileOfSeries(${list[0].pathExpression},${pyFormatG(n)})`;
        const norm = normalize([list])!;
        const values = mapRows(norm.list, (row) => percentile(row, n, Boolean(interp)));
        return [makeSeries(name, norm.start, norm.end, norm.step, values, { xFilesFactor: ctx.xFilesFactor })];
      },
    ),
    def('aggregateWithWildcards', 'Combine', 'Aggregates series whose names match once the given node positions are ignored.', [seriesListParam(), p('func', 'aggFunc', { required: true }), p('position', 'node', { multiple: true })], (ctx, [list, func, ...pos]) =>
      aggregateWithWildcards(ctx, seriesList(list), str(func, 'func'), pos.map((x) => int(x, 'position'))),
    ),
    ...(
      [
        ['sumSeriesWithWildcards', 'sum'],
        ['averageSeriesWithWildcards', 'average'],
        ['multiplySeriesWithWildcards', 'multiply'],
      ] as const
    ).map(([name, func]) =>
      def(name, 'Combine', `${func} of series whose names match once the given node positions are ignored.`, wildcardsParams, (ctx, [list, ...pos]) =>
        aggregateWithWildcards(ctx, seriesList(list), func, pos.map((x) => int(x, 'position'))), true),
    ),
    def(
      'groupByNodes',
      'Combine',
      'Groups series by the given nodes (or tags) and combines each group with the callback.',
      [seriesListParam(), p('callback', 'aggOrSeriesFunc', { required: true }), p('nodes', 'nodeOrTag', { multiple: true })],
      (ctx, [list, callback, ...nodes]) => groupNodes(ctx, seriesList(list), callback, nodes),
    ),
    def(
      'groupByNode',
      'Combine',
      'Groups series by one node (or tag) and combines each group with the callback (default average).',
      [seriesListParam(), p('nodeNum', 'nodeOrTag', { required: true }), p('callback', 'aggOrSeriesFunc', { default: 'average' })],
      (ctx, [list, node, callback]) => groupNodes(ctx, seriesList(list), callback ?? 'average', [node]),
    ),
  ];
}

export const AGGREGATION_NAMES = AGG_FUNC_NAMES;
export { aggregatorFunctions };
