// whisper.py's fetch() (file_fetch + __archive_fetch) as a pure generator (see ops.ts).
import { InvalidGranularity, InvalidTimeInterval } from './errors.js';
import { POINT_SIZE, type ArchiveInfo, type Header } from './header.js';
import { baseOp, pyMod, readBetween, slotOffset, type OpGenerator } from './ops.js';
import { parseRetentionDef } from './retention.js';

/** What whisper.py's fetch returns: ((fromInterval, untilInterval, step), values). */
export interface FetchResult {
  /** [first slot's timestamp, end (exclusive), seconds per point] */
  timeInfo: [number, number, number];
  /** values[i] belongs to timeInfo[0] + i*step; null where the slot holds no point for that time. */
  values: (number | null)[];
}

/**
 * The archive fetch would read, and the clamped range; null when whisper.py returns None (range
 * entirely in the future or entirely older than the file's retention). `fromTime`/`untilTime`/`now`
 * are already whole seconds (whisper.py's int()).
 */
export function chooseArchive(
  header: Header,
  fromTime: number,
  untilTime: number,
  now: number,
  archiveToSelect?: string | number | null,
): { index: number; fromTime: number; untilTime: number } | null {
  if (fromTime > untilTime) {
    throw new InvalidTimeInterval(`Invalid time interval: from time '${fromTime}' is after until time '${untilTime}'`);
  }
  const oldestTime = now - header.maxRetention;
  if (fromTime > now) return null;
  if (untilTime < oldestTime) return null;
  if (fromTime < oldestTime) fromTime = oldestTime;
  if (untilTime > now) untilTime = now;
  const diff = now - fromTime;

  // whisper.py: `if archiveToSelect:` then parseRetentionDef(str(x) + ":1")[0]; a precision of 0 counts as none.
  let wanted = 0;
  if (archiveToSelect !== undefined && archiveToSelect !== null && archiveToSelect !== '' && archiveToSelect !== 0) {
    wanted = parseRetentionDef(`${archiveToSelect}:1`)[0];
  }
  let index: number;
  if (wanted) {
    index = header.archives.findIndex((a) => a.secondsPerPoint === wanted);
    if (index < 0) throw new InvalidGranularity(`Invalid granularity: ${wanted}`);
  } else {
    index = header.archives.findIndex((a) => a.retention >= diff);
    if (index < 0) index = header.archives.length - 1;
  }
  return { index, fromTime, untilTime };
}

/** whisper.py fetch() given the header; `now`, `fromTime`, `untilTime` already whole seconds. */
export function* fetchOps(
  header: Header,
  fromTime: number,
  untilTime: number,
  now: number,
  archiveToSelect?: string | number | null,
): OpGenerator<FetchResult | null> {
  const choice = chooseArchive(header, fromTime, untilTime, now, archiveToSelect);
  if (choice === null) return null;
  return yield* archiveFetch(header.archives[choice.index]!, choice.index, choice.fromTime, choice.untilTime);
}

/** whisper.py __archive_fetch: the slots after `fromTime`'s up to and including `untilTime`'s. */
export function* archiveFetch(archive: ArchiveInfo, index: number, fromTime: number, untilTime: number): OpGenerator<FetchResult> {
  const step = archive.secondsPerPoint;
  const fromInterval = Math.trunc(fromTime - pyMod(fromTime, step)) + step;
  let untilInterval = Math.trunc(untilTime - pyMod(untilTime, step)) + step;
  if (fromInterval === untilInterval) untilInterval += step; // a zero-length range still gets one point

  const base: number = yield baseOp(index, archive);
  if (base === 0) {
    const points = Math.floor((untilInterval - fromInterval) / step);
    return { timeInfo: [fromInterval, untilInterval, step], values: new Array<null>(points).fill(null) };
  }
  const fromOffset = slotOffset(archive, base, fromInterval);
  const untilOffset = slotOffset(archive, base, untilInterval);
  const series: Uint8Array = yield readBetween(archive, fromOffset, untilOffset);
  return { timeInfo: [fromInterval, untilInterval, step], values: decodeSeries(series, fromInterval, step) };
}

/** Values of consecutive slots read from `fromInterval` on: null where the stored timestamp is not the expected one. */
export function decodeSeries(series: Uint8Array, fromInterval: number, step: number): (number | null)[] {
  // One DataView for the whole series: V8 inlines its big-endian reads (faster than byte math here).
  const view = new DataView(series.buffer, series.byteOffset, series.byteLength);
  const count = Math.floor(series.length / POINT_SIZE);
  const values: (number | null)[] = new Array(count);
  let expected = fromInterval;
  for (let i = 0; i < count; i++) {
    const at = i * POINT_SIZE;
    values[i] = view.getUint32(at) === expected ? view.getFloat64(at + 4) : null;
    expected += step;
  }
  return values;
}
