// Hostile input: every request below gets a 4xx with a message or a bounded answer — never a
// 500, never a hang (each request has a deadline), never a byte from outside the data directory.
import t from 'tap';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { create, updateMany } from '../../lib/whisper/index.js';
import { request, startApp, tempDir } from './support/harness.js';

const DEADLINE_MS = 5000;

/** A GET whose path is sent as is (fetch would resolve `..` and `%2e%2e` before sending). */
function rawGet(base: string, pathAndQuery: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: pathAndQuery, method: 'GET', timeout: DEADLINE_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${DEADLINE_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function timed(url: string, body?: string): Promise<Awaited<ReturnType<typeof request>> & { ms: number }> {
  const started = Date.now();
  const r = await Promise.race([request(url, body), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${DEADLINE_MS} ms: ${url.slice(0, 200)}`)), DEADLINE_MS))]);
  return { ...r, ms: Date.now() - started };
}

t.test('hostile requests get clear errors or bounded answers', async (t) => {
  const root = tempDir(t, 'sotto-hostile-');
  const dir = path.join(root, 'data');
  const now = Math.floor(Date.now() / 1000);
  const secret = path.join(root, 'secret.wsp');
  await create(secret, [[1, 600]]);
  await updateMany(secret, [[now, 31337]]);
  fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
  for (let i = 0; i < 30; i++) {
    const f = path.join(dir, 'a', 'b', `m${i}.wsp`);
    await create(f, [[1, 600]]);
    await updateMany(f, [[now, i]]);
  }
  const { url } = await startApp(t, dir, {
    globLimits: { maxResults: 20, maxBraceVariants: 500, maxVisited: 10000 },
    renderLimits: { maxSeries: 25, maxPoints: 1_000_000, maxEvaluations: 200 },
  });
  const render = (target: string, extra = '&from=-5min') => timed(`${url}/render?target=${encodeURIComponent(target)}&format=json${extra}`);

  t.test('unknown functions and malformed targets', async (t) => {
    const cases: [string, RegExp][] = [
      ['nosuchfunc(a.b.m1)', /Invalid parameters \(Received request for unknown function: nosuchfunc\)/],
      ['"abc"', /could not parse target/],
      [')', /could not parse target/],
      ['f('.repeat(3000) + 'a' + ')'.repeat(3000), /nested more than/],
      ['template(a.b, c.d)', /invalid template\(\) syntax/],
      ['scale(a.b.m1, "x")', /Invalid "float" value/],
      ['summarize(a.b.m1, "0min")', /interval must be positive/],
      ['aliasSub(a.b.m1, "(a+)+$", "x")', /nested quantifiers/],
      ['grep(a.b.m1{0,1}, "(")', /invalid regular expression/],
      ['percentileOfSeries(a.b.m1{0,1}, 500)', /out of range/],
      ['consolidateBy(a.b.m1, "median")', /Invalid option/],
    ];
    for (const [target, re] of cases) {
      const r = await render(target);
      t.equal(r.status, 400, `${target.slice(0, 60)}: 400`);
      t.match(r.text, re, `${target.slice(0, 60)}: says why`);
    }
    const long = await timed(`${url}/render`, `target=${'x'.repeat(70000)}&format=json`);
    t.equal(long.status, 400, 'a 70 KB target (in a form body: too long for a URL)');
    t.match(long.text, /longer than 65536/);
    t.equal((await timed(`${url}/render?target=${'x'.repeat(70000)}`)).status, 431, 'too long for a URL: refused by the HTTP server');
  });

  t.test('huge wildcard and brace expansions are cut off by the configured limits', async (t) => {
    const braces = '{a,b,c,d}'.repeat(8);
    for (const r of [await render(`a.b.${braces}`), await timed(`${url}/metrics/find?query=${encodeURIComponent(braces)}`)]) {
      t.equal(r.status, 400);
      t.match(r.text, /maxBraceVariants/);
    }
    const many = await render('a.b.*');
    t.equal(many.status, 400, 'more series than maxResults');
    t.match(many.text, /maxResults/);
    t.equal((await render('sumSeries(a.b.m1{0,1,2,3,4,5,6,7,8,9})')).status, 200, 'within the limits it works');
    const stack = await render('timeStack(a.b.m1, "1s", 0, 100000)');
    t.equal(stack.status, 400);
    t.match(stack.text, /maxEvaluations|maxSeries/);
    const nested = await render('movingAverage('.repeat(25) + 'a.b.m1' + ', 2)'.repeat(25));
    t.equal(nested.status, 400, 'exponential re-fetching');
    const targets = Array.from({ length: 2000 }, (_, i) => `target=a.b.m${i % 30}`).join('&');
    const lots = await timed(`${url}/render`, `${targets}&from=-5min&format=json`);
    t.equal(lots.status, 400, '2000 targets exceed maxSeries');
  });

  t.test('names that try to leave the data directory', async (t) => {
    for (const name of ['..%2Fsecret', '%2e%2e', '%2e%2e%2Fsecret', 'a%00b', '.secret', '..', 'a..b', 'a%2F..%2F..%2Fsecret', '%2Fetc%2Fpasswd']) {
      const r = await rawGet(url, `/series/${name}?from=-5min`);
      t.ok(r.status === 400 || r.status === 404, `/series/${name}: ${r.status}`);
      t.notMatch(r.text, /31337/);
      t.doesNotThrow(() => JSON.parse(r.text), 'a JSON error');
    }
    for (const target of ['../secret', '..secret', 'a/../../secret', '%2e%2e.secret', 'a.b.m1\u0000', '/etc/passwd', '...secret', 'a.b.**']) {
      const r = await render(target);
      t.ok(r.status === 200 || r.status === 400, `target ${JSON.stringify(target)}: ${r.status}`);
      t.notMatch(r.text, /31337/, 'nothing from outside the data directory');
    }
    for (const query of ['..', '../*', '*/..', '..*', '%2e%2e.*', '\u0000', '*.\u0000']) {
      const r = await timed(`${url}/metrics/find?query=${encodeURIComponent(query)}`);
      t.equal(r.status, 200, `find ${JSON.stringify(query)}`);
      t.same(JSON.parse(r.text), [], 'matches nothing');
    }
    t.same((await timed(`${url}/metrics/tree?prefix=..`)).status, 400);
  });

  t.test('absurd time ranges', async (t) => {
    for (const [extra, status] of [
      ['&from=-100y', 200],
      ['&from=0&until=4000000000', 200],
      ['&from=-1y&until=%2B50y', 200],
      ['&from=-99999999999y', 400],
      ['&from=99999999999999999999', 400],
      ['&from=-1h&now=-1000000000000', 400],
      ['&from=-5min&maxDataPoints=99999999999999999999', 200],
      ['&from=-5min&xFilesFactor=1e999', 200],
    ] as [string, number][]) {
      const r = await render('sumSeries(a.b.m1)', extra);
      t.equal(r.status, status, `${extra}: ${r.status}`);
      t.ok(r.ms < DEADLINE_MS, 'answered');
    }
    const big = await render('summarize(a.b.m1, "1s")', '&from=-100y');
    t.equal(big.status, 200, 'a bucket per second for a century is bounded by the retention (10 minutes here)');
    t.ok(JSON.parse(big.text)[0].datapoints.length <= 601);
  });

  t.test('bodies, methods and odd requests', async (t) => {
    const huge = await timed(`${url}/render`, 'target=' + 'a'.repeat(2 * 1024 * 1024));
    t.equal(huge.status, 413, 'a body over the limit');
    t.match(JSON.parse(huge.text).error, /too large/i);
    t.equal((await timed(`${url}/render?target=a.b.m1&format=png`)).status, 400, 'image formats are refused with a message');
    t.equal((await timed(`${url}/metrics/find?query=*&format=pickle`)).status, 400);
    t.equal((await timed(`${url}/metrics/find?query=*&position=x&format=nodelist`)).status, 400);
    const nodelist = await timed(`${url}/metrics/find?query=a.*&format=nodelist&position=9`);
    t.equal(nodelist.status, 400, 'graphite answers 500 here');
    t.equal((await timed(`${url}/functions/${encodeURIComponent('../../etc/passwd')}`)).status, 404);
    t.equal((await timed(`${url}/series/${'a.'.repeat(600)}b`)).status, 400, 'a name longer than the store allows');
    const utf = await timed(`${url}/render?target=%ff%fe&format=json`);
    t.ok(utf.status === 200 || utf.status === 400, 'invalid UTF-8 in a parameter');
  });
});
