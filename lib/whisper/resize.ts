// whisper-resize: copy a file's data into a new file with another archive list, then swap them.
// Follows bin/whisper-resize.py (1.1.x): read every old archive over its whole retention, create
// `<path>.tmp` (or `newfile`), write the old points coarsest archive first so finer data wins
// (or, with `aggregate`, re-aggregate them into each new archive's buckets), rename the old file
// to `<path>.bak`, the new one into place, and optionally delete the backup.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { aggregate as aggregateValues, type AggregationMethod } from './aggregation.js';
import { create } from './create.js';
import { currentTime, fetch, info, updateMany } from './api.js';
import { WhisperException } from './errors.js';
import type { ArchiveSpec } from './retention.js';

export interface ResizeOptions {
  xFilesFactor?: number;
  aggregationMethod?: string;
  /** Write the result here and leave the original alone. */
  newfile?: string;
  /** Delete `<path>.bak` after the swap. */
  nobackup?: boolean;
  /** Re-aggregate old points into the new archives' buckets instead of copying them. */
  aggregate?: boolean;
  /** Create the new file sparse. */
  sparse?: boolean;
  now?: number;
  /** Receives the progress lines whisper-resize prints. */
  log?: (line: string) => void;
}

export interface ResizeResult {
  /** Where the resized data now lives. */
  path: string;
  /** The old file's backup, or null (newfile given, or nobackup). */
  backup: string | null;
}

/** Resizes `path` to `archives`, keeping its data. */
export async function resize(path: string, archives: readonly ArchiveSpec[], options: ResizeOptions = {}): Promise<ResizeResult> {
  const log = options.log ?? (() => {});
  const now = options.now ?? currentTime();
  const header = await info(path);
  if (header === null) throw new WhisperException(`File '${path}' does not exist!`);
  const xff = options.xFilesFactor ?? header.xFilesFactor;
  const method = (options.aggregationMethod ?? header.aggregationMethod) as AggregationMethod;

  log('Retrieving all data from the archives');
  const old = [...header.archives].sort((a, b) => b.secondsPerPoint - a.secondsPerPoint); // coarsest first
  const data: { timeInfo: [number, number, number]; values: (number | null)[] }[] = [];
  for (const archive of old) {
    const fetched = await fetch(path, now - archive.retention + archive.secondsPerPoint, now, now);
    data.push(fetched ?? { timeInfo: [0, 0, archive.secondsPerPoint], values: [] });
  }

  let target: string;
  if (options.newfile === undefined) {
    target = path + '.tmp';
    if (fs.existsSync(target)) {
      log(`Removing previous temporary database file: ${target}`);
      await fsp.unlink(target);
    }
  } else {
    target = options.newfile;
  }
  log(`Creating new whisper database: ${target}`);
  await create(target, archives, { xFilesFactor: xff, aggregationMethod: method, sparse: options.sparse === true });
  log(`Created: ${target} (${(await fsp.stat(target)).size} bytes)`);

  if (options.aggregate) {
    log('Migrating data with aggregation...');
    await migrateWithAggregation(target, data, old.map((a) => a.secondsPerPoint), method, xff, now);
  } else {
    log('Migrating data without aggregation...');
    for (const { timeInfo, values } of data) {
      const points: [number, number][] = [];
      values.forEach((v, i) => {
        if (v !== null) points.push([timeInfo[0] + i * timeInfo[2], v]);
      });
      await updateMany(target, points, now);
    }
  }

  if (options.newfile !== undefined) return { path: target, backup: null };
  const backup = path + '.bak';
  log(`Renaming old database to: ${backup}`);
  await fsp.rename(path, backup);
  try {
    log(`Renaming new database to: ${path}`);
    await fsp.rename(target, path);
  } catch (err) {
    log('Operation failed, restoring backup');
    await fsp.rename(backup, path);
    throw err;
  }
  if (options.nobackup) {
    log(`Unlinking backup: ${backup}`);
    await fsp.unlink(backup);
    return { path, backup: null };
  }
  return { path, backup };
}

/** whisper-resize --aggregate as fixed upstream (1.1.10): merge all old points, re-bucket per new archive. */
async function migrateWithAggregation(
  target: string,
  data: { timeInfo: [number, number, number]; values: (number | null)[] }[],
  steps: number[],
  method: AggregationMethod,
  xff: number,
  now: number,
): Promise<void> {
  // Finest archive first, newest point first; coarser archives only add points older than those seen.
  const order = steps.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let all: [number, number | null][] = [];
  for (const [, i] of order) {
    const { timeInfo, values } = data[i]!;
    const points: [number, number | null][] = values.map((v, k) => [timeInfo[0] + k * timeInfo[2], v]);
    points.reverse();
    if (all.length > 0) {
      const last = all[all.length - 1]![0];
      let sliceEnd = 0;
      for (let k = 0; k < points.length; k++) {
        if (points[k]![0] < last) {
          sliceEnd = k;
          break;
        }
      }
      all = all.concat(points.slice(sliceEnd));
    } else {
      all = all.concat(points);
    }
  }
  all.reverse();
  const timestamps = all.map((p) => p[0]);
  const values = all.map((p) => p[1]);

  const newHeader = await info(target);
  for (const archive of newHeader!.archives) {
    const step = archive.secondsPerPoint;
    const fromTime = now - archive.retention + (now % step);
    const untilTime = now + (now % step) + step;
    const newPoints: [number, number][] = [];
    for (let t = fromTime; t + step < untilTime; t += step) {
      const left = bisectLeft(timestamps, t, 0);
      const right = bisectLeft(timestamps, t + step, left);
      const bucket = values.slice(left, right);
      if (bucket.length === 0) continue;
      const known = bucket.filter((v): v is number => v !== null);
      if (known.length > 0 && known.length / bucket.length >= xff) {
        newPoints.push([t, aggregateValues(method, known, bucket)]);
      }
    }
    await updateMany(target, newPoints, now);
  }
}

function bisectLeft(sorted: readonly number[], x: number, lo: number): number {
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
