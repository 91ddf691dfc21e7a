// Python's float formatting, reproduced exactly: repr() (what str(), json.dumps and the whisper
// tools print), '%g' and '%.Nf'. Python rounds the *exact* binary value half to even (JS's
// toFixed/toPrecision round exact ties away from zero), so %g and %f are computed from the exact
// decimal expansion of the double. Pure; shared by render (graphite-web's output) and the whisper
// CLI (the whisper-* tools' output).

/** Exact decimal expansion of a finite double: |x| = 0.DIGITS × 10^decpt (digits without trailing zeros). */
export interface Decimal {
  neg: boolean;
  digits: string;
  decpt: number;
}

const view = new DataView(new ArrayBuffer(8));

export function exactDecimal(x: number): Decimal {
  const neg = x < 0 || Object.is(x, -0);
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  if (mant === 0n) return { neg, digits: '0', decpt: 1 };
  let digits: string;
  let decpt: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    decpt = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-exp)).toString();
    decpt = digits.length + exp;
  }
  digits = digits.replace(/0+$/, '');
  return { neg, digits, decpt };
}

/** Rounds to `keep` leading digits (keep may be ≤ 0), half to even on the exact value. */
export function roundDigits(d: Decimal, keep: number): Decimal {
  if (d.digits === '0') return d;
  if (keep >= d.digits.length) return d;
  if (keep < 0) return { neg: d.neg, digits: '0', decpt: 1 };
  const head = d.digits.slice(0, keep);
  const next = d.digits.charCodeAt(keep) - 48;
  const restNonZero = d.digits.length > keep + 1;
  const lastEven = keep === 0 ? true : (head.charCodeAt(keep - 1) - 48) % 2 === 0;
  const up = next > 5 || (next === 5 && (restNonZero || !lastEven));
  if (!up) {
    const trimmed = head.replace(/0+$/, '');
    return trimmed === '' ? { neg: d.neg, digits: '0', decpt: 1 } : { neg: d.neg, digits: trimmed, decpt: d.decpt };
  }
  // increment the head as a decimal string
  const arr = (keep === 0 ? '0' : head).split('').map((c) => c.charCodeAt(0) - 48);
  let i = arr.length - 1;
  while (i >= 0) {
    if (arr[i] === 9) {
      arr[i] = 0;
      i--;
    } else {
      arr[i]++;
      break;
    }
  }
  let decpt = keep === 0 ? d.decpt + 1 : d.decpt;
  let s = arr.join('');
  if (i < 0) {
    s = '1' + s;
    decpt++;
  }
  s = s.replace(/0+$/, '');
  return { neg: d.neg, digits: s === '' ? '0' : s, decpt };
}

function shortest(x: number): Decimal {
  const neg = x < 0 || Object.is(x, -0);
  if (x === 0) return { neg, digits: '0', decpt: 1 };
  const s = Math.abs(x).toExponential();
  const e = s.indexOf('e');
  const digits = s.slice(0, e).replace('.', '');
  return { neg, digits, decpt: Number(s.slice(e + 1)) + 1 };
}

function expSuffix(exp: number): string {
  const a = Math.abs(exp);
  return (exp < 0 ? 'e-' : 'e+') + (a < 10 ? '0' + a : String(a));
}

/** Python repr(float) / str(float): `1.0`, `1e-05`, `1e+16`, `0.30000000000000004`, `nan`, `inf`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const { neg, digits, decpt } = shortest(x);
  const sign = neg ? '-' : '';
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mant}${expSuffix(decpt - 1)}`;
}

/** Python '%g' % x (precision 6 unless given). */
export function pyFormatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const p = precision === 0 ? 1 : precision;
  const r = roundDigits(exactDecimal(x), p);
  const sign = r.neg ? '-' : '';
  if (r.digits === '0') return `${sign}0`;
  const exp = r.decpt - 1;
  if (exp >= -4 && exp < p) {
    if (r.decpt <= 0) return `${sign}0.${'0'.repeat(-r.decpt)}${r.digits}`;
    if (r.decpt >= r.digits.length) return `${sign}${r.digits}${'0'.repeat(r.decpt - r.digits.length)}`;
    return `${sign}${r.digits.slice(0, r.decpt)}.${r.digits.slice(r.decpt)}`;
  }
  const mant = r.digits.length > 1 ? `${r.digits[0]}.${r.digits.slice(1)}` : r.digits;
  return `${sign}${mant}${expSuffix(exp)}`;
}

/** Python '%.Nf' % x (N = 6 unless given; round half to even on the exact value). */
export function pyFormatFixed(x: number, digits = 6): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const exact = exactDecimal(x);
  const r = roundDigits(exact, exact.decpt + digits);
  const sign = r.neg ? '-' : '';
  let intPart: string;
  let frac: string;
  if (r.digits === '0') {
    intPart = '0';
    frac = '';
  } else if (r.decpt <= 0) {
    intPart = '0';
    frac = '0'.repeat(-r.decpt) + r.digits;
  } else {
    intPart = r.digits.slice(0, r.decpt).padEnd(r.decpt, '0');
    frac = r.digits.slice(r.decpt);
  }
  frac = frac.padEnd(digits, '0').slice(0, digits);
  return digits > 0 ? `${sign}${intPart}.${frac}` : `${sign}${intPart}`;
}
