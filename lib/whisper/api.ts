// whisper.py's module API, async on fs/promises FileHandles. Each call opens the file, reads and
// checks its header, runs the pure algorithm (update-core.ts / fetch-core.ts) and closes the file.
import fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { InvalidTimestamp } from './errors.js';
import { encodeMetadata, type Header } from './header.js';
import { readHeader, runAsync, type OpenedFile } from './file-async.js';
import { fetchOps, type FetchResult } from './fetch-core.js';
import { preparePoints, updateManyOps, updateOps } from './update-core.js';
import type { AggregationMethod } from './aggregation.js';

/** Python's int(time.time()). */
export function currentTime(): number {
  return Math.floor(Date.now() / 1000);
}

/** Python's int(x) on a timestamp: truncation; refuses NaN and infinities. */
export function wholeSeconds(x: number, what = 'timestamp'): number {
  const n = Number(x);
  if (!Number.isFinite(n)) throw new InvalidTimestamp(`Invalid ${what} ${String(x)}: not a finite number`);
  return Math.trunc(n);
}

async function withFile<R>(path: string, flags: 'r' | 'r+', body: (fh: FileHandle, file: OpenedFile) => Promise<R>): Promise<R> {
  const fh = await fsp.open(path, flags);
  try {
    return await body(fh, await readHeader(fh, path));
  } finally {
    await fh.close();
  }
}

/** whisper.py update(path, value, timestamp=None, now=None). */
export async function update(path: string, value: number, timestamp?: number | null, now?: number | null): Promise<void> {
  const v = Number(value);
  await withFile(path, 'r+', async (fh, file) => {
    const n = now ?? currentTime();
    const t = wholeSeconds(timestamp ?? n);
    await runAsync(fh, path, file, updateOps(file.header, v, t, n));
  });
}

/** whisper.py update_many(path, points, now=None); points are [timestamp, value] pairs. */
export async function updateMany(path: string, points: readonly (readonly [number, number])[], now?: number | null): Promise<void> {
  if (points.length === 0) return;
  for (const [t] of points) wholeSeconds(t);
  const prepared = preparePoints(points);
  await withFile(path, 'r+', async (fh, file) => {
    await runAsync(fh, path, file, updateManyOps(file.header, prepared, now ?? currentTime()));
  });
}

/**
 * whisper.py fetch(path, fromTime, untilTime=None, now=None, archiveToSelect=None): the values of
 * one archive between the two times, or null when the range lies entirely in the future or
 * entirely beyond the file's retention. `archiveToSelect` is a precision such as "1m" or 60.
 */
export async function fetch(
  path: string,
  fromTime: number,
  untilTime?: number | null,
  now?: number | null,
  archiveToSelect?: string | number | null,
): Promise<FetchResult | null> {
  return withFile(path, 'r', async (fh, file) => {
    const n = now ?? currentTime();
    const from = wholeSeconds(fromTime, 'from time');
    const until = wholeSeconds(untilTime ?? n, 'until time');
    return runAsync(fh, path, file, fetchOps(file.header, from, until, n, archiveToSelect));
  });
}

/**
 * whisper.py info(path): the header, or null when the file does not exist (whisper.py returns
 * None on any I/O error; other errors are thrown here, and a corrupt header is always an error).
 */
export async function info(path: string): Promise<Header | null> {
  try {
    return await withFile(path, 'r', async (_fh, file) => file.header);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

async function setAggregation(
  path: string,
  method: string | null,
  xFilesFactor: number | string | null,
): Promise<{ aggregationMethod: AggregationMethod; xFilesFactor: number }> {
  return withFile(path, 'r+', async (fh, { header }) => {
    const metadata = encodeMetadata(
      method ?? header.aggregationMethod,
      header.maxRetention,
      xFilesFactor ?? header.xFilesFactor,
      header.archives.length,
    );
    // The 16 metadata bytes in one write: the archive list is never touched.
    await fh.write(metadata, 0, metadata.length, 0);
    return { aggregationMethod: header.aggregationMethod, xFilesFactor: header.xFilesFactor };
  });
}

/** whisper.py setAggregationMethod(path, method, xFilesFactor=None); returns the old method. */
export async function setAggregationMethod(path: string, aggregationMethod: string, xFilesFactor?: number | string | null): Promise<AggregationMethod> {
  return (await setAggregation(path, aggregationMethod, xFilesFactor ?? null)).aggregationMethod;
}

/** whisper.py setXFilesFactor(path, xFilesFactor); returns the old value (as stored, float32). */
export async function setXFilesFactor(path: string, xFilesFactor: number | string): Promise<number> {
  return (await setAggregation(path, null, xFilesFactor)).xFilesFactor;
}
