// whisper.py's merge (file_merge) as pure functions: the layout check, which window of each
// archive is copied, and the writes of one archive's points. The reading and writing is done by
// tools.ts.
//
// whisper.py copies archive by archive, finest first: it reads the source archive over its
// retention (clamped to --from/--until) and hands the points to the destination's
// __archive_update_many for the same archive, which writes them and propagates them to the
// coarser archives. The next, coarser archive's copy then overwrites those propagated buckets
// with the source's own values wherever the source has one.
import { WhisperException } from './errors.js';
import type { FetchResult } from './fetch-core.js';
import type { Header } from './header.js';
import type { Point } from './update-core.js';

/** merge()/diff() of two files whose archive lists differ (whisper.py raises NotImplementedError). */
export class ArchivesUnalike extends WhisperException {}

/**
 * whisper.py's `headerFrom['archives'] != headerTo['archives']`: the same offsets, precisions and
 * sizes, archive by archive (aggregation method and xFilesFactor may differ).
 */
export function checkAlike(a: Header, b: Header, pathA: string, pathB: string, doing: 'merging' | 'diffing'): void {
  const same =
    a.archives.length === b.archives.length &&
    a.archives.every((x, i) => {
      const y = b.archives[i]!;
      return x.offset === y.offset && x.secondsPerPoint === y.secondsPerPoint && x.points === y.points;
    });
  if (!same) throw new ArchivesUnalike(`${pathA} and ${pathB} archive configurations are unalike. Resize the input before ${doing}`);
}

/**
 * Header indexes in whisper.py's `archives.sort(key=itemgetter('retention'))` order (a stable
 * sort: the header's order for every file whisper.py would create).
 */
export function byRetention(header: Header): number[] {
  return header.archives.map((_, i) => i).sort((i, j) => header.archives[i]!.retention - header.archives[j]!.retention);
}

/** One archive's share of a merge: its header index and the time range read from the source. */
export interface MergeWindow {
  index: number;
  fromTime: number;
  untilTime: number;
}

/**
 * file_merge's loop: for each archive by retention, from max(time_from, now - retention) to
 * time_to (default now; not clamped to now, as whisper.py does not); an archive is skipped when
 * time_to is older than its oldest point (now - retention). time_from defaults to 0.
 */
export function mergeWindows(header: Header, timeFrom: number | null | undefined, timeTo: number | null | undefined, now: number): MergeWindow[] {
  const untilTime = timeTo ?? now;
  const fromTime = timeFrom ?? 0;
  if (untilTime < fromTime) throw new WhisperException('time_to must be >= time_from'); // whisper.py: ValueError
  const windows: MergeWindow[] = [];
  for (const index of byRetention(header)) {
    const oldest = now - header.archives[index]!.retention;
    if (untilTime < oldest) continue;
    windows.push({ index, fromTime: Math.max(fromTime, oldest), untilTime });
  }
  return windows;
}

/** The known values of a fetch as (timestamp, value) points, oldest first (`izip(xrange(...), values)` without the Nones). */
export function knownPoints(result: FetchResult): Point[] {
  const [start, end, step] = result.timeInfo;
  const points: Point[] = [];
  // izip stops at the shorter of the two: a range longer than the ring reads fewer values.
  for (let i = 0, t = start; t < end && i < result.values.length; i++, t += step) {
    const v = result.values[i]!;
    if (v !== null) points.push([t, v]);
  }
  return points;
}
