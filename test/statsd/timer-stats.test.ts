import t from 'tap';
import { createRequire } from 'node:module';
import { timerStats, percentSuffix, binName, type TimerStatsConfig, type HistogramRule } from '../../lib/statsd/timer-stats.js';
import { rng, pick } from '../support/rng.js';

// etsy's own process_metrics is the oracle: same inputs, compare every emitted stat bit for bit.
const require = createRequire(import.meta.url);
const pm = require('statsd/lib/process_metrics.js') as {
  process_metrics(metrics: Record<string, unknown>, calc: string[] | undefined, interval: number, ts: number, cb: (m: any) => void): void;
};

function etsyTimer(values: number[], count: number, interval: number, config: TimerStatsConfig, key = 'k'): Array<[string, number]> {
  const metrics: Record<string, unknown> = {
    counters: {}, gauges: {}, sets: {},
    timers: { [key]: values.slice() },
    timer_counters: { [key]: count },
    pctThreshold: config.percentThreshold,
    histogram: config.histogram,
  };
  let data: Record<string, any> = {};
  pm.process_metrics(metrics, config.calculatedTimerMetrics ?? [], interval, 0, (m) => { data = m.timer_data[key]; });
  const out: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'number') out.push([k, v]);
    else if (v && typeof v === 'object') for (const [b, f] of Object.entries(v)) out.push([`${k}.${b}`, f as number]);
  }
  return out;
}

t.test('one value gives every percentile the value itself', async (t) => {
  const stats = new Map(timerStats([100], 1, 1000, { percentThreshold: [90] }));
  t.equal(stats.get('count_90'), 1);
  t.equal(stats.get('mean_90'), 100);
  t.equal(stats.get('upper_90'), 100);
  t.equal(stats.get('sum_squares_90'), 10000);
  t.equal(stats.get('std'), 0);
  t.equal(stats.get('count_ps'), 1);
  t.equal(stats.get('median'), 100);
});

t.test('1..10 at 90, 50 and -10 percent gives etsy documented figures', async (t) => {
  const v = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const stats = new Map(timerStats(v, 10, 10000, { percentThreshold: [90, 50, -10, 99.5] }));
  t.same([stats.get('count_90'), stats.get('mean_90'), stats.get('upper_90'), stats.get('sum_90'), stats.get('sum_squares_90')], [9, 5, 9, 45, 285]);
  t.same([stats.get('count_50'), stats.get('mean_50'), stats.get('upper_50')], [5, 3, 5]);
  t.equal(stats.get('lower_top10'), 10);
  t.equal(stats.get('count_99_5'), 10);
  t.equal(stats.get('std'), 2.8722813232690143);
  t.equal(stats.get('median'), 5.5);
  t.equal(stats.get('count_ps'), 1);
  t.same(v, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'values are sorted in place');
});

t.test('an idle timer reports only count_ps and count, both zero, in that order', async (t) => {
  t.same(timerStats([], 0, 10000, { percentThreshold: [90] }), [['count_ps', 0], ['count', 0]]);
});

t.test('a percentile that rounds to no values is left out', async (t) => {
  const stats = new Map(timerStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10, 1000, { percentThreshold: [1] }));
  t.notOk(stats.has('count_1'));
  t.ok(stats.has('mean'));
});

t.test('histogram bins use the first matching rule and exclusive upper limits', async (t) => {
  const histogram: HistogramRule[] = [{ metric: 'foo', bins: [] }, { metric: 'abc', bins: [1, 2.21, 'inf'] }, { metric: 'a', bins: [1, 2] }];
  const abc = new Map(timerStats([0.5, 2.21, 3, 4, 100], 5, 1000, { percentThreshold: [90], histogram }, 'xabcx'));
  t.same([abc.get('histogram.bin_1'), abc.get('histogram.bin_2_21'), abc.get('histogram.bin_inf')], [1, 0, 4]);
  const a = new Map(timerStats([1.5, 7], 2, 1000, { percentThreshold: [90], histogram }, 'a'));
  t.same([a.get('histogram.bin_1'), a.get('histogram.bin_2'), a.has('histogram.bin_inf')], [0, 1, false]);
  const foo = timerStats([1], 1, 1000, { percentThreshold: [90], histogram }, 'foobar');
  t.notOk(foo.some(([s]) => s.startsWith('histogram')), 'bins: [] disables the histogram');
});

t.test('calculatedTimerMetrics keeps only the listed stats, percentiles as <stat>_percent', async (t) => {
  const calc = ['count_ps', 'count', 'count_percent', 'mean_percent', 'histogram', 'lower_percent'];
  const stats = timerStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10, 1000, { percentThreshold: [90, -10], calculatedTimerMetrics: calc, histogram: [{ metric: '', bins: [1000] }] });
  t.same(stats.map(([s]) => s).sort(), ['count', 'count_90', 'count_ps', 'count_top10', 'histogram.bin_1000', 'lower_top10', 'mean_90', 'mean_top10'].sort());
});

t.test('names follow etsy: percent and bin suffixes replace only the first dot', async (t) => {
  t.equal(percentSuffix(99.5), '99_5');
  t.equal(percentSuffix(-10), 'top10');
  t.equal(binName(0.01), 'bin_0_01');
  t.equal(binName('inf'), 'bin_inf');
});

t.test('random timers match etsy process_metrics bit for bit', async (t) => {
  const seed = 20261130;
  const r = rng(seed);
  const pcts = [[90], [90, 95, 99], [50, -10, 99.9], [-20, 75, 1, 100], [33.3, -99]];
  const calcs: (string[] | undefined)[] = [undefined, [], ['sum', 'upper_percent', 'sum_squares_percent', 'histogram', 'std']];
  let cases = 0;
  for (let c = 0; c < 400; c++) {
    const n = 1 + Math.floor(r() * (r() < 0.5 ? 5 : 200));
    const scale = pick(r, [1, 0.001, 1000, 1e9]);
    const values = Array.from({ length: n }, () => (r() < 0.3 ? Math.floor(r() * 50) : r() * scale));
    const count = r() < 0.5 ? n : n / pick(r, [0.1, 0.5, 0.3]);
    const interval = pick(r, [1000, 10000, 1500, 100]);
    const config: TimerStatsConfig = {
      percentThreshold: pick(r, pcts),
      calculatedTimerMetrics: pick(r, calcs),
      histogram: r() < 0.5 ? [{ metric: 'k', bins: [1, 10, 40.5, 'inf'] }] : undefined,
    };
    const expected = etsyTimer(values, count, interval, config);
    const got = timerStats(values.slice(), count, interval, config, 'k');
    if (!t.same(got, expected, `case ${c} (seed ${seed})`)) break;
    cases++;
  }
  t.equal(cases, 400);
});
