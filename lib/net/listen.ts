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
   * still open after `graceMs` are destroyed. `graceMs` 0 destroys them at once. Resolves once
   * every connection has emitted 'close' (the server's own 'close' can come first), so whatever a
   * connection's 'close' handler hands on (frameLines: an unterminated last line) is in by then.
   */
  async close(graceMs: number): Promise<void> {
    const closed = [new Promise<void>((r) => this.server.close(() => r()))];
    for (const c of this.conns) closed.push(new Promise<void>((r) => c.once('close', () => r())));
    if (graceMs === 0) {
      for (const c of this.conns) c.destroy();
      await Promise.all(closed);
      return;
    }
    for (const c of this.conns) c.end();
    const timer = setTimeout(() => { for (const c of this.conns) c.destroy(); }, graceMs);
    await Promise.all(closed);
    clearTimeout(timer);
  }
}

/**
 * Waits until the datagrams already queued in the kernel have been read: until `received()` stays
 * the same for a whole `quietMs`, or `deadline` (ms since the epoch). Closing a UDP socket at once
 * would drop them.
 */
export async function drainUdp(received: () => number, quietMs: number, deadline: number): Promise<void> {
  for (;;) {
    const before = received();
    await new Promise((r) => setTimeout(r, quietMs));
    if (received() === before || Date.now() >= deadline) return;
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
 * piece; an unterminated tail waits for more and is handed on when the connection ends or is
 * closed, by the client or by TcpService.close() (nothing received is lost). A line longer than
 * `maxPending` characters, however it arrives, goes to `onOverflow` (its start) and is dropped
 * up to its newline: its rest is never read as a line of its own.
 */
export function frameLines(socket: net.Socket, maxPending: number, onText: (text: string) => void, onOverflow: (start: string) => void): void {
  socket.setEncoding('utf8');
  let pending = '';
  /** Inside a line already reported as too long: drop up to its newline. */
  let skipping = false;
  const emit = (text: string): void => {
    if (text.length <= maxPending) return onText(text);
    // Rare: some line in `text` may be too long. Hand on the others, in order.
    let kept = '';
    for (const line of text.split(/(?<=\n)/)) {
      if (line.length - (line.endsWith('\n') ? 1 : 0) > maxPending) onOverflow(line.slice(0, maxPending));
      else kept += line;
    }
    if (kept.length > 0) onText(kept);
  };
  socket.on('data', (chunk: string) => {
    if (skipping) {
      const nl = chunk.indexOf('\n');
      if (nl === -1) return;
      skipping = false;
      chunk = chunk.slice(nl + 1);
    }
    pending += chunk;
    const nl = pending.lastIndexOf('\n');
    if (nl !== -1) {
      const text = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      emit(text);
    }
    if (pending.length > maxPending) {
      const start = pending;
      pending = '';
      skipping = true;
      onOverflow(start);
    }
  });
  const tail = (): void => {
    const text = pending;
    pending = '';
    if (text.length > 0) emit(text);
  };
  socket.on('end', tail);
  socket.on('close', tail);
}
