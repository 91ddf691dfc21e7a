// graphite-web's TimeSeries (render/datalib.py) as plain data plus the few behaviours the
// render functions rely on: iteration consolidates by valuesPerPoint (normalize() sets it),
// indexing and length see the raw values, tags are parsed from the name, copy() shares tags.
import { pyMax, pyMin } from './aggfuncs.js';

export type Value = number | null;

export interface RenderSeries {
  name: string;
  start: number;
  end: number;
  step: number;
  /** Raw values; `values[i]` belongs to `start + i*step`. NaN stays NaN (it is not None in Python). */
  values: Value[];
  /** Insertion-ordered string tags, `name` first for plain metrics. Shared by copies, like graphite's. */
  tags: Record<string, string>;
  pathExpression: string;
  consolidationFunc: string;
  valuesPerPoint: number;
  xFilesFactor: number;
  /** True when every non-null value is a Python int (countSeries, isNonNull, …): JSON prints `2`, not `2.0`. */
  ints?: boolean;
  /** Presentation-only options (color, lineWidth, …) set by Graph functions. */
  options?: Record<string, unknown>;
}

const FUNCTION_NAME = /^[a-z]+[(].+[)]$/i;

/** graphite's tag parsing of a series name: `a.b;x=y` → {x: 'y', name: 'a.b'}; `f(x)` → {name}. */
export function tagsFromName(name: string): Record<string, string> {
  if (FUNCTION_NAME.test(name) && !name.includes('\n')) return { name };
  try {
    if (name.endsWith('"}') && name.includes('{')) return parseOpenMetrics(name);
    return parseCarbon(name);
  } catch {
    return { name };
  }
}

function sanitizeName(metric: string): string {
  const s = metric.replace(/^~+/, '');
  if (!s) throw new Error('empty name');
  return s;
}

function validateTag(tag: string, value: string): void {
  if (!tag || !value || /[;!^=]/.test(tag) || value.includes(';') || value[0] === '~') throw new Error('bad tag');
}

function parseCarbon(path: string): Record<string, string> {
  const segments = path.split(';');
  if (!segments[0]) throw new Error('no metric');
  const tags: Record<string, string> = {};
  for (const seg of segments.slice(1)) {
    const eq = seg.indexOf('=');
    if (eq <= 0) throw new Error('bad segment');
    const [tag, value] = [seg.slice(0, eq), seg.slice(eq + 1)];
    validateTag(tag, value);
    tags[tag] = value;
  }
  tags.name = sanitizeName(segments[0]);
  return tags;
}

function parseOpenMetrics(path: string): Record<string, string> {
  const brace = path.indexOf('{');
  const metric = path.slice(0, brace);
  let raw = path.slice(brace + 1, -1);
  if (!metric) throw new Error('no metric');
  const tags: Record<string, string> = {};
  while (raw.length) {
    const m = /^([^=]+)="((?:[\\]["\\]|[^"\\])+)"(:?,|$)/.exec(raw);
    if (!m) throw new Error('bad segment');
    const value = m[2].replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    validateTag(m[1], value);
    tags[m[1]] = value;
    raw = raw.slice(m[0].length);
  }
  tags.name = sanitizeName(metric);
  return tags;
}

export interface NewSeriesOptions {
  tags?: Record<string, string>;
  consolidationFunc?: string;
  xFilesFactor?: number;
  pathExpression?: string;
  ints?: boolean;
}

/** TimeSeries(name, start, end, step, values, …): tags parsed from the name unless given. */
export function makeSeries(name: string, start: number, end: number, step: number, values: Value[], opts: NewSeriesOptions = {}): RenderSeries {
  return {
    name,
    start,
    end,
    step,
    values,
    tags: opts.tags ?? tagsFromName(name),
    pathExpression: opts.pathExpression ?? name,
    consolidationFunc: opts.consolidationFunc ?? 'average',
    valuesPerPoint: 1,
    xFilesFactor: opts.xFilesFactor ?? 0,
    ints: opts.ints,
  };
}

/** TimeSeries.copy(): same tags object, pathExpression reset to the (new) name, vpp back to 1. */
export function copySeries(s: RenderSeries, changes: Partial<Pick<RenderSeries, 'name' | 'start' | 'end' | 'step' | 'values' | 'consolidationFunc' | 'tags' | 'xFilesFactor' | 'ints'>>): RenderSeries {
  const name = changes.name ?? s.name;
  return {
    name,
    start: changes.start ?? s.start,
    end: changes.end ?? s.end,
    step: changes.step ?? s.step,
    values: changes.values ?? s.values,
    tags: changes.tags ?? s.tags,
    pathExpression: name,
    consolidationFunc: changes.consolidationFunc ?? s.consolidationFunc,
    valuesPerPoint: 1,
    xFilesFactor: changes.xFilesFactor ?? s.xFilesFactor,
    ints: 'ints' in changes ? changes.ints : s.ints,
    options: s.options,
  };
}

type Consolidator = (usable: number[]) => number;

const CONSOLIDATORS: Record<string, Consolidator> = {
  sum: (u) => u.reduce((a, b) => a + b, 0),
  average: (u) => u.reduce((a, b) => a + b, 0) / u.length,
  avg_zero: (u) => u.reduce((a, b) => a + b, 0) / u.length,
  max: (u) => pyMax(u) as number,
  min: (u) => pyMin(u) as number,
  first: (u) => u[0],
  last: (u) => u[u.length - 1],
};

/** Whether consolidating with this function keeps Python ints ints. */
export function consolidationKeepsInts(func: string): boolean {
  return func === 'sum' || func === 'max' || func === 'min' || func === 'first' || func === 'last';
}

/** average / sum buckets without per-bucket arrays (the common case of maxDataPoints). */
function consolidateSums(vals: Value[], vpp: number, xff: number, average: boolean): Value[] {
  const out: Value[] = new Array(Math.ceil(vals.length / vpp));
  for (let i = 0, k = 0; i < vals.length; i += vpp, k++) {
    let sum = 0;
    let nonNull = 0;
    const stop = Math.min(i + vpp, vals.length);
    for (let j = i; j < stop; j++) {
      const v = vals[j];
      if (v !== null) {
        sum = nonNull ? sum + v : 0 + v;
        nonNull++;
      }
    }
    out[k] = nonNull && nonNull / vpp >= xff ? (average ? sum / nonNull : sum) : null;
  }
  return out;
}

/** Iterating a TimeSeries: raw values, or buckets of valuesPerPoint consolidated (nulls skipped, xff checked). */
export function iter(s: RenderSeries): Value[] {
  const vpp = s.valuesPerPoint;
  if (vpp <= 1) return s.values;
  const name = s.consolidationFunc === 'avg' ? 'average' : s.consolidationFunc;
  const cf = CONSOLIDATORS[name];
  if (!cf) throw new Error(`Invalid consolidation function: '${s.consolidationFunc}'`);
  const vals = s.values;
  if (name === 'average' || name === 'sum') return consolidateSums(vals, vpp, s.xFilesFactor, name === 'average');
  const out: Value[] = [];
  const zero = name === 'avg_zero';
  for (let i = 0; i < vals.length; i += vpp) {
    const buf: number[] = [];
    let nonNull = 0;
    const stop = Math.min(i + vpp, vals.length);
    for (let j = i; j < stop; j++) {
      const v = vals[j];
      if (v !== null) {
        buf.push(v);
        nonNull++;
      } else if (zero) buf.push(0);
    }
    out.push(nonNull && nonNull / vpp >= s.xFilesFactor ? cf(buf) : null);
  }
  return out;
}
