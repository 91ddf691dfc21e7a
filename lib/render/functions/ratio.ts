// Pairwise combinations: divideSeries, divideSeriesLists, asPercent (all its forms), weightedAverage
// and the aggregateSeriesLists family. Steps are aligned like graphite (lcm + consolidation) and values
// zipped by index.
import type { FunctionDef, RenderContext } from '../context.js';
import { InputParameterError } from '../errors.js';
import { safeDiv, safeMul, safeSum } from '../aggfuncs.js';
import { mapRows, normalize } from '../normalize.js';
import { iter, makeSeries, type RenderSeries, type Value } from '../series.js';
import { isSeriesList } from '../params.js';
import { pyStr } from '../pyformat.js';
import { aggKey, def, floatArg, formatPathExpressions, groupBy, optNum, p, seriesList, seriesListParam, str } from './helpers.js';
import { aggregate } from './combine.js';

function quotient(ctx: RenderContext, dividend: RenderSeries, divisor: RenderSeries): RenderSeries {
  const name = `divideSeries(${dividend.name},${divisor.name})`;
  const n = normalize([[dividend, divisor]])!;
  const values = mapRows(n.list, (row) => safeDiv(row[0], row[1]));
  return makeSeries(name, n.start, n.end, n.step, values, { xFilesFactor: ctx.xFilesFactor });
}

/**
 * graphite's weightedAverage: avg × weight for each pair matched by their nodes/tags, summed and
 * divided by the sum of all the weights. Pairs keep the order their keys were first seen in.
 */
function weightedAverage(ctx: RenderContext, avgs: RenderSeries[], weights: RenderSeries[], nodes: unknown[]): RenderSeries[] {
  if (avgs.length !== weights.length) {
    throw new InputParameterError(`weightedAverage must receive the same number of series for seriesListAvg and seriesListWeight but received respectively ${avgs.length} and ${weights.length}`);
  }
  const pairs = new Map<string, { avg?: RenderSeries; weight?: RenderSeries }>();
  const pair = (key: string) => pairs.get(key) ?? pairs.set(key, {}).get(key)!;
  avgs.forEach((avg, i) => {
    pair(aggKey(avg, nodes)).avg = avg;
    pair(aggKey(weights[i], nodes)).weight = weights[i];
  });
  const products: RenderSeries[] = [];
  for (const { avg, weight } of pairs.values()) {
    if (!avg || !weight) continue;
    const values = mapRows([avg, weight], (row) => safeMul(row[0], row[1]));
    products.push(makeSeries(`product(${weight.name},${avg.name})`, avg.start, avg.end, avg.step, values, { xFilesFactor: ctx.xFilesFactor }));
  }
  if (!products.length) return [];
  const [sumProducts] = aggregate(ctx, [products], 'sum');
  const [sumWeights] = aggregate(ctx, [weights], 'sum');
  const expressions = (list: RenderSeries[]) => [...new Set(list.map((s) => s.pathExpression))].sort().join(',');
  const nodeText = nodes.map((n, i) => pyStr(n, floatArg(ctx, 2 + i))).join(',');
  const name = `weightedAverage(${expressions(avgs)}, ${expressions(weights)}, ${nodeText})`;
  const values = mapRows([sumProducts, sumWeights], (row) => safeDiv(row[0], row[1]));
  return [makeSeries(name, sumProducts.start, sumProducts.end, sumProducts.step, values, { xFilesFactor: ctx.xFilesFactor })];
}

function percentOf(a: Value, b: Value): Value {
  return safeMul(safeDiv(a, b), 100.0);
}

function sumOf(ctx: RenderContext, group: RenderSeries[], seen: (n: { start: number; end: number; step: number }) => void): RenderSeries {
  if (group.length === 1) return group[0];
  const name = `sumSeries(${formatPathExpressions(group)})`;
  const n = normalize([group])!;
  seen(n);
  return makeSeries(name, n.start, n.end, n.step, mapRows(group, safeSum), { xFilesFactor: ctx.xFilesFactor });
}

function asPercentByNodes(ctx: RenderContext, list: RenderSeries[], total: unknown, nodes: unknown[]): RenderSeries[] {
  const meta = groupBy(list, (s) => aggKey(s, nodes));
  const keys = [...meta.keys()];
  const totals = new Map<string, RenderSeries>();
  // graphite reuses the last normalize()'s start/end/step for MISSING series
  let last = { start: list[0]?.start ?? 0, end: list[0]?.end ?? 0, step: list[0]?.step ?? 1 };
  const seen = (n: typeof last): void => {
    last = n;
  };
  if (total === null || total === undefined) {
    for (const key of keys) totals.set(key, sumOf(ctx, meta.get(key)!, seen));
  } else if (isSeriesList(total)) {
    const byKey = groupBy(total, (s) => aggKey(s, nodes));
    for (const key of byKey.keys()) if (!keys.includes(key)) keys.push(key);
    for (const [key, group] of byKey) totals.set(key, sumOf(ctx, group, seen));
  } else {
    throw new InputParameterError('total must be None or a seriesList');
  }
  const out: RenderSeries[] = [];
  for (const key of keys) {
    const members = meta.get(key);
    if (!members) {
      const s2 = totals.get(key)!;
      const values = iter(s2).map(() => null);
      out.push(makeSeries(`asPercent(MISSING,${s2.name})`, last.start, last.end, last.step, values, { xFilesFactor: ctx.xFilesFactor }));
      continue;
    }
    for (const s1 of members) {
      const s2 = totals.get(key);
      let values: Value[];
      let name: string;
      if (!s2) {
        name = `asPercent(${s1.name},MISSING)`;
        values = iter(s1).map(() => null);
      } else {
        name = `asPercent(${s1.name},${s2.name})`;
        const n = normalize([[s1, s2]])!;
        last = n;
        values = mapRows([s1, s2], (row) => percentOf(row[0], row[1]));
      }
      out.push(makeSeries(name, last.start, last.end, last.step, values, { xFilesFactor: ctx.xFilesFactor }));
    }
  }
  return out;
}

function asPercent(ctx: RenderContext, list: RenderSeries[], total: unknown, nodes: unknown[]): RenderSeries[] {
  if (!list.length) return [];
  normalize([list]);
  if (nodes.length) return asPercentByNodes(ctx, list, total, nodes);
  let totalValues: Value[];
  let totalText: string;
  if (total === null || total === undefined) {
    totalValues = mapRows(list, safeSum);
    totalText = `sumSeries(${formatPathExpressions(list)})`;
  } else if (Array.isArray(total)) {
    const totalList = seriesList(total, 'total');
    if (totalList.length !== 1 && totalList.length !== list.length) {
      throw new InputParameterError('asPercent second argument must be missing, a single digit, reference exactly 1 series or reference the same number of series as the first argument');
    }
    if (totalList.length === list.length && totalList.length !== 1) {
      const byName = (a: RenderSeries, b: RenderSeries): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const left = list.slice().sort(byName);
      const right = totalList.slice().sort(byName);
      return left.map((s1, i) => {
        const s2 = right[i];
        const n = normalize([[s1, s2]])!;
        const values = mapRows([s1, s2], (row) => percentOf(row[0], row[1]));
        return makeSeries(`asPercent(${s1.name},${s2.name})`, n.start, n.end, n.step, values, { xFilesFactor: ctx.xFilesFactor });
      });
    }
    normalize([list, totalList]);
    totalValues = iter(totalList[0]);
    totalText = totalList[0].name;
    if (list.length === 1) {
      // one series over one total: graphite pairs them exactly like the equal-length case
      const [s1, s2] = [list[0], totalList[0]];
      const n = normalize([[s1, s2]])!;
      const values = mapRows([s1, s2], (row) => percentOf(row[0], row[1]));
      return [makeSeries(`asPercent(${s1.name},${s2.name})`, n.start, n.end, n.step, values, { xFilesFactor: ctx.xFilesFactor })];
    }
  } else {
    const t = total as number;
    if (typeof t !== 'number') throw new InputParameterError(`Invalid total for asPercent: ${pyStr(total)}`);
    totalValues = list.length ? new Array(list[0].values.length).fill(t) : [];
    totalText = pyStr(t, floatArg(ctx, 1));
  }
  return list.map((s) => {
    const vals = iter(s);
    const len = Math.max(vals.length, totalValues.length);
    const values: Value[] = new Array(len);
    for (let i = 0; i < len; i++) values[i] = percentOf(i < vals.length ? vals[i] : null, i < totalValues.length ? totalValues[i] : null);
    return makeSeries(`asPercent(${s.name},${totalText || s.pathExpression})`, s.start, s.end, s.step, values, { xFilesFactor: ctx.xFilesFactor });
  });
}

function pairwise(ctx: RenderContext, a: RenderSeries[], b: RenderSeries[], func: string, xff: number | null): RenderSeries[] {
  if (a.length !== b.length) throw new InputParameterError('seriesListFirstPos and seriesListSecondPos argument must have equal length');
  const out: RenderSeries[] = [];
  for (let i = 0; i < a.length; i++) {
    const [r] = aggregate(ctx, [[a[i], b[i]]], func, xff);
    if (!r) continue;
    r.name = `${r.name.slice(0, r.name.indexOf('Series('))}Series(${a[i].name},${b[i].name})`;
    out.push(r);
  }
  return out;
}

export function ratioFunctions(): FunctionDef[] {
  const listsParams = [seriesListParam('seriesListFirstPos'), seriesListParam('seriesListSecondPos')];
  return [
    def('divideSeries', 'Combine', 'Divides each series by the single divisor series (null where the divisor is 0 or null).', [seriesListParam('dividendSeriesList'), seriesListParam('divisorSeries')], (ctx, [a, b]) => {
      const dividends = seriesList(a);
      const divisors = seriesList(b);
      if (!divisors.length) {
        for (const s of dividends) {
          s.name = `divideSeries(${s.name},MISSING)`;
          s.pathExpression = s.name;
          s.values = s.values.map(() => null);
        }
        return dividends;
      }
      if (divisors.length > 1) throw new InputParameterError(`divideSeries second argument must reference exactly 1 series (got ${divisors.length})`);
      return dividends.map((s) => quotient(ctx, s, divisors[0]));
    }),
    def('divideSeriesLists', 'Combine', 'Divides the series pairwise, by position.', [seriesListParam('dividendSeriesList'), seriesListParam('divisorSeriesList')], (ctx, [a, b]) => {
      const [x, y] = [seriesList(a), seriesList(b)];
      if (x.length !== y.length) throw new InputParameterError('dividendSeriesList and divisorSeriesList argument must have equal length');
      return x.map((s, i) => quotient(ctx, s, y[i]));
    }),
    ...['asPercent', 'pct'].map((name) =>
      def(
        name,
        'Combine',
        'Each series as a percentage of a total: the sum of the series, a number, one series, a matching list, or per group of nodes.',
        [seriesListParam(), p('total', 'any'), p('nodes', 'nodeOrTag', { multiple: true })],
        (ctx, [list, total, ...nodes]) => asPercent(ctx, seriesList(list), total, nodes),
        true,
      ),
    ),
    def(
      'weightedAverage',
      'Combine',
      'The average of the first list weighted by the second: series paired by their nodes/tags, sum(avg × weight) / sum(weights).',
      [seriesListParam('seriesListAvg'), seriesListParam('seriesListWeight'), p('nodes', 'nodeOrTag', { multiple: true })],
      (ctx, [avgs, weights, ...nodes]) => weightedAverage(ctx, seriesList(avgs), seriesList(weights), nodes),
    ),
    def('aggregateSeriesLists', 'Combine', 'Aggregates the two lists pairwise, by position.', [...listsParams, p('func', 'aggFunc', { required: true }), p('xFilesFactor', 'float')], (ctx, [a, b, func, xff]) =>
      pairwise(ctx, seriesList(a), seriesList(b), str(func, 'func'), optNum(xff, 'xFilesFactor')),
    ),
    ...(
      [
        ['sumSeriesLists', 'sum'],
        ['diffSeriesLists', 'diff'],
        ['multiplySeriesLists', 'multiply'],
      ] as const
    ).map(([name, func]) => def(name, 'Combine', `Pairwise ${func} of the two lists, by position.`, listsParams, (ctx, [a, b]) => pairwise(ctx, seriesList(a), seriesList(b), func, null), true)),
  ];
}
