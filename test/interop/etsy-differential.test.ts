// Differential test: the same packet streams go to etsy statsd 0.9.0 and to sotto; both forward
// every flush to a fake carbon listener; each flush must be the same set of `name value` lines
// (timestamps, self-timing lines, backend stats and timestamp_lag masked). Every scenario group
// runs against one etsy process; the groups run at the same time to keep the wall time short.
import t from 'tap';
import { requirePeer } from '../support/interop.js';
import { drive, etsyAvailable, normalise, startEtsy, startSotto } from './etsy-harness.js';
import { rng, pick } from '../support/rng.js';

const SEED = Number(process.env.SOTTO_DIFF_SEED ?? 90210);

/** The cases of etsy's own graphite tests, the verified edge cases, CRLF, tags and number quirks. */
const ETSY_CASES = [
  'a_bad_test_value|z', 'a_test_value:100|ms', 'a_test_value:100|ms|@0.1', 'a_test_value:100|c', 'a_test_value:70|g',
  'test_value:50|g', 'test_value:-3|g', 'fo/o:250|c', 'b ar:250|c', 'foo+bar:250|c',
  'fo/o;tag1=val1:250|c', 'b ar;tag1=val1;tag2=val2:250|c', 'foo+bar;tag1=val1;tag3=val3;tag2=val2:250|c',
  'foo+bar:250|c|#tag1:val;1,tag3:val3,tag2:val2',
];
const EDGE_CASES = [
  'a:1|c:2|c', 'b:1|c:5|ms', 'h1:7|h', 'x1:3|foo', 'e1:4|', 'n1', 'n2:|c', 'n3:abc|c', 'n4:1|c|@0.1', 'n5:1|c|0.1',
  'n6:1|c|@-1', 'n7:1|c|@', 'n8:1|c|', 'n9:-1|ms', 'n10:1|c|@2e-1', 'n11:1|c|@.5', 'n12:1e3|c', 'n13:0x10|c',
  'n14: |c', 'n15:Infinity|c', 'n16:1|c|@0.5|extra', 'c1:1|c|@0x1', 'c2:1|c|@0', 'u:1|s', 'u:1|s', 'u:2|s', 'u:|s',
  ':1|c', 'a b/c+d@e:1|c', 'Ünï©ødé:1|c', 'tag/k:1|c|#a/b:c d', 'tg:1|c|#k:v', 't3:1|c|#t3:a:b', 't4:1|c|#a;b:c;d',
  't5:1|c|#', 'a6:1|c|#k:v|@0.5', 'multi:1|c|@0.1:2|ms:3|g:x|s', 'a:|c:|c', 'g0:-5|g', 'g0:+1|g', 'g1:5|g', 'g1:+0x10|g',
  'sv:10|ms|@0.1:20|ms|@0.5', 'ms0:-0.0|ms', 'ms1:+10e1|ms', 'big:1e21|c', 'tiny:0.1|c:0.2|c',
];
const CRLF_CASES = ['t:-5|ms\r', 'u2:foo|s\r', 'u3:1|s\r', 'c3:7|c\r', 'g2:3|g\r', 'lines:1|c\r\nlines:2|c\r\n', 'x:1|c\n\n\ny:2|c\n'];

const QUIRK_VALUES = ['1', '2', '0', '-3', '+4', '1e3', '0x10', ' ', '.5', '5.', '1.25', '007', '1e-3', 'Infinity', '-0', 'abc', '', '0b11', '1_000', ' 7 '];
const TYPES = ['c', 'c', 'ms', 'ms', 'g', 's', 'h', 'zz', '', 'ms\r', 'c\r', 'g\r'];
// Not '|@' alone: followed by the '\r' of a CRLF line it crashes etsy (`@\r` passes its validator).
const RATES = ['', '', '', '|@0.5', '|@.5', '|@0.1', '|@1', '|@2e-1', '|@0x1', '|@x', '|0.5', '|@-1', '|@0.25|junk'];
const KEYS = ['api.hits', 'api.latency', 'db query', 'x/y', 'k1', 'k2', '9', '123', 'weird+key', 'hist.render', 'srv;dc=eu', 'a'];

function randomLine(r: () => number): string {
  const key = pick(r, KEYS);
  const segs = Array.from({ length: r() < 0.2 ? 2 : 1 }, () => `${pick(r, QUIRK_VALUES)}|${pick(r, TYPES)}${pick(r, RATES)}`);
  const tags = r() < 0.15 ? `|#${pick(r, ['env:prod', 'a:b,c:d', 'x/y:z w', 'k'])}` : '';
  return `${key}:${segs.join(':')}${tags}`;
}

function randomBatches(seed: number, batches: number, packets: number): string[][] {
  const r = rng(seed);
  return Array.from({ length: batches }, () => Array.from({ length: packets }, () => {
    const lines = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomLine(r));
    return lines.join(r() < 0.2 ? '\r\n' : '\n');
  }));
}

interface Group {
  name: string;
  config: Record<string, unknown>;
  batches: string[][];
  idle: number;
}

const LIFECYCLE = [
  ['lc.c:1|c', 'lc.t:10|ms', 'lc.t:20|ms', 'lc.g:5|g', 'lc.s:a|s', 'statsd.bad_lines_seen_x:1|c', 'oops'],
  [],
  ['lc.c:3|c', 'lc.g:+2|g', 'lc.s:b|s', 'lc.t2:1|ms'],
];

const groups: Group[] = [
  {
    name: 'etsy test cases, edge cases, CRLF, tags and random streams (non-legacy names)',
    config: { graphite: { legacyNamespace: false }, percentThreshold: [90, 95, 99, -10, 99.5], histogram: [{ metric: 'hist', bins: [1, 10, 100, 'inf'] }, { metric: 'a_test_value', bins: [1000] }] },
    batches: [ETSY_CASES, EDGE_CASES, CRLF_CASES, ...randomBatches(SEED, 4, 150)],
    idle: 2,
  },
  {
    name: 'legacy namespace with prefixStats and globalSuffix',
    config: { graphite: { legacyNamespace: true, globalSuffix: 'sfx' }, prefixStats: 'statsprefix', percentThreshold: 90 },
    batches: [ETSY_CASES, ...randomBatches(SEED + 1, 2, 100)],
    idle: 1,
  },
  {
    name: 'custom prefixes, calculatedTimerMetrics and flush_counts off',
    config: {
      graphite: { legacyNamespace: false, globalPrefix: 'gp', prefixCounter: '', prefixTimer: 'tm', prefixGauge: 'gg', prefixSet: 'st', globalSuffix: 'x' },
      flush_counts: false, calculatedTimerMetrics: ['count_ps', 'count', 'count_percent', 'mean_percent', 'histogram', 'lower_percent'],
      percentThreshold: [90, -20], histogram: [{ metric: '', bins: [2, 5.5, 'inf'] }],
    },
    batches: [EDGE_CASES, ...randomBatches(SEED + 2, 2, 100)],
    idle: 1,
  },
];

// Every combination of the four delete* options, plus deleteIdleStats with and without overrides
// and gaugesMaxTTL, each over 5 flushes (active, idle, active, idle, idle).
for (let mask = 0; mask < 16; mask++) {
  const [counters, timers, gauges, sets] = [1, 2, 4, 8].map((b) => Boolean(mask & b));
  groups.push({
    name: `deleteCounters=${counters} deleteTimers=${timers} deleteGauges=${gauges} deleteSets=${sets}`,
    config: { deleteCounters: counters, deleteTimers: timers, deleteGauges: gauges, deleteSets: sets, graphite: { legacyNamespace: mask % 3 === 0 }, percentThreshold: [90] },
    batches: LIFECYCLE,
    idle: 2,
  });
}
groups.push(
  { name: 'deleteIdleStats with gaugesMaxTTL 2', config: { deleteIdleStats: true, gaugesMaxTTL: 2, percentThreshold: [90] }, batches: LIFECYCLE, idle: 3 },
  { name: 'deleteIdleStats with deleteGauges overridden off and gaugesMaxTTL 3', config: { deleteIdleStats: true, deleteGauges: false, gaugesMaxTTL: 3, percentThreshold: [90] }, batches: LIFECYCLE, idle: 2 },
  { name: 'deleteGauges with gaugesMaxTTL 3', config: { deleteGauges: true, gaugesMaxTTL: 3, percentThreshold: [90] }, batches: LIFECYCLE, idle: 4 },
  { name: 'percentThreshold [] (no percentile stats)', config: { percentThreshold: [] }, batches: [ETSY_CASES], idle: 1 },
);

t.test('sotto flushes exactly what etsy statsd 0.9 flushes for the same packets', async (t) => {
  if (!requirePeer(t, 'etsy statsd 0.9.0', etsyAvailable(), 'npm install (devDependency statsd@0.9.0)')) return;
  // Run at most 8 groups (16 daemons) at a time on the 2 shared cores.
  const queue = groups.slice();
  const results: { group: Group; etsy: string[][]; sotto: string[][]; error?: unknown }[] = [];
  const worker = async (): Promise<void> => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      // etsy's config keeps sotto's improvements out: h counts as a counter in both.
      const etsyConfig = { ...g.config };
      const sottoConfig = { ...g.config, histogramsAsTimers: false };
      const started = await Promise.allSettled([startEtsy(etsyConfig), startSotto(sottoConfig)]);
      const [etsyR, sottoR] = started;
      if (etsyR.status === 'rejected' || sottoR.status === 'rejected') {
        for (const r of started) if (r.status === 'fulfilled') await r.value.stop();
        results.push({ group: g, etsy: [], sotto: [], error: started.map((r) => (r.status === 'rejected' ? String(r.reason) : '')).join(' ') });
        continue;
      }
      const etsy = etsyR.value;
      const sotto = sottoR.value;
      try {
        const [e, s] = await Promise.all([drive(etsy, g.batches, g.idle), drive(sotto, g.batches, g.idle)]);
        results.push({ group: g, etsy: e, sotto: s });
      } catch (error) {
        results.push({ group: g, etsy: [], sotto: [], error });
      } finally {
        await Promise.all([etsy.stop(), sotto.stop()]);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));

  t.equal(results.length, groups.length, 'every scenario group ran');
  for (const r of results) {
    t.test(r.group.name, async (t) => {
      t.notOk(r.error, `both daemons flushed every window ${r.error ?? ''}`);
      t.equal(r.sotto.length, r.etsy.length, 'same number of flushes');
      for (let i = 0; i < r.etsy.length; i++) {
        const e = normalise(r.etsy[i]!);
        const s = normalise(r.sotto[i]!);
        t.ok(e.length > 3, `flush ${i} is not empty`);
        t.same(s, e, `flush ${i} (seed ${SEED})`);
      }
    });
  }
});
