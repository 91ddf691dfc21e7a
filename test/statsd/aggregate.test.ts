import t from 'tap';
import { Aggregator, type AggregatorConfig, type StatsdSnapshot } from '../../lib/statsd/aggregate.js';
import { groupTimers, LOG_CHUNK } from '../../lib/statsd/tables.js';

const base: AggregatorConfig = {
  prefixStats: 'statsd', deleteCounters: false, deleteTimers: false, deleteGauges: false, deleteSets: false,
  gaugesMaxTTL: 1, flushInterval: 10000, keyNameSanitize: true,
};
const agg = (over: Partial<AggregatorConfig> = {}) => new Aggregator({ ...base, ...over });

/** key → value of a counter or gauge table or snapshot. */
const values = (s: { keys: readonly string[]; values: Float64Array; n?: number }): Record<string, number> => {
  const out: Record<string, number> = {};
  for (let i = 0; i < (s.n ?? s.keys.length); i++) Object.defineProperty(out, s.keys[i]!, { value: s.values[i], enumerable: true });
  return out;
};
/** key → { values in arrival order, count } of a timer snapshot. */
const timers = (s: StatsdSnapshot['timers']) => {
  const g = groupTimers(s);
  const out = new Map<string, { values: number[]; count: number }>();
  for (let i = 0; i < s.n; i++) out.set(s.keys[i]!, { values: [...g.values.subarray(g.offsets[i], g.offsets[i + 1])], count: s.counts[i]! });
  return out;
};
const sets = (s: StatsdSnapshot['sets']) => new Map(s.keys.slice(0, s.n).map((k, i) => [k, s.sizes[i]!]));

t.test('packets, lines and bad lines are counted in the internal counters', async (t) => {
  const a = agg();
  a.packet('a:1|c\nbad\n\nb:2|ms', 0);
  a.datagram(Buffer.from('c:x|c'), 0);
  const s = a.flush(10_000);
  t.same(values(s.counters), { 'statsd.bad_lines_seen': 2, 'statsd.packets_received': 2, 'statsd.metrics_received': 4, a: 1 });
  t.equal(a.badLinesTotal, 2);
});

t.test('after a flush counters restart at 0, timers and sets empty, gauges persist', async (t) => {
  const a = agg();
  a.datagram(Buffer.from('c:3|c\nt:5|ms\ng:7|g\ns:x|s'), 0);
  a.flush(10_000);
  const s = a.flush(20_000);
  t.equal(values(s.counters).c, 0);
  t.same(timers(s.timers).get('t'), { values: [], count: 0 });
  t.equal(values(s.gauges).g, 7);
  t.equal(sets(s.sets).get('s'), 0);
});

t.test('timestamp_lag appears from the second flush on', async (t) => {
  const a = agg({ flushInterval: 10000 });
  t.notOk('statsd.timestamp_lag' in values(a.flush(10_000).gauges));
  t.equal(values(a.flush(21_000).gauges)['statsd.timestamp_lag'], 1);
});

t.test('gauge deltas apply only while the gauge is truthy, from text and from datagrams alike', async (t) => {
  for (const feed of ['packet', 'datagram'] as const) {
    const a = agg();
    const seq = (lines: string[]) => lines.map((l) => {
      if (feed === 'packet') a.packet(l, 0);
      else a.datagram(Buffer.from(l), 0);
      return values(a.gauges).g;
    });
    t.same(seq(['g:-5|g', 'g:-5|g', 'g:-5|g']), [-5, -10, -15], feed);
    t.same(seq(['g:15|g', 'g:-15|g', 'g:-3|g', 'g:+2|g']), [15, 0, -3, -1], feed);
  }
});

t.test('deleteCounters keeps every counter whose name contains an internal name', async (t) => {
  const a = agg({ deleteCounters: true });
  a.datagram(Buffer.from('x:1|c\napp.bad_lines_seen_x:1|c'), 0);
  a.flush(10_000);
  t.same(Object.keys(values(a.counters)).sort(), ['app.bad_lines_seen_x', 'statsd.bad_lines_seen', 'statsd.metrics_received', 'statsd.packets_received']);
  a.datagram(Buffer.from('x:2|c'), 0);
  t.equal(values(a.counters).x, 2, 'a deleted counter starts again from its next value');
});

t.test('deleteTimers and deleteSets drop idle keys', async (t) => {
  const a = agg({ deleteTimers: true, deleteSets: true });
  a.datagram(Buffer.from('t:1|ms\ns:a|s'), 0);
  const s = a.flush(10_000);
  t.ok(timers(s.timers).has('t') && sets(s.sets).has('s'));
  const idle = a.flush(20_000);
  t.notOk(timers(idle.timers).has('t'));
  t.notOk(sets(idle.sets).has('s'));
  a.datagram(Buffer.from('t:2|ms'), 0);
  t.same(timers(a.flush(30_000).timers).get('t'), { values: [2], count: 1 }, 'and take them back when they come again');
});

t.test('deleteGauges sends a gauge gaugesMaxTTL times after its last update', async (t) => {
  for (const [ttl, flushes] of [[1, 1], [2, 2], [3, 3], [0, 1], [2.5, 1]] as const) {
    const a = agg({ deleteGauges: true, gaugesMaxTTL: ttl });
    a.datagram(Buffer.from('g:+1|g\nh:1|g'), 0);
    let seen = 0;
    for (let i = 1; i <= 5; i++) {
      if (i === 2) a.datagram(Buffer.from('h:5|g'), 0);
      const g = values(a.flush(i * 10_000).gauges);
      if ('g' in g) seen++;
      if (i === 2) t.equal(g.h, 5, 'an updated gauge survives its neighbour expiring');
    }
    t.equal(seen, flushes, `gaugesMaxTTL ${ttl}`);
  }
});

t.test('keys named like Object.prototype members are ordinary keys', async (t) => {
  const a = agg();
  a.packet('constructor:1|c\ntoString:2|ms\nhasOwnProperty:x|s\n__proto__:3|g\ns:__proto__|s', 0);
  const s = a.flush(10_000);
  t.equal(values(s.counters).constructor, 1);
  t.same(timers(s.timers).get('toString')!.values, [2]);
  t.equal(sets(s.sets).get('hasOwnProperty'), 1);
  t.equal(values(s.gauges).__proto__, 3);
  t.equal(sets(s.sets).get('s'), 1, '__proto__ is counted as a set member');
});

t.test('a NaN counter restarts from 0 as in etsy', async (t) => {
  const a = agg();
  a.packet('c:Infinity|c\nc:-Infinity|c', 0);
  t.ok(Number.isNaN(values(a.counters).c));
  a.datagram(Buffer.from('c:2|c'), 0);
  t.equal(values(a.counters).c, 2);
});

t.test('the admin delete commands remove exact names and whole folders', async (t) => {
  const a = agg();
  a.datagram(Buffer.from('a.b:1|c\na.c:1|c\nab:1|c\ng.x:1|g\nt:1|ms\ns:1|s'), 0);
  t.same(a.deleteStats('counters', ['a.*', 'nope', 'a.b']), ['deleted: a.b', 'deleted: a.c', 'metric nope not found', 'metric a.b not found']);
  t.ok('ab' in values(a.counters));
  t.same(a.deleteStats('gauges', ['g.x']), ['deleted: g.x']);
  t.same(a.deleteStats('timers', ['t']), ['deleted: t']);
  t.same(a.deleteStats('sets', ['s']), ['deleted: s']);
  t.equal(a.size, 4);
  // The byte cache must not write into the slots the deleted keys had.
  a.datagram(Buffer.from('ab:2|c\na.b:5|c\ng.x:2|g\nt:3|ms'), 0);
  const s = a.flush(10_000);
  t.equal(values(s.counters).ab, 3);
  t.equal(values(s.counters)['a.b'], 5);
  t.equal(values(s.gauges)['g.x'], 2);
  t.same(timers(s.timers).get('t'), { values: [3], count: 1 });

  // The packet tallies are counters too: deleted with the others, they stay deleted.
  const b = agg();
  b.datagram(Buffer.from('x:1|c'), 0);
  b.datagram(Buffer.from('y:1|c'), 0);
  t.same(b.deleteStats('counters', ['statsd.*']).sort(), ['deleted: statsd.bad_lines_seen', 'deleted: statsd.metrics_received', 'deleted: statsd.packets_received']);
  b.settleInternal(); // what the admin `counters` command does first
  t.notOk('statsd.packets_received' in values(b.counters), 'not brought back by the tallies of earlier packets');

  // A folder of many keys is deleted in linear time (a list scanned per key took minutes at 100k).
  const c = agg();
  const many = Array.from({ length: 50_000 }, (_, i) => `big.k${i}:1|c`);
  for (let i = 0; i < many.length; i += 500) c.datagram(Buffer.from(many.slice(i, i + 500).join('\n')), 0);
  const started = Date.now();
  t.equal(c.deleteStats('counters', ['big.*', 'big.k7']).length, 50_001);
  t.ok(Date.now() - started < 2000, `50,000 keys deleted in ${Date.now() - started} ms`);
});

t.test('the admin dump shows each table as etsy does', async (t) => {
  const a = agg();
  a.datagram(Buffer.from('c:2|c\nt:3|ms\nu:1|ms\nt:1|ms|@0.5\ng:4|g\ns:x|s\ns:y|s'), 0);
  t.equal(a.dump('counters').get('c'), 2);
  t.same(a.dump('timers').get('t'), [3, 1]);
  t.same(a.dump('gauges').get('g'), 4);
  t.same(a.dump('sets').get('s'), ['x', 'y']);
  t.same(timers(a.flush(10_000).timers).get('t'), { values: [3, 1], count: 3 });
  t.same(a.dump('sets').get('s'), [], 'a set is empty after a flush');
});

t.test('many keys: the byte cache grows, and forgets keys that stopped coming', async (t) => {
  const a = agg({ deleteCounters: true, deleteTimers: true, deleteGauges: true, deleteSets: true });
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 20000; i++) a.datagram(Buffer.from(`r${round}.k${i}:${i}|c\nr${round}.t${i}:${i}|ms`), 0);
    const s = a.flush((round + 1) * 10_000);
    const c = values(s.counters);
    t.equal(c[`r${round}.k19999`], 19999);
    t.equal(Object.keys(c).length, 20003);
    t.equal(s.timers.n, 20000);
    t.same(timers(s.timers).get(`r${round}.t123`), { values: [123], count: 1 });
  }
  t.ok(a.keyCacheSize <= 2 * 40003 + 4096, `the cache stays bounded (${a.keyCacheSize} keys)`);
});

t.test('a timer log spanning several chunks is grouped, listed and compacted in arrival order', async (t) => {
  const a = agg();
  const n = 2 * LOG_CHUNK + 123;
  const lines: string[] = [];
  const want: Record<string, number[]> = { x: [], y: [], z: [] };
  for (let i = 0; i < n; i++) {
    const key = 'xyz'[(i * 7) % 3]!;
    lines.push(`${key}:${i}|ms`);
    want[key]!.push(i);
  }
  a.datagram(Buffer.from(lines.join('\n')), 0);
  t.same(a.dump('timers').get('y'), want.y, 'admin listing across chunks');
  t.same(a.deleteStats('timers', ['y']), ['deleted: y']);
  // after the compaction the log keeps growing from where it was cut
  a.datagram(Buffer.from('z:70001|ms\nx:70002|ms'), 0);
  want.z!.push(70001);
  want.x!.push(70002);
  const s = a.flush(10_000);
  t.equal(s.timers.logLength, want.x!.length + want.z!.length);
  const got = timers(s.timers);
  t.same([...got.keys()].sort(), ['x', 'z']);
  t.same(got.get('x')!.values, want.x);
  t.same(got.get('z')!.values, want.z);
  t.same(timers(a.flush(20_000).timers).get('x'), { values: [], count: 0 }, 'and the next interval starts empty');
});
