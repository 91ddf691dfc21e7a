// Forwards each flush as carbon plaintext to one destination (carbon-relay, go-carbon, …) over a
// persistent TCP connection. A destination that is down is retried with exponential backoff; its
// lines wait in a bounded buffer, the oldest dropped (and counted) past the bound. send() never
// waits, so one slow destination blocks neither the others nor the flush.
import net from 'node:net';
import { LogThrottle } from '../log-throttle.js';
import type { FlushSource, MetricPoint } from '../types.js';

/** "Buffer full" is said at most this often (a slow destination would say it at every flush). */
const DROP_WARN_EVERY_MS = 60_000;

/**
 * `name value timestamp\n` for points [start, end) of columns (parallel arrays of names, values,
 * timestamps); values print as JavaScript numbers, as etsy's backend does.
 */
export function plaintextLines(c: { names: readonly string[]; values: readonly number[]; timestamps: readonly number[] }, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += c.names[i]! + ' ' + c.values[i]! + ' ' + c.timestamps[i]! + '\n';
  return out;
}

export interface ForwarderOptions {
  host: string;
  port: number;
  /** Bytes kept while the destination is unreachable or slow. */
  maxBufferBytes: number;
  warn(message: string): void;
  /** First retry delay; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Milliseconds clock (tests). */
  clock?: () => number;
}

export interface ForwarderStats {
  destination: string;
  connected: boolean;
  queuedBytes: number;
  sentLines: number;
  droppedLines: number;
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

export class Forwarder {
  private socket: net.Socket | null = null;
  private connected = false;
  private writable = false;
  private queue: string[] = [];
  private queuedBytes = 0;
  private backoff: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private sentLines = 0;
  private droppedLines = 0;
  private lastWarn = '';
  private readonly dropLog: LogThrottle;
  readonly destination: string;

  constructor(private readonly opts: ForwarderOptions) {
    this.dropLog = new LogThrottle(DROP_WARN_EVERY_MS, opts.clock);
    this.backoff = opts.minBackoffMs ?? 100;
    this.destination = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`;
    this.connect();
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.closing) return;
    const socket = net.createConnection({ host: this.opts.host, port: this.opts.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30000);
    socket.on('connect', () => {
      this.connected = true;
      this.writable = true;
      this.backoff = this.opts.minBackoffMs ?? 100;
      if (this.lastWarn) this.opts.warn(`forward ${this.destination}: connected again`);
      this.lastWarn = '';
      this.pump();
    });
    socket.on('drain', () => {
      this.writable = true;
      this.pump();
    });
    socket.on('data', () => { /* carbon does not answer; ignore anything */ });
    socket.on('error', (err) => {
      const msg = `forward ${this.destination}: ${err.message}; retrying`;
      if (msg !== this.lastWarn) this.opts.warn(msg); // once per distinct failure, not every retry
      this.lastWarn = msg;
    });
    socket.on('close', () => {
      this.connected = false;
      this.writable = false;
      this.socket = null;
      if (this.closing) return;
      const delay = this.backoff;
      this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 30000);
      this.retryTimer = setTimeout(() => this.connect(), delay);
      this.retryTimer.unref?.();
    });
  }

  /**
   * Queues a flush's text (or a slice of it); returns at once. A destination that takes what it is
   * sent gets it whatever its size: the bound applies to what waits (down, or not reading).
   */
  send(text: string): void {
    if (text.length === 0) return;
    this.queue.push(text);
    this.queuedBytes += text.length;
    this.pump();
    let dropped = 0;
    while (this.queuedBytes > this.opts.maxBufferBytes && this.queue.length > 0) {
      const oldest = this.queue.shift()!;
      this.queuedBytes -= oldest.length;
      dropped += countLines(oldest);
    }
    if (dropped === 0) return;
    this.droppedLines += dropped;
    const held = this.dropLog.pass(dropped);
    if (held !== null) {
      this.opts.warn(`forward ${this.destination}: buffer full (${this.opts.maxBufferBytes} bytes), dropped ${held + dropped} lines since the last report (${this.droppedLines} so far)`);
    }
  }

  private pump(): void {
    while (this.connected && this.writable && this.queue.length > 0 && this.socket) {
      const chunk = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      this.sentLines += countLines(chunk);
      this.writable = this.socket.write(chunk);
    }
  }

  stats(): ForwarderStats {
    return { destination: this.destination, connected: this.connected, queuedBytes: this.queuedBytes, sentLines: this.sentLines, droppedLines: this.droppedLines };
  }

  /** Sends what is queued if connected (waiting at most `graceMs`), then closes; says what was not sent. */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const socket = this.socket;
    const deadline = Date.now() + graceMs;
    while (socket && this.connected && (this.queue.length > 0 || socket.writableLength > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const unsent = this.queue.reduce((n, chunk) => n + countLines(chunk), 0);
    const unsentBytes = socket?.writableLength ?? 0;
    if (unsent > 0 || unsentBytes > 0) {
      const parts = [unsent > 0 ? `${unsent} lines` : '', unsentBytes > 0 ? `${unsentBytes} bytes the destination had not taken` : ''].filter(Boolean);
      this.opts.warn(`forward ${this.destination}: ${parts.join(' and ')} not sent at shutdown (${this.connected ? 'not reading' : 'unreachable'})`);
    }
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { socket.destroy(); resolve(); }, Math.max(0, deadline - Date.now()) + 100);
      socket.once('close', () => { clearTimeout(timer); resolve(); });
      socket.end();
    });
  }
}

/** A destination as one metric name component: `127.0.0.1:2003` → `127_0_0_1_2003` (dots would make a path). */
export function destinationComponent(destination: string): string {
  return destination.replace(/[[\]]/g, '').replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * The forward destinations' health as metrics, per flush interval, so a dashboard shows a
 * destination falling behind: `sotto.forward.<destination>.dropped_lines` (lines dropped from its
 * full buffer in the interval), `.queued_bytes` (waiting now) and `.connected` (1 or 0). Written
 * from the first flush that finds trouble (a drop, or lines waiting for a destination that is not
 * connected) on, so setups whose destinations are always up get no new names (nor does etsy's
 * differential).
 */
export function forwardCounts(forwarders: readonly Pick<Forwarder, 'stats'>[]): FlushSource {
  const dropped = forwarders.map(() => 0);
  let used = false;
  return {
    flush(ms: number): MetricPoint[] {
      const stats = forwarders.map((f) => f.stats());
      used ||= stats.some((s) => s.droppedLines > 0 || (!s.connected && s.queuedBytes > 0));
      if (!used) return [];
      const timestamp = Math.round(ms / 1000);
      return stats.flatMap((s, i) => {
        const name = `sotto.forward.${destinationComponent(s.destination)}`;
        const since = s.droppedLines - dropped[i]!;
        dropped[i] = s.droppedLines;
        return [
          { name: `${name}.dropped_lines`, value: since, timestamp },
          { name: `${name}.queued_bytes`, value: s.queuedBytes, timestamp },
          { name: `${name}.connected`, value: s.connected ? 1 : 0, timestamp },
        ];
      });
    },
  };
}
