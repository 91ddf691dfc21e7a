// writerThreads: how many worker threads write the Whisper files (0: the calling thread).
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config/load.js';
import { openWhisperStore } from '../../lib/server.js';
import { fetch } from '../../lib/whisper/index.js';
import type { WriteReport } from '../../lib/store/writer.js';

const NOW = 1_700_000_000;

for (const threads of [0, 1, 3]) {
  t.test(`writerThreads ${threads}: that many writer threads start, and every point is written`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sotto-threads-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const { config } = loadConfig({ cwd: process.cwd(), env: { SOTTO_WRITER_THREADS: String(threads) }, flags: { 'data-dir': dir } });
    t.equal(config.writerThreads, threads);
    let started = 0;
    const count = () => started++;
    process.on('worker', count);
    const store = await openWhisperStore(config);
    const names = Array.from({ length: 50 }, (_, i) => `app.k${i}.count`);
    const report = (await store.write(names.map((name, i) => ({ name, value: i, timestamp: NOW })), NOW)) as WriteReport;
    await store.close();
    process.off('worker', count);
    t.equal(started, threads, 'worker threads started');
    t.same(report.errors, []);
    for (const [i, name] of names.entries()) {
      const r = await fetch(path.join(dir, ...name.split('.')) + '.wsp', NOW - 60, NOW, NOW);
      t.equal(r?.values.at(-1), i, `${name} holds its point`);
    }
  });
}

t.test('writerThreads must be a whole number of at least 0', async (t) => {
  t.throws(() => loadConfig({ cwd: process.cwd(), env: { SOTTO_WRITER_THREADS: '-1' }, flags: {} }), /SOTTO_WRITER_THREADS: writerThreads/);
  t.throws(() => loadConfig({ cwd: process.cwd(), env: { SOTTO_WRITER_THREADS: 'two' }, flags: {} }), /writerThreads/);
});
