import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { WhisperWriter } from '../../lib/store/writer.js';
import { parseStorageRules, type StorageRules } from '../../lib/config/storage-rules.js';
import { fetch, info, create } from '../../lib/whisper/index.js';
import type { MetricPoint } from '../../lib/types.js';
import { hex, needWhisperPy, runOracle, scratchDir } from '../whisper/support.js';

const RULES: StorageRules = parseStorageRules(
  '[stats]\npattern = ^stats\\.\nretentions = 10s:1h,1m:1d\n[default]\npattern = .*\nretentions = 60:100\n',
  '[count]\npattern = \\.count$\nxFilesFactor = 0\naggregationMethod = sum\n',
);
const NOW = 1_700_000_000;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

for (const workers of [0, 2]) {
  t.test(`workers=${workers}: new metrics get files with the storage rules' archives, xFilesFactor and method`, async (t) => {
    const dir = scratchDir(t);
    const writer = new WhisperWriter({ dataDir: dir, rules: RULES, workers });
    t.teardown(() => writer.close());
    const points: MetricPoint[] = [
      { name: 'stats.counters.hits.count', value: 3, timestamp: NOW },
      { name: 'stats.gauges.queue', value: 7.5, timestamp: NOW },
      { name: 'other.thing', value: 1, timestamp: NOW },
    ];
    const report = await writer.write(points, NOW);
    t.same(report.created.sort(), ['other.thing', 'stats.counters.hits.count', 'stats.gauges.queue']);
    t.same(report.errors, []);
    t.equal(report.points, 3);
    t.equal(report.files, 3);
    const count = await info(path.join(dir, 'stats/counters/hits/count.wsp'));
    t.same(count?.archives.map((a) => [a.secondsPerPoint, a.points]), [[10, 360], [60, 1440]]);
    t.equal(count?.aggregationMethod, 'sum');
    t.equal(count?.xFilesFactor, 0);
    const other = await info(path.join(dir, 'other/thing.wsp'));
    t.same(other?.archives.map((a) => [a.secondsPerPoint, a.points]), [[60, 100]]);
    t.equal(other?.aggregationMethod, 'average');
    t.equal(other?.xFilesFactor, 0.5);

    const again = await writer.write([{ name: 'stats.counters.hits.count', value: 4, timestamp: NOW + 10 }], NOW + 10);
    t.same(again.created, [], 'existing files are not created again');
    const r = await fetch(path.join(dir, 'stats/counters/hits/count.wsp'), NOW - 10, NOW + 10, NOW + 10);
    t.same(r?.values, [3, 4]);
    await writer.close(); // the coarser archives are written at the latest on close
    const minute = await fetch(path.join(dir, 'stats/counters/hits/count.wsp'), NOW - 3599, NOW + 10, NOW + 10, '1m');
    t.equal(minute?.values.filter((v) => v !== null).reduce((a, b) => a! + b!, 0), 7, 'the 1-minute archive holds the sum');
    t.same(walk(dir).filter((f) => !f.endsWith('.wsp')), [], 'no temporary files are left behind');
  });

  t.test(`workers=${workers}: one bad name or file never fails the batch`, async (t) => {
    const dir = scratchDir(t);
    const data = path.join(dir, 'data');
    const writer = new WhisperWriter({ dataDir: data, rules: RULES, workers });
    t.teardown(() => writer.close());
    fs.mkdirSync(path.join(data, 'broken'), { recursive: true });
    fs.writeFileSync(path.join(data, 'broken/empty.wsp'), '');
    const report = await writer.write([
      { name: '../../escape', value: 1, timestamp: NOW },
      { name: 'a..', value: 1, timestamp: NOW },
      { name: 'x/y', value: 1, timestamp: NOW },
      { name: 'line\nbreak', value: 1, timestamp: NOW },
      { name: 'broken.empty', value: 1, timestamp: NOW },
      { name: 'good.one', value: 1, timestamp: NOW },
      { name: 'bad.timestamp', value: 1, timestamp: NaN },
    ], NOW);
    t.same(report.created, ['a', 'good.one']);
    const errs = Object.fromEntries(report.errors.map((e) => [e.name, e.message]));
    t.match(errs['../../escape'], /invalid metric name/);
    t.match(errs['x/y'], /'\/'/);
    t.match(errs['line\nbreak'], /control character/);
    t.match(errs['broken.empty'], /Unable to read header: the file is empty \(.*broken\/empty\.wsp\)/);
    t.match(errs['bad.timestamp'], /timestamp NaN is not a finite number/);
    t.notOk('good.one' in errs);
    t.ok(fs.existsSync(path.join(data, 'good/one.wsp')));
    t.same(fs.readdirSync(dir), ['data'], 'nothing was written outside the data directory');
    t.equal(fs.statSync(path.join(data, 'broken/empty.wsp')).size, 0, 'the broken file is left as it was');
  });
}

for (const workers of [0, 2]) {
  t.test(`workers=${workers}: names with empty components are stored where carbon stores them`, async (t) => {
    const dir = scratchDir(t);
    const data = path.join(dir, 'data');
    const writer = new WhisperWriter({ dataDir: data, rules: RULES, workers });
    t.teardown(() => writer.close());
    // carbon: metric.replace('.', '/').lstrip('/') + '.wsp', so `a..b` is the file of `a.b`
    const report = await writer.write([
      { name: 'app..hits', value: 1, timestamp: NOW - 30 },
      { name: 'app.hits', value: 2, timestamp: NOW - 20 },
      { name: '.lead.x', value: 3, timestamp: NOW },
      { name: 'trail.y.', value: 4, timestamp: NOW },
      { name: '...', value: 5, timestamp: NOW },
    ], NOW);
    t.same(report.errors.map((e) => e.name), ['...'], 'only a name of nothing but dots is refused');
    t.same(report.created.sort(), ['app.hits', 'lead.x', 'trail.y']);
    await writer.close();
    const got = (f: string) => fetch(path.join(data, f), NOW - 180, NOW, NOW).then((r) => r!.values.filter((v) => v !== null));
    t.same(await got('app/hits.wsp'), [1, 2], 'app..hits and app.hits share one file, both points kept');
    t.same(await got('lead/x.wsp'), [3]);
    t.same(await got('trail/y.wsp'), [4]);
    t.same(walk(data).map((f) => path.relative(data, f)).sort(), ['app/hits.wsp', 'lead/x.wsp', 'trail/y.wsp'], 'no other file');
  });
}

t.test('worker and in-thread writers produce identical files', async (t) => {
  const dir = scratchDir(t);
  const writers = [0, 1, 3].map((workers) => new WhisperWriter({ dataDir: path.join(dir, `w${workers}`), rules: RULES, workers }));
  t.teardown(() => Promise.all(writers.map((w) => w.close())));
  for (let flush = 0; flush < 20; flush++) {
    const now = NOW + flush * 10;
    const points: MetricPoint[] = [];
    for (let m = 0; m < 30; m++) points.push({ name: `stats.m${m}.count`, value: (m * flush) % 7, timestamp: now - (m % 3) * 10 });
    for (const w of writers) await w.write(points, now);
  }
  await Promise.all(writers.map((w) => w.close())); // writes what is held back
  const files = walk(path.join(dir, 'w0')).map((f) => path.relative(path.join(dir, 'w0'), f)).sort();
  t.equal(files.length, 30);
  for (const f of files) {
    const a = fs.readFileSync(path.join(dir, 'w0', f));
    t.ok(a.equals(fs.readFileSync(path.join(dir, 'w1', f))) && a.equals(fs.readFileSync(path.join(dir, 'w3', f))), f);
  }
});

t.test('the writer path writes the same bytes as whisper.py update_many over many flushes', async (t) => {
  if (!needWhisperPy(t)) return;
  const dir = scratchDir(t);
  const writer = new WhisperWriter({ dataDir: path.join(dir, 'sotto'), rules: RULES, workers: 1 });
  t.teardown(() => writer.close());
  const names = ['stats.a.count', 'stats.b.mean', 'stats.c.count', 'x.y'];
  const tasks: unknown[] = [];
  const ops: Record<string, { op: 'update_many'; points: [number, string][]; now: number }[]> = {};
  for (const n of names) ops[n] = [];
  for (let flush = 0; flush < 150; flush++) {
    const now = NOW + flush * 10 + (flush % 4);
    const points: MetricPoint[] = [];
    names.forEach((name, i) => {
      if ((flush + i) % 5 === 0) return; // gaps
      const value = ((flush * 7 + i * 3) % 11) - 3 + (i === 1 ? 0.1 : 0);
      points.push({ name, value, timestamp: now - (flush % 3 === 0 ? 10 : 0) });
      if (flush % 7 === 0) points.push({ name, value: value * 2, timestamp: now - 20 });
    });
    await writer.write(points, now);
    for (const name of names) {
      const mine = points.filter((p) => p.name === name).map((p) => [p.timestamp, hex(p.value)] as [number, string]);
      if (mine.length) ops[name]!.push({ op: 'update_many', points: mine, now });
    }
  }
  for (const name of names) {
    const sel = name.startsWith('stats.') ? [[10, 360], [60, 1440]] : [[60, 100]];
    const count = name.endsWith('.count');
    tasks.push({ kind: 'sequence', path: path.join(dir, `py-${name}.wsp`), archives: sel, xff: hex(count ? 0 : 0.5), method: count ? 'sum' : 'average', ops: ops[name], fetches: [] });
  }
  await writer.close(); // writes what is held back
  const results = runOracle<{ errors: (string | null)[] }>(tasks);
  for (const [i, name] of names.entries()) {
    t.same(results[i]!.errors.filter((e) => e !== null), [], `${name}: whisper.py accepted every update`);
    const ours = fs.readFileSync(path.join(dir, 'sotto', ...name.split('.')) + '.wsp');
    t.ok(ours.equals(fs.readFileSync(path.join(dir, `py-${name}.wsp`))), `${name}: identical bytes`);
  }
});

t.test('new storage rules apply to files created afterwards only', async (t) => {
  const dir = scratchDir(t);
  const writer = new WhisperWriter({ dataDir: dir, rules: RULES, workers: 1 });
  t.teardown(() => writer.close());
  await writer.write([{ name: 'old.metric', value: 1, timestamp: NOW }], NOW);
  writer.setRules(parseStorageRules('[all]\npattern = .\nretentions = 1h:1d\n', null));
  await writer.write([{ name: 'old.metric', value: 1, timestamp: NOW }, { name: 'new.metric', value: 1, timestamp: NOW }], NOW);
  t.same((await info(path.join(dir, 'old/metric.wsp')))?.archives.map((a) => a.secondsPerPoint), [60]);
  t.same((await info(path.join(dir, 'new/metric.wsp')))?.archives.map((a) => a.secondsPerPoint), [3600]);
});

t.test('a file replaced by another program is picked up at the next check', async (t) => {
  const dir = scratchDir(t);
  let clock = 0;
  const { StoreFiles } = await import('../../lib/store/write-files.js');
  const files = new StoreFiles({ dataDir: dir, rules: RULES, revalidateMs: 1000, clock: () => clock });
  t.teardown(() => files.close());
  files.writeBatch(['a.b'], [NOW], [1], NOW);
  t.equal(files.openFiles, 1, 'the fd is kept open');
  // Replace the file (as whisper-resize does: new inode at the same path).
  const file = path.join(dir, 'a/b.wsp');
  fs.renameSync(file, file + '.bak');
  await create(file, [[1, 100]], {});
  clock = 5000;
  const r = files.writeBatch(['a.b'], [NOW], [2], NOW);
  t.same(r.errors, []);
  t.same((await fetch(file, NOW - 1, NOW, NOW))?.values, [2], 'the point went into the new file');
  t.same((await fetch(file + '.bak', NOW - 60, NOW, NOW))?.values, [1], 'the old file kept its point');
});

t.test('writes after close() are refused', async (t) => {
  const dir = scratchDir(t);
  const writer = new WhisperWriter({ dataDir: dir, rules: RULES, workers: 1 });
  await writer.write([{ name: 'a', value: 1, timestamp: NOW }], NOW);
  await writer.close();
  await t.rejects(writer.write([{ name: 'a', value: 1, timestamp: NOW }], NOW), /closed/);
  t.same((await writer.write([], NOW).catch((e: Error) => e.message)), 'WhisperWriter is closed');
});

t.test('writes to the coarser archives are held back at most deferMs, and all written by close()', async (t) => {
  const dir = scratchDir(t);
  let clock = 0;
  const { StoreFiles } = await import('../../lib/store/write-files.js');
  const files = new StoreFiles({ dataDir: dir, rules: RULES, deferMs: 60_000, revalidateMs: 1e12, clock: () => clock });
  const file = path.join(dir, 'stats/x/count.wsp');
  const minute = async () => (await fetch(file, NOW - 3599, NOW + 60, NOW + 60, '1m'))!.values.filter((v) => v !== null);
  files.writeBatch(['stats.x.count', 'stats.y.count'], [NOW, NOW], [5, 1], NOW);
  t.same((await fetch(file, NOW - 10, NOW, NOW))?.values, [5], 'the finest archive is written at once');
  t.same(await minute(), [], 'the 1-minute archive is still held back');
  clock = 30_000;
  files.writeBatch(['stats.x.count'], [NOW + 10], [2], NOW + 10);
  t.same(await minute(), [], 'still within deferMs');
  clock = 61_000;
  files.writeBatch(['stats.x.count'], [NOW + 20], [3], NOW + 20);
  t.same(await minute(), [10], 'written once deferMs has passed');
  const other = path.join(dir, 'stats/y/count.wsp');
  t.same((await fetch(other, NOW - 3599, NOW + 60, NOW + 60, '1m'))!.values.filter((v) => v !== null), [1],
    'a metric not written in this batch is flushed by the same batch once due');
  files.writeBatch(['stats.x.count'], [NOW + 30], [4], NOW + 30);
  t.same(await minute(), [10], 'the next value is held back again');
  t.same(files.close(), []);
  t.same(await minute(), [14], 'close() writes everything');
});

t.test('overlapping writes and batches larger than one chunk are each written whole', async (t) => {
  const dir = scratchDir(t);
  const writer = new WhisperWriter({ dataDir: dir, rules: RULES, workers: 2 });
  t.teardown(() => writer.close());
  const big: MetricPoint[] = [];
  for (let i = 0; i < 10_000; i++) big.push({ name: `big.m${i % 500}`, value: i, timestamp: NOW - 60 * Math.floor(i / 500) });
  const [a, b] = await Promise.all([
    writer.write(big, NOW),
    writer.write([{ name: 'small.one', value: 42, timestamp: NOW }], NOW),
  ]);
  t.equal(a.files, 500);
  t.equal(a.created.length, 500);
  t.same(b.created, ['small.one']);
  t.same([...a.errors, ...b.errors], []);
  // 20 points per metric, spread over 20 minutes: all of them in the default 60:100 archive.
  const r = await fetch(path.join(dir, 'big/m7.wsp'), NOW - 1200, NOW, NOW);
  t.same(r?.values.filter((v) => v !== null).length, 20);
  t.same((await fetch(path.join(dir, 'small/one.wsp'), NOW - 60, NOW, NOW))?.values, [42]);
});

t.test('the fd budget follows the process limit when not configured', async (t) => {
  const { defaultMaxOpenFiles } = await import('../../lib/store/writer.js');
  const dir = scratchDir(t);
  const limits = (soft: string) => {
    const f = path.join(dir, `limits-${soft}`);
    fs.writeFileSync(f, `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                20000                files\n`);
    return f;
  };
  t.equal(defaultMaxOpenFiles(limits('20000')), 14232);
  t.equal(defaultMaxOpenFiles(limits('1024')), 64);
  t.equal(defaultMaxOpenFiles(limits('unlimited')), 65536);
  t.equal(defaultMaxOpenFiles(path.join(dir, 'missing')), 4096);
});

t.test('metrics that stop coming are forgotten after a while, their held-back writes written first', async (t) => {
  const dir = scratchDir(t);
  const { StoreFiles } = await import('../../lib/store/write-files.js');
  const files = new StoreFiles({ dataDir: dir, rules: RULES, deferMs: 1e12, revalidateMs: 1e12 });
  t.teardown(() => files.close());
  files.writeBatch(['stats.gone.count'], [NOW], [9], NOW);
  t.equal(files.openFiles, 1);
  for (let b = 1; b < 1280; b++) files.writeBatch(['stats.alive.count'], [NOW + 10 * b], [1], NOW + 10 * b);
  t.equal(files.openFiles, 1, 'only the live metric keeps an fd');
  const minute = await fetch(path.join(dir, 'stats/gone/count.wsp'), NOW - 3599, NOW + 60, NOW + 60, '1m');
  t.same(minute!.values.filter((v) => v !== null), [9], 'its held-back coarse point was written before it was forgotten');
});
