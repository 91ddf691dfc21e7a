// Reading rotated `.gz` trace logs as a stream (zlib, no temporary files, bounded memory).

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

async function* decompressed(path: string): AsyncGenerator<Buffer> {
  const source = createReadStream(path);
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/** The first `n` decompressed bytes (latin1), fewer when the content is shorter. Throws on a bad file. */
export async function gzHead(path: string, n: number): Promise<string> {
  let head = '';
  for await (const chunk of decompressed(path)) {
    head += chunk.toString('latin1', 0, Math.min(chunk.length, n - head.length));
    if (head.length >= n) break;
  }
  return head;
}

/**
 * Streams the decompressed content after its first `skip` bytes to `onData`, one chunk at a time;
 * the caller's state is consistent between chunks. Resolves with the total decompressed size;
 * rejects on a truncated or corrupt file (e.g. still being compressed).
 */
export async function gzStream(path: string, skip: number, onData: (data: Uint8Array) => void): Promise<number> {
  let offset = 0;
  for await (const chunk of decompressed(path)) {
    const end = offset + chunk.length;
    if (end > skip) onData(chunk.subarray(Math.max(0, skip - offset)));
    offset = end;
  }
  return offset;
}
