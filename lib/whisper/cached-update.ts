// update_many on a file that stays open across calls, with what is known about it kept between
// them (the store writer's case): the fast path when the points allow it, else whisper.py's
// general algorithm (update-core.ts) after writing what was held back and before forgetting
// the cached windows. Either way the bytes are whisper.py's.
import { FdIO, runSync, type FileState } from './file-sync.js';
import { fastEligible, fastUpdateMany, flushHeld } from './fast-update.js';
import { BASE, type Layout } from './layout.js';
import { updateManyOps, type Point } from './update-core.js';

/**
 * Writes points (times[k], values[k]), k < n, sorted oldest first as whisper.py commits them,
 * to the file behind `io`, whose state is the run of `mem` at `at` (see layout.ts). Writes to
 * archives from `holdFrom` on are held back until flushHeld(). Returns true when the fast path
 * did the work.
 */
export function cachedUpdateMany(
  layout: Layout, mem: Float64Array, at: number, io: FdIO,
  times: ArrayLike<number>, values: ArrayLike<number>, n: number, now: number, holdFrom: number,
): boolean {
  if (fastEligible(layout, times, n, now)) {
    fastUpdateMany(layout, mem, at, io, times, values, n, holdFrom);
    return true;
  }
  flushHeld(layout, mem, at, io);
  const bases: number[] = [];
  for (let i = 0; i < layout.count; i++) bases.push(mem[at + layout.block[i]! + BASE]!);
  const state: FileState = { header: layout.header, fileSize: -1, bases };
  const newestFirst: Point[] = new Array(n);
  for (let k = 0; k < n; k++) newestFirst[k] = [times[n - 1 - k]!, values[n - 1 - k]!];
  try {
    runSync(io.fd, io.path, state, updateManyOps(layout.header, newestFirst, now));
  } finally {
    // The general path read and wrote around the windows: start afresh, keeping the bases it saw.
    layout.reset(mem, at);
    for (let i = 0; i < layout.count; i++) mem[at + layout.block[i]! + BASE] = state.bases[i]!;
  }
  return false;
}
