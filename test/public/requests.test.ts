import t from 'tap';
import { cleanInstanceGlob, globOf, headroomExpr, instanceNotes, instanceOf, KEEP_LAST, maxRateExpr, rateExpr, requestsGlobFor, requestsGraphs, type RequestsGraph } from '../../public/src/requests.js';
import { unitOf } from '../../public/src/format.js';
import { globToRegExp } from '../../public/src/treeModel.js';

// What sotto's tracelog source writes under tracelog.<instance>.timers.app with the default
// percentThreshold [90, 95, 99] (statsd timer statistics).
const APP_STATS = ['count', 'count_ps', 'mean', 'median', 'upper', 'lower', 'std', 'sum', 'sum_squares', 'upper_90', 'mean_90', 'sum_90', 'upper_95', 'mean_95', 'sum_95', 'upper_99', 'mean_99', 'sum_99'];

/** The metric paths (dotted, with globs) a Graphite expression reads, quoted aliases aside. */
function pathsIn(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const component = String.raw`(?:[\w*?[\]-]|\{[^}]*\})+`;
  return noStrings.match(new RegExp(`${component}(?:\\.${component})+`, 'g')) ?? [];
}

/** alias(expr, "name") → name. */
function aliasOf(target: string): string | null {
  const m = /^alias\((.*), "((?:[^"\\]|\\.)*)"\)$/.exec(target);
  return m ? m[2]!.replace(/\\(.)/g, '$1') : null;
}

function byId(graphs: RequestsGraph[]): Record<string, RequestsGraph> {
  return Object.fromEntries(graphs.map((g) => [g.id, g]));
}

t.test('one instance gets the four graphs ZC drew plus headroom, each series named by an alias', async (t) => {
  const graphs = requestsGraphs('web1', { threads: 1, appStats: APP_STATS });
  t.same(graphs.map((g) => g.id), ['rate', 'headroom', 'backlog', 'errors', 'time']);
  for (const g of graphs) {
    t.same(g.targets.map(aliasOf), g.series, `${g.id}: every target is aliased to the name the legend shows`);
    for (const target of g.targets) {
      for (const p of pathsIn(target)) t.match(p, /^tracelog\.web1\./, `${g.id}: reads only web1's series (${p})`);
    }
  }
  const all = graphs.flatMap((g) => g.series);
  t.equal(new Set(all).size, all.length, 'series names are distinct across the view (legend toggles in the URL name them)');
  const g = byId(graphs);
  t.same(g.rate!.series, ['rate', 'max rate', 'restarts']);
  t.same(g.time!.series, ['mean', 'median', 'p90', 'p95', 'p99', 'max'], 'app time: exact mean, median, every configured percentile, max');
  t.same(g.backlog!.series, ['backlog', 'backlog peak', 'active']);
  t.same(g.errors!.series, ['errors']);
  t.same([g.rate!.unit, g.headroom!.unit, g.backlog!.unit, g.errors!.unit, g.time!.unit], ['perSecond', 'percent', 'none', 'perSecond', 'ms']);
});

t.test('the series read are the documented metric names', async (t) => {
  const targets = requestsGraphs('web1', { threads: 1, appStats: APP_STATS }).flatMap((g) => g.targets);
  const read = new Set(targets.flatMap(pathsIn).map((p) => p.slice('tracelog.web1.'.length)));
  t.same([...read].sort(), [
    'active.last', 'backlog.last', 'backlog.max', 'errors.rate', 'max_rate', 'requests.rate', 'restarts.count',
    'timers.app.count', 'timers.app.median', 'timers.app.sum', 'timers.app.upper', 'timers.app.upper_90', 'timers.app.upper_95', 'timers.app.upper_99',
  ]);
});

t.test('over a glob, rates and capacities are summed, percentiles take the worst instance, the mean is Σsum/Σcount', async (t) => {
  const glob = '{web1,web2}';
  const g = byId(requestsGraphs(glob, { threads: 1, appStats: APP_STATS }));
  t.equal(rateExpr(glob), 'sumSeries(tracelog.{web1,web2}.requests.rate)');
  t.equal(maxRateExpr(glob), `sumSeries(keepLastValue(tracelog.{web1,web2}.max_rate, ${KEEP_LAST}))`, 'capacity: the sum of each instance\'s max_rate, idle intervals bridged');
  t.equal(g.time!.targets[0], 'alias(divideSeries(sumSeries(tracelog.{web1,web2}.timers.app.sum), sumSeries(tracelog.{web1,web2}.timers.app.count)), "mean")');
  t.equal(g.time!.targets[3], 'alias(maxSeries(tracelog.{web1,web2}.timers.app.upper_95), "p95")');
  t.equal(g.headroom!.targets[0], `alias(${headroomExpr(glob)}, "headroom")`);
  t.equal(headroomExpr(glob), `offset(scale(asPercent(${rateExpr(glob)}, ${maxRateExpr(glob)}), -1), 100)`, 'headroom = 100 − 100·R/M = (M − R)/M in %');
  t.equal(g.rate!.targets[2], 'alias(drawAsInfinite(sumSeries(tracelog.{web1,web2}.restarts.count)), "restarts")', 'restarts are markers');
  for (const target of g.backlog!.targets.concat(g.errors!.targets)) t.match(target, /^alias\(sumSeries\(tracelog\.\{web1,web2\}\./);
});

t.test('max_rate is per application thread: threads scale the capacity and the headroom', async (t) => {
  t.equal(maxRateExpr('web1', 4), `scale(sumSeries(keepLastValue(tracelog.web1.max_rate, ${KEEP_LAST})), 4)`);
  const g = byId(requestsGraphs('web1', { threads: 4, appStats: APP_STATS }));
  t.equal(g.rate!.series[1], 'max rate × 4 threads');
  t.ok(g.headroom!.targets[0]!.includes(maxRateExpr('web1', 4)), 'the headroom uses the scaled capacity');
  t.notOk(maxRateExpr('web1', 1).includes('scale('), 'no scale() for one thread');
});

t.test('the time graph follows the configured percentiles, and falls back to total time without app time (Zope 2)', async (t) => {
  const p = (stats: string[]) => requestsGraphs('w', { threads: 1, appStats: stats }).find((g) => g.id === 'time')!;
  t.same(p(['sum', 'count', 'median', 'upper_99', 'upper_50', 'upper_99_9', 'upper']).series, ['mean', 'median', 'p50', 'p99', 'p99.9', 'max'], 'sorted by percentile, 99_9 is 99.9');
  t.same(p(['median']).series, ['median'], 'no mean without sum and count');
  const zope2 = requestsGraphs('z', { threads: 1, appStats: [], totalStats: ['sum', 'count', 'upper_95'] }).find((g) => g.id === 'time')!;
  t.match(zope2.title, /Total time/);
  t.same(zope2.targets, ['alias(divideSeries(sumSeries(tracelog.z.timers.total.sum), sumSeries(tracelog.z.timers.total.count)), "mean")', 'alias(maxSeries(tracelog.z.timers.total.upper_95), "p95")']);
  t.same(requestsGraphs('z', { threads: 1, appStats: [] }).find((g) => g.id === 'time')!.targets, [], 'nothing known: no lines');
});

t.test('units: rates in /s, headroom in %, times in ms (also when guessed from the target alone)', async (t) => {
  const g = byId(requestsGraphs('web1', { threads: 1, appStats: APP_STATS }));
  t.equal(unitOf(g.rate!.targets[0]!), 'perSecond');
  t.equal(unitOf(g.rate!.targets[1]!), 'perSecond', 'max_rate is a rate');
  t.equal(unitOf(g.headroom!.targets[0]!), 'percent');
  t.equal(unitOf(g.time!.targets[1]!), 'ms');
  t.equal(unitOf(g.errors!.targets[0]!), 'perSecond');
});

t.test('instance patterns: keys and globs pass, anything that could break out of the expression does not', async (t) => {
  for (const ok of ['web1', 'web1__zope', 'app1__acme__instance1', 'web*', '{web1,web2}', 'web[12]', 'web[!1]', '*', 'a-b', ' web1 ']) {
    t.equal(cleanInstanceGlob(ok), ok.trim(), `${JSON.stringify(ok)} is accepted`);
  }
  for (const bad of ['', '   ', 'web1.requests', 'a,b', 'a b', 'x)', 'sumSeries(x', '"x"', "'x'", '{a,b', 'a}', '[ab', 'a]', '{a,{b}}', '<b>x</b>', 'x'.repeat(501), 42, null]) {
    t.equal(cleanInstanceGlob(bad), null, `${JSON.stringify(bad)} is refused`);
  }
});

t.test('the instance pattern for a selection: all → *, one → its key, several → {a,b}', async (t) => {
  const all = ['app1', 'web1', 'web2'];
  t.equal(globOf(['web1'], all), 'web1');
  t.equal(globOf(['web2', 'web1'], all), '{web1,web2}', 'sorted');
  t.equal(globOf(['web2', 'web1', 'app1'], all), '*');
  t.equal(globOf([], all), '');
  t.equal(globOf(['web1'], ['web1']), 'web1', 'a single known instance stays named');
  for (const sel of [['web1'], ['web1', 'web2'], ['app1', 'web2']]) {
    const re = globToRegExp(globOf(sel, all));
    t.same(all.filter((i) => re.test(i)), [...sel].sort(), `the pattern for ${sel.join('+')} matches exactly it`);
  }
});

t.test('the tree offers the view on tracelog and on each tracelog.<instance> branch', async (t) => {
  t.equal(requestsGlobFor('tracelog', false, null), '*');
  t.equal(requestsGlobFor('tracelog.web1', false, null), 'web1', 'before its children are loaded');
  t.equal(requestsGlobFor('tracelog.web1', false, ['active', 'backlog', 'errors', 'requests', 'timers']), 'web1');
  t.equal(requestsGlobFor('tracelog.web1', false, ['something']), null, 'a branch without requests is not an instance');
  t.equal(requestsGlobFor('tracelog.web1', true, null), null, 'a leaf is not');
  t.equal(requestsGlobFor('tracelog.web1.requests', false, null), null);
  t.equal(requestsGlobFor('stats.tracelog', false, null), null);
  t.equal(requestsGlobFor('tracelog.we*b', false, null), 'we[*]b', 'a literal glob character is escaped');
  t.equal(instanceOf('tracelog.web1.max_rate'), 'web1');
  t.equal(instanceOf('tracelog.web1'), 'web1');
  t.equal(instanceOf('stats.web1'), null);
});

t.test('the view explains missing instances and instances without max_rate', async (t) => {
  t.match(instanceNotes([], [], 'nope*'), [/No tracelog instance matches “nope\*”/]);
  t.same(instanceNotes(['web1', 'web2'], ['web1', 'web2'], '*'), []);
  const mixed = instanceNotes(['web1', 'zope2'], ['web1'], '*');
  t.equal(mixed.length, 1);
  t.match(mixed[0], /^zope2 has no max_rate/);
  t.match(instanceNotes(['z1', 'z2'], [], '*')[0], /^No max_rate for these instances/);
  t.match(instanceNotes(['z1'], [], 'z1')[0], /^No max_rate for this instance/);
  t.match(instanceNotes(['web1', 'z1', 'z2'], ['web1'], '*')[0], /^z1, z2 have no max_rate/);
});
