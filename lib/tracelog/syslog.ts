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
  /** One datagram's lines (the last one may lack its newline), `<PRI>` and any BOM taken off. */
  onData: (data: Buffer, origin: LineOrigin) => void;
  log: (message: string) => void;
}

export interface SyslogReceiver {
  address(): AddressInfo;
  close(): Promise<void>;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]); // RFC 5424's UTF-8 BOM before MSG

/** The text of one datagram with the `<PRI>` and any BOM taken off (pure; a view when there is no BOM). */
export function syslogPayload(datagram: Buffer): Buffer {
  let text = datagram;
  if (text[0] === 60 /* < */) {
    let i = 1;
    while (i < text.length && i <= 4 && text[i]! >= 48 && text[i]! <= 57) i++;
    if (i > 1 && i <= 4 && text[i] === 62 /* > */) text = text.subarray(i + 1);
  }
  const bom = text.indexOf(BOM);
  if (bom !== -1) text = Buffer.concat([text.subarray(0, bom), text.subarray(bom + BOM.length)]);
  return text;
}

/** The non-blank lines of one datagram as text (latin1), `<PRI>` and any BOM taken off (pure). */
export function syslogLines(datagram: Buffer): string[] {
  return syslogPayload(datagram).toString('latin1').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '');
}

export function listenSyslog(opts: SyslogReceiverOptions): Promise<SyslogReceiver> {
  const socket: Socket = createSocket({ type: isIPv6(opts.address) ? 'udp6' : 'udp4' });
  socket.on('message', (msg, rinfo) => {
    const origin: LineOrigin = { fallback: sanitizeNode(rinfo.address), forced: null };
    opts.onData(syslogPayload(msg), origin);
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
