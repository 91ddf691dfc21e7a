// What the store writer keeps about each metric file between flushes, for the fast update path
// (lib/whisper/cached-update.ts).
//
// What the fast path knows about a file (bases, the last propagated bucket per archive, one
// held-back write per coarser archive) is a run of doubles (lib/whisper/layout.ts). The runs live
// in a few shared Float64Arrays: a file's run is taken when its header is first read and given
// back when the writer forgets the file, whether or not its fd is kept open meanwhile. Files of
// one schema share one Layout (and so one parsed Header), so a known file costs a run of ~30
// doubles and a small object, not a parsed header and cached byte windows of its own: 200,000
// files fit in tens of megabytes.
import { cachedUpdateMany } from '../whisper/cached-update.js';
import { FdIO } from '../whisper/file-sync.js';
import { flushHeld } from '../whisper/fast-update.js';
import { BASE, Layout } from '../whisper/layout.js';
import { encodeMetadata, type Header } from '../whisper/header.js';
import type { Point } from '../whisper/update-core.js';

/** One file's run: mem[at, at + layout.size). */
export interface FastRun {
  layout: Layout;
  mem: Float64Array;
  at: number;
}

/** Doubles per shared array (512 KiB: about 2,000 files of a three-archive schema). */
const CHUNK = 65_536;

// Scratch space for one call (one module instance per thread).
const io = new FdIO(-1, '');
let times = new Float64Array(64);
let values = new Float64Array(64);

export class FastRuns {
  private chunk = new Float64Array(0);
  private used = 0;
  /** Runs given back, by size. */
  private readonly free = new Map<number, { mem: Float64Array; at: number }[]>();
  /** One layout per distinct header (files of one schema share it). */
  private readonly layouts = new Map<string, Layout>();
  /** The 16 metadata bytes of each layout's header (to notice another program changing them). */
  private readonly metadata = new WeakMap<Layout, Uint8Array>();
  /** Runs handed out and not given back. */
  live = 0;

  /** The shared layout of files whose header equals `header`. */
  layoutOf(header: Header): Layout {
    const key = `${header.aggregationMethod} ${header.xFilesFactor} ${header.archives.map((a) => `${a.offset}:${a.secondsPerPoint}:${a.points}`).join(' ')}`;
    let layout = this.layouts.get(key);
    if (layout === undefined) this.layouts.set(key, (layout = new Layout(header)));
    return layout;
  }

  /** The metadata bytes (aggregation type, max retention, xFilesFactor, archive count) of `layout`'s header. */
  metadataOf(layout: Layout): Uint8Array {
    let bytes = this.metadata.get(layout);
    if (bytes === undefined) {
      const h = layout.header;
      this.metadata.set(layout, (bytes = encodeMetadata(h.aggregationMethod, h.maxRetention, h.xFilesFactor, h.archives.length)));
    }
    return bytes;
  }

  /** A run for a file of `header`, knowing its archives' `bases` (-1 where unknown) and nothing else. */
  take(header: Header, bases: readonly number[]): FastRun {
    const layout = this.layoutOf(header);
    const size = layout.size;
    let run = this.free.get(size)?.pop();
    if (run === undefined) {
      if (this.used + size > this.chunk.length) {
        this.chunk = new Float64Array(Math.max(CHUNK, size));
        this.used = 0;
      }
      run = { mem: this.chunk, at: this.used };
      this.used += size;
    }
    this.live++;
    layout.reset(run.mem, run.at);
    for (let i = 0; i < layout.count; i++) run.mem[run.at + layout.block[i]! + BASE] = bases[i] ?? -1;
    return { layout, mem: run.mem, at: run.at };
  }

  /** Gives `run` back (what it held back is dropped: write it first). */
  give(run: FastRun): void {
    const { layout, mem, at } = run;
    let list = this.free.get(layout.size);
    if (list === undefined) this.free.set(layout.size, (list = []));
    list.push({ mem, at });
    this.live--;
  }
}

/**
 * update_many of `newestFirst` (as preparePoints() returns them) on the file open as `fd`;
 * writes to archives from `holdFrom` on are held back in the run until writeHeld().
 */
export function fastWrite(run: FastRun, fd: number, path: string, newestFirst: readonly Point[], now: number, holdFrom: number): void {
  const n = newestFirst.length;
  if (times.length < n) {
    times = new Float64Array(Math.max(n, times.length * 2));
    values = new Float64Array(times.length);
  }
  // cachedUpdateMany takes them oldest first (for equal timestamps the first given comes last).
  for (let k = 0; k < n; k++) {
    const p = newestFirst[n - 1 - k]!;
    times[k] = p[0];
    values[k] = p[1];
  }
  io.fd = fd;
  io.path = path;
  cachedUpdateMany(run.layout, run.mem, run.at, io, times, values, n, now, holdFrom);
}

/** fastWrite() of the one point (t, v), t whole seconds. */
export function fastWriteOne(run: FastRun, fd: number, path: string, t: number, v: number, now: number, holdFrom: number): void {
  times[0] = t;
  values[0] = v;
  io.fd = fd;
  io.path = path;
  cachedUpdateMany(run.layout, run.mem, run.at, io, times, values, 1, now, holdFrom);
}

/** True when `run` has held-back writes. */
export function holdsWrites(run: FastRun): boolean {
  return run.layout.holds(run.mem, run.at);
}

/** Writes the held-back slots of `run` to `fd`. */
export function writeHeld(run: FastRun, fd: number, path: string): void {
  io.fd = fd;
  io.path = path;
  flushHeld(run.layout, run.mem, run.at, io);
}

/** Forgets what the run knows of the file's contents, held-back writes included (write them first to keep them). */
export function forgetContents(run: FastRun): void {
  run.layout.reset(run.mem, run.at);
}
