// The file work behind WhisperWriter: for a batch of points, one update_many per metric file,
// creating missing files with the archives the storage rules select. Synchronous positioned I/O
// with the pure Whisper core (lib/whisper), run in a worker thread (write-worker.ts) or, for
// small setups and tests, in the calling thread.
//
// Kept between batches, per metric: the file path, its schema's shared layout and a run of
// doubles with what the fast path knows of the file (file-cache.ts), plus an open fd for as many
// files as the fd budget allows; the others are opened for each write (and fstat()ed, so a file
// replaced meanwhile is never written with a stale layout). The path of a file kept open is
// stat()ed every `pathCheckMs` (a file deleted or swapped for a new inode, as whisper-resize does,
// is reopened or made again); every `revalidateMs` its metadata is re-read too (set-aggregation
// rewrites it in place) and what was cached of its contents dropped.
import fs from 'node:fs';
import path from 'node:path';
import { metricPath, storedName } from './paths.js';
import { FileMaker } from './create-files.js';
import type { StorageRules } from '../config/storage-rules.js';
import { readHeaderSync } from '../whisper/file-sync.js';
import { METADATA_SIZE } from '../whisper/header.js';
import { CorruptWhisperFile, WhisperException } from '../whisper/errors.js';
import { preparePoints, type Point } from '../whisper/update-core.js';
import { FdBudget } from './fd-budget.js';
import { FastRuns, fastWrite, fastWriteOne, forgetContents, holdsWrites, writeHeld, type FastRun } from './file-cache.js';
import { DueQueue } from './due-queue.js';
import { ownString } from '../own-string.js';

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
   * How often the path of a file kept open is stat()ed (default 10 s, ±50 %): a file deleted (to
   * be made again with new storage rules, as Graphite users do) or replaced is noticed within a
   * flush or two instead of being written through the old descriptor until the next revalidation.
   */
  pathCheckMs?: number;
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
  name: string;
  path: string;
  /** Kept open between batches, or -1. */
  fd: number;
  /** The file's inode and size when its header was read (-1: not read yet, or must be re-read). */
  ino: number;
  size: number;
  /** What the fast path knows of the file (null until its header is read). */
  run: FastRun | null;
  checkAt: number;
  /** When the path of the file kept open is next stat()ed. */
  pathAt: number;
  lastBatch: number;
  /** When the held-back writes must be written (-1: none held; see DueQueue). */
  deadline: number;
  /** During writeBatch(): the index of the metric's first point in the batch (-1 otherwise) and of its others. */
  first: number;
  more: number[] | null;
}

/** A point's timestamp, refused unless finite (whisper.py's int() raises otherwise). */
function finiteTimestamp(ts: number): number {
  if (!Number.isFinite(ts)) throw new Error(`timestamp ${ts} is not a finite number`);
  return ts;
}

function pointAt(timestamps: ArrayLike<number>, values: ArrayLike<number>, i: number): Point {
  return [finiteTimestamp(timestamps[i]!), values[i]!];
}

/** `n` as a small integer where it fits (see StoreFiles.now(): Node's stat numbers are doubles). */
function smallInt(n: number): number {
  return n === (n | 0) ? n | 0 : n;
}

/** How often (in batches) cached state of metrics that stopped coming is dropped, and after how many idle batches. */
const SWEEP_EVERY = 256;
const FORGET_AFTER = 1024;

/** Idle this many batches, a cached fd may be given to another file. */
const IDLE_BATCHES = 8;

export class StoreFiles {
  private readonly dataDir: string;
  private readonly maker: FileMaker;
  private readonly revalidateMs: number;
  private readonly pathCheckMs: number;
  private readonly deferMs: number;
  /** First archive whose fast-path writes are held back (none with deferMs 0). */
  private readonly holdFrom: number;
  private readonly runs = new FastRuns();
  private readonly clock: () => number;
  /** now() counts from here: times kept per file (checkAt, deadline) stay small integers. */
  private readonly epoch: number;
  /** Metrics with held-back writes, by deadline. */
  private readonly due = new DueQueue<Entry>();
  private readonly entries = new Map<string, Entry>();
  /** Entries holding an open fd. */
  private readonly open: FdBudget<Entry>;
  private batch = 0;

  constructor(options: StoreFilesOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.maker = new FileMaker(options.rules, options.sparse ?? true, options.durable ?? false);
    this.open = new FdBudget(Math.max(0, options.maxOpenFiles ?? 4096), IDLE_BATCHES);
    this.revalidateMs = options.revalidateMs ?? 60_000;
    this.pathCheckMs = options.pathCheckMs ?? 10_000;
    this.deferMs = Math.max(0, options.deferMs ?? 60_000);
    this.holdFrom = this.deferMs > 0 ? 1 : Infinity;
    this.clock = options.clock ?? Date.now;
    this.epoch = this.clock();
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
    // Grouped by metric on the cached entries themselves (no map per batch): most metrics have
    // one point per batch and take the single-point path.
    const order: Entry[] = [];
    let refused: Set<string> | null = null;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      let entry = this.entries.get(name);
      if (entry === undefined) {
        try {
          entry = this.newEntry(name);
        } catch (err) {
          if (!(refused ??= new Set()).has(name)) {
            refused.add(name);
            report.files++;
            report.errors.push([name, (err as Error).message]);
          }
          continue;
        }
      }
      if (entry.first < 0) {
        entry.first = i;
        order.push(entry);
      } else (entry.more ??= []).push(i);
    }
    for (const entry of order) {
      report.files++;
      const { first, more } = entry;
      entry.first = -1;
      entry.more = null;
      try {
        if (more === null) {
          this.writeOne(entry, null, Math.trunc(finiteTimestamp(timestamps[first]!)), +values[first]!, now, report);
        } else {
          const points: Point[] = [pointAt(timestamps, values, first)];
          for (const k of more) points.push(pointAt(timestamps, values, k));
          this.writeOne(entry, preparePoints(points), 0, 0, now, report);
        }
      } catch (err) {
        report.errors.push([entry.name, (err as Error).message]);
      }
    }
    this.flushDue(this.now(), report);
    if (this.batch % SWEEP_EVERY === 0) this.forgetIdle(report);
    return report;
  }

  /** Drops what is cached about metrics not written for FORGET_AFTER batches (names come and go). */
  private forgetIdle(report: FilesReport): void {
    for (const [name, entry] of this.entries) {
      if (this.batch - entry.lastBatch < FORGET_AFTER) continue;
      this.flushEntryReporting(entry, report);
      this.forget(entry);
      this.entries.delete(name);
    }
  }

  /** Writes the held-back slots of every metric whose deadline is `until` or earlier. */
  private flushDue(until: number, report: FilesReport): void {
    for (const entry of this.due.takeDue(until)) this.flushEntryReporting(entry, report);
  }

  private flushEntryReporting(entry: Entry, report: FilesReport): void {
    try {
      this.flushEntry(entry);
    } catch (err) {
      report.errors.push([entry.name, `writing held-back points: ${(err as Error).message}`]);
    }
  }

  /** Writes an entry's held-back slots, reopening its file if needed. */
  private flushEntry(entry: Entry): void {
    this.due.remove(entry);
    const run = entry.run;
    if (run === null || !holdsWrites(run)) return;
    if (entry.fd >= 0) return writeHeld(run, entry.fd, entry.path);
    const fd = fs.openSync(entry.path, 'r+');
    try {
      const st = fs.fstatSync(fd);
      // The file was replaced meanwhile: the held-back slots belonged to the old one.
      if (st.ino === entry.ino && st.size === entry.size) writeHeld(run, fd, entry.path);
      else forgetContents(run);
    } finally {
      fs.closeSync(fd);
    }
  }

  private newEntry(received: string): Entry {
    // A name split out of a batch message shares its memory: kept, it would keep the message alive.
    const name = ownString(received);
    const stored = storedName(name);
    if (stored !== name) {
      // `a..b` is written as `a.b` (carbon's file for it): one entry for the file, known by both names
      const entry = this.entries.get(stored) ?? this.newEntry(stored);
      this.entries.set(name, entry);
      return entry;
    }
    const entry: Entry = { name, path: metricPath(this.dataDir, name), fd: -1, ino: -1, size: -1, run: null, checkAt: 0, pathAt: 0, lastBatch: 0, deadline: -1, first: -1, more: null };
    this.entries.set(name, entry);
    return entry;
  }

  /** update_many of `newestFirst` (as preparePoints() returns them), or of the one point (t, v) when null. */
  private writeOne(entry: Entry, newestFirst: Point[] | null, t: number, v: number, now: number, report: FilesReport): void {
    entry.lastBatch = this.batch;
    let fd = entry.fd;
    let transient = false;
    try {
      if (fd >= 0) {
        this.open.touch(entry.name, entry);
        const now = this.now();
        if (now >= entry.pathAt || now >= entry.checkAt) fd = this.revalidate(entry);
      }
      if (fd < 0) {
        fd = this.openFile(entry, report);
        transient = !this.keepOpen(entry, fd);
      }
      const run = entry.run!;
      if (newestFirst === null) fastWriteOne(run, fd, entry.path, t, v, now, this.holdFrom);
      else fastWrite(run, fd, entry.path, newestFirst, now, this.holdFrom);
      if (holdsWrites(run)) {
        if (entry.deadline < 0) this.due.add(entry, this.now() + this.deferMs);
        else if (this.now() >= entry.deadline) {
          // due while the file is open anyway: written now rather than reopened later
          writeHeld(run, fd, entry.path);
          this.due.remove(entry);
        }
      }
    } catch (err) {
      if (transient) fs.closeSync(fd);
      transient = false;
      // A refused point (e.g. a timestamp that cannot be stored) says nothing about the file;
      // anything else (I/O error, corrupt file) means what we cached cannot be trusted.
      if (!(err instanceof WhisperException) || err instanceof CorruptWhisperFile) this.forget(entry);
      throw err;
    } finally {
      if (transient) fs.closeSync(fd);
    }
  }

  /**
   * Opens the file (creating it if missing). Its header is read when unknown or when the path now
   * holds another file (inode or size changed), and its metadata re-read when a check is due.
   */
  private openFile(entry: Entry, report: FilesReport): number {
    let fd: number;
    let fresh = false;
    try {
      fd = fs.openSync(entry.path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.maker.create(entry.name, entry.path)) report.created.push(entry.name);
      fresh = true;
      fd = fs.openSync(entry.path, 'r+');
    }
    try {
      const st = fs.fstatSync(fd);
      // A file that was missing is another file, even when it got the inode number and size of
      // the one deleted (file systems reuse freed inode numbers at once).
      if (fresh || entry.run === null || st.ino !== entry.ino || st.size !== entry.size) this.readHeader(entry, fd, st.ino, st.size);
      else if (this.now() >= entry.checkAt) this.checkMetadata(entry, fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return fd;
  }

  /** Reads the header of the file open as `fd` and starts a run for it (what was held back for another file is dropped). */
  private readHeader(entry: Entry, fd: number, ino: number, size: number): void {
    const state = readHeaderSync(fd, entry.path, size);
    if (entry.run !== null) this.runs.give(entry.run);
    this.due.remove(entry);
    entry.run = this.runs.take(state.header, state.bases);
    entry.ino = smallInt(ino);
    entry.size = smallInt(size);
    entry.checkAt = this.nextCheck();
  }

  /**
   * The periodic check of a file known to be the same inode: its metadata re-read (another program
   * may have changed the aggregation method or xFilesFactor in place), and what was cached of its
   * contents dropped (cheap insurance against points written by other programs). Held-back
   * writes are written first.
   */
  private checkMetadata(entry: Entry, fd: number): void {
    const run = entry.run!;
    writeHeld(run, fd, entry.path);
    this.due.remove(entry);
    const metadata = Buffer.alloc(METADATA_SIZE);
    fs.readSync(fd, metadata, 0, METADATA_SIZE, 0);
    if (!metadata.equals(this.runs.metadataOf(run.layout))) this.readHeader(entry, fd, entry.ino, entry.size);
    else {
      forgetContents(run);
      entry.checkAt = this.nextCheck();
    }
  }

  /** Keeps `fd` open for the next batches if the budget allows (evicting an idle file if needed). */
  private keepOpen(entry: Entry, fd: number): boolean {
    if (!this.open.admit(entry.name, entry, this.batch, (_name, e) => this.closeFd(e))) return false;
    entry.fd = fd;
    entry.pathAt = this.jittered(this.pathCheckMs);
    return true;
  }

  /**
   * Checks a file kept open against the path (and, when due, its metadata); returns its fd, or -1
   * if the path must be reopened.
   */
  private revalidate(entry: Entry): number {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(entry.path);
    } catch {
      st = null;
    }
    if (st === null || st.ino !== entry.ino || st.size !== entry.size) {
      // Held-back writes belong to the file this fd is open on, whatever the path holds now.
      this.flushEntry(entry);
      this.closeFd(entry);
      entry.ino = -1;
      return -1;
    }
    entry.pathAt = this.jittered(this.pathCheckMs);
    if (this.now() >= entry.checkAt) this.checkMetadata(entry, entry.fd);
    return entry.fd;
  }

  private nextCheck(): number {
    return this.jittered(this.revalidateMs);
  }

  /** now() + `ms` ± 50 % (files first seen together are not all checked in the same flush). */
  private jittered(ms: number): number {
    return Math.floor(this.now() + ms * (0.5 + Math.random()));
  }

  /**
   * Milliseconds since this StoreFiles was made. Kept per file, a time since 1970 (or any number
   * not a small integer) is a boxed double: 16 bytes more per field and file (V8 stores an
   * object's number fields as small integers only while every value fits).
   */
  private now(): number {
    return this.clock() - this.epoch;
  }

  /** Closes a kept fd; the file's run (and what it holds back) stays. */
  private closeFd(entry: Entry): void {
    if (entry.fd >= 0) {
      try {
        fs.closeSync(entry.fd);
      } catch {
        // already closed
      }
    }
    entry.fd = -1;
    this.open.release(entry.name);
  }

  /** Forgets everything about the file but its path (held-back writes included). */
  private forget(entry: Entry): void {
    this.due.remove(entry);
    this.closeFd(entry);
    if (entry.run !== null) this.runs.give(entry.run);
    entry.run = null;
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
    for (const [, entry] of this.open.held()) this.closeFd(entry);
    return errors;
  }

  /** Number of files with an fd kept open (for tests and stats). */
  get openFiles(): number {
    return this.open.size;
  }
}
