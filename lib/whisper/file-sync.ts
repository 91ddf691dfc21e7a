// The sync shell: drives the pure Whisper generators with positioned sync I/O on a file
// descriptor. The store writer's worker uses it with headers and archive bases cached across
// calls (the cache stays right because every write goes through here and updates it).
import fs from 'node:fs';
import { CorruptWhisperFile } from './errors.js';
import { decodeHeader, headerBytesNeeded, type Header } from './header.js';
import { BASE, READ, WRITE, type OpGenerator } from './ops.js';

const FIRST_READ = 4096;

/** A file's parsed header plus what is known of its archives' base timestamps (-1: unknown). */
export interface FileState {
  header: Header;
  fileSize: number;
  bases: number[];
}

function readExactlySync(fd: number, path: string, offset: number, length: number): Uint8Array {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buffer, got, length - got, offset + got);
    if (n === 0) {
      throw new CorruptWhisperFile(`Unable to read ${length} bytes at offset ${offset}: the file ends at byte ${offset + got}`, path);
    }
    got += n;
  }
  return buffer;
}

/** Reads and checks the header of an open file (one read for usual files). */
export function readHeaderSync(fd: number, path: string, fileSize = fs.fstatSync(fd).size): FileState {
  const firstLength = Math.min(fileSize, FIRST_READ);
  let bytes: Uint8Array = firstLength > 0 ? readExactlySync(fd, path, 0, firstLength) : new Uint8Array(0);
  const needed = headerBytesNeeded(bytes);
  if (needed > bytes.length && needed <= fileSize) bytes = readExactlySync(fd, path, 0, needed);
  const header = decodeHeader(bytes, fileSize, path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bases = header.archives.map((a) => (a.offset + 4 <= bytes.length ? view.getUint32(a.offset) : -1));
  return { header, fileSize, bases };
}

/** Runs a pure Whisper algorithm against `fd`, using and updating `state.bases`. */
export function runSync<R>(fd: number, path: string, state: FileState, gen: OpGenerator<R>): R {
  const { header, bases } = state;
  const archives = header.archives;
  let answer: unknown = undefined;
  for (;;) {
    const step = gen.next(answer);
    if (step.done) return step.value;
    const op = step.value;
    if (op.kind === BASE) {
      let base = bases[op.archive]!;
      if (base < 0) {
        const bytes = readExactlySync(fd, path, op.offset, 4);
        base = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
        bases[op.archive] = base;
      }
      answer = base;
    } else if (op.kind === READ) {
      answer = readExactlySync(fd, path, op.offset, op.length);
    } else if (op.kind === WRITE) {
      const data = op.data!;
      let written = 0;
      while (written < data.length) {
        written += fs.writeSync(fd, data, written, data.length - written, op.offset + written);
      }
      for (let i = 0; i < archives.length; i++) {
        if (archives[i]!.offset === op.offset) {
          bases[i] = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
        }
      }
      answer = undefined;
    }
  }
}
