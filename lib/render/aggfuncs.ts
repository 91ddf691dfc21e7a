// graphite-web's aggregation functions (functions/aggfuncs.py + safe.py): None is skipped,
// a row of only None gives None, and Python's comparison rules are kept (max/min keep the
// first element unless a later one compares greater/smaller, so NaN behaves as in Python).
import { InputParameterError } from './errors.js';

export type Row = (number | null)[];
export type AggFunc = (row: Row) => number | null;

/** Python max() over a non-empty list. */
export function pyMax(values: number[]): number | null {
  if (!values.length) return null;
  let m = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

/** Python min() over a non-empty list. */
export function pyMin(values: number[]): number | null {
  if (!values.length) return null;
  let m = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] < m) m = values[i];
  return m;
}

function nonNull(row: Row): number[] {
  const out: number[] = [];
  for (const v of row) if (v !== null) out.push(v);
  return out;
}

export function safeSum(row: Row): number | null {
  let sum = 0;
  let any = false;
  for (const v of row) {
    if (v !== null) {
      sum += v;
      any = true;
    }
  }
  return any ? sum : null;
}

export function safeLen(row: Row): number {
  let n = 0;
  for (const v of row) if (v !== null) n++;
  return n;
}

export function safeAvg(row: Row): number | null {
  let sum = 0;
  let n = 0;
  for (const v of row) {
    if (v !== null) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : null;
}

export function safeDiv(a: number | null, b: number | null): number | null {
  if (a === null) return null;
  if (b === null || b === 0) return null;
  return a / b;
}

export function safeMul(...factors: (number | null)[]): number | null {
  let product = 1;
  for (const f of factors) {
    if (f === null) return null;
    product *= f;
  }
  return factors.length ? product : null;
}

export function safePow(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1; // Python's math.pow
  // math.pow raises ValueError (negative base, fractional exponent) or OverflowError → None
  if (a === 0 && b < 0) return null;
  const r = Math.pow(a, b);
  if (Number.isNaN(r) && !Number.isNaN(a) && !Number.isNaN(b)) return null;
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) return null;
  return r;
}

export function safeLast(row: Row): number | null {
  for (let i = row.length - 1; i >= 0; i--) if (row[i] !== null) return row[i];
  return null;
}

export function safeMin(row: Row): number | null {
  return pyMin(nonNull(row));
}

export function safeMax(row: Row): number | null {
  return pyMax(nonNull(row));
}

function safeDiff(row: Row): number | null {
  const vals = nonNull(row);
  if (!vals.length) return null;
  let sum = 0;
  for (let i = 0; i < vals.length; i++) sum += i === 0 ? vals[0] : vals[i] * -1;
  return sum;
}

function safeAvgZero(row: Row): number | null {
  if (!row.length) return null;
  let sum = 0;
  for (const v of row) sum += v === null ? 0 : v;
  return sum / row.length;
}

function pySorted(values: number[]): number[] {
  return values.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function safeMedian(row: Row): number | null {
  const vals = nonNull(row);
  if (!vals.length) return null;
  const sorted = pySorted(vals);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[mid];
}

export function safeStdDev(row: Row): number | null {
  const avg = safeAvg(row);
  if (avg === null) return null;
  let sum = 0;
  let n = 0;
  for (const v of row) {
    if (v !== null) {
      sum += (v - avg) * (v - avg);
      n++;
    }
  }
  return Math.sqrt(sum / n);
}

function safeSubtract(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

export const AGG_FUNCS: Record<string, AggFunc> = {
  average: safeAvg,
  avg_zero: safeAvgZero,
  median: safeMedian,
  sum: safeSum,
  min: safeMin,
  max: safeMax,
  diff: safeDiff,
  stddev: safeStdDev,
  count: safeLen,
  range: (row) => safeSubtract(safeMax(row), safeMin(row)),
  multiply: (row) => safeMul(...row),
  last: safeLast,
};

export const AGG_ALIASES: Record<string, string> = { rangeOf: 'range', avg: 'average', total: 'sum', current: 'last' };

/** Aggregations that return one of their (int) inputs, or a sum of ints: the result stays an int. */
const INT_PRESERVING = new Set(['sum', 'min', 'max', 'diff', 'last', 'count']);

export function aggKeepsInts(func: string): boolean {
  return INT_PRESERVING.has(AGG_ALIASES[func] ?? func);
}

/** Every accepted aggregation name, as graphite lists them for `aggFunc` parameters. */
export const AGG_FUNC_NAMES = [...Object.keys(AGG_FUNCS), ...Object.keys(AGG_ALIASES)];

/** getAggFunc: the function for a name, or graphite's error for an unknown one. */
export function getAggFunc(func: string, rawFunc?: string): AggFunc {
  const name = AGG_ALIASES[func] ?? func;
  if (Object.prototype.hasOwnProperty.call(AGG_FUNCS, name)) return AGG_FUNCS[name];
  throw new InputParameterError(`Unsupported aggregation function: ${rawFunc ?? func}`);
}
