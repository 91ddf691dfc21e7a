// whisper.py's update(), update_many() and __propagate(), as pure generators (see ops.ts).
// Comments name the whisper.py behaviour each step reproduces; the bytes written are identical.
import { aggregate } from './aggregation.js';
import { TimestampNotCovered } from './errors.js';
import { POINT_SIZE, type Header } from './header.js';
import {
  baseOp, checkInterval, floorDiv, getFloat64, getUint32, packPoint, pyMod, readBetween, ringWrites, setFloat64, setUint32, slotOffset, writeOp,
  type OpGenerator,
} from './ops.js';
import { pySetOrder } from './pyset.js';

/** A point as whisper.py handles it after `(int(t), float(v))`. */
export type Point = readonly [timestamp: number, value: number];

/**
 * Aggregates the `lower` archive's bucket that contains `timestamp` from the `higher` archive
 * (whisper.py __propagate). Returns true when a value was written, false when the bucket had no
 * known values or fewer than xFilesFactor of them.
 */
export function* propagate(header: Header, timestamp: number, higherIndex: number, lowerIndex: number): OpGenerator<boolean> {
  const higher = header.archives[higherIndex]!;
  const lower = header.archives[lowerIndex]!;
  const lowerIntervalStart = timestamp - pyMod(timestamp, lower.secondsPerPoint);

  const higherBase: number = yield baseOp(higherIndex, higher);
  const higherFirstOffset = higherBase === 0 ? higher.offset : slotOffset(higher, higherBase, lowerIntervalStart);
  const higherPoints = floorDiv(lower.secondsPerPoint, higher.secondsPerPoint);
  const relativeFirst = higherFirstOffset - higher.offset;
  const relativeLast = (relativeFirst + higherPoints * POINT_SIZE) % higher.size;
  const series: Uint8Array = yield readBetween(higher, higherFirstOffset, relativeLast + higher.offset);

  const count = Math.floor(series.length / POINT_SIZE);
  const neighbors: (number | null)[] = new Array(count);
  const known: number[] = [];
  let expected = lowerIntervalStart;
  for (let i = 0; i < count; i++) {
    if (getUint32(series, i * POINT_SIZE) === expected) {
      const v = getFloat64(series, i * POINT_SIZE + 4);
      neighbors[i] = v;
      known.push(v);
    } else {
      neighbors[i] = null;
    }
    expected += higher.secondsPerPoint;
  }
  if (known.length === 0) return false;
  if (!(known.length / count >= header.xFilesFactor)) return false;

  const value = aggregate(header.aggregationMethod, known, neighbors);
  const lowerBase: number = yield baseOp(lowerIndex, lower);
  const offset = lowerBase === 0 ? lower.offset : slotOffset(lower, lowerBase, lowerIntervalStart);
  yield writeOp(offset, packPoint(lowerIntervalStart, value));
  return true;
}

/** whisper.py update(): `timestamp` and `now` already whole seconds, `value` a number. */
export function* updateOps(header: Header, value: number, timestamp: number, now: number): OpGenerator<void> {
  const diff = now - timestamp;
  if (!(diff < header.maxRetention && diff >= 0)) {
    throw new TimestampNotCovered('Timestamp not covered by any archives in this database.');
  }
  // The highest-precision archive that covers the timestamp (one exists: diff < maxRetention).
  const index = header.archives.findIndex((a) => a.retention >= diff);
  const archive = header.archives[index]!;
  const interval = timestamp - pyMod(timestamp, archive.secondsPerPoint);
  checkInterval(interval);

  const base: number = yield baseOp(index, archive);
  const offset = base === 0 ? archive.offset : slotOffset(archive, base, interval);
  yield writeOp(offset, packPoint(interval, value));

  let higher = index;
  for (let lower = index + 1; lower < header.archives.length; lower++) {
    if (!(yield* propagate(header, interval, higher, lower))) break;
    higher = lower;
  }
}

/**
 * whisper.py update_many()'s preparation: `(int(t), float(v))` then a stable sort by timestamp,
 * newest first. Timestamps must be finite numbers (whisper.py's int() raises otherwise).
 */
export function preparePoints(points: readonly (readonly [number, number])[]): Point[] {
  const prepared: Point[] = new Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    prepared[i] = [Math.trunc(p[0]), +p[1]];
  }
  return prepared.length > 1 ? prepared.sort((a, b) => b[0] - a[0]) : prepared;
}

/** One archive's share of an update_many, in the order whisper.py commits them. */
export interface Commit {
  archive: number;
  /** Oldest first. */
  points: Point[];
}

/**
 * Which archive takes which points (whisper.py file_update_many): walking from the finest archive,
 * a point goes to the first archive whose retention covers its age; future points go to archive 0;
 * points older than the coarsest archive are dropped.
 */
export function planUpdateMany(header: Header, newestFirst: readonly Point[], now: number): Commit[] {
  const commits: Commit[] = [];
  const archives = header.archives;
  let current = 0;
  let pending: Point[] = [];
  for (const point of newestFirst) {
    const age = now - point[0];
    while (current < archives.length && archives[current]!.retention < age) {
      if (pending.length > 0) {
        commits.push({ archive: current, points: pending.reverse() });
        pending = [];
      }
      current++;
    }
    if (current >= archives.length) break;
    pending.push(point);
  }
  if (current < archives.length && pending.length > 0) commits.push({ archive: current, points: pending.reverse() });
  for (const commit of commits) {
    const step = archives[commit.archive]!.secondsPerPoint;
    for (const [t] of commit.points) checkInterval(t - pyMod(t, step));
  }
  return commits;
}

/** whisper.py update_many() on prepared points (see preparePoints). */
export function* updateManyOps(header: Header, newestFirst: readonly Point[], now: number): OpGenerator<void> {
  for (const commit of planUpdateMany(header, newestFirst, now)) {
    yield* archiveUpdateMany(header, commit.archive, commit.points);
  }
}

/**
 * whisper.py __archive_update_many: write `points` (oldest first) into archive `index` whatever
 * their age, in runs of consecutive slots, then propagate them (also what whisper.py's merge does).
 */
export function* archiveUpdateMany(header: Header, index: number, points: readonly Point[]): OpGenerator<void> {
  const archive = header.archives[index]!;
  const step = archive.secondsPerPoint;
  const n = points.length;
  const aligned = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = points[i]![0];
    aligned[i] = t - pyMod(t, step);
  }

  // Runs of consecutive intervals, as [first point index, point count, start interval]; in a run
  // of equal intervals the last point wins. whisper.py tests `not previousInterval`, so after an
  // interval of 0 the next point always joins the run (and the run's start is computed from its
  // last interval, as whisper.py does).
  const kept: number[] = [];
  const runs: number[] = [];
  let previous = 0;
  let runFirst = 0;
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && aligned[i] === aligned[i + 1]) continue;
    const interval = aligned[i]!;
    if (kept.length > runFirst && !(previous === 0 || interval === previous + step)) {
      runs.push(runFirst, kept.length - runFirst, previous - step * (kept.length - runFirst - 1));
      runFirst = kept.length;
    }
    kept.push(i);
    previous = interval;
  }
  runs.push(runFirst, kept.length - runFirst, previous - step * (kept.length - runFirst - 1));

  let base: number = yield baseOp(index, archive);
  if (base === 0) base = runs[2]!; // the first write to an empty archive starts at slot 0
  for (let r = 0; r < runs.length; r += 3) {
    const first = runs[r]!;
    const count = runs[r + 1]!;
    const bytes = new Uint8Array(count * POINT_SIZE);
    for (let k = 0; k < count; k++) {
      const i = kept[first + k]!;
      setUint32(bytes, k * POINT_SIZE, aligned[i]!);
      setFloat64(bytes, k * POINT_SIZE + 4, points[i]![1]);
    }
    for (const op of ringWrites(archive, slotOffset(archive, base, runs[r + 2]!), bytes)) yield op;
  }

  let higher = index;
  for (let lower = index + 1; lower < header.archives.length; lower++) {
    const lowerStep = header.archives[lower]!.secondsPerPoint;
    const intervals: number[] = new Array(n);
    for (let i = 0; i < n; i++) intervals[i] = aligned[i]! - pyMod(aligned[i]!, lowerStep);
    let propagateFurther = false;
    // Python iterates set(intervals); the order decides which bucket lands first in an empty archive.
    const unique = n === 1 ? intervals : pySetOrder(intervals);
    for (let u = 0; u < unique.length; u++) {
      if (yield* propagate(header, unique[u]!, higher, lower)) propagateFurther = true;
    }
    if (!propagateFurther) break;
    higher = lower;
  }
}
