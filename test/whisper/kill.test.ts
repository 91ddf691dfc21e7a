// kill -9 in the middle of writing: the header is only ever written when a file is created (and
// files are created under a temporary name, then linked into place), so a killed writer never
// leaves a file whose header is damaged, and never an empty or header-less .wsp.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { create, fetch, info } from '../../lib/whisper/index.js';
import { headerSize } from '../../lib/whisper/header.js';
import { HAS_WHISPER_PY, WHISPER_TOOLS, int, rng, run, scratchDir } from './support.js';

const CHILD = fileURLToPath(new URL('./children/write-loop.ts', import.meta.url));
const KILLS = Number(process.env.SOTTO_KILLS ?? 4);
const SEED = Number(process.env.SOTTO_SEED ?? 9);

/** Starts the write loop, waits until it has written, lets it run a little more, kills it with SIGKILL. */
async function killMidWrite(t: { teardown(fn: () => void): void }, mode: string, target: string, delayMs: number): Promise<void> {
  // tsx starts in well under a second (tap's own TypeScript loader takes several).
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, mode, target], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the write loop ended by itself (code ${code})`)));
  });
  await new Promise((resolve) => setTimeout(resolve, delayMs)); // land the kill somewhere in the loop
  child.kill('SIGKILL');
  const [code, signal] = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the write loop was not killed (code ${code}, signal ${signal})`);
}

t.test('an update loop killed with SIGKILL leaves the header intact and the file readable', async (t) => {
  const dir = scratchDir(t);
  const file = path.join(dir, 'k.wsp');
  await create(file, [[10, 360], [60, 1440], [600, 4320]], { xFilesFactor: 0, aggregationMethod: 'sum' });
  const original = fs.readFileSync(file);
  const header = original.subarray(0, headerSize(3));
  const r = rng(SEED);
  for (let i = 0; i < KILLS; i++) {
    await killMidWrite(t, 'update', file, int(r, 0, 60));
    const now = fs.readFileSync(file);
    t.equal(now.length, original.length, `kill ${i + 1}: the size is unchanged`);
    t.ok(now.subarray(0, header.length).equals(header), `kill ${i + 1}: the header is byte-identical`);
    t.same((await info(file))?.archives.map((a) => a.points), [360, 1440, 4320]);
    // The 1-minute archive: each loop starts again at the same time and advances 60 s per batch,
    // so a loop that ran more than 60 batches before the kill has wrapped the 1-hour archive.
    const recent = await fetch(file, 1_700_000_000 - 3000, 1_700_000_000, 1_700_000_000, '1m');
    t.ok(recent!.values.some((v) => v !== null), `kill ${i + 1}: the points written before the kill are there`);
    if (HAS_WHISPER_PY && WHISPER_TOOLS) t.equal(run('/usr/bin/whisper-info', [file]).status, 0, 'whisper-info reads it');
  }
});

t.test('a writer killed while creating files never leaves an empty or header-less .wsp', async (t) => {
  const dir = scratchDir(t);
  const r = rng(SEED + 1);
  for (let i = 0; i < KILLS; i++) {
    await killMidWrite(t, 'writer', dir, int(r, 0, 80));
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(dir);
    const wsp = files.filter((f) => f.endsWith('.wsp'));
    t.ok(wsp.length > 0, `kill ${i + 1}: files were created`);
    let readable = 0;
    for (const f of wsp) if ((await info(f)) !== null) readable++;
    t.equal(readable, wsp.length, `kill ${i + 1}: all ${wsp.length} .wsp files have a valid header`);
    const leftovers = files.filter((f) => !f.endsWith('.wsp'));
    t.ok(leftovers.every((f) => path.basename(f).startsWith('.') && f.endsWith('.tmp')), `kill ${i + 1}: only hidden temp files besides .wsp files`);
  }
});
