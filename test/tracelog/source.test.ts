import t from 'tap';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stateFileIn } from '../../lib/tracelog/checkpoint.js';
import { tracelogOptions, TRACELOG_DEFAULTS } from '../../lib/tracelog/options.js';
import { createTracelogSource, type TracelogSource } from '../../lib/tracelog/source.js';
import { syslogLines } from '../../lib/tracelog/syslog.js';
import type { MetricPoint } from '../../lib/types.js';

const T0 = Date.UTC(2020, 0, 1);
/** A wall clock the tests move by hand. */
const clock = { now: 0 };
const now = (): number => clock.now;
/** Flush "much later": every bucket has ended. */
function flushLater(src: TracelogSource): MetricPoint[] {
  clock.now += 1e12;
  const points = src.flush(clock.now);
  clock.now = 0;
  return points;
}
function at(s: number): string {
  const us = Math.round(s * 1e6);
  const iso = new Date(T0 + Math.floor(us / 1e6) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(us % 1e6).padStart(6, '0')}`;
}
/** n requests starting every 0.7 s from `from` seconds, each 0.3 s long. */
function requests(from: number, n: number, id = 'r'): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const s = from + i * 0.7;
    out += `B ${id}${i} ${at(s)} GET /\nI ${id}${i} ${at(s + 0.05)} 0\nC ${id}${i} ${at(s + 0.1)}\nA ${id}${i} ${at(s + 0.25)} 200 10\nE ${id}${i} ${at(s + 0.3)}\n`;
  }
  return out;
}

function tempDir(t: Tap): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sotto-src-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
type Tap = { teardown(fn: () => unknown): void };

const byKey = (points: MetricPoint[]): Map<string, number> => new Map(points.map((p) => [`${p.name}@${p.timestamp}`, p.value]));
const value = (points: MetricPoint[], name: string): number => points.filter((p) => p.name === name).reduce((n, p) => n + p.value, 0);

t.test('options get defaults and bad values are refused with the option named', async (t) => {
  const o = tracelogOptions({ timeZone: 'UTC' });
  t.same({ ...o, timeZone: undefined }, { ...TRACELOG_DEFAULTS, timeZone: undefined });
  t.equal(tracelogOptions({ timeZone: 'europe/berlin' }).timeZone, 'Europe/Berlin');
  const bad: [object, RegExp][] = [
    [{ timeZone: 'Nowhere/Land' }, /^tracelog: timeZone unknown time zone "Nowhere\/Land".*got "Nowhere\/Land"$/],
    [{ flushIntervalMs: 1500 }, /^tracelog: flushIntervalMs must be whole seconds/],
    [{ flushIntervalMs: 0 }, /^tracelog: flushIntervalMs must be a whole number of ms >= 1000, got 0$/],
    [{ latenessMs: -1 }, /latenessMs must be a whole number of ms >= 0, got -1/],
    [{ stuckLimitMs: 0 }, /stuckLimitMs/],
    [{ idleLimitMs: 5000 }, /idleLimitMs must be a whole number of ms >= 10000, got 5000/],
    [{ percentThreshold: [0] }, /percentThreshold must be percentiles/],
    [{ syslogPort: 70000 }, /syslogPort must be a port number 0-65535 or null, got 70000/],
    [{ paths: [''] }, /paths must be a list of non-empty/],
    [{ dataDir: '' }, /dataDir must be a directory or null/],
    [{ pollIntervalMs: 1 }, /pollIntervalMs/],
    [{ syslogAddress: '' }, /syslogAddress/],
  ];
  for (const [input, re] of bad) t.throws(() => tracelogOptions({ timeZone: 'UTC', ...input }), re, JSON.stringify(input));
});

t.test('a syslog datagram loses its PRI and any BOM and splits into lines', async (t) => {
  t.same(syslogLines(Buffer.from('<13>B 1 2020-01-01 00:00:00 GET /\r\n')), ['B 1 2020-01-01 00:00:00 GET /']);
  t.same(syslogLines(Buffer.from('<165>1 2020-01-01T00:00:00Z h app - - - \ufeffE 1 2020-01-01 00:00:01\n\n')), ['1 2020-01-01T00:00:00Z h app - - - E 1 2020-01-01 00:00:01']);
});

t.test('trace records sent as UDP syslog (RFC 3164 and 5424) count like file lines', async (t) => {
  const src = createTracelogSource({ timeZone: 'UTC', syslogPort: 0, syslogAddress: '127.0.0.1', flushIntervalMs: 10_000, latenessMs: 0, futureLimitMs: Infinity }, { now: () => 0, log: () => undefined });
  await src.start();
  t.teardown(() => src.stop());
  const { port } = src.syslogAddress()!;
  const client = createSocket('udp4');
  t.teardown(() => client.close());
  const send = (msg: string): Promise<void> => new Promise((resolve, reject) => client.send(msg, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  const rec = requests(1, 3).split('\n').filter(Boolean);
  for (const line of rec) await send(`<134>Jan  1 00:00:01 web1 zope[7]: ${line}`);
  for (const line of rec) await send(`<134>1 2020-01-01T00:00:01Z web2 zope 7 - - \ufeff${line}`);
  for (const line of rec) await send(`<134>${line}`); // no header: the sender names the instance
  await send('<134>Jan  1 00:00:01 web1 cron[1]: something else entirely');
  await send(`<134>Jan  1 00:00:20 web1 zope[7]: - 0 ${at(20)} tick`);
  await send(`<134>1 2020-01-01T00:00:20Z web2 zope 7 - - - 0 ${at(20)} tick`);
  await send(`<134>- 0 ${at(20)} tick`);
  const points: MetricPoint[] = [];
  // UDP has no acknowledgement: wait (bounded) until every datagram was counted.
  for (let i = 0; i < 400 && value(points, 'sotto.tracelog.records') + value(points, 'sotto.tracelog.bad_lines') < 49; i++) {
    await new Promise((r) => setTimeout(r, 5));
    points.push(...src.flush(0));
  }
  t.equal(value(points, 'sotto.tracelog.records'), 48, '3 senders × 3 requests × 5 records, and 3 ticks');
  t.equal(value(points, 'sotto.tracelog.bad_lines'), 1);
  for (const instance of ['web1__zope', 'web2__zope', '127_0_0_1']) {
    t.equal(value(points, `tracelog.${instance}.requests.count`), 3, `${instance}: 3 requests`);
    t.equal(value(points, `tracelog.${instance}.timers.app.upper`), 150, `${instance}: C→A 150 ms`);
  }
});

t.test('a crash after a flush loses nothing and counts nothing twice: the last buckets are written again, the same', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'web1.log');
  const dataDir = path.join(dir, 'data');
  const opts = { paths: [log], timeZone: 'UTC', flushIntervalMs: 10_000, latenessMs: 1_000, dataDir, pollIntervalMs: 3_600_000, futureLimitMs: Infinity };
  const whole = requests(0, 40) + requests(28, 40, 's') + `- 0 ${at(200)} end\n`;
  // The uninterrupted run.
  const ref = path.join(dir, 'ref');
  mkdirSync(ref);
  writeFileSync(path.join(ref, 'web1.log'), whole);
  const a0 = createTracelogSource({ ...opts, paths: [path.join(ref, 'web1.log')], dataDir: null }, { now, log: () => undefined });
  await a0.start();
  await a0.settle();
  const expected = flushLater(a0).filter((p) => !p.name.startsWith('sotto.'));
  await a0.stop();

  const half = whole.indexOf('\n', whole.length / 2) + 1;
  writeFileSync(log, whole.slice(0, half));
  const a = createTracelogSource(opts, { now: () => 0, log: () => undefined });
  await a.start();
  await a.settle();
  const before = a.flush(0);
  await a.saved();
  t.ok(existsSync(stateFileIn(dataDir)), 'state saved at the flush');
  t.ok(before.some((p) => p.name === 'tracelog.web1.requests.count'), 'some buckets were written before the crash');
  appendFileSync(log, whole.slice(half, half + 500)); // read by the crashing process, after its last save
  await a.settle();
  // kill -9: no stop(), no save. (The test then lets go of the old source's descriptors.)
  t.teardown(() => a.stop());

  appendFileSync(log, whole.slice(half + 500));
  const b = createTracelogSource(opts, { now, log: () => undefined });
  await b.start();
  t.teardown(() => b.stop());
  await b.settle();
  const after = flushLater(b);
  const merged = byKey(before.filter((p) => !p.name.startsWith('sotto.')));
  for (const [k, v] of byKey(after.filter((p) => !p.name.startsWith('sotto.')))) merged.set(k, v);
  t.same(merged, byKey(expected), 'the stored series equal those of a run without crash');
  const rewritten = after.filter((p) => merged.has(`${p.name}@${p.timestamp}`) && byKey(before).has(`${p.name}@${p.timestamp}`) && p.name.endsWith('requests.count'));
  t.ok(rewritten.length > 0, 'the buckets of the flush before the crash were reported again');
  const lines = whole.split('\n').filter(Boolean).length;
  t.equal(value(before, 'sotto.tracelog.records') + value(after, 'sotto.tracelog.records'), lines, 'each line read once after the saved position');
});

t.test('a clean stop saves everything read; the next start carries on', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'trace.log');
  const dataDir = path.join(dir, 'data');
  const opts = { paths: [`web9=${log}`], timeZone: 'UTC', flushIntervalMs: 10_000, latenessMs: 0, dataDir, pollIntervalMs: 3_600_000, futureLimitMs: Infinity };
  writeFileSync(log, requests(0, 10));
  const a = createTracelogSource(opts, { now: () => 0, log: () => undefined });
  await a.start();
  await a.settle();
  const first = a.flush(0);
  await a.stop();
  appendFileSync(log, requests(7, 10, 'q') + `- 0 ${at(30)} end\n`);
  const b = createTracelogSource(opts, { now: () => 0, log: () => undefined });
  await b.start();
  t.teardown(() => b.stop());
  await b.settle();
  const second = b.flush(0);
  t.equal(value([...first, ...second], 'tracelog.web9.requests.count'), 20, 'name= forces the instance; 20 requests in all');
  t.equal(value(second, 'sotto.tracelog.records'), 51);
});

t.test('a state file that is not ours is moved aside, reported, and sotto starts over', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'trace.log');
  const dataDir = path.join(dir, 'data');
  writeFileSync(log, requests(0, 3) + `- 0 ${at(30)} end\n`);
  mkdirSync(path.dirname(stateFileIn(dataDir)), { recursive: true });
  writeFileSync(stateFileIn(dataDir), '{"version": 1, "tail": nonsense');
  const logs: string[] = [];
  const src = createTracelogSource({ paths: [log], timeZone: 'UTC', dataDir, latenessMs: 0, futureLimitMs: Infinity }, { now: () => 0, log: (m) => logs.push(m) });
  await src.start();
  t.teardown(() => src.stop());
  await src.settle();
  t.equal(value(src.flush(0), 'tracelog.trace.requests.count'), 3, 'read from the start');
  t.match(logs.join('\n'), /state\.json: .*moved to .*state\.json\.bad-0, starting over/);
  t.ok(readdirSync(path.dirname(stateFileIn(dataDir))).includes('state.json.bad-0'));
});

t.test('bad lines are all counted, the first few per flush reported', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'trace.log');
  writeFileSync(log, Array.from({ length: 12 }, (_, i) => `garbage ${i}`).join('\n') + '\nB 1 2020-13-01 00:00:00 GET /\n\n');
  const logs: string[] = [];
  const src = createTracelogSource({ paths: [log], timeZone: 'UTC', futureLimitMs: Infinity }, { now: () => 0, log: (m) => logs.push(m) });
  await src.start();
  t.teardown(() => src.stop());
  await src.settle();
  const points = src.flush(0);
  t.same(points.find((p) => p.name === 'sotto.tracelog.bad_lines'), { name: 'sotto.tracelog.bad_lines', value: 13, timestamp: 0 });
  t.equal(logs.length, 5);
  t.match(logs[0], /bad line \(no trace record .*\) from trace: "garbage 0"/);
  t.equal(src.flush(0).find((p) => p.name === 'sotto.tracelog.bad_lines')?.value, 0, 'counted per flush');
});

t.test('a source without paths or port does nothing, and flush works before start', async (t) => {
  const src: TracelogSource = createTracelogSource({ timeZone: 'UTC' }, { log: () => undefined });
  t.same(src.flush(5000).map((p) => p.name), ['sotto.tracelog.records', 'sotto.tracelog.bad_lines', 'sotto.tracelog.late_records', 'sotto.tracelog.orphan_records', 'sotto.tracelog.future_records']);
  await src.start();
  t.equal(src.syslogAddress(), null);
  await src.stop();
});

t.test('a flush stamped in the future (the server stopping) closes only buckets ended by the clock', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'trace.log');
  writeFileSync(log, requests(0, 10)); // 0 s … 6.6 s, bucket [0, 10)
  const wall = { now: T0 + 7_000 };
  const src = createTracelogSource({ paths: [log], timeZone: 'UTC', latenessMs: 0 }, { now: () => wall.now, log: () => undefined });
  await src.start();
  t.teardown(() => src.stop());
  await src.settle();
  t.equal(value(src.flush(T0 + 20_000), 'tracelog.trace.requests.count'), 0, 'at 7 s the bucket has not ended, whatever the stamp');
  wall.now = T0 + 10_500; // 3.5 s of quiet after the last record at 6.6 s: 10.1 s
  t.equal(value(src.flush(T0 + 20_000), 'tracelog.trace.requests.count'), 10);
});
