// The syslog prefix in front of a trace record → the instance key (one Graphite node). Pure.
//
//   Mar  8 12:34:56 web1 zope[123]: B …                 BSD / RFC 3164      → web1__zope
//   2012-01-18T15:31:31-05:00 web1.example.com zope: B …  RFC 3339 template   → web1_example_com__zope
//   <165>1 2012-01-18T15:31:31Z web1 zope 123 - - B …     RFC 5424            → web1__zope
//   app1 acme instance1 : B …                           ZC's syslog-ng form → app1__acme__instance1
//
// The pid is left out on purpose: it changes at every restart and the series must not.
// Parts are joined with `__` as ZC named its RRD files; characters outside [A-Za-z0-9_-] become `_`.
//
// Every line of a syslog-ng file carries a prefix, so the key is cached by the prefix's stable part
// (after the timestamp): a prefix seen before costs a short hash, a Map lookup and a byte
// comparison (PrefixKeys). Only a new prefix is cut into tokens (computeInstance).

import { ByteInterner, FNV_OFFSET, FNV_PRIME } from './interner.js';

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

const SPACE = 32;
const COLON = 58;
const DASH = 45;
const T_UPPER = 84;
const MONTH_CODES = new Set([...MONTHS].map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2)));

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/** `YYYY-MM-DDTHH:MM:SS` at `i` (what keyOf's isIsoDateTime accepts, and stricter). */
function isoAt(buf: Uint8Array, i: number, end: number): boolean {
  if (i + 19 > end) return false;
  for (let k = 0; k < 19; k++) {
    const c = buf[i + k]!;
    const want = k === 4 || k === 7 ? DASH : k === 10 ? T_UPPER : k === 13 || k === 16 ? COLON : -1;
    if (want === -1 ? !isDigit(c) : c !== want) return false;
  }
  return true;
}

/** Just past the space ending the token at `i`, or -1. */
function afterToken(buf: Uint8Array, i: number, end: number): number {
  while (i < end && buf[i] !== SPACE) i++;
  return i < end ? i + 1 : -1;
}

/**
 * Where the part of the prefix `buf[start, end)` that names the instance starts: after a syslog
 * timestamp that changes every second (BSD `Mmm dd hh:mm:ss `, an RFC 3339 first token, RFC
 * 5424's `1 TIMESTAMP `, each after an optional `<PRI>`), else at `start` (ZC's form). Each shape
 * is checked at least as strictly as keyOf() recognises it, so the key never depends on the bytes
 * skipped. -1 when unsure (then the prefix is not cached).
 */
export function stableOffset(buf: Uint8Array, start: number, end: number): number {
  let s = start;
  if (buf[s] === 60 /* < */) {
    let i = s + 1;
    while (i < end && isDigit(buf[i])) i++;
    if (i === s + 1 || i >= end || buf[i] !== 62 /* > */ || buf[i + 1] === SPACE) return -1;
    s = i + 1;
  }
  if (
    end - s > 16 && MONTH_CODES.has((buf[s]! << 16) | (buf[s + 1]! << 8) | buf[s + 2]!) && buf[s + 3] === SPACE &&
    (buf[s + 4] === SPACE || isDigit(buf[s + 4])) && isDigit(buf[s + 5]) && buf[s + 6] === SPACE &&
    isDigit(buf[s + 7]) && isDigit(buf[s + 8]) && buf[s + 9] === COLON && isDigit(buf[s + 10]) && isDigit(buf[s + 11]) &&
    buf[s + 12] === COLON && isDigit(buf[s + 13]) && isDigit(buf[s + 14]) && buf[s + 15] === SPACE
  ) {
    return s + 16;
  }
  if (isoAt(buf, s, end)) return afterToken(buf, s + 19, end);
  if (buf[s] === 49 /* 1 */ && buf[s + 1] === SPACE) {
    if (buf[s + 2] === DASH && buf[s + 3] === SPACE) return s + 4;
    if (isoAt(buf, s + 2, end)) return afterToken(buf, s + 21, end);
  }
  return s;
}

/** The latin1 text of `buf[start, end)` (one char per byte). */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}

interface Seen {
  /** stable offset − start of the prefix it was found in */
  relative: number;
  key: string | null;
}

const SEEN_LIMIT = 10_000;

/** The instance keys of prefixes seen, by their stable part. */
export class PrefixKeys {
  private readonly seen = new ByteInterner<Seen>(SEEN_LIMIT);

  /** The instance key of the prefix in front of a record starting at `p` (the prefix is `buf[start, p - 1)`). */
  key(buf: Uint8Array, start: number, p: number): string | null {
    const stable = stableOffset(buf, start, p);
    // Nothing but the separating space after the stable offset: keyOf() may then read the
    // skipped timestamp as a name (RFC 5424 without a host): not cached.
    if (stable < 0 || stable >= p - 1 || buf[stable] === SPACE) return computeInstance(latin1(buf, start, p - 1));
    const relative = stable - start;
    // The cache compares every byte; the hash only picks the entry, so its first and last 8
    // bytes (host and instance names differ there) and the length are enough.
    let h = Math.imul(FNV_OFFSET ^ relative, FNV_PRIME) ^ (p - stable);
    const head = Math.min(stable + 8, p);
    for (let i = stable; i < head; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
    for (let i = Math.max(head, p - 8); i < p; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
    const hit = this.seen.get(h, buf, stable, p);
    if (hit !== undefined && hit.relative === relative) return hit.key;
    const key = computeInstance(latin1(buf, start, p - 1));
    this.seen.set(h, buf, stable, p, { relative, key });
    return key;
  }
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
