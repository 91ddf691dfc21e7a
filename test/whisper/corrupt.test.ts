// Bad input: truncated files, corrupt or lying headers, zero-length files. Every operation either
// works or throws CorruptWhisperFile naming the file; nothing is ever written past the end of a
// file, and a file that is refused is left exactly as it was.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { create, update, updateMany, fetch, info, setAggregationMethod, CorruptWhisperFile } from '../../lib/whisper/index.js';
import { readHeaderSync, runSync } from '../../lib/whisper/file-sync.js';
import { preparePoints, updateManyOps } from '../../lib/whisper/update-core.js';
import { int, rng, scratchDir } from './support.js';

const NOW = 1_700_000_000;
const SEED = Number(process.env.SOTTO_SEED ?? 77);

async function healthyFile(dir: string, name = 'ok.wsp'): Promise<string> {
  const file = path.join(dir, name);
  await create(file, [[60, 20], [300, 24], [3600, 10]], { xFilesFactor: 0 });
  await updateMany(file, Array.from({ length: 30 }, (_, i) => [NOW - i * 60, i] as [number, number]), NOW);
  return file;
}

/** Every operation on `file`, through the async API and the sync shell. */
async function allOperations(file: string): Promise<unknown[]> {
  const outcomes: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown> | unknown) => {
    try {
      outcomes.push(await fn());
    } catch (err) {
      outcomes.push(err);
    }
  };
  await attempt(() => info(file));
  await attempt(() => fetch(file, NOW - 3600, NOW, NOW));
  await attempt(() => fetch(file, NOW - 86400, NOW, NOW));
  await attempt(() => update(file, 1, NOW - 5, NOW));
  await attempt(() => updateMany(file, [[NOW - 100, 1], [NOW - 4000, 2], [NOW - 30000, 3]], NOW));
  await attempt(() => setAggregationMethod(file, 'max'));
  await attempt(() => {
    const fd = fs.openSync(file, 'r+');
    try {
      const state = readHeaderSync(fd, file);
      runSync(fd, file, state, updateManyOps(state.header, preparePoints([[NOW - 7, 4]]), NOW));
    } finally {
      fs.closeSync(fd);
    }
  });
  return outcomes;
}

t.test('a zero-length file is refused by every operation with an error naming it', async (t) => {
  const dir = scratchDir(t);
  const file = path.join(dir, 'empty.wsp');
  fs.writeFileSync(file, '');
  for (const outcome of await allOperations(file)) {
    t.type(outcome, CorruptWhisperFile);
    t.equal((outcome as CorruptWhisperFile).message, `Unable to read header: the file is empty (${file})`);
    t.equal((outcome as CorruptWhisperFile).path, file);
  }
  t.equal(fs.statSync(file).size, 0, 'still empty: nothing was written');
});

t.test('headers that lie are refused as corrupt, and the file is left untouched', async (t) => {
  const dir = scratchDir(t);
  const good = fs.readFileSync(await healthyFile(dir));
  const size = good.length;
  const patch = (edit: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    edit(b);
    return b;
  };
  const cases: [string, Buffer, RegExp][] = [
    ['unknown aggregation type', patch((b) => b.writeUInt32BE(9, 0)), /unknown aggregation type 9/],
    ['xFilesFactor above 1', patch((b) => b.writeFloatBE(2, 8)), /xFilesFactor 2\.0 is not between 0 and 1/],
    ['xFilesFactor NaN', patch((b) => b.writeFloatBE(NaN, 8)), /xFilesFactor nan is not between 0 and 1/],
    ['no archives', patch((b) => b.writeUInt32BE(0, 12)), /lists no archives/],
    ['more archives than the file holds', patch((b) => b.writeUInt32BE(0xffffffff, 12)), /Unable to read archive\d+ metadata: the header lists 4294967295 archives/],
    ['an archive beyond the end of the file', patch((b) => b.writeUInt32BE(size, 16 + 12 * 2)), /archive 2 .* beyond the end of the file/],
    ['an archive with more points than the file has room for', patch((b) => b.writeUInt32BE(100000, 16 + 12 * 2 + 8)), /beyond the end of the file/],
    ['an archive inside the header', patch((b) => b.writeUInt32BE(8, 16)), /overlaps the header or the previous archive/],
    ['overlapping archives', patch((b) => b.writeUInt32BE(good.readUInt32BE(16) + 12, 16 + 12)), /overlaps/],
    ['zero seconds per point', patch((b) => b.writeUInt32BE(0, 16 + 4)), /is empty/],
    ['archives out of order', patch((b) => b.writeUInt32BE(7200, 16 + 12 + 4)), /is not coarser than archive 1/],
    ['a maxRetention that no archive has', patch((b) => b.writeUInt32BE(36001, 4)), /maxRetention is 36001 but the archives retain 36000 seconds/],
    ['a file cut in the middle of the data', good.subarray(0, size - 100), /beyond the end of the file \(\d+ bytes\)/],
    ['a file cut in the middle of the header', good.subarray(0, 30), /Unable to read archive1 metadata/],
    ['a file shorter than the metadata', good.subarray(0, 10), /Unable to read header: the file is only 10 bytes long/],
  ];
  for (const [label, bytes, re] of cases) {
    const file = path.join(dir, 'bad.wsp');
    fs.writeFileSync(file, bytes);
    for (const outcome of await allOperations(file)) {
      t.type(outcome, CorruptWhisperFile, label);
      t.match((outcome as Error).message, re, label);
      t.match((outcome as Error).message, new RegExp(`\\(${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`), `${label}: names the file`);
    }
    t.ok(fs.readFileSync(file).equals(bytes), `${label}: the file is unchanged`);
  }
});

t.test('random damage to headers and random truncation never crash and never grow a file', async (t) => {
  const dir = scratchDir(t);
  const good = fs.readFileSync(await healthyFile(dir));
  const r = rng(SEED);
  let refused = 0;
  let accepted = 0;
  for (let i = 0; i < 150; i++) {
    let bytes: Buffer;
    if (i % 3 === 0) bytes = good.subarray(0, int(r, 0, good.length - 1));
    else {
      bytes = Buffer.from(good);
      const flips = int(r, 1, 4);
      for (let f = 0; f < flips; f++) bytes[int(r, 0, 16 + 36 - 1)] = int(r, 0, 255);
    }
    const file = path.join(dir, `fuzz.wsp`);
    fs.writeFileSync(file, bytes);
    for (const outcome of await allOperations(file)) {
      if (outcome instanceof Error) {
        if (!(outcome instanceof CorruptWhisperFile) && outcome.name !== 'TimestampNotCovered' && outcome.name !== 'InvalidTimestamp') {
          t.fail(`seed ${SEED} case ${i}: unexpected ${outcome.name}: ${outcome.message}`);
        }
        if (outcome instanceof CorruptWhisperFile) refused++;
      } else accepted++;
    }
    t.ok(fs.statSync(file).size <= bytes.length, `seed ${SEED} case ${i}: the file did not grow`);
  }
  t.ok(refused > 0 && accepted > 0, `both refused (${refused}) and accepted (${accepted}) outcomes occurred`);
});
