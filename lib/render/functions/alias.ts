// Naming functions (alias, aliasByNode, aliasByMetric, aliasSub, substr, legendValue, cactiStyle)
// and the graph-only ones Grafana may send (color, alpha, lineWidth, dashed, secondYAxis,
// stacked, drawAsInfinite, areaBetween): these keep the data and change names/options only.
import type { FunctionDef, RenderContext } from '../context.js';
import { AGG_ALIASES, AGG_FUNC_NAMES, aggKeepsInts, getAggFunc, safeLast, safeMax, safeMin } from '../aggfuncs.js';
import { InputParameterError } from '../errors.js';
import { copySeries, iter, type RenderSeries, type Value } from '../series.js';
import { pyFormatFixed, pyFormatG, pyStr } from '../pyformat.js';
import { pySub } from '../pyregex.js';
import { aggKey, def, floatArg, int, num, p, seriesList, seriesListParam, str } from './helpers.js';

const UNIT_SYSTEMS: Record<string, [string, number][]> = {
  binary: [
    ['Pi', 1024 ** 5],
    ['Ti', 1024 ** 4],
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
  ],
  si: [
    ['P', 1000 ** 5],
    ['T', 1000 ** 4],
    ['G', 1000 ** 3],
    ['M', 1000 ** 2],
    ['k', 1000],
  ],
};

/** graphite's glyph.format_units: (scaled value, prefix). */
function formatUnits(v: number, system: string, units?: string): [number, string] {
  for (const [prefix, size] of UNIT_SYSTEMS[system] ?? UNIT_SYSTEMS.si) {
    if (Math.abs(v) >= size) {
      let v2 = v / size;
      if (v2 - Math.floor(v2) < 0.00000000001 && v > 1) v2 = Math.floor(v2);
      return [v2, units ? prefix + units : prefix];
    }
  }
  if (v - Math.floor(v) < 0.00000000001 && v > 1) v = Math.floor(v);
  return [v, units ?? ''];
}

function substr(list: RenderSeries[], start: number, stop: number): RenderSeries[] {
  for (const s of list) {
    const left = s.name.lastIndexOf('(') + 1;
    let right = s.name.indexOf(')');
    if (right < 0) right = s.name.length + 1;
    const parts = s.name.slice(left, Math.max(left, right)).split('.');
    const at = (i: number): number => (i < 0 ? Math.max(parts.length + i, 0) : Math.min(i, parts.length));
    const sliced = stop === 0 ? parts.slice(at(start)) : parts.slice(at(start), at(stop));
    s.name = sliced.join('.').replace(/,.*$/, '');
  }
  return list;
}

function cactiStyle(list: RenderSeries[], system: string | null, units: string | null): RenderSeries[] {
  if (!list.length) return list;
  const fmt = (x: number): string => {
    if (system) {
      const [v, prefix] = formatUnits(x, system, units ?? undefined);
      return units ? `${pyFormatFixed(v, 2)} ${prefix}` : `${pyFormatFixed(v, 2)}${prefix}`;
    }
    return units ? `${pyFormatFixed(x, 2)} ${units}` : pyFormatFixed(x, 2);
  };
  const width = (get: (vals: Value[]) => number | null): number =>
    Math.max(0, ...list.map((s) => fmt(Math.trunc(get(iter(s)) || 3)).length)) + 3;
  const nameLen = Math.max(0, ...list.map((s) => s.name.length));
  const [lastLen, maxLen, minLen] = [width(safeLast), width(safeMax), width(safeMin)];
  for (const s of list) {
    const vals = iter(s);
    const show = (v: number | null): string => (v === null ? 'nan' : fmt(v));
    s.name = `${s.name.padEnd(nameLen)} Current:${show(safeLast(vals)).padEnd(lastLen)} Max:${show(safeMax(vals)).padEnd(maxLen)} Min:${show(safeMin(vals)).padEnd(minLen)} `;
  }
  return list;
}

function legendValue(list: RenderSeries[], valueTypes: string[]): RenderSeries[] {
  let system: string | null = null;
  if (valueTypes.length && (valueTypes[valueTypes.length - 1] === 'si' || valueTypes[valueTypes.length - 1] === 'binary')) {
    system = valueTypes[valueTypes.length - 1];
    valueTypes = valueTypes.slice(0, -1);
  }
  for (const type of valueTypes) {
    let f: ((vals: Value[]) => number | string | null) | null;
    try {
      f = getAggFunc(type);
    } catch {
      f = () => '(?)';
    }
    for (const s of list) {
      const value = f(iter(s));
      if (system === null) {
        const asFloat = !(AGG_ALIASES[type] ?? type).startsWith('count') && !(s.ints && aggKeepsInts(type));
        s.name += ` (${type}: ${typeof value === 'string' ? value : pyStr(value, asFloat)})`;
      } else {
        const formatted = typeof value === 'string' ? value : value === null ? 'None' : (([v, prefix]) => `${pyFormatFixed(v, 2)}${prefix}`)(formatUnits(value, system));
        s.name = `${s.name.padEnd(20)}${type.padEnd(5)}${formatted.padEnd(10)}`;
      }
    }
  }
  return list;
}

function withOption(name: string, description: string, extra: Parameters<typeof def>[3], apply: (s: RenderSeries, args: unknown[], ctx: RenderContext) => void): FunctionDef {
  return def(name, 'Graph', description, [seriesListParam(), ...extra], (ctx, [l, ...rest]) => {
    const list = seriesList(l);
    for (const s of list) apply(s, rest, ctx);
    return list;
  });
}

function stacked(ctx: RenderContext, list: RenderSeries[], stackName: string): RenderSeries[] {
  if (!ctx.totalStack) ctx.totalStack = {};
  const total = ctx.totalStack[stackName] ?? [];
  const out = list.map((s) => {
    const values: Value[] = s.values.map((v, i) => {
      if (total.length <= i) total.push(0);
      if (v === null) return null;
      total[i] += v;
      return total[i];
    });
    let name = s.name;
    if (stackName === '__DEFAULT__') {
      s.tags.stacked = stackName;
      name = `stacked(${s.name})`;
    }
    const copy = copySeries(s, { name, values });
    copy.options = { ...s.options, stacked: true };
    return copy;
  });
  ctx.totalStack[stackName] = total;
  return out;
}

export function aliasFunctions(): FunctionDef[] {
  return [
    def('alias', 'Alias', 'Renames every series (tags unchanged).', [seriesListParam(), p('newName', 'string', { required: true })], (_ctx, [l, n]) => {
      const list = seriesList(l);
      const name = str(n, 'newName');
      for (const s of list) s.name = name;
      return list;
    }),
    def('aliasByNode', 'Alias', 'Renames each series to the given nodes (0-based, negative from the end) or tags of its path.', [seriesListParam(), p('nodes', 'nodeOrTag', { required: true, multiple: true })], (_ctx, [l, ...nodes]) => {
      const list = seriesList(l);
      for (const s of list) s.name = aggKey(s, nodes);
      return list;
    }),
    def('aliasByTags', 'Alias', 'Renames each series to the given nodes or tags.', [seriesListParam(), p('tags', 'nodeOrTag', { required: true, multiple: true })], (_ctx, [l, ...nodes]) => {
      const list = seriesList(l);
      for (const s of list) s.name = aggKey(s, nodes);
      return list;
    }),
    def('aliasByMetric', 'Alias', 'Renames each series to the last node of its path.', [seriesListParam()], (_ctx, [l]) => substr(seriesList(l), -1, 0)),
    def('aliasSub', 'Alias', 'Renames with a (Python) regular expression substitution: \\1 or \\g<name> in the replacement.', [seriesListParam(), p('search', 'string', { required: true }), p('replace', 'string', { required: true })], (_ctx, [l, search, replace]) => {
      const list = seriesList(l);
      const [pattern, repl] = [str(search, 'search'), str(replace, 'replace')];
      for (const s of list) s.name = pySub(pattern, repl, s.name);
      return list;
    }),
    def('substr', 'Special', 'Keeps the nodes start..stop (Python slice) of the innermost path.', [seriesListParam(), p('start', 'node', { default: 0 }), p('stop', 'node', { default: 0 })], (_ctx, [l, a, b]) =>
      substr(seriesList(l), a === undefined || a === null ? 0 : int(a, 'start'), b === undefined || b === null ? 0 : int(b, 'stop')),
    ),
    def('legendValue', 'Alias', 'Appends aggregates (e.g. "avg", "last") to the names; a final "si" or "binary" formats with units.', [seriesListParam(), p('valuesTypes', 'string', { multiple: true, options: [...AGG_FUNC_NAMES, ...AGG_FUNC_NAMES.map((n) => n + 'Series'), 'si', 'binary'] })], (_ctx, [l, ...types]) =>
      legendValue(seriesList(l), types.map((t) => str(t, 'valuesTypes'))),
    ),
    def('cactiStyle', 'Special', 'Appends Current/Max/Min to the names, aligned (optionally with si/binary units).', [seriesListParam(), p('system', 'string', { options: ['si', 'binary'] }), p('units', 'string')], (_ctx, [l, system, units]) =>
      cactiStyle(seriesList(l), system ? str(system, 'system') : null, units ? str(units, 'units') : null),
    ),
    withOption('color', 'Sets the color (graph option; data unchanged).', [p('theColor', 'string', { required: true })], (s, [c]) => {
      s.options = { ...s.options, color: str(c, 'theColor') };
    }),
    withOption('alpha', 'Sets the opacity (graph option; data unchanged).', [p('alpha', 'float', { required: true })], (s, [a]) => {
      s.options = { ...s.options, alpha: num(a, 'alpha') };
    }),
    withOption('lineWidth', 'Sets the line width (graph option; data unchanged).', [p('width', 'float', { required: true })], (s, [w]) => {
      s.options = { ...s.options, lineWidth: num(w, 'width') };
    }),
    withOption('dashed', 'Draws dashed (graph option; renames to dashed(x, length)).', [p('dashLength', 'integer', { default: 5 })], (s, [d], ctx) => {
      const length = d === undefined || d === null ? 5 : num(d, 'dashLength');
      s.tags.dashed = pyStr(length, floatArg(ctx, 1));
      s.name = `dashed(${s.name}, ${pyFormatG(length)})`;
      s.options = { ...s.options, dashed: length };
    }),
    withOption('secondYAxis', 'Draws on the second Y axis (graph option).', [], (s) => {
      s.options = { ...s.options, secondYAxis: true };
      s.tags.secondYAxis = '1';
      s.name = `secondYAxis(${s.name})`;
    }),
    withOption('drawAsInfinite', 'Draws non-zero values as vertical lines (graph option).', [], (s) => {
      s.options = { ...s.options, drawAsInfinite: true };
      s.tags.drawAsInfinite = '1';
      s.name = `drawAsInfinite(${s.name})`;
    }),
    def('stacked', 'Graph', 'Stacks the series: each value is added to the running total of the stack.', [seriesListParam(), p('stack', 'string')], (ctx, [l, name]) =>
      stacked(ctx, seriesList(l), name === undefined || name === null ? '__DEFAULT__' : str(name, 'stack')),
    ),
    def('areaBetween', 'Graph', 'Fills the area between exactly two series (graph option).', [seriesListParam()], (_ctx, [l]) => {
      const list = seriesList(l);
      if (list.length !== 2) throw new InputParameterError('areaBetween series argument must reference *exactly* 2 series');
      const [lower, upper] = list;
      lower.options = { ...lower.options, stacked: true, invisible: true };
      upper.options = { ...upper.options, stacked: true };
      upper.tags.areaBetween = '1';
      lower.tags = upper.tags;
      lower.name = upper.name = `areaBetween(${upper.pathExpression})`;
      return list;
    }),
  ];
}
