// Combining series of different steps the way graphite-web does (functions.py normalize):
// the lcm of the steps, each series consolidated to it, start = min(start), and the values
// zipped *by index* (izip_longest), not by timestamp — mismatched starts stay mismatched.
import type { RenderSeries, Value } from './series.js';
import { iter } from './series.js';

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export function lcm(a: number, b: number): number {
  if (a === b) return a;
  if (a < b) [a, b] = [b, a];
  return Math.floor(a / gcd(a, b)) * b;
}

export interface Normalized {
  list: RenderSeries[];
  start: number;
  end: number;
  step: number;
}

/** normalize(seriesLists): mutates each series' valuesPerPoint; null when there are no series. */
export function normalize(lists: RenderSeries[][]): Normalized | null {
  const list = lists.flat();
  if (!list.length) return null;
  const step = list.map((s) => s.step).reduce(lcm);
  for (const s of list) s.valuesPerPoint = Math.floor(step / s.step);
  let start = Infinity;
  let end = -Infinity;
  for (const s of list) {
    if (s.start < start) start = s.start;
    if (s.end > end) end = s.end;
  }
  end -= (end - start) % step;
  return { list, start, end, step };
}

/** izip_longest(*series) over the (consolidated) values: rows padded with null. */
export function zipLongest(list: RenderSeries[]): Value[][] {
  const cols = list.map(iter);
  const len = cols.reduce((m, c) => Math.max(m, c.length), 0);
  const rows: Value[][] = new Array(len);
  for (let i = 0; i < len; i++) {
    const row: Value[] = new Array(cols.length);
    for (let j = 0; j < cols.length; j++) row[j] = i < cols[j].length ? cols[j][i] : null;
    rows[i] = row;
  }
  return rows;
}

/** Applies `fn` to each izip_longest row without materialising the rows (hot path of sumSeries). */
export function mapRows(list: RenderSeries[], fn: (row: Value[]) => Value): Value[] {
  const cols = list.map(iter);
  const len = cols.reduce((m, c) => Math.max(m, c.length), 0);
  const out: Value[] = new Array(len);
  const row: Value[] = new Array(cols.length);
  for (let i = 0; i < len; i++) {
    for (let j = 0; j < cols.length; j++) row[j] = i < cols[j].length ? cols[j][i] : null;
    out[i] = fn(row);
  }
  return out;
}
