// The whole tracelog source against a simulated log with known truth: three instances writing
// 45 minutes of requests across the repeated hour at the end of DST, through a syslog-ng
// directory of dated files (compressed as they age) and a logrotate'd file (rename, then
// copytruncate, then gzip), with sotto stopped and restarted twice in the middle — once with a
// line half written. Every series must equal the truth computed from the plan.
import t from 'tap';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { timerStats } from '../../lib/statsd/timer-stats.js';
import { createTracelogSource, type TracelogSource } from '../../lib/tracelog/source.js';
import type { MetricPoint } from '../../lib/types.js';
import {
  DURATION_S, IDLE_US, INTERVAL_US, START_US, STUCK_US, ZONE, plan, truth, type InstancePlan, type SimLine,
} from './simulator.js';

const SEED = Number(process.env.TRACELOG_SIM_SEED ?? 20211107);
const PERCENTS = [90, 99];
const FROZEN = 1_900_000_000_000; // the wall clock, frozen: buckets close by the logs' own time
const wallClock = { now: FROZEN };

const parts = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Local wall clock of an epoch (µs), as the application's `datetime.now()` would print it. */
function wall(us: number): { date: string; time: string; month: number; day: number } {
  const f: Record<string, string> = {};
  for (const p of parts.formatToParts(Math.floor(us / 1e6) * 1000)) f[p.type] = p.value;
  return { date: `${f.year}-${f.month}-${f.day}`, time: `${f.hour}:${f.minute}:${f.second}`, month: Number(f.month), day: Number(f.day) };
}

function format(p: InstancePlan, l: SimLine): string {
  const w = wall(l.ts);
  const micros = l.ts % 1e6;
  const msg = l.message ? ' ' + l.message : '';
  if (p.style === 'zope2') return `${l.code} ${l.id} ${w.date}T${w.time}${msg}`;
  const stamp = `${w.date} ${w.time}${micros ? '.' + String(micros).padStart(6, '0') : ''}`;
  const record = `${l.code} ${l.id} ${stamp}${msg}`;
  if (p.style === 'zc') return `app1 acme inst1 : ${record}`;
  const sw = wall(l.writeTs);
  return `${MONTHS[sw.month - 1]} ${String(sw.day).padStart(2, ' ')} ${sw.time} web2 zope[4242]: ${record}`;
}

function expectedPoints(p: InstancePlan): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of truth(p)) {
    const ts = (b.start + INTERVAL_US) / 1e6;
    const put = (name: string, v: number): void => void out.set(`tracelog.${p.key}.${name}@${ts}`, v);
    put('requests.count', b.requests);
    put('requests.rate', b.requests / 10);
    put('errors.count', b.errors);
    put('errors.rate', b.errors / 10);
    put('active.last', b.active);
    put('active.max', b.maxActive);
    if (p.style !== 'zope2') {
      put('backlog.last', b.backlog);
      put('backlog.max', b.maxBacklog);
    }
    if (b.app.length > 0 && b.appUs > 0) put('max_rate', b.app.length / (b.appUs / 1e6));
    for (const phase of ['input', 'wait', 'app', 'output', 'total'] as const) {
      for (const [stat, v] of timerStats([...b[phase]], b[phase].length, 10_000, { percentThreshold: PERCENTS })) put(`timers.${phase}.${stat}`, v);
    }
    put('bytes.input.sum', b.bytesIn);
    put('bytes.output.sum', b.bytesOut);
    put('restarts.count', b.restarts);
    put('dropped.count', b.dropped);
    put('expired.count', b.expired);
    put('replaced.count', b.replaced);
  }
  return out;
}

t.test(`simulated instances through rotation and restarts give exactly the planned series (seed ${SEED})`, async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sotto-sim-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir1 = path.join(root, 'syslog-ng');
  const dir2 = path.join(root, 'zope-c');
  const dataDir = path.join(root, 'data');
  mkdirSync(dir1);
  mkdirSync(dir2);
  const live2 = path.join(dir2, 'zope-c.log');

  const plans = plan(SEED);
  const [pa, pb, pc] = plans as [InstancePlan, InstancePlan, InstancePlan];
  // Sanity of the plan itself: it exercises what it claims to.
  const codes = (p: InstancePlan, c: string): number => p.lines.filter((l) => l.code === c).length;
  t.ok(pa.lines.some((l) => l.req?.replaces), 'zc keep-alive replacements planned');
  t.ok(pa.lines.some((l) => l.code === 'B' && l.ts % 1e6 === 0), 'zc lines without a fraction');
  t.ok(codes(pb, 'X') === 1 && codes(pb, 'S') === 2, 'resumelb: stop, start, crash');
  t.ok(pc.lines.every((l) => l.code !== 'C'), 'Zope 2 has no C');
  t.ok(plans.every((p) => p.lines.some((l) => l.req?.hung)), 'hung requests planned');

  const stream1 = [...pa.lines.map((l) => ({ p: pa, l })), ...pb.lines.map((l) => ({ p: pb, l }))].sort(
    (x, y) => x.l.writeTs - y.l.writeTs || (x.p === y.p ? x.l.seq - y.l.seq : x.p === pa ? -1 : 1),
  );
  const stream2 = pc.lines.map((l) => ({ p: pc, l }));

  const collected = new Map<string, number>();
  const own = { records: 0, bad: 0, late: 0 };
  const collect = (points: MetricPoint[]): void => {
    for (const p of points) {
      if (p.name === 'sotto.tracelog.records') own.records += p.value;
      else if (p.name === 'sotto.tracelog.bad_lines') own.bad += p.value;
      else if (p.name === 'sotto.tracelog.late_records') own.late += p.value;
      else if (!p.name.startsWith('sotto.')) collected.set(`${p.name}@${p.timestamp}`, p.value); // a later write overwrites, as in Whisper
    }
  };
  const logs: string[] = [];
  const newSource = async (): Promise<TracelogSource> => {
    const src = createTracelogSource(
      {
        paths: [dir1, live2], timeZone: ZONE, flushIntervalMs: 10_000, latenessMs: 5_000, stuckLimitMs: STUCK_US / 1000,
        idleLimitMs: IDLE_US / 1000, percentThreshold: PERCENTS, dataDir, pollIntervalMs: 3_600_000,
      },
      { now: () => wallClock.now, log: (m) => logs.push(m) },
    );
    await src.start();
    return src;
  };

  let src: TracelogSource | null = await newSource();
  t.teardown(() => src?.stop());
  let file1 = '';
  const generations: string[] = [];
  let written = 0;
  let bad = 0;
  let pending2 = ''; // half a line left for the next step
  const STEP_US = 60e6;
  const steps = Math.ceil(DURATION_S / 60) + 1;
  let i1 = 0;
  let i2 = 0;
  for (let step = 0; step < steps; step++) {
    const until = START_US + (step + 1) * STEP_US;
    // syslog-ng: a new dated file every 8 minutes; the one two generations back gets compressed.
    if (step % 8 === 0) {
      file1 = path.join(dir1, `trace-${new Date((START_US + step * STEP_US) / 1000).toISOString().slice(0, 16).replace(/[-:T]/g, '')}.log`);
      generations.push(file1);
      const old = generations[generations.length - 3];
      if (old && existsSync(old)) {
        writeFileSync(old + '.gz', gzipSync(readFileSync(old)));
        unlinkSync(old);
      }
    }
    let chunk1 = '';
    for (; i1 < stream1.length && stream1[i1]!.l.writeTs < until; i1++, written++) chunk1 += format(stream1[i1]!.p, stream1[i1]!.l) + '\n';
    if (step % 5 === 1) {
      chunk1 += `${MONTHS[10]}  7 01:50:00 web2 -- MARK --\n`; // syslog-ng's mark: not a trace record
      bad++;
    }
    appendFileSync(file1, chunk1);
    // the writer finishes its half-written line first (in the file it has open), then logrotate runs
    if (pending2) appendFileSync(live2, pending2);
    pending2 = '';
    if (step === 10 || step === 15) { // rename rotation (step 15: while sotto is down)
      if (existsSync(live2 + '.1')) renameSync(live2 + '.1', live2 + '.2.' + step);
      renameSync(live2, live2 + '.1');
    }
    if (step === 22 || step === 33) { // copytruncate (step 33: while sotto is down)
      if (existsSync(live2 + '.1')) renameSync(live2 + '.1', live2 + '.2.' + step);
      copyFileSync(live2, live2 + '.1');
      truncateSync(live2, 0);
    }
    if (step === 26 && existsSync(live2 + '.1')) { // delayed compression of the renamed copy
      writeFileSync(live2 + '.1.gz', gzipSync(readFileSync(live2 + '.1')));
      unlinkSync(live2 + '.1');
    }
    let chunk2 = '';
    for (; i2 < stream2.length && stream2[i2]!.l.writeTs < until; i2++, written++) chunk2 += format(pc, stream2[i2]!.l) + '\n';
    if (step === 14 || step === 30) { // half a line at the end: its rest comes with the next write
      const cut = chunk2.length - 12;
      pending2 = chunk2.slice(cut);
      chunk2 = chunk2.slice(0, cut);
    }
    appendFileSync(live2, chunk2);
    // sotto down during steps 15 and 33, back before their flush
    if (src === null) src = await newSource();
    if (step === 14 || step === 32) {
      await src.settle();
      collect(src.flush(FROZEN));
      await src.stop();
      src = null;
      continue;
    }
    await src.settle();
    collect(src.flush(FROZEN));
  }
  t.equal(i1 + i2, written);
  await src!.settle();
  wallClock.now = FROZEN + 1e12; // time moves on: every bucket ends
  collect(src!.flush(wallClock.now));
  await src!.stop();
  src = null;

  t.equal(written, pa.lines.length + pb.lines.length + pc.lines.length);
  t.equal(own.records, written, 'every record read exactly once (none lost, none twice)');
  t.equal(own.bad, bad, 'the MARK lines are counted as bad lines');
  t.equal(own.late, 0, 'nothing arrived after its bucket was written');
  t.same(logs.filter((m) => !m.includes('bad line')), [], 'no warnings');

  for (const p of plans) {
    const want = expectedPoints(p);
    const got = new Map([...collected].filter(([k]) => k.startsWith(`tracelog.${p.key}.`)));
    const missing = [...want.keys()].filter((k) => !got.has(k));
    const extra = [...got.keys()].filter((k) => !want.has(k));
    const wrong = [...want].filter(([k, v]) => got.has(k) && !Object.is(got.get(k), v)).map(([k, v]) => `${k}: want ${v}, got ${got.get(k)}`);
    t.same({ missing: missing.slice(0, 5), extra: extra.slice(0, 5), wrong: wrong.slice(0, 5) }, { missing: [], extra: [], wrong: [] }, `${p.key}: ${want.size} points (seed ${SEED})`);
    const counts = [...want].filter(([k]) => k.includes('.requests.count@')).reduce((n, [, v]) => n + v, 0);
    t.ok(counts > 500, `${p.key}: ${counts} completed requests`);
  }
  const totals = (suffix: string): number => [...collected].filter(([k]) => k.includes(suffix)).reduce((n, [, v]) => n + v, 0);
  for (const what of ['expired', 'dropped', 'replaced', 'errors']) t.ok(totals(`.${what}.count@`) > 0, `some ${what}`);
});
