// A growing byte buffer for large JSON answers (/render, /series, /stream): numbers are written
// as bytes straight into it (Python's repr for floats, see float-repr.ts), so a year of points
// costs no string per point, no rope of concatenations and no UTF-8 encoding pass at the end.
import { writeFloatRepr, writeUint } from './float-repr.js';
import { pyFloatRepr, pyIntStr } from './pyformat.js';

const encoder = new TextEncoder();

/** Room a datapoint needs at most on the fast paths: `, [` + a float (≤ 24) + `, ` + an int (≤ 17) + `]`. */
const POINT_ROOM = 64;

export class JsonBytes {
  private buf: Uint8Array;
  private pos = 0;

  constructor(sizeHint = 4096) {
    this.buf = new Uint8Array(Math.max(64, sizeHint));
  }

  get length(): number {
    return this.pos;
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** A string of code points below 128 (JSON that Python wrote with ensure_ascii, punctuation). */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any string, UTF-8 encoded. */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += encoder.encodeInto(s, this.buf.subarray(this.pos)).written;
  }

  /** A number that Python holds as an int (`str(n)`, no exponent, no `.0`). */
  int(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.ascii(pyIntStr(n));
      return;
    }
    this.reserve(17);
    if (n < 0) {
      this.buf[this.pos++] = 45;
      n = -n;
    }
    this.pos = writeUint(this.buf, this.pos, n);
  }

  /** repr(x) of a float (`nan`, `inf` as Python prints them outside JSON). */
  floatRepr(x: number): void {
    this.reserve(24);
    const end = writeFloatRepr(this.buf, this.pos, x);
    if (end >= 0) this.pos = end;
    else this.ascii(pyFloatRepr(x));
  }

  /** A number as JSON.stringify writes it (`2`, `0.5`; NaN and ±Infinity as null). */
  jsNumber(x: number): void {
    if (Number.isInteger(x) && Math.abs(x) < 1e15) this.int(x === 0 ? 0 : x);
    else if (x !== x || x === Infinity || x === -Infinity) this.ascii('null');
    else {
      // between 1e-4 and 1e15 Python's repr and JS agree, integers aside
      this.reserve(24);
      const end = writeFloatRepr(this.buf, this.pos, x);
      if (end >= 0) this.pos = end;
      else this.ascii(String(x));
    }
  }

  /**
   * A float in graphite's /render JSON: json.dumps' repr, with graphite's post-processing of
   * `NaN,` → `null,` and `Infinity,` → `1e9999,` already applied (a datapoint's value is always
   * followed by a comma).
   */
  renderValue(x: number): void {
    if (x === x && x !== Infinity && x !== -Infinity) this.floatRepr(x);
    else this.ascii(x !== x ? 'null' : x > 0 ? '1e9999' : '-1e9999');
  }

  /**
   * The datapoints `[v, t], [v, t], …` of graphite's /render JSON for values[i] at start + i*step
   * up to `end`; `asInt`: the values are Python ints (printed without `.0`); `noNulls`: skip null
   * and NaN. Returns how many were written. The hot loop of every large answer, so it keeps the
   * buffer and position in locals and reserves room once per point.
   */
  renderPoints(values: readonly (number | null)[], start: number, step: number, end: number, asInt: boolean, noNulls: boolean): number {
    let n = 0;
    let buf = this.buf;
    let p = this.pos;
    for (let i = 0, t = start; i < values.length && t <= end; i++, t += step) {
      const v = values[i];
      if (noNulls && (v === null || v !== v)) continue;
      if (p + POINT_ROOM > buf.length) {
        this.pos = p;
        this.reserve(POINT_ROOM);
        buf = this.buf;
      }
      if (n++ > 0) {
        buf[p++] = 44;
        buf[p++] = 32;
      }
      buf[p++] = 91;
      const written = v !== null && !asInt ? writeFloatRepr(buf, p, v) : -1;
      if (written >= 0) p = written;
      else {
        // null, a Python int, or a float the fast path leaves to pyFloatRepr
        this.pos = p;
        if (v === null) this.ascii('null');
        else if (asInt && Number.isInteger(v)) this.int(v);
        else this.renderValue(v);
        this.reserve(POINT_ROOM);
        buf = this.buf;
        p = this.pos;
      }
      buf[p++] = 44;
      buf[p++] = 32;
      if (t >= 0 && t < 1e15 && Number.isInteger(t)) p = writeUint(buf, p, t);
      else {
        this.pos = p;
        this.ascii(String(t));
        this.reserve(1);
        buf = this.buf;
        p = this.pos;
      }
      buf[p++] = 93;
    }
    this.pos = p;
    return n;
  }

  /** Drops what was written after the first `length` bytes. */
  truncate(length: number): void {
    this.pos = Math.min(this.pos, length);
  }

  /** The bytes written (a view of the internal buffer: use before writing more). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
