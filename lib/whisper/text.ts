// The plain-text (and JSON) output of Debian's whisper-* tools (whisper 1.1.4), reproduced
// byte for byte so scripts can switch to `sotto whisper …`. Pure: the callers read the files.
import type { Header } from './header.js';
import type { FetchResult } from './fetch-core.js';
import { PyFloat, pyFloatRepr, pyFormatFixed, pyFormatGeneral, pyJsonDumps, pyRepr, type PyValue } from './pyformat.js';
import { getFloat64, getUint32 } from './ops.js';
import { POINT_SIZE } from './header.js';
import type { ArchiveSpec } from './retention.js';
import { parsePyFloat } from './header.js';

export { strftime } from '../python/strftime.js';

/** Formats a unix time for --pretty output; the CLI passes ctime or strftime in local time. */
export type TimeFormatter = (t: number) => string;

function infoValue(header: Header, fileSize: number): Record<string, PyValue> {
  return {
    aggregationMethod: header.aggregationMethod,
    maxRetention: header.maxRetention,
    xFilesFactor: new PyFloat(header.xFilesFactor),
    archives: header.archives.map((a) => ({
      offset: a.offset,
      secondsPerPoint: a.secondsPerPoint,
      points: a.points,
      retention: a.retention,
      size: a.size,
    })),
    fileSize,
  };
}

/** whisper-info PATH */
export function formatInfo(header: Header, fileSize: number): string {
  const lines = [
    `aggregationMethod: ${header.aggregationMethod}`,
    `maxRetention: ${header.maxRetention}`,
    `xFilesFactor: ${pyFloatRepr(header.xFilesFactor)}`,
    `fileSize: ${fileSize}`,
    '',
  ];
  header.archives.forEach((a, i) => {
    lines.push(`Archive ${i}`, `offset: ${a.offset}`, `secondsPerPoint: ${a.secondsPerPoint}`, `points: ${a.points}`,
      `retention: ${a.retention}`, `size: ${a.size}`, '');
  });
  return lines.join('\n') + '\n';
}

/** whisper-info --json PATH */
export function formatInfoJson(header: Header, fileSize: number): string {
  return pyJsonDumps(infoValue(header, fileSize)) + '\n';
}

/** whisper-info PATH FIELD: the bare value, or the tool's message for an unknown field. */
export function formatInfoField(header: Header, fileSize: number, field: string): { ok: boolean; text: string } {
  const info = infoValue(header, fileSize);
  if (!(field in info)) return { ok: false, text: `Unknown field "${field}". Valid fields are ${Object.keys(info).join(',')}\n` };
  const value = info[field]!;
  return { ok: true, text: `${typeof value === 'string' ? value : pyRepr(value)}\n` };
}

export type DropMode = 'nulls' | 'zeroes' | 'empty';

const KEEP: Record<DropMode, (v: number | null) => boolean> = {
  nulls: (v) => v !== null,
  zeroes: (v) => v !== 0, // None != 0 in Python, so nulls stay
  empty: (v) => v !== 0 && v !== null,
};

/**
 * whisper-fetch PATH: one "time<TAB>value" line per slot, value as '%f' or None. With `drop`,
 * the dropped slots are left out but the others keep their own timestamps (whisper 1.1.4
 * renumbered them consecutively, a bug fixed upstream in #342).
 */
export function formatFetch(result: FetchResult, options: { drop?: DropMode; time?: TimeFormatter } = {}): string {
  const [start, , step] = result.timeInfo;
  const keep = options.drop ? KEEP[options.drop] : null;
  let out = '';
  result.values.forEach((v, i) => {
    if (keep && !keep(v)) return;
    const t = start + i * step;
    out += `${options.time ? options.time(t) : String(t)}\t${v === null ? 'None' : pyFormatFixed(v)}\n`;
  });
  return out;
}

/** whisper-fetch --json PATH: the tool's hand-made JSON (Python list repr, None → null). */
export function formatFetchJson(result: FetchResult, drop?: DropMode): string {
  const [start, end, step] = result.timeInfo;
  const values = drop ? result.values.filter(KEEP[drop]) : result.values;
  const list = `[${values.map((v) => (v === null ? 'null' : pyFloatRepr(v))).join(', ')}]`;
  return `{\n    "start" : ${start},\n    "end" : ${end},\n    "step" : ${step},\n    "values" : ${list}\n  }\n`;
}

/**
 * whisper-dump PATH: metadata, archive headers, then every slot in physical order as
 * '%d: %s, %10.35g'. `raw` gives whisper 1.1.10's --raw lines ('%s:%.35g').
 */
export function formatDump(header: Header, file: Uint8Array, options: { time?: TimeFormatter; raw?: boolean } = {}): string {
  const parts: string[] = [];
  if (!options.raw) {
    parts.push('Meta data:', `  aggregation method: ${header.aggregationMethod}`, `  max retention: ${header.maxRetention}`,
      `  xFilesFactor: ${pyFormatGeneral(header.xFilesFactor)}`, '');
    header.archives.forEach((a, i) => {
      parts.push(`Archive ${i} info:`, `  offset: ${a.offset}`, `  seconds per point: ${a.secondsPerPoint}`, `  points: ${a.points}`,
        `  retention: ${a.retention}`, `  size: ${a.size}`, '');
    });
  }
  header.archives.forEach((a, i) => {
    if (!options.raw) parts.push(`Archive ${i} data:`);
    for (let p = 0; p < a.points; p++) {
      const at = a.offset + p * POINT_SIZE;
      const t = getUint32(file, at);
      const v = getFloat64(file, at + 4);
      const ts = options.time ? options.time(t) : String(t);
      parts.push(options.raw ? `${ts}:${pyFormatGeneral(v, 35)}` : `${p}: ${ts}, ${pyFormatGeneral(v, 35, 10)}`);
    }
  });
  return parts.join('\n') + '\n';
}

function byteFormat(bytes: number): string {
  let n = bytes;
  for (const unit of ['bytes', 'KB', 'MB']) {
    if (n < 1024) return pyFormatFixed(n, 3) + unit;
    n /= 1024;
  }
  return pyFormatFixed(n, 3) + 'GB';
}

/** whisper-create --estimate RETENTION...: size of one file and of 1k-500k such files. */
export function formatEstimate(archives: readonly ArchiveSpec[]): string {
  const lines = archives.map(([spp, points], i) => `Archive ${i}: ${points} points of ${spp}s precision`);
  const points = archives.reduce((n, [, p]) => n + p, 0);
  const size = 16 + archives.length * 12 + points * 12;
  const disk = Math.ceil(size / 4096) * 4096;
  lines.push('', `Estimated Whisper DB Size: ${byteFormat(size)} (${disk} bytes on disk with 4k blocks)`, '');
  for (const k of [1, 5, 10, 50, 100, 500]) lines.push(`Estimated storage requirement for ${k}k metrics: ${byteFormat(k * 1000 * disk)}`);
  return lines.join('\n') + '\n';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number, w = 2, c = '0') => String(n).padStart(w, c);

/** Python's time.ctime(t) in the process's local time zone: 'Thu Nov 14 22:13:20 2023'. */
export function ctime(t: number): string {
  const d = new Date(t * 1000);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad(d.getDate(), 2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getFullYear()}`;
}

/** Parses "timestamp:value" like whisper-update (after N: → now:). */
export function parsePoint(text: string): [number, number] {
  const parts = text.split(':');
  if (parts.length !== 2) throw new Error(`invalid datapoint '${text}': expected timestamp:value`);
  const [t, v] = parts as [string, string];
  if (!/^\s*[+-]?\d+\s*$/.test(t)) throw new Error(`invalid timestamp '${t}' in '${text}': expected whole seconds`);
  const value = parsePyFloat(v);
  if (Number.isNaN(value) && !/^\s*[+-]?nan\s*$/i.test(v)) throw new Error(`invalid value '${v}' in '${text}'`);
  return [Number(t), value];
}


/** whisper-dump --json (sotto's own): the header and every slot; non-finite values as null. */
export function dumpValue(header: Header, file: Uint8Array): PyValue {
  return {
    aggregationMethod: header.aggregationMethod,
    maxRetention: header.maxRetention,
    xFilesFactor: new PyFloat(header.xFilesFactor),
    archives: header.archives.map((a) => {
      const data: PyValue[] = [];
      for (let p = 0; p < a.points; p++) {
        const at = a.offset + p * POINT_SIZE;
        const v = getFloat64(file, at + 4);
        data.push([getUint32(file, at), Number.isFinite(v) ? new PyFloat(v) : null]);
      }
      return { offset: a.offset, secondsPerPoint: a.secondsPerPoint, points: a.points, retention: a.retention, size: a.size, data };
    }),
  };
}
