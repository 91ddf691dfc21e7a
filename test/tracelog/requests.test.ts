// The request state machine, its saved state, and the points a closed interval becomes.
import t from 'tap';
import { TraceIngest } from '../../lib/tracelog/ingest.js';
import { RequestTracker, emptyBucket, type IntervalReport, type RequestTrackerOptions } from '../../lib/tracelog/requests.js';
import { restoreTracker, snapshotTracker } from '../../lib/tracelog/requests-state.js';
import { LocalTime } from '../../lib/tracelog/zone.js';
import { intervalPoints } from '../../lib/tracelog/names.js';

const T0 = Date.UTC(2020, 0, 1); // 2020-01-01 00:00:00 UTC, a multiple of every interval used here

/** `ts` seconds after T0 as a trace timestamp (UTC wall clock). */
function at(seconds: number): string {
  const ms = T0 + Math.round(seconds * 1e6) / 1e3;
  const iso = new Date(Math.floor(ms)).toISOString();
  const micros = String(Math.round(seconds * 1e6) % 1e6).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros}`;
}

interface Harness {
  tracker: RequestTracker;
  feed: (...lines: string[]) => void;
  wall: { now: number };
  close: (wallMs?: number) => IntervalReport[];
}

function harness(opts: Partial<RequestTrackerOptions> = {}, tracker?: RequestTracker): Harness {
  const wall = { now: 1_000_000 };
  const tr = tracker ?? new RequestTracker({
    intervalMs: 10_000, latenessMs: 0, stuckLimitMs: 3_600_000, idleLimitMs: 3_600_000, now: () => wall.now, ...opts,
  });
  const ingest = new TraceIngest(tr, new LocalTime('UTC'));
  return {
    tracker: tr,
    wall,
    feed: (...lines) => { for (const l of lines) ingest.line(l, { fallback: 'i', forced: null }); },
    close: (wallMs = wall.now) => tr.close(wallMs),
  };
}

const startSec = (r: IntervalReport): number => (r.startMs - T0) / 1000;

t.test('one request yields the five durations, bytes and gauges in the buckets of their ending records', async (t) => {
  const h = harness();
  h.feed(
    `B 7 ${at(1)} GET /x`, `I 7 ${at(1.5)} 42`, `C 7 ${at(2)}`, `D 7 ${at(3)} 4 2`, `A 7 ${at(4)} 200 1332`, `E 7 ${at(4.25)}`,
    `- 7 ${at(11)} note`,
  );
  const [r, ...rest] = h.close();
  t.equal(rest.length, 0, 'only the first bucket has ended');
  t.equal(startSec(r!), 0);
  const b = r!.bucket;
  t.same(
    { requests: b.requests, errors: b.errors, input: b.input, wait: b.wait, app: b.app, output: b.output, total: b.total },
    { requests: 1, errors: 0, input: [500], wait: [500], app: [2000], output: [250], total: [3250] },
  );
  t.same([b.bytesIn, b.bytesOut, b.appUs], [42, 1332, 2_000_000]);
  t.same(r!.gauges, { active: 0, maxActive: 1, backlog: 0, maxBacklog: 1, phases: [0, 0, 0, 0] });
  t.equal(r!.backlogMeasured, true);
});

t.test('gauges are the state at each bucket end and the most within the bucket', async (t) => {
  const h = harness();
  h.feed(
    `B 1 ${at(1)} GET /a`, `I 1 ${at(1)} 0`, // waiting
    `B 2 ${at(2)} GET /b`, `I 2 ${at(2)} 0`, `C 2 ${at(3)}`, // in app
    `B 3 ${at(4)} GET /c`, `I 3 ${at(4)} 0`, `C 3 ${at(5)}`, `A 3 ${at(6)} 200 1`, `E 3 ${at(7)}`,
    `C 1 ${at(12)}`, `A 1 ${at(13)} 500 2`, `E 1 ${at(14)}`,
    `A 2 ${at(25)} Error: boom`, `E 2 ${at(25)}`,
    `S 0 ${at(31)}`,
  );
  const got = h.close().map((r) => [startSec(r), r.gauges.active, r.gauges.maxActive, r.gauges.backlog, r.gauges.maxBacklog, r.bucket.requests, r.bucket.errors]);
  t.same(got, [
    [0, 2, 3, 1, 2, 1, 0],
    [10, 1, 2, 0, 1, 1, 1],
    [20, 0, 1, 0, 0, 1, 1],
  ]);
});

t.test('a new B on a live id replaces the old request, as on a keep-alive connection', async (t) => {
  const h = harness();
  h.feed(`B 9 ${at(1)} GET /a`, `I 9 ${at(1.1)} 0`, `B 9 ${at(2)} GET /b`, `I 9 ${at(2.1)} 0`, `C 9 ${at(2.2)}`, `A 9 ${at(2.3)} 200 5`, `E 9 ${at(2.5)}`, `- 0 ${at(10)} tick`);
  const [r] = h.close();
  t.equal(r!.bucket.replaced, 1);
  t.equal(r!.bucket.requests, 1);
  t.same(r!.bucket.total, [500], 'the total runs from the second B');
  t.same([r!.gauges.active, r!.gauges.maxActive, r!.gauges.backlog, r!.gauges.maxBacklog], [0, 1, 0, 1]);
});

t.test('S and X drop what is in flight, count a restart, and later records of old ids are ignored', async (t) => {
  const h = harness();
  h.feed(`B 1 ${at(1)} GET /a`, `I 1 ${at(1)} 0`, `B 2 ${at(2)} GET /b`, `X 0 ${at(3)}`, `S 0 ${at(4)}`, `E 1 ${at(5)}`, `B 3 ${at(6)} GET /c`, `- 0 ${at(10)} tick`);
  const [r] = h.close();
  t.same([r!.bucket.restarts, r!.bucket.dropped, r!.bucket.requests], [2, 2, 0]);
  t.same([r!.gauges.active, r!.gauges.maxActive], [1, 2]);
  t.equal(h.tracker.orphans, 1);
});

t.test('requests stuck past the limit are expired at a bucket end and counted there', async (t) => {
  const h = harness({ stuckLimitMs: 25_000 });
  h.feed(`B 1 ${at(1)} GET /hang`, `I 1 ${at(1)} 0`, `C 1 ${at(2)}`, `B 2 ${at(3)} POST /cancelled`);
  for (let s = 10; s <= 40; s += 10) h.feed(`- 0 ${at(s)} tick`);
  const got = h.close().map((r) => [startSec(r), r.bucket.expired, r.gauges.active, r.gauges.maxActive]);
  t.same(got, [[0, 0, 2, 2], [10, 0, 2, 2], [20, 2, 0, 2], [30, 0, 0, 0]], 'expired at 30 s: both began at least 25 s before');
});

t.test('Zope 2 logs (no C) do not report a backlog and cannot pile one up', async (t) => {
  const h = harness();
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const s = i * 0.1;
    lines.push(`B ${i % 7} ${at(s)} GET /z`, `I ${i % 7} ${at(s + 0.01)} 0`, `A ${i % 7} ${at(s + 0.05)} 200 10`, `E ${i % 7} ${at(s + 0.06)}`);
  }
  h.feed(...lines.map((l) => l.replace(' ', ' ').replace(/(\d{4}-\d\d-\d\d) /, '$1T')), `- 0 ${at(400)} end`);
  const reports = h.close();
  t.equal(reports.length, 40, '30 buckets of traffic, then zeros up to the record at 400 s');
  t.ok(reports.every((r) => !r.backlogMeasured), 'backlog is not measurable without C');
  t.ok(reports.every((r) => r.gauges.backlog === 0 && r.gauges.maxBacklog <= 1), 'the waiting phase empties at A');
  t.equal(reports.reduce((n, r) => n + r.bucket.requests, 0), 3000);
  t.ok(reports.every((r) => r.bucket.app.length === 0 && r.bucket.wait.length === 0), 'no C: no wait or app time');
});

t.test('an out-of-order E within the lateness lands in its own bucket without a reset', async (t) => {
  const h = harness({ latenessMs: 5_000 });
  h.feed(`B 1 ${at(8)} GET /a`, `I 1 ${at(8)} 0`, `C 1 ${at(8.5)}`, `A 1 ${at(9)} 200 1`, `B 2 ${at(11)} GET /b`, `E 1 ${at(9.5)}`, `E 2 ${at(12)}`, `- 0 ${at(26)} t`);
  const [r0, r1, ...rest] = h.close();
  t.equal(rest.length, 0);
  t.equal(r0!.bucket.requests, 1, 'E at 9.5 counts in [0,10) although read after a record at 11');
  t.same(r0!.bucket.total, [1500]);
  t.same([r1!.bucket.requests, r1!.bucket.input, r1!.bucket.total], [1, [], [1000]], 'a request without I still completes');
  t.equal(h.tracker.late, 0);
  t.same([r0!.gauges.active, r0!.gauges.maxActive], [1, 1], 'gauges follow file order: 1 was still open when 11 arrived');
});

t.test('a record for an already reported bucket is counted in the oldest open one', async (t) => {
  const h = harness();
  h.feed(`B 1 ${at(1)} GET /a`, `- 0 ${at(12)} t`);
  t.equal(h.close().length, 1);
  h.feed(`E 1 ${at(5)}`, `- 0 ${at(22)} t`);
  const [r] = h.close();
  t.equal(startSec(r!), 10);
  t.equal(r!.bucket.requests, 1);
  t.equal(h.tracker.late, 1);
});

t.test('a quiet instance closes its buckets by the wall clock, with zeros, until the idle limit', async (t) => {
  const h = harness({ latenessMs: 2_000, idleLimitMs: 30_000 });
  h.feed(`B 1 ${at(1)} GET /a`, `E 1 ${at(3)}`);
  t.same(h.close(), [], 'nothing has ended yet');
  h.wall.now += 11_000; // clock = 3 s + 11 s = 14 s; minus 2 s lateness: [0,10) has ended
  t.same(h.close().map(startSec), [0]);
  h.wall.now += 100_000;
  t.same(h.close().map(startSec), [10, 20], 'zeros up to 30 s after the last record, then silence');
  t.equal(h.tracker.instances.size, 0, 'the idle instance is forgotten');
  h.feed(`B 2 ${at(200)} GET /b`, `E 2 ${at(201)}`, `- 0 ${at(215)} t`);
  t.same(h.close().map(startSec), [200]);
});

t.test('a silence longer than the idle limit inside the log reports nothing for the gap', async (t) => {
  const h = harness({ idleLimitMs: 20_000, stuckLimitMs: 50_000 });
  h.feed(`B 1 ${at(1)} GET /a`, `B 2 ${at(2)} GET /hang`, `E 1 ${at(3)}`, `B 3 ${at(100)} GET /b`, `E 3 ${at(101)}`, `- 0 ${at(110)} t`);
  const got = h.close().map((r) => [startSec(r), r.bucket.requests, r.bucket.expired, r.gauges.active]);
  t.same(got, [[0, 1, 0, 1], [10, 0, 0, 1], [100, 1, 1, 0]], 'the hang expired in the gap is counted in the next bucket');
});

t.test('state saved as JSON and restored carries on exactly like an uninterrupted tracker', async (t) => {
  const seed = 424242;
  let x = seed;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const lines: string[] = [];
  const open: { id: number; next: number }[] = [];
  let s = 0;
  for (let n = 0; n < 4000; n++) {
    s += rnd() * 0.5;
    if (rnd() < 0.4 || open.length === 0) {
      const id = Math.floor(rnd() * 50);
      lines.push(`B ${id} ${at(s)} GET /${id}`);
      open.push({ id, next: 1 });
    } else {
      const k = Math.floor(rnd() * open.length);
      const req = open[k]!;
      const code = 'ICAE'[req.next - 1]!;
      lines.push(`${code} ${req.id} ${at(s)} ${code === 'A' ? (rnd() < 0.1 ? '503 ?' : '200 12') : code === 'I' ? '7' : ''}`.trimEnd());
      if (++req.next > 4) open.splice(k, 1);
    }
    if (rnd() < 0.002) lines.push(`S 0 ${at(s)}`);
  }
  const opts = { latenessMs: 3_000, stuckLimitMs: 60_000, idleLimitMs: 600_000 };
  const whole = harness(opts);
  whole.feed(...lines);
  const expected = whole.close(whole.wall.now + 1e9);

  for (const cut of [1, 1234, 2500, 3999]) {
    const first = harness(opts);
    first.feed(...lines.slice(0, cut));
    const before = first.close();
    const saved = JSON.parse(JSON.stringify(snapshotTracker(first.tracker)));
    const second = harness(opts, undefined);
    const restored = restoreTracker(saved, { ...second.tracker.options });
    const again = harness(opts, restored);
    again.feed(...lines.slice(cut));
    const after = again.close(again.wall.now + 1e9);
    t.same([...before, ...after], expected, `cut at line ${cut} (seed ${seed})`);
  }
});

t.test('restoring with another interval keeps in-flight requests and drops open buckets', async (t) => {
  const h = harness();
  h.feed(`B 1 ${at(1)} GET /a`, `I 1 ${at(2)} 0`);
  const saved = JSON.parse(JSON.stringify(snapshotTracker(h.tracker)));
  const restored = restoreTracker(saved, { ...h.tracker.options, intervalMs: 60_000 });
  const h2 = harness({}, restored);
  h2.feed(`C 1 ${at(3)}`, `A 1 ${at(4)} 200 1`, `E 1 ${at(5)}`, `- 0 ${at(61)} t`);
  const [r] = h2.close();
  t.same([r!.bucket.requests, r!.bucket.total[0], r!.endMs - r!.startMs], [1, 4000, 60_000]);
  t.throws(() => restoreTracker({ version: 2 }, h.tracker.options), /not a version 1 tracker state/);
});

// ---- points ----

const END = 1_700_000_010; // seconds

function report(instance: string, fill: (r: IntervalReport) => void): IntervalReport {
  const bucket = emptyBucket((END - 10) * 1e6);
  const r: IntervalReport = {
    instance, startMs: (END - 10) * 1000, endMs: END * 1000, bucket,
    gauges: { active: 0, maxActive: 0, backlog: 0, maxBacklog: 0, phases: [0, 0, 0, 0] }, backlogMeasured: true,
  };
  fill(r);
  return r;
}

t.test('one interval becomes exactly these points, stamped with its end', async (t) => {
  const r = report('app1__acme__web1', (r) => {
    Object.assign(r.bucket, { requests: 2, errors: 1, app: [300, 100], appUs: 400_000, total: [400, 150], bytesIn: 42, bytesOut: 1332, restarts: 1, dropped: 3, expired: 4, replaced: 5 });
    r.gauges = { active: 1, maxActive: 3, backlog: 0, maxBacklog: 2, phases: [0, 0, 1, 0] };
  });
  const got = intervalPoints([r], { intervalMs: 10_000, percentThreshold: [90] }).map((p) => `${p.name} ${p.value} ${p.timestamp}`);
  const p = 'tracelog.app1__acme__web1.';
  const idle = (phase: string): string[] => [`${p}timers.${phase}.count_ps 0 ${END}`, `${p}timers.${phase}.count 0 ${END}`];
  const timer = (phase: string, v: Record<string, number>): string[] => Object.entries(v).map(([k, x]) => `${p}timers.${phase}.${k} ${x} ${END}`);
  t.same(got, [
    `${p}requests.count 2 ${END}`,
    `${p}requests.rate 0.2 ${END}`,
    `${p}errors.count 1 ${END}`,
    `${p}errors.rate 0.1 ${END}`,
    `${p}active.last 1 ${END}`,
    `${p}active.max 3 ${END}`,
    `${p}backlog.last 0 ${END}`,
    `${p}backlog.max 2 ${END}`,
    `${p}max_rate 5 ${END}`,
    ...idle('input'),
    ...idle('wait'),
    ...timer('app', {
      count_90: 2, mean_90: 200, upper_90: 300, sum_90: 400, sum_squares_90: 100000,
      std: 100, upper: 300, lower: 100, count: 2, count_ps: 0.2, sum: 400, sum_squares: 100000, mean: 200, median: 200,
    }),
    ...idle('output'),
    ...timer('total', {
      count_90: 2, mean_90: 275, upper_90: 400, sum_90: 550, sum_squares_90: 182500,
      std: 125, upper: 400, lower: 150, count: 2, count_ps: 0.2, sum: 550, sum_squares: 182500, mean: 275, median: 275,
    }),
    `${p}bytes.input.sum 42 ${END}`,
    `${p}bytes.output.sum 1332 ${END}`,
    `${p}restarts.count 1 ${END}`,
    `${p}dropped.count 3 ${END}`,
    `${p}expired.count 4 ${END}`,
    `${p}replaced.count 5 ${END}`,
  ]);
});

t.test('no backlog without C records, no max rate without application time', async (t) => {
  const r = report('zope2', (r) => {
    r.backlogMeasured = false;
    Object.assign(r.bucket, { requests: 1, total: [20] });
  });
  const names = intervalPoints([r], { intervalMs: 10_000, percentThreshold: [90] }).map((p) => p.name);
  t.notOk(names.some((n) => n.includes('backlog') || n.endsWith('max_rate')));
  t.ok(names.includes('tracelog.zope2.timers.total.median'));
  const zeroApp = report('x', (r) => Object.assign(r.bucket, { app: [0], appUs: 0 }));
  t.notOk(intervalPoints([zeroApp], { intervalMs: 10_000, percentThreshold: [90] }).some((p) => p.name.endsWith('max_rate')), 'zero app seconds: no rate (ZC skipped it too)');
});

t.test('a record stamped far ahead of the wall clock is dropped and counted; it does not make the true ones late', async (t) => {
  const h = harness({ futureLimitMs: 600_000 });
  h.wall.now = T0 + 30_000;
  h.feed(`B 1 ${at(3600)} GET /bogus`, `E 1 ${at(3600.1)}`); // an hour ahead: a bad clock on one line
  h.feed(`B 2 ${at(1)} GET /x`, `E 2 ${at(2)}`, `B 3 ${at(12)} GET /y`, `E 3 ${at(13)}`);
  t.equal(h.tracker.future, 2);
  t.equal(h.tracker.late, 0);
  const reports = h.close(T0 + 60_000);
  t.same(reports.filter((r) => r.bucket.requests > 0).map((r) => [startSec(r), r.bucket.requests]), [[0, 1], [10, 1]], 'both true requests in their own buckets');
  h.wall.now = T0 + 3_590_000;
  h.feed(`B 4 ${at(3600)} GET /soon`); // within the limit once the clock has come closer
  t.equal(h.tracker.future, 2);

  // Without a limit (the pure core's default) the same line holds the instance's clock an hour ahead.
  const unlimited = harness();
  unlimited.wall.now = T0 + 30_000;
  unlimited.feed(`B 1 ${at(3600)} GET /bogus`, `E 1 ${at(3600.1)}`, `B 2 ${at(1)} GET /x`, `E 2 ${at(2)}`);
  t.equal(unlimited.tracker.late, 2, 'what the limit prevents');
});

t.test('an instance whose saved clock is far ahead of the wall clock starts afresh', async (t) => {
  const before = harness();
  before.wall.now = T0 + 30_000;
  before.feed(`B 1 ${at(1)} GET /x`, `E 1 ${at(7200)}`); // saved by a version without the limit, or before the host's clock went back
  before.close(T0 + 40_000); // its clock: 7,200 s + 10 s
  const state = JSON.parse(JSON.stringify(snapshotTracker(before.tracker)));
  const wall = { now: T0 + 40_000 };
  const restored = restoreTracker(state, { intervalMs: 10_000, latenessMs: 0, stuckLimitMs: 3_600_000, idleLimitMs: 3_600_000, futureLimitMs: 600_000, now: () => wall.now });
  const h = harness({}, restored);
  h.wall.now = wall.now;
  h.feed(`B 5 ${at(31)} GET /y`, `E 5 ${at(32)}`);
  t.equal(restored.restarted, 1);
  t.equal(restored.late, 0);
  t.same(h.close(T0 + 50_000).map((r) => [startSec(r), r.bucket.requests]), [[30, 1]]);
});
