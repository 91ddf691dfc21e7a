// The sync shell: drives the pure Whisper generators with positioned sync I/O on a file
// descriptor, given the file's parsed header and each archive's base timestamp (kept up to date
// as the operation writes them). The store writer keeps what it knows of a file across calls in
// the fast path's runs instead (lib/store/file-cache.ts); this is the general path.
import fs from 'node:fs';
import { CorruptWhisperFile } from './errors.js';
import { decodeHeader, headerBytesNeeded, type Header } from './header.js';
import { BASE, READ, WRITE, type OpGenerator } from './ops.js';
import { WriteBuffer } from './write-buffer.js';
import type { SlotIO } from './fast-update.js';

/** SlotIO on a file descriptor: synchronous positioned reads and writes. */
export class FdIO implements SlotIO {
  constructor(
    public fd: number,
    public path: string,
  ) {}

  read(offset: number, length: number, into: Uint8Array, at: number): void {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, into, at + got, length - got, offset + got);
      if (n === 0) {
        throw new CorruptWhisperFile(`Unable to read ${length} bytes at offset ${offset}: the file ends at byte ${offset + got}`, this.path);
      }
      got += n;
    }
  }

  write(offset: number, from: Uint8Array, at: number, length: number): void {
    let done = 0;
    while (done < length) done += fs.writeSync(this.fd, from, at + done, length - done, offset + done);
  }
}

const FIRST_READ = 4096;

/** Bytes known to be on disk at [start, start + bytes.length). */
interface Window {
  start: number;
  bytes: Uint8Array;
}

/** A file's parsed header plus the archives' base timestamps. */
export interface FileState {
  header: Header;
  fileSize: number;
  /** Base timestamp of each archive (uint32 in its first slot), -1 while unknown. */
  bases: number[];
}

/** Fills buffer[at, at + length) from the file at `offset`; a file that ends first is corrupt. */
export function readFullySync(fd: number, path: string, buffer: Uint8Array, at: number, length: number, offset: number): void {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buffer, at + got, length - got, offset + got);
    if (n === 0) {
      throw new CorruptWhisperFile(`Unable to read ${length} bytes at offset ${offset}: the file ends at byte ${offset + got}`, path);
    }
    got += n;
  }
}

function readExactlySync(fd: number, path: string, offset: number, length: number): Uint8Array {
  // A plain Uint8Array, not a Buffer: Buffer#slice() makes views, and the slices handed to an
  // operation must be small copies that do not keep a read-ahead buffer alive.
  const buffer = new Uint8Array(length);
  readFullySync(fd, path, buffer, 0, length, offset);
  return buffer;
}

/** Where headers are read (decodeHeader keeps nothing of the bytes): no buffer per file opened. */
let headerBytes = new Uint8Array(FIRST_READ);

function uint32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Reads and checks the header of an open file (one read for usual files). */
export function readHeaderSync(fd: number, path: string, fileSize = fs.fstatSync(fd).size): FileState {
  let length = Math.min(fileSize, FIRST_READ);
  if (length > 0) readFullySync(fd, path, headerBytes, 0, length, 0);
  const needed = headerBytesNeeded(headerBytes.subarray(0, length));
  if (needed > length && needed <= fileSize) {
    if (headerBytes.length < needed) headerBytes = new Uint8Array(needed);
    readFullySync(fd, path, headerBytes, 0, (length = needed), 0);
  }
  const bytes = headerBytes.subarray(0, length);
  const header = decodeHeader(bytes, fileSize, path);
  const bases = header.archives.map((a) => (a.offset + 4 <= bytes.length ? uint32At(bytes, a.offset) : -1));
  return { header, fileSize, bases };
}

function archiveAt(header: Header, offset: number): number {
  const archives = header.archives;
  for (let i = archives.length - 1; i >= 0; i--) if (offset >= archives[i]!.offset) return i;
  return 0;
}

/** From an operation's second read on, small reads fetch this much of the archive at once. */
const READ_AHEAD = 4096;

/** What one operation has read ahead and not yet written. */
interface OpContext {
  pending: WriteBuffer;
  /** Reads from disk so far; only the second and later read ahead (a one-point update needs no more). */
  diskReads: number;
  /** Per archive, bytes read ahead during this operation (kept up to date with its writes); null until the first read. */
  ahead: (Window | null)[] | null;
}

function patchWindow(w: Window | null, offset: number, data: Uint8Array): void {
  if (w === null) return;
  // Copy the overlap of the written bytes and the window into the window (a plain loop: a
  // subarray() per write costs more than copying a few slots).
  const from = Math.max(offset, w.start);
  const to = Math.min(offset + data.length, w.start + w.bytes.length);
  const bytes = w.bytes;
  for (let at = from; at < to; at++) bytes[at - w.start] = data[at - offset]!;
}

/**
 * Runs a pure Whisper algorithm against `fd`, using and updating `state`. The operation's writes
 * are collected and written at its end, adjacent slots together (see write-buffer.ts); if the
 * operation fails nothing is written. Small reads read ahead within the archive, so the buckets
 * a batch propagates cost one read, not one each.
 */
export function runSync<R>(fd: number, path: string, state: FileState, gen: OpGenerator<R>): R {
  const { header, bases } = state;
  const archives = header.archives;
  const ctx: OpContext = { pending: new WriteBuffer(), diskReads: 0, ahead: null };
  let answer: unknown = undefined;
  for (;;) {
    const step = gen.next(answer);
    if (step.done) {
      for (const run of ctx.pending.drain()) writeAllSync(fd, run.data, run.offset);
      return step.value;
    }
    const op = step.value;
    if (op.kind === BASE) {
      let base = bases[op.archive]!;
      if (base < 0) {
        base = uint32At(readExactlySync(fd, path, op.offset, 4), 0);
        bases[op.archive] = base;
      }
      answer = base;
    } else if (op.kind === READ) {
      const first = readRange(fd, path, state, ctx, op.offset, op.length);
      if (op.length2 === 0) answer = first;
      else {
        const second = readRange(fd, path, state, ctx, op.offset2, op.length2);
        const joined = new Uint8Array(first.length + second.length);
        joined.set(first, 0);
        joined.set(second, first.length);
        answer = joined;
      }
    } else if (op.kind === WRITE) {
      const data = op.data!;
      ctx.pending.add(op.offset, data);
      for (let i = 0; i < archives.length; i++) {
        if (archives[i]!.offset === op.offset) bases[i] = uint32At(data, 0);
      }
      if (ctx.ahead !== null) patchWindow(ctx.ahead[archiveAt(header, op.offset)]!, op.offset, data);
      answer = undefined;
    }
  }
}

function within(w: Window | null, offset: number, end: number): w is Window {
  return w !== null && offset >= w.start && end <= w.start + w.bytes.length;
}

/** `length` bytes at `offset` as the operation sees them: from what it read ahead, or from disk (plus its pending writes). */
function readRange(fd: number, path: string, state: FileState, ctx: OpContext, offset: number, length: number): Uint8Array {
  const index = archiveAt(state.header, offset);
  const end = offset + length;
  if (ctx.ahead === null) ctx.ahead = state.header.archives.map(() => null);
  let ahead = ctx.ahead[index]!;
  if (!within(ahead, offset, end)) {
    const archive = state.header.archives[index]!;
    const readEnd = length >= READ_AHEAD || ctx.diskReads++ === 0 ? end : Math.min(archive.offset + archive.size, offset + READ_AHEAD);
    const bytes = readExactlySync(fd, path, offset, readEnd - offset);
    ctx.pending.overlay(offset, bytes);
    ahead = { start: offset, bytes };
    ctx.ahead[index] = ahead;
  }
  return ahead.bytes.slice(offset - ahead.start, end - ahead.start);
}

function writeAllSync(fd: number, data: Uint8Array, offset: number): void {
  let written = 0;
  while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written, offset + written);
}
