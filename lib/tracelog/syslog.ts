// An optional UDP syslog receiver (RFC 3164 and RFC 5424, one message per datagram), so trace
// logs can be sent straight to sotto without syslog-ng writing files. Each message goes through
// the same parser as a file line; the instance key comes from its header (host + program), or
// from the sender's address when the header has none.

import { createSocket, type Socket } from 'node:dgram';
import { isIPv6, type AddressInfo } from 'node:net';
import type { LineOrigin } from './ingest.js';
import { sanitizeNode } from './prefix.js';

export interface SyslogReceiverOptions {
  port: number;
  address: string;
  onLine: (line: string, origin: LineOrigin) => void;
  log: (message: string) => void;
}

export interface SyslogReceiver {
  address(): AddressInfo;
  close(): Promise<void>;
}

const BOM = '\u00ef\u00bb\u00bf'; // RFC 5424's UTF-8 BOM before MSG, read as latin1

/** The lines of one datagram, with the `<PRI>` and any BOM taken off (pure). */
export function syslogLines(datagram: Buffer): string[] {
  let text = datagram.toString('latin1');
  const pri = /^<\d{1,3}>/.exec(text);
  if (pri) text = text.slice(pri[0].length);
  if (text.includes(BOM)) text = text.replace(BOM, '');
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '');
}

export function listenSyslog(opts: SyslogReceiverOptions): Promise<SyslogReceiver> {
  const socket: Socket = createSocket({ type: isIPv6(opts.address) ? 'udp6' : 'udp4' });
  socket.on('message', (msg, rinfo) => {
    const origin: LineOrigin = { fallback: sanitizeNode(rinfo.address), forced: null };
    for (const line of syslogLines(msg)) opts.onLine(line, origin);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.address, () => {
      socket.off('error', reject);
      socket.on('error', (err) => opts.log(`tracelog: syslog socket: ${err.message}`));
      resolve({
        address: () => socket.address(),
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
