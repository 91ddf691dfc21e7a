// whisper.py's fetch() (file_fetch + __archive_fetch) as pure functions: which archive answers,
// which intervals, which bytes of the file hold them, and what those bytes say. The reading is
// done by fetch-fd.ts.
import { InvalidGranularity, InvalidTimeInterval } from './errors.js';
import { POINT_SIZE, type ArchiveInfo, type Header } from './header.js';
import { pyMod, slotOffset } from './ops.js';
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

/** How many values fetch() returns for `header` over the range (0 where it returns None): no read needed. */
export function fetchLength(header: Header, fromTime: number, untilTime: number, now: number): number {
  const choice = chooseArchive(header, fromTime, untilTime, now);
  if (choice === null) return 0;
  const step = header.archives[choice.index]!.secondsPerPoint;
  const [fromInterval, untilInterval] = fetchIntervals(step, choice.fromTime, choice.untilTime);
  return (untilInterval - fromInterval) / step;
}

/** whisper.py __archive_fetch's intervals: the slots after `fromTime`'s up to and including `untilTime`'s, as [from, until). */
export function fetchIntervals(step: number, fromTime: number, untilTime: number): [number, number] {
  const fromInterval = Math.trunc(fromTime - pyMod(fromTime, step)) + step;
  let untilInterval = Math.trunc(untilTime - pyMod(untilTime, step)) + step;
  if (fromInterval === untilInterval) untilInterval += step; // a zero-length range still gets one point
  return [fromInterval, untilInterval];
}

/**
 * The bytes holding [fromInterval, untilInterval) of an archive whose first slot holds `base`:
 * `first` bytes at `offset`, then `second` bytes at the archive's start when the range wraps
 * around the ring's end (whisper.py reads exactly these).
 */
export function slotBytes(archive: ArchiveInfo, base: number, fromInterval: number, untilInterval: number): { offset: number; first: number; second: number } {
  const fromOffset = slotOffset(archive, base, fromInterval);
  const untilOffset = slotOffset(archive, base, untilInterval);
  if (fromOffset < untilOffset) return { offset: fromOffset, first: untilOffset - fromOffset, second: 0 };
  return { offset: fromOffset, first: archive.offset + archive.size - fromOffset, second: untilOffset - archive.offset };
}

/** An archive never written to (base 0): whisper.py answers a None per step. */
export function emptyValues(fromInterval: number, untilInterval: number, step: number): null[] {
  return new Array<null>(Math.floor((untilInterval - fromInterval) / step)).fill(null);
}

/**
 * Values of the consecutive slots in bytes[0, length) read from `fromInterval` on: null where the
 * stored timestamp is not the expected one. `matched`: whether any slot held its expected time.
 */
export function decodeSlots(bytes: Uint8Array, length: number, fromInterval: number, step: number): { values: (number | null)[]; matched: boolean } {
  const count = Math.floor(length / POINT_SIZE);
  // One DataView for the whole series: V8 inlines its big-endian reads (faster than byte math here).
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * POINT_SIZE);
  const values: (number | null)[] = new Array(count);
  let matched = false;
  let expected = fromInterval;
  for (let i = 0, at = 0; i < count; i++, at += POINT_SIZE) {
    if (view.getUint32(at) === expected) {
      values[i] = view.getFloat64(at + 4);
      matched = true;
    } else values[i] = null;
    expected += step;
  }
  return { values, matched };
}
