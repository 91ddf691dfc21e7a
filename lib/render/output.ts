// Turning evaluated series into graphite-web's /render bodies: maxDataPoints consolidation
// (with graphite's start "nudge" and its off-by-one), noNullPoints, and the json / csv / raw
// formats exactly as renderViewJson / renderViewCsv / renderViewRaw write them.
import { iter, type RenderSeries, type Value } from './series.js';
import { PyFloat, pyDumps, pyFloatJson, pyJsonString } from './pyjson.js';
import { pyFloatRepr, pyIntStr } from './pyformat.js';
import type { TimeZone } from './tz.js';

/** renderViewJson's consolidation: mutates start / values / valuesPerPoint like graphite. */
export function applyMaxDataPoints(data: RenderSeries[], maxDataPoints: number): void {
  if (!(maxDataPoints >= 1) || !data.some((s) => s.values.length)) return;
  const timeRange = Math.max(...data.map((s) => s.end)) - Math.min(...data.map((s) => s.start));
  for (const s of data) {
    if (maxDataPoints === 1) {
      s.valuesPerPoint = Math.max(1, s.values.length);
      continue;
    }
    const points = timeRange / s.step;
    if (maxDataPoints >= points) continue;
    const vpp = Math.ceil(points / maxDataPoints);
    const spp = Math.trunc(vpp * s.step);
    const mod = (a: number, b: number): number => ((a % b) + b) % b;
    const nudge = spp + mod(s.start, s.step) - mod(s.start, spp);
    s.start += nudge;
    const lose = Math.trunc(nudge / s.step);
    if (lose > 1) s.values = s.values.slice(Math.min(lose - 1, s.values.length));
    s.valuesPerPoint = vpp;
  }
}

function valueJson(v: Value, ints: boolean): string {
  if (v === null) return 'null';
  if (ints && Number.isInteger(v)) return pyIntStr(v);
  return pyFloatJson(v);
}

/** TimeSeries.datapoints(): consolidated values zipped with range(start, end + 1, step * vpp). */
export function datapoints(s: RenderSeries): [Value, number][] {
  const values = iter(s);
  const step = s.step * s.valuesPerPoint;
  const out: [Value, number][] = [];
  if (step <= 0) return out;
  for (let i = 0, t = s.start; i < values.length && t <= s.end; i++, t += step) out.push([values[i], t]);
  return out;
}

function keepsInts(s: RenderSeries): boolean {
  if (!s.ints) return false;
  if (s.valuesPerPoint <= 1) return true;
  return ['sum', 'min', 'max', 'first', 'last'].includes(s.consolidationFunc);
}

export interface JsonOptions {
  maxDataPoints?: number;
  noNullPoints?: boolean;
  pretty?: boolean;
}

/** The `format=json` body (`[{"target": …, "tags": {…}, "datapoints": [[v, t], …]}, …]`). */
export function renderJson(data: RenderSeries[], opts: JsonOptions = {}): string {
  if (!data.some((s) => s.values.length)) return '[]';
  if (opts.maxDataPoints !== undefined) applyMaxDataPoints(data, opts.maxDataPoints);
  let out: string;
  let special = false;
  if (opts.pretty) {
    const items: Record<string, unknown>[] = [];
    for (const s of data) {
      let points = datapoints(s);
      if (opts.noNullPoints) points = points.filter(([v]) => v !== null && !Number.isNaN(v));
      if (opts.noNullPoints && !points.length) continue;
      const ints = keepsInts(s);
      items.push({ target: s.name, tags: { ...s.tags }, datapoints: points.map(([v, t]) => [v === null ? null : ints && Number.isInteger(v) ? v : new PyFloat(v), t]) });
    }
    out = pyDumps(items, { indent: 2 });
    special = true;
  } else {
    // the hot path: one string built point by point (no per-point arrays)
    out = '[';
    let first = true;
    for (const s of data) {
      const ints = keepsInts(s);
      const values = iter(s);
      const step = s.step * s.valuesPerPoint;
      let pts = '';
      let n = 0;
      if (step > 0) {
        for (let i = 0, t = s.start; i < values.length && t <= s.end; i++, t += step) {
          const v = values[i];
          if (opts.noNullPoints && (v === null || Number.isNaN(v))) continue;
          let text: string;
          if (v === null) text = 'null';
          else if (ints && Number.isInteger(v)) text = pyIntStr(v);
          else {
            if (!Number.isFinite(v)) special = true;
            text = pyFloatJson(v);
          }
          pts += (n++ ? ', [' : '[') + text + ', ' + t + ']';
        }
      }
      if (opts.noNullPoints && !n) continue;
      let tags = '';
      for (const k in s.tags) {
        const v = String(s.tags[k]);
        if (v.includes('NaN') || v.includes('Infinity')) special = true;
        tags += (tags ? ', ' : '') + pyJsonString(k) + ': ' + pyJsonString(v);
      }
      out += (first ? '' : ', ') + '{"target": ' + pyJsonString(String(s.name)) + ', "tags": {' + tags + '}, "datapoints": [' + pts + ']}';
      first = false;
      if (s.name.includes('NaN') || s.name.includes('Infinity')) special = true;
    }
    out += ']';
  }
  // graphite's own post-processing of the whole text (only needed when it can change something)
  return special ? out.split('NaN,').join('null,').split('Infinity,').join('1e9999,') : out;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function pyValueStr(v: Value, ints: boolean): string {
  if (v === null) return 'None';
  return ints && Number.isInteger(v) ? pyIntStr(v) : pyFloatRepr(v);
}

/** The `format=csv` body: `name,YYYY-MM-DD HH:MM:SS,value\r\n` per point, time in `tz`. */
export function renderCsv(data: RenderSeries[], tz: TimeZone): string {
  const lines: string[] = [];
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  for (const s of data) {
    const ints = keepsInts(s);
    const name = csvField(s.name);
    iter(s).forEach((v, i) => {
      const w = tz.toWall(s.start + i * s.step);
      const stamp = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
      lines.push(`${name},${stamp},${v === null ? '' : pyValueStr(v, ints)}\r\n`);
    });
  }
  return lines.join('');
}

/** The `format=raw` body: `name,start,end,step|v1,v2,…\n` per series. */
export function renderRaw(data: RenderSeries[]): string {
  return data
    .map((s) => {
      const ints = keepsInts(s);
      return `${s.name},${Math.trunc(s.start)},${Math.trunc(s.end)},${Math.trunc(s.step)}|${iter(s)
        .map((v) => pyValueStr(v, ints))
        .join(',')}\n`;
    })
    .join('');
}
