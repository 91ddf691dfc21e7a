// Carbon plaintext listeners (TCP and UDP, default port 2003): thin shells that hand parsed points
// to a callback (the server writes them straight into the store). A bad line is logged (rate
// limited, cut at 400 characters as carbon does) and skipped; the connection goes on.
import dgram from 'node:dgram';
import net from 'node:net';
import type { FlushSource, MetricPoint } from '../types.js';
import { parseCarbonText } from './parse.js';
import { TcpService, bindUdp, drainUdp, frameLines } from '../net/listen.js';
import { LogThrottle } from '../log-throttle.js';

export interface CarbonListenOptions {
  port: number;
  address: string;
  udp: boolean;
  onPoints(points: MetricPoint[]): void;
  warn(message: string): void;
  nowSec?: () => number;
}

/** Longest line kept while waiting for its newline (carbon drops the connection past 16 KiB). */
const MAX_LINE = 65536;

const cut = (line: string): string => (line.length > 400 ? JSON.stringify(line.slice(0, 400)) + '...' : JSON.stringify(line));

export class CarbonListener {
  private tcp: TcpService | null = null;
  private udpSocket: dgram.Socket | null = null;
  private bound: { kind: 'tcp' | 'udp'; address: string; port: number }[] = [];
  badLines = 0;
  /** Points taken (good lines). */
  pointsReceived = 0;
  /** UDP datagrams read (close() waits until they stop coming). */
  private received = 0;
  /** Bad lines are logged once a second at most. */
  private readonly badLog = new LogThrottle(1000);

  constructor(private readonly opts: CarbonListenOptions) {}

  private now(): number {
    return this.opts.nowSec ? this.opts.nowSec() : Math.floor(Date.now() / 1000);
  }

  private handle(text: string, from: string): void {
    const batch = parseCarbonText(text, this.now());
    this.pointsReceived += batch.points.length;
    if (batch.points.length) this.opts.onPoints(batch.points);
    for (const b of batch.bad) this.bad(`invalid line received from ${from}, ignoring [${cut(b.line)}]: ${b.reason}`);
  }

  /** Counts a bad line and logs it, at most one message a second. */
  private bad(message: string): void {
    this.badLines++;
    const held = this.badLog.pass();
    if (held !== null) this.opts.warn(`carbon: ${message}${held ? ` (${held} more bad lines not shown)` : ''}`);
  }

  async start(): Promise<void> {
    const o = this.opts;
    const tcp = new TcpService((socket) => {
      const from = `client ${socket.remoteAddress}:${socket.remotePort}`;
      // carbon drops an unterminated last line at close; sotto keeps it.
      frameLines(socket, MAX_LINE, (text) => this.handle(text, from), (start) => this.bad(`line longer than ${MAX_LINE} characters from ${from} dropped [${cut(start)}]`));
      socket.on('error', () => { /* the client's business */ });
    });
    this.tcp = tcp;
    const a = await tcp.listen(o.port, o.address);
    this.bound.push({ kind: 'tcp', address: a.address, port: a.port });
    if (o.udp) {
      const socket = dgram.createSocket(net.isIPv6(o.address) ? 'udp6' : 'udp4');
      socket.on('message', (msg, rinfo) => {
        this.received++;
        this.handle(msg.toString('utf8'), rinfo.address);
      });
      // Same port number as TCP (when TCP got a random port in tests, UDP takes that number too).
      const u = await bindUdp(socket, a.port, o.address, (err) => o.warn(`carbon UDP socket error: ${err.message}`));
      this.udpSocket = socket;
      this.bound.push({ kind: 'udp', address: u.address, port: u.port });
    }
  }

  addresses(): { kind: 'tcp' | 'udp'; address: string; port: number }[] {
    return this.bound.slice();
  }

  /** Stops accepting; datagrams queued in the kernel are read first (see drainUdp), TCP clients get a second to finish. */
  async close(quietMs = 50, maxWaitMs = 2000): Promise<void> {
    if (this.udpSocket) {
      const s = this.udpSocket;
      this.udpSocket = null;
      await drainUdp(() => this.received, quietMs, Date.now() + maxWaitMs);
      await new Promise<void>((r) => s.close(() => r()));
    }
    if (this.tcp) {
      const tcp = this.tcp;
      this.tcp = null;
      await tcp.close(1000);
    }
  }
}

/**
 * What the carbon port took and refused in each interval (`sotto.carbon.points_received`,
 * `sotto.carbon.bad_lines`), written next to statsd's own counts from the first interval the port
 * was used on: the many who never send it anything get no extra names.
 */
export function carbonCounts(listener: Pick<CarbonListener, 'pointsReceived' | 'badLines'>): FlushSource {
  let points = 0;
  let bad = 0;
  let used = false;
  return {
    flush(ms: number): MetricPoint[] {
      used ||= listener.pointsReceived > 0 || listener.badLines > 0;
      if (!used) return [];
      const timestamp = Math.round(ms / 1000);
      const out = [
        { name: 'sotto.carbon.points_received', value: listener.pointsReceived - points, timestamp },
        { name: 'sotto.carbon.bad_lines', value: listener.badLines - bad, timestamp },
      ];
      points = listener.pointsReceived;
      bad = listener.badLines;
      return out;
    },
  };
}
