// whisper.py's module API: update, update_many, fetch, info, setAggregationMethod,
// setXFilesFactor. Each call opens the file, reads and checks its header, runs the pure
// algorithm (update-core.ts / fetch-core.ts) and closes the file.
//
// Two flavours. The async functions open and close the file with fs/promises FileHandles, so a
// slow open (network file systems) never blocks; the positioned reads and writes in between are
// synchronous on the handle's fd, because for these small page-cache reads and writes a libuv
// thread-pool round trip costs tens of times more than the syscall itself (measured: ~60 µs of
// CPU per hop against a few µs per pread on the reference machine). The *Sync functions do
// everything synchronously: the fastest way for a worker thread or a short-lived CLI.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { InvalidTimestamp } from './errors.js';
import { encodeMetadata, type Header } from './header.js';
import { FdIO, readHeaderSync, runSync, type FileState } from './file-sync.js';
import type { FetchResult } from './fetch-core.js';
import { fetchOpen, learntBases, readHeaderFd } from './fetch-fd.js';
import { fastEligible, fastUpdateMany } from './fast-update.js';
import { BASE, layoutOf } from './layout.js';
import { preparePoints, updateManyOps, updateOps, type Point } from './update-core.js';
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

type Body<R> = (fd: number, state: FileState) => R;

async function withFile<R>(path: string, flags: 'r' | 'r+', body: Body<R>): Promise<R> {
  const fh = await fsp.open(path, flags);
  try {
    return body(fh.fd, readHeaderSync(fh.fd, path));
  } finally {
    await fh.close();
  }
}

function withFileSync<R>(path: string, flags: 'r' | 'r+', body: Body<R>): R {
  const fd = fs.openSync(path, flags);
  try {
    return body(fd, readHeaderSync(fd, path));
  } finally {
    fs.closeSync(fd);
  }
}

// The operations, independent of how the file was opened.

// One update's scratch: the points in whisper.py's commit order and the fast path's file state.
let times = new Float64Array(64);
let values = new Float64Array(64);
let mem = new Float64Array(64);
const io = new FdIO(-1, '');

/** Copies points into times/values oldest first, as whisper.py commits them (see preparePoints). */
function commitOrder(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (times.length < n) {
    times = new Float64Array(n);
    values = new Float64Array(n);
  }
  let ascending = true;
  for (let i = 0; i < n; i++) {
    const t = Math.trunc(points[i]![0]);
    times[i] = t;
    values[i] = +points[i]![1];
    if (i > 0 && !(t > times[i - 1]!)) ascending = false;
  }
  if (!ascending) {
    const prepared = preparePoints(points); // newest first, stable
    for (let i = 0; i < n; i++) {
      times[i] = prepared[n - 1 - i]![0];
      values[i] = prepared[n - 1 - i]![1];
    }
  }
  return n;
}

/** The fast path (fast-update.ts) when the points allow it; false when they do not. */
function fastBody(fd: number, path: string, state: FileState, n: number, now: number): boolean {
  const layout = layoutOf(state.header);
  if (!fastEligible(layout, times, n, now)) return false;
  if (mem.length < layout.size) mem = new Float64Array(layout.size * 2);
  layout.reset(mem, 0);
  // readHeaderSync saw the finest archive's first slot when it was within its first read.
  mem[layout.block[0]! + BASE] = state.bases[0]!;
  io.fd = fd;
  io.path = path;
  fastUpdateMany(layout, mem, 0, io, times, values, n, layout.count);
  return true;
}

function updateBody(path: string, value: number, timestamp?: number | null, now?: number | null): Body<void> {
  const v = Number(value);
  return (fd, state) => {
    const n = now ?? currentTime();
    const t = wholeSeconds(timestamp ?? n);
    const age = n - t;
    // update() refuses future points and points as old as maxRetention; within the finest
    // archive's retention it writes what update_many would.
    if (age >= 0 && age < state.header.maxRetention) {
      times[0] = t;
      values[0] = v;
      if (fastBody(fd, path, state, 1, n)) return;
    }
    runSync(fd, path, state, updateOps(state.header, v, t, n));
  };
}

function updateManyBody(path: string, points: readonly (readonly [number, number])[], now?: number | null): Body<void> {
  for (const [t] of points) wholeSeconds(t);
  return (fd, state) => {
    const n = now ?? currentTime();
    const count = commitOrder(points);
    if (fastBody(fd, path, state, count, n)) return;
    const prepared: Point[] = new Array(count);
    for (let i = 0; i < count; i++) prepared[i] = [times[count - 1 - i]!, values[count - 1 - i]!];
    runSync(fd, path, state, updateManyOps(state.header, prepared, n));
  };
}

/** whisper.py's fetch on an open descriptor (see fetch-fd.ts). */
function fetchFd(fd: number, path: string, fromTime: number, untilTime?: number | null, now?: number | null, archiveToSelect?: string | number | null): FetchResult | null {
  const st = fs.fstatSync(fd);
  const { header, bases } = readHeaderFd(fd, path, st.size); // first, as file_fetch does: a corrupt file is the error
  const n = now ?? currentTime();
  const from = wholeSeconds(fromTime, 'from time');
  const until = wholeSeconds(untilTime ?? n, 'until time');
  return fetchOpen({ fd, path, header, bases: learntBases(path, st.ino, st.size, bases) }, from, until, n, archiveToSelect);
}

function setAggregationBody(method: string | null, xFilesFactor: number | string | null): Body<{ aggregationMethod: AggregationMethod; xFilesFactor: number }> {
  return (fd, { header }) => {
    const metadata = encodeMetadata(method ?? header.aggregationMethod, header.maxRetention, xFilesFactor ?? header.xFilesFactor, header.archives.length);
    // The 16 metadata bytes in one write: the archive list is never touched.
    fs.writeSync(fd, metadata, 0, metadata.length, 0);
    return { aggregationMethod: header.aggregationMethod, xFilesFactor: header.xFilesFactor };
  };
}

function missingIsNull(err: unknown): null {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return null;
  throw err;
}

/** whisper.py update(path, value, timestamp=None, now=None). */
export async function update(path: string, value: number, timestamp?: number | null, now?: number | null): Promise<void> {
  return withFile(path, 'r+', updateBody(path, value, timestamp, now));
}

/** whisper.py update_many(path, points, now=None); points are [timestamp, value] pairs. */
export async function updateMany(path: string, points: readonly (readonly [number, number])[], now?: number | null): Promise<void> {
  if (points.length === 0) return;
  return withFile(path, 'r+', updateManyBody(path, points, now));
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
  const fh = await fsp.open(path, 'r');
  try {
    return fetchFd(fh.fd, path, fromTime, untilTime, now, archiveToSelect);
  } finally {
    await fh.close();
  }
}

/**
 * whisper.py info(path): the header, or null when the file does not exist (whisper.py returns
 * None on any I/O error; other errors are thrown here, and a corrupt header is always an error).
 */
export async function info(path: string): Promise<Header | null> {
  return withFile(path, 'r', (_fd, state) => state.header).catch(missingIsNull);
}

/** whisper.py setAggregationMethod(path, method, xFilesFactor=None); returns the old method. */
export async function setAggregationMethod(path: string, aggregationMethod: string, xFilesFactor?: number | string | null): Promise<AggregationMethod> {
  return (await withFile(path, 'r+', setAggregationBody(aggregationMethod, xFilesFactor ?? null))).aggregationMethod;
}

/** whisper.py setXFilesFactor(path, xFilesFactor); returns the old value (as stored, float32). */
export async function setXFilesFactor(path: string, xFilesFactor: number | string): Promise<number> {
  return (await withFile(path, 'r+', setAggregationBody(null, xFilesFactor))).xFilesFactor;
}

/** update(), synchronously. */
export function updateSync(path: string, value: number, timestamp?: number | null, now?: number | null): void {
  withFileSync(path, 'r+', updateBody(path, value, timestamp, now));
}

/** updateMany(), synchronously. */
export function updateManySync(path: string, points: readonly (readonly [number, number])[], now?: number | null): void {
  if (points.length === 0) return;
  withFileSync(path, 'r+', updateManyBody(path, points, now));
}

/** fetch(), synchronously. */
export function fetchSync(
  path: string,
  fromTime: number,
  untilTime?: number | null,
  now?: number | null,
  archiveToSelect?: string | number | null,
): FetchResult | null {
  const fd = fs.openSync(path, 'r');
  try {
    return fetchFd(fd, path, fromTime, untilTime, now, archiveToSelect);
  } finally {
    fs.closeSync(fd);
  }
}

/** info(), synchronously. */
export function infoSync(path: string): Header | null {
  try {
    return withFileSync(path, 'r', (_fd, state) => state.header);
  } catch (err) {
    return missingIsNull(err);
  }
}

/** The header and size of a file (what whisper-info prints); throws ENOENT when it does not exist. */
export async function headerAndSize(path: string): Promise<{ header: Header; fileSize: number }> {
  return withFile(path, 'r', (_fd, state) => ({ header: state.header, fileSize: state.fileSize }));
}
