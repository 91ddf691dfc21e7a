import t from 'tap';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { StatsdListener } from '../../lib/statsd/listen.js';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const hasIpv6 = await new Promise<boolean>((resolve) => {
  const s = dgram.createSocket('udp6');
  s.once('error', () => { s.close(); resolve(false); });
  s.bind(0, '::1', () => { s.close(); resolve(true); });
});

t.test('UDP datagrams over IPv4 and IPv6 and newline-framed TCP reach the callback', async (t) => {
  const packets: string[] = [];
  const warnings: string[] = [];
  const l = new StatsdListener({
    port: 0, address: '127.0.0.1', address_ipv6: hasIpv6 ? '::1' : null, tcpPort: 0, tcpAddress: '127.0.0.1',
    recvBufferSize: 1 << 20, onDatagram: (b) => packets.push(b.toString('utf8')), onPacket: (p) => packets.push(p), warn: (m) => warnings.push(m),
  });
  await l.start();
  t.teardown(() => l.close());
  const addrs = l.addresses();
  const udp4 = addrs.find((a) => a.kind === 'udp4')!;
  const tcp = addrs.find((a) => a.kind === 'tcp')!;
  const s4 = dgram.createSocket('udp4');
  await new Promise<void>((r) => s4.send('a:1|c\nb:2|c', udp4.port, '127.0.0.1', () => r()));
  s4.close();
  await until(() => packets.length === 1);
  if (hasIpv6) {
    const udp6 = addrs.find((a) => a.kind === 'udp6')!;
    const s6 = dgram.createSocket('udp6');
    await new Promise<void>((r) => s6.send('v6:1|c', udp6.port, '::1', () => r()));
    s6.close();
    await until(() => packets.length === 2);
  }
  const before = packets.length;
  const c = net.createConnection(tcp.port, '127.0.0.1');
  await once(c, 'connect');
  c.write('t:1|c\nu:2');
  await until(() => packets.length === before + 1);
  t.equal(packets[before], 't:1|c\n', 'everything up to the last newline is one packet');
  c.write('|c\nw:3|c');
  await until(() => packets.length === before + 2);
  t.equal(packets[before + 1], 'u:2|c\n', 'a partial line waits for the rest');
  c.end();
  await until(() => packets.length === before + 3);
  t.equal(packets[before + 2], 'w:3|c', 'an unterminated last line is handed over when the client closes');
  t.equal(packets[0], 'a:1|c\nb:2|c');
  if (hasIpv6) t.equal(packets[1], 'v6:1|c');
  t.same(warnings, []);
});

t.test('datagrams are handed over byte for byte (decoding is the aggregator\'s business)', async (t) => {
  const packets: Buffer[] = [];
  const l = new StatsdListener({ port: 0, address: '127.0.0.1', address_ipv6: null, tcpPort: null, tcpAddress: '', recvBufferSize: 0, onDatagram: (b) => packets.push(b), onPacket: () => undefined, warn: () => undefined });
  await l.start();
  t.teardown(() => l.close());
  const s = dgram.createSocket('udp4');
  const sent = Buffer.from([0x61, 0x3a, 0xff, 0xfe, 0x7c, 0x63]);
  await new Promise<void>((r) => s.send(sent, l.addresses()[0]!.port, '127.0.0.1', () => r()));
  s.close();
  await until(() => packets.length === 1);
  t.same([...packets[0]!], [...sent]);
});

t.test('an IPv6 address that cannot be bound is a warning, IPv4 still listens', async (t) => {
  const warnings: string[] = [];
  const l = new StatsdListener({ port: 0, address: '127.0.0.1', address_ipv6: '2001:db8::1', tcpPort: null, tcpAddress: '', recvBufferSize: 0, onDatagram: () => undefined, onPacket: () => undefined, warn: (m) => warnings.push(m) });
  await l.start();
  t.teardown(() => l.close());
  t.match(warnings[0], /statsd UDP on \[2001:db8::1\]:0 unavailable/);
  t.same(l.addresses().map((a) => a.kind), ['udp4']);
});

t.test('a port in use is an error from start()', async (t) => {
  const a = new StatsdListener({ port: 0, address: '127.0.0.1', address_ipv6: null, tcpPort: 0, tcpAddress: '127.0.0.1', recvBufferSize: 0, onDatagram: () => undefined, onPacket: () => undefined, warn: () => undefined });
  await a.start();
  t.teardown(() => a.close());
  const used = a.addresses().find((x) => x.kind === 'tcp')!.port;
  const b = new StatsdListener({ port: null, address: '', address_ipv6: null, tcpPort: used, tcpAddress: '127.0.0.1', recvBufferSize: 0, onDatagram: () => undefined, onPacket: () => undefined, warn: () => undefined });
  await t.rejects(b.start(), { code: 'EADDRINUSE' });
  const udpUsed = a.addresses().find((x) => x.kind === 'udp4')!.port;
  const c = new StatsdListener({ port: udpUsed, address: '127.0.0.1', address_ipv6: null, tcpPort: null, tcpAddress: '', recvBufferSize: 0, onDatagram: () => undefined, onPacket: () => undefined, warn: () => undefined });
  await t.rejects(c.start(), { code: 'EADDRINUSE' });
});
