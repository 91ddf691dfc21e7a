// The syslog prefix in front of a trace record → the instance key (one Graphite node). Pure.
//
//   Mar  8 12:34:56 web1 zope[123]: B …                 BSD / RFC 3164      → web1__zope
//   2012-01-18T15:31:31-05:00 web1.example.com zope: B …  RFC 3339 template   → web1_example_com__zope
//   <165>1 2012-01-18T15:31:31Z web1 zope 123 - - B …     RFC 5424            → web1__zope
//   app1 acme instance1 : B …                           ZC's syslog-ng form → app1__acme__instance1
//
// The pid is left out on purpose: it changes at every restart and the series must not.
// Parts are joined with `__` as ZC named its RRD files; characters outside [A-Za-z0-9_-] become `_`.

const MONTHS = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);

/** Makes one Graphite path node out of arbitrary text (dots and slashes included). */
export function sanitizeNode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    out += ok ? text[i] : '_';
  }
  return out;
}

function tokens(line: string, end: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < end) {
    while (i < end && line.charCodeAt(i) === 32) i++;
    if (i >= end) break;
    let j = line.indexOf(' ', i);
    if (j === -1 || j > end) j = end;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

function isClock(token: string): boolean {
  return token.length >= 8 && token[2] === ':' && token[5] === ':';
}

function isIsoDateTime(token: string): boolean {
  return token.length >= 19 && token[4] === '-' && token[7] === '-' && token[10] === 'T';
}

/** `prog[123]:` → `prog`, `prog:` → `prog`. */
function programOf(tag: string): string {
  let t = tag.endsWith(':') ? tag.slice(0, -1) : tag;
  const bracket = t.indexOf('[');
  if (bracket > 0) t = t.slice(0, bracket);
  return t;
}

function join(parts: string[]): string | null {
  const nodes = parts.map(sanitizeNode).filter((p) => p !== '' && !/^_+$/.test(p));
  return nodes.length ? nodes.join('__') : null;
}

/** `host tag:` or `tag:` or `host` after a BSD / RFC 3339 timestamp. */
function hostAndProgram(rest: string[]): string | null {
  if (rest.length === 0) return null;
  const last = rest[rest.length - 1]!;
  if (last.endsWith(':') || /\[\d*\]$/.test(last)) {
    return join([...rest.slice(0, -1), programOf(last)]);
  }
  return join(rest);
}

/** Prefixes seen, by a hash of their stable part: found again without building a string. */
interface Seen {
  offset: number;
  text: string;
  key: string | null;
}
const seen = new Map<number, Seen>();
const SEEN_LIMIT = 10_000;

/**
 * Where the part of the prefix `line[start, end)` that names the instance starts: after the
 * syslog timestamp that changes every second (BSD `Mmm dd hh:mm:ss `, RFC 3339 first token),
 * else at `start`; -1 when the prefix is not worth caching (a `<PRI>`, rare in files).
 */
function stableOffset(line: string, start: number, end: number): number {
  if (line.charCodeAt(start) === 60 /* < */) return -1;
  if (
    end - start > 16 && line.charCodeAt(start + 15) === 32 && line.charCodeAt(start + 9) === 58 &&
    line.charCodeAt(start + 12) === 58 && MONTHS.has(line.slice(start, start + 3))
  ) {
    return start + 16;
  }
  if (line.charCodeAt(start + 4) === 45 && line.charCodeAt(start + 10) === 84) {
    const sp = line.indexOf(' ', start);
    return sp > 0 && sp < end ? sp + 1 : -1;
  }
  return start;
}

/** The instance key for the prefix `line[start, end)`, or null when nothing usable is there. */
export function instanceFromPrefix(line: string, start: number, end: number): string | null {
  const offset = stableOffset(line, start, end);
  if (offset < 0) return computeInstance(line.slice(start, end));
  const relative = offset - start;
  // Hash the length and the last 16 characters (where instance names differ), then check the
  // whole text once: about half the cost of hashing all of it.
  const len = end - offset;
  let h = Math.imul(0x811c9dc5 ^ relative, 0x01000193) ^ len;
  for (let i = Math.max(offset, end - 16); i < end; i++) h = Math.imul(h ^ line.charCodeAt(i), 0x01000193);
  h &= 0x3fffffff; // a small integer (Smi): no heap number per lookup
  const hit = seen.get(h);
  if (hit !== undefined && hit.offset === relative && hit.text.length === len && line.startsWith(hit.text, offset)) return hit.key;
  const key = computeInstance(line.slice(start, end));
  if (seen.size >= SEEN_LIMIT) seen.clear();
  seen.set(h, { offset: relative, text: line.slice(offset, end), key });
  return key;
}

function computeInstance(prefix: string): string | null {
  const toks = tokens(prefix, prefix.length);
  if (toks.length === 0) return null;
  let first = toks[0]!;
  if (first.charCodeAt(0) === 60 /* < */) {
    const close = first.indexOf('>');
    if (close > 1 && /^<\d+>/.test(first)) {
      first = first.slice(close + 1);
      if (first === '') toks.shift();
      else toks[0] = first;
    }
  }
  return toks.length === 0 ? null : keyOf(toks);
}

function keyOf(toks: string[]): string | null {
  const first = toks[0]!;
  // RFC 5424: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA
  if (first === '1' && toks.length >= 3 && (isIsoDateTime(toks[1]!) || toks[1] === '-')) {
    const host = toks[2] === '-' ? '' : toks[2]!;
    const app = toks.length > 3 && toks[3] !== '-' ? toks[3]! : '';
    return join([host, app]);
  }
  if (MONTHS.has(first) && toks.length >= 3 && isClock(toks[2]!)) {
    // Some templates put the year after the day: `Mar  8 2024 12:34:56` is not standard; the
    // standard BSD date is `Mmm dd hh:mm:ss`.
    return hostAndProgram(toks.slice(3));
  }
  if (isIsoDateTime(first)) return hostAndProgram(toks.slice(1));
  // ZC's syslog-ng template: `<host> <customer> <instance>`, syslog-ng 3 added a lone `:`.
  const zc = toks[toks.length - 1] === ':' ? toks.slice(0, -1) : toks.slice();
  const last = zc[zc.length - 1];
  if (last !== undefined && last.endsWith(':')) zc[zc.length - 1] = last.slice(0, -1);
  return join(zc);
}
