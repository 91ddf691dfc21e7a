// sotto's HTTP API end to end over real Whisper files: the plain JSON endpoints for scripts
// (/series, /metrics/tree, /api/health), graphite's catalogue endpoints, live visibility of
// flushed points and of files created after startup, and the /stream SSE feed.
import t from 'tap';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { create, updateMany } from '../../lib/whisper/index.js';
import { NOW, makeFixture, needWhisperPy, request, startApp, tempDir } from './support/harness.js';

t.test('the plain JSON endpoints for scripts', async (t) => {
  if (!needWhisperPy(t)) return;
  const dir = tempDir(t);
  const T0 = makeFixture(dir);
  const { url } = await startApp(t, dir, { health: () => ({ lastFlush: 1699999990, status: 'up' }) });

  const one = await request(`${url}/series/a.b.c?from=${T0}&until=${T0 + 60}&now=${NOW}`);
  t.equal(one.status, 200);
  t.match(one.type, /^application\/json/);
  t.same(JSON.parse(one.text), {
    name: 'a.b.c',
    step: 10,
    from: T0 + 10,
    until: T0 + 70,
    points: [
      [T0 + 10, 1],
      [T0 + 20, 2],
      [T0 + 30, 3],
      [T0 + 40, 4],
      [T0 + 50, null],
      [T0 + 60, null],
    ],
  });
  const relative = JSON.parse((await request(`${url}/series/a.x.y?from=-1min&now=${NOW}`)).text);
  t.equal(relative.points.length, 6, 'graphite time syntax for from/until/now');
  const weird = JSON.parse((await request(`${url}/series/weird.values?from=${T0}&until=${T0 + 90}&now=${NOW}`)).text);
  t.same(
    weird.points.map((p: [number, number | null]) => p[1]),
    [0.1, 1 / 3, 1e21, 123456789012, -0, null, null, null, 1e-7],
    'NaN and infinities are null in plain JSON',
  );
  const many = JSON.parse((await request(`${url}/series/a.b.*?from=-1min&now=${NOW}`)).text);
  t.same(
    many.map((s: { name: string }) => s.name),
    ['a.b.c', 'a.b.d'],
    'a wildcard gives an array sorted by name',
  );
  // A wildcard answer is bounded by the render limits, counted before anything is sent.
  const small = await startApp(t, dir, { renderLimits: { maxPoints: 10 } });
  const over = await request(`${small.url}/series/a.b.*?from=-1min&now=${NOW}`);
  t.equal(over.status, 400, '2 series × 6 points > 10');
  t.same(JSON.parse(over.text), { error: 'request needs more than 10 points (limit maxPoints)' });
  const fits = JSON.parse((await request(`${small.url}/series/a.b.*?from=-30s&now=${NOW}`)).text);
  t.same(fits.map((x: { points: unknown[] }) => x.points.length), [3, 3], '2 × 3 points fit');
  const oneSeries = await startApp(t, dir, { renderLimits: { maxSeries: 1 } });
  t.same(JSON.parse((await request(`${oneSeries.url}/series/a.b.*?from=-1min&now=${NOW}`)).text), { error: 'request needs more than 1 series (limit maxSeries)' });
  const streamed = JSON.parse((await request(`${url}/series/servers.*.cpu.*?from=-1h&now=${NOW}`)).text) as { name: string; points: unknown[] }[];
  t.equal(streamed.length, 9, 'written one series at a time, still one JSON array');
  for (const x of streamed) t.same(x, JSON.parse((await request(`${url}/series/${x.name}?from=-1h&now=${NOW}`)).text), x.name);
  t.same(JSON.parse((await request(`${url}/series/nothing.*`)).text), [], 'no match: an empty array');

  for (const [method, p] of [['GET', '/series'], ['GET', '/series/'], ['POST', '/series/a.b.c'], ['DELETE', '/series/a.b.c'], ['POST', '/metrics/tree'], ['GET', '/nope']]) {
    const r = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      const req = http.request(`${url}${p}`, { method }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text }));
      });
      req.on('error', reject);
      req.end();
    });
    t.equal(r.status, 404, `${method} ${p}`);
    t.match(r.type, /^application\/json/, `${method} ${p}: JSON, not express's HTML page`);
    t.match(JSON.parse(r.text).error, /^not found: /);
  }

  const missing = await request(`${url}/series/no.such.metric`);
  t.equal(missing.status, 404);
  t.same(JSON.parse(missing.text), { error: 'no such metric: no.such.metric' });
  const badTime = await request(`${url}/series/a.b.c?from=-5m`);
  t.equal(badTime.status, 400);
  t.same(JSON.parse(badTime.text), { error: "Invalid offset unit 'm'" });
  t.equal((await request(`${url}/series/a.b.c?from=-1h&until=-2h`)).status, 400, 'from after until');

  const root = JSON.parse((await request(`${url}/metrics/tree`)).text);
  t.same(
    root.children.map((c: { name: string }) => c.name),
    ['a', 'long', 'mixed', 'servers', 'u', 'weird'],
  );
  t.same(JSON.parse((await request(`${url}/metrics/tree?prefix=a`)).text), {
    prefix: 'a',
    children: [
      { name: 'b', path: 'a.b', leaf: false, branch: true },
      { name: 'counter', path: 'a.counter', leaf: true, branch: false },
      { name: 'x', path: 'a.x', leaf: false, branch: true },
    ],
  });
  t.equal((await request(`${url}/metrics/tree?prefix=no.such`)).status, 404);
  const leaf = await request(`${url}/metrics/tree?prefix=a.b.c`);
  t.equal(leaf.status, 404);
  t.match(JSON.parse(leaf.text).error, /^a\.b\.c is a metric, not a branch/, 'a leaf says so');
  t.equal((await request(`${url}/metrics/tree?prefix=a..b`)).status, 400);

  const health = JSON.parse((await request(`${url}/api/health`)).text);
  t.match(health, { status: 'up', metrics: 18, lastFlush: 1699999990, readErrors: 0, streams: 0 });
  t.match(health.version, /^\d+\.\d+\.\d+/);
  t.type(health.uptime, 'number');
  t.equal((await request(`${url}/version`)).text, '1.1.10\n');
});

t.test("graphite's catalogue endpoints: functions, tags, events", async (t) => {
  const dir = tempDir(t);
  const { url } = await startApp(t, dir);
  const all = JSON.parse((await request(`${url}/functions`)).text);
  for (const name of ['sumSeries', 'movingAverage', 'aliasSub', 'constantLine', 'summarize', 'timeShift', 'highestCurrent', 'groupByNode', 'color', 'legendValue']) {
    t.equal(all[name].name, name, name);
  }
  t.same(all.keepLastValue.params[1], { name: 'limit', type: 'intOrInf', default: Infinity }, 'an infinite default is written 1e9999');
  t.equal(all.sumSeries.function, 'sumSeries(*seriesLists)');
  t.equal(all.summarize.function, "summarize(seriesList, intervalString, func='sum', alignToFrom=False)");
  const grouped = JSON.parse((await request(`${url}/functions?grouped=1`)).text);
  t.ok(grouped.Combine.sumSeries && grouped.Transform.scale, 'grouped by group');
  const combine = JSON.parse((await request(`${url}/functions?group=Combine`)).text);
  t.ok(Object.values(combine).every((f) => (f as { group: string }).group === 'Combine'));
  t.same(JSON.parse((await request(`${url}/functions/nosuch`)).text), { error: 'Function not found: nosuch' });
  t.equal((await request(`${url}/functions`, 'x=1')).status, 405);
  t.same(JSON.parse((await request(`${url}/tags`)).text), []);
  t.equal((await request(`${url}/tags/findSeries`)).status, 400);
  t.same(JSON.parse((await request(`${url}/tags/findSeries?expr=a%3Db`)).text), []);
  t.equal((await request(`${url}/tags/tagSeries`, 'path=a;b=c')).status, 400);
  t.same(JSON.parse((await request(`${url}/events/get_data?from=-1h`)).text), []);
});

t.test('a flushed point and a file created after startup are visible at once', async (t) => {
  const dir = tempDir(t);
  const now = () => Math.floor(Date.now() / 1000);
  fs.mkdirSync(path.join(dir, 'live'));
  const existing = path.join(dir, 'live', 'old.wsp');
  await create(existing, [[1, 3600]]);
  const { url, flush } = await startApp(t, dir, { revalidateMs: 20 });
  const latest = async (target: string): Promise<unknown> => {
    const body = JSON.parse((await request(`${url}/render?target=${target}&from=-2min&format=json`)).text) as { datapoints: [number | null, number][] }[];
    return body.map((s) => s.datapoints.filter((p) => p[0] !== null).map((p) => p[0]));
  };
  const t1 = now();
  await updateMany(existing, [[t1, 42]]);
  t.same(await latest('live.old'), [[42]], 'written with the whisper module, then read by the next request');

  const created = path.join(dir, 'live', 'new.wsp');
  await create(created, [[1, 3600]]);
  await updateMany(created, [[now(), 7]]);
  t.same(await latest('live.new'), [[7]], 'a file someone else created is found by name at once, without a restart');
  const deadline = Date.now() + 5000;
  let wild: unknown = [];
  while (Date.now() < deadline) {
    wild = await latest('live.*');
    if (JSON.stringify(wild) === JSON.stringify([[7], [42]])) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  t.same(wild, [[7], [42]], 'and by wildcards once its directory listing is re-checked');

  fs.mkdirSync(path.join(dir, 'ours'));
  await create(path.join(dir, 'ours', 'm.wsp'), [[1, 3600]]);
  await updateMany(path.join(dir, 'ours', 'm.wsp'), [[now(), 1]]);
  flush.emit({ timestamp: now(), names: ['ours.m'] });
  t.same(await latest('ours.*'), [[1]], "names in the server's flush event are indexed immediately");
});

t.test('/stream sends the new points of matching series after each flush', async (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'app'));
  for (const n of ['hits', 'misses']) await create(path.join(dir, 'app', `${n}.wsp`), [[1, 3600]]);
  await create(path.join(dir, 'other.wsp'), [[1, 3600]]);
  const { url, flush, app } = await startApp(t, dir);
  t.equal((await request(`${url}/stream`)).status, 400, 'a target is required');
  t.equal((await request(`${url}/stream?target=${encodeURIComponent('"abc"')}`)).status, 400, 'an unparseable target is refused');
  // What /render refuses is refused here too, with the same message, instead of a silent stream.
  for (const target of ['nosuchfunc(app.*)', 'scale(app.hits,"x")', 'movingAverage(app.hits,"1x")', 'summarize(app.hits,"0s")']) {
    const [s, r] = await Promise.all([request(`${url}/stream?target=${encodeURIComponent(target)}`), request(`${url}/render?target=${encodeURIComponent(target)}&format=json`)]);
    t.equal(s.status, 400, `${target}: stream`);
    t.equal(r.status, 400, `${target}: render`);
    t.match(JSON.parse(s.text).error, r.text.replace(/^Invalid parameters \((.*)\); targets.*$/s, '$1').slice(0, 40), `${target}: the same reason`);
  }

  const events: { event: string; data: string }[] = [];
  let buffer = '';
  let onEvent: () => void = () => undefined;
  const req = http.get(`${url}/stream?target=${encodeURIComponent('sumSeries(app.*)')}`);
  const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
  t.teardown(() => req.destroy());
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/event-stream/);
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) {
        events.push({ event, data });
        onEvent();
      }
    }
  });
  const next = () => new Promise<void>((resolve) => (onEvent = resolve));
  // wait until the server counts the stream, so the flush below reaches it
  for (let i = 0; i < 100 && JSON.parse((await request(`${url}/api/health`)).text).streams < 1; i++) await new Promise((r) => setTimeout(r, 10));

  const ts = Math.floor(Date.now() / 1000);
  await updateMany(path.join(dir, 'app', 'hits.wsp'), [[ts, 5]]);
  await updateMany(path.join(dir, 'other.wsp'), [[ts, 9]]);
  let arrived = next();
  flush.emit({ timestamp: ts, names: ['app.hits', 'other'] });
  await arrived;
  t.equal(events[0].event, 'points');
  t.same(JSON.parse(events[0].data), { timestamp: ts, series: [{ target: 'app.hits', datapoints: [[5, ts]] }] }, 'only the series the target reads');

  await updateMany(path.join(dir, 'app', 'misses.wsp'), [[ts + 1, 2]]);
  await updateMany(path.join(dir, 'app', 'hits.wsp'), [[ts + 1, 6]]);
  arrived = next();
  flush.emit({ timestamp: ts + 1, names: ['app.hits', 'app.misses'] });
  await arrived;
  t.same(JSON.parse(events[1].data), {
    timestamp: ts + 1,
    series: [
      { target: 'app.hits', datapoints: [[5, ts], [6, ts + 1]] },
      { target: 'app.misses', datapoints: [[2, ts + 1]] },
    ],
  }, 'new points since the last event (the last slot again, as a flush may update it)');
  t.equal(app.reader.readErrors, 0);
});

t.test('/stream opened in the middle of a coarse slot sends that slot at the first flush that updates it', async (t) => {
  const dir = tempDir(t);
  await create(path.join(dir, 'coarse.wsp'), [[10, 360]]);
  const { url, flush } = await startApp(t, dir);
  const slot = Math.floor(Date.now() / 10000) * 10;
  await updateMany(path.join(dir, 'coarse.wsp'), [[slot, 1]]);
  const req = http.get(`${url}/stream?target=coarse`);
  const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
  t.teardown(() => req.destroy());
  res.setEncoding('utf8');
  let text = '';
  const gotPoints = new Promise<void>((resolve) => res.on('data', (chunk: string) => { text += chunk; if (text.includes('event: points')) resolve(); }));
  for (let i = 0; i < 100 && JSON.parse((await request(`${url}/api/health`)).text).streams < 1; i++) await new Promise((r) => setTimeout(r, 10));
  // A later flush inside the same 10 s slot rewrites it (the stream opened before this flush).
  await updateMany(path.join(dir, 'coarse.wsp'), [[slot, 7]]);
  flush.emit({ timestamp: slot + 9, names: ['coarse'] });
  await Promise.race([gotPoints, new Promise((r) => setTimeout(r, 5000))]);
  const data = JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? '{"series": "no event within 5 s"}');
  t.same(data.series, [{ target: 'coarse', datapoints: [[7, slot]] }], 'the current slot with its new value');
});


t.test("the page's exact targets and find ids reach metrics whose names hold glob, grammar or non-ASCII characters", async (t) => {
  const { exactTarget, escapeGlob } = await import('../../public/src/treeModel.js');
  const dir = tempDir(t);
  const names = ['odd.br[ack]et.v', 'odd.q?mark.v', 'odd.star*.v', 'odd.cur{ly}.v', 'odd.café.v', 'odd.日本.v', 'odd.f(x),y.v', `odd.quote"q.v`, 'odd.pct%20y.v', 'odd.plus+x.v'];
  const now = Math.floor(Date.now() / 1000);
  for (const [i, name] of names.entries()) {
    const file = path.join(dir, ...name.split('.')) + '.wsp';
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await create(file, [[60, 60]]);
    await updateMany(file, [[now - 60, i + 1]], now);
  }
  for (const sibling of ['odd.brXackYet.v', 'odd.qXmark.v', 'odd.starX.v']) {
    const file = path.join(dir, ...sibling.split('.')) + '.wsp';
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await create(file, [[60, 60]]);
  }
  const { url } = await startApp(t, dir);
  const find = JSON.parse((await request(`${url}/metrics/find?${new URLSearchParams({ query: 'odd.*' })}`)).text) as { id: string }[];
  const stored = find.map((n) => n.id.slice(n.id.lastIndexOf('.') + 1));
  for (const [i, name] of names.entries()) {
    const parent = name.split('.')[1]!;
    t.ok(stored.includes(parent), `${parent}: the find id holds the name as stored`);
    const children = JSON.parse((await request(`${url}/metrics/find?${new URLSearchParams({ query: `odd.${escapeGlob(parent)}.*` })}`)).text) as { id: string }[];
    t.same(children.map((n) => n.id.slice(n.id.lastIndexOf('.') + 1)), ['v'], `${parent}: its children`);
    const r = await request(`${url}/render?${new URLSearchParams({ target: exactTarget(name), format: 'json', from: '-5min', now: String(now) })}`);
    const series = JSON.parse(r.text) as { target: string; datapoints: [number | null, number][] }[];
    t.same(series.map((s) => s.target), [name], `${name}: exactly this series`);
    t.ok(series[0]?.datapoints.some(([v]) => v === i + 1), `${name}: its value`);
  }
});

t.test('a wildcard /series to a client that reads slowly waits for it without piling up listeners', async (t) => {
  const dir = tempDir(t);
  // 100 series of a day at 10 s: ~25 MB of JSON, far more than the socket buffers hold
  for (let i = 0; i < 100; i++) {
    const file = path.join(dir, 'slow', `s${i}.wsp`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await create(file, [[10, 8640]], { sparse: true });
    await updateMany(file, Array.from({ length: 8640 }, (_, k) => [NOW - 10 * k, i + k / 7] as [number, number]), NOW);
  }
  const { url } = await startApp(t, dir);
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const { hostname, port } = new URL(url);
  const bytes = await new Promise<number>((resolve, reject) => {
    http.get({ hostname, port, path: `/series/slow.*?from=-1d&now=${NOW}` }, (res) => {
      let n = 0;
      res.pause();
      // read in small sips, pausing in between, so the server meets a full buffer again and again
      const sip = () => {
        const chunk = res.read(64 * 1024);
        if (chunk) n += chunk.length;
        if (res.readableEnded) return resolve(n);
        setTimeout(sip, 2);
      };
      res.on('end', () => resolve(n));
      sip();
    }).on('error', reject);
  });
  await new Promise((r) => setImmediate(r));
  t.ok(bytes > 20_000_000, `the whole answer arrived (${bytes} bytes)`);
  t.same(warnings.filter((w) => w.includes('MaxListeners')), [], 'no "possible EventEmitter memory leak" warning');
});
