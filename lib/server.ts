// The composition root: statsd/carbon listeners → aggregator → store writer (+ forwarders), the
// admin port and the HTTP app. Owns the flush timer (pinned to the start time like etsy's
// getFlushTimeout, so it never drifts). A flush never blocks ingest: the snapshot is taken on
// time and its writing is queued, one write in flight at a time, late flushes still written.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FlushEvent, FlushSource, MetricPoint } from './types.js';
import { forwardTargets, type SottoConfig } from './config/options.js';
import { StatsdListener, type ListenerAddress } from './statsd/listen.js';
import { AdminServer } from './statsd/admin.js';
import { createStatsdSource, type StatsdSource } from './statsd/source.js';
import type { BackendStats } from './statsd/names.js';
import { CarbonListener } from './carbon/listen.js';
import { Forwarder, toPlaintext } from './carbon/forward.js';
import { createHttpApp, type HttpApp } from './http/app.js';
import { WhisperWriter, type WriteReport } from './store/writer.js';
import { loadStorageRules } from './config/storage-rules.js';
import { createTracelogSource, type TracelogSource } from './tracelog/source.js';
import { VERSION } from './version.js';

/** Where points go: the Whisper writer in production, anything with this shape in tests. */
export interface PointStore {
  write(points: MetricPoint[], now?: number): Promise<unknown>;
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

export class SottoServer {
  readonly config: SottoConfig;
  private readonly log: Logger;
  private readonly clock: () => number;
  private store: PointStore | null = null;
  private statsd: StatsdSource;
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

  constructor(private readonly opts: ServerOptions) {
    this.config = opts.config;
    this.log = opts.logger ?? consoleLogger;
    this.clock = opts.clock ?? Date.now;
    this.backend = { lastException: 0, lastFlush: 0, flushTime: 0, flushLength: 0 };
    this.adminHealth = this.config.healthStatus;
    this.statsd = createStatsdSource(this.config, () => this.backend, (line) => this.badLine(line), this.clock);
    this.sources.push(this.statsd);
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

  /** Takes every source's points for the interval ending at `ms` and queues their writing. */
  private collect(ms: number, storeNow?: number): Promise<void> {
    const tickAt = this.clock();
    const statsdPoints = this.statsd.flush(ms);
    const namedIn = this.clock() - tickAt;
    const others = this.sources.slice(1).map((s) => Promise.resolve().then(() => s.flush(ms)).catch((err) => {
      this.log.warn(`flush source failed: ${(err as Error).message}`);
      return [] as MetricPoint[];
    }));
    const timestamp = Math.round(ms / 1000);
    const done = Promise.all(others).then((lists) => {
      const points = lists.length ? statsdPoints.concat(...lists) : statsdPoints;
      if (this.forwarders.length) {
        const text = toPlaintext(points);
        for (const f of this.forwarders) f.send(text);
      }
      return this.enqueueWrite(() => this.writeFlush(points, timestamp, storeNow, tickAt, namedIn));
    });
    return done;
  }

  private enqueueWrite(task: () => Promise<void>): Promise<void> {
    this.writes = this.writes.then(task, task);
    return this.writes;
  }

  private async writeFlush(points: MetricPoint[], timestamp: number, storeNow: number | undefined, tickAt: number, namedIn: number): Promise<void> {
    const started = this.clock();
    try {
      this.reportErrors(await this.store!.write(points, storeNow));
      this.backend.lastFlush = Math.round(this.clock() / 1000);
    } catch (err) {
      this.backend.lastException = Math.round(this.clock() / 1000);
      this.log.warn(`store: writing ${points.length} points of the flush at ${timestamp} failed: ${(err as Error).message}`);
    }
    this.backend.flushTime = this.clock() - started;
    let length = 0;
    for (const p of points) length += p.name.length + String(p.value).length + String(p.timestamp).length + 3;
    this.backend.flushLength = length;
    if (this.config.debug) {
      const done = this.clock();
      this.log.info(`flush ${timestamp}: ${points.length} points, named in ${namedIn} ms, written in ${this.backend.flushTime} ms, ${done - tickAt} ms from tick to written`);
    }
    const event: FlushEvent = { timestamp, names: points.map((p) => p.name) };
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
