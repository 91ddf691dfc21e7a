// The library API's own behaviour: sync and async flavours agree, create() is careful, info()
// says null for a missing file, setAggregationMethod/setXFilesFactor return the old values.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import {
  create, update, updateMany, fetch, info, setAggregationMethod, setXFilesFactor, resize,
  updateSync, updateManySync, fetchSync, infoSync, InvalidConfiguration, InvalidAggregationMethod, InvalidXFilesFactor,
  TimestampNotCovered, InvalidTimeInterval, InvalidGranularity, InvalidTimestamp,
} from '../../lib/whisper/index.js';
import { scratchDir } from './support.js';

const NOW = 1_700_000_000;

t.test('the sync and async flavours write and read the same', async (t) => {
  const dir = scratchDir(t);
  const a = path.join(dir, 'a.wsp');
  const b = path.join(dir, 'b.wsp');
  for (const f of [a, b]) await create(f, [[60, 60], [600, 24]], { xFilesFactor: 0, aggregationMethod: 'max', durable: true });
  await update(a, 1, NOW - 60, NOW);
  updateSync(b, 1, NOW - 60, NOW);
  await updateMany(a, [[NOW - 120, 2], [NOW - 3000, 3]], NOW);
  updateManySync(b, [[NOW - 120, 2], [NOW - 3000, 3]], NOW);
  updateManySync(b, [], NOW);
  t.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
  t.same(fetchSync(b, NOW - 3600, NOW, NOW), await fetch(a, NOW - 3600, NOW, NOW));
  t.same(infoSync(b), await info(a));
  t.equal(infoSync(path.join(dir, 'nope.wsp')), null);
  t.equal(await info(path.join(dir, 'nope.wsp')), null);
  t.equal(await info(path.join(dir, 'a.wsp', 'under-a-file.wsp')), null, 'ENOTDIR is "missing" too');
});

t.test("errors are whisper.py's classes with its messages", async (t) => {
  const dir = scratchDir(t);
  const f = path.join(dir, 'e.wsp');
  await create(f, [[60, 10]]);
  await t.rejects(create(f, [[60, 10]]), new InvalidConfiguration(`File ${f} already exists!`));
  await t.rejects(create(path.join(dir, 'x.wsp'), []), new InvalidConfiguration('You must specify at least one archive configuration!'));
  await t.rejects(create(path.join(dir, 'x.wsp'), [[60, 10]], { aggregationMethod: 'median' }), new InvalidAggregationMethod('Unrecognized aggregation method: median'));
  await t.rejects(create(path.join(dir, 'x.wsp'), [[60, 10]], { xFilesFactor: 1.5 }), new InvalidXFilesFactor('Invalid xFilesFactor 1.5, not between 0 and 1'));
  await t.rejects(create(path.join(dir, 'x.wsp'), [[0, 10]]), InvalidConfiguration);
  await t.rejects(create(path.join(dir, 'x.wsp'), [[2 ** 31, 4]]), /too large for the Whisper format/);
  t.notOk(fs.existsSync(path.join(dir, 'x.wsp')), 'no file is left behind by a refused create');
  await t.rejects(update(f, 1, NOW + 10, NOW), new TimestampNotCovered('Timestamp not covered by any archives in this database.'));
  await t.rejects(update(f, 1, NOW - 600, NOW), TimestampNotCovered);
  await t.rejects(update(f, 1, NaN, NOW), InvalidTimestamp);
  await t.rejects(updateMany(f, [[Infinity, 1]], NOW), InvalidTimestamp);
  await t.rejects(updateMany(f, [[2 ** 33, 1]], 2 ** 33), /unsigned 32-bit/);
  await t.rejects(fetch(f, NOW, NOW - 1, NOW), new InvalidTimeInterval(`Invalid time interval: from time '${NOW}' is after until time '${NOW - 1}'`));
  await t.rejects(fetch(f, NOW - 60, NOW, NOW, '5m'), new InvalidGranularity('Invalid granularity: 300'));
  t.equal(await fetch(f, NOW + 10, NOW + 20, NOW), null, 'a range in the future');
  t.equal(await fetch(f, NOW - 9000, NOW - 8000, NOW), null, 'a range beyond the retention');
  t.equal(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0, 'no temporary files are left');
});

t.test('setAggregationMethod and setXFilesFactor rewrite only the metadata and return the old values', async (t) => {
  const dir = scratchDir(t);
  const f = path.join(dir, 's.wsp');
  await create(f, [[60, 10], [600, 10]], { xFilesFactor: 0.1 });
  await updateMany(f, [[NOW - 60, 1]], NOW);
  const before = fs.readFileSync(f);
  t.equal(await setAggregationMethod(f, 'sum'), 'average');
  t.equal(await setXFilesFactor(f, 0.75), 0.10000000149011612);
  t.equal(await setAggregationMethod(f, 'last', '0.25'), 'sum');
  const after = fs.readFileSync(f);
  t.ok(after.subarray(16).equals(before.subarray(16)), 'everything after the 16 metadata bytes is unchanged');
  t.same([(await info(f))?.aggregationMethod, (await info(f))?.xFilesFactor], ['last', 0.25]);
  await t.rejects(setXFilesFactor(f, 'lots'), new InvalidXFilesFactor('Invalid xFilesFactor lots, not a float'));
  await t.rejects(setAggregationMethod(f, 'median'), InvalidAggregationMethod);
  t.ok(fs.readFileSync(f).equals(after), 'a refused change writes nothing');
});

t.test('resize into a new file leaves the original alone', async (t) => {
  const dir = scratchDir(t);
  const f = path.join(dir, 'r.wsp');
  await create(f, [[60, 60]]);
  await updateMany(f, [[NOW - 60, 5], [NOW - 120, 6]], NOW);
  const original = fs.readFileSync(f);
  const lines: string[] = [];
  const result = await resize(f, [[60, 120], [300, 48]], { newfile: path.join(dir, 'n.wsp'), now: NOW, log: (l) => lines.push(l), sparse: true });
  t.same(result, { path: path.join(dir, 'n.wsp'), backup: null });
  t.ok(fs.readFileSync(f).equals(original));
  t.same((await fetch(path.join(dir, 'n.wsp'), NOW - 180, NOW, NOW))?.values, [6, 5, null]);
  t.same(lines.slice(0, 2), ['Retrieving all data from the archives', `Creating new whisper database: ${path.join(dir, 'n.wsp')}`]);
  fs.writeFileSync(`${f}.tmp`, 'stale');
  const again: string[] = [];
  await resize(f, [[60, 30]], { now: NOW, log: (l) => again.push(l) });
  t.ok(again.includes(`Removing previous temporary database file: ${f}.tmp`));
  await t.rejects(resize(path.join(dir, 'missing.wsp'), [[60, 10]]), /does not exist/);
});

t.test('a file rewritten in place (same inode and size, other base timestamps) is fetched afresh', async (t) => {
  const dir = scratchDir(t);
  const a = path.join(dir, 'a.wsp');
  const b = path.join(dir, 'b.wsp');
  // The first archive is larger than the first header read: the second one's base is not in it.
  for (const f of [a, b]) await create(f, [[60, 400], [600, 100]], { xFilesFactor: 0 });
  // Older than the first archive's 400 minutes: each lands in the 10-minute archive and sets its base.
  updateSync(a, 1, NOW - 30_000, NOW);
  updateSync(b, 2, NOW - 27_000, NOW);
  const before = fetchSync(a, NOW - 40_000, NOW, NOW)!;
  t.equal(before.timeInfo[2], 600, 'the 10-minute archive answers');
  t.same(before.values.filter((v) => v !== null), [1]);
  const ino = fs.statSync(a).ino;
  fs.writeFileSync(a, fs.readFileSync(b)); // truncates and rewrites the same inode
  t.equal(fs.statSync(a).ino, ino);
  const fresh = fetchSync(b, NOW - 40_000, NOW, NOW)!;
  t.same(fresh.values.filter((v) => v !== null), [2]);
  t.same(fetchSync(a, NOW - 40_000, NOW, NOW), fresh, 'the base learnt from the old file is not trusted');
  t.same(await fetch(a, NOW - 40_000, NOW, NOW), fresh);
});
