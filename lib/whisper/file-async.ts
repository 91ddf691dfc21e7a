// The async shell: drives the pure Whisper generators over an fs/promises FileHandle.
import type { FileHandle } from 'node:fs/promises';
import { CorruptWhisperFile } from './errors.js';
import { decodeHeader, headerBytesNeeded, type Header } from './header.js';
import { BASE, READ, WRITE, getUint32, type OpGenerator } from './ops.js';
import { WriteBuffer } from './write-buffer.js';

/** First read of a file: enough for the header of any usual file and archive 0's first slot. */
const FIRST_READ = 4096;

export interface OpenedFile {
  header: Header;
  fileSize: number;
  /** Archive base timestamps known so far (from the first read), -1 where unknown. */
  bases: number[];
}

async function readExactly(fh: FileHandle, path: string, offset: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buffer, got, length - got, offset + got);
    if (bytesRead === 0) {
      throw new CorruptWhisperFile(`Unable to read ${length} bytes at offset ${offset}: the file ends at byte ${offset + got}`, path);
    }
    got += bytesRead;
  }
  return buffer;
}

/** Reads and checks the header of an open file (size and first bytes read concurrently). */
export async function readHeader(fh: FileHandle, path: string): Promise<OpenedFile> {
  const first = Buffer.alloc(FIRST_READ);
  const [{ size: fileSize }, { bytesRead }] = await Promise.all([fh.stat(), fh.read(first, 0, FIRST_READ, 0)]);
  let bytes: Uint8Array = first.subarray(0, Math.min(bytesRead, fileSize));
  const needed = headerBytesNeeded(bytes);
  if (needed > bytes.length && needed <= fileSize) bytes = await readExactly(fh, path, 0, needed);
  const header = decodeHeader(bytes, fileSize, path);
  const bases = header.archives.map((a) => (a.offset + 4 <= bytes.length ? getUint32(bytes, a.offset) : -1));
  return { header, fileSize, bases };
}

/**
 * Runs a pure Whisper algorithm against `fh` and returns its result. The operation's writes are
 * collected and written at its end, adjacent slots together (see write-buffer.ts); if the
 * operation fails nothing is written.
 */
export async function runAsync<R>(fh: FileHandle, path: string, file: OpenedFile, gen: OpGenerator<R>): Promise<R> {
  const { header, bases } = file;
  const pending = new WriteBuffer();
  let answer: unknown = undefined;
  for (;;) {
    const step = gen.next(answer);
    if (step.done) {
      await Promise.all(pending.drain().map((run) => writeAll(fh, run.data, run.offset)));
      return step.value;
    }
    const op = step.value;
    if (op.kind === BASE) {
      let base = bases[op.archive]!;
      if (base < 0) {
        base = getUint32(await readExactly(fh, path, op.offset, 4), 0);
        bases[op.archive] = base;
      }
      answer = base;
    } else if (op.kind === READ) {
      const [first, second] = await Promise.all([
        readExactly(fh, path, op.offset, op.length),
        op.length2 > 0 ? readExactly(fh, path, op.offset2, op.length2) : null,
      ]);
      pending.overlay(op.offset, first);
      if (second === null) answer = first;
      else {
        pending.overlay(op.offset2, second);
        const joined = new Uint8Array(first.length + second.length);
        joined.set(first, 0);
        joined.set(second, first.length);
        answer = joined;
      }
    } else if (op.kind === WRITE) {
      const data = op.data!;
      pending.add(op.offset, data);
      // A write that starts at an archive's first slot changes that archive's base.
      for (let i = 0; i < header.archives.length; i++) {
        if (header.archives[i]!.offset === op.offset) bases[i] = getUint32(data, 0);
      }
      answer = undefined;
    }
  }
}

async function writeAll(fh: FileHandle, data: Uint8Array, offset: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    written += (await fh.write(data, written, data.length - written, offset + written)).bytesWritten;
  }
}
