// Python's json.dumps, byte for byte: `", "` / `": "` separators (`,` + newline with indent),
// floats as repr (`1.0`, `1e-05`, NaN, Infinity), ensure_ascii escapes (`\u00e9`), key order as
// inserted. graphite-web's responses are produced this way; sotto reproduces them exactly.
import { pyFloatRepr, pyIntStr } from './pyformat.js';

/** A number that Python holds as a float (printed `2.0`, not `2`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A raw JSON token written as is (e.g. `1e9999` for an infinite default). */
export class PyRaw {
  constructor(readonly text: string) {}
}

export function pyFloatJson(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  // fast path: JS and Python agree on the digits; Python adds ".0" and uses exponents outside 1e-4..1e16
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e16) return Number.isInteger(x) ? x + '.0' : String(x);
  return pyFloatRepr(x);
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A JSON string literal as Python writes it (ensure_ascii escapes everything outside ' '..'~'). */
export function pyJsonString(s: string, ensureAscii = true): string {
  if (printableAscii(s)) return '"' + s + '"'; // nothing to escape (metric names, most strings)
  const re = ensureAscii ? /[\\"]|[^ -~]/g : /[\\"\x00-\x1f]/g;
  return (
    '"' +
    s.replace(re, (c) => ESCAPES[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) +
    '"'
  );
}

/** True when every character is ' '..'~' and none is `"` or `\\`. */
function printableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34 || c === 92) return false;
  }
  return true;
}

export interface DumpOptions {
  indent?: number;
  ensureAscii?: boolean;
}

function dump(v: unknown, opts: DumpOptions, level: number): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof PyFloat) return pyFloatJson(v.value);
  if (v instanceof PyRaw) return v.text;
  if (typeof v === 'number') return Number.isInteger(v) ? pyIntStr(v) : pyFloatJson(v);
  if (typeof v === 'string') return pyJsonString(v, opts.ensureAscii !== false);
  const indent = opts.indent;
  const open = (items: string[], l: string, r: string): string => {
    if (!items.length) return l + r;
    if (indent === undefined) return l + items.join(', ') + r;
    const pad = '\n' + ' '.repeat(indent * (level + 1));
    return l + pad + items.join(',' + pad) + '\n' + ' '.repeat(indent * level) + r;
  };
  if (Array.isArray(v)) return open(v.map((x) => dump(x, opts, level + 1)), '[', ']');
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyJsonString(k, opts.ensureAscii !== false)}: ${dump(x, opts, level + 1)}`);
  return open(entries, '{', '}');
}

/** json.dumps(value, indent=…, ensure_ascii=…). Plain numbers print as ints when integral; wrap floats in PyFloat. */
export function pyDumps(value: unknown, opts: DumpOptions = {}): string {
  return dump(value, opts, 0);
}
