// The fast path's read-ahead and clean ranges: a file updated the collector's way (a point or a
// batch per flush, in order, future slots included) stops reading for its propagations, and
// writes the same bytes as update_many from scratch each time (the general path).
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { create, updateManySync } from '../../lib/whisper/index.js';
import { cachedUpdateMany } from '../../lib/whisper/cached-update.js';
import { flushHeld } from '../../lib/whisper/fast-update.js';
import { FdIO, readHeaderSync } from '../../lib/whisper/file-sync.js';
import { layoutOf } from '../../lib/whisper/layout.js';
import { rng } from '../support/rng.js';
import { scratchDir } from './support.js';

/** FdIO counting its reads. */
class CountingIO extends FdIO {
  reads = 0;
  override read(offset: number, length: number, into: Uint8Array, at: number): void {
    this.reads++;
    super.read(offset, length, into, at);
  }
}

const ARCHIVES: [number, number][] = [[10, 2160], [60, 1440], [600, 200]]; // the default statsd schema's shape

// Reads per update before clean ranges: about 0.2, 1.1 and 2 (a bucket's slots read at every change of bucket).
for (const [batch, limit] of [[1, 0.1], [10, 0.3], [100, 1]] as const) {
  t.test(`batches of ${batch}: reads stop in the steady state, bytes as update_many's`, async (t) => {
    const dir = scratchDir(t);
    const fast = path.join(dir, 'fast.wsp');
    const plain = path.join(dir, 'plain.wsp');
    for (const f of [fast, plain]) await create(f, ARCHIVES, { xFilesFactor: 0.3, aggregationMethod: 'average', sparse: true });
    const fd = fs.openSync(fast, 'r+');
    t.teardown(() => fs.closeSync(fd));
    const layout = layoutOf(readHeaderSync(fd, fast).header);
    const mem = new Float64Array(layout.size);
    layout.reset(mem, 0);
    const io = new CountingIO(fd, fast);
    const r = rng(batch);
    let now = 1_700_000_000;
    const readsPerRound: number[] = [];
    for (let round = 0; round < 6000 / batch; round++) {
      now += 10 * batch;
      const points: [number, number][] = [];
      for (let k = batch - 1; k >= 0; k--) if (r() < 0.95) points.push([now - 10 * k, Math.round(r() * 1000) / 10]);
      if (r() < 0.05) points.push([now + 10 * Math.ceil(r() * 3), 7]); // a point from the future, now and then
      if (!points.length) continue;
      updateManySync(plain, points, now);
      const before = io.reads;
      const times = points.map((p) => p[0]);
      const values = points.map((p) => p[1]);
      cachedUpdateMany(layout, mem, 0, io, times, values, times.length, now, 1);
      readsPerRound.push(io.reads - before);
    }
    flushHeld(layout, mem, 0, io);
    t.ok(fs.readFileSync(fast).equals(fs.readFileSync(plain)), 'the same bytes as update_many each time');
    const late = readsPerRound.slice(readsPerRound.length / 2);
    const perRound = late.reduce((a, b) => a + b, 0) / late.length;
    t.ok(perRound < limit, `propagation reads per update in the second half: ${perRound.toFixed(3)} (< ${limit})`);
  });
}
