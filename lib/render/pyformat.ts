// Python's number formatting, reproduced exactly: repr() of floats (what json.dumps and str()
// print), '%g', '%d', and round(x, n). graphite-web prints names and JSON through these, so a
// byte-compatible answer needs the same digits, the same exponent style and the same
// round-half-even on the *exact* binary value (JS's toFixed/toExponential round ties away).
// The float formats themselves live in ../python/float-format.ts (the whisper CLI prints them too).
import { exactDecimal, pyFloatRepr, roundDigits, type Decimal } from '../python/float-format.js';

export { pyFloatRepr, pyFormatFixed, pyFormatG } from '../python/float-format.js';

/** Python '%d' % x: truncates toward zero; raises (here: throws) for nan/inf like Python. */
export function pyFormatD(x: number): string {
  if (!Number.isFinite(x)) throw new TypeError(`cannot convert float ${pyFloatRepr(x)} to integer`);
  const t = Math.trunc(x);
  return Object.is(t, -0) ? '0' : BigInt(t).toString();
}

/** str() of an int-valued Python number (arbitrary size, no exponent). */
export function pyIntStr(x: number): string {
  return Number.isSafeInteger(x) ? String(x) : BigInt(Math.trunc(x)).toString();
}

function decimalToNumber(d: Decimal): number {
  if (d.digits === '0') return d.neg ? -0 : 0;
  return Number(`${d.neg ? '-' : ''}0.${d.digits}e${d.decpt}`);
}

/** Python round(x, n) for a float x (n may be negative): correctly rounded, half to even. */
export function pyRound(x: number, n: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (n >= 0 && n <= 20 && Math.abs(x) < 1e21) {
    const scaled = Math.abs(x) * 10 ** n;
    const frac = scaled - Math.floor(scaled);
    // toFixed is exact except for true ties (which it rounds away from zero): only then go exact.
    if (Math.abs(frac - 0.5) > 1e-7) return Number(x.toFixed(n));
  }
  if (n >= 0 && Math.abs(x) >= 2 ** 53) return x;
  const d = exactDecimal(x);
  return decimalToNumber(roundDigits(d, d.decpt + n));
}

/** Python str() of a scalar function argument (floats as repr, ints plain, bools True/False). */
export function pyStr(value: unknown, asFloat = false): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!asFloat && Number.isInteger(value)) return pyIntStr(value);
    return pyFloatRepr(value);
  }
  return String(value);
}
