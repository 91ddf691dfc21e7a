// graphite-web's time syntax (render/attime.py), pure: parseATTime for from/until/now and
// parseTimeOffset for interval strings like "5min". Examples (now = 1700000000, UTC):
//   -1h → 1699996400   -1mon → 1697408000   midnight → 1699920000   noon+1h → 1699966800
//   22:00_20231114 → 1699999200   20231114, 11/14/23, nov14, monday, 1700000000 (epoch)
//   -5m → error "Invalid offset unit 'm'" (minutes are "min", months "mon").
import { InputParameterError } from './errors.js';
import { type TimeZone, isoWeekday } from './tz.js';
import { type Wall, daysFromCivil, civilFromDays } from '../time/civil.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY = 86400;
/** datetime's range: year 1 … 9999. */
const MIN_EPOCH = -62135596800;
const MAX_EPOCH = 253402300799;
const MAX_TIMEDELTA_DAYS = 999999999;

export type TimeUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks' | 'months' | 'years';

function fail(message: string): never {
  throw new InputParameterError(message);
}

const isDigits = (s: string): boolean => /^[0-9]+$/.test(s);

/** Python int(): digits with optional sign; anything else is the ValueError graphite reports. */
function pyInt(s: string): number {
  if (!/^\s*[-+]?[0-9]+\s*$/.test(s)) fail(`invalid literal for int() with base 10: '${s}'`);
  return Number(s);
}

export function unitOf(s: string): TimeUnit {
  if (s.startsWith('s')) return 'seconds';
  if (s.startsWith('min')) return 'minutes';
  if (s.startsWith('h')) return 'hours';
  if (s.startsWith('d')) return 'days';
  if (s.startsWith('w')) return 'weeks';
  if (s.startsWith('mon')) return 'months';
  if (s.startsWith('y')) return 'years';
  return fail(`Invalid offset unit '${s}'`);
}

const UNIT_SECONDS: Record<TimeUnit, number> = {
  seconds: 1,
  minutes: 60,
  hours: 3600,
  days: DAY,
  weeks: 7 * DAY,
  months: 30 * DAY,
  years: 365 * DAY,
};

/** Seconds of an offset like `-1h30min`, `+2d`, `5min` (no sign = positive), as parseTimeOffset. */
export function parseTimeOffset(offset: string): number {
  if (!offset) return 0;
  let sign = 1;
  let rest = offset;
  if (!/^[0-9]/.test(rest)) {
    if (rest[0] === '+') sign = 1;
    else if (rest[0] === '-') sign = -1;
    else fail(`'Invalid offset: ${offset}'`);
    rest = rest.slice(1);
  }
  let total = 0;
  while (rest) {
    const num = /^[0-9]*/.exec(rest)![0];
    rest = rest.slice(num.length);
    const n = pyInt(num);
    const unit = /^[A-Za-z]*/.exec(rest)![0];
    rest = rest.slice(unit.length);
    const u = unitOf(unit);
    const seconds = n * UNIT_SECONDS[u];
    if (Math.abs(seconds) / DAY > MAX_TIMEDELTA_DAYS) fail(`days=${Math.floor(seconds / DAY)}; must have magnitude <= ${MAX_TIMEDELTA_DAYS}`);
    total += sign * seconds;
  }
  return total;
}

function checkRange(epoch: number): number {
  if (!Number.isFinite(epoch) || epoch < MIN_EPOCH || epoch > MAX_EPOCH) fail('date value out of range');
  return epoch;
}

function validDate(y: number, m: number, d: number): void {
  if (y < 1 || y > 9999) fail(`year ${y} is out of range`);
  if (m < 1 || m > 12) fail('month must be in 1..12');
  const dim = daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
  if (d < 1 || d > dim) fail('day is out of range for month');
}

function addDays(w: Wall, days: number): Wall {
  const { year, month, day } = civilFromDays(daysFromCivil(w.year, w.month, w.day) + days);
  if (year < 1 || year > 9999) fail('date value out of range');
  return { ...w, year, month, day };
}

/** The reference part of an at-time (`now`, `midnight`, `yesterday`, `noon`, `20231114`, …) as an epoch. */
export function parseTimeReference(ref: string, tz: TimeZone, now: number): number {
  if (!ref || ref === 'now') return now;
  const rawRef = ref;
  let hour = 0;
  let minute = 0;
  let i = ref.indexOf(':');
  if (i > 0 && i < 3) {
    hour = pyInt(ref.slice(0, i));
    minute = pyInt(ref.slice(i + 1, i + 3));
    ref = ref.slice(i + 3);
    if (ref.slice(0, 2) === 'am') ref = ref.slice(2);
    else if (ref.slice(0, 2) === 'pm') {
      hour = (hour + 12) % 24;
      ref = ref.slice(2);
    }
  }
  i = ref.indexOf('am');
  if (i > 0 && i < 3) {
    hour = pyInt(ref.slice(0, i));
    ref = ref.slice(i + 2);
  }
  i = ref.indexOf('pm');
  if (i > 0 && i < 3) {
    hour = (pyInt(ref.slice(0, i)) + 12) % 24;
    ref = ref.slice(i + 2);
  }
  if (ref.startsWith('noon')) {
    [hour, minute] = [12, 0];
    ref = ref.slice(4);
  } else if (ref.startsWith('midnight')) {
    [hour, minute] = [0, 0];
    ref = ref.slice(8);
  } else if (ref.startsWith('teatime')) {
    [hour, minute] = [16, 0];
    ref = ref.slice(7);
  }
  if (hour < 0 || hour > 23) fail('hour must be in 0..23');
  if (minute < 0 || minute > 59) fail('minute must be in 0..59');
  let date: Wall = { ...tz.toWall(now), hour, minute, second: 0 };

  if (ref === 'yesterday' || ref === 'today' || ref === 'tomorrow') {
    if (ref === 'yesterday') date = addDays(date, -1);
    if (ref === 'tomorrow') date = addDays(date, 1);
  } else if (ref.split('/').length === 3) {
    const [m, d, yy] = ref.split('/').map(pyInt);
    let y = yy;
    if (y < 1900) y += 1900;
    if (y < 1970) y += 100;
    validDate(y, m, d);
    date = { year: y, month: m, day: d, hour, minute, second: 0 };
  } else if (ref.length === 8 && isDigits(ref)) {
    const [y, m, d] = [Number(ref.slice(0, 4)), Number(ref.slice(4, 6)), Number(ref.slice(6, 8))];
    validDate(y, m, d);
    date = { year: y, month: m, day: d, hour, minute, second: 0 };
  } else if (MONTHS.includes(ref.slice(0, 3))) {
    let d: number;
    if (isDigits(ref.slice(-2))) d = Number(ref.slice(-2));
    else if (isDigits(ref.slice(-1))) d = Number(ref.slice(-1));
    else fail('Day of month required after month name');
    const m = MONTHS.indexOf(ref.slice(0, 3)) + 1;
    validDate(date.year, m, d);
    date = { year: date.year, month: m, day: d, hour, minute, second: 0 };
  } else if (WEEKDAYS.includes(ref.slice(0, 3))) {
    const today = isoWeekday(date) % 7; // Sunday = 0, like the weekdays list
    let dayOffset = today - WEEKDAYS.indexOf(ref.slice(0, 3));
    if (dayOffset < 0) dayOffset += 7;
    date = addDays(date, -dayOffset);
  } else if (ref) {
    fail(`Unknown day reference: ${rawRef}`);
  }
  return tz.fromWall(date);
}

/**
 * graphite's parseATTime: an at-time string → epoch seconds in `tz`, relative to `now`.
 * Throws InputParameterError with graphite's message for what graphite rejects.
 */
export function parseATTime(input: string, tz: TimeZone, now: number): number {
  const s = input.trim().toLowerCase().replace(/[_, ]/g, '');
  if (isDigits(s)) {
    const looksLikeDate = s.length === 8 && Number(s.slice(0, 4)) > 1900 && Number(s.slice(4, 6)) < 13 && Number(s.slice(6)) < 32;
    if (!looksLikeDate) {
      const epoch = Number(s);
      if (!Number.isSafeInteger(epoch) || epoch > MAX_EPOCH) fail(`year is out of range`);
      return epoch;
    }
  }
  let ref: string;
  let offset: string;
  const plus = s.indexOf('+');
  const minus = s.indexOf('-');
  if (plus >= 0) {
    ref = s.slice(0, plus);
    offset = s.slice(plus);
  } else if (minus >= 0) {
    ref = s.slice(0, minus);
    offset = s.slice(minus);
  } else {
    ref = s;
    offset = '';
  }
  const delta = parseTimeOffset(offset);
  return checkRange(parseTimeReference(ref, tz, now) + delta);
}

/** Seconds of an interval string used by functions (`"1h"`, `"-1d"`): |parseTimeOffset|. */
export function intervalSeconds(value: string): number {
  return Math.abs(parseTimeOffset(value));
}
