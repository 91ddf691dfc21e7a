// WhisperWriter: the store the collector hands every flush to.
//
//   const writer = new WhisperWriter({ dataDir: './data', rules });
//   const report = await writer.write(points, now);   // { points, files, created, errors, ms }
//
// write() groups the points per metric and makes one update_many per file, creating missing
// files (temp file + link, never a 0-byte .wsp) with the archives, xFilesFactor and aggregation
// method the storage rules select. One bad name or file never fails the batch: it is reported
// in `errors` and the rest is written. The file work runs in worker threads with synchronous
// positioned I/O on cached fds and headers (write-files.ts), so the main thread only packs the
// batch and keeps receiving packets meanwhile. `workers: 0` does the work in the calling thread.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { MetricPoint } from '../types.js';
import type { StorageRules } from '../config/storage-rules.js';
import { StoreFiles, type FilesReport, type StoreFilesOptions } from './write-files.js';
import type { FromWorker, ToWorker, WorkerInit } from './write-worker.js';
import { storedName } from './paths.js';

/**
 * How many Whisper files to keep open between flushes when not configured: three quarters of what
 * the process may open beyond a reserve of 1024 (sockets, the HTTP side), read from
 * /proc/self/limits; 4096 where that is not available.
 */
export function defaultMaxOpenFiles(limits = '/proc/self/limits'): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync(limits, 'utf8'));
    const soft = m === null ? NaN : m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
    if (Number.isFinite(soft)) return Math.max(64, Math.min(1 << 16, Math.floor((soft - 1024) * 0.75)));
  } catch {
    // not Linux
  }
  return 4096;
}

export interface WhisperWriterOptions extends Omit<StoreFilesOptions, 'clock'> {
  /** Worker threads (default 2); 0 writes in the calling thread (blocking it). */
  workers?: number;
}

export interface WriteReport {
  /** Points received. */
  points: number;
  /** Distinct metrics (files) in the batch. */
  files: number;
  /** Metrics whose file this write created. */
  created: string[];
  /** Metrics that could not be written, with the reason. */
  errors: { name: string; message: string }[];
  /** Wall time of the write in milliseconds. */
  ms: number;
}

interface Pending {
  resolve(report: FilesReport): void;
  reject(err: Error): void;
}

// Compiled, the worker is write-worker.js next to this file. Run from the TypeScript sources
// (tsx, tap), a worker does not inherit the parent's TypeScript loader, so a tiny bootstrap
// registers tsx (a dev dependency) before importing write-worker.ts.
const BOOTSTRAP = `const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((api) => { api.register(); return import(workerData.entry); });`;

// A worker's garbage is a batch's arrays and strings, alive until the batch is written (seconds):
// they outlive any young generation, so V8's default 48 MiB of it per isolate only costs memory.
const WORKER_RESOURCES = { maxYoungGenerationSizeMb: 8 };

function spawnWorker(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./write-worker.js', import.meta.url), { workerData: init, resourceLimits: WORKER_RESOURCES });
  const entry = new URL('./write-worker.ts', import.meta.url).href;
  return new Worker(BOOTSTRAP, { eval: true, workerData: { ...init, tsx: import.meta.resolve('tsx/esm/api'), entry }, resourceLimits: WORKER_RESOURCES });
}

/** Points packed per message to the workers (and per event-loop turn). */
const CHUNK = 4096;

/** A batch as columns: point i is (names[i], timestamps[i], values[i]). */
export interface WriteColumns {
  names: readonly unknown[];
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** FNV-1a of a string's UTF-16 code units: which shard (worker) owns a metric. */
export function shardOf(name: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

interface Packed {
  names: string[];
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * Packs points [start, end) of `c`, split into `shards` by shardOf() (each worker is sent only its
 * own); names that cannot be sent are reported as errors.
 */
function pack(c: WriteColumns, start: number, end: number, shards: number, report: WriteReport): Packed[] {
  const parts: (Packed & { n: number })[] = [];
  for (let s = 0; s < shards; s++) parts.push({ names: [], timestamps: new Float64Array(end - start), values: new Float64Array(end - start), n: 0 });
  for (let i = start; i < end; i++) {
    const name = c.names[i];
    // '\n' separates names on the way to the workers; such a name is invalid anyway.
    if (typeof name !== 'string' || name.includes('\n')) {
      report.errors.push({ name: String(name), message: `invalid metric name ${JSON.stringify(name)}: contains a control character` });
      continue;
    }
    // `a..b` and `a.b` are one file: one worker must own both (and know them as one metric).
    const stored = storedName(name);
    const part = parts[shards > 1 ? shardOf(stored, shards) : 0]!;
    part.names.push(stored);
    part.timestamps[part.n] = c.timestamps[i]!;
    part.values[part.n] = c.values[i]!;
    part.n++;
  }
  return parts.map((p) => ({ names: p.names, timestamps: p.timestamps.subarray(0, p.n), values: p.values.subarray(0, p.n) }));
}

class WorkerHandle {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  closed: Promise<void>;
  dead = false;

  constructor(init: WorkerInit) {
    this.worker = spawnWorker(init);
    this.closed = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'closed') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'done') p.resolve(msg.report);
      else p.reject(new Error(`store writer worker failed: ${msg.message}`));
    });
    const fail = (err: Error) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`store writer worker crashed: ${err.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`store writer worker exited (code ${code})`)));
  }

  post(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.dead) this.worker.postMessage(msg, transfer);
  }

  request(msg: ToWorker & { id: number }): Promise<FilesReport> {
    return new Promise((resolve, reject) => {
      if (this.dead) {
        reject(new Error('store writer worker is not running'));
        return;
      }
      this.pending.set(msg.id, { resolve, reject });
      this.worker.postMessage(msg);
    });
  }
}

export class WhisperWriter {
  private readonly options: WhisperWriterOptions;
  private readonly workerCount: number;
  private workers: WorkerHandle[] = [];
  private local: StoreFiles | null = null;
  private rules: StorageRules;
  private nextId = 0;
  private closing = false;

  constructor(options: WhisperWriterOptions) {
    this.options = options;
    this.rules = options.rules;
    this.workerCount = Math.max(0, Math.floor(options.workers ?? 2));
    if (this.workerCount === 0) this.local = new StoreFiles(options);
  }

  private fileOptions(): Omit<StoreFilesOptions, 'clock'> {
    const { workers: _unused, ...rest } = this.options;
    const maxOpenFiles = Math.floor((this.options.maxOpenFiles ?? defaultMaxOpenFiles()) / Math.max(1, this.workerCount));
    return { ...rest, rules: this.rules, maxOpenFiles };
  }

  private ensureWorkers(): WorkerHandle[] {
    for (let i = 0; i < this.workerCount; i++) {
      const w = this.workers[i];
      if (w === undefined || w.dead) {
        this.workers[i] = new WorkerHandle({ options: this.fileOptions() });
      }
    }
    return this.workers;
  }

  /**
   * Writes a batch. `now` (unix seconds, default the current time) decides which archive takes
   * each point, as whisper.py's update_many does; points of one metric keep their order.
   */
  write(points: readonly MetricPoint[], now?: number): Promise<WriteReport> {
    return this.writeColumns({ names: points.map((p) => p.name), timestamps: points.map((p) => p.timestamp), values: points.map((p) => p.value) }, now);
  }

  /** write() for a batch given as columns (no object per point: what the collector's flushes use). */
  async writeColumns(columns: WriteColumns, now: number = Math.floor(Date.now() / 1000)): Promise<WriteReport> {
    if (this.closing) throw new Error('WhisperWriter is closed');
    const started = performance.now();
    const count = columns.names.length;
    const report: WriteReport = { points: count, files: 0, created: [], errors: [], ms: 0 };
    let reports: FilesReport[];
    if (this.local) {
      const [{ names, timestamps, values }] = pack(columns, 0, count, 1, report) as [Packed];
      reports = names.length ? [this.local.writeBatch(names, timestamps, values, now)] : [];
    } else {
      // Packed and posted in chunks, yielding to the event loop in between, so a flush of
      // 100,000 points never holds the main thread for long (UDP packets keep coming in).
      const workers = this.ensureWorkers();
      const id = ++this.nextId;
      for (let start = 0; start < count; start += CHUNK) {
        if (start > 0) await new Promise((resolve) => setImmediate(resolve));
        const parts = pack(columns, start, Math.min(count, start + CHUNK), workers.length, report);
        workers.forEach((w, k) => {
          const { names, timestamps, values } = parts[k]!;
          if (names.length) w.post({ type: 'chunk', id, names: names.join('\n'), timestamps, values }, [timestamps.buffer as ArrayBuffer, values.buffer as ArrayBuffer]);
        });
      }
      reports = await Promise.all(workers.map((w) => w.request({ type: 'write', id, now })));
    }
    for (const r of reports) {
      report.files += r.files;
      report.created.push(...r.created);
      for (const [name, message] of r.errors) report.errors.push({ name, message });
    }
    report.ms = performance.now() - started;
    return report;
  }

  /** New storage rules (SIGHUP); files created from now on use them. */
  setRules(rules: StorageRules): void {
    this.rules = rules;
    this.local?.setRules(rules);
    for (const w of this.workers) if (!w.dead) w.worker.postMessage({ type: 'rules', rules } satisfies ToWorker);
  }

  /** Finishes pending writes, closes every file and stops the workers. */
  async close(): Promise<void> {
    this.closing = true;
    this.local?.close();
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.dead) return;
        w.worker.postMessage({ type: 'close' } satisfies ToWorker);
        await w.closed;
      }),
    );
    this.workers = [];
  }
}
