import t from 'tap';
import { Aggregator, type AggregatorConfig } from '../../lib/statsd/aggregate.js';

const base: AggregatorConfig = {
  prefixStats: 'statsd', deleteCounters: false, deleteTimers: false, deleteGauges: false, deleteSets: false,
  gaugesMaxTTL: 1, flushInterval: 10000, keyNameSanitize: true,
};
const agg = (over: Partial<AggregatorConfig> = {}) => new Aggregator({ ...base, ...over });
const counters = (m: ReadonlyMap<string, { v: number }>) => Object.fromEntries([...m].map(([k, c]) => [k, c.v]));

t.test('packets, lines and bad lines are counted in the internal counters', async (t) => {
  const a = agg();
  a.packet('a:1|c\nbad\n\nb:2|ms', 0);
  a.packet('c:x|c', 0);
  const s = a.flush(10_000);
  t.same(counters(s.counters), { 'statsd.bad_lines_seen': 2, 'statsd.packets_received': 2, 'statsd.metrics_received': 4, a: 1 });
  t.equal(a.badLinesTotal, 2);
});

t.test('after a flush counters restart at 0, timers and sets empty, gauges persist', async (t) => {
  const a = agg();
  a.packet('c:3|c\nt:5|ms\ng:7|g\ns:x|s', 0);
  a.flush(10_000);
  const s = a.flush(20_000);
  t.equal(s.counters.get('c')!.v, 0);
  t.same(s.timers.get('t'), { values: [], count: 0 });
  t.equal(s.gauges.get('g'), 7);
  t.equal(s.sets.get('s')!.size, 0);
});

t.test('timestamp_lag appears from the second flush on', async (t) => {
  const a = agg({ flushInterval: 10000 });
  t.notOk(a.flush(10_000).gauges.has('statsd.timestamp_lag'));
  t.equal(a.flush(21_000).gauges.get('statsd.timestamp_lag'), 1);
});

t.test('gauge deltas apply only while the gauge is truthy', async (t) => {
  const a = agg();
  const seq = (lines: string[]) => lines.map((l) => { a.packet(l, 0); return a.gauges.get('g'); });
  t.same(seq(['g:-5|g', 'g:-5|g', 'g:-5|g']), [-5, -10, -15]);
  t.same(seq(['g:15|g', 'g:-15|g', 'g:-3|g', 'g:+2|g']), [15, 0, -3, -1]);
});

t.test('deleteCounters keeps every counter whose name contains an internal name', async (t) => {
  const a = agg({ deleteCounters: true });
  a.packet('x:1|c\napp.bad_lines_seen_x:1|c', 0);
  a.flush(10_000);
  t.same(Object.keys(counters(a.counters)).sort(), ['app.bad_lines_seen_x', 'statsd.bad_lines_seen', 'statsd.metrics_received', 'statsd.packets_received']);
});

t.test('deleteTimers and deleteSets drop idle keys', async (t) => {
  const a = agg({ deleteTimers: true, deleteSets: true });
  a.packet('t:1|ms\ns:a|s', 0);
  const s = a.flush(10_000);
  t.ok(s.timers.has('t') && s.sets.has('s'));
  const idle = a.flush(20_000);
  t.notOk(idle.timers.has('t'));
  t.notOk(idle.sets.has('s'));
});

t.test('deleteGauges sends a gauge gaugesMaxTTL times after its last update', async (t) => {
  for (const [ttl, flushes] of [[1, 1], [2, 2], [3, 3], [0, 1], [2.5, 1]] as const) {
    const a = agg({ deleteGauges: true, gaugesMaxTTL: ttl });
    a.packet('g:+1|g', 0);
    let seen = 0;
    for (let i = 1; i <= 5; i++) if (a.flush(i * 10_000).gauges.has('g')) seen++;
    t.equal(seen, flushes, `gaugesMaxTTL ${ttl}`);
  }
});

t.test('keys named like Object.prototype members are ordinary keys', async (t) => {
  const a = agg();
  a.packet('constructor:1|c\ntoString:2|ms\nhasOwnProperty:x|s\n__proto__:3|g\ns:__proto__|s', 0);
  const s = a.flush(10_000);
  t.equal(s.counters.get('constructor')!.v, 1);
  t.same(s.timers.get('toString')!.values, [2]);
  t.equal(s.sets.get('hasOwnProperty')!.size, 1);
  t.equal(s.gauges.get('__proto__'), 3);
  t.equal(s.sets.get('s')!.size, 1, '__proto__ is counted as a set member');
});

t.test('a NaN counter restarts from 0 as in etsy', async (t) => {
  const a = agg();
  a.packet('c:Infinity|c\nc:-Infinity|c', 0);
  t.ok(Number.isNaN(a.counters.get('c')!.v));
  a.packet('c:2|c', 0);
  t.equal(a.counters.get('c')!.v, 2);
});

t.test('the admin delete commands remove exact names and whole folders', async (t) => {
  const a = agg();
  a.packet('a.b:1|c\na.c:1|c\nab:1|c\ng.x:1|g\nt:1|ms\ns:1|s', 0);
  t.same(a.deleteStats('counters', ['a.*', 'nope']), ['deleted: a.b', 'deleted: a.c', 'metric nope not found']);
  t.ok(a.counters.has('ab'));
  t.same(a.deleteStats('gauges', ['g.x']), ['deleted: g.x']);
  t.same(a.deleteStats('timers', ['t']), ['deleted: t']);
  t.same(a.deleteStats('sets', ['s']), ['deleted: s']);
  t.equal(a.size, 4);
});
