// Time-bucketing and time-moving functions: summarize, smartSummarize, hitcount, timeShift,
// timeStack, timeSlice. Bucket arithmetic, names ("summarize(x, \"1h\", \"sum\")") and the
// re-fetching follow graphite-web; intervals that would loop forever there are refused here.
import type { FunctionDef, RenderContext } from '../context.js';
import { copyContext } from '../context.js';
import { aggKeepsInts, getAggFunc } from '../aggfuncs.js';
import { parseATTime, parseTimeOffset, unitOf } from '../attime.js';
import { InputParameterError } from '../errors.js';
import { evaluateFirstArg } from '../evaluate.js';
import { copySeries, iter, type RenderSeries, type Value } from '../series.js';
import { UTC, isoWeekday } from '../tz.js';
import { utcEpochToWall, wallToUtcEpoch } from '../../time/civil.js';
import { pyStr } from '../pyformat.js';
import { bool, def, int, p, seriesList, seriesListParam, str } from './helpers.js';

function positiveInterval(text: string): number {
  const interval = parseTimeOffset(text);
  if (interval <= 0) throw new InputParameterError(`interval must be positive: '${text}'`);
  return interval;
}

/** graphite's _summarizeValues (including its quirk of starting a bucket at the last point ≤ its start). */
function summarizeValues(ctx: RenderContext, s: RenderSeries, func: string, interval: number, newStart = s.start, newEnd = s.end): { values: Value[]; end: number } {
  const agg = getAggFunc(func);
  const datapoints = iter(s);
  const count = Math.max(0, Math.ceil((s.end - s.start) / s.step));
  const numPoints = Math.min(count, datapoints.length);
  const ts = (i: number): number => s.start + i * s.step;
  const intervalPoints = interval / s.step;
  ctx.budget.allocate(Math.max(0, Math.ceil((newEnd - newStart) / interval)));
  const values: Value[] = [];
  let i = 0;
  let t = newStart;
  while (t < newEnd) {
    let start = i;
    let nonNull = 0;
    while (i < numPoints && ts(i) < t + interval) {
      if (ts(i) <= t) start = i;
      if (ts(i) >= t && datapoints[i] !== null) nonNull++;
      i++;
    }
    values.push(nonNull && intervalPoints && nonNull / intervalPoints >= s.xFilesFactor ? agg(datapoints.slice(start, i)) : null);
    t += interval;
  }
  return { values, end: t };
}

/** The request start truncated to a unit, in the start's own UTC offset (as graphite's datetime(…, tzinfo=s.tzinfo)). */
function truncateStart(ctx: RenderContext, unit: string, weekday = 1): number {
  const offset = ctx.tz.offsetAt(ctx.startTime);
  const w = utcEpochToWall(ctx.startTime + offset);
  const cut = { ...w };
  if (unit === 'years') Object.assign(cut, { month: 1, day: 1, hour: 0, minute: 0, second: 0 });
  else if (unit === 'months') Object.assign(cut, { day: 1, hour: 0, minute: 0, second: 0 });
  else if (unit === 'weeks' || unit === 'days') Object.assign(cut, { hour: 0, minute: 0, second: 0 });
  else if (unit === 'hours') Object.assign(cut, { minute: 0, second: 0 });
  else if (unit === 'minutes') Object.assign(cut, { second: 0 });
  let epoch = wallToUtcEpoch(cut) - offset;
  if (unit === 'weeks') {
    let days = isoWeekday(w) - weekday;
    if (days < 0) days += 7;
    epoch -= days * 86400;
  }
  return epoch;
}

function isDst(ctx: RenderContext, epoch: number): boolean {
  const year = utcEpochToWall(epoch).year;
  const jan = ctx.tz.offsetAt(wallToUtcEpoch({ year, month: 1, day: 1, hour: 0, minute: 0, second: 0 }));
  const jul = ctx.tz.offsetAt(wallToUtcEpoch({ year, month: 7, day: 1, hour: 0, minute: 0, second: 0 }));
  return ctx.tz.offsetAt(epoch) > Math.min(jan, jul);
}

/** An at-time argument of timeSlice: graphite parses it in the server's zone (UTC here). */
function dateArg(v: unknown, ctx: RenderContext, what: string): number {
  if (typeof v !== 'string' && typeof v !== 'number') throw new InputParameterError(`Invalid date for ${what}: ${pyStr(v)}`);
  return parseATTime(String(v), UTC, ctx.now);
}

export function timeFunctions(): FunctionDef[] {
  const intervalParam = (name: string): ReturnType<typeof p> => p(name, 'interval', { required: true, suggestions: ['10min', '1h', '1d'] });
  return [
    def(
      'summarize',
      'Transform',
      'Summarizes each series into buckets of the interval with func (default sum), aligned to the epoch or (alignToFrom) to the series start.',
      [seriesListParam(), intervalParam('intervalString'), p('func', 'aggFunc', { default: 'sum' }), p('alignToFrom', 'boolean', { default: false })],
      (ctx, [l, iv, f, align]) => {
        const text = str(iv, 'intervalString');
        const interval = positiveInterval(text);
        const func = f === undefined || f === null ? 'sum' : str(f, 'func');
        const alignToFrom = bool(align, false);
        return seriesList(l).map((s) => {
          const newStart = alignToFrom ? s.start : s.start - (((s.start % interval) + interval) % interval);
          let newEnd = alignToFrom ? s.end : s.end - (((s.end % interval) + interval) % interval) + interval;
          const r = summarizeValues(ctx, s, func, interval, newStart, newEnd);
          if (alignToFrom) newEnd = r.end;
          s.tags.summarize = text;
          s.tags.summarizeFunction = func;
          const name = `summarize(${s.name}, "${text}", "${func}"${alignToFrom ? ', true' : ''})`;
          return copySeries(s, { name, start: newStart, end: newEnd, step: interval, values: r.values, ints: s.ints && aggKeepsInts(func) });
        });
      },
    ),
    def(
      'smartSummarize',
      'Transform',
      'Like summarize, but buckets start at the request start, optionally truncated to a unit (alignTo: years … seconds, weeks with an ISO weekday like "weeks4").',
      [seriesListParam(), intervalParam('intervalString'), p('func', 'aggFunc', { default: 'sum' }), p('alignTo', 'string', { options: [null, 'years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds', true, false] })],
      async (ctx, [l, iv, f, alignTo]) => {
        let list = seriesList(l);
        const text = str(iv, 'intervalString');
        const interval = positiveInterval(text);
        const func = f === undefined || f === null ? 'sum' : str(f, 'func');
        if (typeof alignTo === 'string') {
          const unit = unitOf(alignTo);
          const weekday = /[a-z]$/i.test(alignTo) ? 1 : Number(alignTo[alignTo.length - 1]);
          list = await evaluateFirstArg(ctx, copyContext(ctx, { startTime: truncateStart(ctx, unit, weekday) }));
        }
        return list.map((s) => {
          const r = summarizeValues(ctx, s, func, interval);
          s.tags.smartSummarize = text;
          s.tags.smartSummarizeFunction = func;
          return copySeries(s, { name: `smartSummarize(${s.name}, "${text}", "${func}")`, end: r.end, step: interval, values: r.values, ints: s.ints && aggKeepsInts(func) });
        });
      },
    ),
    def(
      'hitcount',
      'Transform',
      'Treats values as per-second rates and counts the hits in each bucket of the interval (buckets end at the series end, or align to the interval).',
      [seriesListParam(), intervalParam('intervalString'), p('alignToInterval', 'boolean', { default: false })],
      async (ctx, [l, iv, alignArg]) => {
        const text = str(iv, 'intervalString');
        const interval = positiveInterval(text);
        const align = bool(alignArg, false);
        let list = seriesList(l);
        if (align) {
          const unit = interval >= 86400 ? 'days' : interval >= 3600 ? 'hours' : interval >= 60 ? 'minutes' : null;
          const startTime = unit ? truncateStart(ctx, unit) : ctx.startTime;
          list = await evaluateFirstArg(ctx, copyContext(ctx, { startTime }));
          for (const s of list) s.end = s.start + Math.floor((s.end - s.start) / interval) * interval + interval;
        }
        return list.map((s) => {
          const step = s.step;
          const bucketCount = Math.ceil((s.end - s.start) / interval);
          ctx.budget.allocate(bucketCount);
          const buckets: number[][] = Array.from({ length: bucketCount }, () => []);
          const newStart = s.end - bucketCount * interval;
          const divmod = (x: number): [number, number] => [Math.floor(x / interval), ((x % interval) + interval) % interval];
          iter(s).forEach((value, i) => {
            if (value === null) return;
            const startTime = s.start + i * step;
            const [startBucket, startMod] = divmod(startTime - newStart);
            let [endBucket, endMod] = divmod(startTime + step - newStart);
            if (endBucket >= bucketCount) [endBucket, endMod] = [bucketCount - 1, interval];
            if (startBucket === endBucket) {
              if (startBucket >= 0) buckets[startBucket].push(value * (endMod - startMod));
            } else {
              if (startBucket >= 0) buckets[startBucket].push(value * (interval - startMod));
              for (let j = startBucket + 1; j < endBucket; j++) if (j >= 0) buckets[j].push(value * interval);
              if (endMod > 0) buckets[endBucket].push(value * endMod);
            }
          });
          const values = buckets.map((b) => (b.length ? b.reduce((a, x) => a + x, 0) : null));
          s.tags.hitcount = text;
          return copySeries(s, { name: `hitcount(${s.name}, "${text}"${align ? ', true' : ''})`, start: newStart, step: interval, values, ints: false });
        });
      },
    ),
    def(
      'timeShift',
      'Transform',
      'The series as they were `timeShift` ago (no sign means into the past), drawn at the current time.',
      [seriesListParam(), p('timeShift', 'interval', { required: true, suggestions: ['1h', '6h', '12h', '1d', '2d', '7d', '14d', '30d'] }), p('resetEnd', 'boolean', { default: true }), p('alignDst', 'boolean', { default: false })],
      async (ctx, [l, shiftArg, reset, alignDst]) => {
        let shift = str(shiftArg, 'timeShift');
        if (/^[0-9]/.test(shift)) shift = '-' + shift;
        const delta = parseTimeOffset(shift);
        let startTime = ctx.startTime + delta;
        let endTime = ctx.endTime + delta;
        if (bool(alignDst, false)) {
          const [reqStart, reqEnd, myStart, myEnd] = [ctx.startTime, ctx.endTime, startTime, endTime].map((t) => isDst(ctx, t));
          const dstOffset = reqStart && reqEnd && !myStart && !myEnd ? 3600 : !reqStart && !reqEnd && myStart && myEnd ? -3600 : 0;
          startTime += dstOffset;
          endTime += dstOffset;
        }
        const list = seriesList(l);
        if (!list.length) return [];
        const first = list[0];
        const shifted = await evaluateFirstArg(ctx, copyContext(ctx, { startTime, endTime }));
        for (const s of shifted) {
          s.tags.timeShift = shift;
          s.name = `timeShift(${s.name}, "${shift}")`;
          s.end = bool(reset, true) ? first.end : s.end - s.start + first.start;
          s.start = first.start;
        }
        return shifted;
      },
    ),
    def(
      'timeStack',
      'Transform',
      'timeShift repeated: one series per shift of timeShiftUnit, from timeShiftStart to timeShiftEnd (exclusive).',
      [seriesListParam(), p('timeShiftUnit', 'interval', { default: '1d', suggestions: ['1h', '6h', '12h', '1d', '2d', '7d', '14d', '30d'] }), p('timeShiftStart', 'integer', { default: 0 }), p('timeShiftEnd', 'integer', { default: 7 })],
      async (ctx, [l, unitArg, startArg, endArg]) => {
        let unit = unitArg === undefined || unitArg === null ? '1d' : str(unitArg, 'timeShiftUnit');
        if (/^[0-9]/.test(unit)) unit = '-' + unit;
        const delta = parseTimeOffset(unit);
        const list = seriesList(l);
        if (!list.length) return [];
        const first = list[0];
        const out: RenderSeries[] = [];
        const [from, to] = [startArg === undefined || startArg === null ? 0 : int(startArg, 'timeShiftStart'), endArg === undefined || endArg === null ? 7 : int(endArg, 'timeShiftEnd')];
        for (let shift = from; shift < to; shift++) {
          ctx.budget.evaluate();
          const shifted = await evaluateFirstArg(ctx, copyContext(ctx, { startTime: ctx.startTime + delta * shift, endTime: ctx.endTime + delta * shift }));
          for (const s of shifted) {
            s.tags.timeShiftUnit = unit;
            s.tags.timeShift = pyStr(shift);
            s.name = `timeShift(${s.name}, ${unit}, ${shift})`;
            s.pathExpression = s.name;
            s.start = first.start;
            s.end = first.end;
            out.push(s);
          }
        }
        return out;
      },
    ),
    def(
      'timeSlice',
      'Transform',
      'Nulls outside [startSliceAt, endSliceAt] (at-times, parsed in UTC).',
      [seriesListParam(), p('startSliceAt', 'date', { required: true }), p('endSliceAt', 'date', { default: 'now' })],
      (ctx, [l, a, b]) => {
        const start = dateArg(a, ctx, 'startSliceAt');
        const end = dateArg(b === undefined || b === null ? 'now' : b, ctx, 'endSliceAt');
        return seriesList(l).map((s) => {
          s.tags.timeSliceStart = pyStr(start);
          s.tags.timeSliceEnd = pyStr(end);
          s.name = `timeSlice(${s.name}, ${start}, ${end})`;
          // graphite walks from the request start (its wall time read as UTC), not the series start
          let curr = ctx.startTime + ctx.tz.offsetAt(ctx.startTime);
          const vals = iter(s);
          for (let i = 0; i < vals.length; i++) {
            if (vals[i] === null || curr < start || curr > end) s.values[i] = null;
            curr += s.step;
          }
          return s;
        });
      },
    ),
  ];
}
