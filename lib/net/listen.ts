// The socket plumbing the statsd, carbon and admin ports share: bind/listen as a promise (a bind
// error rejects, later errors go to a handler), a TCP server that knows its open connections so
// closing can end them, and newline framing for line protocols.
import type dgram from 'node:dgram';
import net from 'node:net';

/** A TCP server that tracks its connections, so close() can end (or cut) them. */
export class TcpService {
  readonly server: net.Server;
  private readonly conns = new Set<net.Socket>();

  constructor(onConnection: (socket: net.Socket) => void) {
    this.server = net.createServer((socket) => {
      this.conns.add(socket);
      socket.on('close', () => this.conns.delete(socket));
      onConnection(socket);
    });
  }

  /** Resolves with the bound address once listening; rejects when the port cannot be had. */
  listen(port: number, address: string): Promise<net.AddressInfo> {
    const server = this.server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.removeListener('error', reject);
        resolve(server.address() as net.AddressInfo);
      });
    });
  }

  address(): net.AddressInfo | null {
    return (this.server.address() as net.AddressInfo | null) ?? null;
  }

  /**
   * Stops accepting and ends the open connections (what they sent so far is still read); any
   * still open after `graceMs` are destroyed. `graceMs` 0 destroys them at once.
   */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    if (graceMs === 0) {
      for (const c of this.conns) c.destroy();
      await closed;
      return;
    }
    for (const c of this.conns) c.end();
    const timer = setTimeout(() => { for (const c of this.conns) c.destroy(); }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}

/**
 * Binds a UDP socket. A bind error closes the socket and rejects; errors after that go to
 * `onError` (a socket without an error handler would crash the process).
 */
export function bindUdp(socket: dgram.Socket, port: number, address: string, onError: (err: Error) => void): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, address, () => {
      socket.removeAllListeners('error');
      socket.on('error', onError);
      resolve(socket.address());
    });
  });
}

/**
 * Newline framing: everything up to the last `\n` received so far is handed to `onText` as one
 * piece; an unterminated tail waits for more and is handed on when the client ends the
 * connection (nothing received is lost). A tail longer than `maxPending` characters goes to
 * `onOverflow` and is dropped.
 */
export function frameLines(socket: net.Socket, maxPending: number, onText: (text: string) => void, onOverflow: (tail: string) => void): void {
  socket.setEncoding('utf8');
  let pending = '';
  socket.on('data', (chunk: string) => {
    pending += chunk;
    const nl = pending.lastIndexOf('\n');
    if (nl !== -1) {
      const text = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      onText(text);
    }
    if (pending.length > maxPending) {
      const tail = pending;
      pending = '';
      onOverflow(tail);
    }
  });
  socket.on('end', () => {
    const tail = pending;
    pending = '';
    if (tail.length > 0) onText(tail);
  });
}
