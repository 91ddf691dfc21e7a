// The datagram fast path (bytes, key cache) against the text parser: random packets, common
// shapes and near misses, junk and invalid UTF-8, every option; both aggregators must end every
// flush with exactly the same tables (-0 and NaN included).
import t from 'tap';
import { Aggregator, type AggregatorConfig, type StatsdSnapshot } from '../../lib/statsd/aggregate.js';
import { groupTimers } from '../../lib/statsd/tables.js';
import { rng, pick } from '../support/rng.js';

const KEYS = ['a', 'b.c', 'api.req-1;x=y', 'k_' + 'x'.repeat(198), 'k_' + 'y'.repeat(199), 'a b', 'a/b', 'é', 'x\u2028', '', 'toString', 'constructor', '__proto__', 'n1', 'n2', 'n3'];
const VALUES = ['1', '-1', '+2', '0', '-0', '1.5', '.5', '5.', '-.25', '007', '123456789012345', '1234567890123456', '0.000000000000001', '1e3', '0x10', '', '-', '.', '1..2', 'Infinity', ' 1', 'abc', '9'.repeat(20)];
const TYPES = ['c', 'c', 'ms', 'ms', 'g', 'h', 'd', 's', 'm', 'x', '', 'c\r', 'ms\r', 'cc', 'msx', 'g\r'];
const RATES = ['', '', '', '|@0.5', '|@1', '|@.1', '|@0', '|@', '|@-1', '|@1e-1', '|@0.5|x', '|#t:v', '|@0.1.2', '|@1234567890123456', '|@5.', '|', '|@0.5\r', '|#k:v,w|@0.5'];

function line(r: () => number): Buffer {
  if (r() < 0.08) return Buffer.from(Array.from({ length: Math.floor(r() * 30) }, () => { const b = Math.floor(r() * 256); return b === 10 ? 0xc3 : b; }));
  let s = pick(r, KEYS) + ':' + pick(r, VALUES) + '|' + pick(r, TYPES) + pick(r, RATES);
  if (r() < 0.1) s += ':' + pick(r, VALUES) + '|' + pick(r, TYPES);
  if (r() < 0.05) s = s.replace(':', '');
  const buf = Buffer.from(s);
  // Now and then a byte in the middle goes bad (a UTF-8 sequence cut short, a stray continuation).
  if (r() < 0.05 && buf.length > 2) buf[Math.floor(r() * buf.length)] = pick(r, [0x80, 0xc3, 0xe2, 0xff]);
  return buf;
}

function packet(r: () => number): Buffer {
  const n = 1 + Math.floor(r() * 8);
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    if (i) parts.push(Buffer.from(r() < 0.1 ? '\n\n' : '\n'));
    parts.push(line(r));
  }
  if (r() < 0.2) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

function tables(s: StatsdSnapshot, a: Aggregator) {
  const g = groupTimers(s.timers);
  const kv = (x: { keys: readonly string[]; values: Float64Array; n: number }) => Object.fromEntries(x.keys.slice(0, x.n).map((k, i) => [k, show(x.values[i]!)]));
  return {
    counters: kv(s.counters),
    gauges: kv(s.gauges),
    timers: Object.fromEntries(s.timers.keys.slice(0, s.timers.n).map((k, i) => [k, [show(s.timers.counts[i]!), ...[...g.values.subarray(g.offsets[i], g.offsets[i + 1])].map(show)]])),
    sets: Object.fromEntries(s.sets.keys.slice(0, s.sets.n).map((k, i) => [k, s.sets.sizes[i]])),
    bad: a.badLinesTotal,
  };
}

t.test('datagrams read as bytes give exactly what their decoded text gives', async (t) => {
  const seed = 424242;
  const r = rng(seed);
  let compared = 0;
  for (let round = 0; round < 30; round++) {
    const config: AggregatorConfig = {
      prefixStats: 'statsd', deleteCounters: r() < 0.3, deleteTimers: r() < 0.3, deleteGauges: r() < 0.3, deleteSets: r() < 0.3,
      gaugesMaxTTL: pick(r, [1, 2, 3]), flushInterval: 1000, keyNameSanitize: r() < 0.8, histogramsAsTimers: r() < 0.8,
    };
    const text = new Aggregator(config);
    const bytes = new Aggregator(config);
    for (let flush = 1; flush <= 4; flush++) {
      for (let p = 0; p < 300; p++) {
        const buf = packet(r);
        text.packet(buf.toString('utf8'), 0);
        bytes.datagram(buf, 0);
      }
      const want = tables(text.flush(flush * 1000), text);
      const got = tables(bytes.flush(flush * 1000), bytes);
      if (!t.same(got, want, `round ${round} flush ${flush} (seed ${seed}, config ${JSON.stringify(config)})`)) return;
      compared++;
    }
  }
  t.equal(compared, 120);
});

t.test('a key first seen as text is found again from bytes, and the other way round', async (t) => {
  const a = new Aggregator({ prefixStats: 'statsd', deleteCounters: false, deleteTimers: false, deleteGauges: false, deleteSets: false, gaugesMaxTTL: 1, flushInterval: 1000, keyNameSanitize: true });
  a.packet('k:1|c\nt:1|ms\ng:1|g', 0);
  a.datagram(Buffer.from('k:2|c\nt:2|ms\ng:+1|g\nn:1|c'), 0);
  a.packet('n:5|c', 0);
  t.same(a.dump('counters').get('k'), 3);
  t.same(a.dump('counters').get('n'), 6);
  t.same(a.dump('timers').get('t'), [1, 2]);
  t.same(a.dump('gauges').get('g'), 2);
  t.equal(a.size, 7, '3 internal counters, k, n, t and g');
});
