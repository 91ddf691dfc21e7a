// Retention strings: "precision:points" as whisper.py and carbon read them.
//   60:1440 (seconds:count)   1m:1d   15m:8   1h:7d   12h:2y
import { InvalidRetention } from './errors.js';

/** One archive as (secondsPerPoint, points), the shape whisper.py's create() takes. */
export type ArchiveSpec = readonly [secondsPerPoint: number, points: number];

const WHISPER_UNITS: readonly [string, number][] = [
  ['seconds', 1],
  ['minutes', 60],
  ['hours', 3600],
  ['days', 86400],
  ['weeks', 86400 * 7],
  ['years', 86400 * 365],
];

/** whisper.py's unit lookup: any prefix of seconds|minutes|hours|days|weeks|years, first match wins. */
function whisperUnit(unit: string): number {
  for (const [name, seconds] of WHISPER_UNITS) if (name.startsWith(unit)) return seconds;
  throw new InvalidRetention(`Invalid unit '${unit}'`);
}

const DIGITS = /^\d+$/;
const AMOUNT = /^(\d+)([a-z]+)$/;

/**
 * whisper.py's parseRetentionDef: `60:1440`, `1m:1d`, `15min:8`, `1h:7d`, `12h:2y`. A duration as
 * the second part becomes `duration // precision` points. Throws InvalidRetention with whisper.py's message.
 */
export function parseRetentionDef(def: string): [number, number] {
  const text = def.trim();
  const colon = text.indexOf(':');
  if (colon < 0) throw new InvalidRetention(`Invalid retention definition '${def}'`);
  const precisionText = text.slice(0, colon);
  const pointsText = text.slice(colon + 1);
  let precision: number;
  if (DIGITS.test(precisionText)) precision = Number(precisionText);
  else {
    const m = AMOUNT.exec(precisionText);
    if (!m) throw new InvalidRetention(`Invalid precision specification '${precisionText}'`);
    precision = Number(m[1]) * whisperUnit(m[2]!);
  }
  let points: number;
  if (DIGITS.test(pointsText)) points = Number(pointsText);
  else {
    const m = AMOUNT.exec(pointsText);
    if (!m) throw new InvalidRetention(`Invalid retention specification '${pointsText}'`);
    const seconds = Number(m[1]) * whisperUnit(m[2]!);
    if (precision === 0) throw new InvalidRetention(`Invalid precision specification '${precisionText}': zero seconds per point`);
    points = Math.floor(seconds / precision);
  }
  return [precision, points];
}

const CARBON_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 86400 * 7, y: 86400 * 365 };

/**
 * carbon's stricter parseRetentionDef (carbon/util.py), used for storage-schemas.conf: exactly one
 * ':', single-letter units s/m/h/d/w/y only (`1min` is refused), points-as-duration truncated.
 * Throws InvalidRetention with a short description of the problem (the caller adds file and section).
 */
export function parseCarbonRetentionDef(def: string): [number, number] {
  const parts = def.trim().split(':');
  if (parts.length !== 2) return failCarbon(`expected "precision:retention" with exactly one ':'`);
  const [precisionText, pointsText] = parts as [string, string];
  const precision = carbonAmount(precisionText, 'precision');
  if (precision === 0) return failCarbon('zero seconds per point');
  let points: number;
  if (DIGITS.test(pointsText)) points = Number(pointsText);
  else points = Math.trunc(carbonAmount(pointsText, 'retention') / precision);
  if (points === 0) return failCarbon('the archive would hold no points');
  return [precision, points];
}

function carbonAmount(text: string, what: string): number {
  if (DIGITS.test(text)) return Number(text);
  const m = AMOUNT.exec(text);
  if (!m) return failCarbon(`invalid ${what} "${text}"`);
  const unit = CARBON_UNITS[m[2]!];
  if (unit === undefined) return failCarbon(`unknown unit "${m[2]}"`);
  return Number(m[1]) * unit;
}

function failCarbon(problem: string): never {
  throw new InvalidRetention(problem);
}

/** Formats an archive the way carbon's docs write it, e.g. (10, 2160) → "10s:6h". */
export function formatRetention([secondsPerPoint, points]: ArchiveSpec): string {
  return `${formatDuration(secondsPerPoint)}:${formatDuration(secondsPerPoint * points)}`;
}

function formatDuration(seconds: number): string {
  for (const [unit, size] of [['y', 86400 * 365], ['w', 86400 * 7], ['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
