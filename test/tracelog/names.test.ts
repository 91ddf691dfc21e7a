import t from 'tap';
import { intervalPoints } from '../../lib/tracelog/names.js';
import { emptyBucket, type IntervalReport } from '../../lib/tracelog/requests.js';

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
