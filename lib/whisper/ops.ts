// The I/O protocol between the pure Whisper algorithms and the file shells.
//
// update and update_many are written as generators that never touch a file: they yield
// what they need (read these bytes, write these bytes, tell me this archive's base timestamp) and
// get the answer back from whichever shell drives them: the async FileHandle shell (the public
// API) or the sync fd shell (the store writer's worker, with cached headers and bases). The same
// code therefore decides every byte, whatever does the I/O.
import { InvalidTimestamp } from './errors.js';
import { POINT_SIZE, type ArchiveInfo } from './header.js';

export const READ = 0;
export const WRITE = 1;
export const BASE = 2;

/**
 * One I/O request. READ answers with a Uint8Array of exactly `length` bytes at `offset`, followed
 * by `length2` bytes at `offset2` when `length2` > 0 (a read that wraps around an archive's end);
 * WRITE writes `data` at `offset` and answers nothing; BASE answers with the uint32 timestamp
 * stored in the first slot of archive number `archive` (0 means the archive is empty).
 */
export interface Op {
  kind: typeof READ | typeof WRITE | typeof BASE;
  offset: number;
  length: number;
  offset2: number;
  length2: number;
  data: Uint8Array | null;
  archive: number;
}

/** A pure Whisper algorithm: yields Ops, receives their answers, returns R. */
export type OpGenerator<R> = Generator<Op, R, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function readOp(offset: number, length: number, offset2 = 0, length2 = 0): Op {
  return { kind: READ, offset, length, offset2, length2, data: null, archive: -1 };
}

export function writeOp(offset: number, data: Uint8Array): Op {
  return { kind: WRITE, offset, length: data.length, offset2: 0, length2: 0, data, archive: -1 };
}

export function baseOp(archive: number, info: ArchiveInfo): Op {
  return { kind: BASE, offset: info.offset, length: 4, offset2: 0, length2: 0, data: null, archive };
}

/** Python's floor modulo for a positive divisor (JS % keeps the dividend's sign). */
export function pyMod(a: number, b: number): number {
  const m = a % b;
  return m < 0 ? m + b : m;
}

/** Python's // for a positive divisor. */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Byte offset of `interval`'s slot in `archive`, given the archive's base timestamp (non-zero). */
export function slotOffset(archive: ArchiveInfo, base: number, interval: number): number {
  return archive.offset + pyMod(floorDiv(interval - base, archive.secondsPerPoint) * POINT_SIZE, archive.size);
}

const UINT32_LIMIT = 2 ** 32;

/** Refuses an interval the format cannot store (whisper.py would die in struct.pack). */
export function checkInterval(interval: number): void {
  if (!(interval >= 0 && interval < UINT32_LIMIT)) {
    throw new InvalidTimestamp(`Timestamp ${interval} cannot be stored: Whisper timestamps are unsigned 32-bit (0 to ${UINT32_LIMIT - 1})`);
  }
}

// Big-endian field access without a DataView per call (this is the hot path of every update):
// doubles go through one shared 8-byte scratch, reversed on little-endian hosts.
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function getUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

export function setUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

export function getFloat64(bytes: Uint8Array, at: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) scratchBytes[7 - i] = bytes[at + i]!;
  else for (let i = 0; i < 8; i++) scratchBytes[i] = bytes[at + i]!;
  return scratch[0]!;
}

export function setFloat64(bytes: Uint8Array, at: number, value: number): void {
  scratch[0] = value;
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) bytes[at + i] = scratchBytes[7 - i]!;
  else for (let i = 0; i < 8; i++) bytes[at + i] = scratchBytes[i]!;
}

/** Packs one point as whisper.py's "!Ld": uint32 timestamp, float64 value, big-endian. */
export function packPoint(timestamp: number, value: number): Uint8Array {
  const bytes = new Uint8Array(POINT_SIZE);
  setUint32(bytes, 0, timestamp);
  setFloat64(bytes, 4, value);
  return bytes;
}


/**
 * The writes that put `bytes` (whole points) into the ring of `archive` from byte `offset` on,
 * wrapping at the archive's end. whisper.py writes the part beyond the end at the archive's start;
 * if even that part is longer than the archive (possible only with future points) it would run
 * into the next archive or past the end of the file. Here later points simply overwrite earlier
 * ones in the ring, which gives the same bytes whenever whisper.py stays inside the archive.
 */
export function ringWrites(archive: ArchiveInfo, offset: number, bytes: Uint8Array): Op[] {
  let start = offset;
  let data = bytes;
  if (data.length > archive.size) {
    const skip = data.length - archive.size;
    start = archive.offset + ((start - archive.offset + skip) % archive.size);
    data = data.subarray(skip);
  }
  const end = archive.offset + archive.size;
  if (start + data.length <= end) return [writeOp(start, data)];
  const first = end - start;
  return [writeOp(start, data.subarray(0, first)), writeOp(archive.offset, data.subarray(first))];
}

/**
 * The read of the slots of `archive` from byte `from` up to byte `until`, as whisper.py reads
 * them: one range when from < until, else wrapping at the archive's end (from == until reads the
 * whole ring, starting at `from`).
 */
export function readBetween(archive: ArchiveInfo, from: number, until: number): Op {
  if (from < until) return readOp(from, until - from);
  const end = archive.offset + archive.size;
  return readOp(from, end - from, archive.offset, until - archive.offset);
}
