import t from 'tap';
import { formatCount, formatTicks, formatValue, unitOf } from '../../public/src/format.js';

t.test('the unit follows statsd naming: timer statistics are milliseconds, rates are per second', async (t) => {
  t.equal(unitOf('stats.timers.api.login.mean'), 'ms');
  t.equal(unitOf('stats.timers.api.login.upper_95'), 'ms');
  t.equal(unitOf('stats.timers.api.login.mean_90'), 'ms');
  t.equal(unitOf('stats.timers.api.login.lower_top10'), 'ms');
  t.equal(unitOf('stats.timers.api.login.count_ps'), 'perSecond');
  t.equal(unitOf('stats.timers.api.login.count'), 'none', 'a timer count is a plain number');
  t.equal(unitOf('stats.counters.api.hits.rate'), 'perSecond');
  t.equal(unitOf('stats.gauges.queue.depth'), 'none');
  t.equal(unitOf('sumSeries(stats.timers.api.*.upper_95)'), 'ms', 'functions keep the unit of their paths');
  t.equal(unitOf('alias(stats.timers.a.mean, "the.rate")'), 'ms', 'quoted aliases are not paths');
  t.equal(unitOf('perSecond(stats_counts.hits)'), 'perSecond');
  t.equal(unitOf('sumSeries(stats.timers.a.mean, stats.counters.b.rate)'), 'none', 'mixed units: plain numbers');
  t.equal(unitOf('constantLine(100)'), 'none');
});

t.test('single values get three significant digits and a readable unit', async (t) => {
  t.equal(formatValue(null), '–', 'a gap is a dash, not zero');
  t.equal(formatValue(0), '0');
  t.equal(formatValue(1234), '1.23k');
  t.equal(formatValue(-1234567), '-1.23M');
  t.equal(formatValue(12.345), '12.3');
  t.equal(formatValue(0.00123), '1.23m');
  t.equal(formatValue(350, 'ms'), '350 ms');
  t.equal(formatValue(1500, 'ms'), '1.5 s');
  t.equal(formatValue(90_000, 'ms'), '1.5 min');
  t.equal(formatValue(0.25, 'ms'), '250 µs');
  t.equal(formatValue(12, 'perSecond'), '12/s');
  t.equal(formatValue(2500, 'perSecond'), '2.5k/s');
  t.equal(formatValue(0.5, 'perSecond'), '0.5/s', 'no milli prefix on a rate (500m/s reads as metres per second)');
  t.equal(formatValue(0.00125, 'perSecond'), '0.00125/s');
  t.same(formatTicks([0, 0.25, 0.5], 'perSecond'), ['0', '0.25/s', '0.50/s']);
  t.equal(formatValue(0.5), '500m', 'other units keep SI prefixes');
  t.equal(formatValue(Infinity), '∞');
});

t.test('axis ticks share one scale and enough decimals to be told apart', async (t) => {
  t.same(formatTicks([0, 500, 1000, 1500], 'ms'), ['0.0 s', '0.5 s', '1.0 s', '1.5 s']);
  t.same(formatTicks([0, 2500, 5000, 7500]), ['0', '2.5k', '5.0k', '7.5k']);
  t.same(formatTicks([0, 20, 40, 60]), ['0', '20', '40', '60']);
  t.same(formatTicks([0.1, 0.2, 0.3]), ['100m', '200m', '300m']);
  t.same(formatTicks([-10, 0, 10]), ['-10', '0', '10']);
  t.same(formatTicks([0, 5, 10], 'perSecond'), ['0', '5/s', '10/s']);
  t.same(formatTicks([]), []);
  for (const ticks of [[0, 0.25, 0.5, 0.75, 1], [1e6, 1.5e6, 2e6], [100, 120, 140, 160]]) {
    const labels = formatTicks(ticks);
    t.equal(new Set(labels).size, labels.length, `distinct labels for ${ticks.join(', ')}: ${labels.join(', ')}`);
  }
});

t.test('counts are grouped by thousands', async (t) => {
  t.equal(formatCount(7), '7');
  t.equal(formatCount(1000), '1,000');
  t.equal(formatCount(100000), '100,000');
});

t.test('percentages: asPercent() targets are in %, also under alias/offset/scale; values and ticks end in %', async (t) => {
  t.equal(unitOf('asPercent(a.errors.rate, a.requests.rate)'), 'percent');
  t.equal(unitOf('alias(offset(scale(asPercent(a.rate, b.max_rate), -1), 100), "headroom")'), 'percent');
  t.equal(unitOf('sumSeries(asPercent(a.b, c.d))'), 'none', 'asPercent inside an aggregation is not assumed to stay a percentage');
  t.equal(unitOf('tracelog.web1.max_rate'), 'perSecond', 'max_rate is a rate');
  t.equal(formatValue(66.6666, 'percent'), '66.7%');
  t.equal(formatValue(5, 'percent'), '5%');
  t.equal(formatValue(0, 'percent'), '0%');
  t.equal(formatValue(-250, 'percent'), '-250%', 'no k, M scaling');
  t.equal(formatValue(12345, 'percent'), '12345%');
  t.same(formatTicks([0, 25, 50, 75, 100], 'percent'), ['0%', '25%', '50%', '75%', '100%']);
  t.same(formatTicks([60, 62.5, 65], 'percent'), ['60.0%', '62.5%', '65.0%']);
});
