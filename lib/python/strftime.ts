// Python's time.strftime(format, time.localtime(t)) on Linux: glibc's strftime in the C locale,
// in the process's time zone. Every conversion glibc knows, with its flags (`-` no padding,
// `_` spaces, `0` zeros, `^` upper case, `#` swapped case) and field widths (`%10Y`), so a
// `whisper-fetch --pretty -t '%-d/%m %r'` script prints the same with `sotto whisper`.
// An unknown conversion is copied as written, as glibc does. Pure (the clock is the caller's).

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Conversions that are a number: [value, default width, default padding]. */
type Numeric = [number, number, '0' | ' '];

/** The broken-down local time glibc formats from. */
interface Tm {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  wday: number;
  /** 0-based day of the year */
  yday: number;
  /** minutes east of UTC */
  offset: number;
  date: Date;
  epoch: number;
}

function localTm(t: number): Tm {
  const d = new Date(t * 1000);
  const yearStart = Date.UTC(d.getFullYear(), 0, 1);
  const yday = Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - yearStart) / 86_400_000);
  return {
    year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds(),
    wday: d.getDay(), yday, offset: -d.getTimezoneOffset(), date: d, epoch: Math.floor(t),
  };
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** ISO 8601 week-based year and week number (glibc's %G and %V). */
function isoWeek(tm: Tm): [number, number] {
  const isoDay = (tm.wday + 6) % 7; // Monday 0
  // the Thursday of this week decides the year
  const thursday = tm.yday - isoDay + 3;
  if (thursday < 0) {
    const prev = tm.year - 1;
    const prevDays = isLeap(prev) ? 366 : 365;
    return [prev, Math.floor((thursday + prevDays) / 7) + 1];
  }
  const days = isLeap(tm.year) ? 366 : 365;
  if (thursday >= days) return [tm.year + 1, 1];
  return [tm.year, Math.floor(thursday / 7) + 1];
}

function numeric(c: string, tm: Tm): Numeric | null {
  const hour12 = tm.hour % 12 || 12;
  switch (c) {
    case 'C': return [Math.floor(tm.year / 100), 2, '0'];
    case 'd': return [tm.day, 2, '0'];
    case 'e': return [tm.day, 2, ' '];
    case 'g': return [isoWeek(tm)[0] % 100, 2, '0'];
    case 'G': return [isoWeek(tm)[0], 1, '0'];
    case 'H': return [tm.hour, 2, '0'];
    case 'I': return [hour12, 2, '0'];
    case 'j': return [tm.yday + 1, 3, '0'];
    case 'k': return [tm.hour, 2, ' '];
    case 'l': return [hour12, 2, ' '];
    case 'm': return [tm.month + 1, 2, '0'];
    case 'M': return [tm.minute, 2, '0'];
    case 's': return [tm.epoch, 1, '0'];
    case 'S': return [tm.second, 2, '0'];
    case 'u': return [tm.wday || 7, 1, '0'];
    case 'U': return [Math.floor((tm.yday + 7 - tm.wday) / 7), 2, '0'];
    case 'V': return [isoWeek(tm)[1], 2, '0'];
    case 'w': return [tm.wday, 1, '0'];
    case 'W': return [Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7), 2, '0'];
    case 'y': return [tm.year % 100, 2, '0'];
    case 'Y': return [tm.year, 1, '0'];
    default: return null;
  }
}

/** Conversions that are text (names, or other conversions put together), before flags. */
function textual(c: string, tm: Tm): string | null {
  switch (c) {
    case 'a': return DAYS[tm.wday]!;
    case 'A': return DAY_NAMES[tm.wday]!;
    case 'b':
    case 'h': return MONTHS[tm.month]!;
    case 'B': return MONTH_NAMES[tm.month]!;
    case 'c': return format('%a %b %e %H:%M:%S %Y', tm);
    case 'D':
    case 'x': return format('%m/%d/%y', tm);
    case 'F': return format('%Y-%m-%d', tm);
    case 'n': return '\n';
    case 'p': return tm.hour < 12 ? 'AM' : 'PM';
    case 'P': return tm.hour < 12 ? 'am' : 'pm';
    case 'r': return format('%I:%M:%S %p', tm);
    case 'R': return format('%H:%M', tm);
    case 't': return '\t';
    case 'T':
    case 'X': return format('%H:%M:%S', tm);
    case 'z': {
      const m = Math.abs(tm.offset);
      return `${tm.offset >= 0 ? '+' : '-'}${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
    }
    // An Intl formatter costs more than the rest of a call: made only when %Z asks for it.
    case 'Z': return new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(tm.date).find((p) => p.type === 'timeZoneName')?.value ?? '';
    case '%': return '%';
    default: return null;
  }
}

function format(fmt: string, tm: Tm): string {
  // flags, width, glibc's E/O modifiers (the C locale has no alternative forms), the conversion
  return fmt.replace(/%([-_0^#]*)(\d*)([EO]?)([\s\S]?)/g, (whole, flags: string, width: string, _modifier: string, c: string) => {
    const pad = flags.includes('-') ? '' : flags.includes('_') ? ' ' : flags.includes('0') ? '0' : null;
    const n = numeric(c, tm);
    if (n !== null) {
      const [value, defaultWidth, defaultPad] = n;
      const digits = String(Math.abs(value));
      // `-` drops the default padding; an explicit width still pads (with spaces)
      const w = width ? Number(width) : pad === '' ? 0 : defaultWidth;
      const fill = pad === '' ? ' ' : pad ?? defaultPad;
      const sign = value < 0 ? '-' : '';
      return fill === '0' ? sign + digits.padStart(w - sign.length, '0') : (sign + digits).padStart(w, ' ');
    }
    let text = textual(c, tm);
    // unknown (or a `%` at the end): copied as written, padded to the width
    if (text === null) return whole.padStart(width ? Number(width) : 0, pad === '0' ? '0' : ' ');
    if (flags.includes('^')) text = text.toUpperCase();
    else if (flags.includes('#')) text = c === 'p' || c === 'Z' ? text.toLowerCase() : /[aAbBh]/.test(c) ? text.toUpperCase() : text;
    const w = width ? Number(width) : 0;
    return text.padStart(w, pad === '0' ? '0' : ' ');
  });
}

/** time.strftime(fmt, time.localtime(t)), t in unix seconds. */
export function strftime(fmt: string, t: number): string {
  return format(fmt, localTm(t));
}
