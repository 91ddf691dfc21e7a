// The I/O shells of merge, diff (whisper.py's) and fill (the whisper-fill script): open the
// files, read headers and archives, and run the pure steps of merge.ts, diff.ts and fill.ts in
// whisper.py's order, so the destination gets the very bytes whisper.py writes.
import fsp from 'node:fs/promises';
import { currentTime, fetch, headerAndSize, updateMany } from './api.js';
import { compareArchive, diffWindows, type ArchiveDiff, type ArchiveSlots } from './diff.js';
import { InvalidTimestamp } from './errors.js';
import { fetchIntervals } from './fetch-core.js';
import { readArchiveSlots } from './fetch-fd.js';
import { readHeaderSync, runSync } from './file-sync.js';
import { fillFetches, fillWindows, gapFills, newestFirst } from './fill.js';
import { withFileLock } from './flock.js';
import type { ArchiveInfo } from './header.js';
import { checkAlike, knownPoints, mergeWindows } from './merge.js';
import { archiveUpdateMany } from './update-core.js';

function finite(...times: (number | null | undefined)[]): void {
  for (const t of times) {
    if (t !== null && t !== undefined && !Number.isFinite(t)) throw new InvalidTimestamp(`Invalid time ${String(t)}: not a finite number`);
  }
}

/**
 * whisper.py's __archive_fetch: one archive's slots from `fromTime` to `untilTime`, clamped
 * neither to now nor to the retention (a range longer than the ring reads the ring once, as
 * whisper.py's two reads do).
 */
function archiveFetch(fd: number, path: string, archive: ArchiveInfo, fromTime: number, untilTime: number): ArchiveSlots {
  const step = archive.secondsPerPoint;
  const [fromInterval, untilInterval] = fetchIntervals(step, fromTime, untilTime);
  const timeInfo: ArchiveSlots['timeInfo'] = [fromInterval, untilInterval, step];
  // A reversed range: whisper.py reads some bytes, but every caller takes (until - from) // step < 0 of them.
  if (untilInterval < fromInterval) return { timeInfo, values: [] };
  return { timeInfo, values: readArchiveSlots(fd, path, archive, fromInterval, untilInterval) };
}

/**
 * whisper.py merge(path_from, path_to, time_from=None, time_to=None, now=None): copies the points
 * of `pathFrom` into `pathTo`, archive by archive (see merge.ts). Both files must have the same
 * archives (else ArchivesUnalike, and nothing is written).
 */
export async function merge(pathFrom: string, pathTo: string, timeFrom?: number | null, timeTo?: number | null, now?: number | null): Promise<void> {
  finite(timeFrom, timeTo, now);
  const from = await fsp.open(pathFrom, 'r');
  try {
    const to = await fsp.open(pathTo, 'r+');
    try {
      const source = readHeaderSync(from.fd, pathFrom).header;
      const target = readHeaderSync(to.fd, pathTo);
      checkAlike(source, target.header, pathFrom, pathTo, 'merging');
      // Every window is read before anything is written. For two files that changes nothing. A
      // file merged into itself is read as it was; whisper.py reads it through a 4 KiB read
      // buffer, some blocks before and some after its own writes reach the file.
      const reads = mergeWindows(source, timeFrom, timeTo, now ?? currentTime()).map((w) => {
        const slots = archiveFetch(from.fd, pathFrom, source.archives[w.index]!, w.fromTime, w.untilTime);
        return { index: w.index, points: slots.values === null ? [] : knownPoints({ timeInfo: slots.timeInfo, values: slots.values }) };
      });
      for (const { index, points } of reads) {
        if (points.length === 0) continue;
        // One run per archive: each archive's writes (and propagation) land before the next archive's.
        runSync(to.fd, pathTo, target, archiveUpdateMany(target.header, index, points));
      }
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

/**
 * whisper.py diff(path_from, path_to, ignore_empty=False, until_time=None, now=None): per archive
 * (finest first), the slots where the two files differ and how many were compared (see diff.ts).
 */
export async function diff(pathA: string, pathB: string, ignoreEmpty = false, untilTime?: number | null, now?: number | null): Promise<ArchiveDiff[]> {
  finite(untilTime, now);
  const a = await fsp.open(pathA, 'r');
  try {
    const b = await fsp.open(pathB, 'r');
    try {
      const header = readHeaderSync(a.fd, pathA).header;
      checkAlike(header, readHeaderSync(b.fd, pathB).header, pathA, pathB, 'diffing');
      return diffWindows(header, untilTime, now ?? currentTime()).map((w) => {
        const archive = header.archives[w.index]!;
        const slotsA = archiveFetch(a.fd, pathA, archive, w.fromTime, w.untilTime);
        const slotsB = archiveFetch(b.fd, pathB, archive, w.fromTime, w.untilTime);
        return compareArchive(w.number, slotsA, slotsB, ignoreEmpty);
      });
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
  }
}

export interface FillOptions {
  /** Hold an exclusive flock on `dst` during each write, as whisper-fill --lock does (see flock.ts). */
  lock?: boolean;
}

/**
 * The whisper-fill script: fills the gaps of `dst` with points of `src` (see fill.ts). The files
 * may have different archives. `now` is unix time in seconds, possibly fractional (the script's
 * time.time()). Both headers are read first, so a corrupt file is refused before anything is
 * written (the script reads the source's header only at its first gap).
 */
export async function fill(src: string, dst: string, now?: number | null, options: FillOptions = {}): Promise<void> {
  finite(now);
  const clock = now ?? Date.now() / 1000;
  const whole = Math.floor(clock); // what whisper.fetch and update_many take as int(time.time())
  const dstHeader = (await headerAndSize(dst)).header;
  const srcHeader = (await headerAndSize(src)).header;
  for (const w of fillWindows(dstHeader, clock)) {
    const found = await fetch(dst, w.fromTime, w.untilTime, whole);
    if (found === null) continue; // cannot happen: the window lies within dst's retention
    for (const [tstart, tstop] of gapFills(found, w.secondsPerPoint)) {
      for (const [fromTime, untilTime] of fillFetches(srcHeader, tstart, tstop, clock)) {
        const got = await fetch(src, fromTime, untilTime, whole);
        const points = got === null ? [] : newestFirst(got); // null cannot happen either: the range is within src's retention
        if (points.length === 0) continue; // update_many returns at once (and takes no lock)
        const write = () => updateMany(dst, points, whole);
        await (options.lock ? withFileLock(dst, write) : write());
      }
    }
  }
}
