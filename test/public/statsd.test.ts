import t from 'tap';
import { classify, onlyInternalMetrics, statsdView } from '../../public/src/statsd.js';

// What etsy statsd 0.9 writes for a timer with percentThreshold [90, 95] and for a counter
// (legacyNamespace false), per ../shared/reference/statsd.md §2–3.
const TIMER_CHILDREN = ['count_90', 'mean_90', 'upper_90', 'sum_90', 'sum_squares_90', 'count_95', 'mean_95', 'upper_95', 'sum_95', 'sum_squares_95', 'std', 'upper', 'lower', 'count', 'count_ps', 'sum', 'sum_squares', 'mean', 'median'];

t.test('a timer branch is recognised from its children and gets latency and throughput graphs', async (t) => {
  t.equal(classify('stats.timers.api.login', false, TIMER_CHILDREN), 'timer');
  t.same(statsdView('timer', 'stats.timers.api.login', TIMER_CHILDREN), [
    { title: 'api.login latency', targets: ['stats.timers.api.login.mean', 'stats.timers.api.login.median', 'stats.timers.api.login.upper_95'] },
    { title: 'api.login throughput', targets: ['stats.timers.api.login.count_ps'] },
  ]);
});

t.test('without upper_95 the highest configured percentile is shown, else upper', async (t) => {
  const p90 = TIMER_CHILDREN.filter((n) => !n.endsWith('_95'));
  t.same(statsdView('timer', 't', p90)[0]!.targets, ['t.mean', 't.median', 't.upper_90']);
  const p99 = [...p90, 'upper_99'];
  t.same(statsdView('timer', 't', p99)[0]!.targets, ['t.mean', 't.median', 't.upper_99']);
  const none = ['mean', 'upper', 'lower', 'count_ps'];
  t.same(statsdView('timer', 't', none), [
    { title: 't latency', targets: ['t.mean', 't.upper'] },
    { title: 't throughput', targets: ['t.count_ps'] },
  ]);
});

t.test('a counter branch (rate + count) shows its rate; a legacy stats_counts leaf shows stats.<key>', async (t) => {
  t.equal(classify('stats.counters.api.hits', false, ['rate', 'count']), 'counter');
  t.same(statsdView('counter', 'stats.counters.api.hits'), [{ title: 'api.hits rate', targets: ['stats.counters.api.hits.rate'] }]);
  t.equal(classify('stats_counts.api.hits', true, null), 'legacyCounter');
  t.same(statsdView('legacyCounter', 'stats_counts.api.hits'), [{ title: 'api.hits rate', targets: ['stats.api.hits'] }]);
});

t.test('other nodes are nothing special', async (t) => {
  t.equal(classify('stats.gauges.q', true, null), null);
  t.equal(classify('stats.timers.api', false, null), null, 'children not loaded yet');
  t.equal(classify('stats.timers.api', false, ['login', 'logout']), null);
  t.equal(classify('stats.counters', false, ['rate', 'count', 'other', 'more']), null, 'a namespace that happens to hold rate and count');
});

t.test("a fresh install's own statistics do not count as metrics; anything else does", async (t) => {
  // What sotto writes by itself at each flush (seen in a data directory after a flush with no input).
  const own = [
    'stats.counters.statsd.bad_lines_seen.count',
    'stats.counters.statsd.packets_received.rate',
    'stats.gauges.statsd.timestamp_lag',
    'stats.statsd.graphiteStats.last_flush',
    'stats.statsd.numStats',
    'stats.statsd.processing_time',
    'stats_counts.statsd.bad_lines_seen',
    'statsd.numStats',
  ];
  t.ok(onlyInternalMetrics([]));
  t.ok(onlyInternalMetrics(own));
  t.notOk(onlyInternalMetrics([...own, 'stats.counters.foo.count']));
  t.notOk(onlyInternalMetrics(['stats.statsdx.y']));
  t.notOk(onlyInternalMetrics(['carbon.agents.host.cpu']));
});
