// The render core on in-memory series (no files): graphite-web's semantics for combining,
// transforming, windowing and bucketing, the 1.1.10 fixes sotto follows, the output formats,
// Python regexes, and the limits that keep hostile targets bounded. Expected values are worked
// out by hand from graphite-web's algorithms (render/functions.py, datalib.py, views.py).
import t from 'tap';
import { evaluateRequest, parseRenderParams, render, type Params } from '../../lib/render/request.js';
import type { FetchedSeries, FetchFn } from '../../lib/render/context.js';
import { compileGlob } from '../../lib/store/glob.js';
import { pySearch, pySub, translatePattern } from '../../lib/render/pyregex.js';
import { InputParameterError } from '../../lib/render/errors.js';

const NOW = 1700000000;

interface Stored {
  name: string;
  start: number;
  step: number;
  values: (number | null)[];
}

/** A fetch that behaves like whisper.fetch over in-memory series: slots after `from`'s, up to `until`'s. */
function memoryFetch(stored: Stored[]): FetchFn & { calls: string[] } {
  const calls: string[] = [];
  const fn = (pattern: string, from: number, until: number): FetchedSeries[] => {
    calls.push(`${pattern}@${from}`);
    const match = compileGlob(pattern);
    return stored
      .filter((s) => match(s.name))
      .map((s) => {
        const start = from - (from % s.step) + s.step;
        let end = until - (until % s.step) + s.step;
        if (end === start) end += s.step;
        const values: (number | null)[] = [];
        for (let ts = start; ts < end; ts += s.step) {
          const i = (ts - s.start) / s.step;
          values.push(i >= 0 && i < s.values.length ? s.values[i] : null);
        }
        return { name: s.name, start, end, step: s.step, values };
      });
  };
  return Object.assign(fn, { calls });
}

function params(q: string): Params {
  const p: Params = new Map();
  for (const [k, v] of new URLSearchParams(q)) p.set(k, [...(p.get(k) ?? []), v]);
  return p;
}

const T0 = 1699999200; // 20 min before NOW, a multiple of 600
const seq = (n: number, f: (i: number) => number | null): (number | null)[] => Array.from({ length: n }, (_, i) => f(i));
const STORE: Stored[] = [
  { name: 'a.one', start: T0, step: 60, values: seq(20, (i) => i + 1) },
  { name: 'a.two', start: T0, step: 60, values: seq(20, (i) => (i % 4 === 0 ? null : 10)) },
  { name: 'a.gaps', start: T0, step: 60, values: [null, 1, null, null, 4, null, 6, null, null, null, ...seq(10, () => null)] },
  { name: 'c.counter', start: T0, step: 60, values: seq(20, (i) => (i < 10 ? 100 + 30 * i : 5 + 30 * (i - 10))) },
  { name: 'h.web1.cpu', start: T0, step: 60, values: seq(20, () => 1) },
  { name: 'h.web2.cpu', start: T0, step: 60, values: seq(20, () => 2) },
  { name: 'h.web1.mem', start: T0, step: 60, values: seq(20, () => 4) },
  { name: 'w.odd', start: T0, step: 60, values: [NaN, Infinity, -Infinity, 1e-5, 5, ...seq(15, () => null)] },
];

async function run(query: string, extra: { compat118?: boolean; limits?: Parameters<typeof render>[1]['limits']; store?: Stored[] } = {}) {
  const fetch = memoryFetch(extra.store ?? STORE);
  const req = parseRenderParams(params(`${query}&now=${NOW}`), NOW);
  return { series: await evaluateRequest(req, { fetch, compat118: extra.compat118, limits: extra.limits }), fetch };
}

async function json(query: string, extra: Parameters<typeof run>[1] = {}): Promise<{ target: string; tags: Record<string, string>; datapoints: [number | null, number][] }[]> {
  const fetch = memoryFetch(extra.store ?? STORE);
  const req = parseRenderParams(params(`${query}&now=${NOW}&format=json`), NOW);
  const out = await render(req, { fetch, compat118: extra.compat118, limits: extra.limits });
  return JSON.parse(text(out.body));
}

/** A response body as text (JSON bodies are UTF-8 bytes). */
function text(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}

const values = (dp: [number | null, number][]) => dp.map((p) => p[0]);
const FROM = `from=${T0 - 60}&until=${T0 + 19 * 60}`;

t.test('combining: nulls are skipped, names and tags as graphite', async (t) => {
  const [sum] = await json(`target=sumSeries(a.{one,two})&${FROM}`);
  t.equal(sum.target, 'sumSeries(a.{one,two})');
  t.same(sum.tags, { name: 'sumSeries(a.{one,two})', aggregatedBy: 'sum' });
  t.same(values(sum.datapoints).slice(0, 5), [1, 12, 13, 14, 5]);
  const [gaps] = await json(`target=sumSeries(a.gaps)&${FROM}`);
  t.same(values(gaps.datapoints).slice(0, 4), [null, 1, null, null], 'a row of nulls stays null');
  const [diff] = await json(`target=diffSeries(a.two,a.one)&${FROM}`);
  t.same(values(diff.datapoints).slice(0, 3), [1, 8, 7], 'when the first is null the second counts positive');
  const [avgXff] = await json(`target=averageSeries(a.one,a.two)&${FROM}&xFilesFactor=1`);
  t.same(values(avgXff.datapoints).slice(0, 2), [null, 6], 'xFilesFactor=1 needs every series');
  const [count] = await json(`target=countSeries(h.*.*)&${FROM}`);
  t.same(values(count.datapoints).slice(0, 2), [3, 3]);
  const grouped = await json(`target=groupByNode(h.*.*,2,"sum")&${FROM}`);
  t.same(
    grouped.map((s) => [s.target, s.datapoints[0][0]]),
    [
      ['cpu', 3],
      ['mem', 4],
    ],
    'groups in order of first appearance',
  );
  const byNode = await json(`target=aliasByNode(sumSeries(h.*.cpu),1)&${FROM}`);
  t.equal(byNode[0].target, '*', 'a call takes its nodes from its first path expression');
  const pct = await json(`target=asPercent(h.web1.*,8)&${FROM}`);
  t.same(
    pct.map((s) => [s.target, s.datapoints[0][0]]),
    [
      ['asPercent(h.web1.cpu,8)', 12.5],
      ['asPercent(h.web1.mem,8)', 50],
    ],
  );
});

t.test('transforms: counters, gaps and rounding', async (t) => {
  const [nnd] = await json(`target=nonNegativeDerivative(c.counter)&${FROM}`);
  t.same(values(nnd.datapoints).slice(0, 12), [null, 30, 30, 30, 30, 30, 30, 30, 30, 30, null, 30], 'a counter reset gives null');
  const [wrap] = await json(`target=nonNegativeDerivative(c.counter,400)&${FROM}`);
  t.same(values(wrap.datapoints).slice(9, 12), [30, 36, 30], 'a counter wrapping at maxValue: 400 + 1 + 5 - 370');
  const [capped] = await json(`target=nonNegativeDerivative(c.counter,300)&${FROM}`);
  t.same(values(capped.datapoints).slice(6, 12), [30, null, null, null, null, 30], 'values above maxValue are null and reset the counter');
  const [ps] = await json(`target=perSecond(c.counter)&${FROM}`);
  t.equal(ps.datapoints[1][0], 0.5);
  const [third] = await json(`target=perSecond(scale(c.counter,0.3333333))&${FROM}`);
  t.equal(third.datapoints[1][0], 0.166667, 'rounded to 6 decimals');
  const [klv] = await json(`target=keepLastValue(a.gaps)&${FROM}`);
  t.same(values(klv.datapoints).slice(0, 11), [null, 1, 1, 1, 4, 4, 6, 6, 6, 6, 6], 'interior and trailing gaps, not leading');
  const [klv1] = await json(`target=keepLastValue(a.gaps,1)&${FROM}`);
  t.same(values(klv1.datapoints).slice(0, 8), [null, 1, null, null, 4, 4, 6, null], 'only runs up to the limit');
  const [interp] = await json(`target=interpolate(a.gaps)&${FROM}`);
  t.same(values(interp.datapoints).slice(0, 8), [null, 1, 2, 3, 4, 5, 6, null]);
  const [tn] = await json(`target=transformNull(a.gaps,-1)&${FROM}`);
  t.same(values(tn.datapoints).slice(0, 3), [-1, 1, -1]);
  t.equal(tn.target, 'transformNull(a.gaps,-1)');
  const [nn] = await json(`target=isNonNull(a.gaps)&${FROM}`);
  t.same(values(nn.datapoints).slice(0, 3), [0, 1, 0]);
  const [sc] = await json(`target=scale(a.one,2)&${FROM}`);
  t.same([sc.target, sc.tags.scale], ['scale(a.one,2)', '2.0']);
  const [r] = await json(`target=round(scale(a.one,0.25),1)&${FROM}`);
  t.same(values(r.datapoints).slice(0, 4), [0.2, 0.5, 0.8, 1], 'half to even: 0.25 → 0.2, 0.75 → 0.8');
  const [dl] = await json(`target=delay(a.one,2)&${FROM}`);
  t.same(values(dl.datapoints).slice(0, 4), [null, null, 1, 2]);
});

t.test('moving windows end at the point (graphite-web 1.1.10); compat118 gives 1.1.8 one step late', async (t) => {
  const from = `from=${T0 + 9 * 60}&until=${T0 + 14 * 60}`;
  const [ma] = await json(`target=movingAverage(a.one,3)&${from}`);
  t.same(
    ma.datapoints.map(([v, ts]) => [v, (ts - T0) / 60]),
    [
      [10, 10],
      [11, 11],
      [12, 12],
      [13, 13],
      [14, 14],
    ],
    'value at t = mean of t-2, t-1, t (a.one holds t+1 at slot t)',
  );
  const [old] = await json(`target=movingAverage(a.one,3)&${from}`, { compat118: true });
  t.same(values(old.datapoints), [9, 10, 11, 12, 13], '1.1.8: the three points before t');
  const [one] = await json(`target=movingMax(a.one,1)&${from}`);
  t.same(values(one.datapoints), [11, 12, 13, 14, 15], 'a window of 1 is the series itself (graphite-web#2632)');
  const [byTime] = await json(`target=movingSum(a.one,"2min")&${from}`);
  t.equal(byTime.target, 'movingSum(a.one,"2min")');
  t.same(values(byTime.datapoints), [21, 23, 25, 27, 29]);
  t.equal(byTime.tags.movingSum, '2min');
  const { fetch } = await run(`target=movingAverage(a.one,3)&${from}`);
  t.same(fetch.calls, [`a.one@${T0 + 540}`, `a.one@${T0 + 360}`], 're-fetched with from moved back by the window');
});

t.test('stdev: running sums over the last N points, windowTolerance as graphite computes it', async (t) => {
  const [sd] = await json(`target=stdev(a.one,3)&${FROM}`);
  t.same([sd.target, sd.tags.stdev], ['stdev(a.one,3)', '3']);
  t.same(values(sd.datapoints).slice(0, 4), [0, 0.5, Math.sqrt(6) / 3, Math.sqrt(6) / 3], 'bootstrapping windows of 1 and 2 points, then full ones');
  const [gaps] = await json(`target=stdev(a.gaps,3,0.5)&${FROM}`);
  t.same(values(gaps.datapoints).slice(0, 7), [null, null, null, null, null, null, 1], 'a value only where 2 of the 3 points are non-null');
  await t.rejects(json(`target=stdev(a.one,0)&${FROM}`), { message: /at least 1 point/ });
  await t.rejects(json(`target=stdev(a.one,3,0.5,7)&${FROM}`), { message: /Too many parameters specified for function "stdev"/ }, 'an extra argument is an error, not ignored');
});

t.test('weightedAverage pairs the lists by node and divides by the sum of the weights', async (t) => {
  const [w] = await json(`target=weightedAverage(h.web*.cpu,h.web*.cpu,1)&${FROM}`);
  t.equal(w.target, 'weightedAverage(h.web*.cpu, h.web*.cpu, 1)');
  t.same(values(w.datapoints).slice(0, 2), [5 / 3, 5 / 3], '(1·1 + 2·2) / (1 + 2)');
  t.same(await json(`target=weightedAverage(h.web1.cpu,h.web2.cpu,1)&${FROM}`), [], 'no pair shares its key');
  await t.rejects(json(`target=weightedAverage(h.web*.cpu,h.web1.mem,1)&${FROM}`), { message: /same number of series/ });
});

t.test('a whole number written as a float prints as a Python float in names and tags', async (t) => {
  const [ma] = await json(`target=movingAverage(a.one,3.0)&${FROM}`);
  t.same([ma.target, ma.tags.movingAverage], ['movingAverage(a.one,3.0)', '3.0']);
  const [ma3] = await json(`target=movingAverage(a.one,3)&${FROM}`);
  t.same([ma3.target, ma3.tags.movingAverage], ['movingAverage(a.one,3)', '3']);
  const [lg] = await json(`target=log(a.one,1e1)&${FROM}`);
  t.same([lg.target, lg.tags.log], ['log(a.one, 10.0)', '10.0']);
  const [z] = await json(`target=offsetToZero(h.web1.cpu)&${FROM}`);
  t.equal(z.tags.offsetToZero, '1.0', 'the minimum of stored values is a float');
  const [kw] = await json(`target=exponentialMovingAverage(a.one,windowSize=2.0)&${FROM}`);
  t.equal(kw.target, 'exponentialMovingAverage(a.one,2.0)', 'keyword arguments too');
});

t.test('bucketing and time moves', async (t) => {
  const [sum] = await json(`target=summarize(a.one,"5min")&${FROM}`);
  t.equal(sum.target, 'summarize(a.one, "5min", "sum")');
  t.same(sum.datapoints.slice(0, 2), [
    [15, T0],
    [40, T0 + 300],
  ]);
  const [avg] = await json(`target=summarize(a.one,"10min","avg",true)&from=${T0 + 30}&until=${T0 + 19 * 60}`);
  t.equal(avg.datapoints[0][1], T0 + 60, 'alignToFrom starts at the series start');
  const [hits] = await json(`target=hitcount(h.web2.cpu,"5min")&from=${T0}&until=${T0 + 600}`);
  t.same(values(hits.datapoints), [600, 600], 'rate × seconds per bucket');
  const [shifted] = await json(`target=timeShift(a.one,"5min")&from=${T0 + 600}&until=${T0 + 900}`);
  t.equal(shifted.target, 'timeShift(a.one, "-5min")');
  t.same(shifted.datapoints[0], [7, T0 + 660], 'the value of slot T0+360 (5 minutes earlier), drawn at T0+660');
  const [sliced] = await json(`target=timeSlice(a.one,"${T0 + 300}","${T0 + 420}")&${FROM}`);
  t.same(values(sliced.datapoints).slice(4, 9), [null, null, 7, 8, 9], 'graphite counts from the request start (T0-60), not the series start');
  const [line] = await json(`target=constantLine(100)&from=${T0}&until=${T0 + 600}`);
  t.same(line.datapoints, [
    [100, T0],
    [100, T0 + 300],
    [100, T0 + 600],
  ]);
  t.equal(line.target, '100.0');
});

t.test('filtering and sorting', async (t) => {
  const names = async (q: string) => (await json(`${q}&${FROM}`)).map((s) => s.target);
  t.same(await names('target=highestAverage(h.*.*,2)'), ['h.web1.mem', 'h.web2.cpu']);
  t.same(await names('target=lowest(h.*.*,1,"max")'), ['h.web1.cpu']);
  t.same(await names('target=currentBelow(h.*.*,2)'), ['h.web1.cpu', 'h.web2.cpu']);
  t.same(await names('target=exclude(h.*.*,"web1")'), ['h.web2.cpu']);
  t.same(await names('target=grep(h.*.*,"(?P<x>mem)$")'), ['h.web1.mem'], "Python's named groups");
  t.same(await names('target=sortByName(h.*.*,false,true)'), ['h.web2.cpu', 'h.web1.mem', 'h.web1.cpu']);
  t.same(await names('target=limit(sortByMaxima(h.*.*),1)'), ['h.web1.mem']);
  t.same(await names('target=removeEmptySeries(group(a.gaps,no.such))'), ['a.gaps']);
  const [rb] = await json(`target=removeBelowValue(a.one,3)&${FROM}`);
  t.same(values(rb.datapoints).slice(0, 4), [null, null, 3, 4]);
  t.equal(rb.target, 'removeBelowValue(a.one, 3)');
  const [np] = await json(`target=nPercentile(a.one,50)&${FROM}`);
  t.equal(np.datapoints[0][0], 11, 'NIST rank without interpolation over 1..20: ceil(0.5 × 21) = 11th');
});

t.test('maxDataPoints consolidation: the nudge and its off-by-one, maxDataPoints=1', async (t) => {
  const store: Stored[] = [{ name: 'm.x', start: 1699998240, step: 60, values: seq(30, (i) => 91 + i) }];
  const [mdp] = await json('target=m.x&from=1699998180&until=1700000000&maxDataPoints=7', { store });
  t.same(mdp.datapoints.slice(0, 3), [
    [93, 1699998300],
    [98, 1699998600],
    [103, 1699998900],
  ], 'the first bucket 91..95 is labelled one step late (graphite 1.1 datalib)');
  const [all] = await json('target=m.x&from=1699998180&until=1700000000&maxDataPoints=1', { store });
  t.same(all.datapoints, [[(91 + 120) / 2, 1699998240]], 'one point: the mean, at the start');
  const [summed] = await json('target=consolidateBy(m.x,"sum")&from=1699998180&until=1700000000&maxDataPoints=7', { store });
  t.equal(summed.datapoints[0][0], 91 + 92 + 93 + 94 + 95);
});

t.test('every consolidation function, and generated series', async (t) => {
  const store: Stored[] = [{ name: 'm.x', start: 1699998240, step: 60, values: [1, null, 3, 4, 8, null, null, null, null, null, 5, 2] }];
  const first = async (func: string) => values((await json(`target=consolidateBy(m.x,"${func}")&from=1699998180&until=1699998900&maxDataPoints=3`, { store }))[0].datapoints);
  // 12 points, 3 wanted: 4 per bucket; the nudge moves the start by 240 s and drops 3 values,
  // leaving [4, 8, -, -] [-, -, -, 5] [2]
  t.same(await first('max'), [8, 5, 2], 'max of each bucket');
  t.same(await first('min'), [4, 5, 2]);
  t.same(await first('first'), [4, 5, 2]);
  t.same(await first('last'), [8, 5, 2]);
  t.same(await first('avg_zero'), [3, 1.25, 2], 'nulls count as zeros; the last bucket is short');
  t.same(await first('average'), [6, 5, 2]);
  const xff = await json('target=m.x&from=1699998180&until=1699998900&maxDataPoints=3&xFilesFactor=0.5', { store });
  t.same(values(xff[0].datapoints), [6, null, null], 'a bucket with too few points (counted against 4, even the short one) is null');
  const from = `from=${T0}&until=${T0 + 180}`;
  const [id] = await json(`target=identity("x")&${from}`);
  t.same(id.datapoints, [
    [T0, T0],
    [T0 + 60, T0 + 60],
    [T0 + 120, T0 + 120],
  ]);
  const [tm] = await json(`target=time("t",90)&${from}`);
  t.same(values(tm.datapoints), [T0, T0 + 90]);
  const [sn] = await json(`target=sin("s",2,60)&${from}`);
  t.equal(sn.datapoints[0][0], Math.sin(T0) * 2);
  const [rw] = await json(`target=randomWalk("r")&${from}`);
  t.equal(rw.datapoints[0][0], 0, 'a random walk starts at 0');
  t.ok(rw.datapoints.slice(1).every(([v]) => v !== null && Math.abs(v) <= 1.5));
  const [th] = await json(`target=threshold(3,"three","red")&${from}`);
  t.same([th.target, th.datapoints[0][0]], ['three', 3]);
  const [al] = await json(`target=aggregateLine(a.one,"max")&${FROM}`);
  t.same([al.target, al.datapoints.length, al.datapoints[0][0]], ['aggregateLine(a.one, 20)', 3, 20]);
  const [kept] = await json(`target=aggregateLine(a.one,"min",true)&${FROM}`);
  t.equal(kept.datapoints.length, 20, 'keepStep keeps the series step');
  const [xf] = await json(`target=xFilesFactor(a.one,0.5)&${FROM}`);
  t.equal(xf.tags.xFilesFactor, '0.5');
  await t.rejects(json(`target=time("t",0)&${from}`), { message: /step must be positive/ });
});

t.test('asPercent in all its forms', async (t) => {
  const names = async (q: string) => (await json(`${q}&${FROM}`)).map((s) => [s.target, s.datapoints[1][0]]);
  t.same(await names('target=asPercent(h.web1.*)'), [
    ['asPercent(h.web1.cpu,sumSeries(h.web1.*))', 20],
    ['asPercent(h.web1.mem,sumSeries(h.web1.*))', 80],
  ]);
  t.same(await names('target=asPercent(h.web1.cpu,h.web1.mem)'), [['asPercent(h.web1.cpu,h.web1.mem)', 25]]);
  t.same(await names('target=asPercent(h.*.cpu,h.*.mem)'), [
    ['asPercent(h.web1.cpu,h.web1.mem)', 25],
    ['asPercent(h.web2.cpu,h.web1.mem)', 50],
  ], 'a single total series for every series');
  t.same(await names('target=asPercent(h.*.*,None,1)'), [
    ['asPercent(h.web1.cpu,sumSeries(h.*.*))', 20],
    ['asPercent(h.web1.mem,sumSeries(h.*.*))', 80],
    ['asPercent(h.web2.cpu,h.web2.cpu)', 100],
  ], 'grouped by node 1');
  t.same(await names('target=asPercent(h.web1.*,h.web2.cpu,1)'), [
    ['asPercent(h.web1.cpu,MISSING)', null],
    ['asPercent(h.web1.mem,MISSING)', null],
    ['asPercent(MISSING,h.web2.cpu)', null],
  ], 'groups without a total (and totals without series) are MISSING');
  await t.rejects(json(`target=asPercent(h.*.*,a.{one,two})&${FROM}`), { message: /asPercent second argument/ });
  t.same(await names('target=asPercent(no.such)'), []);
  const pairs = await json(`target=divideSeriesLists(h.web1.*,h.web2.cpu)&${FROM}`).catch((e: Error) => e.message);
  t.match(pairs, /must have equal length/);
  t.same(await names('target=sumSeriesLists(h.web1.*,h.*.cpu)'), [
    ['sumSeries(h.web1.cpu,h.web1.cpu)', 2],
    ['sumSeries(h.web1.mem,h.web2.cpu)', 6],
  ]);
});

t.test('output formats', async (t) => {
  const fetch = memoryFetch(STORE);
  const out = async (q: string) => render(parseRenderParams(params(`${q}&now=${NOW}`), NOW), { fetch });
  const j = await out(`target=w.odd&from=${T0 - 60}&until=${T0 + 300}&format=json`);
  t.equal(text(j.body), `[{"target": "w.odd", "tags": {"name": "w.odd"}, "datapoints": [[null, ${T0}], [1e9999, ${T0 + 60}], [-1e9999, ${T0 + 120}], [1e-05, ${T0 + 180}], [5.0, ${T0 + 240}], [null, ${T0 + 300}]]}]`);
  const c = await out(`target=countSeries(h.*.cpu)&from=${T0 - 60}&until=${T0 + 60}&format=json`);
  t.match(text(c.body), /\[\[2, \d+\], \[2, \d+\]\]/, 'Python ints print without .0');
  const csv = await out(`target=w.odd&from=${T0 - 60}&until=${T0 + 180}&format=csv`);
  t.equal(csv.body, 'w.odd,2023-11-14 22:00:00,nan\r\nw.odd,2023-11-14 22:01:00,inf\r\nw.odd,2023-11-14 22:02:00,-inf\r\nw.odd,2023-11-14 22:03:00,1e-05\r\n');
  t.equal(csv.contentType, 'text/csv');
  const raw = await out(`target=w.odd&from=${T0 - 60}&until=${T0 + 180}&format=raw`);
  t.equal(raw.body, `w.odd,${T0},${T0 + 240},60|nan,inf,-inf,1e-05\n`, 'until includes its slot');
  const jsonp = await out(`target=a.one&from=${T0 - 60}&until=${T0}&format=json&jsonp=cb`);
  t.equal(text(jsonp.body), `cb([{"target": "a.one", "tags": {"name": "a.one"}, "datapoints": [[1.0, ${T0}]]}])`);
  t.equal(jsonp.contentType, 'text/javascript');
  const nn = await out(`target=a.gaps&target=no.such&from=${T0 - 60}&until=${T0 + 180}&format=json&noNullPoints=1`);
  t.same(JSON.parse(text(nn.body))[0].datapoints, [[1, T0 + 60]]);
  await t.rejects(out('target=a.one&format=png'), { message: /not supported/ });
  await t.rejects(out(`target=a.one&from=${T0}&until=${T0}`), { message: 'Invalid empty time range' });
});

t.test('evaluation: pipes, templates, keyword quirks, validation messages', async (t) => {
  const [piped] = await json(`target=a.one|scale(2)|alias("x")&${FROM}`);
  t.same([piped.target, piped.datapoints[0][0]], ['x', 2]);
  const [tpl] = await json(`target=template(a.$name,name="one")&${FROM}`);
  t.equal(tpl.target, 'a.one');
  const [tplParam] = await json(`target=template(a.$1)&template[1]=two&${FROM}`);
  t.equal(tplParam.target, 'a.two', 'template[...] request parameters');
  const kw = await json(`target=divideSeries(a.one,divisorSeries=h.web2.cpu)&${FROM}`);
  t.equal(kw[0].target, 'divideSeries(a.one,MISSING)', 'like graphite, a path in a keyword argument is not fetched');
  await t.rejects(json(`target=nosuch(a.one)&${FROM}`), { message: 'Received request for unknown function: nosuch' });
  await t.rejects(json(`target=scale(a.one)&${FROM}`), { message: 'Missing required parameter "factor" for function "scale"' });
  await t.rejects(json(`target=consolidateBy(a.one,"median")&${FROM}`), { message: /Invalid option specified for function "consolidateBy"/ });
  await t.rejects(json(`target=summarize(a.one,"-5min")&${FROM}`), { message: /interval must be positive/ }, 'graphite would loop forever');
  await t.rejects(json(`target=template(a.b,c.d)&${FROM}`), { message: /invalid template\(\) syntax/ });
  const err = await json(`target=nosuch(a.one)&${FROM}`).catch((e: InputParameterError) => e.describe());
  t.equal(err, 'Invalid parameters (Received request for unknown function: nosuch); targets: "nosuch(a.one)"');
});

t.test('limits keep hostile targets bounded', async (t) => {
  const limits = { maxSeries: 3, maxPoints: 1000, maxEvaluations: 50 };
  await t.rejects(json(`target=h.*.*&target=a.*&${FROM}`, { limits }), { name: 'LimitError', message: /maxSeries/ });
  await t.rejects(json(`target=timeStack(a.one,"1min",0,1000)&${FROM}`, { limits: { ...limits, maxSeries: 10000, maxPoints: 1e9 } }), { name: 'LimitError', message: /maxEvaluations/ });
  const nested = 'movingAverage('.repeat(12) + 'a.one' + ',2)'.repeat(12);
  await t.rejects(json(`target=${encodeURIComponent(nested)}&${FROM}`, { limits }), { name: 'LimitError' }, 'exponential re-fetching is cut off');
  await t.rejects(json(`target=summarize(a.one,"1s")&from=-10y`, { limits: { ...limits, maxSeries: 100 } }), { name: 'LimitError', message: /maxPoints/ });
});

t.test('Python regular expressions in aliasSub, grep and exclude', (t) => {
  t.equal(pySub('(^.*$)', '\\1 A', 'a.b.c'), 'a.b.c A', "Grafana's refId suffix");
  t.equal(pySub('^(?P<x>\\w+)\\.(?P=x)', '\\g<x>-\\g<1>', 'ab.ab.c'), 'ab-ab.c');
  t.equal(pySub('x*', '-', 'abxd'), '-a-b--d-');
  t.equal(pySub('(?i)A', 'z', 'aAa'), 'zzz', 'inline flags');
  t.equal(pySub('(a)|b', '[\\1]', 'ab'), '[a][]', 'an unmatched group is empty');
  t.equal(pySub('a', '\\n\\t\\\\', 'a'), '\n\t\\');
  t.ok(pySearch('\\Aa.b\\Z', 'a.b'));
  t.ok(pySearch('[]a]', ']'), 'a leading ] is literal');
  t.same(translatePattern('(?P<n>x)(?#c)'), { source: '(?<n>x)', flags: '' });
  t.throws(() => pySub('(', 'x', 'y'), InputParameterError);
  t.throws(() => pySub('a', '\\q', 'a'), { message: /bad escape/ });
  t.throws(() => pySub('a', '\\2', 'a'), { message: /invalid group reference/ });
  t.throws(() => translatePattern('(?x) a'), { message: /verbose/ });
  t.end();
});
