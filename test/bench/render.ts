// npm run bench:render — /render latency of sotto vs graphite-web 1.1.8 on the same Whisper
// files, in the same run: one series over a day, a week and a year, and sumSeries over 1,000
// series. Prints medians and the ratio (graphite ÷ sotto; the target is ≥ 10x). The machine is
// shared: run it a few times and look at the ratios, not the absolute times.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ORACLE = path.resolve(HERE, '../../../shared/oracles/graphite-web');
const PY = '/usr/bin/python3';
const NOW = Math.floor(Date.now() / 1000);
const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
/** sotto's readerOpenFiles (default: the app's default); BENCH_OPEN_FILES=0 opens every file per request. */
const OPEN_FILES = process.env.BENCH_OPEN_FILES === undefined ? undefined : Number(process.env.BENCH_OPEN_FILES);

const FIXTURE = `
import sys, whisper, os, random
root, now, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
arch = [(10, 8640), (60, 10080), (600, 52560)]   # 10s:1d, 1m:7d, 10m:1y
random.seed(1)
def mk(name):
    p = os.path.join(root, *name.split('.')) + '.wsp'
    os.makedirs(os.path.dirname(p), exist_ok=True)
    whisper.create(p, arch, xFilesFactor=0, aggregationMethod='average')
    return p
one = mk('bench.one')
# a year at 10 min, a week at 1 min, a day at 10 s (oldest first so each archive keeps its own points)
for step, count in ((600, 52560), (60, 10080), (10, 8640)):
    pts = [(now - step * i, random.random() * 100) for i in range(count)]
    whisper.update_many(one, pts, now=now)
for i in range(n):
    p = mk('bench.many.s%04d' % i)
    whisper.update_many(p, [(now - 10 * k, float(k % 50 + i % 7)) for k in range(360)], now=now)
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function time(url: string): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200 || body.length < 10) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sotto-bench-render-'));
  let pid = '';
  let worker: Worker | null = null;
  try {
    process.stdout.write(`writing fixture (${SERIES + 1} files) with whisper.py … `);
    execFileSync(PY, ['-c', FIXTURE, dir, String(NOW), String(SERIES)]);
    console.log('done');
    // sotto runs in its own thread (from the build in dist/, as `sotto serve` would), like graphite in its process
    const appUrl = pathToFileURL(path.resolve(HERE, '../../dist/lib/http/app.js')).href;
    worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const http = require('node:http');
       import(workerData.appUrl).then(async ({ createHttpApp }) => {
         const app = createHttpApp({ dataDir: workerData.dir, onFlush: () => () => undefined, health: () => ({ lastFlush: null }), readerOpenFiles: workerData.openFiles });
         await app.ready;
         const server = http.createServer(app);
         server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
       });`,
      { eval: true, workerData: { appUrl, dir, openFiles: OPEN_FILES } },
    );
    const sottoPort = await new Promise<number>((resolve, reject) => {
      worker!.once('message', resolve);
      worker!.once('error', reject);
    });
    const sotto = `http://127.0.0.1:${sottoPort}`;
    const port = await freePort();
    pid = execFileSync(path.join(ORACLE, 'start.sh'), [dir, String(port)], { env: { ...process.env, ORACLE_EXTRA_SETTINGS: '' }, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const graphite = `http://127.0.0.1:${port}`;

    const cases: [string, string, number][] = [
      ['one series, 1 day (8640 points)', 'target=bench.one&from=-1d', 20],
      ['one series, 1 week (10080 points)', 'target=bench.one&from=-7d', 10],
      ['one series, 1 year (52560 points)', 'target=bench.one&from=-1y', 5],
      [`sumSeries over ${SERIES} series, 1 hour`, 'target=sumSeries(bench.many.*)&from=-1h', 5],
      [`${SERIES} series, 1 hour, maxDataPoints=100`, 'target=bench.many.*&from=-1h&maxDataPoints=100', 3],
    ];
    console.log(`\nsotto readerOpenFiles: ${OPEN_FILES ?? 'default (2048)'}`);
    console.log(`${'request'.padEnd(44)} ${'sotto ms'.padStart(10)} ${'graphite ms'.padStart(12)} ${'ratio'.padStart(8)}`);
    for (const [label, q, n] of cases) {
      const url = (base: string) => `${base}/render?${q}&format=json&now=${NOW}`;
      await time(url(sotto));
      await time(url(graphite));
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < n; i++) {
        ours.push(await time(url(sotto)));
        theirs.push(await time(url(graphite)));
      }
      const [a, b] = [median(ours), median(theirs)];
      console.log(`${label.padEnd(44)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(12)} ${(b / a).toFixed(1).padStart(7)}x`);
    }
  } finally {
    if (pid) execFileSync(path.join(ORACLE, 'stop.sh'), [pid], { stdio: 'ignore' });
    await worker?.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
