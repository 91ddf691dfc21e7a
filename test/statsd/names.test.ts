import t from 'tap';
import { Aggregator } from '../../lib/statsd/aggregate.js';
import { FlushNaming, snapshotToPoints, type NamingConfig } from '../../lib/statsd/names.js';
import { LOG_CHUNK } from '../../lib/statsd/tables.js';

const legacy: NamingConfig = {
  legacyNamespace: true, globalPrefix: 'stats', prefixCounter: 'counters', prefixTimer: 'timers', prefixGauge: 'gauges',
  prefixSet: 'sets', globalSuffix: '', prefixStats: 'statsd', flushCounts: true, keyNameSanitize: true,
};
const backend = { lastException: 0, lastFlush: 1700000000, flushTime: 0, flushLength: 0 };
const clock = () => 0;

function flush(lines: string, naming: NamingConfig, pct = [90], keyNameSanitize = true) {
  const a = new Aggregator({ prefixStats: naming.prefixStats, deleteCounters: false, deleteTimers: false, deleteGauges: false, deleteSets: false, gaugesMaxTTL: 1, flushInterval: 1000, keyNameSanitize });
  a.packet(lines, 0);
  return snapshotToPoints(a.flush(1700000001_000), naming, { percentThreshold: pct }, backend, clock);
}
const text = (r: ReturnType<typeof flush>) => r.points.map((p) => `${p.name} ${p.value} ${p.timestamp}`).join('\n');

t.test('one flush with default etsy (legacy) naming is the verified etsy output, line for line', async (t) => {
  const r = flush('foo:1|c\nt:100|ms\ng1:5|g\ns1:a|s', legacy);
  const ts = 1700000001;
  t.equal(text(r), [
    'stats.statsd.bad_lines_seen 0', 'stats_counts.statsd.bad_lines_seen 0',
    'stats.statsd.packets_received 1', 'stats_counts.statsd.packets_received 1',
    'stats.statsd.metrics_received 4', 'stats_counts.statsd.metrics_received 4',
    'stats.foo 1', 'stats_counts.foo 1',
    'stats.timers.t.count_90 1', 'stats.timers.t.mean_90 100', 'stats.timers.t.upper_90 100', 'stats.timers.t.sum_90 100',
    'stats.timers.t.sum_squares_90 10000', 'stats.timers.t.std 0', 'stats.timers.t.upper 100', 'stats.timers.t.lower 100',
    'stats.timers.t.count 1', 'stats.timers.t.count_ps 1', 'stats.timers.t.sum 100', 'stats.timers.t.sum_squares 10000',
    'stats.timers.t.mean 100', 'stats.timers.t.median 100',
    'stats.gauges.g1 5', 'stats.sets.s1.count 1', 'statsd.numStats 7',
    'stats.statsd.graphiteStats.calculationtime 0', 'stats.statsd.processing_time 0',
    'stats.statsd.graphiteStats.last_exception 0', 'stats.statsd.graphiteStats.last_flush 1700000000',
    'stats.statsd.graphiteStats.flush_time 0', 'stats.statsd.graphiteStats.flush_length 0',
  ].map((l) => `${l} ${ts}`).join('\n'));
  t.equal(r.numStats, 7);
});

t.test('non-legacy names use the prefixes; tags come after the stat name and suffix', async (t) => {
  const naming = { ...legacy, legacyNamespace: false, globalSuffix: 'sfx' };
  const names = flush('tg:1|c|#k:v\ng:2|g\ns:1|s', naming).points.map((p) => p.name);
  t.ok(names.includes('stats.counters.tg.rate.sfx;k=v'));
  t.ok(names.includes('stats.counters.tg.count.sfx;k=v'));
  t.ok(names.includes('stats.gauges.g.sfx'));
  t.ok(names.includes('stats.sets.s.count.sfx'));
  t.ok(names.includes('stats.statsd.numStats.sfx'));
  t.ok(names.includes('stats.statsd.graphiteStats.flush_length.sfx'));
});

t.test('empty prefixes are left out and legacy mode ignores them', async (t) => {
  const naming = { ...legacy, legacyNamespace: false, globalPrefix: 'gp', prefixCounter: '', globalSuffix: 'sfx' };
  const names = flush('c:1|c\ng:1|g', naming).points.map((p) => p.name);
  t.ok(names.includes('gp.c.rate.sfx'));
  t.ok(names.includes('gp.gauges.g.sfx'));
  t.ok(names.includes('gp.statsd.numStats.sfx'));
  const legacyNames = flush('c:1|c', { ...legacy, globalPrefix: 'gp', prefixCounter: 'x', globalSuffix: 'sfx' }).points.map((p) => p.name);
  t.ok(legacyNames.includes('stats.c.sfx'));
  t.ok(legacyNames.includes('stats_counts.c.sfx'));
  t.ok(legacyNames.includes('statsd.numStats.sfx'));
});

t.test('flush_counts false leaves out the raw counts', async (t) => {
  const names = flush('c:1|c', { ...legacy, flushCounts: false }).points.map((p) => p.name);
  t.notOk(names.some((n) => n.startsWith('stats_counts.')));
  t.ok(names.includes('stats.c'));
});

t.test('with keyNameSanitize off only the name part before the first ; is sanitized on output', async (t) => {
  const names = flush('a b/c+d:1|c|#t:v w/x', { ...legacy, keyNameSanitize: false }, [90], false).points.map((p) => p.name);
  t.ok(names.includes('stats.a_b-cd;t=v w/x'));
});

t.test('counter rates divide by the flush interval in seconds', async (t) => {
  const r = flush('c:5|c', { ...legacy, legacyNamespace: false });
  t.equal(r.points.find((p) => p.name === 'stats.counters.c.rate')!.value, 5);
});

t.test('a flush named in small steps (the log grouped a chunk at a time) equals the flush named at once', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 3 * LOG_CHUNK + 7; i++) lines.push(`t${i % 5}:${(i * 7919) % 1000}|ms`, `c${i % 3}:1|c`);
  const text = lines.join('\n');
  const make = () => {
    const a = new Aggregator({ prefixStats: 'statsd', deleteCounters: false, deleteTimers: false, deleteGauges: false, deleteSets: false, gaugesMaxTTL: 1, flushInterval: 1000, keyNameSanitize: true });
    a.packet(text, 0);
    return new FlushNaming(a.flush(1700000001_000), legacy, { percentThreshold: [90, 99] }, backend, clock);
  };
  const whole = make();
  t.ok(whole.step());
  const stepped = make();
  let steps = 1;
  while (!stepped.step(1)) steps++;
  t.ok(steps > 3 * 2 + 5, `took ${steps} steps`);
  t.same(stepped.finish(), whole.finish());
});
