// Thin socket shells for statsd ingest: UDP (IPv4 and IPv6, one datagram = one packet) and TCP
// (newline-framed: everything up to the last `\n` of what has arrived is one packet, a partial
// last line waits for more). They hand datagrams (bytes) and TCP text to callbacks and know
// nothing else.
import dgram from 'node:dgram';
import { TcpService, bindUdp, drainUdp, frameLines } from '../net/listen.js';

export interface ListenerAddress {
  kind: 'udp4' | 'udp6' | 'tcp';
  address: string;
  port: number;
}

/** Where statsd listens: the listener's slice of the configuration. */
export interface StatsdSocketConfig {
  /** UDP port; null = no UDP. */
  port: number | null;
  address: string;
  /** IPv6 UDP address; null = no IPv6 socket. */
  address_ipv6: string | null;
  tcpPort: number | null;
  tcpAddress: string;
  /** SO_RCVBUF for the UDP sockets (0 = OS default). */
  recvBufferSize: number;
}

export interface StatsdListenOptions extends StatsdSocketConfig {
  /** One UDP datagram, as received (the aggregator reads the bytes; nothing is decoded here). */
  onDatagram(buf: Buffer): void;
  /** One TCP packet's text. */
  onPacket(text: string): void;
  /** Non-fatal problems (an IPv6 socket that cannot bind, an oversized TCP line). */
  warn(message: string): void;
}

/** Longest unterminated TCP tail kept while waiting for its newline. */
const MAX_TCP_PENDING = 1 << 20;

export class StatsdListener {
  private udp: dgram.Socket[] = [];
  private tcp: TcpService | null = null;
  private bound: ListenerAddress[] = [];
  private received = 0;

  constructor(private readonly opts: StatsdListenOptions) {}

  async start(): Promise<void> {
    const o = this.opts;
    if (o.port !== null) {
      await this.bindUdp('udp4', o.address, o.port);
      if (o.address_ipv6 !== null) {
        try {
          // Same port as IPv4 unless that was 0 (tests): then whatever the OS gives.
          await this.bindUdp('udp6', o.address_ipv6, o.port);
        } catch (err) {
          o.warn(`statsd UDP on [${o.address_ipv6}]:${o.port} unavailable (${(err as Error).message}); IPv4 only`);
        }
      }
    }
    if (o.tcpPort !== null) await this.listenTcp(o.tcpAddress, o.tcpPort);
  }

  private async bindUdp(type: 'udp4' | 'udp6', address: string, port: number): Promise<void> {
    const o = this.opts;
    const socket = dgram.createSocket({ type, ipv6Only: type === 'udp6', recvBufferSize: o.recvBufferSize || undefined });
    const onDatagram = o.onDatagram;
    socket.on('message', (msg) => { this.received++; onDatagram(msg); });
    const a = await bindUdp(socket, port, address, (err) => o.warn(`statsd ${type} socket error: ${err.message}`));
    this.udp.push(socket);
    this.bound.push({ kind: type, address: a.address, port: a.port });
  }

  private async listenTcp(address: string, port: number): Promise<void> {
    const o = this.opts;
    const tcp = new TcpService((socket) => {
      // etsy drops an unterminated last line at close; sotto counts it (nothing received is lost).
      frameLines(socket, MAX_TCP_PENDING, (text) => o.onPacket(text), () => {
        o.warn(`statsd TCP from ${socket.remoteAddress}: line longer than ${MAX_TCP_PENDING} characters dropped`);
      });
      socket.on('error', () => { /* a reset connection is the client's business */ });
    });
    this.tcp = tcp;
    const a = await tcp.listen(port, address);
    this.bound.push({ kind: 'tcp', address: a.address, port: a.port });
  }

  /** What is bound where (tests bind port 0 and read the real ports here). */
  addresses(): ListenerAddress[] {
    return this.bound.slice();
  }

  /**
   * Stops accepting. Datagrams already queued in the kernel are read first (until the sockets have
   * been quiet for `quietMs`, at most `maxWaitMs`): closing at once would drop them. Open TCP
   * connections are ended after what they sent so far is handled.
   */
  async close(quietMs = 50, maxWaitMs = 2000): Promise<void> {
    // Quiet = no datagram during one whole `quietMs` window (a counter, no clock read per packet).
    if (this.udp.length) await drainUdp(() => this.received, quietMs, Date.now() + maxWaitMs);
    await Promise.all(this.udp.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.udp = [];
    if (this.tcp) {
      const tcp = this.tcp;
      this.tcp = null;
      await tcp.close(1000);
    }
  }
}
