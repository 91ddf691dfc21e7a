// Fixture data for the browser tests: real Whisper files written by Debian's whisper.py, with
// values defined here so tests can derive what the page must show (never copied from sotto).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEBIAN_PYTHON, pythonHasModule } from '../../support/interop.js';

const SCRIPT = fileURLToPath(new URL('./whisper-fixture.py', import.meta.url));

export const whisperAvailable = (): boolean => existsSync(DEBIAN_PYTHON) && pythonHasModule('whisper');

export interface FixtureSeries {
  name: string;
  retentions: Array<[number, number]>;
  points: Array<[number, number]>;
}

/** The name the XSS check uses: one path component, valid as a file name. */
export const XSS_NAME = '<img src=x onerror=alert(1)>';

export const STEP = 10;

/** A minute boundary half an hour ago: inside the 10s:1h archive, so reads see 10-second points. */
export function fixtureT0(nowSec = Date.now() / 1000): number {
  return Math.floor(nowSec / 60) * 60 - 30 * 60;
}

/** `requests` value at step i (i = 0…59, at T0 + 10·i); null where the fixture leaves a gap. */
export function requestsValue(i: number): number | null {
  // A two-step gap at 5–6; the point at 31 stands alone between gaps at 30 and 32 (drawn as a dot).
  if (i === 5 || i === 6 || i === 30 || i === 32) return null;
  return 10 + (i % 7) * 3;
}

export function errorsValue(i: number): number {
  return i % 3;
}

export function fixtureSeries(t0: number): FixtureSeries[] {
  const r: Array<[number, number]> = [[STEP, 360]];
  const steps = Array.from({ length: 60 }, (_, i) => i);
  const pts = (f: (i: number) => number | null): Array<[number, number]> =>
    steps.flatMap((i) => {
      const v = f(i);
      return v === null ? [] : [[t0 + STEP * i, v] as [number, number]];
    });
  const timer = (stat: string, f: (i: number) => number) => ({ name: `stats.timers.api.login.${stat}`, retentions: r, points: pts(f) });
  return [
    { name: 'e2e.web.requests', retentions: r, points: pts(requestsValue) },
    { name: 'e2e.web.errors', retentions: r, points: pts(errorsValue) },
    timer('mean', (i) => 120 + (i % 5) * 10),
    timer('median', (i) => 110 + (i % 5) * 10),
    timer('upper_95', (i) => 300 + (i % 4) * 50),
    timer('upper', (i) => 400 + i),
    timer('lower', () => 20),
    timer('count', () => 50),
    timer('count_ps', () => 5),
    { name: 'stats.counters.api.hits.rate', retentions: r, points: pts((i) => 2 + (i % 3)) },
    { name: 'stats.counters.api.hits.count', retentions: r, points: pts((i) => 20 + 10 * (i % 3)) },
    { name: 'stats.gauges.queue.depth', retentions: r, points: pts((i) => 40 - (i % 10)) },
    { name: `xss.${XSS_NAME}`, retentions: r, points: pts(() => 1) },
    ...tracelogSeries(t0),
  ];
}

/** Two tracelog instances, written under `tracelog.<key>.` as sotto's tracelog source names them. */
export const TRACELOG_INSTANCES = ['web1', 'app1__acme__instance1'] as const;
export type TracelogInstance = (typeof TRACELOG_INSTANCES)[number];

/**
 * The tracelog fixture at step i (T0 + 10·i): requests/s, max_rate (null: no request finished
 * its app part in that interval), errors/s, backlog, active, app time (ms) and restarts.
 */
export const tracelogValue = {
  rate: (inst: TracelogInstance, i: number): number => (inst === 'web1' ? 5 + (i % 4) : 2 + (i % 3)),
  maxRate: (inst: TracelogInstance, i: number): number | null => {
    if (inst === 'web1') return i >= 10 && i <= 12 ? null : 20 + (i % 5);
    return i >= 20 && i <= 22 ? null : 8;
  },
  errors: (inst: TracelogInstance, i: number): number => (inst === 'web1' ? (i % 6 === 0 ? 0.5 : 0) : 0.1 * (i % 2)),
  backlog: (inst: TracelogInstance, i: number): number => (inst === 'web1' ? i % 3 : 1),
  backlogMax: (inst: TracelogInstance, i: number): number => (inst === 'web1' ? (i % 3) + 2 : 2),
  active: (inst: TracelogInstance, i: number): number => (inst === 'web1' ? 3 + (i % 3) : 2),
  appMean: (inst: TracelogInstance, i: number): number => (inst === 'web1' ? 40 + (i % 5) : 80),
  restarts: (inst: TracelogInstance, i: number): number => (inst === 'web1' && i === 25 ? 1 : 0),
};

function tracelogSeries(t0: number): FixtureSeries[] {
  const r: Array<[number, number]> = [[STEP, 360]];
  const out: FixtureSeries[] = [];
  for (const inst of TRACELOG_INSTANCES) {
    const put = (name: string, f: (i: number) => number | null) => {
      const points = Array.from({ length: 60 }, (_, i) => [t0 + STEP * i, f(i)] as const).filter((p): p is [number, number] => p[1] !== null);
      out.push({ name: `tracelog.${inst}.${name}`, retentions: r, points });
    };
    const v = tracelogValue;
    const count = (i: number) => v.rate(inst, i) * (STEP);
    put('requests.rate', (i) => v.rate(inst, i));
    put('requests.count', count);
    put('max_rate', (i) => v.maxRate(inst, i));
    put('errors.rate', (i) => v.errors(inst, i));
    put('backlog.last', (i) => v.backlog(inst, i));
    put('backlog.max', (i) => v.backlogMax(inst, i));
    put('active.last', (i) => v.active(inst, i));
    put('active.max', (i) => v.active(inst, i) + 1);
    put('restarts.count', (i) => v.restarts(inst, i));
    const mean = (i: number) => v.appMean(inst, i);
    put('timers.app.count', count);
    put('timers.app.sum', (i) => mean(i) * count(i));
    put('timers.app.mean', mean);
    put('timers.app.median', (i) => mean(i) - 5);
    put('timers.app.upper_90', (i) => mean(i) + 20);
    put('timers.app.upper_95', (i) => mean(i) + 40);
    put('timers.app.upper_99', (i) => mean(i) + 80);
    put('timers.app.upper', (i) => mean(i) + 150);
  }
  return out;
}

/** Writes the series (and optional hard links of one file under many names) into `dir`. */
export function writeWhisperFixture(dir: string, series: FixtureSeries[], links?: { source: string; names: string[] }): void {
  execFileSync(DEBIAN_PYTHON, [SCRIPT], { input: JSON.stringify({ dir, series, links }), stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
}

/** `big.g00.m0000` … `big.g99.m0999`: 100 branches of 1,000 leaves. */
export function bigTreeNames(groups = 100, perGroup = 1000): string[] {
  const names: string[] = [];
  for (let g = 0; g < groups; g++) {
    for (let m = 0; m < perGroup; m++) names.push(`big.g${String(g).padStart(2, '0')}.m${String(m).padStart(4, '0')}`);
  }
  return names;
}
