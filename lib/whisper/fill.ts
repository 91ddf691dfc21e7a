// whisper-fill (Debian python3-whisper 1.1.x) as pure functions: where the destination has gaps,
// and which ranges of the source fill them. The reading and writing is done by tools.ts.
//
// The script, step by step (tools.ts runs the steps in this order, since every fetch of the
// destination must see what the fills before it wrote):
//   1. for each destination archive by retention, fetch the span no finer archive covers
//      (fillWindows) and look for gaps in it (gapFills);
//   2. for each gap, walk the source's archives finest first, fetching the part of the gap each
//      one covers (fillFetches) and update_many-ing the known points into the destination, which
//      files them by age into its own archives (the two files need not share a layout).
//
// `now` is one reading of Python's time.time() for the whole run (the script reads the clock
// again at every step; the runs differ only if the second ticks in between). It stays a float
// where the script keeps one; whisper.fetch and update_many see int(now). (The fraction only
// ever adds a second fetch of a slot already copied — when a gap starts exactly at a source
// archive's edge — so whole seconds give the same bytes.)
import type { FetchResult } from './fetch-core.js';
import type { Header } from './header.js';
import { byRetention, knownPoints } from './merge.js';
import type { Point } from './update-core.js';

/** The destination's fetch for one archive: (fromTime, untilTime) as floats, as whisper.fetch receives them. */
export interface FillWindow {
  secondsPerPoint: number;
  fromTime: number;
  untilTime: number;
}

/** fill_archives' loop over the destination's archives. */
export function fillWindows(dst: Header, now: number): FillWindow[] {
  const windows: FillWindow[] = [];
  let startFrom = now;
  for (const index of byRetention(dst)) {
    const archive = dst.archives[index]!;
    const fromTime = now - archive.retention;
    if (fromTime >= startFrom) continue;
    windows.push({ secondsPerPoint: archive.secondsPerPoint, fromTime, untilTime: startFrom });
    startFrom = fromTime;
  }
  return windows;
}

/** Python's truth value of a fetched value: None, 0.0 and -0.0 are false, NaN is true. */
function truthy(v: number | null): boolean {
  return v !== null && v !== 0;
}

/**
 * fill_archives' scan of one fetch for gaps: the (tstart, tstop) of each fill() call, in order.
 * A gap is a run of slots with no value *or a zero value* (the script tests `not v`). A gap of a
 * single slot is left alone; a gap of more is filled from the slot before it up to and including
 * the first known slot after it (whose value the source's then replaces, if the source has one).
 * A gap that reaches the last slot is filled up to the last slot, unless it starts there.
 */
export function gapFills(result: FetchResult, secondsPerPoint: number): [number, number][] {
  const [first, end, step] = result.timeInfo;
  const fills: [number, number][] = [];
  let gapstart: number | null = null;
  let start = first;
  for (const v of result.values) {
    if (!truthy(v) && !gapstart) gapstart = start; // `not gapstart`: None, or a gap starting at time 0
    else if (truthy(v) && gapstart) {
      if (start - gapstart > secondsPerPoint) fills.push([gapstart - step, start]); // "ignore single units lost"
      gapstart = null;
    } else if (gapstart && start === end - step) fills.push([gapstart - step, start]);
    start += step;
  }
  return fills;
}

/**
 * fill(src, dst, tstart, tstop)'s fetches from the source, in order: the source's archives finest
 * first, each from its oldest time (or tstart) up to where the previous one began; none when the
 * whole range is older than the source's retention. Times are floats, passed to whisper.fetch
 * as they are (it truncates them).
 */
export function fillFetches(src: Header, tstart: number, tstop: number, now: number): [fromTime: number, untilTime: number][] {
  const srcTime = Math.floor(now) - src.maxRetention;
  if (tstart < srcTime && tstop < srcTime) return [];
  const fetches: [number, number][] = [];
  for (const index of byRetention(src)) {
    const rtime = now - src.archives[index]!.retention;
    if (tstop <= rtime) continue; // the range ends before this archive's oldest point (now - retention)
    const fromTime = rtime > tstart ? rtime : tstart;
    fetches.push([fromTime, tstop]);
    tstop = fromTime;
    if (tstart === tstop) break;
  }
  return fetches;
}

/** A fetch's known points, newest first, as fill() passes them to update_many. */
export function newestFirst(result: FetchResult): Point[] {
  return knownPoints(result).reverse();
}
