// The composition root: statsd/carbon listeners → aggregator → store writer (+ forwarders), the
// admin port and the HTTP app. Owns the flush timer (pinned to the start time like etsy's
// getFlushTimeout, so it never drifts). A flush never blocks ingest: the snapshot is taken on
// time, then named, forwarded and handed to the store in slices of a few milliseconds with the
// event loop turning in between (packets keep being read), one write in flight at a time, late
// flushes still written.
import http from 'node:http';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { FlushEvent, FlushSource, MetricPoint } from './types.js';
import { forwardTargets, type SottoConfig } from './config/options.js';
import { StatsdListener, type ListenerAddress } from './statsd/listen.js';
import { AdminServer } from './statsd/admin.js';
import { createStatsdSource, type StatsdSource } from './statsd/source.js';
import { columnsToPoints, type BackendStats, type FlushNaming, type PointColumns } from './statsd/names.js';
import { CarbonListener } from './carbon/listen.js';
import { Forwarder, plaintextLines } from './carbon/forward.js';
import { createHttpApp, type HttpApp } from './http/app.js';
import { WhisperWriter, type WriteReport } from './store/writer.js';
import { loadStorageRules } from './config/storage-rules.js';
import { createTracelogSource, type TracelogSource } from './tracelog/source.js';
import { VERSION } from './version.js';

export type { PointColumns } from './statsd/names.js';

/** Where points go: the Whisper writer in production, anything with this shape in tests. */
export interface PointStore {
  write(points: MetricPoint[], now?: number): Promise<unknown>;
  /** The same for points as columns (no object per point); used instead of write() when present. */
  writeColumns?(columns: PointColumns, now?: number): Promise<unknown>;
  /** Re-read storage-schemas/aggregation (SIGHUP). */
  reload?(): Promise<void>;
  close(): Promise<void>;
}

/** The production store: the Whisper writer with the storage rules from conf/ (reloaded on SIGHUP). */
export async function openWhisperStore(config: SottoConfig): Promise<PointStore> {
  const rules = await loadStorageRules(config.storageSchemas, config.storageAggregation);
  const writer = new WhisperWriter({ dataDir: config.dataDir, rules });
  return {
    write: (points, now) => writer.write(points, now),
    // The writer takes point objects: made in slices, so a big flush does not hold the event loop.
    writeColumns: async (columns, now) => writer.write(await toPointsInSlices(columns), now),
    reload: async () => writer.setRules(await loadStorageRules(config.storageSchemas, config.storageAggregation)),
    close: () => writer.close(),
  };
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface ServerOptions {
  config: SottoConfig;
  /** Opens the store; called by start(). Default: openWhisperStore. */
  openStore?(config: SottoConfig): Promise<PointStore>;
  logger?: Logger;
  /** Milliseconds clock (injected in tests). */
  clock?: () => number;
}

export interface BoundAddresses {
  statsd: ListenerAddress[];
  carbon: { kind: 'tcp' | 'udp'; address: string; port: number }[];
  admin: AddressInfo | null;
  http: AddressInfo | null;
}

const consoleLogger: Logger = { info: (m) => console.log(m), warn: (m) => console.error(m) };

/** How long one slice of flush work may hold the event loop before packets get their turn (ms). */
const SLICE_MS = 4;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `work(budget)` (true when done) in slices of about SLICE_MS, letting I/O in between. Returns the longest slice. */
async function inSlices(work: (budget: number) => boolean, budget = 256): Promise<number> {
  let longest = 0;
  for (;;) {
    const start = performance.now();
    let done = false;
    while (!done && performance.now() - start < SLICE_MS) done = work(budget);
    longest = Math.max(longest, performance.now() - start);
    if (done) return longest;
    await turn();
  }
}

async function toPointsInSlices(c: PointColumns): Promise<MetricPoint[]> {
  const out: MetricPoint[] = [];
  let i = 0;
  await inSlices((budget) => {
    const end = Math.min(c.names.length, i + budget * 16);
    for (; i < end; i++) out.push({ name: c.names[i]!, value: c.values[i]!, timestamp: c.timestamps[i]! });
    return i === c.names.length;
  });
  return out;
}

export class SottoServer {
  readonly config: SottoConfig;
  private readonly log: Logger;
  private readonly clock: () => number;
  private store: PointStore | null = null;
  private statsd: StatsdSource;
  /** Flush sources besides statsd (the tracelog tailer, …). */
  private readonly sources: FlushSource[] = [];
  private statsdListener: StatsdListener | null = null;
  private carbon: CarbonListener | null = null;
  private admin: AdminServer | null = null;
  private httpServer: http.Server | null = null;
  private httpApp: HttpApp | null = null;
  private storeErrors = 0;
  private forwarders: Forwarder[] = [];
  private readonly listeners = new Set<(e: FlushEvent) => void>();
  private timer: NodeJS.Timeout | null = null;
  private writes: Promise<void> = Promise.resolve();
  private carbonPending: MetricPoint[] = [];
  private carbonQueued = false;
  private startSec = 0;
  private running = false;
  private stopping: Promise<void> | null = null;
  private coarseNow = 0;
  private coarseTimer: NodeJS.Timeout | null = null;
  private backend: BackendStats;
  private lastBadLog = 0;
  private badSuppressed = 0;
  private adminHealth: 'up' | 'down';
  private tracelog: TracelogSource | null = null;
  /** Flushes are named one after another, so their writes stay in order. */
  private naming: Promise<unknown> = Promise.resolve();
  /** Event-loop delay between flushes (debug only). */
  private loopDelay: IntervalHistogram | null = null;

  constructor(private readonly opts: ServerOptions) {
    this.config = opts.config;
    this.log = opts.logger ?? consoleLogger;
    this.clock = opts.clock ?? Date.now;
    this.backend = { lastException: 0, lastFlush: 0, flushTime: 0, flushLength: 0 };
    this.adminHealth = this.config.healthStatus;
    this.statsd = createStatsdSource(this.config, () => this.backend, (line) => this.badLine(line), this.clock);
  }

  /** Plug in another source of points for every flush (the tracelog tailer, …). */
  addSource(source: FlushSource): void {
    this.sources.push(source);
  }

  /** Subscribe to "a flush was written"; returns the unsubscribe function. */
  onFlush(listener: (e: FlushEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get aggregator() {
    return this.statsd.aggregator;
  }

  private badLine(line: string): void {
    const now = this.clock();
    if (now - this.lastBadLog < 1000) { this.badSuppressed++; return; }
    const more = this.badSuppressed ? ` (${this.badSuppressed} more since the last report)` : '';
    this.log.warn(`statsd: bad line ${JSON.stringify(line.length > 200 ? line.slice(0, 200) + '…' : line)}${more}`);
    this.lastBadLog = now;
    this.badSuppressed = 0;
  }

  async start(): Promise<void> {
    const c = this.config;
    this.startSec = Math.round(this.clock() / 1000);
    this.backend.lastFlush = this.startSec;
    this.store = await (this.opts.openStore ?? openWhisperStore)(c);
    await this.startTracelog();
    this.forwarders = forwardTargets(c).map((t) => new Forwarder({ ...t, maxBufferBytes: c.forwardBufferBytes, warn: (m) => this.log.warn(m) }));
    const agg = this.statsd.aggregator;
    const clock = this.clock;
    const dump = c.dumpMessages;
    this.statsdListener = new StatsdListener({
      port: c.port, address: c.address, address_ipv6: c.address_ipv6, tcpPort: c.tcpPort, tcpAddress: c.tcpAddress,
      recvBufferSize: c.recvBufferSize,
      onDatagram: dump ? (buf) => { this.log.info(`packet: ${JSON.stringify(buf.toString('utf8'))}`); agg.datagram(buf, this.coarseNow); } : (buf) => agg.datagram(buf, this.coarseNow),
      onPacket: dump ? (text) => { this.log.info(`packet: ${JSON.stringify(text)}`); agg.packet(text, this.coarseNow); } : (text) => agg.packet(text, this.coarseNow),
      warn: (m) => this.log.warn(m),
    });
    // last_msg_seen needs second precision only: read the clock 4 times a second, not per packet.
    this.coarseNow = clock();
    this.coarseTimer = setInterval(() => { this.coarseNow = clock(); }, 250);
    this.coarseTimer.unref();
    await this.statsdListener.start();
    if (c.carbonPort !== null) {
      this.carbon = new CarbonListener({ port: c.carbonPort, address: c.carbonAddress, udp: c.carbonUdp, onPoints: (p) => this.storeCarbon(p), warn: (m) => this.log.warn(m) });
      await this.carbon.start();
    }
    let adminAddr: AddressInfo | null = null;
    if (c.mgmt_port !== null) {
      const self = this;
      this.admin = new AdminServer({
        aggregator: () => self.statsd.aggregator,
        startTime: this.startSec,
        backendStats: () => self.backendStats(),
        config: () => self.config as unknown as Record<string, unknown>,
        get health() { return self.adminHealth; },
        set health(v) { self.adminHealth = v; },
        now: clock,
      }, (m) => this.log.warn(m));
      adminAddr = await this.admin.start(c.mgmt_port, c.mgmt_address);
    }
    if (c.httpPort !== null) {
      const app = createHttpApp({
        dataDir: c.dataDir,
        onFlush: (l) => this.onFlush(l),
        health: () => ({
          lastFlush: this.backend.lastFlush === this.startSec ? null : this.backend.lastFlush,
          status: this.adminHealth,
          version: VERSION,
          // The page's empty state tells a new user where to send a first metric.
          statsdPort: this.statsdListener?.addresses().find((a) => a.kind !== 'tcp')?.port ?? null,
        }),
      });
      this.httpApp = app;
      const server = http.createServer(app);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(c.httpPort!, c.httpHost, () => { server.removeListener('error', reject); resolve(); });
      });
      this.httpServer = server;
    }
    this.running = true;
    if (c.debug) {
      this.loopDelay = monitorEventLoopDelay({ resolution: 1 });
      this.loopDelay.enable();
    }
    this.scheduleFlush();
    this.log.info(this.startupLine(adminAddr));
  }

  /** Trace logs (files and/or UDP syslog) become one more flush source when configured. */
  private async startTracelog(): Promise<void> {
    const c = this.config;
    if (c.tracelog.length === 0 && c.syslogPort === null) return;
    this.tracelog = createTracelogSource({
      paths: c.tracelog, timeZone: c.tracelogTimeZone ?? undefined, flushIntervalMs: c.flushInterval,
      percentThreshold: c.percentThreshold, dataDir: c.dataDir, syslogPort: c.syslogPort, syslogAddress: c.syslogAddress,
      latenessMs: c.tracelogLateness, stuckLimitMs: c.tracelogStuckLimit, idleLimitMs: c.tracelogIdleLimit,
      pollIntervalMs: c.tracelogPollInterval,
    }, { log: (m) => this.log.warn(m) });
    await this.tracelog.start();
    this.addSource(this.tracelog);
  }

  private startupLine(admin: AddressInfo | null): string {
    const a = this.addresses();
    const fmt = (x: { address: string; port: number }): string => (x.address.includes(':') ? `[${x.address}]:${x.port}` : `${x.address}:${x.port}`);
    const parts = [
      a.statsd.length ? `statsd ${a.statsd.map((s) => `${s.kind} ${fmt(s)}`).join(', ')}` : 'statsd off',
      a.carbon.length ? `carbon ${a.carbon.map((s) => `${s.kind} ${fmt(s)}`).join(', ')}` : 'carbon off',
      admin ? `admin tcp ${fmt(admin)}` : 'admin off',
      a.http ? `http http://${fmt(a.http)}/` : 'http off',
    ];
    if (this.tracelog) {
      const syslog = this.tracelog.syslogAddress();
      parts.push(`tracelog ${this.config.tracelog.length} path(s)${syslog ? `, syslog udp ${fmt(syslog)}` : ''}`);
    }
    const fw = this.forwarders.length ? `; forwarding to ${this.forwarders.map((f) => f.destination).join(', ')}` : '';
    return `sotto ${VERSION}: ${parts.join('; ')}; data ${this.config.dataDir}; flush every ${this.config.flushInterval} ms${fw}; server is up`;
  }

  addresses(): BoundAddresses {
    return {
      statsd: this.statsdListener?.addresses() ?? [],
      carbon: this.carbon?.addresses() ?? [],
      admin: this.admin?.address() ?? null,
      http: (this.httpServer?.address() as AddressInfo | null) ?? null,
    };
  }

  private backendStats(): Array<[string, string, number]> {
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

  /** etsy getFlushTimeout: the next multiple of the interval after the start second. */
  private nextFlushAt(now: number): number {
    const interval = this.config.flushInterval;
    const attempt = Math.round((now - this.startSec * 1000) / interval) + 1;
    return this.startSec * 1000 + attempt * interval;
  }

  private scheduleFlush(): void {
    const now = this.clock();
    this.timer = setTimeout(() => this.flushNow(), this.nextFlushAt(now) - now);
  }

  private async flushNow(): Promise<void> {
    if (!this.running) return;
    const batch = this.collect(this.clock());
    this.scheduleFlush();
    await batch;
  }

  /**
   * Takes every source's points for the interval ending at `ms` and queues their writing. The
   * statsd snapshot is taken now; naming, forwarding and the store hand-over run in slices.
   */
  private collect(ms: number, storeNow?: number): Promise<void> {
    const tickAt = this.clock();
    const job = this.statsd.flush(ms);
    const others = this.sources.map((s) => Promise.resolve().then(() => s.flush(ms)).catch((err) => {
      this.log.warn(`flush source failed: ${(err as Error).message}`);
      return [] as MetricPoint[];
    }));
    const timestamp = Math.round(ms / 1000);
    const done = this.naming.then(async () => {
      const timing = { named: 0, longestSlice: 0, length: 0 };
      const started = performance.now();
      timing.longestSlice = await inSlices((budget) => job.step(budget));
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
      return this.enqueueWrite(() => this.writeFlush(columns, timestamp, storeNow, tickAt, timing));
    });
    this.naming = done.catch(() => undefined);
    return done;
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
    });
    return { longest, length };
  }

  private enqueueWrite(task: () => Promise<void>): Promise<void> {
    this.writes = this.writes.then(task, task);
    return this.writes;
  }

  private async writeFlush(columns: PointColumns, timestamp: number, storeNow: number | undefined, tickAt: number, timing: { named: number; longestSlice: number; length: number }): Promise<void> {
    const started = this.clock();
    const points = columns.names;
    try {
      const store = this.store!;
      this.reportErrors(await (store.writeColumns ? store.writeColumns(columns, storeNow) : store.write(columnsToPoints(columns), storeNow)));
      this.backend.lastFlush = Math.round(this.clock() / 1000);
    } catch (err) {
      this.backend.lastException = Math.round(this.clock() / 1000);
      this.log.warn(`store: writing ${points.length} points of the flush at ${timestamp} failed: ${(err as Error).message}`);
    }
    this.backend.flushTime = this.clock() - started;
    this.backend.flushLength = timing.length;
    if (this.loopDelay) {
      const done = this.clock();
      const maxDelay = this.loopDelay.max / 1e6;
      this.loopDelay.reset();
      this.log.info(`flush ${timestamp}: ${points.length} points, named in ${Math.round(timing.named)} ms (longest slice ${timing.longestSlice.toFixed(1)} ms), written in ${this.backend.flushTime} ms, ${done - tickAt} ms from tick to written; event loop delay max ${maxDelay.toFixed(1)} ms since the last report`);
    }
    const event: FlushEvent = { timestamp, names: columns.names };
    for (const l of this.listeners) {
      try { l(event); } catch (err) { this.log.warn(`flush listener failed: ${(err as Error).message}`); }
    }
  }

  /** Names the writer could not store (bad names, unwritable files): the first one of each batch, and a count. */
  private reportErrors(report: unknown): void {
    const errors = (report as Partial<WriteReport> | undefined)?.errors;
    if (!errors || errors.length === 0) return;
    this.storeErrors += errors.length;
    const first = errors[0]!;
    this.log.warn(`store: ${errors.length} metric(s) not written, e.g. ${JSON.stringify(first.name)}: ${first.message} (${this.storeErrors} so far)`);
  }

  private storeCarbon(points: MetricPoint[]): void {
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
        this.log.warn(`store: writing ${batch.length} carbon points failed: ${(err as Error).message}`);
      }
    });
  }

  /** SIGHUP: re-read the storage rules (new files use them). */
  async reload(): Promise<void> {
    try {
      await this.store?.reload?.();
      this.log.info('storage rules reloaded');
    } catch (err) {
      this.log.warn(`storage rules not reloaded, keeping the old ones: ${(err as Error).message}`);
    }
  }

  /**
   * Stops accepting, flushes what is pending (stamped with the next scheduled flush time, so it
   * never overwrites the previous flush's Whisper slot), writes it, closes files and sockets.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.statsdListener?.close();
    if (this.coarseTimer) clearInterval(this.coarseTimer);
    await this.carbon?.close();
    await this.admin?.close();
    if (wasRunning) {
      const at = this.nextFlushAt(this.clock());
      await this.collect(at, Math.round(at / 1000));
    }
    await this.writes;
    this.loopDelay?.disable();
    // After the last flush's points are written: saves the read positions that match them.
    await this.tracelog?.stop();
    await Promise.all(this.forwarders.map((f) => f.close()));
    await this.store?.close();
    this.httpApp?.close();
    if (this.httpServer) {
      const s = this.httpServer;
      await new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections?.(); });
    }
  }
}
