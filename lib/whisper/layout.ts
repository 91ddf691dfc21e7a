// A file's archive layout as flat numbers, shared by every file with the same header, and the
// per-file numbers the fast update path keeps (fast-update.ts): each archive's base timestamp,
// a window with the last bucket it propagated from, at most one held-back write, and a range of
// intervals known to hold no point.
//
// The per-file state is a run of doubles in a Float64Array (`mem` from index `at`), so a store
// with 200,000 files holds 200,000 small runs in a few large arrays instead of 200,000 objects.
// Per archive i, from at + layout.block[i]:
//   +0 base timestamp (uint32 in its first slot; -1 while unknown)
//   +1 window: start of the lower archive's bucket whose slots of archive i are cached (-1: none)
//   +2 held-back write: its interval (-1: none)     +3 its value
//   +4, +5 clean range: no interval t with +4 < t < +5 has its point in its slot (+5 -1: unknown)
//   +6 … known flags of the window's slots, 30 per double, then the window's values
import { aggregationTypeOf } from './aggregation.js';
import { POINT_SIZE, type Header } from './header.js';

export const BASE = 0;
export const WINDOW = 1;
export const HELD = 2;
export const HELD_VALUE = 3;
export const CLEAN_FROM = 4;
export const CLEAN_UNTIL = 5;
export const MASKS = 6;
/** Known flags per mask double (bit operations stay within int32). */
export const MASK_BITS = 30;
/** Windows longer than this are not cached (their buckets are read from disk each time). */
export const MAX_WINDOW = 120;

export class Layout {
  readonly header: Header;
  readonly count: number;
  /** Aggregation type code (1 average … 8 absmin). */
  readonly method: number;
  readonly xFilesFactor: number;
  readonly offset: number[];
  readonly step: number[];
  readonly points: number[];
  readonly retention: number[];
  /** Slots of archive i per slot of archive i + 1 (0 for the last archive). */
  readonly ratio: number[];
  /** Slots cached per window (0: not cached). */
  readonly window: number[];
  /** Where archive i's numbers start in a file's run. */
  readonly block: number[];
  /** Where archive i's window values start in a file's run. */
  readonly values: number[];
  /** Doubles per file. */
  readonly size: number;
  readonly maxStep: number;

  constructor(header: Header) {
    this.header = header;
    const archives = header.archives;
    this.count = archives.length;
    this.method = aggregationTypeOf(header.aggregationMethod);
    this.xFilesFactor = header.xFilesFactor;
    this.offset = archives.map((a) => a.offset);
    this.step = archives.map((a) => a.secondsPerPoint);
    this.points = archives.map((a) => a.points);
    this.retention = archives.map((a) => a.retention);
    this.ratio = archives.map((a, i) => (i + 1 < archives.length ? archives[i + 1]!.secondsPerPoint / a.secondsPerPoint : 0));
    this.window = this.ratio.map((r) => (r <= MAX_WINDOW ? r : 0));
    this.block = [];
    this.values = [];
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      this.block.push(at);
      at += MASKS + Math.ceil(this.window[i]! / MASK_BITS);
      this.values.push(at);
      at += this.window[i]!;
    }
    this.size = at;
    this.maxStep = this.step[this.count - 1]!;
  }

  /** Byte offset of `interval`'s slot in archive `i` given its base (whisper.py's arithmetic). */
  slotOffset(i: number, base: number, interval: number): number {
    const points = this.points[i]!;
    let slot = Math.floor((interval - base) / this.step[i]!) % points;
    if (slot < 0) slot += points;
    return this.offset[i]! + slot * POINT_SIZE;
  }

  /** Sets a file's run to "nothing known": bases unknown, no windows, nothing held back. */
  reset(mem: Float64Array, at: number): void {
    for (let i = 0; i < this.count; i++) {
      const b = at + this.block[i]!;
      mem[b + BASE] = -1;
      mem[b + WINDOW] = -1;
      mem[b + HELD] = -1;
      mem[b + CLEAN_UNTIL] = -1;
    }
  }

  /** True when some archive of the file has a held-back write. */
  holds(mem: Float64Array, at: number): boolean {
    for (let i = 0; i < this.count; i++) if (mem[at + this.block[i]! + HELD]! >= 0) return true;
    return false;
  }
}

const layouts = new WeakMap<Header, Layout>();

/** The layout of `header` (computed once per Header object). */
export function layoutOf(header: Header): Layout {
  let layout = layouts.get(header);
  if (layout === undefined) {
    layout = new Layout(header);
    layouts.set(header, layout);
  }
  return layout;
}
