import t from 'tap';
import dgram from 'node:dgram';
import net from 'node:net';
import http from 'node:http';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SottoServer, coarseSchemaWarning, type PointStore } from '../lib/server.js';
import { loadStorageRules, parseStorageRules } from '../lib/config/storage-rules.js';
import { defaults, type SottoConfig } from '../lib/config/options.js';
import type { FlushEvent, MetricPoint } from '../lib/types.js';

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

class MemoryStore implements PointStore {
  writes: { points: MetricPoint[]; now?: number }[] = [];
  closed = false;
  reloads = 0;
  delayMs = 0;
  fail = false;
  async write(points: MetricPoint[], now?: number) {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.fail) throw new Error('disk full');
    this.writes.push({ points, now });
  }
  async reload() { this.reloads++; }
  async close() { this.closed = true; }
  all() { return this.writes.flatMap((w) => w.points); }
  value(name: string) { return this.all().filter((p) => p.name === name).reduce((s, p) => s + p.value, 0); }
}

function config(over: Partial<SottoConfig> = {}): SottoConfig {
  return { ...defaults(), port: 0, address: '127.0.0.1', address_ipv6: null, carbonPort: 0, carbonAddress: '127.0.0.1', mgmt_port: 0, httpPort: null, flushInterval: 1000, dataDir: mkdtempSync(join(tmpdir(), 'sotto-server-')), ...over };
}

async function start(over: Partial<SottoConfig> = {}, store = new MemoryStore()) {
  const logs: string[] = [];
  const server = new SottoServer({ config: config(over), openStore: async () => store, logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) } });
  await server.start();
  return { server, store, logs };
}

async function udp(port: number, ...packets: string[]) {
  const s = dgram.createSocket('udp4');
  for (const p of packets) await new Promise<void>((r) => s.send(p, port, '127.0.0.1', () => r()));
  s.close();
}

t.test('statsd packets end up in the store as named points at the next flush, announced as a FlushEvent', async (t) => {
  const { server, store, logs } = await start();
  t.teardown(() => server.stop());
  const events: FlushEvent[] = [];
  const off = server.onFlush((e) => events.push(e));
  const port = server.addresses().statsd[0]!.port;
  await udp(port, 'api.hits:3|c', 'api.t:5|ms', 'g:2|g');
  await until(() => store.value('stats.counters.api.hits.count') === 3);
  const w = store.writes.find((x) => x.points.some((p) => p.name === 'stats.counters.api.hits.count'))!;
  t.ok(w.points.some((p) => p.name === 'stats.timers.api.t.upper_99' && p.value === 5));
  t.ok(w.points.some((p) => p.name === 'stats.gauges.g' && p.value === 2));
  await until(() => events.length > 0);
  t.ok(events.some((e) => e.names.includes('stats.counters.api.hits.count')));
  off();
  t.match(logs[0], /^sotto .*: statsd udp4 127\.0\.0\.1:\d+; carbon tcp 127\.0\.0\.1:\d+, udp 127\.0\.0\.1:\d+; admin tcp 127\.0\.0\.1:\d+; http off; data .*; flush every 1000 ms; server is up$/);
});

t.test('flushes are pinned to the start time and stamped with rounded seconds', async (t) => {
  const { server, store } = await start();
  t.teardown(() => server.stop());
  await until(() => store.writes.length >= 2);
  const stamps = store.writes.slice(0, 2).map((w) => w.points[0]!.timestamp);
  t.equal(stamps[1]! - stamps[0]!, 1);
});

t.test('carbon plaintext lines are written straight into the store', async (t) => {
  const { server, store } = await start();
  t.teardown(() => server.stop());
  const port = server.addresses().carbon.find((a) => a.kind === 'tcp')!.port;
  const c = net.createConnection(port, '127.0.0.1');
  await once(c, 'connect');
  c.end('direct.metric 42 1700000000\n');
  await until(() => store.all().some((p) => p.name === 'direct.metric'));
  t.same(store.all().find((p) => p.name === 'direct.metric'), { name: 'direct.metric', value: 42, timestamp: 1700000000 });
});

t.test('the carbon port counts the points it took and the bad lines it refused, once it is in use', async (t) => {
  const { server, store } = await start({ flushInterval: 500 });
  t.teardown(() => server.stop());
  const counts = (name: string) => store.all().filter((p) => p.name === name).map((p) => p.value);
  await until(() => store.all().some((p) => p.name === 'stats.statsd.numStats'));
  t.same(counts('sotto.carbon.points_received'), [], 'nothing said about a carbon port nobody uses');
  const port = server.addresses().carbon.find((a) => a.kind === 'tcp')!.port;
  const c = net.createConnection(port, '127.0.0.1');
  await once(c, 'connect');
  c.end('good.one 1 1700000000\ngood.two 2 1700000000\nbad line\nx.y zz 1\n');
  await until(() => counts('sotto.carbon.bad_lines').reduce((a, b) => a + b, 0) === 2);
  t.equal(counts('sotto.carbon.points_received').reduce((a, b) => a + b, 0), 2, 'two points taken');
  const before = store.all().length;
  await until(() => store.all().length > before + 2);
  t.equal(counts('sotto.carbon.bad_lines').at(-1), 0, 'later intervals count from zero');
});

t.test('stop() flushes what is pending, stamped with the next flush time, then closes the store', async (t) => {
  const { server, store } = await start({ flushInterval: 60000 });
  const port = server.addresses().statsd[0]!.port;
  await udp(port, ...Array.from({ length: 50 }, () => 'n:1|c'));
  await until(() => server.aggregator.lastMessageSeen > 0);
  await new Promise((r) => setTimeout(r, 50));
  await server.stop();
  t.equal(store.value('stats.counters.n.count'), 50);
  const last = store.writes[store.writes.length - 1]!;
  t.ok(last.now! > Date.now() / 1000, 'stamped in the future (the next scheduled flush)');
  t.equal(last.points[0]!.timestamp, last.now);
  t.ok(store.closed);
  await server.stop();
});

t.test('a slow store write does not hold up ingest or later flushes; all are written in order', async (t) => {
  const store = new MemoryStore();
  store.delayMs = 400;
  const { server } = await start({ flushInterval: 250 }, store);
  t.teardown(() => server.stop());
  const port = server.addresses().statsd[0]!.port;
  for (let i = 0; i < 3; i++) {
    await udp(port, 'slow:1|c');
    await new Promise((r) => setTimeout(r, 200));
  }
  await until(() => store.value('stats.counters.slow.count') === 3, 15000);
  const stamps = store.writes.map((w) => w.points[0]!.timestamp);
  t.same(stamps, [...stamps].sort((a, b) => a - b), 'in flush order');
});

t.test('a failing store write is logged and reported in graphiteStats.last_exception', async (t) => {
  const store = new MemoryStore();
  store.fail = true;
  const { server, logs } = await start({ flushInterval: 250 }, store);
  t.teardown(() => server.stop());
  await until(() => logs.some((l) => /store: writing \d+ points of the flush at \d+ failed: disk full/.test(l)));
  store.fail = false;
  await until(() => store.all().some((p) => p.name === 'stats.statsd.graphiteStats.last_exception' && p.value > 0));
  t.pass('reported');
});

t.test('extra flush sources contribute points; a failing one is logged and skipped', async (t) => {
  const { server, store, logs } = await start({ flushInterval: 250 });
  t.teardown(() => server.stop());
  server.addSource({ flush: (ms) => [{ name: 'extra.ok', value: 1, timestamp: Math.round(ms / 1000) }] });
  server.addSource({ flush: async () => { throw new Error('tail broke'); } });
  await until(() => store.all().some((p) => p.name === 'extra.ok'));
  t.ok(logs.some((l) => l === 'flush source failed: tail broke'));
});

t.test('reload() re-reads the storage rules through the store', async (t) => {
  const { server, store, logs } = await start();
  t.teardown(() => server.stop());
  await server.reload();
  t.equal(store.reloads, 1);
  t.ok(logs.includes('storage rules reloaded'));
  store.reload = async () => { throw new Error('bad retention'); };
  await server.reload();
  t.ok(logs.some((l) => l === 'storage rules not reloaded, keeping the old ones: bad retention'));
});

t.test('bad lines are logged at most once a second with a count of the rest', async (t) => {
  const { server, logs } = await start();
  t.teardown(() => server.stop());
  const port = server.addresses().statsd[0]!.port;
  await udp(port, 'bad1', 'bad2', 'bad3');
  await until(() => server.aggregator.badLinesTotal === 3);
  t.equal(logs.filter((l) => l.startsWith('statsd: bad line')).length, 1);
  await new Promise((r) => setTimeout(r, 1100));
  await udp(port, 'bad4');
  await until(() => logs.filter((l) => l.startsWith('statsd: bad line')).length === 2);
  t.ok(logs.some((l) => l === 'statsd: bad line "bad4" (2 more since the last report)'));
});

t.test('dumpMessages logs every packet; forwarders get each flush', async (t) => {
  const sink = net.createServer();
  let got = '';
  sink.on('connection', (s) => { s.setEncoding('utf8'); s.on('data', (d: string) => { got += d; }); });
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  t.teardown(() => sink.close());
  const { server, logs } = await start({ dumpMessages: true, forward: [`tcp://127.0.0.1:${(sink.address() as net.AddressInfo).port}`] });
  t.teardown(() => server.stop());
  await udp(server.addresses().statsd[0]!.port, 'fw:1|c');
  await until(() => /^stats\.counters\.fw\.count 1 \d+$/m.test(got));
  t.ok(logs.includes('packet: "fw:1|c"'));
  t.ok(logs.some((l) => /forwarding to 127\.0\.0\.1:\d+/.test(l)));
  t.notOk(/^sotto\.forward\./m.test(got), 'a destination that is up adds no names');
});

t.test('a destination that is down shows in the store as sotto.forward.* metrics', async (t) => {
  const { server, store } = await start({ forward: ['tcp://127.0.0.1:1'], forwardBufferBytes: 10 });
  t.teardown(() => server.stop());
  await udp(server.addresses().statsd[0]!.port, 'fw:1|c');
  await until(() => store.all().some((p) => p.name === 'sotto.forward.127_0_0_1_1.connected'));
  const names = new Set(store.all().map((p) => p.name));
  for (const m of ['dropped_lines', 'queued_bytes', 'connected']) t.ok(names.has(`sotto.forward.127_0_0_1_1.${m}`), m);
  t.equal(store.value('sotto.forward.127_0_0_1_1.connected'), 0);
  t.ok(store.all().some((p) => p.name === 'sotto.forward.127_0_0_1_1.dropped_lines' && p.value > 0), 'the dropped lines are counted');
});

t.test('the HTTP app listens on httpHost:httpPort and reports health', async (t) => {
  const { server } = await start({ httpPort: 0, httpHost: '127.0.0.1' });
  t.teardown(() => server.stop());
  const a = server.addresses().http!;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ host: '127.0.0.1', port: a.port, path: '/' }, resolve).on('error', reject));
  res.resume();
  t.ok(res.statusCode! < 500, `GET / answers (${res.statusCode})`);
});

t.test('/api/health says the flush interval and whether writing keeps up', async (t) => {
  const store = new MemoryStore();
  const { server } = await start({ httpPort: 0, httpHost: '127.0.0.1', flushInterval: 1000 }, store);
  t.teardown(() => server.stop());
  const a = server.addresses().http!;
  const health = () => new Promise<Record<string, any>>((resolve, reject) => http.get({ host: '127.0.0.1', port: a.port, path: '/api/health' }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => resolve(JSON.parse(body)));
  }).on('error', reject));
  const before = await health();
  t.equal(before.flushInterval, 1000);
  t.same(before.writes, { unwrittenFlushes: 0, lastWrittenFlush: null, lastWriteMs: 0, joinedFlushes: 0, metricsNotWritten: 0 }, 'nothing written yet');
  // writes that take 2.5 flush intervals: flushes queue up behind them
  store.delayMs = 2500;
  const poll = async (cond: (h: Record<string, any>) => boolean) => {
    for (const end = Date.now() + 8000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      const h = await health();
      if (cond(h)) return h;
    }
    throw new Error('condition not met in time');
  };
  const behind = await poll((h) => h.writes.unwrittenFlushes >= 2);
  t.ok(behind.writes.unwrittenFlushes >= 2, `flushes not yet written are counted (${behind.writes.unwrittenFlushes})`);
  t.equal(behind.writes.lastWrittenFlush, null);
  const first = await poll((h) => h.writes.lastWrittenFlush !== null);
  t.ok(first.writes.lastWrittenFlush >= Math.floor(Date.now() / 1000) - 5, 'the newest flush written is recent');
  t.ok(first.writes.lastWriteMs >= 2000, `the last write took as long as the store did (${first.writes.lastWriteMs} ms)`);
  store.delayMs = 0;
  const after = await poll((h) => h.writes.unwrittenFlushes <= 1 && h.writes.joinedFlushes >= 1 && h.writes.lastWrittenFlush > first.writes.lastWrittenFlush);
  t.ok(after.writes.joinedFlushes >= 1, 'flushes that waited were written together');
});

t.test('a port in use fails start() with the reason', async (t) => {
  const blocker = net.createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const s = new SottoServer({ config: config({ mgmt_port: port }), openStore: async () => new MemoryStore(), logger: { info: () => undefined, warn: () => undefined } });
  await t.rejects(s.start(), { code: 'EADDRINUSE' });
  await s.stop();
});

t.test('a flush interval shorter than the finest archive of the statsd names is a startup warning', async (t) => {
  const shipped = await loadStorageRules(join(import.meta.dirname, '../conf/storage-schemas.conf'), join(import.meta.dirname, '../conf/storage-aggregation.conf'));
  t.equal(coarseSchemaWarning(shipped, config({ flushInterval: 10_000 })), null, 'the shipped 10 s schema and the default flush');
  t.equal(coarseSchemaWarning(shipped, config({ flushInterval: 60_000 })), null, 'a longer flush leaves gaps, overwrites nothing');
  t.match(coarseSchemaWarning(shipped, config({ flushInterval: 2000 })), /^storage: flushInterval 2000 ms is shorter than the 10 s finest archive that storage-schemas\.conf \[\w+\] gives stats\.counters\.x\.rate: each flush overwrites/);
  const onlyGauges = parseStorageRules('[gauges]\npattern = ^stats\\.gauges\\.\nretentions = 1m:1d\n[rest]\npattern = .*\nretentions = 10s:1d\n', null);
  t.match(coarseSchemaWarning(onlyGauges, config({ flushInterval: 10_000 })), /60 s finest archive .*\[gauges\] gives stats\.gauges\.x:/);
  const legacy = config({ flushInterval: 10_000 });
  legacy.graphite = { ...legacy.graphite, legacyNamespace: true };
  t.match(coarseSchemaWarning(parseStorageRules('[s]\npattern = ^stats\\.\nretentions = 1m:1d\n', null), legacy), /gives stats\.x:/, 'legacy names');
});
