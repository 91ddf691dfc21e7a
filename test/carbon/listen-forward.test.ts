import t from 'tap';
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { CarbonListener } from '../../lib/carbon/listen.js';
import { Forwarder, destinationComponent, forwardCounts, plaintextLines } from '../../lib/carbon/forward.js';
import type { MetricPoint } from '../../lib/types.js';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('the carbon listener takes TCP lines (partial ones wait) and UDP datagrams', async (t) => {
  const points: MetricPoint[] = [];
  const warnings: string[] = [];
  const l = new CarbonListener({ port: 0, address: '127.0.0.1', udp: true, onPoints: (p) => points.push(...p), warn: (m) => warnings.push(m), nowSec: () => 99 });
  await l.start();
  t.teardown(() => l.close());
  const tcpPort = l.addresses().find((a) => a.kind === 'tcp')!.port;
  const udpPort = l.addresses().find((a) => a.kind === 'udp')!.port;
  const c = net.createConnection(tcpPort, '127.0.0.1');
  await once(c, 'connect');
  c.write('a.b 1 10\nbroken line\na.c 2 ');
  await until(() => points.length === 1);
  c.write('20\nlast 3 -1');
  c.end();
  await until(() => points.length === 3);
  const u = dgram.createSocket('udp4');
  await new Promise<void>((r) => u.send('u.x 4 30\nu.y 5 40', udpPort, '127.0.0.1', () => r()));
  u.close();
  await until(() => points.length === 5);
  t.same(points, [
    { name: 'a.b', value: 1, timestamp: 10 }, { name: 'a.c', value: 2, timestamp: 20 }, { name: 'last', value: 3, timestamp: 99 },
    { name: 'u.x', value: 4, timestamp: 30 }, { name: 'u.y', value: 5, timestamp: 40 },
  ]);
  t.equal(l.badLines, 1);
  t.match(warnings[0], /carbon: invalid line received from client 127\.0\.0\.1:\d+, ignoring \["broken line"\]/);
});

t.test('an over-long TCP line is dropped and the connection goes on', async (t) => {
  const points: MetricPoint[] = [];
  const l = new CarbonListener({ port: 0, address: '127.0.0.1', udp: false, onPoints: (p) => points.push(...p), warn: () => undefined });
  await l.start();
  t.teardown(() => l.close());
  const c = net.createConnection(l.addresses()[0]!.port, '127.0.0.1');
  await once(c, 'connect');
  c.write('x'.repeat(70000));
  c.write(' inj.m 7 1\nok 1 1\n'); // the rest of the long line is not a line of its own
  c.end();
  await until(() => points.length === 1);
  t.equal(l.badLines, 1);
  t.same(points, [{ name: 'ok', value: 1, timestamp: 1 }]);
});

t.test('close() reads the datagrams the kernel still holds before it closes the UDP socket', async (t) => {
  const points: MetricPoint[] = [];
  const l = new CarbonListener({ port: 0, address: '127.0.0.1', udp: true, onPoints: (p) => points.push(...p), warn: () => undefined });
  await l.start();
  const port = l.addresses().find((a) => a.kind === 'udp')!.port;
  const s = dgram.createSocket('udp4');
  const lines = (d: number) => Array.from({ length: 50 }, (_, i) => `burst.d${d}.l${i} 1 1000000000`).join('\n');
  for (let d = 0; d < 60; d++) await new Promise<void>((r) => s.send(lines(d), port, '127.0.0.1', () => r()));
  s.close();
  await l.close(); // at once: most datagrams are still queued
  t.equal(points.length, 3000, 'all 60 × 50 lines');
});

/** A carbon-like sink that records what arrives; `paused` stops reading (a slow destination). */
async function sink(paused = false) {
  let data = '';
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    if (paused) s.pause();
    s.setEncoding('utf8');
    s.on('data', (d: string) => { data += d; });
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return { port, text: () => data, close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

t.test('plaintext is name, value, timestamp per line with JavaScript number formatting', async (t) => {
  t.equal(plaintextLines({ names: ['a', 'b', 'c'], values: [0.1 + 0.2, 1e21, NaN], timestamps: [1, 2, 3] }, 0, 3), 'a 0.30000000000000004 1\nb 1e+21 2\nc NaN 3\n');
});

t.test('a destination that is down is retried; buffered lines arrive once it is up', async (t) => {
  const placeholder = await sink();
  const port = placeholder.port;
  placeholder.close();
  const warnings: string[] = [];
  const f = new Forwarder({ host: '127.0.0.1', port, maxBufferBytes: 1 << 20, warn: (m) => warnings.push(m), minBackoffMs: 20, maxBackoffMs: 50 });
  f.send('a 1 1\n');
  f.send('b 2 2\n');
  await until(() => warnings.length > 0);
  t.match(warnings[0], /forward 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  const server = net.createServer((s) => { s.setEncoding('utf8'); s.on('data', (d: string) => { got += d; }); });
  let got = '';
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  await until(() => got === 'a 1 1\nb 2 2\n');
  t.same(f.stats(), { destination: `127.0.0.1:${port}`, connected: true, queuedBytes: 0, sentLines: 2, droppedLines: 0 });
  await f.close();
  server.close();
});

t.test('past the buffer bound the oldest lines are dropped and counted', async (t) => {
  const f = new Forwarder({ host: '127.0.0.1', port: 1, maxBufferBytes: 12, warn: () => undefined, minBackoffMs: 1000 });
  f.send('a 1 1\n');
  f.send('b 2 2\nc 3 3\n');
  t.equal(f.stats().droppedLines, 1);
  t.equal(f.stats().queuedBytes, 12);
  await f.close();
});

t.test('a flush larger than the buffer still reaches a destination that takes it', async (t) => {
  const dest = await sink();
  t.teardown(() => dest.close());
  const warnings: string[] = [];
  const f = new Forwarder({ host: '127.0.0.1', port: dest.port, maxBufferBytes: 1000, warn: (m) => warnings.push(m) });
  await until(() => f.stats().connected);
  const big = Array.from({ length: 5000 }, (_, i) => `metric.${i} ${i} 1700000000\n`).join('');
  f.send(big);
  await until(() => dest.text().length === big.length);
  t.equal(dest.text(), big, 'all of it, in order');
  t.same([f.stats().droppedLines, warnings], [0, []], 'nothing dropped');
  await f.close();
});

t.test('drops are reported once a minute with their count, and what is left at shutdown is said', async (t) => {
  let clock = 0;
  const warnings: string[] = [];
  const f = new Forwarder({ host: '127.0.0.1', port: 1, maxBufferBytes: 12, warn: (m) => warnings.push(m), minBackoffMs: 60_000, clock: () => clock });
  for (let i = 0; i < 5; i++) f.send(`m ${i} 1\nm ${i} 2\n`);
  t.same(warnings.filter((w) => w.includes('buffer full')), ['forward 127.0.0.1:1: buffer full (12 bytes), dropped 2 lines since the last report (2 so far)'], 'one report, then quiet');
  clock += 60_000;
  f.send('n 1 1\nn 2 2\n');
  t.equal(warnings.filter((w) => w.includes('buffer full')).at(-1), 'forward 127.0.0.1:1: buffer full (12 bytes), dropped 8 lines since the last report (10 so far)', 'a minute later: everything since');
  await f.close(50);
  t.ok(warnings.includes('forward 127.0.0.1:1: 2 lines not sent at shutdown (unreachable)'), 'what was still queued is said');
});

t.test("destinations' health becomes metrics once one is in trouble: drops per interval, bytes waiting, connected", async (t) => {
  const up = await sink();
  t.teardown(() => up.close());
  const healthy = new Forwarder({ host: '127.0.0.1', port: up.port, maxBufferBytes: 1 << 20, warn: () => undefined });
  const down = new Forwarder({ host: '127.0.0.1', port: 1, maxBufferBytes: 12, warn: () => undefined, minBackoffMs: 60_000 });
  t.teardown(async () => { await healthy.close(); await down.close(50); });
  await until(() => healthy.stats().connected);
  const source = forwardCounts([healthy]);
  healthy.send('a 1 1\n');
  t.same(source.flush(1_700_000_000_000), [], 'a destination that takes everything adds no names');
  const both = forwardCounts([healthy, down]);
  await until(() => down.stats().queuedBytes === 0 && !down.stats().connected);
  t.same(both.flush(1_700_000_010_000), [], 'nothing waiting, nothing dropped: still no names');
  down.send('m 1 1\nm 2 1\nm 3 1\n'); // 18 bytes: the oldest slice is dropped (3 lines), nothing waits
  down.send('n 1 1\n');
  const at = (ms: number) => Object.fromEntries((both.flush(ms) as { name: string; value: number; timestamp: number }[]).map((p) => [p.name, [p.value, p.timestamp]]));
  const d = `sotto.forward.127_0_0_1_1`;
  const h = `sotto.forward.127_0_0_1_${up.port}`;
  t.same(at(1_700_000_020_000), {
    [`${d}.dropped_lines`]: [3, 1_700_000_020], [`${d}.queued_bytes`]: [6, 1_700_000_020], [`${d}.connected`]: [0, 1_700_000_020],
    [`${h}.dropped_lines`]: [0, 1_700_000_020], [`${h}.queued_bytes`]: [0, 1_700_000_020], [`${h}.connected`]: [1, 1_700_000_020],
  }, 'every destination, from the first interval with trouble');
  t.same(at(1_700_000_030_000)[`${d}.dropped_lines`], [0, 1_700_000_030], 'drops are per interval');
  down.send('o 1 1\np 1 1\n');
  t.same(at(1_700_000_040_000)[`${d}.dropped_lines`], [1, 1_700_000_040], 'the next drop counts in its own interval');
  t.equal(destinationComponent('[::1]:2003'), '__1_2003', 'an IPv6 destination is one name component');
});

t.test('a slow destination does not hold back another one', async (t) => {
  const slow = await sink(true);
  const fast = await sink();
  t.teardown(() => { slow.close(); fast.close(); });
  const a = new Forwarder({ host: '127.0.0.1', port: slow.port, maxBufferBytes: 16 << 20, warn: () => undefined });
  const b = new Forwarder({ host: '127.0.0.1', port: fast.port, maxBufferBytes: 16 << 20, warn: () => undefined });
  const big = Array.from({ length: 20000 }, (_, i) => `metric.${i} ${i} 1700000000\n`).join('');
  const started = Date.now();
  for (let i = 0; i < 10; i++) { a.send(big); b.send(big); }
  t.ok(Date.now() - started < 1000, 'send() returns at once');
  await until(() => fast.text().length === big.length * 10, 10000);
  t.ok(a.stats().queuedBytes > 0, 'the slow destination is still buffering');
  await b.close();
  await a.close(200);
});
