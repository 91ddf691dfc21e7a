// Python's repr(float) written straight into a byte buffer, without making a string per number:
// the hot path of every large JSON answer (a year of one series is 52,560 of them). Python and
// JS agree on the digits (the shortest that read back as the same double, the closest of those);
// they differ only in layout (`2.0`, exponents outside 1e-4..1e16), which pyFloatRepr handles.
//
// How the digits are found without big integers: for 1e-4 <= x < 1e15, V = x * 10^k with
// V in [1e14, 1e15) is computed *exactly* as a sum of two doubles (Dekker's product; 10^k is an
// exact double for k <= 22), and so is the half-gap to x's neighbours (a power of two times
// 10^k). Every decimal with at most 17 significant digits is then A, A + c/10 or A + c/100 for
// A = floor(V), and the shortest one inside the rounding interval, the closest to V, is picked
// with a few comparisons on small doubles. Whenever a comparison falls within 1e-12 of a decision
// boundary (ties, interval ends — exact decimals on a boundary), the caller falls back to the
// string path, so the fast path never has to be right about a close call.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

const POW10: number[] = [];
const POW10_HI: number[] = [];
const POW10_LO: number[] = [];
for (let k = 0; k <= 22; k++) {
  const p = Number(`1e${k}`);
  const c = 134217729 * p; // Veltkamp split into 26-bit halves
  const h = c - (c - p);
  POW10.push(p);
  POW10_HI.push(h);
  POW10_LO.push(p - h);
}

/** '0000'..'9999' as bytes (four digits per table read: division is the slow part), and their trailing zeros. */
const DIGITS4 = new Uint8Array(40000);
const ZEROS4 = new Uint8Array(10000);
for (let i = 0; i < 10000; i++) {
  const s = String(i).padStart(4, '0');
  for (let j = 0; j < 4; j++) DIGITS4[i * 4 + j] = s.charCodeAt(j);
  ZEROS4[i] = i === 0 ? 4 : s.length - s.replace(/0+$/, '').length;
}

/** The four digits as one big-endian uint32, for one store through a DataView. */
const DIGITS4_BE = new Uint32Array(10000);
for (let i = 0; i < 10000; i++) {
  DIGITS4_BE[i] = ((DIGITS4[i * 4] << 24) | (DIGITS4[i * 4 + 1] << 16) | (DIGITS4[i * 4 + 2] << 8) | DIGITS4[i * 4 + 3]) >>> 0;
}

let viewBuffer: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));

/** A DataView of `out` (the last one is kept: callers write many numbers into one buffer). */
function viewOf(out: Uint8Array): DataView {
  if (out !== viewBuffer) {
    viewBuffer = out;
    view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  }
  return view;
}

/** Half the gap between consecutive doubles, by biased binary exponent (normal numbers). */
const HALF_ULP = new Float64Array(2048);
for (let b = 1; b < 2047; b++) HALF_ULP[b] = 2 ** (b - 1076);

/** Comparisons closer than this (in units of the digit grid) go to the exact path. */
const MARGIN = 1e-12;

/**
 * The integer nearest to t strictly inside (lo, hi) (t in units of a digit grid, lo < t < hi):
 * -1 when there is none, -2 when an end or a tie is too close to call (exact decimals on an
 * interval end are in or out depending on the mantissa's parity; ties go to the even digit).
 */
function pick(t: number, lo: number, hi: number): number {
  const floorLo = Math.floor(lo);
  const ceilHi = Math.ceil(hi);
  if (lo - floorLo < MARGIN || floorLo + 1 - lo < MARGIN || ceilHi - hi < MARGIN || hi - ceilHi + 1 < MARGIN) return -2;
  const first = floorLo + 1;
  const last = ceilHi - 1;
  if (first > last) return -1;
  const r = Math.round(t);
  const frac = t - Math.floor(t);
  if (first < last && frac > 0.5 - MARGIN && frac < 0.5 + MARGIN) return -2;
  return r < first ? first : r > last ? last : r;
}

/**
 * Writes the significant digits — the 15 of 1e14 <= a < 1e15, then `extra` (0, 1 or 2 digits of
 * c) — with the decimal point after `decpt` of them (decpt < their count: x is not an integer),
 * e.g. `43.21`, `0.0005`; returns the end.
 */
function writeDigits(out: Uint8Array, p: number, a: number, c: number, extra: number, decpt: number): number {
  // (x * 1e-8 is never below x / 1e8 and never a whole step above it here: floor gives the quotient)
  const high = Math.floor(a * 1e-8);
  const low = a - high * 1e8;
  const h1 = Math.floor(high * 1e-4);
  const h2 = high - h1 * 10000;
  const l1 = Math.floor(low * 1e-4);
  const l2 = low - l1 * 10000;
  let n = 15 + extra;
  if (extra === 0) n -= l2 ? ZEROS4[l2] : l1 ? 4 + ZEROS4[l1] : h2 ? 8 + ZEROS4[h2] : 12 + ZEROS4[h1];
  if (decpt >= n) return -1; // an integral value: never the case for a non-integer x, but never print it wrong
  const view = viewOf(out);
  let d: number;
  if (decpt <= 0) {
    out[p++] = 48;
    out[p++] = 46;
    for (let i = decpt; i < 0; i++) out[p++] = 48;
    d = p;
  } else d = p + 1; // the digits one to the right; the integer part moves back below
  // four digits per store (h1 has three: its leading 0 lands on d - 1 and is overwritten)
  view.setUint32(d - 1, DIGITS4_BE[h1]);
  view.setUint32(d + 3, DIGITS4_BE[h2]);
  view.setUint32(d + 7, DIGITS4_BE[l1]);
  view.setUint32(d + 11, DIGITS4_BE[l2]);
  if (extra === 1) out[d + 15] = 48 + c;
  else if (extra === 2) {
    const tens = Math.floor(c * 0.1);
    out[d + 15] = 48 + tens;
    out[d + 16] = 48 + c - tens * 10;
  }
  if (decpt <= 0) {
    out[d - 1] = decpt === 0 ? 46 : 48; // the point, or the last zero after it
    return d + n;
  }
  for (let i = 0; i < decpt; i++) out[p + i] = out[p + 1 + i];
  out[p + decpt] = 46;
  return p + n + 1;
}

/** Digits of the integer 0 <= v < 1e8 (no padding); returns the end. */
function writeSmall(out: Uint8Array, p: number, v: number): number {
  if (v >= 10000) {
    const q = (v / 10000) | 0;
    p = writeSmall(out, p, q);
    put4(out, p, v - q * 10000);
    return p + 4;
  }
  const digits = v >= 1000 ? 4 : v >= 100 ? 3 : v >= 10 ? 2 : 1;
  const o = v * 4 + 4 - digits;
  for (let j = 0; j < digits; j++) out[p + j] = DIGITS4[o + j];
  return p + digits;
}

/** Writes the decimal digits of the integer 0 <= n < 1e15 (e.g. a timestamp) at p; returns the end. */
export function writeUint(out: Uint8Array, p: number, n: number): number {
  if (n < 1e8) return writeSmall(out, p, n);
  const high = Math.floor(n / 1e8);
  const low = n - high * 1e8;
  p = writeSmall(out, p, high);
  const l1 = (low / 10000) | 0;
  put4(out, p, l1);
  put4(out, p + 4, low - l1 * 10000);
  return p + 8;
}

/** Writes the integer 0 < n < 1e15 followed by `.0` (Python's repr of an integral float); returns the end. */
function writeIntegral(out: Uint8Array, p: number, n: number): number {
  const end = writeUint(out, p, n);
  out[end] = 46;
  out[end + 1] = 48;
  return end + 2;
}

function put4(out: Uint8Array, at: number, v: number): void {
  const o = v * 4;
  out[at] = DIGITS4[o];
  out[at + 1] = DIGITS4[o + 1];
  out[at + 2] = DIGITS4[o + 2];
  out[at + 3] = DIGITS4[o + 3];
}

/**
 * Writes repr(x) (Python, e.g. `0.1`, `2.0`, `-43.21`) into `out` at `pos` and returns the end,
 * or -1 when x is not handled here (outside 1e-4 <= |x| < 1e15, not finite, or a close call):
 * then use pyFloatRepr. `out` needs 24 bytes of room at `pos`.
 */
export function writeFloatRepr(out: Uint8Array, pos: number, value: number): number {
  const neg = value < 0;
  const x = neg ? -value : value;
  if (!(x >= 1e-4 && x < 1e15)) return -1;
  let p = pos;
  if (neg) out[p++] = 45;
  if (Number.isInteger(x)) return writeIntegral(out, p, x);
  f64[0] = x;
  const hiWord = u32[HI];
  const powerOfTwo = (hiWord & 0xfffff) === 0 && u32[LO] === 0;
  const biased = hiWord >>> 20;
  // floor(log10(x)) from the binary exponent, give or take one (fixed below)
  let e = Math.floor((biased - 1023) * 0.3010299956639812);
  let k = 14 - e;
  let hi = 0;
  let lo = 0;
  for (let tries = 0; ; tries++) {
    if (tries > 2 || k < 0 || k > 22) return -1;
    const p10 = POW10[k];
    hi = x * p10;
    const c = 134217729 * x;
    const xh = c - (c - x);
    const xl = x - xh;
    lo = xh * POW10_HI[k] - hi + xh * POW10_LO[k] + xl * POW10_HI[k] + xl * POW10_LO[k];
    if (hi < 1e14 || (hi === 1e14 && lo < 0)) {
      e--;
      k++;
    } else if (hi > 1e15 || (hi === 1e15 && lo >= 0)) {
      e++;
      k--;
    } else break;
  }
  // half the gap to the neighbours, scaled like V (exact: a power of two times 10^k)
  const dp = HALF_ULP[biased] * POW10[k];
  const dm = powerOfTwo ? dp / 2 : dp;

  let a = Math.floor(hi);
  let f = hi - a + lo;
  if (f < 0) {
    a -= 1;
    f += 1;
  } else if (f >= 1) {
    a += 1;
    f -= 1;
  }
  const decpt = 15 - k; // V has 15 integer digits (a < 1e15)
  // a or a + 1 (15 significant digits or fewer): the interval is narrower than 1/4, so at most one
  let c = pick(f, f - dm, f + dp);
  if (c === -2) return -1;
  if (c === 0) return writeDigits(out, p, a, 0, 0, decpt);
  if (c === 1) return a + 1 < 1e15 ? writeDigits(out, p, a + 1, 0, 0, decpt) : -1; // 10^15: rare, the slow path
  if (c !== -1) return -1;
  // one more digit (16 significant)
  const t10 = f * 10;
  c = pick(t10, t10 - dm * 10, t10 + dp * 10);
  if (c > 0 && c < 10) return writeDigits(out, p, a, c, 1, decpt);
  if (c !== -1) return -1; // a close call, or an integer after all (rounding noise): the slow path
  // two more (17 significant: always enough, unless it is a close call)
  const t100 = f * 100;
  c = pick(t100, t100 - dm * 100, t100 + dp * 100);
  if (c > 0 && c < 100 && c % 10 !== 0) return writeDigits(out, p, a, c, 2, decpt);
  return -1;
}
