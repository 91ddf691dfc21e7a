// Evaluating parsed targets like graphite-web's render/evaluator.py: path expressions are
// extracted and fetched first (positional arguments only — a path inside a keyword argument
// is not prefetched and so yields no series, exactly as in graphite), then calls are evaluated
// innermost first, pipes `a|f()|g()` as g(f(a)), templates with `$name` substitution.
import type { Arg, CallNode, Expression, PathNode, TemplateNode } from './grammar.js';
import { parseTarget } from './grammar.js';
import { ArityError, InputParameterError, LimitError } from './errors.js';
import type { FetchedSeries, FunctionDef, RenderContext } from './context.js';
import { makeSeries, type RenderSeries } from './series.js';
import { type ArgValue, positional, validateParams } from './params.js';
import { pyStr } from './pyformat.js';

let registry: Map<string, FunctionDef> = new Map();

/** Installs the function table (functions/index.ts does this once). */
export function setFunctions(table: Map<string, FunctionDef>): void {
  registry = table;
}

type Replacements = Map<string, unknown>;
type Node = Expression | CallNode | PathNode | TemplateNode;

const timeKey = (ctx: RenderContext): string => `${ctx.startTime}|${ctx.endTime}|${ctx.now}`;

function scalar(arg: Arg): unknown {
  switch (arg.kind) {
    case 'number':
      return arg.value;
    case 'string':
      return arg.value;
    case 'bool':
      return arg.value;
    case 'none':
      return null;
    case 'inf':
      return Infinity;
    default:
      throw new InputParameterError('unknown token in target evaluator');
  }
}

function templateReplacements(ctx: RenderContext, node: TemplateNode): Replacements {
  const map: Replacements = new Map();
  for (const [name, arg] of node.kwargs) map.set(name, scalar(arg));
  node.args.forEach((arg, i) => map.set(String(i + 1), scalar(arg)));
  for (const [name, value] of Object.entries(ctx.template)) map.set(name, value);
  return map;
}

function substitute(path: string, replacements: Replacements | undefined): string {
  if (!replacements) return path;
  let out = path;
  for (const [name, value] of replacements) {
    if (out !== '$' + name) out = out.split('$' + name).join(pyStr(value));
  }
  return out;
}

function extract(ctx: RenderContext, node: Node, into: Set<string>, replacements?: Replacements): void {
  switch (node.kind) {
    case 'template':
      extract(ctx, node.body, into, templateReplacements(ctx, node));
      return;
    case 'expression':
      extract(ctx, node.base, into, replacements);
      for (const pipe of node.pipes) extract(ctx, pipe, into, replacements);
      return;
    case 'path':
      into.add(substitute(node.path, replacements));
      return;
    case 'call':
      if (node.name === 'seriesByTag') {
        into.add(node.raw);
        return;
      }
      for (const arg of node.args) {
        if (arg.kind === 'expression') extract(ctx, arg, into, replacements);
      }
  }
}

async function prefetch(ctx: RenderContext, expressions: Set<string>): Promise<void> {
  const key = timeKey(ctx);
  let cache = ctx.prefetched.get(key);
  if (!cache) {
    cache = new Map();
    ctx.prefetched.set(key, cache);
  }
  const wanted = [...expressions].filter((e) => !cache!.has(e)).sort();
  const results = await Promise.all(wanted.map((e) => ctx.fetch(e, ctx.startTime, ctx.endTime, ctx.now)));
  wanted.forEach((e, i) => {
    const list = results[i];
    ctx.budget.fetched(list.length, list.reduce((n, s) => n + s.values.length, 0));
    cache!.set(e, list);
  });
}

/** graphite's fetchData: fresh TimeSeries objects (functions mutate them), sorted by name. */
function fetchData(ctx: RenderContext, pathExpression: string): RenderSeries[] {
  const fetched: FetchedSeries[] | undefined = ctx.prefetched.get(timeKey(ctx))?.get(pathExpression);
  if (!fetched || !fetched.length) return [];
  const byName = new Map<string, FetchedSeries>();
  for (const f of fetched) if (!byName.has(f.name)) byName.set(f.name, f);
  return [...byName.keys()].sort().map((name) => {
    const f = byName.get(name)!;
    const s = makeSeries(f.name, f.start, f.end, f.step, f.values.slice(), { xFilesFactor: ctx.xFilesFactor });
    s.pathExpression = pathExpression;
    return s;
  });
}

async function evaluateNode(ctx: RenderContext, node: Node, replacements?: Replacements, piped?: Expression): Promise<unknown> {
  switch (node.kind) {
    case 'template':
      return evaluateNode(ctx, node.body, templateReplacements(ctx, node));
    case 'expression':
      if (node.pipes.length) {
        const rightMost = node.pipes[node.pipes.length - 1];
        return evaluateNode(ctx, rightMost, replacements, { ...node, pipes: node.pipes.slice(0, -1) });
      }
      return evaluateNode(ctx, node.base, replacements);
    case 'path': {
      if (replacements) {
        for (const [name, value] of replacements) {
          if (node.path === '$' + name) {
            if (typeof value !== 'string') return value;
            return /^-?[\d.]+$/.test(value) ? Number(value) : value;
          }
        }
      }
      return fetchData(ctx, substitute(node.path, replacements));
    }
    case 'call':
      return evaluateCall(ctx, node, replacements, piped);
  }
}

async function evaluateArg(ctx: RenderContext, arg: Arg, replacements?: Replacements): Promise<ArgValue> {
  if (arg.kind === 'expression') return { value: await evaluateNode(ctx, arg, replacements), isFloatToken: false };
  return { value: scalar(arg), isFloatToken: arg.kind === 'number' && !arg.isInt };
}

async function evaluateCall(ctx: RenderContext, call: CallNode, replacements?: Replacements, piped?: Expression): Promise<unknown> {
  if (call.name === 'template') throw new InputParameterError('invalid template() syntax, only string/numeric arguments are allowed');
  if (call.name === 'seriesByTag') return fetchData(ctx, call.raw);
  const def = registry.get(call.name);
  if (!def) throw new InputParameterError(`Received request for unknown function: ${call.name}`);
  ctx.budget.evaluate();
  const rawArgs: Arg[] = piped ? [piped, ...call.args] : call.args;
  const args: ArgValue[] = [];
  for (const a of rawArgs) args.push(await evaluateArg(ctx, a, replacements));
  ctx.args = rawArgs;
  const kwargs = new Map<string, ArgValue>();
  for (const [name, a] of call.kwargs) kwargs.set(name, await evaluateArg(ctx, a, replacements));

  let validationError: InputParameterError | null = null;
  let callArgs: unknown[];
  try {
    const valid = validateParams(call.name, def.params, args, kwargs);
    callArgs = positional(def.params, valid.args, valid.kwargs, call.name);
  } catch (err) {
    if (!(err instanceof InputParameterError) || err instanceof ArityError) throw err;
    validationError = err;
    const raw = new Map([...kwargs].map(([k, v]) => [k, v.value] as const));
    callArgs = positional(def.params, args.map((a) => a.value), raw, call.name);
  }
  ctx.floatArgs = positional(def.params, args.map((a) => a.isFloatToken), new Map([...kwargs].map(([k, v]) => [k, v.isFloatToken] as const)), call.name) as boolean[];
  try {
    return await def.fn(ctx, callArgs);
  } catch (err) {
    // graphite would run on and fail with a TypeError (HTTP 500); sotto reports why, as a 400
    if (err instanceof LimitError) throw err;
    if (validationError) throw validationError;
    if (err instanceof InputParameterError) throw err;
    throw new InputParameterError(`${call.name}(): ${(err as Error).message}`);
  }
}

/** graphite's evaluateTarget: prefetches the targets' path expressions, then evaluates each. */
export async function evaluateTarget(ctx: RenderContext, targets: (string | Expression)[]): Promise<RenderSeries[]> {
  const parsed: Expression[] = [];
  for (const t of targets) {
    if (typeof t === 'string') {
      if (!t.trim()) continue;
      parsed.push(parseTarget(t));
    } else parsed.push(t);
  }
  const paths = new Set<string>();
  for (const p of parsed) extract(ctx, p, paths);
  await prefetch(ctx, paths);
  const out: RenderSeries[] = [];
  for (const p of parsed) {
    let result: unknown;
    try {
      result = await evaluateNode(ctx, p);
    } catch (err) {
      if (err instanceof InputParameterError && !err.targets.length) err.targets = ctx.targets;
      throw err;
    }
    if (Array.isArray(result)) {
      for (const s of result) if (s && typeof s === 'object' && 'values' in s) out.push(s as RenderSeries);
    } else if (result && typeof result === 'object' && 'values' in result) {
      out.push(result as RenderSeries);
    }
  }
  return out;
}

/** Re-evaluates the first raw argument of the current call over a different context (movingAverage, timeShift, …). */
export function evaluateFirstArg(ctx: RenderContext, newCtx: RenderContext): Promise<RenderSeries[]> {
  const first = ctx.args[0];
  if (!first || first.kind !== 'expression') throw new InputParameterError('first argument must be a series expression');
  return evaluateTarget(newCtx, [first]);
}

/** Evaluates a target string in a copied context (applyByNode, useSeriesAbove, aliasQuery). */
export function evaluateString(ctx: RenderContext, target: string): Promise<RenderSeries[]> {
  return evaluateTarget(ctx, [target]);
}

/** The path expressions a target reads (what /stream watches), e.g. `sumSeries(a.*.b, c.d)` → a.*.b, c.d. */
export function targetPathExpressions(target: string, template: Record<string, string> = {}): string[] {
  const into = new Set<string>();
  const ctx = { template } as RenderContext;
  extract(ctx, parseTarget(target), into);
  return [...into].filter((p) => !p.startsWith('seriesByTag('));
}
