// npm run bench:render — /render and /metrics/find latency of sotto vs graphite-web 1.1.8 on the
// same Whisper files, in the same run: one series over a day, a week and a year, sumSeries over
// 1,000 series, 1,000 series consolidated to 100 points, and finds. Prints per request the median
// wall time of each, their ratio (graphite ÷ sotto; the target is ≥ 10x), and the ratio of the
// servers' CPU time per request (from /proc/<pid>/stat: steadier than wall time on a shared
// machine). A plain node:http server sending a body of the same size gives the floor the client
// and the loopback add to every wall time.
//
//   BENCH_SERIES=1000     how many series the sumSeries/maxDataPoints cases read
//   BENCH_FIXTURE=dir     keep the Whisper files in dir and reuse them in later runs
//   BENCH_OPEN_FILES=n    sotto's readerOpenFiles (0: open every file per request)
//   BENCH_ONLY=a,b        only the cases whose label contains one of these words
//   BENCH_CLIENT=http     measure with node:http's client instead of a bare socket (see get())
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ORACLE = path.resolve(HERE, '../../../shared/oracles/graphite-web');
const PY = '/usr/bin/python3';
const SERIES = Number(process.env.BENCH_SERIES ?? 1000);
const OPEN_FILES = process.env.BENCH_OPEN_FILES === undefined ? undefined : Number(process.env.BENCH_OPEN_FILES);
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const CLIENT = process.env.BENCH_CLIENT === 'http' ? 'http' : 'raw';
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

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

/** sotto from the build in dist/, in its own process as `sotto serve` runs it. */
const SOTTO = `
import http from 'node:http';
const [appUrl, dir, openFiles] = process.argv.slice(1);
const { createHttpApp } = await import(appUrl);
const app = createHttpApp({ dataDir: dir, onFlush: () => () => undefined, health: () => ({ lastFlush: null }), readerOpenFiles: openFiles === '' ? undefined : Number(openFiles) });
await app.ready;
const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/** The floor: a node:http server answering every request with `size` bytes. */
const FLOOR = `
import http from 'node:http';
let body = Buffer.alloc(0);
const server = http.createServer((req, res) => {
  const size = Number(new URL(req.url, 'http://x').searchParams.get('size'));
  if (body.length !== size) body = Buffer.alloc(size, 0x31);
  res.setHeader('Content-Type', 'application/json');
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

function startNode(source: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    child.stdout!.once('data', (d: Buffer) => resolve({ child, port: Number(d.toString().trim()) }));
  });
}

/** utime + stime of a process, in ms (threads that have exited included). */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

type Got = { ms: number; status: number; bytes: number; head: string };

/**
 * One GET on a fresh connection (graphite's wsgiref server closes each one), the whole answer read
 * to the end: written and read on a bare socket, so the client adds as little as it can to either
 * server's time (node:http's client spends ~2 ms per request parsing a 290 kB answer here, which
 * would be counted against both servers alike). BENCH_CLIENT=http measures with node:http instead.
 */
function get(url: string): Promise<Got> {
  return CLIENT === 'http' ? getHttp(url) : getRaw(url);
}

function getRaw(url: string): Promise<Got> {
  const { hostname, port, pathname, search } = new URL(url);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    let header = '';
    let status = 0;
    let bytes = 0;
    let head = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (status === 0) {
        header += chunk.toString('latin1');
        const end = header.indexOf('\r\n\r\n');
        if (end < 0) return;
        status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(header)?.[1] ?? -1);
        body = chunk.subarray(chunk.length - (header.length - end - 4));
      }
      if (head.length < 200) head += body.subarray(0, 200).toString();
      bytes += body.length;
    });
    socket.on('end', () => {
      socket.destroy();
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status, bytes, head });
    });
    socket.on('error', reject);
  });
}

function getHttp(url: string): Promise<Got> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let bytes = 0;
        let head = '';
        res.on('data', (chunk: Buffer) => {
          if (head.length < 200) head += chunk.subarray(0, 200).toString();
          bytes += chunk.length;
        });
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode ?? 0, bytes, head }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function checked(url: string): Promise<{ ms: number; bytes: number }> {
  const r = await get(url);
  if (r.status !== 200 || r.bytes < 10) throw new Error(`${url}: ${r.status} ${r.head}`);
  return r;
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function fixture(): { dir: string; now: number; keep: boolean } {
  const keep = process.env.BENCH_FIXTURE;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sotto-bench-render-'));
  const stamp = path.join(dir, 'bench-fixture.json');
  if (keep && fs.existsSync(stamp)) {
    const saved = JSON.parse(fs.readFileSync(stamp, 'utf8')) as { now: number; series: number };
    if (saved.series === SERIES) {
      console.log(`reusing the fixture in ${dir}`);
      return { dir, now: saved.now, keep: true };
    }
  }
  const now = Math.floor(Date.now() / 1000);
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(path.join(dir, 'bench'), { recursive: true, force: true });
  process.stdout.write(`writing fixture (${SERIES + 1} files) with whisper.py … `);
  execFileSync(PY, ['-c', FIXTURE, dir, String(now), String(SERIES)]);
  fs.writeFileSync(stamp, JSON.stringify({ now, series: SERIES }));
  console.log('done');
  return { dir, now, keep: keep !== undefined };
}

async function main(): Promise<void> {
  const { dir, now, keep } = fixture();
  let oraclePid = '';
  const children: ChildProcess[] = [];
  try {
    const appUrl = pathToFileURL(path.resolve(HERE, '../../dist/lib/http/app.js')).href;
    const sotto = await startNode(SOTTO, [appUrl, dir, OPEN_FILES === undefined ? '' : String(OPEN_FILES)]);
    children.push(sotto.child);
    const floor = await startNode(FLOOR, []);
    children.push(floor.child);
    const port = await new Promise<number>((resolve) => {
      const s = http.createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    oraclePid = execFileSync(path.join(ORACLE, 'start.sh'), [dir, String(port)], { env: { ...process.env, ORACLE_EXTRA_SETTINGS: '' }, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const servers = {
      sotto: { base: `http://127.0.0.1:${sotto.port}`, pid: sotto.child.pid! },
      graphite: { base: `http://127.0.0.1:${port}`, pid: Number(oraclePid) },
    };

    const render = (q: string) => `/render?${q}&format=json&now=${now}`;
    const cases: [string, string, number][] = [
      ['one series, 1 day (8640 points)', render('target=bench.one&from=-1d'), 20],
      ['one series, 1 week (10080 points)', render('target=bench.one&from=-7d'), 20],
      ['one series, 1 year (52560 points)', render('target=bench.one&from=-1y'), 10],
      [`sumSeries over ${SERIES} series, 1 hour`, render('target=sumSeries(bench.many.*)&from=-1h'), 10],
      [`${SERIES} series, 1 hour, maxDataPoints=100`, render('target=bench.many.*&from=-1h&maxDataPoints=100'), 5],
      [`find bench.many.* (${SERIES} leaves)`, '/metrics/find?query=bench.many.*', 20],
      ['find bench.*', '/metrics/find?query=bench.*', 20],
    ];
    console.log(`\nnode ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; sotto readerOpenFiles: ${OPEN_FILES ?? 'default'}; client: ${CLIENT === 'http' ? 'node:http' : 'bare socket'}`);
    console.log(
      `${'request'.padEnd(40)} ${'sotto ms'.padStart(9)} ${'graphite ms'.padStart(12)} ${'ratio'.padStart(7)} ${'floor ms'.padStart(9)}   ${'CPU ms/req sotto'.padStart(16)} ${'graphite'.padStart(9)} ${'ratio'.padStart(7)}`,
    );
    for (const [label, url, n] of cases) {
      if (ONLY.length && !ONLY.some((w) => label.includes(w))) continue;
      const { bytes } = await checked(servers.sotto.base + url);
      await checked(servers.graphite.base + url);
      const wall = { sotto: [] as number[], graphite: [] as number[], floor: [] as number[] };
      const cpu = { sotto: 0, graphite: 0 };
      for (let i = 0; i < n; i++) {
        for (const name of ['sotto', 'graphite'] as const) {
          const before = cpuMs(servers[name].pid);
          wall[name].push((await checked(servers[name].base + url)).ms);
          cpu[name] += cpuMs(servers[name].pid) - before;
        }
        wall.floor.push((await checked(`http://127.0.0.1:${floor.port}/?size=${bytes}`)).ms);
      }
      const [a, b, f] = [median(wall.sotto), median(wall.graphite), median(wall.floor)];
      const [ca, cb] = [cpu.sotto / n, cpu.graphite / n];
      console.log(
        `${label.padEnd(40)} ${a.toFixed(1).padStart(9)} ${b.toFixed(1).padStart(12)} ${(b / a).toFixed(1).padStart(6)}x ${f.toFixed(1).padStart(9)}   ${ca.toFixed(1).padStart(16)} ${cb.toFixed(1).padStart(9)} ${ca > 0 ? (cb / ca).toFixed(1).padStart(6) + 'x' : '    n/a'}`,
      );
    }
    console.log(`\nCPU times come in ${1000 / TICKS_PER_SECOND} ms ticks, summed over each case's requests.`);
  } finally {
    if (oraclePid) execFileSync(path.join(ORACLE, 'stop.sh'), [oraclePid], { stdio: 'ignore' });
    for (const c of children) c.kill();
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
