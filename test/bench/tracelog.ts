// Tracelog benchmark: lines/s parsed and aggregated from a large generated trace log, against
// zc.zservertracelog's own tracereport (Python) on the same file when it is there.
//
//   npm run bench:tracelog                 (BENCH_LINES=2000000, BENCH_RUNS=3 by default)
//   TRACEREPORT_PYTHONPATH=/path/to/src npm run bench:tracelog
//                                          (a checkout of zc.zservertracelog's src/ for the ratio;
//                                           or have `zc.zservertracelog` importable by python3)
//
// 1. core: the whole file in memory → TraceIngest.chunk (line split, parse, time zone, request
//    state machine). Then, timed apart, closing every bucket and naming its points (what the
//    flushes would do over the log's hours). One core.
// 2. tailer: the same through the Tailer reading the file from disk in 1 MiB chunks.
// Both for a plain log and for one with ZC's syslog-ng prefix on every line, 8 instances
// interleaved; each case in its own process (its own JIT state, like a sotto reading that log).
// 3. tracereport: `python3 -m zc.zservertracelog.tracereport <plain file>` (its default text report).
// Best of BENCH_RUNS runs each, as lines per CPU second (user + system time of the process, so a
// busy shared machine does not count against either side) and per wall second. Read the ratio.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../lib/tracelog/file-set.js';
import { TraceIngest } from '../../lib/tracelog/ingest.js';
import { intervalPoints } from '../../lib/tracelog/names.js';
import { RequestTracker } from '../../lib/tracelog/requests.js';
import { Tailer } from '../../lib/tracelog/tail.js';
import { LocalTime } from '../../lib/tracelog/zone.js';

const LINES = Number(process.env.BENCH_LINES ?? 2_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ZONE = 'America/New_York';
const work = mkdtempSync(join(tmpdir(), 'sotto-bench-tracelog-'));
// BENCH_KEEP=1 keeps the generated logs (for `node --cpu-prof`), and says where.
process.on('exit', () => (process.env.BENCH_KEEP ? console.log(`kept ${work}`) : rmSync(work, { recursive: true, force: true })));

/** A zc.zservertracelog-style log: ~50 requests/s, 6 threads, keep-alive ids, some errors and D records. */
async function generate(file: string, lines: number, prefixes: string[]): Promise<number> {
  const out = createWriteStream(file);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const fmt = (us: number): string => {
    const d = new Date(Math.floor(us / 1000) - 5 * 3600_000); // EST wall clock, no DST in January
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(us % 1e6, 6)}`;
  };
  let x = 12345;
  const rnd = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let t = Date.UTC(2024, 0, 15, 14) * 1000;
  let written = 0;
  let buf = '';
  const events: [number, string][] = [];
  let n = 0;
  while (written < lines) {
    t += Math.floor(rnd() * 40_000);
    const id = `0.-14${1000000 + (n % 64)}`;
    const p = prefixes.length ? prefixes[n % prefixes.length] : '';
    const tI = t + Math.floor(rnd() * 2000);
    const tC = tI + Math.floor(rnd() * 5000);
    const tA = tC + Math.floor(rnd() * 200_000);
    const tE = tA + Math.floor(rnd() * 3000);
    const status = rnd() < 0.02 ? '500 312' : rnd() < 0.3 ? '200 ?' : `200 ${Math.floor(rnd() * 50000)}`;
    events.push([t, `${p}B ${id} ${fmt(t)} GET /folder/page-${n % 500}.html?x=${n % 7}`], [tI, `${p}I ${id} ${fmt(tI)} 0`], [tC, `${p}C ${id} ${fmt(tC)}`]);
    if (n % 3 === 0) events.push([tC + 10, `${p}D ${id} ${fmt(tC + 10)} 12 1`]);
    events.push([tA, `${p}A ${id} ${fmt(tA)} ${status}`], [tE, `${p}E ${id} ${fmt(tE)}`]);
    n++;
    if (events.length > 2000) {
      events.sort((a, b) => a[0] - b[0]);
      const keep = events.filter((e) => e[0] > t);
      for (const e of events) if (e[0] <= t && written < lines) { buf += e[1] + '\n'; written++; }
      events.length = 0;
      events.push(...keep);
      if (buf.length > 1 << 20) { out.write(buf); buf = ''; }
    }
  }
  out.write(buf);
  await new Promise<void>((resolve) => out.end(resolve));
  return written;
}

interface Timing {
  /** Reading, parsing and aggregating the lines. */
  wall: number;
  cpu: number;
  /** Then: closing every bucket and naming its points (timer statistics included). */
  pointsCpu?: number;
  points?: number;
}

/**
 * Prints and returns the best lines per CPU second of `run`, called `repeat` times: a child that
 * repeats and times itself returns its best Timing (repeat 1); a reference process returns its
 * own CPU seconds.
 */
function best(label: string, lines: number, run: () => Timing | number, repeat = RUNS): number {
  let bestTiming: Timing = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    const result = run();
    const timing = typeof result === 'number' ? { wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: result } : result;
    if (timing.cpu < bestTiming.cpu) bestTiming = timing;
  }
  const perCpu = lines / bestTiming.cpu;
  const fmt = (v: number): string => Math.round(v).toLocaleString('en-US').padStart(11);
  const pts = bestTiming.points ? `; then ${bestTiming.points.toLocaleString('en-US')} points in ${bestTiming.pointsCpu!.toFixed(2)} s CPU` : '';
  console.log(`${label.padEnd(44)} ${fmt(perCpu)} lines/CPU-s  (${bestTiming.cpu.toFixed(2)} s CPU; wall ${bestTiming.wall.toFixed(2)} s = ${fmt(lines / bestTiming.wall).trim()} lines/s${pts})`);
  return perCpu;
}

function tracker(): { ingest: TraceIngest; tracker: RequestTracker } {
  const tr = new RequestTracker({ intervalMs: 10_000, latenessMs: 5_000, stuckLimitMs: 900_000, idleLimitMs: 3_600_000, now: () => 0 });
  return { ingest: new TraceIngest(tr, new LocalTime(ZONE)), tracker: tr };
}

/** One measurement, in this (fresh) process: what a sotto reading one kind of log would do. */
async function runCase(kind: string, file: string, lines: number): Promise<void> {
  const bytes = kind === 'core' ? readFileSync(file) : Buffer.alloc(0);
  let bestTiming: Timing = { wall: Infinity, cpu: Infinity, pointsCpu: 0, points: 0 };
  const cpuNow = (): number => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };
  for (let i = 0; i < RUNS; i++) {
    const { ingest, tracker: tr } = tracker();
    const start = process.hrtime.bigint();
    const cpu0 = cpuNow();
    if (kind === 'core') ingest.chunk(bytes, { fallback: 'bench', forced: null });
    else {
      const tl = new Tailer({ specs: [parseSpec(file)], sink: ingest, pollIntervalMs: 3_600_000, log: console.error });
      await tl.settle();
      await tl.stop();
    }
    const cpu1 = cpuNow();
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const points = intervalPoints(tr.close(1e15), { intervalMs: 10_000, percentThreshold: [90, 95, 99] });
    const pointsCpu = cpuNow() - cpu1;
    if (ingest.records !== lines || ingest.badLines !== 0) throw new Error(`bench: read ${ingest.records} of ${lines}, ${ingest.badLines} bad`);
    if (cpu1 - cpu0 < bestTiming.cpu) bestTiming = { wall, cpu: cpu1 - cpu0, pointsCpu, points: points.length };
  }
  console.log(JSON.stringify(bestTiming));
}

/** Runs one case in a child process (its own JIT state, as a sotto process reading that log). */
function inChild(kind: string, file: string, lines: number): Timing {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--case', kind, file, String(lines)], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_KEEP: '' }, maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`bench case ${kind} failed`);
  return JSON.parse(r.stdout.toString().trim().split('\n').pop()!) as Timing;
}

if (process.argv[2] === '--case') {
  await runCase(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
  process.exit(0);
}

const plain = join(work, 'trace.log');
const prefixed = join(work, 'syslog-ng.log');
const n = await generate(plain, LINES, []);
await generate(prefixed, LINES, Array.from({ length: 8 }, (_, i) => `app${i % 4}.example.com acme instance${i} : `));
console.log(`tracelog bench: ${n.toLocaleString('en-US')} lines (${(statSync(plain).size / 1e6).toFixed(0)} MB plain, ${(statSync(prefixed).size / 1e6).toFixed(0)} MB with syslog-ng prefixes), best of ${RUNS}, node ${process.version}, each in its own process\n`);

const core = best('sotto core: parse + aggregate', n, () => inChild('core', plain, n), 1);
best('sotto core, syslog-ng prefix, 8 instances', n, () => inChild('core', prefixed, n), 1);
best('sotto tailer: read file + parse + aggregate', n, () => inChild('tailer', plain, n), 1);
best('sotto tailer, syslog-ng prefix, 8 instances', n, () => inChild('tailer', prefixed, n), 1);

const pythonPath = process.env.TRACEREPORT_PYTHONPATH;
const env = { ...process.env, ...(pythonPath ? { PYTHONPATH: pythonPath } : {}) };
const probe = spawnSync('/usr/bin/python3', ['-c', 'import zc.zservertracelog.tracereport'], { env });
if (probe.status !== 0) {
  console.log('\n!!! tracereport not found (set TRACEREPORT_PYTHONPATH to a zc.zservertracelog src/ checkout): no ratio !!!');
} else {
  // The child's own CPU time, from its getrusage (spawnSync does not report it).
  const wrapper = `import sys, resource, runpy
sys.argv = ['tracereport', sys.argv[1]]
runpy.run_module('zc.zservertracelog.tracereport', run_name='__main__')
r = resource.getrusage(resource.RUSAGE_SELF)
sys.stderr.write('CPU %f\\n' % (r.ru_utime + r.ru_stime))`;
  const ref = best('zc.zservertracelog tracereport (python3)', n, () => {
    const r = spawnSync('/usr/bin/python3', ['-c', wrapper, plain], { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 20 });
    const cpu = /CPU ([\d.]+)/.exec(r.stderr.toString());
    if (r.status !== 0 || !cpu) throw new Error(`tracereport failed: ${r.stderr}`);
    return Number(cpu[1]);
  });
  console.log(`\nsotto core / tracereport (lines per CPU second): ${(core / ref).toFixed(1)}x`);
}
console.log(`target: >= 500,000 lines/s on one core (sotto core: ${core >= 500_000 ? 'met' : 'NOT met'}; load average now ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`);
