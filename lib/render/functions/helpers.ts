// Shared pieces of the render functions: argument checks (raw arguments reach functions when
// graphite's lenient validation failed, so every function checks what it uses), node/tag
// lookup by position, and in-place value mapping with graphite's iteration semantics.
import { InputParameterError } from '../errors.js';
import type { FunctionDef, RenderContext, SeriesFunction } from '../context.js';
import type { Param, ParamType } from '../params.js';
import { isSeriesList, pyRepr } from '../params.js';
import { parseTarget, type Arg, type Expression } from '../grammar.js';
import { iter, type RenderSeries, type Value } from '../series.js';

export function def(name: string, group: string, description: string, params: Param[], fn: SeriesFunction, aggregator = false): FunctionDef {
  return { name, group, description, params, fn, aggregator };
}

type ParamExtra = Omit<Param, 'name' | 'type'>;

export function p(name: string, type: ParamType, extra: ParamExtra = {}): Param {
  return { name, type, ...extra };
}

export const seriesListParam = (name = 'seriesList'): Param => p(name, 'seriesList', { required: true });
export const seriesListsParam = (required = true): Param => p('seriesLists', 'seriesList', { required, multiple: true });

function bad(what: string, value: unknown): never {
  throw new InputParameterError(`Invalid ${what}: ${pyRepr(value)}`);
}

export function seriesList(v: unknown, what = 'seriesList'): RenderSeries[] {
  if (!isSeriesList(v)) bad(`value for ${what} (expected a series list)`, v);
  return v;
}

/** `*seriesLists` arguments: every one a series list. */
export function seriesLists(args: unknown[]): RenderSeries[][] {
  return args.map((a) => seriesList(a, 'seriesLists'));
}

export function num(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return bad(`number for ${what}`, v);
}

export function optNum(v: unknown, what: string): number | null {
  return v === undefined || v === null ? null : num(v, what);
}

export function int(v: unknown, what: string): number {
  const n = num(v, what);
  if (!Number.isFinite(n)) bad(`integer for ${what}`, v);
  return Math.trunc(n);
}

export function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  return bad(`string for ${what}`, v);
}

export function bool(v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string') return v.toLowerCase() === 'true' ? true : v.toLowerCase() === 'false' ? false : v.length > 0;
  return Boolean(v);
}

/** The path expression a series name started from: `sumSeries(a.*.b)` → `a.*.b` (graphite's _getFirstPathExpression). */
export function firstPathExpression(name: string): string | null {
  let node: Arg;
  try {
    node = parseTarget(name);
  } catch {
    return null;
  }
  for (;;) {
    if (node.kind !== 'expression') return null;
    const base: Expression["base"] = node.base;
    if (base.kind === 'path') return base.path;
    if (base.kind !== 'call' || !base.args.length) return null;
    node = base.args[0];
  }
}

/** True when the call's argument at parameter position `i` was written as a float literal (`5.0`). */
export function floatArg(ctx: RenderContext, i: number): boolean {
  return ctx.floatArgs?.[i] === true;
}

/** graphite's getNodeOrTag: an integer picks a dotted node (negative from the end), else a tag. */
export function nodeOrTag(s: RenderSeries, n: unknown, pathExpression: string | null): string {
  if (typeof n === 'number' && Number.isInteger(n)) {
    const parts = (pathExpression || s.name).split(';')[0].split('.');
    const i = n < 0 ? parts.length + n : n;
    if (i >= 0 && i < parts.length) return parts[i];
  }
  return s.tags[typeof n === 'number' ? String(n) : String(n)] ?? '';
}

/** graphite's aggKey: the joined nodes/tags, taken from the first path expression when the name is a call. */
export function aggKey(s: RenderSeries, nodes: unknown[]): string {
  const pathExpression = s.name.endsWith(')') ? firstPathExpression(s.name) : null;
  return nodes.map((n) => nodeOrTag(s, n, pathExpression)).join('.');
}

/** `for i, v in enumerate(series): series[i] = f(v)` — iteration consolidates, writes are raw. */
export function mapInPlace(s: RenderSeries, f: (v: Value) => Value): void {
  const vals = iter(s);
  const out = s.values;
  for (let i = 0; i < vals.length; i++) out[i] = f(vals[i]);
}

/** formatPathExpressions: the distinct path expressions in order, joined by ','. */
export function formatPathExpressions(list: RenderSeries[]): string {
  return [...new Set(list.map((s) => s.pathExpression))].join(',');
}

/** Groups series by a key, keeping the order in which keys were first seen. */
export function groupBy(list: RenderSeries[], key: (s: RenderSeries) => string): Map<string, RenderSeries[]> {
  const groups = new Map<string, RenderSeries[]>();
  for (const s of list) {
    const k = key(s);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  return groups;
}

/** Python's stable list.sort(key=…, reverse=…) with numeric keys (reverse keeps equal items in order). */
export function stableSortBy<T>(items: T[], key: (x: T) => number | string, reverse = false): T[] {
  const keyed = items.map((x, i) => ({ x, k: key(x), i }));
  keyed.sort((a, b) => {
    const c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
    return (reverse ? -c : c) || a.i - b.i;
  });
  return keyed.map((e) => e.x);
}
