// Pointwise transforms (scale, offset, pow, log, round, …) and running ones (derivative,
// perSecond, integral, keepLastValue, …). Each renames the series the way graphite-web does
// (`scale(a.b,2)`, `log(a.b, 10)`) and records its argument as a string tag.
import type { FunctionDef, RenderContext } from '../context.js';
import { safeMin, safeMax, safePow, safeMul } from '../aggfuncs.js';
import { intervalSeconds } from '../attime.js';
import { copySeries, iter, type RenderSeries, type Value } from '../series.js';
import { pyFormatD, pyFormatG, pyRound, pyStr } from '../pyformat.js';
import { def, floatArg, int, mapInPlace, num, optNum, p, seriesList, seriesListParam, str } from './helpers.js';

function setTag(s: RenderSeries, key: string, value: unknown, asFloat = false): void {
  s.tags[key] = pyStr(value, asFloat);
}

/** `series.extend(values); del series[:len(values)]` (what transformNull and isNonNull do). */
function extendThenTrim(raw: Value[], values: Value[]): Value[] {
  return [...raw, ...values].slice(values.length);
}

function rename(s: RenderSeries, name: string): void {
  s.name = name;
  s.pathExpression = name;
}

type PointFn = (v: number) => Value;

/** A transform that rewrites values in place and renames with graphite's pattern. */
function pointwise(name: string, description: string, extra: Parameters<typeof def>[3], tagValue: (args: unknown[]) => [unknown, boolean] | null, nameOf: (s: RenderSeries, args: unknown[]) => string, make: (args: unknown[], s: RenderSeries) => PointFn, keepsInts = false): FunctionDef {
  return def(name, 'Transform', description, [seriesListParam(), ...extra], (_ctx, args) => {
    const list = seriesList(args[0]);
    const rest = args.slice(1);
    for (const s of list) {
      const tag = tagValue(rest);
      if (tag) setTag(s, name === 'log' ? 'log' : name, tag[0], tag[1]);
      rename(s, nameOf(s, rest));
      const f = make(rest, s);
      mapInPlace(s, (v) => (v === null ? null : f(v)));
      if (!keepsInts) s.ints = false;
    }
    return list;
  });
}

/** graphite's _nonNegativeDelta (a null never compares, as in Python 2, instead of raising). */
function nonNegativeDelta(val: Value, prev: Value, maxValue: number | null, minValue: number | null): [Value, Value] {
  if (maxValue !== null && val !== null && val > maxValue) return [null, null];
  if (minValue !== null && val !== null && val < minValue) return [null, null];
  if (prev === null || val === null) return [null, val];
  if (val >= prev) return [val - prev, val];
  if (maxValue !== null) return [maxValue + 1 + val - prev - (minValue ?? 0), val];
  if (minValue !== null) return [val - minValue, val];
  return [null, val];
}

/** A transform producing a new series (copy) from the old one's values. */
function derived(name: string, description: string, extra: Parameters<typeof def>[3], run: (ctx: RenderContext, s: RenderSeries, args: unknown[]) => RenderSeries): FunctionDef {
  return def(name, 'Transform', description, [seriesListParam(), ...extra], (ctx, args) => seriesList(args[0]).map((s) => run(ctx, s, args.slice(1))));
}

function fillGaps(list: RenderSeries[], limit: number, linear: boolean): RenderSeries[] {
  for (const s of list) {
    rename(s, `${linear ? 'interpolate' : 'keepLastValue'}(${s.name})`);
    const vals = iter(s);
    const out = s.values;
    let nones = 0;
    let last: Value = null;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (linear) out[i] = v;
      if (v === null) {
        if (linear && i === 0) continue;
        nones++;
        continue;
      }
      if (linear) {
        if (nones && i > nones && out[i - nones - 1] !== null && nones <= limit) {
          const base = out[i - nones - 1] as number;
          for (let j = i - nones; j < i; j++) out[j] = base + ((j - (i - nones - 1)) * (v - base)) / (nones + 1);
        }
      } else if (nones > 0 && nones <= limit && last !== null) {
        for (let j = i - nones; j < i; j++) out[j] = last;
      }
      nones = 0;
      last = v;
    }
    if (!linear && nones > 0 && nones <= limit && last !== null) {
      for (let j = vals.length - nones; j < vals.length; j++) out[j] = last;
    }
  }
  return list;
}

export function transformFunctions(): FunctionDef[] {
  const factor = p('factor', 'float', { required: true });
  return [
    pointwise('scale', 'Multiplies each value by the factor.', [factor], (a) => [a[0], true], (s, a) => `scale(${s.name},${pyFormatG(num(a[0], 'factor'))})`, (a) => {
      const f = num(a[0], 'factor');
      return (v) => safeMul(v, f);
    }),
    pointwise('offset', 'Adds the factor to each value.', [factor], (a) => [a[0], true], (s, a) => `offset(${s.name},${pyFormatG(num(a[0], 'factor'))})`, (a) => {
      const f = num(a[0], 'factor');
      return (v) => v + f;
    }),
    pointwise('pow', 'Raises each value to the power of the factor.', [factor], (a) => [a[0], true], (s, a) => `pow(${s.name},${pyFormatG(num(a[0], 'factor'))})`, (a) => {
      const f = num(a[0], 'factor');
      return (v) => safePow(v, f);
    }),
    pointwise('absolute', 'Absolute value of each point.', [], () => [1, false], (s) => `absolute(${s.name})`, () => Math.abs, true),
    pointwise('invert', '1/value (null for 0).', [], () => [1, false], (s) => `invert(${s.name})`, () => (v) => safePow(v, -1)),
    pointwise('squareRoot', 'Square root of each value (null for negatives).', [], () => [1, false], (s) => `squareRoot(${s.name})`, () => (v) => safePow(v, 0.5)),
    pointwise('exp', 'e raised to each value.', [], () => ['e', false], (s) => `exp(${s.name})`, () => Math.exp),
    pointwise('add', 'Adds a constant to each value.', [p('constant', 'float', { required: true })], (a) => [a[0], true], (s, a) => `add(${s.name},${pyFormatD(num(a[0], 'constant'))})`, (a) => {
      const c = num(a[0], 'constant');
      return (v) => v + c;
    }),
    pointwise('sigmoid', '1 / (1 + e^-value).', [], () => ['sigmoid', false], (s) => `sigmoid(${s.name})`, () => (v) => 1 / (1 + Math.exp(-v))),
    pointwise('logit', 'log(value / (1 - value)).', [], () => ['logit', false], (s) => `logit(${s.name})`, () => (v) => {
      if (v === 1) return null;
      const q = v / (1 - v);
      return q <= 0 ? null : Math.log(q);
    }),
    pointwise('round', 'Rounds each value to the precision (digits after the point; negative allowed), half to even.', [p('precision', 'integer', { default: 0 })], (a) => [a[0] || 0, false], (s, a) => (a[0] === undefined || a[0] === null ? `round(${s.name})` : `round(${s.name},${pyFormatG(int(a[0], 'precision'))})`), (a) => {
      const precision = a[0] ? int(a[0], 'precision') : 0;
      return (v) => pyRound(v, precision);
    }),
    pointwise(
      'scaleToSeconds',
      'Scales per-step values to per-`seconds` values (rounded to 6 decimals).',
      [p('seconds', 'float', { required: true })],
      (a) => [a[0], true],
      (s, a) => `scaleToSeconds(${s.name},${pyFormatD(num(a[0], 'seconds'))})`,
      (a, s) => {
        const factor = num(a[0], 'seconds') / s.step;
        return (v) => pyRound(v * factor, 6);
      },
    ),
    def('offsetToZero', 'Transform', 'Subtracts the series minimum from each value.', [seriesListParam()], (_ctx, [l]) => {
      const list = seriesList(l);
      for (const s of list) {
        const minimum = safeMin(iter(s));
        setTag(s, 'offsetToZero', minimum, !s.ints); // the series' own minimum: a float unless its values are ints
        rename(s, `offsetToZero(${s.name})`);
        mapInPlace(s, (v) => (v === null ? null : v - (minimum as number)));
        s.ints = s.ints && minimum !== null && Number.isInteger(minimum);
      }
      return list;
    }),
    derived('log', 'Logarithm of each value in the base (default 10); null for values ≤ 0.', [p('base', 'integer', { default: 10 })], (ctx, s, [b]) => {
      const base = b === undefined || b === null ? 10 : num(b, 'base');
      const lb = Math.log(base);
      const values = iter(s).map((v) => (v === null || v <= 0 ? null : Math.log(v) / lb));
      const baseText = pyStr(base, floatArg(ctx, 1));
      s.tags.log = baseText;
      return copySeries(s, { name: `log(${s.name}, ${baseText})`, values, ints: false });
    }),
    derived('derivative', 'The difference to the previous value (null after a null).', [], (_ctx, s) => {
      let prev: Value = null;
      const values = iter(s).map((v) => {
        const d = prev === null || v === null ? null : v - prev;
        prev = v;
        return d;
      });
      setTag(s, 'derivative', 1);
      return copySeries(s, { name: `derivative(${s.name})`, values });
    }),
    derived('nonNegativeDerivative', 'Like derivative, but a counter that decreases gives null (or wraps at maxValue).', [p('maxValue', 'float'), p('minValue', 'float')], (_ctx, s, [mx, mn]) => {
      const [maxValue, minValue] = [optNum(mx, 'maxValue'), optNum(mn, 'minValue')];
      let prev: Value = null;
      const values = iter(s).map((v) => {
        const [delta, p2] = nonNegativeDelta(v, prev, maxValue, minValue);
        prev = p2;
        return delta;
      });
      setTag(s, 'nonNegativeDerivative', 1);
      return copySeries(s, { name: `nonNegativeDerivative(${s.name})`, values, ints: s.ints && maxValue === null && minValue === null });
    }),
    derived('perSecond', 'nonNegativeDerivative divided by the step, rounded to 6 decimals.', [p('maxValue', 'float'), p('minValue', 'float')], (_ctx, s, [mx, mn]) => {
      const [maxValue, minValue] = [optNum(mx, 'maxValue'), optNum(mn, 'minValue')];
      let prev: Value = null;
      const values = iter(s).map((v) => {
        const [delta, p2] = nonNegativeDelta(v, prev, maxValue, minValue);
        prev = p2;
        return delta === null ? null : pyRound(delta / s.step, 6);
      });
      setTag(s, 'perSecond', 1);
      return copySeries(s, { name: `perSecond(${s.name})`, values, ints: false });
    }),
    derived('integral', 'Running sum of the values (nulls stay null).', [], (_ctx, s) => {
      let current = 0;
      const values = iter(s).map((v) => (v === null ? null : (current += v)));
      setTag(s, 'integral', 1);
      return copySeries(s, { name: `integral(${s.name})`, values, ints: false });
    }),
    derived('integralByInterval', 'Running sum that restarts every interval (counted from the request start).', [p('intervalUnit', 'string', { required: true })], (ctx, s, [u]) => {
      const unit = str(u, 'intervalUnit');
      const duration = intervalSeconds(unit);
      if (duration === 0) throw new Error('integer division or modulo by zero');
      let current = 0;
      let t = s.start;
      const values = iter(s).map((v) => {
        if (Math.floor((t - ctx.startTime) / duration) !== Math.floor((t - ctx.startTime - s.step) / duration)) current = 0;
        t += s.step;
        if (v !== null) current += v;
        return current;
      });
      setTag(s, 'integralByInterval', unit);
      return copySeries(s, { name: `integralByInterval(${s.name},'${unit}')`, values, ints: false });
    }),
    derived('delay', 'Shifts the values by `steps` positions (later for positive steps), padding with nulls.', [p('steps', 'integer', { required: true })], (_ctx, s, [st]) => {
      const steps = int(st, 'steps');
      const raw = s.values;
      const n = raw.length;
      // Python slicing, including delay(x, 0) → [] (series[:-0] is empty)
      const slice = (from: number, to?: number): Value[] => raw.slice(from, to);
      const values = steps < 0 ? [...slice(-steps), ...new Array(Math.min(-steps, n)).fill(null)] : [...new Array(Math.min(steps, n)).fill(null), ...(steps === 0 ? [] : slice(0, -steps))];
      setTag(s, 'delay', steps);
      return copySeries(s, { name: `delay(${s.name},${pyFormatD(steps)})`, values });
    }),
    def('keepLastValue', 'Transform', 'Fills runs of nulls (up to `limit` long) with the last value seen.', [seriesListParam(), p('limit', 'intOrInf', { default: Infinity })], (_ctx, [l, lim]) =>
      fillGaps(seriesList(l), lim === undefined || lim === null ? Infinity : num(lim, 'limit'), false),
    ),
    def('interpolate', 'Transform', 'Fills runs of nulls (up to `limit` long) linearly between the known values.', [seriesListParam(), p('limit', 'intOrInf', { default: Infinity })], (_ctx, [l, lim]) =>
      fillGaps(seriesList(l), lim === undefined || lim === null ? Infinity : num(lim, 'limit'), true),
    ),
    def('transformNull', 'Transform', 'Replaces nulls by `default` (only where a referenceSeries has data, if given).', [seriesListParam(), p('default', 'float', { default: 0 }), p('referenceSeries', 'seriesList')], (_ctx, [l, d, ref]) => {
      const list = seriesList(l);
      const given = d !== undefined && d !== null;
      const dflt = given ? num(d, 'default') : 0;
      const refs = ref === undefined || ref === null ? null : seriesList(ref, 'referenceSeries');
      let defaults: Value[] | null = null;
      if (refs && refs.length) {
        const cols = refs.map(iter);
        const len = Math.max(...cols.map((c) => c.length));
        defaults = Array.from({ length: len }, (_, i) => (cols.some((c) => i < c.length && c[i] !== null) ? dflt : null));
      }
      for (const s of list) {
        setTag(s, 'transformNull', dflt, given);
        if (refs && refs.length) setTag(s, 'referenceSeries', 1);
        rename(s, refs && refs.length ? `transformNull(${s.name},${pyFormatG(dflt)},referenceSeries)` : `transformNull(${s.name},${pyFormatG(dflt)})`);
        const vals = iter(s);
        let values: Value[];
        if (defaults && defaults.length) {
          const len = Math.max(vals.length, defaults.length);
          values = Array.from({ length: len }, (_, i) => (i < vals.length && vals[i] !== null ? vals[i] : (defaults![i] ?? null)));
        } else values = vals.map((v) => (v === null ? dflt : v));
        s.values = extendThenTrim(s.values, values);
        s.ints = s.ints && Number.isInteger(dflt) && !given;
      }
      return list;
    }),
    def('isNonNull', 'Transform', '1 where the series has a value, 0 where it is null.', [seriesListParam()], (_ctx, [l]) => {
      const list = seriesList(l);
      for (const s of list) {
        setTag(s, 'isNonNull', 1);
        rename(s, `isNonNull(${s.name})`);
        const values = iter(s).map((v) => (v === null ? 0 : 1));
        s.values = extendThenTrim(s.values, values);
        s.ints = true;
      }
      return list;
    }),
    def('changed', 'Special', '1 where the value differs from the previous non-null value, else 0.', [seriesListParam()], (_ctx, [l]) => {
      const list = seriesList(l);
      for (const s of list) {
        rename(s, `changed(${s.name})`);
        let previous: Value = null;
        mapInPlace(s, (v) => {
          if (previous === null) {
            previous = v;
            return 0;
          }
          if (v !== null && previous !== v) {
            previous = v;
            return 1;
          }
          return 0;
        });
        s.ints = true;
      }
      return list;
    }),
    def('minMax', 'Transform', 'Scales each series to 0..1 between its minimum and maximum.', [seriesListParam()], (_ctx, [l]) => {
      const list = seriesList(l);
      for (const s of list) {
        rename(s, `minMax(${s.name})`);
        const vals = iter(s);
        const lo = safeMin(vals) ?? 0;
        const hi = safeMax(vals) ?? 0;
        mapInPlace(s, (v) => (v === null ? null : hi - lo === 0 ? 0 : (v - lo) / (hi - lo)));
        s.ints = false;
      }
      return list;
    }),
  ];
}
