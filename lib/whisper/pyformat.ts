// Python's number formatting, so sotto's whisper CLI prints exactly what the whisper-* tools print:
// `repr(float)` (whisper-info, whisper-fetch --json, error messages), `'%f' % x` (whisper-fetch),
// `'%g'`/`'%10.35g'` (whisper-dump), and repr()/json.dumps of the values they print. The float
// formats are the same ones graphite-web prints (../python/float-format.ts).
import { pyFloatRepr, pyFormatG } from '../python/float-format.js';

export { pyFloatRepr, pyFormatFixed } from '../python/float-format.js';

/** Python's `'%.<precision>g' % x` (precision 0 counts as 1), optionally right-aligned to `width`. */
export function pyFormatGeneral(x: number, precision = 6, width = 0): string {
  return pyFormatG(x, precision).padStart(width, ' ');
}

/** A value as Python's `repr` shows it; `floats` marks numbers that are Python floats (vs ints). */
export type PyValue = null | boolean | string | PyFloat | number | PyValue[] | { [key: string]: PyValue };

/** Wraps a number that Python holds as a float (so 1 prints as 1.0). */
export class PyFloat {
  constructor(readonly value: number) {}
}

function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
    else out += ch;
  }
  return quote + out + quote;
}

/** Python's `repr()` of lists, dicts, strings, ints, floats, None, bools. */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return pyStrRepr(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

/** Python's `json.dumps(v, indent=2, separators=(',', ': '))` for the same value shapes. */
export function pyJsonDumps(v: PyValue, indent = 2, level = 0): string {
  const pad = (n: number) => ' '.repeat(indent * n);
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : jsonFloat(v);
  if (v instanceof PyFloat) return jsonFloat(v.value);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad(level + 1) + pyJsonDumps(x, indent, level + 1)).join(',\n')}\n${pad(level)}]`;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${pad(level + 1)}${pyJsonDumps(k)}: ${pyJsonDumps(x, indent, level + 1)}`).join(',\n')}\n${pad(level)}}`;
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pyFloatRepr(x);
}
