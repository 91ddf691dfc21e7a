// Moving windows (movingAverage & co., movingWindow, exponentialMovingAverage, stdev). They re-fetch
// their first argument with `from` moved back by the window, like graphite-web. The window
// ending at t includes t (graphite-web 1.1.9+; 1.1.8 used the points strictly before t, one
// step late — kept behind `compat118` for the differential tests).
import type { FunctionDef, RenderContext } from '../context.js';
import { copyContext } from '../context.js';
import { getAggFunc, safeAvg } from '../aggfuncs.js';
import { parseTimeOffset } from '../attime.js';
import { InputParameterError, LimitError } from '../errors.js';
import { evaluateFirstArg } from '../evaluate.js';
import { copySeries, iter, type RenderSeries, type Value } from '../series.js';
import { pyFormatD, pyRound, pyStr } from '../pyformat.js';
import { def, floatArg, int, optNum, p, seriesList, seriesListParam, str } from './helpers.js';

const SUGGESTIONS = [5, 7, 10, '1min', '5min', '10min', '30min', '1hour'];
/** Most window-values summed by one moving* call (points × window) before it is refused. */
const MAX_WINDOW_WORK = 200_000_000;

function previewOf(list: RenderSeries[], windowSize: unknown): number {
  if (typeof windowSize === 'string') return Math.abs(parseTimeOffset(windowSize));
  return Math.max(...list.map((s) => s.step)) * int(windowSize, 'windowSize');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

async function movingWindow(ctx: RenderContext, list: RenderSeries[], windowSize: unknown, func: string, xFilesFactor: number | null): Promise<RenderSeries[]> {
  if (!list.length) return [];
  if (typeof windowSize !== 'string') int(windowSize, 'windowSize');
  const windowText = pyStr(windowSize, floatArg(ctx, 1));
  const preview = previewOf(list, windowSize);
  const agg = getAggFunc(func);
  const previewList = await evaluateFirstArg(ctx, copyContext(ctx, { startTime: ctx.startTime - preview }));
  const tagName = 'moving' + capitalize(func);
  const late = ctx.compat118 === true;
  return previewList.map((s) => {
    const isString = typeof windowSize === 'string';
    const name = isString ? `${tagName}(${s.name},"${windowSize}")` : `${tagName}(${s.name},${windowText})`;
    const points = isString ? Math.floor(preview / s.step) : int(windowSize, 'windowSize');
    s.tags[tagName] = windowText;
    const raw = s.values;
    if (Math.max(0, raw.length - points) * Math.max(points, 0) > MAX_WINDOW_WORK) throw new LimitError(`moving window of ${points} points over ${raw.length} points is too large`);
    const xff = xFilesFactor ?? s.xFilesFactor;
    const values: Value[] = [];
    for (let i = Math.max(points, 0); i < raw.length; i++) {
      const from = late ? i - points : i - points + 1;
      const window = raw.slice(Math.max(from, 0), late ? i : i + 1);
      const nonNull = window.filter((v) => v !== null) as number[];
      values.push(nonNull.length && points > 0 && nonNull.length / points >= xff ? agg(nonNull) : null);
    }
    const ints = s.ints && (func === 'sum' || func === 'min' || func === 'max');
    return copySeries(s, { name, start: s.start + preview, values, ints });
  });
}

async function exponentialMovingAverage(ctx: RenderContext, list: RenderSeries[], windowSize: unknown): Promise<RenderSeries[]> {
  if (!list.length) return [];
  const isString = typeof windowSize === 'string';
  const windowText = pyStr(windowSize, floatArg(ctx, 1));
  const preview = previewOf(list, windowSize);
  const constant = 2 / ((isString ? preview : int(windowSize, 'windowSize')) + 1);
  const previewList = await evaluateFirstArg(ctx, copyContext(ctx, { startTime: ctx.startTime - preview }));
  return previewList.map((s) => {
    const name = isString ? `exponentialMovingAverage(${s.name},"${windowSize}")` : `exponentialMovingAverage(${s.name},${windowText})`;
    const points = isString ? Math.floor(preview / s.step) : int(windowSize, 'windowSize');
    s.tags.exponentialMovingAverage = windowText;
    const raw = s.values;
    let ema = safeAvg(raw.slice(0, Math.max(points, 0))) || 0;
    const values: Value[] = [pyRound(ema, 6)];
    for (let i = Math.max(points, 0); i < raw.length; i++) {
      const v = raw[i];
      if (v === null) {
        values.push(null);
        continue;
      }
      ema = constant * v + (1 - constant) * ema;
      values.push(pyRound(ema, 6));
    }
    return copySeries(s, { name, start: s.start + preview, values, ints: false });
  });
}

/**
 * graphite's stdev(): the standard deviation of the last `points` points, from running sums (so
 * the same float results as graphite's, rounding included); null where fewer than
 * windowTolerance × points of them are non-null. No re-fetch: the first points see a short window.
 */
function stdev(ctx: RenderContext, list: RenderSeries[], points: number, windowTolerance: number): RenderSeries[] {
  const pointsText = pyStr(points, floatArg(ctx, 1));
  if (points < 1) throw new InputParameterError(`stdev needs at least 1 point, got ${pointsText}`); // graphite: ZeroDivisionError
  return list.map((s) => {
    const raw = iter(s);
    const values: Value[] = new Array(raw.length);
    let valid = 0;
    let sum = 0;
    let sumOfSquares = 0;
    for (let i = 0; i < raw.length; i++) {
      const dropped = i < points ? null : raw[i - points];
      const v = raw[i];
      if (dropped !== null) {
        valid--;
        sum -= dropped;
        sumOfSquares -= dropped ** 2;
      }
      if (v !== null) {
        valid++;
        sum += v;
        sumOfSquares += v ** 2;
      }
      // Python's math.sqrt raises for a negative (rounding) and graphite appends None
      const deviation = valid > 0 && valid / points >= windowTolerance ? Math.sqrt(valid * sumOfSquares - sum ** 2) / valid : NaN;
      values[i] = Number.isNaN(deviation) ? null : deviation;
    }
    s.tags.stdev = pointsText;
    return copySeries(s, { name: `stdev(${s.name},${pyFormatD(points)})`, values, ints: false });
  });
}

export function windowFunctions(): FunctionDef[] {
  const windowParam = p('windowSize', 'intOrInterval', { required: true, suggestions: SUGGESTIONS });
  const moving = (name: string, func: string): FunctionDef =>
    def(name, 'Calculate', `The ${func} of the window (a number of points, or an interval like "5min") ending at each point.`, [seriesListParam(), windowParam, p('xFilesFactor', 'float')], (ctx, [l, w, x]) =>
      movingWindow(ctx, seriesList(l), w, func, optNum(x, 'xFilesFactor')),
    );
  return [
    moving('movingAverage', 'average'),
    moving('movingSum', 'sum'),
    moving('movingMin', 'min'),
    moving('movingMax', 'max'),
    moving('movingMedian', 'median'),
    def(
      'movingWindow',
      'Calculate',
      'Any aggregation (func) over the window ending at each point.',
      [seriesListParam(), windowParam, p('func', 'aggFunc', { default: 'average' }), p('xFilesFactor', 'float')],
      (ctx, [l, w, f, x]) => movingWindow(ctx, seriesList(l), w, f === undefined || f === null ? 'average' : str(f, 'func'), optNum(x, 'xFilesFactor')),
    ),
    def('exponentialMovingAverage', 'Calculate', 'Exponential moving average with constant 2/(window+1); an interval window counts its seconds (as graphite does).', [seriesListParam(), windowParam], (ctx, [l, w]) =>
      exponentialMovingAverage(ctx, seriesList(l), w),
    ),
    def('stdev', 'Calculate', 'The standard deviation of the last `points` points (null where fewer than windowTolerance of them are non-null).', [seriesListParam(), p('points', 'integer', { required: true }), p('windowTolerance', 'float', { default: 0.1 })], (ctx, [l, n, tol]) =>
      stdev(ctx, seriesList(l), int(n, 'points'), optNum(tol, 'windowTolerance') ?? 0.1),
    ),
  ];
}
