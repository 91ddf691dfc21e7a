// The file work behind WhisperWriter: for a batch of points, one update_many per metric file,
// creating missing files with the archives the storage rules select. Synchronous positioned I/O
// with the pure Whisper core (lib/whisper), run in a worker thread (write-worker.ts) or, for
// small setups and tests, in the calling thread.
//
// Kept between batches, per metric: the file path, the parsed header, the archives' base
// timestamps and the slots propagation last read (see lib/whisper/file-sync.ts), plus an open fd
// for as many files as the fd budget allows. Files kept open are written by the fast path
// (file-cache.ts); the others, and points it cannot take, by the general one. Another process changing a file (whisper-resize
// swaps in a new inode, set-aggregation rewrites the metadata) is noticed within
// `revalidateMs`: the path is stat()ed and the metadata re-read, and the cached state dropped.
import fs from 'node:fs';
import path from 'node:path';
import { metricPath } from './paths.js';
import { FileMaker } from './create-files.js';
import type { StorageRules } from '../config/storage-rules.js';
import { emptyWindows, flushDeferred, readHeaderSync, runSync, type FileState } from '../whisper/file-sync.js';
import { METADATA_SIZE, encodeMetadata } from '../whisper/header.js';
import { CorruptWhisperFile, WhisperException } from '../whisper/errors.js';
import { preparePoints, updateManyOps, type Point } from '../whisper/update-core.js';
import { FastRuns, fastWrite, forgetContents, holdsWrites, writeHeld, type FastRun } from './file-cache.js';

export interface StoreFilesOptions {
  dataDir: string;
  rules: StorageRules;
  /** Open file descriptors kept between batches (default 4096; WhisperWriter derives it from the process limit). */
  maxOpenFiles?: number;
  /** Create new files sparse (default true: the same bytes, disk used as archives fill). */
  sparse?: boolean;
  /** fsync new files before linking them into place (default false). */
  durable?: boolean;
  /** How often a cached file is checked for changes by other programs (default 60 s, ±50 % jitter). */
  revalidateMs?: number;
  /**
   * How long writes to the coarser archives may be held back (default 60 s; 0 writes everything
   * at once). Their current bucket is rewritten at every flush; holding the writes back saves
   * most syscalls of a flush. The finest archive is always written at once, and everything is
   * written by close().
   */
  deferMs?: number;
  /** Milliseconds clock (tests). */
  clock?: () => number;
}

/** What one batch did. */
export interface FilesReport {
  /** Files updated (or attempted). */
  files: number;
  /** Metric names whose file was created by this batch. */
  created: string[];
  /** [name, message] for every metric that could not be written. */
  errors: [string, string][];
}

interface Entry {
  path: string;
  state: FileState | null;
  fd: number;
  ino: number;
  size: number;
  metadata: Uint8Array | null;
  checkAt: number;
  lastBatch: number;
  /** The fast path's state while the fd is kept open (see file-cache.ts). */
  fast: FastRun | null;
}

function pointAt(timestamps: ArrayLike<number>, values: ArrayLike<number>, i: number): Point {
  const ts = timestamps[i]!;
  if (!Number.isFinite(ts)) throw new Error(`timestamp ${ts} is not a finite number`);
  return [ts, values[i]!];
}

function metadataOf({ header }: FileState): Uint8Array {
  return encodeMetadata(header.aggregationMethod, header.maxRetention, header.xFilesFactor, header.archives.length);
}

/** How often (in batches) cached state of metrics that stopped coming is dropped, and after how many idle batches. */
const SWEEP_EVERY = 256;
const FORGET_AFTER = 1024;

/** Idle this many batches, a cached fd may be given to another file. */
const IDLE_BATCHES = 8;

export class StoreFiles {
  private readonly dataDir: string;
  private readonly maker: FileMaker;
  private readonly maxOpen: number;
  private readonly revalidateMs: number;
  private readonly deferMs: number;
  /** First archive whose fast-path writes are held back (none with deferMs 0). */
  private readonly holdFrom: number;
  private readonly runs = new FastRuns();
  private readonly clock: () => number;
  /** Metrics with held-back writes → when they must be written. */
  private readonly dirty = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();
  /** Entries holding an open fd, least recently used first. */
  private readonly open = new Map<string, Entry>();
  private batch = 0;

  constructor(options: StoreFilesOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.maker = new FileMaker(options.rules, options.sparse ?? true, options.durable ?? false);
    this.maxOpen = Math.max(0, options.maxOpenFiles ?? 4096);
    this.revalidateMs = options.revalidateMs ?? 60_000;
    this.deferMs = Math.max(0, options.deferMs ?? 60_000);
    this.holdFrom = this.deferMs > 0 ? 1 : Infinity;
    this.clock = options.clock ?? Date.now;
  }

  /** New storage rules (SIGHUP): only files created from now on use them. */
  setRules(rules: StorageRules): void {
    this.maker.setRules(rules);
  }

  /**
   * Writes points (names[i], timestamps[i], values[i]); `now` in unix seconds decides which archive
   * takes each point, as whisper.py's update_many(now=...). Points of one name keep their order
   * (for equal timestamps the first one wins, as in whisper.py).
   */
  writeBatch(names: readonly string[], timestamps: ArrayLike<number>, values: ArrayLike<number>, now: number): FilesReport {
    this.batch++;
    const report: FilesReport = { files: 0, created: [], errors: [] };
    const groups = new Map<string, number | number[]>();
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const g = groups.get(name);
      if (g === undefined) groups.set(name, i);
      else if (typeof g === 'number') groups.set(name, [g, i]);
      else g.push(i);
    }
    for (const [name, g] of groups) {
      report.files++;
      try {
        let points: Point[];
        if (typeof g === 'number') points = [pointAt(timestamps, values, g)];
        else {
          points = new Array(g.length);
          for (let k = 0; k < g.length; k++) points[k] = pointAt(timestamps, values, g[k]!);
        }
        this.writeOne(name, preparePoints(points), now, report);
      } catch (err) {
        report.errors.push([name, (err as Error).message]);
      }
    }
    this.flushDue(this.clock(), report);
    if (this.batch % SWEEP_EVERY === 0) this.forgetIdle(report);
    return report;
  }

  /** Drops what is cached about metrics not written for FORGET_AFTER batches (names come and go). */
  private forgetIdle(report: FilesReport): void {
    for (const [name, entry] of this.entries) {
      if (this.batch - entry.lastBatch < FORGET_AFTER) continue;
      try {
        this.flushEntry(name, entry);
      } catch (err) {
        report.errors.push([name, `writing held-back points: ${(err as Error).message}`]);
      }
      this.closeFd(name, entry);
      this.entries.delete(name);
    }
  }

  /** Writes the held-back slots of every metric whose deadline is `until` or earlier. */
  private flushDue(until: number, report: FilesReport | null): void {
    for (const [name, deadline] of this.dirty) {
      if (deadline > until) continue;
      try {
        this.flushEntry(name, this.entries.get(name)!);
      } catch (err) {
        report?.errors.push([name, `writing held-back points: ${(err as Error).message}`]);
      }
    }
  }

  /** Writes an entry's held-back slots, reopening its file if needed. */
  private flushEntry(name: string, entry: Entry): void {
    this.dirty.delete(name);
    if (entry.fd >= 0) return this.writeBack(entry.fd, entry);
    const state = entry.state;
    if (state === null || state.deferred === null || state.deferred.size === 0) return;
    const fd = fs.openSync(entry.path, 'r+');
    try {
      const st = fs.fstatSync(fd);
      // The file was replaced meanwhile: the held-back slots belonged to the old one.
      if (st.ino === entry.ino && st.size === entry.size) flushDeferred(fd, state);
      else state.deferred.drain();
    } finally {
      fs.closeSync(fd);
    }
  }

  private writeOne(name: string, points: Point[], now: number, report: FilesReport): void {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      entry = { path: metricPath(this.dataDir, name), state: null, fd: -1, ino: -1, size: -1, metadata: null, checkAt: 0, lastBatch: 0, fast: null };
      this.entries.set(name, entry);
    }
    entry.lastBatch = this.batch;
    let fd = entry.fd;
    let transient = false;
    try {
      if (fd >= 0) {
        this.open.delete(name);
        this.open.set(name, entry); // most recently used
        if (this.clock() >= entry.checkAt) fd = this.revalidate(name, entry);
      }
      if (fd < 0) {
        fd = this.openFile(name, entry, report);
        transient = !this.keepOpen(name, entry, fd);
      }
      const state = entry.state!;
      const fast = entry.fast;
      if (fast !== null) fastWrite(fast, fd, entry.path, points, now, this.holdFrom);
      else runSync(fd, entry.path, state, updateManyOps(state.header, points, now));
      if (fast !== null ? holdsWrites(fast) : state.deferred !== null && state.deferred.size > 0) {
        const deadline = this.dirty.get(name);
        if (deadline === undefined) this.dirty.set(name, this.clock() + this.deferMs);
        else if (this.clock() >= deadline) {
          this.writeBack(fd, entry);
          this.dirty.delete(name);
        }
      }
    } catch (err) {
      if (transient) fs.closeSync(fd);
      transient = false;
      // A refused point (e.g. a timestamp that cannot be stored) says nothing about the file;
      // anything else (I/O error, corrupt file) means what we cached cannot be trusted.
      if (!(err instanceof WhisperException) || err instanceof CorruptWhisperFile) this.forget(name, entry);
      throw err;
    } finally {
      if (transient) fs.closeSync(fd);
    }
  }

  /** Opens (creating if missing) and, when unknown or changed, reads the header. */
  private openFile(name: string, entry: Entry, report: FilesReport): number {
    let fd: number;
    try {
      fd = fs.openSync(entry.path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.maker.create(name, entry.path)) report.created.push(name);
      fd = fs.openSync(entry.path, 'r+');
    }
    try {
      const st = fs.fstatSync(fd);
      if (entry.state === null || st.ino !== entry.ino || st.size !== entry.size) {
        const state = readHeaderSync(fd, entry.path, st.size, true, this.deferMs > 0);
        entry.state = state;
        entry.ino = st.ino;
        entry.size = st.size;
        entry.metadata = metadataOf(state);
        entry.checkAt = this.nextCheck();
      }
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return fd;
  }

  /** Keeps `fd` open for the next batches if the budget allows (evicting an idle file if needed). */
  private keepOpen(name: string, entry: Entry, fd: number): boolean {
    if (this.open.size >= this.maxOpen) {
      const oldest = this.open.entries().next();
      if (oldest.done || this.batch - oldest.value[1].lastBatch < IDLE_BATCHES) return false;
      this.closeFd(oldest.value[0], oldest.value[1]);
    }
    if (this.maxOpen === 0) return false;
    entry.fd = fd;
    this.open.set(name, entry);
    // From now on the fast path writes this file: the general path's held-back slots go first.
    flushDeferred(fd, entry.state!);
    this.dirty.delete(name);
    entry.fast = this.runs.take(entry.state!);
    return true;
  }

  /** Writes an entry's held-back slots to `fd`, the file they belong to. */
  private writeBack(fd: number, entry: Entry): void {
    if (entry.fast !== null) writeHeld(entry.fast, fd, entry.path);
    else if (entry.state !== null) flushDeferred(fd, entry.state);
  }

  /** Checks a cached file against the disk; returns its fd, or -1 if it must be reopened. */
  private revalidate(name: string, entry: Entry): number {
    entry.checkAt = this.nextCheck();
    // Held-back writes belong to the file this fd is open on, whatever the path holds now.
    this.writeBack(entry.fd, entry);
    this.dirty.delete(name);
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(entry.path);
    } catch {
      st = null;
    }
    if (st === null || st.ino !== entry.ino || st.size !== entry.size) {
      this.closeFd(name, entry);
      entry.state = null;
      return -1;
    }
    const metadata = Buffer.alloc(METADATA_SIZE);
    fs.readSync(entry.fd, metadata, 0, METADATA_SIZE, 0);
    if (entry.metadata === null || !metadata.equals(entry.metadata)) {
      entry.state = readHeaderSync(entry.fd, entry.path, st.size, true, this.deferMs > 0);
      if (entry.fast !== null) this.runs.give(entry.fast, null);
      entry.fast = this.runs.take(entry.state); // another layout, perhaps
    } else if (entry.state !== null) {
      // Drop the read windows: cheap insurance against points written by other programs.
      entry.state.windows = emptyWindows(entry.state.header);
      entry.state.bases = entry.state.bases.map(() => -1);
      if (entry.fast !== null) forgetContents(entry.fast);
    }
    entry.metadata = metadata;
    return entry.fd;
  }


  private nextCheck(): number {
    return this.clock() + this.revalidateMs * (0.5 + Math.random());
  }

  private closeFd(name: string, entry: Entry): void {
    if (entry.fd >= 0) {
      try {
        fs.closeSync(entry.fd);
      } catch {
        // already closed
      }
    }
    entry.fd = -1;
    this.open.delete(name);
    // Its held-back writes go to the general path's, written by the same deadline rule.
    if (entry.fast !== null) this.runs.give(entry.fast, entry.state);
    entry.fast = null;
  }

  private forget(name: string, entry: Entry): void {
    this.dirty.delete(name);
    this.closeFd(name, entry);
    entry.state = null;
    entry.ino = -1;
  }

  /** Writes every held-back slot to disk; returns [name, message] for files that failed. */
  flush(): [string, string][] {
    const report: FilesReport = { files: 0, created: [], errors: [] };
    this.flushDue(Infinity, report);
    return report.errors;
  }

  /** Writes what is held back and closes every cached fd. */
  close(): [string, string][] {
    const errors = this.flush();
    for (const [name, entry] of [...this.open]) this.closeFd(name, entry);
    return errors;
  }

  /** Number of files with an fd kept open (for tests and stats). */
  get openFiles(): number {
    return this.open.size;
  }
}
