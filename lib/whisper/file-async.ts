// The async shell: drives the pure Whisper generators over an fs/promises FileHandle.
import type { FileHandle } from 'node:fs/promises';
import { CorruptWhisperFile } from './errors.js';
import { decodeHeader, headerBytesNeeded, type Header } from './header.js';
import { BASE, READ, WRITE, type OpGenerator } from './ops.js';

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

/** Reads and checks the header of an open file. */
export async function readHeader(fh: FileHandle, path: string): Promise<OpenedFile> {
  const { size: fileSize } = await fh.stat();
  const firstLength = Math.min(fileSize, FIRST_READ);
  let bytes: Uint8Array = firstLength > 0 ? await readExactly(fh, path, 0, firstLength) : new Uint8Array(0);
  const needed = headerBytesNeeded(bytes);
  if (needed > bytes.length && needed <= fileSize) bytes = await readExactly(fh, path, 0, needed);
  const header = decodeHeader(bytes, fileSize, path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bases = header.archives.map((a) => (a.offset + 4 <= bytes.length ? view.getUint32(a.offset) : -1));
  return { header, fileSize, bases };
}

/** Runs a pure Whisper algorithm against `fh` and returns its result. */
export async function runAsync<R>(fh: FileHandle, path: string, file: OpenedFile, gen: OpGenerator<R>): Promise<R> {
  const { header, bases } = file;
  let answer: unknown = undefined;
  for (;;) {
    const step = gen.next(answer);
    if (step.done) return step.value;
    const op = step.value;
    if (op.kind === BASE) {
      let base = bases[op.archive]!;
      if (base < 0) {
        const bytes = await readExactly(fh, path, op.offset, 4);
        base = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
        bases[op.archive] = base;
      }
      answer = base;
    } else if (op.kind === READ) {
      answer = await readExactly(fh, path, op.offset, op.length);
    } else if (op.kind === WRITE) {
      const data = op.data!;
      let written = 0;
      while (written < data.length) {
        written += (await fh.write(data, written, data.length - written, op.offset + written)).bytesWritten;
      }
      // A write that starts at an archive's first slot changes that archive's base.
      for (let i = 0; i < header.archives.length; i++) {
        if (header.archives[i]!.offset === op.offset) {
          bases[i] = new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
        }
      }
      answer = undefined;
    }
  }
}
