// Turning evaluated series into graphite-web's /render bodies: maxDataPoints consolidation
// (with graphite's start "nudge" and its off-by-one), noNullPoints, and the json / csv / raw
// formats exactly as renderViewJson / renderViewCsv / renderViewRaw write them.
import { iter, type RenderSeries, type Value } from './series.js';
import { PyFloat, pyDumps, pyJsonString } from './pyjson.js';
import { JsonBytes } from './json-bytes.js';
import { pyFloatRepr, pyIntStr } from './pyformat.js';
import type { TimeZone } from './tz.js';

const encoder = new TextEncoder();

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

/** The `format=json` body (`[{"target": …, "tags": {…}, "datapoints": [[v, t], …]}, …]`), as UTF-8. */
export function renderJson(data: RenderSeries[], opts: JsonOptions = {}): Uint8Array {
  if (!data.some((s) => s.values.length)) return encoder.encode('[]');
  if (opts.maxDataPoints !== undefined) applyMaxDataPoints(data, opts.maxDataPoints);
  if (opts.pretty) return encoder.encode(renderPrettyJson(data, opts));
  // the hot path: bytes written point by point (no per-point arrays or strings)
  let points = 0;
  for (const s of data) points += Math.ceil(s.values.length / Math.max(1, s.valuesPerPoint)); // as written, consolidated
  const out = new JsonBytes(256 * data.length + 36 * points); // `[v, t], ` with a 17-digit float is ~35 bytes
  out.ascii('[');
  let first = true;
  for (const s of data) {
    const ints = keepsInts(s);
    const values = iter(s);
    const step = s.step * s.valuesPerPoint;
    const headerAt = out.length;
    out.ascii(first ? '{"target": ' : ', {"target": ');
    out.ascii(graphiteFixups(pyJsonString(String(s.name))));
    out.ascii(', "tags": {');
    let firstTag = true;
    for (const k in s.tags) {
      out.ascii(firstTag ? '' : ', ');
      out.ascii(graphiteFixups(pyJsonString(k) + ': ' + pyJsonString(String(s.tags[k]))));
      firstTag = false;
    }
    out.ascii('}, "datapoints": [');
    const n = step > 0 ? out.renderPoints(values, s.start, step, s.end, ints, opts.noNullPoints === true) : 0;
    if (opts.noNullPoints && !n) {
      out.truncate(headerAt);
      continue;
    }
    out.ascii(']}');
    first = false;
  }
  out.ascii(']');
  return out.bytes();
}

/**
 * graphite's post-processing of the whole JSON text (`NaN,` → `null,`, `Infinity,` → `1e9999,`),
 * applied to one string token: a match never spans tokens (strings end in a quote, values are
 * written already fixed up), so fixing each string is the same as fixing the whole text.
 */
function graphiteFixups(json: string): string {
  return json.includes('NaN,') || json.includes('Infinity,') ? json.split('NaN,').join('null,').split('Infinity,').join('1e9999,') : json;
}

function renderPrettyJson(data: RenderSeries[], opts: JsonOptions): string {
  const items: Record<string, unknown>[] = [];
  for (const s of data) {
    let points = datapoints(s);
    if (opts.noNullPoints) points = points.filter(([v]) => v !== null && !Number.isNaN(v));
    if (opts.noNullPoints && !points.length) continue;
    const ints = keepsInts(s);
    items.push({ target: s.name, tags: { ...s.tags }, datapoints: points.map(([v, t]) => [v === null ? null : ints && Number.isInteger(v) ? v : new PyFloat(v), t]) });
  }
  return graphiteFixups(pyDumps(items, { indent: 2 }));
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
