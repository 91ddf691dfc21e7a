// Real trace logs from zc.zservertracelog and zc.resumelb (../shared/fixtures/tracelog/), and the
// report zc.zservertracelog's own tracereport printed for the first one.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TraceIngest } from '../../lib/tracelog/ingest.js';
import { intervalPoints } from '../../lib/tracelog/names.js';
import { IN_APP, RequestTracker, type IntervalReport } from '../../lib/tracelog/requests.js';
import { LocalTime } from '../../lib/tracelog/zone.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/tracelog');
const sampleLines = readFileSync(path.join(FIXTURES, 'zc-zservertracelog-sample.log'), 'latin1').split('\n').filter(Boolean);

interface Run {
  reports: IntervalReport[];
  tracker: RequestTracker;
  ingest: TraceIngest;
  /** In-flight requests per instance after the last record. */
  inflight: Map<string, { phase: number; tB: number }[]>;
}

function run(lines: string[], intervalMs: number, fallback = 'sample'): Run {
  const tracker = new RequestTracker({ intervalMs, latenessMs: 0, stuckLimitMs: 3_600_000, idleLimitMs: intervalMs, now: () => 0 });
  const ingest = new TraceIngest(tracker, new LocalTime('UTC'));
  for (const l of lines) ingest.line(l, { fallback, forced: null });
  const inflight = new Map<string, { phase: number; tB: number }[]>();
  for (const [name, st] of tracker.instances) inflight.set(name, [...st.inflight.values()].map((r) => ({ phase: r.phase, tB: r.tB })));
  return { reports: tracker.close(1e15), tracker, ingest, inflight };
}

interface ReportRow {
  minute: string;
  req: number;
  phases: [number, number, number, number];
  n: number;
  meanTotal: string | null;
  meanApp: string | null;
}

function tracereportRows(): { rows: ReportRow[]; leftOver: string[] } {
  const text = readFileSync(path.join(FIXTURES, 'zc-zservertracelog-sample.tracereport.txt'), 'utf8');
  const rows: ReportRow[] = [];
  const re = /^(\d{4}-\d\d-\d\d \d\d:\d\d)\s+(\d+) I=\s*(\d+) W=\s*(\d+) A=\s*(\d+) O=\s*(\d+)(?: N=\s*(\d+)\s+([\d.]+)\s+([\d.]+))?$/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    rows.push({
      minute: m[1]!, req: +m[2]!, phases: [+m[3]!, +m[4]!, +m[5]!, +m[6]!], n: m[7] ? +m[7] : 0, meanTotal: m[8] ?? null, meanApp: m[9] ?? null,
    });
  }
  const after = text.split('Left over:\n')[1]!.split('\n\n')[0]!;
  return { rows, leftOver: after.split('\n').filter(Boolean) };
}

const minuteOf = (r: IntervalReport): string => new Date(r.startMs).toISOString().slice(0, 16).replace('T', ' ');
const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);

t.test("the zc.zservertracelog sample reproduces tracereport's minute table", async (t) => {
  const { rows, leftOver } = tracereportRows();
  t.equal(rows.length, 7, 'tracereport printed 7 minutes (15:47-15:53; the last minute never gets a row)');
  const { reports, inflight } = run(sampleLines, 60_000);
  const byMinute = new Map(reports.map((r) => [minuteOf(r), r]));
  for (const row of rows) {
    const r = byMinute.get(row.minute)!;
    t.ok(r, `a bucket for ${row.minute}`);
    // req = open requests (B without E) and I/W/A/O = the phases, sampled at the minute's end.
    t.equal(r.gauges.active, row.req, `${row.minute} req`);
    t.same(r.gauges.phases, row.phases, `${row.minute} I/W/A/O`);
    t.equal(r.gauges.backlog, row.phases[1], `${row.minute} backlog is W`);
    // N = requests whose E fell in the minute; mean total = mean B→E over them.
    t.equal(r.bucket.requests, row.n, `${row.minute} N`);
    if (row.n > 0) t.equal((sum(r.bucket.total) / row.n / 1000).toFixed(2), row.meanTotal, `${row.minute} mean total`);
  }
  // Mean app does not map one to one: tracereport averages C→A over the requests that ENDED in the
  // minute, sotto puts each C→A in the bucket of its A (as ZC's graphs did for max rpm). Where a
  // request's A and E fall in different minutes the split differs (15:51 → 15:52 here); over the
  // whole table the same app seconds are counted.
  let ourApp = 0;
  let theirApp = 0;
  for (const row of rows) {
    const r = byMinute.get(row.minute)!;
    ourApp += sum(r.bucket.app) / 1000;
    theirApp += row.n * Number(row.meanApp ?? 0);
    if (r.bucket.app.length === row.n && row.n > 0 && row.minute !== '2009-07-30 15:51' && row.minute !== '2009-07-30 15:52') {
      t.equal((sum(r.bucket.app) / row.n / 1000).toFixed(2), row.meanApp, `${row.minute} mean app`);
    }
  }
  const straddling = byMinute.get('2009-07-30 15:51')!;
  t.equal(straddling.bucket.app.length, straddling.bucket.requests + 1, '15:51 has one A whose E came in 15:52');
  t.ok(Math.abs(ourApp - theirApp) < 0.005 * sampleLines.length, `same app seconds overall (${ourApp.toFixed(3)} vs ${theirApp.toFixed(3)})`);
  // "Left over:" lists requests still in the application at the end, age = last record − B.
  t.equal(leftOver.length, 1);
  const [age, url] = leftOver[0]!.split(' ');
  t.equal(url, '/submit-photo');
  const lastUs = Math.max(...sampleLines.map((l) => {
    const [d, tm] = l.split(' ').slice(2, 4);
    const [hms, frac = '0'] = tm!.split('.');
    return Date.parse(`${d}T${hms}Z`) * 1000 + Number(frac.padEnd(6, '0'));
  }));
  const inApp = inflight.get('sample')!.filter((r) => r.phase === IN_APP);
  t.same(inApp.map((r) => ((lastUs - r.tB) / 1e6).toFixed(6)), [age], 'the one request left in the application, same age');
});

t.test('the sample as points: names, bucket-end timestamps and the per-thread max rate', async (t) => {
  const { reports } = run(sampleLines, 60_000);
  const points = intervalPoints(reports, { intervalMs: 60_000, percentThreshold: [90] });
  const at1548 = Date.UTC(2009, 6, 30, 15, 48) / 1000;
  const get = (name: string, ts: number): number | undefined => points.find((p) => p.name === name && p.timestamp === ts)?.value;
  t.equal(get('tracelog.sample.requests.count', at1548), 1, 'the 15:47 bucket is stamped with its end, 15:48');
  t.equal(get('tracelog.sample.requests.rate', at1548), 1 / 60);
  t.equal(get('tracelog.sample.active.last', at1548), 1);
  t.equal(get('tracelog.sample.timers.app.count', at1548), 1);
  t.equal(get('tracelog.sample.timers.app.upper', at1548), 638.26, 'C→A of /columns/t-jansen in ms');
  t.equal(get('tracelog.sample.max_rate', at1548), 1 / 0.63826, 'one request per 0.63826 s of app time');
  const at1550 = at1548 + 120;
  t.equal(get('tracelog.sample.errors.count', at1550), 1, 'the 500 of /constellations/andromeda.html ended at 15:49');
  t.equal(get('tracelog.sample.bytes.output.sum', at1550), 84 + 9229 + 17 + 6169);
});

t.test("resumelb's worker records: full status lines, application codes, S and X", async (t) => {
  const lines = readFileSync(path.join(FIXTURES, 'resumelb-worker.log'), 'latin1').split('\n').filter(Boolean);
  t.equal(lines.length, 19);
  const { reports, ingest, tracker } = run(lines, 10_000, 'worker');
  t.equal(ingest.badLines, 0, 'T and - records are records');
  t.equal(tracker.orphans, 0);
  t.equal(reports.length, 1);
  const b = reports[0]!.bucket;
  t.same(
    { requests: b.requests, errors: b.errors, restarts: b.restarts, dropped: b.dropped, bytesIn: b.bytesIn, bytesOut: b.bytesOut },
    { requests: 2, errors: 0, restarts: 2, dropped: 1, bytesIn: 42, bytesOut: 1332 + 12 + 79 },
    '0.11 and 1.22 complete; 0.22 (no E in the doctest) is dropped at X',
  );
  t.same(b.input.sort(), [0, 10, 30].sort(), 'B→I of 1.22, 0.22, 0.11 in ms');
  t.same(b.wait.sort(), [0, 0]);
  t.same(b.app.sort(), [0, 10], '0.11 has no C: no app time');
  t.same(b.total.sort(), [0, 30]);
  t.same(b.output, [0, 0]);
  const points = intervalPoints(reports, { intervalMs: 10_000, percentThreshold: [90] });
  t.equal(points.find((p) => p.name === 'tracelog.worker.max_rate')?.value, 200, '2 requests in 10 ms of app time');
});

t.test('Zope 2 lines (no C): requests, errors and totals, but no backlog, wait, app or max rate', async (t) => {
  const lines = [
    'B 140234567 2007-04-27T20:16:55 GET /foo/bar?x=1',
    'I 140234567 2007-04-27T20:16:55 0',
    'B 140234999 2007-04-27T20:16:56 POST /edit',
    'I 140234999 2007-04-27T20:16:56 2048',
    'A 140234567 2007-04-27T20:16:56 200 5123',
    'E 140234567 2007-04-27T20:16:56',
    'A 140234999 2007-04-27T20:16:58 500 310',
    'E 140234999 2007-04-27T20:16:58',
  ];
  const { reports } = run(lines, 10_000, 'zope2');
  const points = intervalPoints(reports, { intervalMs: 10_000, percentThreshold: [90] });
  const names = new Set(points.map((p) => p.name));
  t.notOk([...names].some((n) => n.includes('.backlog.')), 'no backlog series');
  t.notOk(names.has('tracelog.zope2.max_rate'), 'no max rate without C→A');
  const v = (n: string): number | undefined => points.find((p) => p.name === `tracelog.zope2.${n}`)?.value;
  t.same([v('requests.count'), v('errors.count'), v('timers.total.upper'), v('timers.app.count'), v('bytes.input.sum')], [2, 1, 2000, 0, 2048]);
  t.same([v('active.last'), v('active.max')], [0, 2]);
});

t.test('syslog-prefixed copies of the sample give the same numbers under the prefix instance', async (t) => {
  const plain = run(sampleLines, 60_000).reports;
  const strip = (rs: IntervalReport[]): unknown[] => rs.map((r) => ({ ...r, instance: '' }));
  const stamp = (l: string): string => l.split(' ').slice(2, 4).join(' ');
  const variants: [string, (l: string) => string, string][] = [
    ['BSD', (l) => `Jul 30 ${stamp(l).slice(11, 19)} app1 zope[4242]: ${l}`, 'app1__zope'],
    ['RFC 3339', (l) => `${stamp(l).replace(' ', 'T').slice(0, 19)}-04:00 app1.example.com zope: ${l}`, 'app1_example_com__zope'],
    ['RFC 5424', (l) => `<134>1 ${stamp(l).replace(' ', 'T').slice(0, 19)}Z app1 zope 4242 - - ${l}`, 'app1__zope'],
    ['ZC syslog-ng 3', (l) => `app1 acme instance1 : ${l}`, 'app1__acme__instance1'],
    ['ZC syslog-ng 2', (l) => `app1 acme instance1 ${l}`, 'app1__acme__instance1'],
  ];
  for (const [name, prefix, instance] of variants) {
    const { reports, ingest } = run(sampleLines.map(prefix), 60_000);
    t.equal(ingest.badLines, 0, `${name}: no bad lines`);
    t.ok(reports.every((r) => r.instance === instance), `${name}: instance ${instance}`);
    t.same(strip(reports), strip(plain), `${name}: same buckets`);
  }
  // Two instances interleaved in one syslog-ng file keep separate state.
  const mixed: string[] = [];
  for (const l of sampleLines) mixed.push(`app1 acme i1 : ${l}`, `app2 acme i2 : ${l}`);
  const both = run(mixed, 60_000).reports;
  t.same(strip(both.filter((r) => r.instance === 'app1__acme__i1')), strip(plain));
  t.same(strip(both.filter((r) => r.instance === 'app2__acme__i2')), strip(plain));
});
