// Byte-exact differential test against whisper.py: random archive lists, random update and
// update_many sequences (in and out of order, inside and outside retention, future points,
// explicit now), every aggregation method, xFilesFactors chosen around float32 traps. After each
// sequence the file sotto wrote must equal whisper.py's byte for byte, and fetch must agree.
// SOTTO_SEED=<n> replays one run; SOTTO_SEQUENCES=<n> / SOTTO_STEADY=<n> change how many general
// and collector-like (steady-state) sequences run.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { create, update, updateMany, fetch, AGGREGATION_METHODS } from '../../lib/whisper/index.js';
import { FdIO, readHeaderSync, runSync } from '../../lib/whisper/file-sync.js';
import { preparePoints, updateManyOps, updateOps } from '../../lib/whisper/update-core.js';
import { cachedUpdateMany } from '../../lib/whisper/cached-update.js';
import { flushHeld } from '../../lib/whisper/fast-update.js';
import { layoutOf } from '../../lib/whisper/layout.js';
import { needWhisperPy, errorText, hex, int, pick, rng, runOracle, scratchDir, unhex } from './support.js';

const SEED = Number(process.env.SOTTO_SEED ?? 20240607);
const SEQUENCES = Number(process.env.SOTTO_SEQUENCES ?? 400);
const STEADY = Number(process.env.SOTTO_STEADY ?? 150);

type Op =
  | { op: 'update'; value: string; timestamp: number | null; now: number }
  | { op: 'update_many'; points: [number, string][]; now: number };
interface FetchReq { from: number; until: number | null; now: number; archive: string | number | null }
interface Sequence {
  kind: 'sequence';
  path: string;
  archives: [number, number][];
  xff: string;
  method: string;
  ops: Op[];
  fetches: FetchReq[];
}
interface SequenceResult {
  errors: (string | null)[];
  fetches: (null | { timeInfo: number[]; values: (string | null)[] } | { error: string })[];
}

// xFilesFactors near float32 rounding traps (0.4 stores as 0.4000000059604645 > 2/5).
const XFFS = [0, 0, 0.1, 0.2, 0.25, 1 / 3, 0.34, 0.39, 0.4, 0.5, 0.5, 0.6, 0.6666666, 0.7, 0.75, 0.8, 0.9, 1];

function randomArchives(r: () => number): [number, number][] {
  const count = pick(r, [1, 2, 2, 3, 3, 3, 4]);
  let spp = pick(r, [1, 2, 5, 10, 60]);
  const list: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const next = spp * int(r, 2, 6);
    const prevRetention = i > 0 ? list[i - 1]![0] * list[i - 1]![1] : 0;
    const minPoints = Math.max(next / spp, Math.floor(prevRetention / spp) + 1, 2);
    list.push([spp, minPoints + int(r, 0, 12)]);
    spp = next;
  }
  return r() < 0.3 ? list.reverse() : list; // create() sorts
}

// Some sequences draw from a tiny palette so that buckets hold ties (3 and -3 for absmax, 0.0 and
// -0.0 for max/min/last): Python keeps the first of equals, and that shows in the bytes.
const PALETTE = [-3, -1, -0, 0, 1, 3, 0.5, -0.5];

function randomValue(r: () => number, palette: boolean): number {
  if (palette) return pick(r, PALETTE);
  const x = r();
  if (x < 0.3) return int(r, -5, 20);
  if (x < 0.6) return (r() - 0.3) * 1000;
  if (x < 0.7) return pick(r, [0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1e-7, 1e300, -1e300, 5e-324]);
  if (x < 0.78) return pick(r, [0, -0]);
  if (x < 0.8) return pick(r, [Infinity, -Infinity, NaN]);
  return int(r, 0, 3) + pick(r, [0.5, 0.25, 0.125, 0.1]);
}

function randomSequence(r: () => number, file: string): Sequence {
  const archives = randomArchives(r);
  const sorted = [...archives].sort((a, b) => a[0] - b[0]);
  const spp0 = sorted[0]![0];
  const retention0 = spp0 * sorted[0]![1];
  const maxRetention = Math.max(...archives.map(([s, p]) => s * p));
  // Mostly realistic clocks; sometimes a tiny clock so interval 0 and whisper.py's
  // `not previousInterval` quirk come into play.
  let now = r() < 0.1 ? int(r, maxRetention + 1, maxRetention + 50) : int(r, 1.6e9, 1.8e9);
  const randomAge = (): number => {
    const x = r();
    if (x < 0.55) return int(r, 0, retention0);
    if (x < 0.8) return int(r, 0, maxRetention);
    if (x < 0.9) return int(r, maxRetention - 2, maxRetention + 2 * spp0);
    return int(r, 0, spp0 * 3);
  };
  const palette = r() < 0.3;
  const ops: Op[] = [];
  const opCount = int(r, 1, 14);
  for (let i = 0; i < opCount; i++) {
    if (r() < 0.8) now += int(r, 0, 3 * spp0);
    else if (r() < 0.5) now -= int(r, 0, spp0); // clocks go backwards too
    if (r() < 0.4) {
      // update(): future points and too-old points raise TimestampNotCovered.
      const age = r() < 0.1 ? -int(r, 1, 3 * spp0) : randomAge();
      ops.push({ op: 'update', value: hex(randomValue(r, palette)), timestamp: r() < 0.05 ? null : now - age, now });
    } else {
      // update_many(): a few future points are accepted into archive 0. whisper.py writes past the
      // archive's end if one run of consecutive slots exceeds the archive (sotto keeps the ring
      // instead), so batches with future points keep their archive-0 points away from the edge.
      const withFuture = r() < 0.2;
      const n = pick(r, [1, 1, 2, 3, 5, 8, 15, 30]);
      const points: [number, string][] = [];
      const base = now - randomAge();
      for (let k = 0; k < n; k++) {
        let age: number;
        if (r() < 0.6) age = now - (base + int(r, -2, 2) * spp0 + int(r, 0, spp0 - 1)); // clustered
        else age = randomAge();
        if (withFuture) {
          if (k === 0) age = -int(r, 1, 2 * spp0);
          else if (age > retention0 - 3 * spp0 && age <= retention0) age = int(r, 0, Math.max(0, retention0 - 3 * spp0));
          else if (age < -2 * spp0) age = -2 * spp0;
        } else if (age < 0) age = 0;
        const ts = now - age;
        if (ts < 0) continue;
        points.push([ts, hex(randomValue(r, palette))]);
        if (r() < 0.1) points.push([ts, hex(randomValue(r, palette))]); // duplicate timestamp: first one wins
      }
      ops.push({ op: 'update_many', points, now });
    }
  }
  const fetches: FetchReq[] = [];
  for (let i = 0; i < 4; i++) {
    const fnow = now + pick(r, [0, 0, 1, spp0, -spp0]);
    const from = fnow - int(r, -spp0, maxRetention + 3 * spp0);
    const until = r() < 0.2 ? null : from + int(r, -2 * spp0, maxRetention);
    const archive = r() < 0.15 ? pick(r, [...sorted.map(([s]) => `${s}s`), 7, '13s']) : null;
    fetches.push({ from, until, now: fnow, archive });
  }
  return {
    kind: 'sequence',
    path: file,
    archives,
    xff: hex(pick(r, XFFS)),
    method: pick(r, AGGREGATION_METHODS),
    ops,
    fetches,
  };
}

/**
 * A collector-like sequence: now advances a step or a few at a time and each update_many brings
 * a few recent points (sometimes shuffled, duplicated, or with one old point that sends the
 * batch down the general path), so the fast path runs many times in a row on one file.
 */
function steadySequence(r: () => number, file: string): Sequence {
  const base = randomSequence(r, file);
  const sorted = [...base.archives].sort((a, b) => a[0] - b[0]);
  const spp0 = sorted[0]![0];
  const retention0 = spp0 * sorted[0]![1];
  const maxRetention = Math.max(...base.archives.map(([s, p]) => s * p));
  let now = int(r, 1.6e9, 1.8e9);
  const palette = r() < 0.3;
  const ops: Op[] = [];
  // some long enough for the writer's clean ranges and read-ahead to be used and run out
  const opCount = r() < 0.1 ? int(r, 150, 300) : int(r, 10, 40);
  const calm = opCount > 100; // long runs mostly stay on the fast path
  for (let i = 0; i < opCount; i++) {
    now += spp0 * pick(r, [1, 1, 1, 1, 2, 3, 0]) + (r() < 0.2 ? int(r, 0, spp0 - 1) : 0);
    if (r() < 0.03) now += int(r, 0, maxRetention); // a long pause
    else if (r() < 0.05) now -= int(r, 0, retention0); // the clock steps back
    // Runs of consecutive slots stay shorter than the finest archive (see randomSequence).
    const n = Math.max(1, Math.min(pick(r, [1, 1, 1, 1, 2, 3, 6, 12]), sorted[0]![1] - 4));
    const points: [number, string][] = [];
    for (let k = n - 1; k >= 0; k--) points.push([now - k * spp0 - (r() < 0.2 ? int(r, 0, spp0 - 1) : 0), hex(randomValue(r, palette))]);
    if (r() < 0.1) points.push([points[points.length - 1]![0], hex(randomValue(r, palette))]);
    if (r() < (calm ? 0.005 : 0.1)) points.push([now - int(r, retention0, maxRetention + spp0), hex(randomValue(r, palette))]);
    if (r() < 0.05 && n + 4 < sorted[0]![1]) points.push([now + int(r, 1, spp0 * 2), hex(randomValue(r, palette))]);
    if (r() < (calm ? 0.01 : 0.15)) points.sort(() => r() - 0.5);
    ops.push({ op: 'update_many', points, now });
  }
  return { ...base, ops };
}

async function runSotto(seq: Sequence, file: string): Promise<SequenceResult> {
  await create(file, seq.archives, { xFilesFactor: unhex(seq.xff), aggregationMethod: seq.method });
  const errors: (string | null)[] = [];
  for (const op of seq.ops) {
    try {
      if (op.op === 'update') await update(file, unhex(op.value), op.timestamp, op.now);
      else await updateMany(file, op.points.map(([ts, v]) => [ts, unhex(v)] as [number, number]), op.now);
      errors.push(null);
    } catch (err) {
      errors.push(errorText(err));
    }
  }
  const fetches: SequenceResult['fetches'] = [];
  for (const f of seq.fetches) {
    try {
      const res = await fetch(file, f.from, f.until, f.now, f.archive);
      fetches.push(res === null ? null : { timeInfo: res.timeInfo, values: res.values.map((v) => (v === null ? null : hex(v))) });
    } catch (err) {
      // whisper.py raises a plain ValueError for a bad precision or granularity.
      const text = errorText(err).replace(/^(InvalidGranularity|InvalidRetention):/, 'ValueError:');
      fetches.push({ error: text });
    }
  }
  return { errors, fetches };
}

/** The same operations through the sync shell (the general path), on one open fd with its state kept across them. */
async function runSottoSync(seq: Sequence, file: string): Promise<void> {
  await create(file, seq.archives, { xFilesFactor: unhex(seq.xff), aggregationMethod: seq.method, sparse: true });
  const fd = fs.openSync(file, 'r+');
  try {
    const state = readHeaderSync(fd, file);
    for (const op of seq.ops) {
      try {
        if (op.op === 'update') {
          const ts = op.timestamp ?? op.now;
          runSync(fd, file, state, updateOps(state.header, unhex(op.value), ts, op.now));
        } else if (op.points.length > 0) {
          const points = preparePoints(op.points.map(([ts, v]) => [ts, unhex(v)] as [number, number]));
          runSync(fd, file, state, updateManyOps(state.header, points, op.now));
        }
      } catch {
        // errors are compared through the async API
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The store writer's way: one open fd and state kept across the operations, the fast path when
 * the points allow it (coarser archives' writes held back), the general path otherwise; what is
 * held back is written at the end. Returns how many operations took the fast path.
 */
async function runSottoCached(seq: Sequence, file: string, errors: (string | null)[]): Promise<number> {
  await create(file, seq.archives, { xFilesFactor: unhex(seq.xff), aggregationMethod: seq.method, sparse: true });
  const fd = fs.openSync(file, 'r+');
  let fast = 0;
  try {
    const layout = layoutOf(readHeaderSync(fd, file).header);
    const mem = new Float64Array(layout.size + 3);
    const at = 3; // not at the start of the array, as in the writer's shared arrays
    layout.reset(mem, at);
    const io = new FdIO(fd, file);
    seq.ops.forEach((op, i) => {
      // update() refuses what update_many accepts (future points): only what whisper.py took.
      if (errors[i] !== null) return;
      const raw = op.op === 'update' ? [[op.timestamp ?? op.now, unhex(op.value)] as [number, number]] : op.points.map(([ts, v]) => [ts, unhex(v)] as [number, number]);
      if (raw.length === 0) return;
      const newestFirst = preparePoints(raw);
      const times = newestFirst.map((p) => p[0]).reverse();
      const values = newestFirst.map((p) => p[1]).reverse();
      if (cachedUpdateMany(layout, mem, at, io, times, values, times.length, op.now, 1)) fast++;
    });
    flushHeld(layout, mem, at, io);
  } finally {
    fs.closeSync(fd);
  }
  return fast;
}

t.test('sotto writes the same bytes as whisper.py for random update sequences', async (t) => {
  if (!needWhisperPy(t)) return;
  const dir = scratchDir(t);
  const r = rng(SEED);
  const sequences = Array.from({ length: SEQUENCES }, (_, i) => randomSequence(r, path.join(dir, `py-${i}.wsp`)));
  const rs = rng(SEED + 1);
  for (let i = 0; i < STEADY; i++) sequences.push(steadySequence(rs, path.join(dir, `py-${SEQUENCES + i}.wsp`)));
  const started = Date.now();
  const expected = runOracle<SequenceResult>(sequences);
  t.comment(`whisper.py ran ${SEQUENCES} sequences in ${Date.now() - started} ms (seed ${SEED})`);

  let mismatches = 0;
  let ops = 0;
  let fastOps = 0;
  for (let i = 0; i < sequences.length; i++) {
    const seq = sequences[i]!;
    ops += seq.ops.length;
    const ours = path.join(dir, `sotto-${i}.wsp`);
    const oursSync = path.join(dir, `sync-${i}.wsp`);
    const oursCached = path.join(dir, `cached-${i}.wsp`);
    const got = await runSotto(seq, ours);
    await runSottoSync(seq, oursSync);
    fastOps += await runSottoCached(seq, oursCached, expected[i]!.errors);
    const want = expected[i]!;
    const pyBytes = fs.readFileSync(seq.path);
    const label = `seed ${SEED} sequence ${i} (${seq.method}, xff ${unhex(seq.xff)}, archives ${JSON.stringify(seq.archives)})`;
    const same =
      pyBytes.equals(fs.readFileSync(ours)) &&
      pyBytes.equals(fs.readFileSync(oursSync)) &&
      pyBytes.equals(fs.readFileSync(oursCached)) &&
      JSON.stringify(got) === JSON.stringify(want);
    if (!same) {
      mismatches++;
      if (mismatches <= 3) {
        t.ok(pyBytes.equals(fs.readFileSync(ours)), `file bytes equal whisper.py's: ${label}`);
        t.ok(pyBytes.equals(fs.readFileSync(oursSync)), `general-path file bytes equal whisper.py's: ${label}`);
        t.ok(pyBytes.equals(fs.readFileSync(oursCached)), `writer-mode (cached state, held writes) file bytes equal whisper.py's: ${label}`);
        t.same(got.errors, want.errors, `update errors agree: ${label}`);
        t.same(got.fetches, want.fetches, `fetch answers agree: ${label}`);
        t.comment(`replay: SOTTO_SEED=${SEED} ops=${JSON.stringify(seq.ops).slice(0, 2000)}`);
      }
    }
  }
  const total = sequences.length;
  t.equal(mismatches, 0, `${total} sequences (${ops} operations, seed ${SEED}) match whisper.py byte for byte`);
  t.ok(fastOps > ops / 3, `the fast path ran for ${fastOps} of ${ops} operations in writer mode`);
});
