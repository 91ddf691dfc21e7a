// Differential test against the real graphite-web 1.1.8 (Debian): the same Whisper files, the
// same requests (all with now=NOW), the same answers after parsing. Known 1.1.8 bugs that
// 1.1.10 fixed and sotto follows are compared explicitly (see MOVING below), and sotto's
// compat118 mode must then match 1.1.8 exactly.
import t from 'tap';
import { NOW, needOracle, makeFixture, request, startApp, startOracle, tempDir } from '../http/support/harness.js';
import { diffCsv, diffRender, type RenderSeriesJson } from '../http/support/compare.js';

/** Every function of the list (and a few more), over the fixture of make-fixture.py. */
const TARGETS = [
  'a.b.c', 'a.b.*', 'a.{b,x}.*', 'weird.values', 'mixed.*', 'servers.*.cpu.*', 'a.*', 'no.such.metric', 'servers.web[12].cpu.{user,idle}', 'servers.web[!1].cpu.?ser',
  'sumSeries(a.b.*)', 'sum(a.b.*)', 'averageSeries(a.b.*)', 'avg(servers.*.cpu.user)', 'minSeries(a.b.*)', 'maxSeries(a.b.*)', 'diffSeries(a.b.*)', 'diffSeries(a.b.d,a.b.c)', 'multiplySeries(a.b.*)', 'multiplySeries(a.b.c)',
  'divideSeries(a.b.c,a.b.d)', 'divideSeries(a.b.*,a.x.y)', 'divideSeries(a.b.c,no.such)', 'divideSeriesLists(a.b.*,servers.web1.cpu.{user,system})',
  'asPercent(a.b.*)', 'asPercent(a.b.c,a.b.d)', 'asPercent(a.b.*,100)', 'asPercent(a.b.*,a.x.y)', 'asPercent(servers.*.cpu.*,servers.*.cpu.idle,1)', 'asPercent(servers.*.cpu.*,None,1)', 'pct(a.b.*)',
  'countSeries(a.b.*)', 'countSeries()', 'group(a.b.c,a.x.y)', 'stddevSeries(a.b.*)', 'rangeOfSeries(a.b.*)', 'percentileOfSeries(servers.*.cpu.user,50)', 'percentileOfSeries(servers.*.cpu.user,75,true)',
  'aggregate(a.b.*,"sum")', 'aggregate(a.b.*,"avg_zero")', 'aggregate(a.b.*,"median")', 'aggregate(servers.*.cpu.*,"count")', 'aggregate(a.b.*,"last")', 'aggregate(a.b.*,"sumSeries")', 'aggregate(a.b.*,"max",0.9)',
  'sumSeriesWithWildcards(servers.*.cpu.*,1)', 'averageSeriesWithWildcards(servers.*.cpu.*,1,3)', 'groupByNode(servers.*.cpu.*,1,"sum")', 'groupByNode(servers.*.cpu.*,3)', 'groupByNodes(servers.*.cpu.*,"max",1,3)', 'groupByNode(servers.*.cpu.*,1,"sumSeries")', 'groupByNodes(servers.*.cpu.*,"averageSeries",3)',
  'scale(a.b.c,2)', 'scale(a.b.c,0.5)', 'scaleToSeconds(a.b.c,1)', 'offset(a.b.c,-10)', 'absolute(offset(a.b.c,-10))', 'invert(a.b.c)', 'pow(a.b.c,2)', 'squareRoot(a.b.c)', 'log(a.b.c)', 'log(a.b.c,2)', 'round(a.b.d)', 'round(divideSeries(a.b.c,a.b.d),3)',
  'alias(a.b.c,"foo")', 'aliasByNode(a.b.*,2)', 'aliasByNode(a.b.*,0,-1)', 'aliasByNode(sumSeries(servers.*.cpu.user),1)', 'aliasByMetric(a.b.*)', 'aliasSub(a.b.*,"^a\\.b\\.(.*)$","x.\\1")', 'aliasSub(a.b.c,"(^.*$)","\\1 A")', 'aliasSub(a.b.*,"(?P<n>[cd])$","\\g<n>!")', 'substr(a.b.c,1)', 'substr(a.b.c,0,2)',
  'derivative(a.counter)', 'nonNegativeDerivative(a.counter)', 'perSecond(a.counter)', 'integral(a.b.c)', 'delay(a.b.c,2)', 'delay(a.b.c,-2)', 'keepLastValue(a.b.c)', 'keepLastValue(a.b.c,1)', 'interpolate(a.b.c)',
  'transformNull(a.b.c)', 'transformNull(a.b.c,-1)', 'transformNull(a.b.c,0,a.b.d)', 'isNonNull(a.b.c)', 'changed(a.b.c)',
  'exponentialMovingAverage(a.b.c,5)', 'exponentialMovingAverage(a.b.c,"1min")',
  'summarize(a.b.c,"5min")', 'summarize(a.b.c,"5min","avg")', 'summarize(a.b.c,"7min","max",true)', 'summarize(a.b.c,"1h","last")', 'smartSummarize(a.b.c,"5min")', 'smartSummarize(a.b.c,"5min","sum","minutes")', 'smartSummarize(a.b.c,"1h","avg","hours")', 'hitcount(a.b.c,"5min")', 'hitcount(a.b.c,"5min",true)',
  'timeShift(a.b.c,"10min")', 'timeShift(a.b.c,"-5min",false)', 'timeStack(a.b.c,"5min",0,3)', 'timeSlice(a.b.c,"1699998600","1699999200")', 'consolidateBy(a.b.c,"max")', 'setXFilesFactor(a.b.*,0.5)',
  'highest(servers.*.cpu.*,2)', 'highest(servers.*.cpu.*,2,"max")', 'highestCurrent(servers.*.cpu.*,2)', 'highestMax(servers.*.cpu.*,1)', 'highestAverage(servers.*.cpu.*,3)', 'lowest(servers.*.cpu.*,2)', 'lowestCurrent(servers.*.cpu.*,2)', 'lowestAverage(servers.*.cpu.*,2)',
  'currentAbove(servers.*.cpu.*,10)', 'currentBelow(servers.*.cpu.*,10)', 'averageAbove(servers.*.cpu.*,11)', 'averageBelow(servers.*.cpu.*,11)', 'maximumAbove(servers.*.cpu.*,21)', 'maximumBelow(servers.*.cpu.*,21)', 'minimumAbove(servers.*.cpu.*,0)', 'minimumBelow(servers.*.cpu.*,0)', 'filterSeries(servers.*.cpu.*,"max",">=",22)',
  'removeAboveValue(a.b.c,20)', 'removeBelowValue(a.b.c,20)', 'removeAbovePercentile(a.b.c,50)', 'removeBelowPercentile(a.b.c,50)', 'nPercentile(a.b.c,95)', 'removeEmptySeries(group(a.b.c,no.such,weird.values))', 'removeEmptySeries(a.b.*,0.99)',
  'limit(servers.*.cpu.*,2)', 'exclude(servers.*.cpu.*,"user")', 'grep(servers.*.cpu.*,"web[12]")', 'sortByName(servers.*.cpu.*)', 'sortByName(servers.*.cpu.*,true,true)', 'sortByMaxima(servers.*.cpu.*)', 'sortByMinima(servers.*.cpu.*)', 'sortByTotal(servers.*.cpu.*)', 'sortBy(servers.*.cpu.*,"last",true)', 'mostDeviant(servers.*.cpu.*,2)',
  'constantLine(100)', 'constantLine(1.5)', 'threshold(5,"five")', 'aggregateLine(a.b.c)', 'aggregateLine(a.b.c,"max")', 'minMax(a.b.c)',
  'color(a.b.c,"red")', 'alpha(a.b.c,0.5)', 'lineWidth(a.b.c,2)', 'dashed(a.b.c)', 'secondYAxis(a.b.c)', 'stacked(a.b.*)', 'cactiStyle(a.b.*)', 'cactiStyle(a.b.*,"si")', 'legendValue(a.b.c,"avg","max")', 'legendValue(a.b.c,"last","si")',
  'a.b.c|scale(2)|alias("x")', 'sumSeries(a.b.*)|scale(3)', 'template(a.$1.c,"b")', 'template(a.b.$x,x="d")', 'asPercent(a.b.c,total=a.b.d)',
  'sumSeries(mixed.*)', 'divideSeries(mixed.fine,mixed.coarse)',
  'sumSeries(a.b.c', 'scale(a.b, .5)', 'foo.bar)', 'a.b.c)', 'a..b', 'scale(a.b.c,2,3)', 'alias(a.b.c,"x","y")',
  'unique(a.b.c,a.b.*)', 'fallbackSeries(no.such,a.x.y)', 'offsetToZero(a.b.d)', 'cumulative(a.b.c)', 'integralByInterval(a.b.c,"10min")', 'add(a.b.c,5)', 'sigmoid(a.b.c)', 'powSeries(a.b.*)', 'averageOutsidePercentile(servers.*.cpu.*,30)',
  'stdev(a.b.c,5)', 'stdev(a.b.c,5,0.5)', 'stdev(servers.*.cpu.user,3,0.0)', 'stdev(a.b.d,1)', 'stdev(weird.values,3)',
  'weightedAverage(servers.*.cpu.user,servers.*.cpu.idle,1)', 'weightedAverage(a.b.*,a.b.*,2)', 'weightedAverage(servers.web{1,2}.cpu.user,servers.web{2,3}.cpu.idle,1)', 'weightedAverage(servers.*.cpu.user,servers.*.cpu.idle)',
  // whole numbers written as floats print as Python floats (`5.0`) in names and tags
  'exponentialMovingAverage(a.b.c,5.0)', 'log(a.b.c,10.0)', 'asPercent(a.b.*,50.0)', 'dashed(a.b.c,5.0)', 'offsetToZero(a.b.c)', 'offsetToZero(a.x.y)',
];

/** 1.1.8 computes moving windows one step late (fixed in 1.1.9, graphite-web#2632/PR#2682): graphite's value at t+step is ours at t. */
const MOVING = ['movingAverage(a.b.c,3)', 'movingAverage(a.b.c,"1min")', 'movingSum(a.b.c,5)', 'movingMin(a.b.c,5)', 'movingMax(a.b.c,"2min")', 'movingMedian(a.b.c,4)', 'movingWindow(a.b.c,3,"sum")', 'movingAverage(a.b.c,3,0.9)', 'movingAverage(a.b.*,2)', 'movingAverage(a.b.c,3.0)', 'movingMedian(a.b.c,1e1)'];

/** Time syntaxes and options, each combined with a handful of targets. */
const WINDOWS = [
  'from=-30min',
  'from=-1h&until=-10min',
  'from=1699998000&until=1699999000',
  'from=-1d',
  'from=-7d&until=-1d',
  'from=20231114&until=20231115',
  'from=22:00_20231114',
  'from=midnight',
  'from=yesterday&until=today',
  'from=noon-1h&until=noon',
  'from=-2h&until=now-1h',
  'from=-1mon',
  'from=-30min&maxDataPoints=7',
  'from=-1h&maxDataPoints=1',
  'from=-1d&maxDataPoints=100',
  'from=-30min&xFilesFactor=0.5',
  'from=-30min&noNullPoints=1',
];
const WINDOW_TARGETS = ['a.b.*', 'sumSeries(servers.*.cpu.user)', 'mixed.*', 'summarize(a.b.c,"1h","avg")', 'long.term', 'consolidateBy(a.b.c,"sum")', 'weird.values'];

const FINDS = [
  'query=*', 'query=a.*', 'query=a.b.*', 'query=*.b.*', 'query=a.{b,x}.*', 'query=servers.web[12].cpu.*', 'query=servers.web[!1].*', 'query=servers.*.cpu.?ser', 'query=a.*&wildcards=1', 'query=a.*&leavesOnly=1',
  'query=nope.*', 'query=a.b.c', 'query=a.*&format=completer', 'query=a.b&format=completer', 'query=a..c&format=completer', 'query=*.*.*&format=nodelist&position=1', 'query=servers.*.cpu.*&format=nodelist', 'query=u.*', 'query=a.{b,{x,counter}}',
];

t.test('graphite-web 1.1.8 and sotto answer the same corpus with the same data', async (t) => {
  if (!needOracle(t)) return;
  const dir = tempDir(t);
  makeFixture(dir);
  const [oracle, sotto, sotto118] = await Promise.all([startOracle(t, dir), startApp(t, dir), startApp(t, dir, { compat118: true })]);
  const both = async (path: string, body?: string): Promise<[Awaited<ReturnType<typeof request>>, Awaited<ReturnType<typeof request>>]> =>
    Promise.all([request(oracle + path, body), request(sotto.url + path, body)]);

  t.test('render targets (every function) over the last 30 minutes', async (t) => {
    for (const target of TARGETS) {
      const q = `/render?target=${encodeURIComponent(target)}&from=-30min&format=json&now=${NOW}`;
      const [g, s] = await both(q);
      if (g.status !== 200) {
        // graphite answers 500 to unparseable targets; sotto must answer 400 with a message
        t.equal(s.status, g.status === 500 ? 400 : g.status, `${target}: graphite ${g.status}, sotto a clear client error`);
        continue;
      }
      t.equal(s.status, 200, `${target}: status`);
      t.same(diffRender(JSON.parse(s.text), JSON.parse(g.text)), [], target);
    }
  });

  t.test('moving windows are one step earlier than 1.1.8 (its bug), and identical in compat118 mode', async (t) => {
    for (const target of MOVING) {
      const q = `/render?target=${encodeURIComponent(target)}&from=-30min&format=json&now=${NOW}`;
      const [[g, s], old] = await Promise.all([both(q), request(sotto118.url + q)]);
      const graphite = JSON.parse(g.text) as RenderSeriesJson[];
      t.same(diffRender(JSON.parse(s.text), graphite, 1), [], `${target}: ours[t] = graphite[t + step]`);
      t.same(diffRender(JSON.parse(old.text), graphite), [], `${target}: compat118 = graphite`);
      t.notSame(JSON.parse(s.text), graphite, `${target}: the fix changes the answer`);
    }
  });

  t.test('time syntaxes, maxDataPoints, xFilesFactor and noNullPoints', async (t) => {
    for (const w of WINDOWS) {
      for (const target of WINDOW_TARGETS) {
        const [g, s] = await both(`/render?target=${encodeURIComponent(target)}&${w}&format=json&now=${NOW}`);
        t.equal(s.status, g.status, `${target} ${w}: status`);
        if (g.status === 200) t.same(diffRender(JSON.parse(s.text), JSON.parse(g.text)), [], `${target} ${w}`);
      }
    }
  });

  t.test('several targets in one request, GET and form POST, in graphite order', async (t) => {
    const form = `target=a.x.y&target=${encodeURIComponent('a.{b,x}.*')}&target=weird.*&target=${encodeURIComponent('aliasByNode(a.b.*, 2)')}&from=-1h&until=now&format=json&maxDataPoints=100&now=${NOW}`;
    const [g, s] = await both('/render', form);
    t.same(diffRender(JSON.parse(s.text), JSON.parse(g.text)), [], 'POST');
    const [g2, s2] = await both(`/render?target=a.x.y&now=${NOW}`, `target=a.b.c&from=-10min&format=json`);
    t.same(diffRender(JSON.parse(s2.text), JSON.parse(g2.text)), [], 'query and body merged');
    const [g3, s3] = await both(`/render?${encodeURIComponent('target[]')}=a.b.c&from=-10min&format=json&now=${NOW}`);
    t.same(diffRender(JSON.parse(s3.text), JSON.parse(g3.text)), [], 'target[]');
  });

  t.test('csv and raw formats', async (t) => {
    for (const target of ['a.b.*', 'weird.values', 'sumSeries(mixed.*)', 'isNonNull(a.b.c)']) {
      for (const tz of ['', '&tz=Europe/Berlin', '&tz=No/Such_Zone']) {
        const [g, s] = await both(`/render?target=${encodeURIComponent(target)}&from=-30min&format=csv&now=${NOW}${tz}`);
        t.equal(s.type, g.type, `${target}: csv content type`);
        t.same(diffCsv(s.text, g.text), [], `${target} csv${tz}`);
      }
      const [g, s] = await both(`/render?target=${encodeURIComponent(target)}&from=-30min&format=raw&now=${NOW}`);
      t.equal(s.text, g.text, `${target} raw (byte for byte)`);
    }
  });

  t.test('json bodies are byte-identical for plain fetches, jsonp and pretty', async (t) => {
    for (const q of ['target=a.b.*&from=-10min', 'target=weird.values&from=-1h', 'target=sumSeries(a.b.*)&from=-1h&maxDataPoints=10', 'target=a.b.c&from=-5min&jsonp=cb', 'target=a.b.c&from=-2min&pretty=1', 'target=countSeries(a.b.*)&from=-5min']) {
      const [g, s] = await both(`/render?${q}&format=json&now=${NOW}`);
      t.equal(s.text, g.text, q);
      t.equal(s.type, g.type, `${q}: content type`);
    }
  });

  t.test('errors: graphite-web rejects, sotto rejects with the same message', async (t) => {
    for (const q of ['target=nosuchfunc(a.b.c)&from=-1h', 'target=a.b.c&from=-5m', 'target=a.b.c&from=1699990000&until=1699990000', 'target=a.b.c&from=bogus', 'target=a.b.c&xFilesFactor=x', 'target=a.b.c&cacheTimeout=x', 'target=a.b.c&from=-1h&until=-1']) {
      const [g, s] = await both(`/render?${q}&format=json&now=${NOW}`);
      t.equal(g.status, 400, `${q}: graphite 400`);
      t.equal(s.status, 400, `${q}: sotto 400`);
      t.equal(s.text, g.text, `${q}: same message`);
    }
  });

  t.test('metrics/find, expand and index.json', async (t) => {
    for (const q of FINDS) {
      for (const accept of [undefined, '*/*']) {
        const headers: Record<string, string> = accept ? { Accept: accept } : {};
        const [g, s] = await Promise.all([request(`${oracle}/metrics/find?${q}`, undefined, headers), request(`${sotto.url}/metrics/find?${q}`, undefined, headers)]);
        t.equal(s.status, g.status, `${q}: status`);
        t.equal(s.type, g.type, `${q}: content type (Accept ${accept})`);
        t.same(JSON.parse(s.text), JSON.parse(g.text), `${q} (Accept ${accept})`);
      }
    }
    const [g, s] = await both('/metrics/find', 'query=a.*&from=-6h&until=now');
    t.same(JSON.parse(s.text), JSON.parse(g.text), 'POST form');
    const [gj, sj] = await both('/metrics/find?query=a.*&format=json');
    const strip = (x: { path: string; intervals?: unknown }[]) => x.map((n) => ({ path: n.path, leaf: 'intervals' in n }));
    t.same(strip(JSON.parse(sj.text)), strip(JSON.parse(gj.text)), 'format=json nodes');
    for (const q of ['query=a.*', 'query=a.*&query=servers.*&groupByExpr=1', 'query=a.*&leavesOnly=1', 'query=nope']) {
      const [ge, se] = await both(`/metrics/expand?${q}`);
      t.same(JSON.parse(se.text), JSON.parse(ge.text), `expand ${q}`);
    }
    const [gi, si] = await both('/metrics/index.json');
    t.same(JSON.parse(si.text), JSON.parse(gi.text), 'index.json');
    for (const q of ['', '?query=', '?query=a.*&format=bogus', '?query=*&leavesOnly=x', '?query=*&from=xyz']) {
      const [ge, se] = await both(`/metrics/find${q}`);
      t.equal(se.status, ge.status, `find${q}: status`);
      t.equal(se.text, ge.text, `find${q}: message`);
    }
  });
});
