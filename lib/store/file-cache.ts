// The fast update path (lib/whisper/cached-update.ts) for the files the store writer keeps open.
//
// What the fast path knows about a file (bases, the last propagated bucket per archive, one
// held-back write per coarser archive) is a run of doubles (lib/whisper/layout.ts). The runs live
// in a few shared Float64Arrays: one is taken when a file's fd is kept open and given back when
// the fd is closed, so their number is bounded by the writer's fd budget. A file entering the fast
// path has its general-path held-back slots written first; a file leaving it hands its bases back
// and drops the general path's cached bytes (the fast path wrote past them).
import { cachedUpdateMany } from '../whisper/cached-update.js';
import { FdIO, emptyWindows, type FileState } from '../whisper/file-sync.js';
import { flushHeld } from '../whisper/fast-update.js';
import { BASE, HELD, HELD_VALUE, Layout } from '../whisper/layout.js';
import type { Header } from '../whisper/header.js';
import { packPoint } from '../whisper/ops.js';
import type { Point } from '../whisper/update-core.js';

/** One open file's run: mem[at, at + layout.size). */
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
  /** Runs handed out and not given back. */
  live = 0;

  private layoutOf(header: Header): Layout {
    const key = `${header.aggregationMethod} ${header.xFilesFactor} ${header.archives.map((a) => `${a.offset}:${a.secondsPerPoint}:${a.points}`).join(' ')}`;
    let layout = this.layouts.get(key);
    if (layout === undefined) this.layouts.set(key, (layout = new Layout(header)));
    return layout;
  }

  /** A run for the file whose state is `state` (its bases carried over; nothing else known). */
  take(state: FileState): FastRun {
    const layout = this.layoutOf(state.header);
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
    for (let i = 0; i < layout.count; i++) run.mem[run.at + layout.block[i]! + BASE] = state.bases[i]!;
    return { layout, mem: run.mem, at: run.at };
  }

  /**
   * Gives `run` back. `state` (the general path's, for the same file; null to drop everything)
   * takes over its bases and its held-back writes (into state.deferred, written by the writer's
   * usual deadline rule); the general path's cached bytes are dropped.
   */
  give(run: FastRun, state: FileState | null): void {
    const { layout, mem, at } = run;
    if (state !== null) {
      for (let i = 0; i < layout.count; i++) {
        const b = at + layout.block[i]!;
        state.bases[i] = mem[b + BASE]!;
        const held = mem[b + HELD]!;
        // Without state.deferred (deferMs 0) the writer holds nothing back.
        if (held < 0 || state.deferred === null) continue;
        state.deferred.set(layout.slotOffset(i, mem[b + BASE]!, held), packPoint(held, mem[b + HELD_VALUE]!));
      }
      if (state.windows !== null) state.windows = emptyWindows(state.header);
    }
    let list = this.free.get(layout.size);
    if (list === undefined) this.free.set(layout.size, (list = []));
    list.push({ mem, at });
    this.live--;
  }
}

/**
 * update_many of `newestFirst` (as preparePoints() returns them) on the open file `fd`; writes to
 * archives from `holdFrom` on are held back in the run until writeHeld().
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

/** Forgets what the run knows of the file's contents (bases and cached bucket); call after writeHeld(). */
export function forgetContents(run: FastRun): void {
  run.layout.reset(run.mem, run.at);
}
