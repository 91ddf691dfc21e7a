// One trace-log line → one record, or the reason it is not one. Pure, and built for speed: the
// bench feeds it well over 500k lines/s, so it reads the bytes as the tailer read them (latin1, one
// char per byte), walks them once without regular expressions, and builds no string for a request
// id or a syslog prefix it has seen before (ByteInterner, PrefixKeys).
//
//   [syslog prefix] <code> <request id> <YYYY-MM-DD>( |T)<HH:MM:SS>[.ffffff] [message]
//
// The record is found by shape, not by counting tokens, so any syslog prefix works (BSD,
// RFC 3339, RFC 5424 with structured data, ZC's `host customer instance [:]`); `prefix.ts` turns
// the prefix into an instance key. Timestamps are naive local time: they come back as "wall
// microseconds" (the wall clock read as if it were UTC) and `zone.ts` turns them into real epochs.
// The message is read only for what the tracker needs: the size of I and A, errors of A and E.

import { ByteInterner, FNV_OFFSET, FNV_PRIME } from './interner.js';
import { PrefixKeys, latin1 } from './prefix.js';

export interface TraceRecord {
  /** One character: B I C A E D S X `-` or an application's own letter. */
  code: string;
  /** Opaque request id (`49234448`, `0.-1451819092`, `1.22`); `0` for S and X. */
  id: string;
  /** The record's naive local time as microseconds since 1970-01-01T00:00 of that wall clock. */
  wallUs: number;
  /** Everything after the timestamp ('' when absent). */
  message: string;
  /** Instance key from the syslog prefix, or null when the line has none. */
  instance: string | null;
}

/** A record, or a short reason why the line is not one (`''` for a blank line, which is skipped). */
export type ParseResult = TraceRecord | string;

export const NO_RECORD = 'no trace record (expected "<code> <id> <YYYY-MM-DD HH:MM:SS[.ffffff]>")';
export const BAD_TIMESTAMP = 'bad timestamp';

/** Record codes the tracker acts on (char codes). */
export const CODE_B = 66;
export const CODE_I = 73;
export const CODE_C = 67;
export const CODE_A = 65;
export const CODE_E = 69;
export const CODE_S = 83;
export const CODE_X = 88;

const SPACE = 32;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const ZERO = 48;
const T_UPPER = 84;
const CR = 13;
const TAB = 9;

const US_PER_DAY = 86_400_000_000;
const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const FRACTION_SCALE = [0, 100_000, 10_000, 1_000, 100, 10, 1];
/** Request ids remembered as strings (they recur: B I C A E, keep-alive connections). */
const ID_LIMIT = 50_000;
const ERROR_PREFIX = [69, 114, 114, 111, 114, 58]; // "Error:"

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function digit(b: Uint8Array, i: number): number {
  const d = b[i]! - ZERO;
  return d >= 0 && d <= 9 ? d : -1000; // poisons any sum it enters
}

function two(b: Uint8Array, i: number): number {
  return digit(b, i) * 10 + digit(b, i + 1);
}

/** True when `YYYY-MM-DD?HH:MM:SS` separators sit at `p` (digits are checked while parsing). */
function looksLikeTimestamp(b: Uint8Array, p: number): boolean {
  const sep = b[p + 10];
  return b[p + 4] === DASH && b[p + 7] === DASH && (sep === SPACE || sep === T_UPPER) && b[p + 13] === COLON && b[p + 16] === COLON;
}

function blank(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}

/** The last space-separated token of `b[start, end)` as a non-negative integer, or -1. */
export function lastNumberIn(b: Uint8Array, start: number, end: number): number {
  let i = end;
  while (i > start && b[i - 1] === SPACE) i--;
  const stop = i;
  let value = 0;
  let scale = 1;
  for (; i > start; i--) {
    const d = b[i - 1]! - ZERO;
    if (d < 0 || d > 9) break;
    value += d * scale;
    scale *= 10;
  }
  if (i === stop || (i > start && b[i - 1] !== SPACE)) return -1;
  return value;
}

function startsWithError(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < ERROR_PREFIX.length) return false;
  for (let k = 0; k < ERROR_PREFIX.length; k++) if (b[start + k] !== ERROR_PREFIX[k]) return false;
  return true;
}

/**
 * A 5xx status or zc's `Error:` is an error (ZC counted `args[0][0] in '5E'`; we only take 5 as a
 * first digit of a three-digit status, so a stray `5` token is not one).
 */
function appErrorIn(b: Uint8Array, start: number, end: number): boolean {
  if (startsWithError(b, start, end)) return true;
  return end - start >= 3 && b[start] === 53 && digit(b, start + 1) >= 0 && digit(b, start + 2) >= 0 &&
    (end - start === 3 || b[start + 3] === SPACE);
}

/** An A record's size: its last token when there are at least two (`200 1332`, `200 OK 1332`); -1 for `?`. */
function appSizeIn(b: Uint8Array, start: number, end: number): number {
  if (startsWithError(b, start, end)) return -1;
  for (let i = start + 1; i < end; i++) if (b[i] === SPACE) return lastNumberIn(b, start, end);
  return -1;
}

/**
 * Parses lines into its fields (no object per line). After `parse()` returned null the fields
 * describe that record; a parser keeps its caches of ids and prefixes between lines.
 */
export class LineParser {
  /** Record code (a char code: CODE_B, …). */
  code = 0;
  id = '';
  wallUs = 0;
  /** Instance key from the syslog prefix, or null when the line has none. */
  instance: string | null = null;
  /** I: input bytes; A: response bytes; -1 when unknown or another code. */
  size = -1;
  /** A: 5xx or `Error:`; E: `Error:` (a failure writing the response). */
  error = false;
  /** Where the message starts and where the line ends (a trailing `\r` excluded). */
  messageStart = 0;
  end = 0;

  private idEnd = 0;
  private idHash = 0;
  /** The last date seen (YYYYMMDD) and its midnight in wall µs: days are computed once a day. */
  private lastDate = -1;
  private lastDayUs = 0;
  private readonly ids = new ByteInterner<string>(ID_LIMIT);
  private readonly prefixes = new PrefixKeys();

  /**
   * Parses `b[start, lineEnd)` (no `\n` in it). Returns null for a record (the fields hold it),
   * '' for a blank line, or the reason the line is not a record.
   */
  parse(b: Uint8Array, start: number, lineEnd: number): string | null {
    let end = lineEnd;
    if (end > start && b[end - 1] === CR) end--;
    this.end = end;
    let p = start;
    if (this.recordAt(b, start, end)) this.instance = null;
    else {
      p = this.afterPrefix(b, start, end);
      if (p < 0) return blank(b, start, end) ? '' : NO_RECORD;
    }
    const t = this.idEnd + 1;
    const year = digit(b, t) * 1000 + digit(b, t + 1) * 100 + two(b, t + 2);
    const month = two(b, t + 5);
    const day = two(b, t + 8);
    const hour = two(b, t + 11);
    const minute = two(b, t + 14);
    const second = two(b, t + 17);
    if (
      year < 0 || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month]! ||
      (month === 2 && day === 29 && !isLeap(year)) || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59
    ) {
      return BAD_TIMESTAMP;
    }
    let q = t + 19;
    let micros = 0;
    if (q < end && b[q] === DOT) {
      let n = 0;
      for (q++; q < end && n < 7; q++, n++) {
        const d = b[q]! - ZERO;
        if (d < 0 || d > 9) break;
        micros = micros * 10 + d;
      }
      if (n === 0 || n > 6) return BAD_TIMESTAMP;
      micros *= FRACTION_SCALE[n]!;
    }
    if (q < end && b[q] !== SPACE) return BAD_TIMESTAMP;
    const m = q < end ? q + 1 : end;
    this.messageStart = m;
    const date = (year * 100 + month) * 100 + day;
    if (date !== this.lastDate) {
      this.lastDate = date;
      this.lastDayUs = daysFromCivil(year, month, day) * US_PER_DAY;
    }
    this.wallUs = this.lastDayUs + ((hour * 60 + minute) * 60 + second) * 1_000_000 + micros;
    const code = b[p]!;
    this.code = code;
    this.id = this.idString(b, p + 2, this.idEnd);
    this.size = code === CODE_I ? lastNumberIn(b, m, end) : code === CODE_A ? appSizeIn(b, m, end) : -1;
    this.error = code === CODE_A ? appErrorIn(b, m, end) : code === CODE_E ? startsWithError(b, m, end) : false;
    return null;
  }

  /** True when a record (`<code> <id> <timestamp>`) starts at `p`; sets idEnd and idHash. */
  private recordAt(b: Uint8Array, p: number, end: number): boolean {
    if (p + 2 >= end || b[p] === SPACE || b[p + 1] !== SPACE) return false;
    let h = FNV_OFFSET;
    let i = p + 2;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c === SPACE) break;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    if (i === p + 2 || i + 20 > end || !looksLikeTimestamp(b, i + 1)) return false;
    this.idEnd = i;
    this.idHash = h;
    return true;
  }

  /**
   * Finds the record behind a syslog prefix and sets `instance`; returns where the record starts,
   * or -1. Every space followed by one character and a space is a candidate end of the prefix.
   */
  private afterPrefix(b: Uint8Array, start: number, end: number): number {
    for (let i = start; i < end; i++) {
      if (b[i] === SPACE && b[i + 2] === SPACE && this.recordAt(b, i + 1, end)) {
        this.instance = this.prefixes.key(b, start, i + 1);
        return i + 1;
      }
    }
    return -1;
  }

  private idString(b: Uint8Array, start: number, end: number): string {
    const h = this.idHash;
    const known = this.ids.get(h, b, start, end);
    if (known !== undefined) return known;
    const id = latin1(b, start, end);
    this.ids.set(h, b, start, end, id);
    return id;
  }
}

const shared = new LineParser();

/** Parses one line (without its `\n`; a trailing `\r` is ignored) into a record object. */
export function parseLine(line: string): ParseResult {
  const b = Buffer.from(line, 'latin1');
  const reason = shared.parse(b, 0, b.length);
  if (reason !== null) return reason;
  return {
    code: String.fromCharCode(shared.code),
    id: shared.id,
    wallUs: shared.wallUs,
    message: latin1(b, shared.messageStart, shared.end),
    instance: shared.instance,
  };
}

/** What an `A` record says: the status (first token), error or not, and the size (last token). */
export interface AppResult {
  error: boolean;
  /** Response size in bytes, or -1 when unknown (`?`, `Error: …`). */
  bytes: number;
}

/** zc: `200 1332` / `200 ?` / `Error: oh noes!`; resumelb: `200 OK 1332`; Zope 2: `200 5123`. */
export function parseAppResult(message: string): AppResult {
  const b = Buffer.from(message, 'latin1');
  return { error: appErrorIn(b, 0, b.length), bytes: appSizeIn(b, 0, b.length) };
}

/** The last space-separated token as a non-negative integer, or -1 (`?`, empty, not a number). */
export function lastNumber(message: string): number {
  const b = Buffer.from(message, 'latin1');
  return lastNumberIn(b, 0, b.length);
}
