// Python's number formatting, so sotto's whisper CLI prints exactly what the whisper-* tools print:
// `repr(float)` (whisper-info, whisper-fetch --json, error messages), `'%f' % x` (whisper-fetch),
// `'%g'`/`'%10.35g'` (whisper-dump). Python rounds the exact binary value half-to-even; JS's
// toFixed/toPrecision round exact ties up, so %f/%g are computed here from the exact decimal
// expansion of the double (every finite double is a finite decimal fraction).

/** The exact decimal digits of |x| (no leading zeros) and the power of ten of the first digit. */
function exactDecimal(x: number): { digits: string; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mantissa |= 1n << 52n;
    e2 = biased - 1075;
  }
  if (mantissa === 0n) return { digits: '0', exp: 0 };
  let digits: string;
  let scale: number; // value = digits * 10^-scale
  if (e2 >= 0) {
    digits = (mantissa << BigInt(e2)).toString();
    scale = 0;
  } else {
    // m / 2^k = m * 5^k / 10^k
    digits = (mantissa * 5n ** BigInt(-e2)).toString();
    scale = -e2;
  }
  const stripped = digits.replace(/0+$/, '');
  const exp = digits.length - 1 - scale;
  return { digits: stripped === '' ? '0' : stripped, exp };
}

/**
 * Rounds a digit string to `n` digits (n >= 0) half-to-even. On a carry into a new leading digit
 * (999 → 1000) `carry` is true and `digits` has n+1 digits.
 */
function roundDigits(digits: string, n: number): { digits: string; carry: boolean } {
  if (digits.length <= n) return { digits: digits.padEnd(n, '0'), carry: false };
  const kept = digits.slice(0, n);
  const first = digits.charCodeAt(n) - 48;
  const rest = digits.slice(n + 1);
  const lastKept = n > 0 ? kept.charCodeAt(n - 1) - 48 : 0;
  const roundUp = first > 5 || (first === 5 && (/[1-9]/.test(rest) || lastKept % 2 === 1));
  if (!roundUp) return { digits: kept, carry: false };
  if (n === 0) return { digits: '1', carry: true };
  const bumped = (BigInt(kept) + 1n).toString().padStart(n, '0');
  return { digits: bumped, carry: bumped.length > n };
}

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return null;
}

function sign(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

/** Python's `'%.<precision>f' % x` (default precision 6, as `'%f'`). */
export function pyFormatFixed(x: number, precision = 6): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const { digits, exp } = exactDecimal(x);
  // Number of digits before the rounding point: integer digits (exp+1) plus `precision` decimals.
  const keep = exp + 1 + precision;
  let intPart: string;
  let frac: string;
  if (keep < 0) {
    intPart = '0';
    frac = '0'.repeat(precision);
  } else {
    const r = roundDigits(digits, keep);
    let all = r.digits;
    let intLen = r.carry ? exp + 2 : exp + 1;
    if (intLen <= 0) {
      all = '0'.repeat(1 - intLen) + all;
      intLen = 1;
    }
    intPart = all.slice(0, intLen).replace(/^0+(?=\d)/, '');
    frac = all.slice(intLen);
  }
  return sign(x) + intPart + (precision > 0 ? '.' + frac : '');
}

/** Python's `'%.<precision>g' % x` (precision 0 counts as 1), optionally right-aligned to `width`. */
export function pyFormatGeneral(x: number, precision = 6, width = 0): string {
  const p = precision === 0 ? 1 : precision;
  let out = nonFinite(x);
  if (out === null) {
    const { digits, exp } = exactDecimal(x);
    let d: string;
    let e: number;
    if (digits === '0') {
      d = '0';
      e = 0;
    } else {
      const r = roundDigits(digits, p);
      d = r.digits.slice(0, p);
      e = r.carry ? exp + 1 : exp;
    }
    d = d.replace(/0+$/, '') || '0';
    if (e < -4 || e >= p) {
      const mant = d.length > 1 ? `${d[0]}.${d.slice(1)}` : d;
      out = `${sign(x)}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
    } else if (e < 0) {
      out = `${sign(x)}0.${'0'.repeat(-e - 1)}${d}`;
    } else {
      const intPart = d.slice(0, e + 1).padEnd(e + 1, '0');
      const frac = d.slice(e + 1);
      out = sign(x) + intPart + (frac ? '.' + frac : '');
    }
  }
  return out.padStart(width, ' ');
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4 <= |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
  if (m === null) throw new Error(`cannot format ${x}`);
  const digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4]);
  const decpt = exp + 1; // position of the decimal point relative to the first digit
  let body: string;
  if (decpt <= -4 || decpt > 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (decpt <= 0) {
    body = `0.${'0'.repeat(-decpt)}${digits}`;
  } else if (decpt >= digits.length) {
    body = `${digits}${'0'.repeat(decpt - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  return m[1] + body;
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
