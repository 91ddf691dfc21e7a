// Special and generated series: consolidateBy, setXFilesFactor, cumulative, constantLine,
// threshold, aggregateLine, identity, time, sin, randomWalk.
import type { FunctionDef, RenderContext } from '../context.js';
import { getAggFunc } from '../aggfuncs.js';
import { InputParameterError } from '../errors.js';
import { copySeries, iter, makeSeries, type RenderSeries } from '../series.js';
import { pyFormatG, pyStr } from '../pyformat.js';
import { def, int, num, p, seriesList, seriesListParam, str, bool } from './helpers.js';

const CONSOLIDATION_FUNCS = ['sum', 'average', 'avg', 'avg_zero', 'min', 'max', 'first', 'last'];

function consolidateBy(list: RenderSeries[], func: string): RenderSeries[] {
  if (!CONSOLIDATION_FUNCS.includes(func)) {
    throw new InputParameterError(`Invalid option specified for function "consolidateBy" parameter "consolidationFunc": '${func}'`);
  }
  for (const s of list) {
    s.consolidationFunc = func;
    s.tags.consolidateBy = func;
    s.name = `consolidateBy(${s.name},"${func}")`;
    s.pathExpression = s.name;
  }
  return list;
}

/** constantLine(value): three points at from, the middle and until (graphite's shape). */
export function constantLine(ctx: RenderContext, value: number | null, valueIsFloat = true): RenderSeries {
  const text = pyStr(value, valueIsFloat);
  const step = Math.trunc((ctx.endTime - ctx.startTime) / 2);
  if (step === 0) throw new InputParameterError('constantLine needs a time range of at least 2 seconds');
  const s = makeSeries(text, ctx.startTime, ctx.endTime, step, [value, value, value], { xFilesFactor: ctx.xFilesFactor });
  s.pathExpression = `constantLine(${text})`;
  return s;
}

function generated(ctx: RenderContext, name: string, step: number, value: (t: number) => number): RenderSeries {
  if (step <= 0) throw new InputParameterError(`step must be positive: ${step}`);
  const count = Math.max(0, Math.ceil((ctx.endTime - ctx.startTime) / step));
  ctx.budget.allocate(count);
  const values = Array.from({ length: count }, (_, i) => value(ctx.startTime + i * step));
  return makeSeries(name, ctx.startTime, ctx.endTime, step, values, { xFilesFactor: ctx.xFilesFactor });
}

export function specialFunctions(): FunctionDef[] {
  return [
    def('consolidateBy', 'Special', 'Sets how points are combined when maxDataPoints (or a coarser step) merges them: sum, average, avg_zero, min, max, first, last.', [seriesListParam(), p('consolidationFunc', 'string', { required: true, options: CONSOLIDATION_FUNCS })], (_ctx, [l, f]) =>
      consolidateBy(seriesList(l), str(f, 'consolidationFunc')),
    ),
    def('cumulative', 'Special', 'consolidateBy(series, "sum").', [seriesListParam()], (_ctx, [l]) => consolidateBy(seriesList(l), 'sum')),
    ...['setXFilesFactor', 'xFilesFactor'].map((name) =>
      def(name, 'Special', 'Sets the xFilesFactor (fraction of non-null points a consolidated point needs) for these series and the rest of the request.', [seriesListParam(), p('xFilesFactor', 'float', { required: true })], (ctx, [l, x]) => {
        const xff = num(x, 'xFilesFactor');
        ctx.xFilesFactor = xff;
        const list = seriesList(l);
        for (const s of list) {
          s.xFilesFactor = xff;
          s.tags.xFilesFactor = pyStr(xff, true);
        }
        return list;
      }),
    ),
    def('constantLine', 'Special', 'A horizontal line at the value over the whole range.', [p('value', 'float', { required: true })], (ctx, [v]) => [constantLine(ctx, num(v, 'value'))]),
    def('threshold', 'Graph', 'constantLine with an optional label (its name) and color.', [p('value', 'float', { required: true }), p('label', 'string'), p('color', 'string')], (ctx, [v, label, color]) => {
      const s = constantLine(ctx, num(v, 'value'));
      if (label) s.name = str(label, 'label');
      if (color) s.options = { ...s.options, color: str(color, 'color') };
      return [s];
    }),
    def('aggregateLine', 'Calculate', 'A horizontal line at an aggregate (default average) of each series.', [seriesListParam(), p('func', 'aggFunc', { default: 'average' }), p('keepStep', 'boolean', { default: false })], (ctx, [l, f, keep]) => {
      const agg = getAggFunc(f === undefined || f === null ? 'average' : str(f, 'func'));
      return seriesList(l).map((s) => {
        const value = agg(iter(s));
        const name = `aggregateLine(${s.name}, ${value === null ? 'None' : pyFormatG(value)})`;
        if (bool(keep, false)) return copySeries(s, { name, values: new Array(s.values.length).fill(value) });
        const line = constantLine(ctx, value, !s.ints);
        line.name = name;
        line.pathExpression = name;
        return line;
      });
    }),
    def('identity', 'Calculate', 'A series whose value is its own timestamp (one point a minute).', [p('name', 'string', { required: true })], (ctx, [n]) => {
      const name = str(n, 'name');
      const s = generated(ctx, name, 60, (t) => t);
      s.ints = true;
      s.pathExpression = `identity("${name}")`;
      return [s];
    }),
    ...['time', 'timeFunction'].map((fname) =>
      def(fname, 'Transform', 'A series whose value is its timestamp (float seconds), every step seconds.', [p('name', 'string', { required: true }), p('step', 'integer', { default: 60 })], (ctx, [n, st]) => [
        generated(ctx, str(n, 'name'), st === undefined || st === null ? 60 : int(st, 'step'), (t) => t),
      ]),
    ),
    ...['sin', 'sinFunction'].map((fname) =>
      def(fname, 'Transform', 'A sine wave of the timestamp times amplitude, every step seconds.', [p('name', 'string', { required: true }), p('amplitude', 'integer', { default: 1 }), p('step', 'integer', { default: 60 })], (ctx, [n, a, st]) => {
        const amplitude = a === undefined || a === null ? 1 : num(a, 'amplitude');
        return [generated(ctx, str(n, 'name'), st === undefined || st === null ? 60 : int(st, 'step'), (t) => Math.sin(t) * amplitude)];
      }),
    ),
    ...['randomWalk', 'randomWalkFunction'].map((fname) =>
      def(fname, 'Special', 'A random walk starting at 0 (steps uniform in ±0.5), every step seconds.', [p('name', 'string', { required: true }), p('step', 'integer', { default: 60 })], (ctx, [n, st]) => {
        let current = 0;
        const s = generated(ctx, str(n, 'name'), st === undefined || st === null ? 60 : int(st, 'step'), () => {
          const v = current;
          current += Math.random() - 0.5;
          return v;
        });
        return [s];
      }),
    ),
  ];
}
