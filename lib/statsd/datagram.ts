// The datagram fast path: a statsd packet scanned as bytes. The common line shapes
// (`key:value|c`, `|ms`, `|g`, `|h`, `|d`, optionally `|@rate`, ASCII keys that need no
// sanitizing, short decimal numbers) are applied straight from the bytes; every other line is
// decoded and handed to the text parser (parse.ts), which implements the whole protocol. So the
// fast path only has to recognise its shapes exactly, never to reject anything. Decoding one line
// alone gives the same text as decoding the whole packet: `\n` is ASCII and never part of a
// UTF-8 sequence. Pure.
import { FNV_OFFSET, FNV_PRIME, MAX_CACHED_KEY } from './key-cache.js';
import { KEY_CHARS, POW10 as PARSER_POW10 } from './parse.js';

// Module-local copies of the parser's tables: the scan loop reading the imported bindings directly
// measured ~1.7x slower (separate-process runs of scanDatagram) than reading local ones.
const KEY_BYTE = KEY_CHARS.slice();
const POW10 = PARSER_POW10.slice();

/** What a datagram's fast lines do; the aggregator implements it. */
export interface DatagramSink {
  /** The key-cache entry for key bytes [s, e) with running FNV-1a hash h (found or added). */
  entry(buf: Uint8Array, s: number, e: number, h: number): number;
  counterAt(entry: number, value: number): void;
  timerAt(entry: number, value: number, countIncrement: number): void;
  gaugeAt(entry: number, value: number, signed: boolean): void;
  /** A line [s, e) the fast path does not take: decode it and parse it as text. */
  textLine(buf: Uint8Array, s: number, e: number): void;
}


const COUNTER = 0;
const TIMER = 1;
const GAUGE = 2;

/**
 * Applies one datagram; returns its number of non-empty lines (etsy's metrics_received).
 * Numbers of at most 15 digits (an exact integer mantissa divided by an exact power of ten)
 * round exactly as JavaScript's Number() does, which is what the text parser uses.
 */
export function scanDatagram(buf: Uint8Array, sink: DatagramSink, hAsTimer: boolean): number {
  const len = buf.length;
  let lines = 0;
  let pos = 0;
  while (pos < len) {
    let c = buf[pos]!;
    if (c === 10) {
      pos++;
      continue;
    }
    lines++;
    let i = pos;
    let h = FNV_OFFSET;
    while (i < len) {
      c = buf[i]!;
      if (KEY_BYTE[c] === 0) break; // at the `:`, or at a byte the key would need sanitizing for
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    }
    fast: {
      if (c !== 58 || i === len || i === pos || i - pos > MAX_CACHED_KEY) break fast;
      const keyEnd = i++;
      // value: [+-]digits[.digits]. numberAt (parse.ts) reads the same shape from text; this copy is
      // inlined on purpose: the hot path needs the stop position too, with no call or object per value.
      let neg = false;
      let signed = false;
      c = buf[i]!;
      if (c === 45) { neg = true; signed = true; i++; } else if (c === 43) { signed = true; i++; }
      let mant = 0;
      let digits = 0;
      let frac = 0;
      let dot = false;
      for (; i < len; i++) {
        c = buf[i]!;
        if (c >= 48 && c <= 57) {
          mant = mant * 10 + (c - 48);
          digits++;
          if (dot) frac++;
        } else if (c === 46 && !dot) dot = true;
        else break;
      }
      if (c !== 124 || i === len || digits === 0 || digits > 15) break fast;
      let v = frac === 0 ? mant : mant / POW10[frac]!;
      if (neg) v = -v;
      // type: c, ms, g, h, d; then the end of the line or `|@rate`
      i++;
      if (i === len) break fast;
      const t0 = buf[i++]!;
      let type: number;
      if (t0 === 99) type = COUNTER;
      else if (t0 === 103) type = GAUGE;
      else if (t0 === 109) {
        if (i === len || buf[i] !== 115 || !(v >= 0)) break fast; // a negative `ms` is a bad line
        i++;
        type = TIMER;
      } else if (t0 === 104 || t0 === 100) type = hAsTimer ? TIMER : COUNTER;
      else break fast;
      let rate = 1;
      if (i < len && buf[i] === 124) {
        if (i + 1 === len || buf[i + 1] !== 64) break fast;
        i += 2;
        let rm = 0;
        let rd = 0;
        let rf = 0;
        let rdot = false;
        for (; i < len; i++) {
          c = buf[i]!;
          if (c >= 48 && c <= 57) {
            rm = rm * 10 + (c - 48);
            rd++;
            if (rdot) rf++;
          } else if (c === 46 && !rdot) rdot = true;
          else break;
        }
        if (rd === 0 || rd > 15) break fast;
        rate = rf === 0 ? rm : rm / POW10[rf]!;
      }
      if (i < len && buf[i] !== 10) break fast;
      const entry = sink.entry(buf, pos, keyEnd, h);
      if (type === COUNTER) sink.counterAt(entry, v * (1 / rate));
      else if (type === TIMER) sink.timerAt(entry, v, 1 / rate);
      else sink.gaugeAt(entry, v, signed);
      pos = i + 1;
      continue;
    }
    let e = buf.indexOf(10, pos);
    if (e === -1) e = len;
    sink.textLine(buf, pos, e);
    pos = e + 1;
  }
  return lines;
}
