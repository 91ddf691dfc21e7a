// Moving windows (movingAverage & co., movingWindow, exponentialMovingAverage). They re-fetch
// their first argument with `from` moved back by the window, like graphite-web. The window
// ending at t includes t (graphite-web 1.1.9+; 1.1.8 used the points strictly before t, one
// step late — kept behind `compat118` for the differential tests).
import type { FunctionDef, RenderContext } from '../context.js';
import { copyContext } from '../context.js';
import { getAggFunc, safeAvg } from '../aggfuncs.js';
import { parseTimeOffset } from '../attime.js';
import { LimitError } from '../errors.js';
import { evaluateFirstArg } from '../evaluate.js';
import { copySeries, type RenderSeries, type Value } from '../series.js';
import { pyRound, pyStr } from '../pyformat.js';
import { def, int, optNum, p, seriesList, seriesListParam, str } from './helpers.js';

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
  const preview = previewOf(list, windowSize);
  const agg = getAggFunc(func);
  const previewList = await evaluateFirstArg(ctx, copyContext(ctx, { startTime: ctx.startTime - preview }));
  const tagName = 'moving' + capitalize(func);
  const late = ctx.compat118 === true;
  return previewList.map((s) => {
    const isString = typeof windowSize === 'string';
    const name = isString ? `${tagName}(${s.name},"${windowSize}")` : `${tagName}(${s.name},${pyStr(windowSize)})`;
    const points = isString ? Math.floor(preview / s.step) : int(windowSize, 'windowSize');
    s.tags[tagName] = pyStr(windowSize);
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
  const preview = previewOf(list, windowSize);
  const constant = 2 / ((isString ? preview : int(windowSize, 'windowSize')) + 1);
  const previewList = await evaluateFirstArg(ctx, copyContext(ctx, { startTime: ctx.startTime - preview }));
  return previewList.map((s) => {
    const name = isString ? `exponentialMovingAverage(${s.name},"${windowSize}")` : `exponentialMovingAverage(${s.name},${pyStr(windowSize)})`;
    const points = isString ? Math.floor(preview / s.step) : int(windowSize, 'windowSize');
    s.tags.exponentialMovingAverage = pyStr(windowSize);
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
  ];
}
