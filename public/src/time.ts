// Time ranges as the page handles them (pure): graphite's relative offsets (`-1h`, `-30d`),
// `now`, and epoch seconds. Anything fancier (`midnight`, `17:00_20250101`) is passed to the
// server untouched; the page then takes the drawn range from the data.

export interface Preset {
  label: string;
  from: string;
  /** Keyboard shortcut (the digit keys, in order). */
  key: string;
}

export const PRESETS: Preset[] = [
  { label: '15m', from: '-15min', key: '1' },
  { label: '1h', from: '-1h', key: '2' },
  { label: '6h', from: '-6h', key: '3' },
  { label: '1d', from: '-1d', key: '4' },
  { label: '7d', from: '-7d', key: '5' },
  { label: '30d', from: '-30d', key: '6' },
  { label: '1y', from: '-1y', key: '7' },
];

// graphite-web's units (render/attime.py): `m` alone is not minutes there, so it is not here.
const UNIT_SECONDS: Array<[RegExp, number]> = [
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(min|mins|minute|minutes)$/, 60],
  [/^(h|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
  [/^(w|week|weeks)$/, 604800],
  [/^(mon|month|months)$/, 2592000],
  [/^(y|year|years)$/, 31536000],
];

/** Seconds of a graphite offset like `-1h`, `+30min`, `-7d`; null if it is not one. */
export function parseOffset(text: string): number | null {
  const m = /^([-+])(\d+)([a-z]+)$/.exec(text.trim().toLowerCase());
  if (!m) return null;
  const unit = UNIT_SECONDS.find(([re]) => re.test(m[3]!));
  if (!unit) return null;
  return (m[1] === '-' ? -1 : 1) * Number(m[2]) * unit[1];
}

/** A time expression at `nowSec`: `now`, `now-1h`, `-1h`, epoch seconds; null when the page cannot tell. */
export function resolveTime(text: string, nowSec: number): number | null {
  const s = text.trim().toLowerCase();
  if (s === '' || s === 'now') return nowSec;
  if (/^\d{9,11}$/.test(s)) return Number(s);
  const rel = s.startsWith('now') ? s.slice(3) : s;
  const offset = parseOffset(rel);
  return offset === null ? null : nowSec + offset;
}

export function resolveRange(from: string, until: string, nowSec: number): { start: number; end: number } | null {
  const start = resolveTime(from, nowSec);
  const end = resolveTime(until, nowSec);
  if (start === null || end === null || start >= end) return null;
  return { start, end };
}

/** True when the range ends at the present, so new points can arrive in it (live updates make sense). */
export function endsNow(until: string): boolean {
  const s = until.trim().toLowerCase();
  return s === '' || s === 'now';
}

/** Graphite's shortest offset for a span: 3600 → `-1h`, 900 → `-15min`, 90 → `-90s`. */
export function offsetText(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  for (const [unit, size] of [['y', 31536000], ['d', 86400], ['h', 3600], ['min', 60]] as const) {
    if (s % size === 0) return `-${s / size}${unit}`;
  }
  return `-${s}s`;
}

/**
 * Zooming out doubles the span around its middle. A range that would reach past now becomes
 * relative again (`-2h` … `now`), so zooming out of a live view keeps it live.
 */
export function zoomOut(from: string, until: string, nowSec: number): { from: string; until: string } {
  const range = resolveRange(from, until, nowSec);
  if (!range) return { from, until };
  const span = range.end - range.start;
  if (endsNow(until)) return { from: offsetText(span * 2), until: 'now' };
  const mid = (range.start + range.end) / 2;
  const start = Math.round(mid - span);
  const end = Math.round(mid + span);
  if (end >= nowSec) return { from: offsetText(span * 2), until: 'now' };
  return { from: String(start), until: String(end) };
}

/** An absolute range from a brush selection, in whole seconds, never empty. */
export function absoluteRange(startSec: number, endSec: number): { from: string; until: string } {
  const start = Math.floor(Math.min(startSec, endSec));
  const end = Math.max(start + 1, Math.ceil(Math.max(startSec, endSec)));
  return { from: String(start), until: String(end) };
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// One clock style for every time the page shows (axis, crosshair, header, live stamp,
// dashboards, server status): 24-hour, in the browser's time zone, whatever the locale's habit.

/** `14:05:30` (`14:05` without seconds): the browser's time zone, 24-hour. */
export function formatClock(epochSec: number, seconds = true): string {
  const d = new Date(epochSec * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`;
}

/** `2025-01-01 14:05:30` (without seconds: `2025-01-01 14:05`): the browser's time zone, 24-hour. */
export function formatDateTime(epochSec: number, seconds = true): string {
  const d = new Date(epochSec * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(epochSec, seconds)}`;
}

/**
 * An x-axis label by what the tick marks (`tick`: local time): a time of day as `HH:MM`
 * (`HH:MM:SS` within a minute), a midnight as its date (`Dec 01`) so a day change shows, and
 * for spans over 60 days, months (`Feb`) and years (`2025`). (d3's default names the month at
 * every month start, even in a one-hour window.)
 */
export function axisTimeLabel(tick: Date, spanSec: number): string {
  const sec = tick.getTime() / 1000;
  if (tick.getSeconds() !== 0 || tick.getMilliseconds() !== 0) return formatClock(sec);
  if (tick.getHours() !== 0 || tick.getMinutes() !== 0) return formatClock(sec, false);
  if (spanSec <= 60 * 86400) return `${MONTHS[tick.getMonth()]} ${pad(tick.getDate())}`;
  return tick.getMonth() !== 0 || tick.getDate() !== 1 ? MONTHS[tick.getMonth()]! : String(tick.getFullYear());
}

/** `<input type="datetime-local">` value for epoch seconds, in the browser's time zone. */
export function toLocalInput(epochSec: number): string {
  return formatDateTime(epochSec, false).replace(' ', 'T');
}

/** Epoch seconds from a `datetime-local` value (local time zone); null when empty or invalid. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const t = d.getTime();
  return Number.isFinite(t) ? Math.floor(t / 1000) : null;
}

/** A short human description of the range for the header: `last 6 hours`, or local start – end. */
export function describeRange(from: string, until: string, nowSec: number): string {
  const preset = PRESETS.find((p) => p.from === from);
  if (preset && endsNow(until)) return `last ${preset.label}`;
  if (endsNow(until)) {
    const off = parseOffset(from);
    if (off !== null) return `last ${offsetText(-off).slice(1)}`;
  }
  const range = resolveRange(from, until, nowSec);
  if (!range) return `${from} → ${until}`;
  return `${formatDateTime(range.start, false)} → ${formatDateTime(range.end, false)}`;
}
