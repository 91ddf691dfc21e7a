// The store writer's fast path: every file it knows has a run (state in shared typed arrays,
// coarse-archive writes held back), whether its fd is kept open or it is opened per write. Files
// lose and regain fds as the budget, revalidation and other programs demand; the bytes must stay
// whisper.py's and held-back writes must follow the same deadline rule either way.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { StoreFiles } from '../../lib/store/write-files.js';
import { FastRuns, fastWrite, holdsWrites, writeHeld } from '../../lib/store/file-cache.js';
import { create } from '../../lib/whisper/create.js';
import { readHeaderSync } from '../../lib/whisper/file-sync.js';
import { parseStorageRules } from '../../lib/config/storage-rules.js';
import { fetch } from '../../lib/whisper/index.js';
import { hex, needWhisperPy, rng, run, runOracle, scratchDir } from '../whisper/support.js';

const RULES = parseStorageRules(
  '[stats]\npattern = ^stats\\.\nretentions = 10s:1h,1m:1d,10m:30d\n',
  '[count]\npattern = \\.count$\nxFilesFactor = 0\naggregationMethod = sum\n',
);
const ARCHIVES: [number, number][] = [[10, 360], [60, 1440], [600, 4320]];
const NOW = 1_700_000_000;
const SEED = Number(process.env.SOTTO_SEED ?? 31);

type Op = { op: 'update_many'; points: [number, string][]; now: number } | { op: 'set_aggregation'; method: string; xff: null };

t.test('files moving between the fast and the general path (fd budget, other programs) keep whisper.py bytes', async (t) => {
  if (!needWhisperPy(t, true)) return;
  const dir = scratchDir(t);
  let clock = 0;
  // Two fds for seven metrics: metrics that pause for more than 8 batches lose theirs to others
  // (held-back writes and all) and come back through the general path.
  const files = new StoreFiles({ dataDir: path.join(dir, 'sotto'), rules: RULES, maxOpenFiles: 2, deferMs: 120_000, revalidateMs: 25_000, clock: () => clock });
  t.teardown(() => files.close());
  const names = ['stats.a.count', 'stats.b.mean', 'stats.c.count', 'stats.d.mean', 'stats.e.count', 'stats.f.mean', 'stats.g.count', 'stats.h.mean'];
  const ops: Record<string, Op[]> = Object.fromEntries(names.map((n) => [n, []]));
  const r = rng(SEED);
  let maxOpen = 0;
  for (let flush = 0; flush < 240; flush++) {
    const now = NOW + flush * 10 + (flush % 4);
    clock += 10_000;
    if (flush === 70) {
      // Another program changes a file the writer has open: seen at the next check.
      const file = path.join(dir, 'sotto', 'stats/a/count.wsp');
      t.equal(run('/usr/bin/whisper-set-aggregation-method', [file, 'max']).status, 0, 'whisper-set-aggregation-method ran');
      ops['stats.a.count']!.push({ op: 'set_aggregation', method: 'max', xff: null });
      clock += 40_000;
    }
    const batch: [string, number, number][] = [];
    names.forEach((name, k) => {
      if (name === 'stats.h.mean' && flush < 30) return; // created while the fds are taken
      if (k > 0 && Math.floor((flush + 5 * k) / (9 + k)) % 2 === 1) return; // pauses longer than 8 batches
      const value = Math.round(r() * 1000) / 10 - 20;
      batch.push([name, now - (r() < 0.3 ? 10 : 0), value]);
      if (r() < 0.15) batch.push([name, now - 20 - Math.floor(r() * 3) * 10, value * 2]);
      if (r() < 0.05) batch.push([name, now - 4000, value + 1]); // beyond the finest archive: the general path
    });
    const report = files.writeBatch(batch.map((p) => p[0]), batch.map((p) => p[1]), batch.map((p) => p[2]), now);
    t.same(report.errors, [], `flush ${flush}: no errors`);
    maxOpen = Math.max(maxOpen, files.openFiles);
    for (const name of names) {
      const mine = batch.filter((p) => p[0] === name).map((p) => [p[1], hex(p[2])] as [number, string]);
      if (mine.length) ops[name]!.push({ op: 'update_many', points: mine, now });
    }
  }
  t.equal(maxOpen, 2, 'the fd budget was used and never exceeded');
  t.same(files.close(), [], 'close() wrote everything held back');
  const results = runOracle<{ errors: (string | null)[] }>(
    names.map((name) => ({
      kind: 'sequence', path: path.join(dir, `py-${name}.wsp`), archives: ARCHIVES, ops: ops[name], fetches: [],
      xff: hex(name.endsWith('.count') ? 0 : 0.5), method: name.endsWith('.count') ? 'sum' : 'average',
    })),
  );
  for (const [i, name] of names.entries()) {
    t.same(results[i]!.errors.filter((e) => e !== null), [], `${name}: whisper.py accepted every operation`);
    const ours = fs.readFileSync(path.join(dir, 'sotto', ...name.split('.')) + '.wsp');
    t.ok(ours.equals(fs.readFileSync(path.join(dir, `py-${name}.wsp`))), `${name}: identical bytes (seed ${SEED})`);
  }
});

t.test('held-back writes of a file whose fd went to another file are written by the deadline rule', async (t) => {
  const dir = scratchDir(t);
  let clock = 0;
  const files = new StoreFiles({ dataDir: dir, rules: RULES, maxOpenFiles: 1, deferMs: 60_000, revalidateMs: 1e12, clock: () => clock });
  t.teardown(() => files.close());
  const minute = async (name: string) =>
    (await fetch(path.join(dir, `stats/${name}/count.wsp`), NOW - 3599, NOW + 600, NOW + 600, '1m'))!.values.filter((v) => v !== null);
  files.writeBatch(['stats.a.count'], [NOW], [5], NOW);
  t.equal(files.openFiles, 1);
  t.same(await minute('a'), [], 'the 1-minute point of a is held back');
  for (let b = 1; b <= 9; b++) {
    clock += 1000;
    files.writeBatch(['stats.b.count'], [NOW + 10 * b], [1], NOW + 10 * b);
  }
  t.equal(files.openFiles, 1, 'b took over the only fd once a was idle');
  t.same(await minute('a'), [], 'a is still held back: its deadline has not passed');
  clock = 61_000;
  files.writeBatch(['stats.b.count'], [NOW + 100], [1], NOW + 100);
  t.same(await minute('a'), [5], 'written once due, though its fd was closed');
  // b: 3 points in the minute starting at NOW - 20, 6 in the next, then NOW + 100 and + 110. b has
  // held writes back since its first batch (clock 1000), so its deadline has passed too.
  t.same(await minute('b'), [3, 6, 1], 'b is written up to its current minute, as far as it got');
  files.writeBatch(['stats.b.count'], [NOW + 110], [1], NOW + 110);
  t.same(await minute('b'), [3, 6, 1], 'the next point of that minute is held back afresh');
  t.same(files.close(), []);
  t.same(await minute('b'), [3, 6, 2], 'close() writes what the open file held back');
});

t.test('with deferMs 0 the fast path writes every archive at once', async (t) => {
  const dir = scratchDir(t);
  const files = new StoreFiles({ dataDir: dir, rules: RULES, deferMs: 0 });
  t.teardown(() => files.close());
  files.writeBatch(['stats.z.count', 'stats.z.count'], [NOW, NOW - 10], [3, 4], NOW);
  files.writeBatch(['stats.z.count'], [NOW + 10], [5], NOW + 10);
  t.equal(files.openFiles, 1, 'the file is kept open (fast path)');
  const file = path.join(dir, 'stats/z/count.wsp');
  t.same((await fetch(file, NOW - 3599, NOW + 60, NOW + 60, '1m'))!.values.filter((v) => v !== null).reduce((a, b) => a! + b!, 0), 12);
  t.same((await fetch(file, NOW - 86_400, NOW + 600, NOW + 600, '10m'))!.values.filter((v) => v !== null), [12]);
});

t.test('a run outlives its fd: bases, cached bucket and held-back slots carry over to the next open', async (t) => {
  const dir = scratchDir(t);
  const file = path.join(dir, 'h.wsp');
  await create(file, ARCHIVES, { xFilesFactor: 0, aggregationMethod: 'sum', sparse: true });
  const onDisk = () => fs.readFileSync(file);
  let fd = fs.openSync(file, 'r+');
  const state = readHeaderSync(fd, file);
  const runs = new FastRuns();
  const run = runs.take(state.header, state.bases);
  t.equal(runs.live, 1);
  t.equal(runs.take(state.header, state.bases).layout, run.layout, 'files of one header share one layout');
  // An empty file: the first points set every archive's base; the coarser archives' writes are held.
  fastWrite(run, fd, file, [[NOW + 10, 2], [NOW, 1]], NOW + 10, 1);
  fs.closeSync(fd);
  t.ok(holdsWrites(run), 'the coarser archives are held back');
  const before = onDisk();
  fd = fs.openSync(file, 'r+');
  t.teardown(() => fs.closeSync(fd));
  fastWrite(run, fd, file, [[NOW + 20, 4]], NOW + 20, 1);
  t.equal((await fetch(file, NOW - 3000, NOW + 60, NOW + 60, '1m'))!.values.filter((v) => v !== null).length, 0, 'the minute is still held back');
  t.notOk(onDisk().equals(before), 'the finest archive took the new point');
  writeHeld(run, fd, file);
  t.notOk(holdsWrites(run));
  const r = (await fetch(file, NOW - 3000, NOW + 60, NOW + 60, '1m'))!.values.filter((v) => v !== null);
  t.same(r, [7], 'the minute bucket summed across the close and reopen');
  runs.give(run);
  t.equal(runs.live, 1);
  t.equal(runs.metadataOf(run.layout).length, 16, 'the metadata bytes of the shared header');
  t.ok(Buffer.from(runs.metadataOf(run.layout)).equals(onDisk().subarray(0, 16)), 'as on disk');
});

t.test('a file replaced by another program while its fd is closed: held-back slots are dropped, never written into the new file', async (t) => {
  if (!needWhisperPy(t, true)) return;
  const dir = scratchDir(t);
  let clock = 0;
  const files = new StoreFiles({ dataDir: dir, rules: RULES, maxOpenFiles: 0, deferMs: 60_000, revalidateMs: 1e12, clock: () => clock });
  t.teardown(() => files.close());
  files.writeBatch(['stats.r.count'], [NOW], [5], NOW);
  t.equal(files.openFiles, 0, 'no fd kept (budget 0)');
  const file = path.join(dir, 'stats/r/count.wsp');
  t.equal(run('/usr/bin/whisper-resize', [file, '10s:2h', '1m:2d', '10m:60d', '--nobackup']).status, 0, 'whisper-resize ran');
  const resized = fs.readFileSync(file);
  clock += 61_000;
  files.writeBatch(['stats.other.count'], [NOW + 10], [1], NOW + 10);
  t.ok(fs.readFileSync(file).equals(resized), 'the deadline passed: nothing was written into the new file');
  files.writeBatch(['stats.r.count'], [NOW + 10], [6], NOW + 10);
  t.same(files.close(), []);
  const tenSeconds = (await fetch(file, NOW - 60, NOW + 20, NOW + 20))!.values.filter((v) => v !== null);
  // whisper-resize keeps what it fetches relative to the wall clock, so the 2023 point is gone; a
  // write with the old file's run (base NOW) would land where the new, empty archive never looks.
  t.same(tenSeconds, [6], 'the header of the new file was read before writing to it');
});

t.test("a metric's directory removed while sotto runs (a user dropping old metrics) is made again at the next write", async (t) => {
  const dir = scratchDir(t);
  const files = new StoreFiles({ dataDir: dir, rules: RULES, maxOpenFiles: 0, deferMs: 0 });
  t.teardown(() => files.close());
  t.same(files.writeBatch(['stats.gone.sub.count'], [NOW], [5], NOW).errors, []);
  fs.rmSync(path.join(dir, 'stats/gone'), { recursive: true });
  const report = files.writeBatch(['stats.gone.sub.count'], [NOW + 10], [6], NOW + 10);
  t.same(report.errors, [], 'no error');
  t.same(report.created, ['stats.gone.sub.count'], 'the file was created again');
  const values = (await fetch(path.join(dir, 'stats/gone/sub/count.wsp'), NOW - 60, NOW + 20, NOW + 20))!.values.filter((v) => v !== null);
  t.same(values, [6], 'with the new point');
});

t.test('a file deleted while its fd is kept open (to be made again with new rules) is made again within the path check, not a minute later', async (t) => {
  const dir = scratchDir(t);
  let clock = 0;
  const files = new StoreFiles({ dataDir: dir, rules: RULES, maxOpenFiles: 10, deferMs: 0, revalidateMs: 60_000, pathCheckMs: 10_000, clock: () => clock });
  t.teardown(() => files.close());
  const file = path.join(dir, 'stats/del/count.wsp');
  files.writeBatch(['stats.del.count'], [NOW], [1], NOW);
  t.equal(files.openFiles, 1, 'its fd is kept');
  fs.rmSync(file);
  clock += 2_000;
  files.writeBatch(['stats.del.count'], [NOW + 10], [2], NOW + 10);
  t.notOk(fs.existsSync(file), 'before the path check the old descriptor is written (the point goes with the deleted file)');
  clock += 15_000; // past the path check (10 s ± 50 %), well before revalidateMs
  const report = files.writeBatch(['stats.del.count'], [NOW + 20], [3], NOW + 20);
  t.same(report.created, ['stats.del.count'], 'made again');
  const values = (await fetch(file, NOW - 60, NOW + 30, NOW + 30))!.values.filter((v) => v !== null);
  t.same(values, [3]);
});
