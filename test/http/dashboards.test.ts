import t, { type Test } from 'tap';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardRoutes } from '../../lib/http/dashboards.js';

interface Answer {
  status: number;
  body: any;
  type: string;
}

async function serve(t: Test) {
  const root = mkdtempSync(join(tmpdir(), 'sotto-dash-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const app = express();
  app.use(dashboardRoutes({ dataDir }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, type: res.headers.get('content-type') ?? '' };
  };
  return { root, dataDir, dir: join(dataDir, '.dashboards'), call: Object.assign(call, { base }) };
}

const STATE = { from: '-6h', until: 'now', graphs: [{ targets: ['stats.timers.api.login.mean'], hidden: [], title: 'login' }], live: true };

t.test('a dashboard is saved, listed, opened and replaced', async (t) => {
  const { dir, call } = await serve(t);
  t.same((await call('GET', '/api/dashboards')).body, { dashboards: [] }, 'none before the first save');

  const created = await call('PUT', '/api/dashboards/ops', { author: ' ann ', state: STATE });
  t.equal(created.status, 201);
  t.match(created.body, { name: 'ops', author: 'ann', state: STATE });
  t.ok(!Number.isNaN(Date.parse(created.body.updated)), 'updated is a timestamp');

  const onDisk = JSON.parse(readFileSync(join(dir, 'ops.json'), 'utf8'));
  t.same(onDisk, created.body, 'the file holds exactly what was answered');
  t.same(readdirSync(dir), ['ops.json'], 'no temp file left behind');

  const opened = await call('GET', '/api/dashboards/ops');
  t.same(opened.body, created.body);

  const state2 = { ...STATE, from: '-1d' };
  const replaced = await call('PUT', '/api/dashboards/ops', { state: state2 });
  t.equal(replaced.status, 200, 'replacing answers 200');
  t.same([replaced.body.author, replaced.body.state], [null, state2], 'the author is optional');

  await call('PUT', '/api/dashboards/a%20team%20board', { author: 'bob', state: STATE });
  const list = (await call('GET', '/api/dashboards')).body.dashboards;
  t.same(list.map((d: any) => [d.name, d.author]), [['a team board', 'bob'], ['ops', null]], 'listed by name, without their state');
  t.notOk('state' in list[0]);
});

t.test('"save as new" never replaces an existing dashboard', async (t) => {
  const { dir, call } = await serve(t);
  t.equal((await call('POST', '/api/dashboards', { name: 'ops', author: 'ann', state: STATE })).status, 201);
  const again = await call('POST', '/api/dashboards', { name: 'ops', author: 'eve', state: { graphs: [] } });
  t.equal(again.status, 409);
  t.match(again.body.error, /already exists/);
  t.equal(JSON.parse(readFileSync(join(dir, 'ops.json'), 'utf8')).author, 'ann', 'the first one is untouched');
  t.same(readdirSync(dir), ['ops.json'], 'and the temp file is gone');
});

t.test('names that could leave the dashboards directory are refused with a 400', async (t) => {
  const { root, dataDir, call } = await serve(t);
  const before = readdirSync(root).concat(readdirSync(dataDir));
  // (`..` and `%2e%2e` as a whole segment are resolved away by the URL parser before sending.)
  const bad = ['.hidden', '%2e%2e%2fescape', '..%2F..%2Fescape', 'a%2Fb', 'a%5Cb', 'nul%00byte', 'trailing.', 'trailing%20', '%20leading', 'x'.repeat(101), 'semi;colon', '<img src=x>'];
  for (const name of bad) {
    const put = await call('PUT', `/api/dashboards/${name}`, { state: STATE });
    t.equal(put.status, 400, `PUT ${name}`);
    t.match(put.type, /application\/json/);
    t.type(put.body.error, 'string');
    t.equal((await call('GET', `/api/dashboards/${name}`)).status, 400, `GET ${name}`);
  }
  for (const raw of ['/api/dashboards/..', '/api/dashboards/%2e%2e', '/api/dashboards/.']) {
    // Sent as is (like `curl --path-as-is`), without the URL parser resolving the dots.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: new URL(call.base).port, path: raw, method: 'PUT', headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ state: STATE }));
    });
    t.equal(status, 400, `raw PUT ${raw}`);
  }
  t.equal((await call('POST', '/api/dashboards', { name: '../../etc/passwd', state: STATE })).status, 400);
  t.equal((await call('POST', '/api/dashboards', { state: STATE })).status, 400, 'POST needs a name');
  t.same(readdirSync(root).concat(readdirSync(dataDir)), before, 'nothing was written anywhere');
});

t.test('names in any script work, and are normalised so one name is one file', async (t) => {
  const { dir, call } = await serve(t);
  const nfd = 'U\u0308bersicht'; // "Übersicht" with a combining diaeresis
  t.equal((await call('PUT', `/api/dashboards/${encodeURIComponent(nfd)}`, { state: STATE })).status, 201);
  t.equal((await call('GET', `/api/dashboards/${encodeURIComponent('Übersicht')}`)).status, 200, 'found under the composed spelling');
  t.same(readdirSync(dir), ['Übersicht.json']);
  t.equal((await call('PUT', `/api/dashboards/${encodeURIComponent('运维 面板-2')}`, { state: STATE })).status, 201);
});

t.test('bad bodies get a 400 (413 when too large) with a JSON message saying what is wrong', async (t) => {
  const { call } = await serve(t);
  const cases: Array<[unknown, RegExp, Record<string, string>?]> = [
    ['{"state": ', /not valid JSON/],
    [{ author: 'x' }, /"state" must be an object/],
    [{ state: [] }, /"state" must be an object/],
    [{ state: { graphs: {} } }, /"state.graphs" must be an array/],
    [{ state: { graphs: [{ targets: [1] }] } }, /targets" must be an array of strings/],
    [{ state: { graphs: ['x'] } }, /must be an object/],
    [{ author: 5, state: STATE }, /"author" must be a string/],
    [{ author: 'a\u0007b', state: STATE }, /control characters/],
    [{ author: 'a'.repeat(101), state: STATE }, /longer than 100/],
    ['state=1', /expected a JSON object body/, { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ];
  for (const [body, message, headers] of cases) {
    const r = await call('PUT', '/api/dashboards/x', body, headers);
    t.equal(r.status, 400, JSON.stringify(body).slice(0, 60));
    t.match(r.body.error, message);
  }
  const huge = await call('PUT', '/api/dashboards/x', { state: { graphs: [{ targets: ['a'.repeat(300_000)] }] } });
  t.equal(huge.status, 413);
  t.match(huge.body.error, /larger than/);
  t.equal((await call('GET', '/api/dashboards/x')).status, 404, 'nothing was saved by the bad requests');
});

t.test('a missing dashboard is a 404; deleting works once', async (t) => {
  const { dir, call } = await serve(t);
  const missing = await call('GET', '/api/dashboards/nope');
  t.equal(missing.status, 404);
  t.match(missing.body.error, /no dashboard named "nope"/);
  await call('PUT', '/api/dashboards/gone', { state: STATE });
  t.equal((await call('DELETE', '/api/dashboards/gone')).status, 204);
  t.equal((await call('DELETE', '/api/dashboards/gone')).status, 404);
  t.same(readdirSync(dir), []);
});

t.test('a damaged file does not hide the others and is reported when opened', async (t) => {
  const { dir, call } = await serve(t);
  await call('PUT', '/api/dashboards/good', { state: STATE });
  writeFileSync(join(dir, 'broken.json'), '{"state": {');
  writeFileSync(join(dir, 'nostate.json'), '{"author": "x"}');
  writeFileSync(join(dir, '.good.123.abc.tmp'), 'half a write');
  writeFileSync(join(dir, 'notes.txt'), 'not a dashboard');
  const list = (await call('GET', '/api/dashboards')).body.dashboards;
  t.same(list.map((d: any) => [d.name, typeof d.error]), [['broken', 'string'], ['good', 'undefined'], ['nostate', 'string']]);
  const opened = await call('GET', '/api/dashboards/broken');
  t.equal(opened.status, 500);
  t.match(opened.body.error, /not valid JSON/);
});

t.test('concurrent saves of one name leave one complete dashboard and no temp files', async (t) => {
  const { dir, call } = await serve(t);
  const bodies = Array.from({ length: 20 }, (_, i) => ({ author: `writer ${i}`, state: { ...STATE, graphs: Array.from({ length: 50 }, () => ({ targets: [`metric.${i}`] })) } }));
  const answers = await Promise.all(bodies.map((b) => call('PUT', '/api/dashboards/race', b)));
  t.ok(answers.every((a) => a.status === 200 || a.status === 201));
  t.equal(answers.filter((a) => a.status === 201).length >= 1, true, 'at least one created it');
  const final = JSON.parse(readFileSync(join(dir, 'race.json'), 'utf8'));
  const i = Number(final.author.split(' ')[1]);
  t.same(final.state, bodies[i]!.state, 'the file is one writer’s complete dashboard');
  t.same(readdirSync(dir), ['race.json']);
});

t.test('answers are never cached: everyone sees the latest save', async (t) => {
  const { call } = await serve(t);
  await call('PUT', '/api/dashboards/ops', { state: STATE });
  const res = await fetch(`${call.base}/api/dashboards/ops`);
  t.equal(res.headers.get('cache-control'), 'no-store');
});
