// Carbon's plaintext protocol, one line `<metric> <value> <timestamp>`, with carbon 1.1's rules
// (lib/carbon/protocols.py): any whitespace, exactly three fields, Python float() for value and
// timestamp, NaN values dropped silently, timestamp -1 means now. Pure.
import type { MetricPoint } from '../types.js';

// Python float(): sign, digits with single underscores between them, optional fraction and
// exponent, or inf/infinity/nan in any case. No hex, no empty mantissa.
const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_FLOAT = new RegExp(String.raw`^[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity|nan)$`, 'i');

/** Python's `float(text)` for a whitespace-free token; undefined where Python raises ValueError. */
export function pythonFloat(text: string): number | undefined {
  if (!PY_FLOAT.test(text)) return undefined;
  const lower = text.toLowerCase();
  if (lower.endsWith('nan')) return NaN;
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(text.replace(/_/g, ''));
}

export type CarbonLine =
  | { kind: 'point'; point: MetricPoint }
  /** A valid line whose value is NaN: carbon drops it without a complaint. */
  | { kind: 'nan' }
  | { kind: 'bad'; reason: string };

/** One line (without its newline). `nowSec` replaces a timestamp of -1. */
export function parseCarbonLine(line: string, nowSec: number): CarbonLine {
  const fields = line.trim().split(/\s+/);
  if (fields.length !== 3 || fields[0] === '') return { kind: 'bad', reason: `expected "metric value timestamp", got ${fields[0] === '' ? 0 : fields.length} fields` };
  const [name, valueText, tsText] = fields as [string, string, string];
  if (line.includes('\uFFFD')) return { kind: 'bad', reason: 'not valid UTF-8' };
  const value = pythonFloat(valueText);
  if (value === undefined) return { kind: 'bad', reason: `value ${JSON.stringify(valueText)} is not a number` };
  const ts = pythonFloat(tsText);
  // carbon crashes the connection on an infinite timestamp (OverflowError); sotto rejects the line.
  if (ts === undefined || !Number.isFinite(ts)) return { kind: 'bad', reason: `timestamp ${JSON.stringify(tsText)} is not a finite number` };
  if (Number.isNaN(value)) return { kind: 'nan' };
  const whole = Math.trunc(ts);
  return { kind: 'point', point: { name, value, timestamp: whole === -1 ? nowSec : whole } };
}

export interface CarbonBatch {
  points: MetricPoint[];
  bad: { line: string; reason: string }[];
}

/** Every line of a chunk (lines end in `\n`, optional `\r`; empty lines are skipped). */
export function parseCarbonText(text: string, nowSec: number): CarbonBatch {
  const out: CarbonBatch = { points: [], bad: [] };
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const r = parseCarbonLine(raw, nowSec);
    if (r.kind === 'point') out.points.push(r.point);
    else if (r.kind === 'bad') out.bad.push({ line: raw, reason: r.reason });
  }
  return out;
}
