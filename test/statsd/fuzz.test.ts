// A million random and malformed lines, interleaved with known-good ones, sent over UDP to a
// running server: it stays up, counts every packet and line, and every good value is counted.
import t from 'tap';
import dgram from 'node:dgram';
import { SottoServer, type PointStore } from '../../lib/server.js';
import { defaults } from '../../lib/config/options.js';
import type { MetricPoint } from '../../lib/types.js';
import { rng, pick } from '../support/rng.js';

const SEED = Number(process.env.SOTTO_FUZZ_SEED ?? 1234567);
const TOTAL_LINES = 1_000_000;

const TOKENS = [':', '|', '@', '#', '|#', ',', '.', '-', '+', ' ', '\r', 'c', 'ms', 'g', 's', 'h', 'd', '0', '1', '9', '1e3', '0x1f', 'Infinity', 'NaN',
  'é', '\u2028', '\ud800', '💥', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '@+0.5', '@ 0.5', '@Infinity', '|@', '::', '||', '\t', '\u0000'];

function junkLine(r: () => number): Buffer {
  const kind = r();
  if (kind < 0.3) {
    // raw bytes, invalid UTF-8 included (no newline: each line stays one line)
    return Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => { const b = Math.floor(r() * 256); return b === 10 ? 32 : b; }));
  }
  const n = 1 + Math.floor(r() * 12);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(r, TOKENS);
  return Buffer.from(s.replace(/fuzz/g, 'fuz'));
}

class CountingStore implements PointStore {
  good = 0;
  lines = 0;
  async write(points: MetricPoint[]) {
    for (const p of points) {
      if (p.name === 'stats.counters.fuzz.good.count') this.good += p.value;
      if (p.name === 'stats.counters.statsd.metrics_received.count') this.lines += p.value;
    }
  }
  async close() {}
}

t.test('a million random and malformed lines do not disturb the known-good ones', async (t) => {
  const store = new CountingStore();
  const config = { ...defaults(), port: 0, address: '127.0.0.1', address_ipv6: null, carbonPort: null, mgmt_port: null, httpPort: null, flushInterval: 1000 };
  const server = new SottoServer({ config, openStore: async () => store, logger: { info: () => undefined, warn: () => undefined } });
  await server.start();
  t.teardown(() => server.stop());
  const port = server.addresses().statsd[0]!.port;
  const sock = dgram.createSocket({ type: 'udp4', sendBufferSize: 1 << 20 });
  const r = rng(SEED);
  let lines = 0;
  let nonEmpty = 0;
  let expectedGood = 0;
  let packets = 0;
  const send = (buf: Buffer) => new Promise<void>((resolve, reject) => sock.send(buf, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  while (lines < TOTAL_LINES) {
    const parts: Buffer[] = [];
    const n = 1 + Math.floor(r() * 60);
    for (let i = 0; i < n; i++) {
      if (r() < 0.1) {
        const [line, value] = pick(r, [['fuzz.good:1|c', 1], ['fuzz.good:2|c|@0.5', 4], ['fuzz.good:3|c\r', 3], ['fuzz.good:1|c:1|c', 2]] as const);
        parts.push(Buffer.from(line));
        expectedGood += value;
      } else parts.push(junkLine(r));
    }
    lines += n;
    nonEmpty += parts.filter((p) => p.length > 0).length;
    await send(Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.from('\n'), p] : [p]))));
    packets++;
    // Stay within the socket buffer: wait for the server to catch up now and then.
    if (packets % 400 === 0) while (server.aggregator.packetsTotal < packets - 200) await new Promise((res) => setImmediate(res));
  }
  // Oversized and empty datagrams are survived too.
  await send(Buffer.alloc(65000, 0x41));
  await send(Buffer.alloc(0));
  packets += 2;
  nonEmpty += 1;
  sock.close();
  const deadline = Date.now() + 20000;
  while (server.aggregator.packetsTotal < packets && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
  t.equal(server.aggregator.packetsTotal, packets, `every packet arrived (seed ${SEED})`);
  await server.stop();
  t.equal(store.good, expectedGood, `every good value is counted (seed ${SEED})`);
  t.equal(store.lines, nonEmpty, 'every non-empty line is counted in metrics_received');
  t.ok(server.aggregator.badLinesTotal > TOTAL_LINES / 2, 'most junk is counted as bad lines');
  t.comment(`${lines} lines in ${packets} packets, ${server.aggregator.badLinesTotal} bad`);
});
