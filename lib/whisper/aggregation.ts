// The eight aggregation methods whisper.py knows, with its type codes and its exact arithmetic.
import { InvalidAggregationMethod } from './errors.js';

/** In type-code order: average is 1, absmin is 8 (the uint32 stored at offset 0 of the header). */
export const AGGREGATION_METHODS = ['average', 'sum', 'last', 'max', 'min', 'avg_zero', 'absmax', 'absmin'] as const;
export type AggregationMethod = (typeof AGGREGATION_METHODS)[number];

export function isAggregationMethod(name: unknown): name is AggregationMethod {
  return typeof name === 'string' && (AGGREGATION_METHODS as readonly string[]).includes(name);
}

/** The header code of `method`; throws InvalidAggregationMethod like whisper.py's __writeHeaderMetadata. */
export function aggregationTypeOf(method: string): number {
  const i = (AGGREGATION_METHODS as readonly string[]).indexOf(method);
  if (i < 0) throw new InvalidAggregationMethod(`Unrecognized aggregation method: ${method}`);
  return i + 1;
}

/** The method for a header code, or undefined for a code whisper.py would call corrupt. */
export function aggregationMethodOf(type: number): AggregationMethod | undefined {
  return AGGREGATION_METHODS[type - 1];
}

// Python's sum(): left to right from the int 0 (so -0.0 sums to 0.0, as in JS).
function pySum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

// Python's max()/min(): keep the first item unless a later one compares strictly greater/less.
// This matters for ties such as 0.0 / -0.0 and for NaN, where Math.max would differ.
function pyMax(values: readonly number[], key: (v: number) => number = (v) => v): number {
  let best = values[0]!;
  let bestKey = key(best);
  for (let i = 1; i < values.length; i++) {
    const k = key(values[i]!);
    if (k > bestKey) {
      best = values[i]!;
      bestKey = k;
    }
  }
  return best;
}

function pyMin(values: readonly number[], key: (v: number) => number = (v) => v): number {
  let best = values[0]!;
  let bestKey = key(best);
  for (let i = 1; i < values.length; i++) {
    const k = key(values[i]!);
    if (k < bestKey) {
      best = values[i]!;
      bestKey = k;
    }
  }
  return best;
}

/**
 * whisper.py's aggregate(): `known` are the non-null values of a bucket in time order, `neighbors`
 * the whole bucket with nulls (only avg_zero uses it: a null or a zero counts as 0 over the full bucket).
 */
export function aggregate(method: AggregationMethod, known: readonly number[], neighbors: readonly (number | null)[]): number {
  switch (method) {
    case 'average':
      return pySum(known) / known.length;
    case 'sum':
      return pySum(known);
    case 'last':
      return known[known.length - 1]!;
    case 'max':
      return pyMax(known);
    case 'min':
      return pyMin(known);
    case 'avg_zero': {
      if (neighbors.length === 0) throw new InvalidAggregationMethod('Using avg_zero without neighborValues');
      // Python's `x or 0`: None, 0.0 and -0.0 become 0; NaN is truthy and stays.
      let total = 0;
      for (const v of neighbors) total += v === null || v === 0 ? 0 : v;
      return total / neighbors.length;
    }
    case 'absmax':
      return pyMax(known, Math.abs);
    case 'absmin':
      return pyMin(known, Math.abs);
    default:
      throw new InvalidAggregationMethod(`Unrecognized aggregation method ${String(method)}`);
  }
}

/**
 * aggregate() over a bucket held in typed arrays, without building lists: `values[from + k]`
 * for k < count, known where `known[from + k]` is 1. The same arithmetic and tie rules as
 * aggregate(); `type` is the header code (1 average … 8 absmin). The bucket has at least one
 * known value.
 */
export function aggregateSlots(type: number, values: Float64Array, known: Uint8Array, from: number, count: number): number {
  const end = from + count;
  if (type === 6) {
    // avg_zero: every slot counts, a missing or zero value as 0 (Python's `x or 0`; NaN stays).
    let total = 0;
    for (let i = from; i < end; i++) {
      if (known[i] === 1) {
        const v = values[i]!;
        total += v === 0 ? 0 : v;
      }
    }
    return total / count;
  }
  let n = 0;
  let total = 0;
  let best = 0;
  let bestKey = 0;
  for (let i = from; i < end; i++) {
    if (known[i] !== 1) continue;
    const v = values[i]!;
    if (n === 0) {
      best = v;
      bestKey = type === 7 || type === 8 ? Math.abs(v) : v;
    } else if (type === 4 || type === 5) {
      if (type === 4 ? v > best : v < best) best = v;
    } else if (type === 7 || type === 8) {
      const k = Math.abs(v);
      if (type === 7 ? k > bestKey : k < bestKey) {
        best = v;
        bestKey = k;
      }
    } else if (type === 3) best = v;
    total += v;
    n++;
  }
  switch (type) {
    case 1:
      // pySum starts from 0: 0 + -0.0 is 0.0, as in Python.
      return (0 + total) / n;
    case 2:
      return 0 + total;
    default:
      return best;
  }
}
