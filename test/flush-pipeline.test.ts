// The flush pipeline's write queue: writes stay in order, one at a time, and when writing falls
// behind, flushes waiting their turn are written together instead of piling up.
import t from 'tap';
import { FlushPipeline, type PointStore } from '../lib/flush-pipeline.js';
import type { FlushNaming, PointColumns } from '../lib/statsd/names.js';
import type { FlushEvent, MetricPoint } from '../lib/types.js';

/** A statsd naming job that yields one point per flush: `c <flush second>` = flush second. */
function namingFor(ms: number): FlushNaming {
  const s = Math.round(ms / 1000);
  const columns: PointColumns = { names: ['c'], values: [s], timestamps: [s] };
  return { step: () => true, finish: () => ({ columns }) } as unknown as FlushNaming;
}

/** A store whose writes finish only when the test says so. */
function gatedStore() {
  const writes: Array<{ points: Array<[string, number, number]>; now: number | undefined }> = [];
  const gates: Array<() => void> = [];
  const store: PointStore = {
    write: async (points, now) => {
      writes.push({ points: points.map((p) => [p.name, p.value, p.timestamp]), now });
      await new Promise<void>((resolve) => gates.push(resolve));
      return { errors: [] };
    },
    close: async () => {},
  };
  return { store, writes, release: () => gates.shift()?.() };
}

const quiet = { info: () => {}, warn: () => {} };
const ticks = (n = 5) => new Promise<void>((resolve) => { let i = 0; const go = () => (++i >= n ? resolve() : setImmediate(go)); setImmediate(go); });

t.test('a flush arriving while another waits its turn is written together with it, in order', async (t) => {
  const p = new FlushPipeline({ flushStatsd: namingFor, log: quiet, clock: Date.now });
  const { store, writes, release } = gatedStore();
  p.connect(store, []);
  const events: FlushEvent[] = [];
  p.onFlush((e) => events.push(e));

  const first = p.collect(10_000, 10);
  await ticks();
  t.equal(writes.length, 1, 'the first flush is being written');
  const second = p.collect(20_000, 20);
  const third = p.collect(30_000, 30);
  await ticks();
  t.equal(writes.length, 1, 'the next ones wait while it is written');
  release();
  await first;
  await ticks();
  t.same(writes.map((w) => w.points), [[['c', 10, 10]], [['c', 20, 20], ['c', 30, 30]]], 'the two waiting flushes are one write, oldest point first');
  t.equal(writes[1]!.now, 30, "the joined write uses the latest flush's now");
  t.equal(p.coalescedFlushes, 1);
  release();
  await Promise.all([second, third]);
  t.same(events.map((e) => e.timestamp), [10, 20, 30], 'listeners hear of every flush, in order');

  const fourth = p.collect(40_000, 40);
  await ticks();
  release();
  await fourth;
  t.same(writes.map((w) => w.points.length), [1, 2, 1], 'once caught up, a flush is written on its own again');
});

t.test('a flush written on time is never joined with the next one', async (t) => {
  const p = new FlushPipeline({ flushStatsd: namingFor, log: quiet, clock: Date.now });
  const { store, writes, release } = gatedStore();
  p.connect(store, []);
  for (const ms of [10_000, 20_000, 30_000]) {
    const done = p.collect(ms, ms / 1000);
    await ticks();
    release();
    await done;
  }
  t.same(writes.map((w) => w.points.map(([, v]) => v)), [[10], [20], [30]]);
  t.equal(p.coalescedFlushes, 0);
});

t.test('between slices of naming, the event loop turns while packets keep coming, and naming still ends under overload', async (t) => {
  // A naming job of 5 slices (each step busy for 5 ms, longer than a slice), and a "socket" that
  // delivers `burst` packets on each event-loop turn for the first `busyTurns` turns.
  const run = async (busyTurns: number, burst: number) => {
    let received = 0;
    let turns = 0;
    let stopped = false;
    const pump = () => { turns++; if (turns <= busyTurns) received += burst; if (!stopped) setImmediate(pump); };
    setImmediate(pump);
    let slices = 0;
    const turnsAtSlice: number[] = [];
    const job = {
      step: () => {
        turnsAtSlice.push(turns);
        const until = performance.now() + 5;
        while (performance.now() < until);
        return ++slices === 5;
      },
      finish: () => ({ columns: { names: [], values: [], timestamps: [] } }),
    } as unknown as FlushNaming;
    const p = new FlushPipeline({ flushStatsd: () => job, log: quiet, clock: Date.now, received: () => received });
    p.connect({ write: async () => ({}), close: async () => {} }, []);
    const started = performance.now();
    await p.collect(10_000, 10);
    stopped = true;
    return { gaps: turnsAtSlice.slice(1).map((n, i) => n - turnsAtSlice[i]!), ms: performance.now() - started };
  };
  const calm = await run(0, 0);
  t.ok(calm.gaps.every((g) => g <= 3), `no packets: a turn or so between slices (${calm.gaps})`);
  const drained = await run(40, 32);
  t.ok(drained.gaps[0]! >= 10, `while every turn reads a full batch, naming waits (${drained.gaps})`);
  const flooded = await run(1e9, 32);
  t.equal(flooded.gaps.length, 4, 'under a flood that never drains, naming still ends');
  t.ok(flooded.ms < 5 * (5 + 25) + 200, `in bounded time (${flooded.ms.toFixed(0)} ms)`);
});

t.test('names the store refuses are logged at most once a minute, with the count since the last report', async (t) => {
  const clock = { now: 0 };
  const warnings: string[] = [];
  const p = new FlushPipeline({ flushStatsd: namingFor, log: { info: () => {}, warn: (m) => warnings.push(m) }, clock: () => clock.now });
  const long = 'x.' + 'y'.repeat(5000);
  const store: PointStore = {
    write: async (points) => ({ errors: points.map((pt) => ({ name: long, message: `refused ${pt.name}` })) }),
    close: async () => {},
  };
  p.connect(store, []);
  for (let i = 1; i <= 6; i++) {
    clock.now = i * 10_000;
    await p.collect(clock.now, i * 10);
  }
  t.equal(warnings.length, 1, 'one warning for the flushes of a minute');
  t.match(warnings[0], /^store: 1 metric\(s\) not written since the last report, e\.g\. "x\.y{198}…": refused c \(1 so far\)$/, 'the name cut at 200 characters');
  clock.now = 70_000;
  await p.collect(clock.now, 70);
  t.equal(warnings.length, 2);
  t.match(warnings[1], /^store: 6 metric\(s\) not written since the last report.*\(7 so far\)$/);
});

t.test("the store's trouble becomes sotto.store.* metrics from the first metric not written on", async (t) => {
  const p = new FlushPipeline({ flushStatsd: namingFor, log: { info: () => {}, warn: () => {} }, clock: () => 0 });
  const written: MetricPoint[][] = [];
  let refuse = 0;
  let fail = false;
  const store: PointStore = {
    write: async (points) => {
      if (fail) throw new Error('disk full');
      written.push(points);
      return { errors: points.slice(0, refuse).map((pt) => ({ name: pt.name, message: 'refused' })) };
    },
    close: async () => {},
  };
  p.connect(store, []);
  p.addSource(p.storeCounts());
  const store_ = (i: number) => Object.fromEntries(written[i]!.filter((pt) => pt.name.startsWith('sotto.store.')).map((pt) => [pt.name, pt.value]));
  await p.collect(10_000, 10);
  await p.collect(20_000, 20);
  t.same(store_(1), {}, 'a store that writes everything adds no names');
  refuse = 1; // the flush's one metric, 'c'
  await p.collect(30_000, 30);
  refuse = 0;
  await p.collect(40_000, 40);
  t.same(store_(3), { 'sotto.store.metrics_not_written': 1, 'sotto.store.unwritten_flushes': 0, 'sotto.store.joined_flushes': 0 }, 'the refused metric, at the next flush');
  await p.collect(50_000, 50);
  t.equal(store_(4)['sotto.store.metrics_not_written'], 0, 'per interval');
  fail = true;
  await p.collect(60_000, 60);
  fail = false;
  await p.collect(70_000, 70);
  t.equal(store_(5)['sotto.store.metrics_not_written'], 4, "a failed write counts all its metrics ('c' and the three sotto.store ones)");
  t.equal(p.writeStats().metricsNotWritten, 5, 'as /api/health counts them');
  fail = true;
  p.storeCarbon([{ name: 'a.b', value: 1, timestamp: 60 }, { name: 'a.b', value: 2, timestamp: 70 }, { name: 'a.c', value: 1, timestamp: 70 }]);
  await p.drain();
  t.equal(p.writeStats().metricsNotWritten, 7, "a failed write of carbon points counts each metric once (a.b, a.c)");
});

