// The Requests view is only Graphite expressions, so it must mean the same in the real
// graphite-web 1.1.8 (what Grafana users point at) as in sotto, and both must compute what the
// view documents: R = Σ rate, M = threads × Σ keepLastValue(max_rate, 30), headroom =
// (M − R)/M × 100, mean app time = Σ sum / Σ count, percentiles = the worst instance's.
// The expected numbers are computed here from the fixture's definitions, not from either server.
import t from 'tap';
import { needOracle, request, startApp, startOracle, tempDir } from '../http/support/harness.js';
import { writeWhisperFixture, whisperAvailable, type FixtureSeries } from '../e2e/support/fixtures.js';
import { needPeer } from '../e2e/support/browser.js';
import { KEEP_LAST, requestsGraphs } from '../../public/src/requests.js';

const STEP = 10;
const N = 60;
const APP_STATS = ['count', 'sum', 'mean', 'median', 'upper', 'upper_95'];
type V = number | null;

/** Three instances: two zope.server-like ones and a Zope 2 one (no C: no max_rate, no backlog, no app time). */
const FIXTURE: Record<string, Record<string, (i: number) => V>> = {
  web1: {
    'requests.rate': (i) => (i === 40 || i === 41 ? null : 5 + (i % 4)),
    max_rate: (i) => (i >= 10 && i <= 12 ? null : 20 + (i % 5)),
    'backlog.last': (i) => i % 3,
    'errors.rate': (i) => (i % 6 === 0 ? 0.5 : 0),
    'timers.app.count': (i) => 10 * (5 + (i % 4)),
    'timers.app.sum': (i) => 10 * (5 + (i % 4)) * (40 + (i % 5)),
    'timers.app.upper_95': (i) => 80 + (i % 7),
  },
  web2: {
    'requests.rate': (i) => 2 + (i % 3),
    // a short gap (bridged by keepLastValue) and one longer than KEEP_LAST points (not bridged)
    max_rate: (i) => ((i >= 20 && i <= 22) || (i >= 24 && i < 24 + KEEP_LAST + 4) ? null : 8 + (i % 2)),
    'backlog.last': () => 1,
    'errors.rate': (i) => 0.1 * (i % 2),
    'timers.app.count': (i) => 10 * (2 + (i % 3)),
    'timers.app.sum': (i) => 10 * (2 + (i % 3)) * 80,
    'timers.app.upper_95': (i) => (i % 10 === 0 ? 200 : 70),
  },
  zope2: {
    'requests.rate': () => 3,
    'errors.rate': () => 0,
    'timers.total.count': () => 30,
    'timers.total.sum': () => 30 * 120,
  },
};

function fixtureSeries(t0: number): FixtureSeries[] {
  return Object.entries(FIXTURE).flatMap(([inst, metrics]) =>
    Object.entries(metrics).map(([name, f]) => ({
      name: `tracelog.${inst}.${name}`,
      retentions: [[STEP, 360]] as Array<[number, number]>,
      points: Array.from({ length: N }, (_, i) => [t0 + STEP * i, f(i)] as [number, V]).filter((p): p is [number, number] => p[1] !== null),
    })),
  );
}

/** graphite's keepLastValue(limit): runs of at most `limit` nulls after a value take that value. */
function keepLastValue(values: V[], limit: number): V[] {
  const out = values.slice();
  let run = 0;
  for (let i = 1; i <= out.length; i++) {
    if (i < out.length && out[i] === null) {
      run++;
      continue;
    }
    if (run > 0 && run <= limit && out[i - run - 1] !== null) for (let k = i - run; k < i; k++) out[k] = out[i - run - 1]!;
    run = 0;
  }
  return out;
}

const sum = (xs: V[]): V => (xs.every((x) => x === null) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0));

/** The documented values at steps 0…N (the fixture has points at 0…N-1; graphite reads up to N). */
function expected(insts: string[], threads: number): Record<string, V[]> {
  const col = (name: string) => insts.filter((i) => FIXTURE[i]![name]).map((i) => Array.from({ length: N + 1 }, (_, k) => (k < N ? FIXTURE[i]![name]!(k) : null)));
  const at = (cols: V[][], k: number) => cols.map((c) => c[k]!);
  const steps = Array.from({ length: N + 1 }, (_, k) => k);
  const rates = col('requests.rate');
  const caps = col('max_rate').map((c) => keepLastValue(c, KEEP_LAST));
  const R = steps.map((k) => sum(at(rates, k)));
  const M = steps.map((k) => {
    const m = sum(at(caps, k));
    return m === null ? null : m * threads;
  });
  const H = steps.map((k) => (R[k] === null || M[k] === null || M[k] === 0 ? null : 100 - (100 * R[k]!) / M[k]!));
  const sums = col('timers.app.sum');
  const counts = col('timers.app.count');
  const mean = steps.map((k) => {
    const s = sum(at(sums, k));
    const c = sum(at(counts, k));
    return s === null || c === null || c === 0 ? null : s / c;
  });
  const p95 = steps.map((k) => {
    const xs = at(col('timers.app.upper_95'), k).filter((x): x is number => x !== null);
    return xs.length ? Math.max(...xs) : null;
  });
  return { rate: R, capacity: M, headroom: H, mean, p95 };
}

interface Json {
  target: string;
  datapoints: Array<[V, number]>;
}

const close = (a: V, b: V) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));

if (needOracle(t) && needPeer(t, "Debian's python3-whisper", whisperAvailable(), 'apt-get install -y python3-whisper')) {
  const T0 = Math.floor(Date.now() / 60_000) * 60 - 30 * 60;
  const dir = tempDir(t, 'sotto-requests-');
  writeWhisperFixture(dir, fixtureSeries(T0));
  const [oracle, sotto] = await Promise.all([startOracle(t, dir), startApp(t, dir)]);
  const window = `from=${T0}&until=${T0 + N * STEP}`;

  const cases: Array<{ glob: string; insts: string[]; threads: number }> = [
    { glob: 'web1', insts: ['web1'], threads: 1 },
    { glob: '{web1,web2}', insts: ['web1', 'web2'], threads: 3 },
    { glob: '*', insts: ['web1', 'web2', 'zope2'], threads: 1 },
  ];
  for (const { glob, insts, threads } of cases) {
    t.test(`${glob} with ${threads} thread(s): graphite-web and sotto agree, and compute the documented numbers`, async (t) => {
      const graphs = requestsGraphs(glob, { threads, appStats: APP_STATS });
      const want = expected(insts, threads);
      const byName: Record<string, V[]> = { rate: want.rate!, headroom: want.headroom!, mean: want.mean!, p95: want.p95! };
      byName[graphs[0]!.series[1]!] = want.capacity!;
      const checked: string[] = [];
      const targets = graphs.flatMap((g) => g.targets);
      const answers = await Promise.all(
        targets.map((target) => {
          const path = `/render?target=${encodeURIComponent(target)}&${window}&format=json`;
          return Promise.all([request(oracle + path), request(sotto.url + path)]);
        }),
      );
      for (const [index, target] of targets.entries()) {
        const [g, s] = answers[index]!;
        t.equal(g.status, 200, `graphite-web evaluates ${target}`);
        t.equal(s.status, 200, `sotto evaluates ${target}`);
        const gj = JSON.parse(g.text) as Json[];
        const sj = JSON.parse(s.text) as Json[];
        const series = (j: Json[]) => j.map((x) => [x.target, x.datapoints.map((d) => d[1])]);
        t.same(series(sj), series(gj), `same series names and timestamps: ${target}`);
        const values = (j: Json[]) => j.flatMap((x) => x.datapoints.map((d) => d[0]));
        const [gv, sv] = [values(gj), values(sj)];
        const differ = gv.findIndex((v, i) => !close(sv[i] ?? null, v));
        t.equal(differ, -1, `same values: ${target}${differ >= 0 ? ` (first difference at ${differ}: graphite ${gv[differ]}, sotto ${sv[differ]})` : ''}`);
        const name = sj[0]?.target;
        const exp = name === undefined ? undefined : byName[name];
        if (!exp) continue;
        // graphite's window is (from, until]: points at T0+10 … T0+600, the last past the fixture.
        const expectedPoints = sj[0]!.datapoints.map(([, ts]) => exp[(ts - T0) / STEP] ?? null);
        t.equal(expectedPoints.length, N, `${name}: one point per step`);
        const bad = expectedPoints.findIndex((e, i) => !close(sv[i] ?? null, e));
        t.equal(bad, -1, `${name} is the documented formula${bad >= 0 ? ` (at step ${bad + 1}: expected ${expectedPoints[bad]}, got ${sv[bad]})` : ''}`);
        checked.push(name!);
      }
      t.same(checked.sort(), Object.keys(byName).sort(), 'rate, capacity, headroom, mean and p95 were checked against the formulas');
    });
  }
}
