// The statsd line protocol exactly as etsy statsd 0.9 accepts it (stats.js handlePacket and
// lib/helpers.js is_valid_packet), minus its crashes. Pure: text in, calls on a sink out.
// Hand-written scanner: no regex splitting and no per-line arrays on the hot path.

/** Receives what a packet says; the aggregator implements it directly (no intermediate objects). */
export interface SampleSink {
  /** A counter increment, already scaled by the sample rate exactly as etsy does (`v * (1/rate)`). */
  counter(key: string, value: number): void;
  /** One timer value (stored unscaled) and the amount its count grows by (`1/rate`). */
  timer(key: string, value: number, countIncrement: number): void;
  /** A gauge value; `signed` when the raw value starts with `+` or `-` (a delta if the gauge is set). */
  gauge(key: string, value: number, signed: boolean): void;
  set(key: string, member: string): void;
  /** One bad value segment (etsy counts each in `statsd.bad_lines_seen`); `line` is the whole line. */
  bad(line: string): void;
}

export interface ParseOptions {
  /** etsy's `keyNameSanitize` (default true): whitespace → `_`, `/` → `-`, drop all but `[A-Za-z0-9_.;=-]`. */
  keyNameSanitize: boolean;
  /** Treat `h` and `d` (DogStatsD histogram/distribution) as timers; etsy counts them. Default true. */
  histogramsAsTimers?: boolean;
}

/** Exact powers of ten for the short-decimal fast paths (here and in datagram.ts). */
export const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * JavaScript `Number(text.slice(s, e))`, except that the empty string is NaN (etsy's `isNumber`
 * rejects it). Short decimals are parsed without allocating: an integer mantissa below 10^15
 * divided by an exact power of ten rounds exactly as Number() does.
 */
export function numberAt(text: string, s: number, e: number): number {
  if (s >= e) return NaN;
  let i = s;
  let c = text.charCodeAt(i);
  let neg = false;
  if (c === 45) { neg = true; i++; } else if (c === 43) i++;
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  for (; i < e; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      if (dot) frac++;
    } else if (c === 46 && !dot) dot = true;
    else break;
  }
  if (i === e && digits > 0 && digits <= 15) {
    const v = frac ? mant / POW10[frac]! : mant;
    return neg ? -v : v;
  }
  return Number(text.slice(s, e));
}

function isJsWhitespace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** 1 for the characters etsy keeps in keys, `[A-Za-z0-9_.;=-]`; 256 entries so a byte indexes it too. */
export const KEY_CHARS = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  KEY_CHARS[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 45 || c === 59 || c === 61 ? 1 : 0;
}

function isKeyChar(c: number): boolean {
  return c < 128 && KEY_CHARS[c] === 1;
}

/** etsy's sanitizeKeyName: `/\s+/g → '_'`, then `/\//g → '-'`, then drop `[^a-zA-Z_\-0-9\.;=]`. */
export function sanitizeKey(key: string): string {
  let i = 0;
  const n = key.length;
  while (i < n && isKeyChar(key.charCodeAt(i))) i++;
  if (i === n) return key;
  let out = key.slice(0, i);
  let prevSpace = false;
  for (; i < n; i++) {
    const c = key.charCodeAt(i);
    if (isJsWhitespace(c)) {
      if (!prevSpace) out += '_';
      prevSpace = true;
      continue;
    }
    prevSpace = false;
    if (c === 47) out += '-';
    else if (isKeyChar(c)) out += key[i];
  }
  return out;
}

/** A DogStatsD tag as etsy folds it into the key: first `;` → `_`, first `:` → `=`. */
function foldTag(tag: string): string {
  return tag.replace(';', '_').replace(':', '=');
}

/** etsy's isValidSampleRate: `@` + a JS number that does not start with `-`. Returns the rate or NaN. */
function sampleRateAt(text: string, s: number, e: number): number {
  if (e - s < 2 || text.charCodeAt(s) !== 64) return NaN;
  if (text.charCodeAt(s + 1) === 45 || Number.isNaN(numberAt(text, s + 1, e))) return NaN;
  // etsy then takes `/^@([\d\.]+)/` (so `@2e-1` is rate 2, `@0x1` rate 0). Where that regex finds
  // nothing (`@+0.5`, `@ 0.5`, `@Infinity`) etsy crashes; sotto uses the number the validator accepted.
  let j = s + 1;
  for (; j < e; j++) {
    const c = text.charCodeAt(j);
    if (!((c >= 48 && c <= 57) || c === 46)) break;
  }
  if (j > s + 1) return Number(text.slice(s + 1, j));
  // A blank rate (`@\r` from a CRLF line passes etsy's validator as 0) is a bad line, not rate 0.
  return text.slice(s + 1, e).trim() === '' ? NaN : numberAt(text, s + 1, e);
}

function indexIn(text: string, ch: string, from: number, end: number): number {
  const i = text.indexOf(ch, from);
  return i === -1 || i >= end ? -1 : i;
}

/** One value segment `value|type[|@rate[|…]]` of `key`, validated and applied as etsy does. */
function segment(text: string, s: number, e: number, key: string, ls: number, le: number, sink: SampleSink, hAsTimer: boolean): void {
  const p1 = indexIn(text, '|', s, e);
  if (p1 === -1) { sink.bad(text.slice(ls, le)); return; }
  const p2 = indexIn(text, '|', p1 + 1, e);
  const p3 = p2 === -1 ? -1 : indexIn(text, '|', p2 + 1, e);
  apply(text, s, p1, p2, p3, e, key, ls, le, sink, hAsTimer);
}

/** A segment whose first three `|` are at p1 (≥ 0), p2 and p3 (-1 when absent), ending at e. */
function apply(text: string, s: number, p1: number, p2: number, p3: number, e: number, key: string, ls: number, le: number, sink: SampleSink, hAsTimer: boolean): void {
  const typeEnd = p2 === -1 ? e : p2;
  let rate = 1;
  if (p2 !== -1) {
    rate = sampleRateAt(text, p2 + 1, p3 === -1 ? e : p3);
    if (Number.isNaN(rate)) { sink.bad(text.slice(ls, le)); return; }
  }
  const tlen = typeEnd - p1 - 1;
  const t0 = text.charCodeAt(p1 + 1);
  // Validation compares the raw type; the dispatch below uses the trimmed type (so `ms\r` may be negative).
  if (tlen === 1 && t0 === 115 /* s */) {
    sink.set(key, p1 > s ? text.slice(s, p1) : '0');
    return;
  }
  const v = numberAt(text, s, p1);
  if (Number.isNaN(v) || (tlen === 2 && t0 === 109 && text.charCodeAt(p1 + 2) === 115 /* ms */ && !(v >= 0))) {
    sink.bad(text.slice(ls, le));
    return;
  }
  let type: string;
  if (tlen === 1) type = text[p1 + 1]!;
  else if (tlen === 2 && t0 === 109 && text.charCodeAt(p1 + 2) === 115) type = 'ms';
  else type = text.slice(p1 + 1, typeEnd).trim();
  if (type === 'ms' || (hAsTimer && (type === 'h' || type === 'd'))) sink.timer(key, v, 1 / rate);
  else if (type === 'g') {
    const c = text.charCodeAt(s);
    sink.gauge(key, v, c === 43 || c === 45);
  } else if (type === 's') sink.set(key, text.slice(s, p1)); // numeric value here (validated as `s\r` etc.)
  else sink.counter(key, v * (1 / rate));
}

/** One non-empty line [ls, le): `key:seg[:seg…][|#tag,tag]`. `tagAt` is the first `|#` at or after ls, or -1. */
function line(text: string, ls: number, le: number, tagAt: number, opts: ParseOptions, sink: SampleSink): void {
  let bodyEnd = le;
  let tags: string[] | null = null;
  if (tagAt !== -1 && tagAt < le) {
    bodyEnd = tagAt;
    const next = indexIn(text, '|#', tagAt + 2, le); // anything after a second `|#` is dropped
    const tagText = text.slice(tagAt + 2, next === -1 ? le : next);
    if (tagText.length > 0) tags = tagText.split(',');
  }
  const colon = indexIn(text, ':', ls, bodyEnd);
  if (colon === -1) { sink.bad(text.slice(ls, le)); return; } // etsy: value "1" with no type
  let key = text.slice(ls, colon);
  if (tags) key += ';' + tags.map(foldTag).join(';');
  if (opts.keyNameSanitize) key = sanitizeKey(key);
  const hAsTimer = opts.histogramsAsTimers !== false;
  let s = colon + 1;
  for (;;) {
    const next = indexIn(text, ':', s, bodyEnd);
    const e = next === -1 ? bodyEnd : next;
    segment(text, s, e, key, ls, le, sink, hAsTimer);
    if (next === -1) break;
    s = next + 1;
  }
}

/**
 * Parses one packet (a datagram, or a newline-terminated TCP chunk). Lines split on `\n` only;
 * empty lines are skipped. Returns the number of non-empty lines (etsy's `metrics_received`
 * counts these, bad ones included).
 */
export function parsePacket(text: string, opts: ParseOptions, sink: SampleSink): number {
  let lines = 0;
  let pos = 0;
  const len = text.length;
  // Where the next `|#` is, found once and moved on only when passed (no rescans per line).
  let tagAt = text.indexOf('|#');
  const sanitize = opts.keyNameSanitize;
  const hAsTimer = opts.histogramsAsTimers !== false;
  while (pos < len) {
    // One pass over the line: its end, the key's colon, the first three `|` after it, and whether
    // the key needs sanitizing. Lines with tags or several values take the general path.
    let colon = -1;
    let p1 = -1;
    let p2 = -1;
    let p3 = -1;
    let plain = true;
    let cleanKey = true;
    let i = pos;
    for (; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) break;
      if (colon === -1) {
        if (c === 58) colon = i;
        else if (cleanKey && !isKeyChar(c)) cleanKey = false;
      } else if (c === 124) {
        if (p1 === -1) p1 = i;
        else if (p2 === -1) p2 = i;
        else if (p3 === -1) p3 = i;
      } else if (c === 58) plain = false;
    }
    const nl = i;
    if (i > pos) {
      lines++;
      if (tagAt !== -1 && tagAt < pos) tagAt = text.indexOf('|#', pos);
      if (plain && colon !== -1 && p1 !== -1 && (tagAt === -1 || tagAt >= nl)) {
        let key = text.slice(pos, colon);
        if (sanitize && !cleanKey) key = sanitizeKey(key);
        apply(text, colon + 1, p1, p2, p3, nl, key, pos, nl, sink, hAsTimer);
      } else {
        line(text, pos, nl, tagAt, opts, sink);
      }
    }
    pos = nl + 1;
  }
  return lines;
}

export type Sample =
  | { type: 'c'; key: string; value: number }
  | { type: 'ms'; key: string; value: number; count: number }
  | { type: 'g'; key: string; value: number; signed: boolean }
  | { type: 's'; key: string; member: string };

/** The same parse collected into plain objects (for tests and tools; the daemon uses a sink). */
export function parseToSamples(text: string, opts: ParseOptions = { keyNameSanitize: true }): { samples: Sample[]; lines: number; badLines: number } {
  const samples: Sample[] = [];
  let badLines = 0;
  const lines = parsePacket(text, opts, {
    counter: (key, value) => samples.push({ type: 'c', key, value }),
    timer: (key, value, count) => samples.push({ type: 'ms', key, value, count }),
    gauge: (key, value, signed) => samples.push({ type: 'g', key, value, signed }),
    set: (key, member) => samples.push({ type: 's', key, member }),
    bad: () => { badLines++; },
  });
  return { samples, lines, badLines };
}
