// What happens to a flush after the tick: the statsd snapshot (taken on time by the caller) is
// named, the other sources' points joined, the lot forwarded and handed to the store, in slices
// of a few milliseconds with the event loop turning in between (packets keep being read). One
// write in flight at a time, in order; carbon's points queue behind the flushes. Keeps etsy's
// graphiteStats bookkeeping (last flush, last exception, flush time and length) for the next
// flush's names and the admin port's `stats`.
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { FlushEvent, FlushSource, MetricPoint } from './types.js';
import { columnsToPoints, type BackendStats, type FlushNaming, type PointColumns } from './statsd/names.js';
import { plaintextLines, type Forwarder } from './carbon/forward.js';
import type { WriteReport } from './store/writer.js';
import { LogThrottle } from './log-throttle.js';

/** Where points go: the Whisper writer in production, anything with this shape in tests. */
export interface PointStore {
  write(points: MetricPoint[], now?: number): Promise<unknown>;
  /** The same for points as columns (no object per point); used instead of write() when present. */
  writeColumns?(columns: PointColumns, now?: number): Promise<unknown>;
  /** Re-read storage-schemas/aggregation (SIGHUP). */
  reload?(): Promise<void>;
  close(): Promise<void>;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** How many different names (a failed write counts each metric once). */
function distinct(names: readonly string[]): number {
  return new Set(names).size;
}

/** How long one slice of flush work may hold the event loop before packets get their turn (ms). */
const SLICE_MS = 4;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Between slices the event loop turns until a turn reads fewer than BUSY_TURN packets (the
 * socket is about drained: libuv reads at most 32 datagrams per socket and turn) or for at most
 * MAX_YIELD_MS, so under overload the flush still gets about a sixth of the thread. One turn per
 * slice let a flush that names 10 million timer values read only 32 packets per 4 ms slice: the
 * receive buffer overflowed during every flush at a rate the thread otherwise keeps up with.
 */
const BUSY_TURN = 8;
const MAX_YIELD_MS = 20;

async function yieldToIngest(received: (() => number) | undefined): Promise<void> {
  const start = performance.now();
  for (;;) {
    const before = received?.() ?? 0;
    await turn();
    if (received === undefined || received() - before < BUSY_TURN || performance.now() - start >= MAX_YIELD_MS) return;
  }
}

/**
 * Runs `work(budget)` (true when done) in slices of about SLICE_MS, letting packets in between
 * (`received` counts them). Returns the longest slice.
 */
async function inSlices(work: (budget: number) => boolean, received: (() => number) | undefined, budget = 256): Promise<number> {
  let longest = 0;
  for (;;) {
    const start = performance.now();
    let done = false;
    while (!done && performance.now() - start < SLICE_MS) done = work(budget);
    longest = Math.max(longest, performance.now() - start);
    if (done) return longest;
    await yieldToIngest(received);
  }
}

interface FlushTiming {
  named: number;
  longestSlice: number;
  length: number;
}

/** A flush write waiting its turn, with the flushes that joined it. */
interface WaitingFlush {
  columns: PointColumns;
  timestamps: number[];
  storeNow: number | undefined;
  timing: FlushTiming;
  written: Promise<void>;
}

export interface FlushPipelineOptions {
  /** Ends the statsd interval at `ms`; the returned job names its points. */
  flushStatsd(ms: number): FlushNaming;
  log: Logger;
  /** Milliseconds clock. */
  clock: () => number;
  /** Packets received so far: flush work gives way to receiving while they keep coming. */
  received?: () => number;
}

/** Store errors are logged at most this often. */
const STORE_WARN_EVERY_MS = 60_000;

export class FlushPipeline {
  /** etsy's graphiteStats, as of the last write. */
  readonly backend: BackendStats = { lastException: 0, lastFlush: 0, flushTime: 0, flushLength: 0 };
  /** Flush sources besides statsd (the tracelog tailer, …). */
  private readonly sources: FlushSource[] = [];
  private readonly listeners = new Set<(e: FlushEvent) => void>();
  private store: PointStore | null = null;
  private forwarders: readonly Forwarder[] = [];
  private writes: Promise<void> = Promise.resolve();
  /** Flushes are named one after another, so their writes stay in order. */
  private naming: Promise<unknown> = Promise.resolve();
  private carbonPending: MetricPoint[] = [];
  private carbonQueued = false;
  /** The flush write queued and not started yet (later flushes join it; see queueFlushWrite). */
  private waitingFlush: WaitingFlush | null = null;
  /** Flushes that joined a waiting one because writing had fallen behind. */
  coalescedFlushes = 0;
  /** Flushes named and handed to the write queue, not written yet. */
  private unwrittenFlushes = 0;
  /** The newest flush (its interval's end, unix seconds) whose write has finished. */
  private lastWritten: number | null = null;
  private storeErrors = 0;
  /** "Not written" warnings: one a minute at most. */
  private readonly storeLog: LogThrottle;
  /** Event-loop delay between flushes (debug only). */
  private loopDelay: IntervalHistogram | null = null;

  constructor(private readonly opts: FlushPipelineOptions) {
    this.storeLog = new LogThrottle(STORE_WARN_EVERY_MS, opts.clock);
  }

  addSource(source: FlushSource): void {
    this.sources.push(source);
  }

  /**
   * The store's trouble as metrics, so a full disk or an unwritable directory can be graphed and
   * alerted on: per flush, `sotto.store.metrics_not_written` (in the interval),
   * `sotto.store.unwritten_flushes` (named, not written yet) and `sotto.store.joined_flushes` (in
   * the interval: writing fell a whole interval behind). Written from the first flush after a
   * metric could not be written on, so a store that never fails adds no names.
   */
  storeCounts(): FlushSource {
    let notWritten = 0;
    let joined = 0;
    return {
      flush: (ms: number): MetricPoint[] => {
        if (this.storeErrors === 0) return [];
        const timestamp = Math.round(ms / 1000);
        const out = [
          { name: 'sotto.store.metrics_not_written', value: this.storeErrors - notWritten, timestamp },
          { name: 'sotto.store.unwritten_flushes', value: this.unwrittenFlushes, timestamp },
          { name: 'sotto.store.joined_flushes', value: this.coalescedFlushes - joined, timestamp },
        ];
        notWritten = this.storeErrors;
        joined = this.coalescedFlushes;
        return out;
      },
    };
  }

  /** Subscribe to "a flush was written"; returns the unsubscribe function. */
  onFlush(listener: (e: FlushEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where flushes (and carbon's points) go from now on. */
  connect(store: PointStore, forwarders: readonly Forwarder[]): void {
    this.store = store;
    this.forwarders = forwarders;
  }

  /** Debug: report each flush's timing and the event-loop delay since the previous one. */
  reportTimings(): void {
    this.loopDelay = monitorEventLoopDelay({ resolution: 1 });
    this.loopDelay.enable();
  }

  /** The admin port's `stats` lines: graphiteStats, then each forwarder's queue. */
  backendStats(): Array<[string, string, number]> {
    const b = this.backend;
    const out: Array<[string, string, number]> = [
      ['graphite', 'last_flush', b.lastFlush], ['graphite', 'last_exception', b.lastException],
      ['graphite', 'flush_time', b.flushTime], ['graphite', 'flush_length', b.flushLength],
    ];
    for (const f of this.forwarders) {
      const s = f.stats();
      out.push([`forward.${s.destination}`, 'queued_bytes', s.queuedBytes], [`forward.${s.destination}`, 'dropped_lines', s.droppedLines]);
    }
    return out;
  }

  /**
   * Whether writing keeps up, for /api/health: flushes named but not yet written (0 or 1 when it
   * keeps up), the newest flush written (points up to it can be read), the last write's duration,
   * and how many flushes were joined and metrics not written (refused names, unwritable files) so far.
   */
  writeStats(): { unwrittenFlushes: number; lastWrittenFlush: number | null; lastWriteMs: number; joinedFlushes: number; metricsNotWritten: number } {
    return {
      unwrittenFlushes: this.unwrittenFlushes,
      lastWrittenFlush: this.lastWritten,
      lastWriteMs: this.backend.flushTime,
      joinedFlushes: this.coalescedFlushes,
      metricsNotWritten: this.storeErrors,
    };
  }

  /**
   * Takes every source's points for the interval ending at `ms` and queues their writing. The
   * statsd snapshot is taken now; naming, forwarding and the store hand-over run in slices.
   */
  collect(ms: number, storeNow?: number): Promise<void> {
    const tickAt = this.opts.clock();
    const job = this.opts.flushStatsd(ms);
    const others = this.sources.map((s) => Promise.resolve().then(() => s.flush(ms)).catch((err) => {
      this.opts.log.warn(`flush source failed: ${(err as Error).message}`);
      return [] as MetricPoint[];
    }));
    const timestamp = Math.round(ms / 1000);
    // The next flush's naming waits for this one's naming only, not for its write (wrapped so
    // the write's promise is not adopted): a flush written late leaves later ones free to join it.
    const named = this.naming.then(async () => {
      const timing: FlushTiming = { named: 0, longestSlice: 0, length: 0 };
      const started = performance.now();
      timing.longestSlice = await inSlices((budget) => job.step(budget), this.opts.received);
      const columns = job.finish().columns;
      timing.named = performance.now() - started;
      for (const list of await Promise.all(others)) {
        for (const p of list) {
          columns.names.push(p.name);
          columns.values.push(p.value);
          columns.timestamps.push(p.timestamp);
        }
      }
      const sent = await this.forward(columns);
      timing.longestSlice = Math.max(timing.longestSlice, sent.longest);
      timing.length = sent.length;
      return { written: this.queueFlushWrite(columns, timestamp, storeNow, tickAt, timing) };
    });
    this.naming = named.catch(() => undefined);
    return named.then((n) => n.written);
  }

  /** Carbon's points: queued behind the flushes, written together when their turn comes. */
  storeCarbon(points: MetricPoint[]): void {
    for (const p of points) this.carbonPending.push(p);
    if (this.carbonQueued) return;
    this.carbonQueued = true;
    void this.enqueueWrite(async () => {
      this.carbonQueued = false;
      const batch = this.carbonPending;
      this.carbonPending = [];
      try {
        this.reportErrors(await this.store!.write(batch));
      } catch (err) {
        this.backend.lastException = Math.round(this.opts.clock() / 1000);
        this.storeErrors += distinct(batch.map((p) => p.name));
        this.opts.log.warn(`store: writing ${batch.length} carbon points failed: ${(err as Error).message}`);
      }
    });
  }

  /** Waits for every queued write; stops the debug event-loop monitor. */
  async drain(): Promise<void> {
    await this.naming; // a flush still being named queues its write first
    await this.writes;
    this.loopDelay?.disable();
  }

  /** Sends the flush to every forwarder as plaintext, in slices; its length is graphiteStats.flush_length. */
  private async forward(c: PointColumns): Promise<{ longest: number; length: number }> {
    let length = 0;
    let i = 0;
    const forwarders = this.forwarders;
    const longest = await inSlices((budget) => {
      const end = Math.min(c.names.length, i + budget * 16);
      const text = plaintextLines(c, i, end);
      i = end;
      length += text.length;
      for (const f of forwarders) f.send(text);
      return i === c.names.length;
    }, this.opts.received);
    return { longest, length };
  }

  /**
   * Queues a flush's write. When writing falls behind (a flush takes longer to write than the
   * interval), a flush that arrives while another is still waiting its turn joins that one: one
   * batch with several points per metric costs about what one point does, so the writer catches
   * up instead of the queue (and memory) growing flush after flush.
   */
  private queueFlushWrite(columns: PointColumns, timestamp: number, storeNow: number | undefined, tickAt: number, timing: FlushTiming): Promise<void> {
    this.unwrittenFlushes++;
    const waiting = this.waitingFlush;
    if (waiting !== null) {
      const into = waiting.columns;
      for (let i = 0; i < columns.names.length; i++) {
        into.names.push(columns.names[i]!);
        into.values.push(columns.values[i]!);
        into.timestamps.push(columns.timestamps[i]!);
      }
      waiting.timestamps.push(timestamp);
      waiting.storeNow = storeNow;
      waiting.timing.length = timing.length;
      this.coalescedFlushes++;
      return waiting.written;
    }
    const entry: WaitingFlush = { columns, timestamps: [timestamp], storeNow, timing, written: Promise.resolve() };
    this.waitingFlush = entry;
    entry.written = this.enqueueWrite(() => {
      if (this.waitingFlush === entry) this.waitingFlush = null;
      return this.writeFlush(entry.columns, entry.timestamps, entry.storeNow, tickAt, entry.timing);
    });
    return entry.written;
  }

  private enqueueWrite(task: () => Promise<void>): Promise<void> {
    this.writes = this.writes.then(task, task);
    return this.writes;
  }

  private async writeFlush(columns: PointColumns, timestamps: readonly number[], storeNow: number | undefined, tickAt: number, timing: FlushTiming): Promise<void> {
    const { clock, log } = this.opts;
    const timestamp = timestamps[timestamps.length - 1]!;
    const started = clock();
    const points = columns.names;
    try {
      const store = this.store!;
      this.reportErrors(await (store.writeColumns ? store.writeColumns(columns, storeNow) : store.write(columnsToPoints(columns), storeNow)));
      this.backend.lastFlush = Math.round(clock() / 1000);
      this.lastWritten = timestamp;
    } catch (err) {
      this.backend.lastException = Math.round(clock() / 1000);
      this.storeErrors += distinct(points); // a joined flush names a metric once per flush
      log.warn(`store: writing ${points.length} points of the flush at ${timestamps.join(', ')} failed: ${(err as Error).message}`);
    }
    this.unwrittenFlushes -= timestamps.length;
    this.backend.flushTime = clock() - started;
    this.backend.flushLength = timing.length;
    if (this.loopDelay) {
      const done = clock();
      const maxDelay = this.loopDelay.max / 1e6;
      this.loopDelay.reset();
      const joined = timestamps.length > 1 ? ` (with the flushes at ${timestamps.slice(0, -1).join(', ')}, written together)` : '';
      log.info(`flush ${timestamp}${joined}: ${points.length} points, named in ${Math.round(timing.named)} ms (longest slice ${timing.longestSlice.toFixed(1)} ms), written in ${this.backend.flushTime} ms, ${done - tickAt} ms from tick to written; event loop delay max ${maxDelay.toFixed(1)} ms since the last report`);
    }
    for (const ts of timestamps) {
      const event: FlushEvent = { timestamp: ts, names: columns.names };
      for (const l of this.listeners) {
        try { l(event); } catch (err) { log.warn(`flush listener failed: ${(err as Error).message}`); }
      }
    }
  }

  /**
   * Names the writer could not store (bad names, unwritable files): one warning a minute at most,
   * with an example and the counts (a client sending an unstorable key would otherwise add a line
   * to the log at every flush).
   */
  private reportErrors(report: unknown): void {
    const errors = (report as Partial<WriteReport> | undefined)?.errors;
    if (!errors || errors.length === 0) return;
    this.storeErrors += errors.length;
    const held = this.storeLog.pass(errors.length);
    if (held === null) return;
    const first = errors[0]!;
    const cut = (s: string, n: number): string => (s.length > n ? s.slice(0, n) + '…' : s);
    this.opts.log.warn(
      `store: ${held + errors.length} metric(s) not written since the last report, e.g. ${JSON.stringify(cut(first.name, 200))}: ${cut(first.message, 300)} (${this.storeErrors} so far)`,
    );
  }
}
