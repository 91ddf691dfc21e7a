// Real statsd clients (hot-shots from npm, Debian's python3-statsd over UDP and TCP) send counters,
// timers, gauges and sets to sotto; the values land in Whisper files and whisper.py reads them back.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import StatsD from 'hot-shots';
import { SottoServer } from '../../lib/server.js';
import { defaults } from '../../lib/config/options.js';
import { DEBIAN_PYTHON, pythonHasModule, requirePeer } from '../support/interop.js';

/** Every point of each file's finest archive, in one whisper.py run (raw slots: the final flush is stamped in the future). */
function readAll(dataDir: string, names: string[]): (name: string) => number[] {
  const script = [
    'import whisper, struct, sys, json, os',
    'out = {}',
    'for name in sys.argv[2:]:',
    '  path = os.path.join(sys.argv[1], *name.split(".")) + ".wsp"',
    '  if not os.path.exists(path): out[name] = []; continue',
    '  a = whisper.info(path)["archives"][0]',
    '  f = open(path, "rb"); f.seek(a["offset"]); raw = f.read(a["size"]); f.close()',
    '  pts = sorted(struct.unpack("!Ld", raw[i:i+12]) for i in range(0, len(raw), 12))',
    '  out[name] = [v for ts, v in pts if ts > 0]',
    'print(json.dumps(out))',
  ].join('\n');
  const got = JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', script, dataDir, ...names]).toString()) as Record<string, number[]>;
  return (name) => got[name] ?? [];
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function startSotto(t: { teardown(fn: () => unknown): void; comment(...m: unknown[]): unknown }) {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-clients-'));
  // One-second slots so that every 1 s flush keeps its own point.
  writeFileSync(join(dir, 'schemas.conf'), '[all]\npattern = .*\nretentions = 1s:1h\n');
  writeFileSync(join(dir, 'aggregation.conf'), '[all]\npattern = .*\nxFilesFactor = 0\naggregationMethod = sum\n');
  const config = {
    ...defaults(), port: 0, address: '127.0.0.1', address_ipv6: null, tcpPort: 0, tcpAddress: '127.0.0.1', carbonPort: null, mgmt_port: null, httpPort: null,
    flushInterval: 1000, dataDir: join(dir, 'data'), storageSchemas: join(dir, 'schemas.conf'), storageAggregation: join(dir, 'aggregation.conf'),
  };
  const server = new SottoServer({ config, logger: { info: () => undefined, warn: (m) => t.comment(m) } });
  await server.start();
  t.teardown(() => server.stop());
  const udp = server.addresses().statsd.find((a) => a.kind === 'udp4')!.port;
  const tcp = server.addresses().statsd.find((a) => a.kind === 'tcp')!.port;
  return { server, dataDir: config.dataDir, udp, tcp };
}

t.test('hot-shots counters, timers, gauges, sets and histograms land in Whisper files', async (t) => {
  if (!requirePeer(t, 'whisper.py (python3-whisper)', pythonHasModule('whisper'), 'apt-get install python3-whisper')) return;
  const { server, dataDir, udp } = await startSotto(t);
  const client = new StatsD({ host: '127.0.0.1', port: udp, protocol: 'udp', errorHandler: (e) => t.fail(String(e)) });
  client.increment('hs.requests', 5);
  client.increment('hs.requests');
  client.decrement('hs.requests', 2);
  client.timing('hs.latency', 42);
  client.timing('hs.latency', 8);
  client.gauge('hs.queue', 7);
  client.set('hs.users', 'alice');
  client.set('hs.users', 'bob');
  client.set('hs.users', 'alice');
  client.histogram('hs.size', 300);
  client.distribution('hs.size', 100);
  client.increment('hs.tagged', 1, { env: 'prod' });
  await new Promise<void>((r) => client.close(() => r()));
  const deadline = Date.now() + 5000;
  while (server.aggregator.lastMessageSeen === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  await server.stop();
  const points = readAll(dataDir, ['stats.counters.hs.requests.count', 'stats.timers.hs.latency.upper', 'stats.timers.hs.latency.lower', 'stats.timers.hs.latency.count', 'stats.gauges.hs.queue', 'stats.sets.hs.users.count', 'stats.timers.hs.size.count', 'stats.timers.hs.size.upper']);
  t.equal(sum(points('stats.counters.hs.requests.count')), 4);
  t.same(points('stats.timers.hs.latency.upper').filter((v) => v > 0), [42]);
  t.same(points('stats.timers.hs.latency.lower').filter((v) => v > 0), [8]);
  t.equal(sum(points('stats.timers.hs.latency.count')), 2);
  t.equal(points('stats.gauges.hs.queue').at(-1), 7);
  t.equal(Math.max(...points('stats.sets.hs.users.count')), 2);
  t.equal(sum(points('stats.timers.hs.size.count')), 2, 'histogram and distribution values are timer values');
  t.equal(Math.max(...points('stats.timers.hs.size.upper')), 300);
});

t.test('python3-statsd over UDP and TCP lands in Whisper files', async (t) => {
  if (!requirePeer(t, 'whisper.py (python3-whisper)', pythonHasModule('whisper'), 'apt-get install python3-whisper')) return;
  if (!requirePeer(t, 'python3-statsd', pythonHasModule('statsd'), 'apt-get install python3-statsd')) return;
  const { server, dataDir, udp, tcp } = await startSotto(t);
  const script = `
import statsd, sys
u = statsd.StatsClient('127.0.0.1', int(sys.argv[1]), prefix='py')
u.incr('hits', 3)
u.incr('hits')
u.decr('hits')
u.timing('db', 12.5)
u.timing('db', 7.25)
u.gauge('temp', -4)
u.gauge('level', 10)
u.gauge('level', 5, delta=True)
u.set('visitors', 'a')
u.set('visitors', 'b')
with u.pipeline() as p:
    p.incr('piped', 2)
    p.timing('piped_t', 1)
tc = statsd.TCPStatsClient('127.0.0.1', int(sys.argv[2]), prefix='pytcp')
tc.incr('hits', 6)
tc.gauge('g', 2.5)
tc.close()
`;
  execFileSync(DEBIAN_PYTHON, ['-c', script, String(udp), String(tcp)]);
  await new Promise((r) => setTimeout(r, 200));
  await server.stop();
  const points = readAll(dataDir, ['stats.counters.py.hits.count', 'stats.timers.py.db.upper', 'stats.timers.py.db.mean', 'stats.gauges.py.temp', 'stats.gauges.py.level', 'stats.sets.py.visitors.count', 'stats.counters.py.piped.count', 'stats.counters.pytcp.hits.count', 'stats.gauges.pytcp.g']);
  t.equal(sum(points('stats.counters.py.hits.count')), 3);
  t.same(points('stats.timers.py.db.upper').filter((v) => v > 0), [12.5]);
  t.same(points('stats.timers.py.db.mean').filter((v) => v > 0), [9.875]);
  t.equal(points('stats.gauges.py.temp').at(-1), -4, 'a negative gauge (sent as 0 then -4) is set');
  t.equal(points('stats.gauges.py.level').at(-1), 15, 'a delta gauge adds');
  t.equal(Math.max(...points('stats.sets.py.visitors.count')), 2);
  t.equal(sum(points('stats.counters.py.piped.count')), 2);
  t.equal(sum(points('stats.counters.pytcp.hits.count')), 6, 'TCP client');
  t.equal(points('stats.gauges.pytcp.g').at(-1), 2.5);
});
