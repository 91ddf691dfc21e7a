// The requests Grafana 11's Graphite data source sends (public/app/plugins/datasource/graphite:
// datasource.ts, gfunc.ts; backend pkg/tsdb/graphite), answered the way Grafana parses them.
// Grafana never sends now=, so the fixture is written around the wall clock; where graphite-web
// is available the same requests (plus now=) are compared with its answers.
import t from 'tap';
import { needOracle, makeFixture, needWhisperPy, request, startApp, startOracle, tempDir } from '../http/support/harness.js';
import { diffRender, type RenderSeriesJson } from '../http/support/compare.js';

/** What Grafana does with a /render answer: refId = last space-separated token of target, ms timestamps. */
function asGrafana(text: string): { refId: string; name: string; points: [number | null, number][] }[] {
  const body = JSON.parse(text) as RenderSeriesJson[];
  return body.map((s) => {
    const cut = s.target.lastIndexOf(' ');
    return { refId: s.target.slice(cut + 1), name: s.target.slice(0, cut), points: s.datapoints.map(([v, ts]) => [v, ts * 1000] as [number | null, number]) };
  });
}

const wrap = (target: string, refId: string): string => `aliasSub(${target}, "(^.*$)", "\\1 ${refId}")`;
const form = (fields: [string, string][]): string => fields.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

t.test('Grafana 11 finds, renders, tests and describes functions against sotto', async (t) => {
  if (!needWhisperPy(t)) return;
  const dir = tempDir(t);
  const now = Math.floor(Date.now() / 1000);
  makeFixture(dir, now);
  const sotto = await startApp(t, dir);

  t.test('the data source test: constantLine(100) over the last hour', async (t) => {
    const body = form([
      ['target', wrap('constantLine(100)', 'A')],
      ['from', '-1h'],
      ['until', 'now'],
      ['format', 'json'],
      ['maxDataPoints', '100'],
    ]);
    const r = await request(`${sotto.url}/render`, body);
    t.equal(r.status, 200);
    t.match(r.type, /^application\/json/);
    const series = asGrafana(r.text);
    t.equal(series.length, 1);
    t.equal(series[0].refId, 'A', 'refId recovered from the aliasSub suffix');
    t.equal(series[0].name, '100.0', 'constantLine is named by its float value, as in graphite');
    t.same(
      series[0].points.map((p) => p[0]),
      [100, 100, 100],
    );
    const [first, , last] = series[0].points.map((p) => p[1] / 1000);
    t.ok(Math.abs(last - first - 3600) <= 1, 'spans the hour');
    // the backend health check: epoch from/until, no aliasSub
    const backend = await request(`${sotto.url}/render`, form([['target', 'constantLine(100)'], ['from', String(now - 3600)], ['until', String(now)], ['format', 'json'], ['maxDataPoints', '100']]));
    t.same(JSON.parse(backend.text)[0].datapoints, [[100, now - 3600], [100, now - 1800], [100, now]]);
  });

  t.test('panel queries: several wrapped targets, relative and absolute times, maxDataPoints', async (t) => {
    const body = form([
      ['target', wrap('sumSeries(servers.*.cpu.user)', 'A')],
      ['target', wrap('aliasByNode(a.b.*, 2)', 'B')],
      ['target', wrap('summarize(a.b.c, \'5min\', \'sum\')', 'C_x')],
      ['from', '-6h'],
      ['until', 'now'],
      ['format', 'json'],
      ['maxDataPoints', '200'],
    ]);
    const r = await request(`${sotto.url}/render`, body);
    t.equal(r.status, 200);
    const series = asGrafana(r.text);
    t.same(
      series.map((s) => [s.refId, s.name]),
      [
        ['A', 'sumSeries(servers.*.cpu.user)'],
        ['B', 'c'],
        ['B', 'd'],
        ['C_x', 'summarize(a.b.c, "5min", "sum")'],
      ],
    );
    for (const s of series) {
      t.ok(s.points.length <= 200, `${s.refId}: at most maxDataPoints points`);
      t.ok(s.points.every(([v, ts]) => (v === null || Number.isFinite(v)) && Number.isInteger(ts)), `${s.refId}: [value|null, ms] pairs`);
      t.ok(s.points.some(([v]) => v !== null), `${s.refId}: has data`);
    }
    const absolute = await request(`${sotto.url}/render`, form([['target', wrap('a.b.c', 'A')], ['from', String(now - 1800)], ['until', String(now)], ['format', 'json'], ['maxDataPoints', '1000']]));
    const [s] = asGrafana(absolute.text);
    t.equal(s.name, 'a.b.c');
    t.equal(s.points.length, 180, 'no consolidation when the points fit');
  });

  t.test('query editor and templating: POST /metrics/find with a raw query, expand, tags, annotations', async (t) => {
    const r = await request(`${sotto.url}/metrics/find?from=${now - 21600}&until=${now}`, 'query=servers.*', { Accept: 'application/json, text/plain, */*' });
    t.equal(r.status, 200);
    const nodes = JSON.parse(r.text) as { text: string; expandable: number }[];
    t.same(
      nodes.map((n) => [n.text, n.expandable]),
      [
        ['web1', 1],
        ['web2', 1],
        ['web3', 1],
      ],
    );
    const leaves = JSON.parse((await request(`${sotto.url}/metrics/find`, 'query=a.b.{c,d}')).text) as { text: string; expandable: number }[];
    t.same(
      leaves.map((n) => [n.text, n.expandable]),
      [
        ['c', 0],
        ['d', 0],
      ],
    );
    const expand = JSON.parse((await request(`${sotto.url}/metrics/expand?query=servers.*.cpu&from=-6h&until=now`)).text);
    t.same(expand, { results: ['servers.web1.cpu', 'servers.web2.cpu', 'servers.web3.cpu'] });
    t.same(JSON.parse((await request(`${sotto.url}/tags/autoComplete/tags?expr=name%3Da&tagPrefix=&limit=10000&from=-6h&until=now`)).text), []);
    t.same(JSON.parse((await request(`${sotto.url}/tags/autoComplete/values?expr=a%3Db&tag=host&valuePrefix=&limit=10000`)).text), []);
    t.same(JSON.parse((await request(`${sotto.url}/events/get_data?from=-6h&until=now&tags=deploy`)).text), []);
  });

  t.test('function editor and version detection', async (t) => {
    const f = await request(`${sotto.url}/functions`);
    t.equal(f.status, 200);
    // Grafana replaces bare Infinity before JSON.parse; sotto already writes 1e9999
    const functions = JSON.parse(f.text.replace(/"default": ?Infinity/g, '"default": 1e9999')) as Record<string, { name: string; group: string; params: { name: string; type: string }[] }>;
    for (const name of ['aliasSub', 'constantLine', 'sumSeries', 'movingAverage', 'summarize', 'groupByNode', 'keepLastValue']) {
      t.equal(functions[name]?.name, name, `/functions lists ${name}`);
      t.ok(Array.isArray(functions[name].params) && functions[name].params.every((p) => typeof p.type === 'string'), `${name} has typed params`);
    }
    t.equal(functions.keepLastValue.params[1].type, 'intOrInf');
    const one = JSON.parse((await request(`${sotto.url}/functions/aliasSub`)).text);
    t.same(
      one.params.map((p: { name: string }) => p.name),
      ['seriesList', 'search', 'replace'],
    );
    const v = await request(`${sotto.url}/version`);
    t.match(v.text.trim(), /^\d+\.\d+\.\d+$/, '/version is a semver');
  });

  t.test('the same requests answer as graphite-web 1.1.8 (when installed)', async (t) => {
    if (!needOracle(t)) return;
    const oracle = await startOracle(t, dir);
    const at = `now=${now}`;
    for (const body of [
      form([['target', wrap('constantLine(100)', 'A')], ['from', '-1h'], ['until', 'now'], ['format', 'json'], ['maxDataPoints', '100']]),
      form([['target', wrap('sumSeries(servers.*.cpu.user)', 'A')], ['target', wrap('aliasByNode(a.b.*, 2)', 'B')], ['from', '-6h'], ['until', 'now'], ['format', 'json'], ['maxDataPoints', '200']]),
      form([['target', wrap('a.b.c', 'A')], ['from', String(now - 1800)], ['until', String(now)], ['format', 'json'], ['maxDataPoints', '37']]),
    ]) {
      const [g, s] = await Promise.all([request(`${oracle}/render?${at}`, body), request(`${sotto.url}/render?${at}`, body)]);
      t.same(diffRender(JSON.parse(s.text), JSON.parse(g.text)), [], body.slice(0, 80));
    }
    const [g, s] = await Promise.all([request(`${oracle}/metrics/find?from=-6h&until=now`, 'query=servers.*'), request(`${sotto.url}/metrics/find?from=-6h&until=now`, 'query=servers.*')]);
    t.same(JSON.parse(s.text), JSON.parse(g.text), 'POST /metrics/find');
  });
});
