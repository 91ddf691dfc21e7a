// The composition root: statsd/carbon listeners → aggregator → flush pipeline → store writer
// (+ forwarders), the admin port and the HTTP app. Owns the flush timer (pinned to the start time
// like etsy's getFlushTimeout, so it never drifts): on each tick the statsd snapshot is taken on
// time and handed to the flush pipeline (flush-pipeline.ts), which names, forwards and writes it
// without blocking ingest; late flushes are still written.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FlushEvent, FlushSource } from './types.js';
import { forwardTargets, type SottoConfig } from './config/options.js';
import { StatsdListener, type ListenerAddress } from './statsd/listen.js';
import { AdminServer } from './statsd/admin.js';
import { createStatsdSource, type StatsdSource } from './statsd/source.js';
import { CarbonListener, carbonCounts } from './carbon/listen.js';
import { useDataDir } from './store/data-dir-claim.js';
import { Forwarder, forwardCounts } from './carbon/forward.js';
import { createHttpApp, type HttpApp } from './http/app.js';
import { WhisperWriter } from './store/writer.js';
import { FlushPipeline, type Logger, type PointStore } from './flush-pipeline.js';
import { loadStorageRules, selectStorage, type StorageRules } from './config/storage-rules.js';
import { sampleNames } from './statsd/names.js';
import { createTracelogSource, type TracelogSource } from './tracelog/source.js';
import { VERSION } from './version.js';
import { LogThrottle } from './log-throttle.js';

export type { PointColumns } from './statsd/names.js';
export type { Logger, PointStore } from './flush-pipeline.js';

/**
 * The statsd names whose finest archive is coarser than the flush interval: each flush then
 * overwrites the previous one's point in the same slot (so does etsy with carbon; rarely meant).
 */
export function coarseSchemaWarning(rules: StorageRules, config: SottoConfig): string | null {
  const seconds = config.flushInterval / 1000;
  for (const name of sampleNames(config.graphite)) {
    const s = selectStorage(rules, name);
    const step = s.archives[0]?.[0] ?? 0;
    if (step > seconds) {
      return `storage: flushInterval ${config.flushInterval} ms is shorter than the ${step} s finest archive that storage-schemas.conf${s.schema ? ` [${s.schema}]` : ''} gives ${name}: `
        + 'each flush overwrites the previous one in the same slot (make the finest precision the flush interval)';
    }
  }
  return null;
}

/** The production store: the Whisper writer with the storage rules from conf/ (reloaded on SIGHUP). */
export async function openWhisperStore(config: SottoConfig, warn: (message: string) => void = () => undefined): Promise<PointStore> {
  const rules = await loadStorageRules(config.storageSchemas, config.storageAggregation);
  const coarse = coarseSchemaWarning(rules, config);
  if (coarse) warn(coarse);
  const release = useDataDir(config.dataDir, warn);
  const writer = new WhisperWriter({ dataDir: config.dataDir, rules, workers: config.writerThreads });
  return {
    write: (points, now) => writer.write(points, now),
    writeColumns: (columns, now) => writer.writeColumns(columns, now),
    reload: async () => writer.setRules(await loadStorageRules(config.storageSchemas, config.storageAggregation)),
    close: async () => {
      await writer.close();
      release();
    },
  };
}

export interface ServerOptions {
  config: SottoConfig;
  /** Opens the store; called by start(). Default: openWhisperStore. */
  openStore?(config: SottoConfig, warn: (message: string) => void): Promise<PointStore>;
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
  private readonly pipeline: FlushPipeline;
  private statsdListener: StatsdListener | null = null;
  private carbon: CarbonListener | null = null;
  private admin: AdminServer | null = null;
  private httpServer: http.Server | null = null;
  private httpApp: HttpApp | null = null;
  private forwarders: Forwarder[] = [];
  private timer: NodeJS.Timeout | null = null;
  private startSec = 0;
  private running = false;
  private stopping: Promise<void> | null = null;
  private coarseNow = 0;
  private coarseTimer: NodeJS.Timeout | null = null;
  /** Bad statsd lines are logged once a second at most. */
  private readonly badLog: LogThrottle;
  private adminHealth: 'up' | 'down';
  private tracelog: TracelogSource | null = null;

  constructor(private readonly opts: ServerOptions) {
    this.config = opts.config;
    this.log = opts.logger ?? consoleLogger;
    this.clock = opts.clock ?? Date.now;
    this.badLog = new LogThrottle(1000, this.clock);
    this.adminHealth = this.config.healthStatus;
    this.pipeline = new FlushPipeline({
      flushStatsd: (ms) => this.statsd.flush(ms), log: this.log, clock: this.clock, received: () => this.statsd.aggregator.packetsTotal,
    });
    this.statsd = createStatsdSource(this.config, () => this.pipeline.backend, (line) => this.badLine(line), this.clock);
  }

  /** Plug in another source of points for every flush (the tracelog tailer, …). */
  addSource(source: FlushSource): void {
    this.pipeline.addSource(source);
  }

  /** Subscribe to "a flush was written"; returns the unsubscribe function. */
  onFlush(listener: (e: FlushEvent) => void): () => void {
    return this.pipeline.onFlush(listener);
  }

  get aggregator() {
    return this.statsd.aggregator;
  }

  private badLine(line: string): void {
    const held = this.badLog.pass();
    if (held === null) return;
    const more = held ? ` (${held} more since the last report)` : '';
    this.log.warn(`statsd: bad line ${JSON.stringify(line.length > 200 ? line.slice(0, 200) + '…' : line)}${more}`);
  }

  async start(): Promise<void> {
    const c = this.config;
    this.startSec = Math.round(this.clock() / 1000);
    this.pipeline.backend.lastFlush = this.startSec;
    this.store = await (this.opts.openStore ?? openWhisperStore)(c, (m) => this.log.warn(m));
    await this.startTracelog();
    this.forwarders = forwardTargets(c).map((t) => new Forwarder({ ...t, maxBufferBytes: c.forwardBufferBytes, warn: (m) => this.log.warn(m) }));
    this.pipeline.connect(this.store, this.forwarders);
    if (this.forwarders.length) this.pipeline.addSource(forwardCounts(this.forwarders));
    this.pipeline.addSource(this.pipeline.storeCounts());
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
      const carbon = new CarbonListener({ port: c.carbonPort, address: c.carbonAddress, udp: c.carbonUdp, onPoints: (p) => this.pipeline.storeCarbon(p), warn: (m) => this.log.warn(m) });
      this.carbon = carbon;
      await carbon.start();
      this.pipeline.addSource(carbonCounts(carbon));
    }
    let adminAddr: AddressInfo | null = null;
    if (c.mgmt_port !== null) {
      const self = this;
      this.admin = new AdminServer({
        aggregator: () => self.statsd.aggregator,
        startTime: this.startSec,
        backendStats: () => self.pipeline.backendStats(),
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
          lastFlush: this.pipeline.backend.lastFlush === this.startSec ? null : this.pipeline.backend.lastFlush,
          status: this.adminHealth,
          version: VERSION,
          // The page's empty state tells a new user where to send a first metric.
          statsdPort: this.statsdListener?.addresses().find((a) => a.kind !== 'tcp')?.port ?? null,
          flushInterval: c.flushInterval,
          writes: this.pipeline.writeStats(),
        }),
        warn: (m) => this.log.warn(m),
      });
      this.httpApp = app;
      // Targets may be 64 KB (the render limit); Node's default 16 KB header limit would cut a GET
      // carrying one with a bare 431.
      const server = http.createServer({ maxHeaderSize: 128 * 1024 }, app);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(c.httpPort!, c.httpHost, () => { server.removeListener('error', reject); resolve(); });
      });
      this.httpServer = server;
    }
    this.running = true;
    if (c.debug) this.pipeline.reportTimings();
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
    const batch = this.pipeline.collect(this.clock());
    this.scheduleFlush();
    await batch;
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
    if (this.coarseTimer) clearInterval(this.coarseTimer);
    // Each waits for its clients to finish (up to a grace period): in parallel, not one after another.
    await Promise.all([this.statsdListener?.close(), this.carbon?.close(), this.admin?.close()]);
    if (wasRunning) {
      const at = this.nextFlushAt(this.clock());
      await this.pipeline.collect(at, Math.round(at / 1000));
    }
    await this.pipeline.drain();
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
