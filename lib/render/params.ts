// Function parameter declarations and graphite-web's validateParams (functions/params.py):
// the same checks, messages and conversions (ints → floats for `float`, "true" → true for
// `boolean`, …). Like graphite with ENFORCE_INPUT_VALIDATION=False (its default) a failed
// validation does not stop the call: the function runs on the raw arguments, and only if it
// cannot use them does the request fail — with the validation message, as a 400.
import { ArityError, InputParameterError } from './errors.js';
import { parseTimeOffset } from './attime.js';
import { AGG_FUNC_NAMES } from './aggfuncs.js';
import { pyStr } from './pyformat.js';
import type { RenderSeries } from './series.js';

export type ParamType =
  | 'boolean'
  | 'date'
  | 'float'
  | 'integer'
  | 'interval'
  | 'intOrInterval'
  | 'intOrInf'
  | 'node'
  | 'nodeOrTag'
  | 'series'
  | 'seriesList'
  | 'seriesLists'
  | 'string'
  | 'tag'
  | 'any'
  | 'aggFunc'
  | 'aggOrSeriesFunc';

export interface Param {
  name: string;
  type: ParamType;
  required?: boolean;
  default?: unknown;
  multiple?: boolean;
  options?: unknown[];
  suggestions?: unknown[];
}

/** Names of series functions flagged `aggregator` (valid callbacks for groupByNode & co). */
export const aggregatorFunctions: string[] = [];

export function isSeries(v: unknown): v is RenderSeries {
  return typeof v === 'object' && v !== null && 'values' in v && 'step' in v && !Array.isArray(v);
}

export function isSeriesList(v: unknown): v is RenderSeries[] {
  return Array.isArray(v) && v.every(isSeries);
}

/** Python repr() of an argument, for error messages. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map((x) => (isSeries(x) ? `TimeSeries(name=${x.name})` : pyRepr(x))).join(', ')}]`;
  return pyStr(v);
}

function validateBoolean(v: unknown): boolean {
  if (typeof v === 'string') {
    if (v.toLowerCase() === 'true') return true;
    if (v.toLowerCase() === 'false') return false;
    throw new Error();
  }
  if (typeof v === 'number') {
    if (v === 0) return false;
    if (v === 1) return true;
    throw new Error();
  }
  return Boolean(v);
}

function validateFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?|inf(inity)?|nan)\s*$/i.test(v)) {
    const t = v.trim().toLowerCase().replace(/^\+/, '');
    if (t.endsWith('inf') || t.endsWith('infinity')) return t.startsWith('-') ? -Infinity : Infinity;
    if (t.endsWith('nan')) return NaN;
    return Number(t);
  }
  throw new Error();
}

function validateInteger(v: unknown, isFloatToken: boolean): number {
  if (isFloatToken) throw new Error();
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number(v);
  throw new Error();
}

const VALIDATORS: Partial<Record<ParamType, (v: unknown, isFloatToken: boolean) => unknown>> = {
  boolean: validateBoolean,
  float: validateFloat,
  integer: validateInteger,
  node: validateInteger,
  intOrInf: (v, isFloat) => {
    try {
      return validateInteger(v, isFloat);
    } catch {
      if (validateFloat(v) === Infinity) return Infinity;
      throw new Error();
    }
  },
  interval: (v) => {
    if (typeof v !== 'string') throw new Error();
    parseTimeOffset(v);
    return v;
  },
  seriesList: (v) => {
    if (!isSeriesList(v)) throw new Error();
    return v;
  },
  seriesLists: (v) => {
    if (!Array.isArray(v) || !v.every(isSeriesList)) throw new Error();
    return v;
  },
  aggFunc: (v) => {
    if (typeof v === 'string' && (AGG_FUNC_NAMES.includes(v) || AGG_FUNC_NAMES.some((n) => n + 'Series' === v))) return v;
    throw new Error();
  },
  aggOrSeriesFunc: (v) => {
    if (typeof v === 'string' && (AGG_FUNC_NAMES.includes(v) || AGG_FUNC_NAMES.some((n) => n + 'Series' === v))) return v;
    return typeof v === 'string' && aggregatorFunctions.includes(v) ? v : false;
  },
};

export function paramOptions(p: Param): unknown[] {
  const fromType = p.type === 'aggFunc' ? AGG_FUNC_NAMES : p.type === 'aggOrSeriesFunc' ? [...AGG_FUNC_NAMES, ...aggregatorFunctions] : [];
  const all = [...new Set([...(p.options ?? []), ...fromType])];
  return all.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

function validateValue(p: Param, value: unknown, func: string, isFloatToken: boolean): unknown {
  if ((value === null || value === undefined) && p.default !== undefined) return value;
  if (!p.required && (value === null || value === undefined)) return value;
  const options = paramOptions(p);
  if (options.length && !options.includes(value)) {
    throw new InputParameterError(`Invalid option specified for function "${func}" parameter "${p.name}": ${pyRepr(value)}`);
  }
  const validator = VALIDATORS[p.type];
  if (!validator) return value;
  try {
    return validator(value, isFloatToken);
  } catch {
    throw new InputParameterError(`Invalid "${p.type}" value specified for function "${func}" parameter "${p.name}": ${pyRepr(value)}`);
  }
}

export interface ArgValue {
  value: unknown;
  /** The argument was written as a float literal (`2.0`, `1e3`): not a valid `integer`. */
  isFloatToken: boolean;
}

/** graphite's validateParams: converted positional args and kwargs, or an InputParameterError. */
export function validateParams(func: string, params: Param[], args: ArgValue[], kwargs: Map<string, ArgValue>): { args: unknown[]; kwargs: Map<string, unknown> } {
  let argsParams: Param[];
  let kwargsParams: Param[];
  if (args.length + kwargs.size > params.length) {
    if (!params.length || !params[params.length - 1].multiple) throw new ArityError(`Too many parameters specified for function "${func}"`);
    argsParams = params;
    kwargsParams = [];
  } else {
    argsParams = params.slice(0, args.length);
    kwargsParams = params.slice(args.length);
  }
  const validArgs = args.map((a, i) => validateValue(argsParams[Math.min(i, argsParams.length - 1)], a.value, func, a.isFloatToken));
  const validKwargs = new Map<string, unknown>();
  for (const p of kwargsParams) {
    const a = kwargs.get(p.name);
    if (a === undefined || a.value === null) {
      if (p.required) throw new InputParameterError(`Missing required parameter "${p.name}" for function "${func}"`);
      continue;
    }
    validKwargs.set(p.name, validateValue(p, a.value, func, a.isFloatToken));
  }
  if (kwargs.size > validKwargs.size) {
    const unexpected = [...kwargs.keys()].filter((k) => !validKwargs.has(k));
    throw new InputParameterError(`Unexpected key word arguments: ${unexpected.join(', ')}`);
  }
  return { args: validArgs, kwargs: validKwargs };
}

/** Puts keyword arguments at their parameter's position (the functions take positional arrays). */
export function positional(params: Param[], args: unknown[], kwargs: Map<string, unknown>, func: string): unknown[] {
  const out = args.slice();
  for (const [name, value] of kwargs) {
    const i = params.findIndex((p) => p.name === name);
    if (i < 0 || (params[i].multiple && i < out.length)) throw new InputParameterError(`${func}() got an unexpected keyword argument '${name}'`);
    if (i < out.length) throw new InputParameterError(`${func}() got multiple values for argument '${name}'`);
    while (out.length < i) out.push(undefined);
    out[i] = value;
  }
  return out;
}

/** The JSON description of a parameter for /functions (graphite's Param.toJSON). */
export function paramToJSON(p: Param): Record<string, unknown> {
  const json: Record<string, unknown> = { name: p.name, type: p.type };
  if (p.required) json.required = true;
  if (p.default !== undefined && p.default !== null) json.default = p.default;
  if (p.multiple) json.multiple = true;
  const options = paramOptions(p);
  if (options.length) json.options = options;
  if (p.suggestions?.length) json.suggestions = p.suggestions;
  return json;
}
