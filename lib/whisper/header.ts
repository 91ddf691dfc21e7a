// The Whisper header: metadata (16 bytes) then one 12-byte entry per archive, all big-endian.
//
//   0  uint32 aggregationType   4  uint32 maxRetention   8  float32 xFilesFactor   12  uint32 archiveCount
//   16 + 12*i: uint32 offset, uint32 secondsPerPoint, uint32 points
//
// Decoding checks more than whisper.py does (which trusts offsets and sizes): a header that lies
// about its archives would make later writes land outside the file, so it is refused as corrupt.
import { AGGREGATION_METHODS, aggregationMethodOf, aggregationTypeOf, type AggregationMethod } from './aggregation.js';
import { CorruptWhisperFile, InvalidConfiguration, InvalidXFilesFactor, pyStr } from './errors.js';
import type { ArchiveSpec } from './retention.js';

export const METADATA_SIZE = 16;
export const ARCHIVE_INFO_SIZE = 12;
export const POINT_SIZE = 12;
const UINT32_LIMIT = 2 ** 32;

export interface ArchiveInfo {
  offset: number;
  secondsPerPoint: number;
  points: number;
  /** secondsPerPoint * points */
  retention: number;
  /** points * 12 bytes */
  size: number;
}

/** What whisper.py's info() returns. */
export interface Header {
  aggregationMethod: AggregationMethod;
  maxRetention: number;
  /** As stored: the float32 value widened to a double (0.1 reads back as 0.10000000149011612). */
  xFilesFactor: number;
  archives: ArchiveInfo[];
}

/**
 * whisper.py's validateArchiveList, same rules and messages; returns a sorted copy (whisper.py
 * sorts the caller's list in place). Also refuses what whisper.py would write as a broken file:
 * zero seconds per point or points, and sizes beyond the format's 32-bit fields.
 */
export function validateArchiveList(archiveList: readonly ArchiveSpec[]): ArchiveSpec[] {
  if (!archiveList || archiveList.length === 0) {
    throw new InvalidConfiguration('You must specify at least one archive configuration!');
  }
  for (const [spp, points] of archiveList) {
    if (!Number.isSafeInteger(spp) || !Number.isSafeInteger(points) || spp < 1 || points < 1) {
      throw new InvalidConfiguration(
        `Each archive needs a whole number of seconds per point and of points, both at least 1 (got (${spp}, ${points}))`,
      );
    }
  }
  const list = [...archiveList].sort((a, b) => a[0] - b[0]);
  const tuple = (a: ArchiveSpec) => `(${a[0]}, ${a[1]})`;
  for (let i = 0; i < list.length - 1; i++) {
    const archive = list[i]!;
    const next = list[i + 1]!;
    if (!(archive[0] < next[0])) {
      throw new InvalidConfiguration(
        'A Whisper database may not be configured having two archives with the same precision ' +
          `(archive${i}: ${tuple(archive)}, archive${i + 1}: ${tuple(next)})`,
      );
    }
    if (next[0] % archive[0] !== 0) {
      throw new InvalidConfiguration(
        "Higher precision archives' precision must evenly divide all lower precision archives' precision " +
          `(archive${i}: ${archive[0]}, archive${i + 1}: ${next[0]})`,
      );
    }
    const retention = archive[0] * archive[1];
    const nextRetention = next[0] * next[1];
    if (!(nextRetention > retention)) {
      throw new InvalidConfiguration(
        'Lower precision archives must cover larger time intervals than higher precision archives ' +
          `(archive${i}: ${retention} seconds, archive${i + 1}: ${nextRetention} seconds)`,
      );
    }
    const pointsPerConsolidation = Math.floor(next[0] / archive[0]);
    if (!(archive[1] >= pointsPerConsolidation)) {
      throw new InvalidConfiguration(
        'Each archive must have at least enough points to consolidate to the next archive ' +
          `(archive${i + 1} consolidates ${pointsPerConsolidation} of archive${i}'s points but it has only ${archive[1]} total points)`,
      );
    }
  }
  const maxRetention = Math.max(...list.map(([s, p]) => s * p));
  const fileSize = headerSize(list.length) + POINT_SIZE * list.reduce((n, [, p]) => n + p, 0);
  if (maxRetention >= UINT32_LIMIT || fileSize >= UINT32_LIMIT) {
    throw new InvalidConfiguration(
      `The archives are too large for the Whisper format (retention ${maxRetention} seconds, ${fileSize} bytes; both must stay below 2^32)`,
    );
  }
  return list;
}

/** whisper.py's checks on an xFilesFactor (InvalidXFilesFactor messages included). */
export function checkXFilesFactor(xff: number | string): number {
  const value = typeof xff === 'number' ? xff : parsePyFloat(xff);
  if (Number.isNaN(value) && typeof xff === 'string' && !/^\s*[+-]?nan\s*$/i.test(xff)) {
    throw new InvalidXFilesFactor(`Invalid xFilesFactor ${xff}, not a float`);
  }
  if (!(value >= 0 && value <= 1)) {
    throw new InvalidXFilesFactor(`Invalid xFilesFactor ${pyStr(value)}, not between 0 and 1`);
  }
  return value;
}

/** Python's float(str): decimal, exponent, inf/nan spellings, underscores between digits. */
export function parsePyFloat(text: string): number {
  const t = text.trim().replace(/(?<=\d)_(?=\d)/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return NaN;
  return Number(t);
}

export function headerSize(archiveCount: number): number {
  return METADATA_SIZE + ARCHIVE_INFO_SIZE * archiveCount;
}

/** The 16 metadata bytes (validates method and xFilesFactor first, as whisper.py does). */
export function encodeMetadata(method: string, maxRetention: number, xFilesFactor: number | string, archiveCount: number): Uint8Array {
  const type = aggregationTypeOf(method);
  const xff = checkXFilesFactor(xFilesFactor);
  const bytes = new Uint8Array(METADATA_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type);
  view.setUint32(4, maxRetention);
  view.setFloat32(8, xff);
  view.setUint32(12, archiveCount);
  return bytes;
}

/** A new file's header bytes and total size, for an archive list already validated and sorted. */
export function encodeHeader(
  archives: readonly ArchiveSpec[],
  xFilesFactor: number | string,
  method: string,
): { header: Uint8Array; fileSize: number } {
  const maxRetention = Math.max(...archives.map(([s, p]) => s * p));
  const metadata = encodeMetadata(method, maxRetention, xFilesFactor, archives.length);
  const header = new Uint8Array(headerSize(archives.length));
  header.set(metadata, 0);
  const view = new DataView(header.buffer);
  let offset = header.length;
  archives.forEach(([spp, points], i) => {
    view.setUint32(METADATA_SIZE + ARCHIVE_INFO_SIZE * i, offset);
    view.setUint32(METADATA_SIZE + ARCHIVE_INFO_SIZE * i + 4, spp);
    view.setUint32(METADATA_SIZE + ARCHIVE_INFO_SIZE * i + 8, points);
    offset += points * POINT_SIZE;
  });
  return { header, fileSize: offset };
}

/** How many leading bytes decodeHeader needs, judging by the archive count in the first 16 (or 16 if unknown). */
export function headerBytesNeeded(first: Uint8Array): number {
  if (first.length < METADATA_SIZE) return METADATA_SIZE;
  const count = new DataView(first.buffer, first.byteOffset, first.byteLength).getUint32(12);
  return headerSize(count);
}

/**
 * Parses and checks a header. `bytes` holds at least the first headerBytesNeeded() bytes of the
 * file (or the whole file if shorter); `fileSize` is the file's size; `path` names it in errors.
 */
export function decodeHeader(bytes: Uint8Array, fileSize: number, path: string): Header {
  const corrupt = (why: string): never => {
    throw new CorruptWhisperFile(why, path);
  };
  if (fileSize === 0) corrupt('Unable to read header: the file is empty');
  if (bytes.length < METADATA_SIZE) corrupt(`Unable to read header: the file is only ${fileSize} bytes long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint32(0);
  const maxRetention = view.getUint32(4);
  const xFilesFactor = view.getFloat32(8);
  const count = view.getUint32(12);
  const method = aggregationMethodOf(type);
  if (method === undefined) {
    corrupt(`Unable to read header: unknown aggregation type ${type} (known: 1-${AGGREGATION_METHODS.length})`);
  }
  if (!(xFilesFactor >= 0 && xFilesFactor <= 1)) {
    corrupt(`Unable to read header: xFilesFactor ${pyStr(xFilesFactor)} is not between 0 and 1`);
  }
  if (count === 0) corrupt('Unable to read header: it lists no archives');
  const needed = headerSize(count);
  if (needed > fileSize) {
    corrupt(`Unable to read archive${Math.floor((fileSize - METADATA_SIZE) / ARCHIVE_INFO_SIZE)} metadata: the header lists ${count} archives but the file is only ${fileSize} bytes long`);
  }
  if (bytes.length < needed) throw new RangeError(`decodeHeader needs ${needed} bytes, got ${bytes.length}`);
  const archives: ArchiveInfo[] = [];
  let longest = 0;
  let previousEnd = needed;
  for (let i = 0; i < count; i++) {
    const at = METADATA_SIZE + ARCHIVE_INFO_SIZE * i;
    const offset = view.getUint32(at);
    const secondsPerPoint = view.getUint32(at + 4);
    const points = view.getUint32(at + 8);
    const size = points * POINT_SIZE;
    const where = `archive ${i} (offset ${offset}, ${secondsPerPoint}s per point, ${points} points)`;
    if (secondsPerPoint === 0 || points === 0) corrupt(`Unable to read archive${i} metadata: ${where} is empty`);
    if (i > 0 && secondsPerPoint <= archives[i - 1]!.secondsPerPoint) {
      corrupt(`Unable to read archive${i} metadata: ${where} is not coarser than archive ${i - 1}`);
    }
    if (offset < previousEnd) corrupt(`Unable to read archive${i} metadata: ${where} overlaps the header or the previous archive`);
    if (offset + size > fileSize) {
      corrupt(`Unable to read archive${i} metadata: ${where} ends at byte ${offset + size}, beyond the end of the file (${fileSize} bytes)`);
    }
    previousEnd = offset + size;
    longest = Math.max(longest, secondsPerPoint * points);
    archives.push({ offset, secondsPerPoint, points, retention: secondsPerPoint * points, size });
  }
  if (maxRetention !== longest) {
    corrupt(`Unable to read header: maxRetention is ${maxRetention} but the archives retain ${longest} seconds`);
  }
  return { aggregationMethod: method!, maxRetention, xFilesFactor, archives };
}
