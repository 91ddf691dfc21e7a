// The tailer on real files in a temp dir: appends, partial lines, rename rotation, copytruncate,
// .gz, dated files, and restarts in the middle. Every line written is unique; every test checks
// that each was handed on exactly once.
import t, { type Test } from 'tap';
import {
  appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseSpec } from '../../lib/tracelog/file-set.js';
import type { LineOrigin } from '../../lib/tracelog/ingest.js';
import { Tailer, type LineSink } from '../../lib/tracelog/tail.js';
import type { TailState } from '../../lib/tracelog/tail-state.js';

class Collect implements LineSink {
  lines: string[] = [];
  origins: LineOrigin[] = [];
  chunk(buf: Uint8Array, origin: LineOrigin): number {
    let start = 0;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
      this.line(buf.subarray(start, nl), origin);
      start = nl + 1;
    }
    return start;
  }
  line(buf: Uint8Array, origin: LineOrigin): void {
    this.lines.push(Buffer.from(buf).toString('latin1'));
    this.origins.push(origin);
  }
}

function tempDir(t: Test): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sotto-tail-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
/** n unique, realistic-looking lines. */
function lines(n: number, tag = 'x'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = counter++;
    out.push(`B ${tag}.${k} 2020-01-01 00:00:${String(k % 60).padStart(2, '0')}.${String(k).padStart(6, '0').slice(-6)} GET /${tag}/${k}`);
  }
  return out;
}
const text = (ls: string[]): string => ls.map((l) => l + '\n').join('');

function tailer(t: Test, sink: LineSink, specs: string[], state?: TailState): Tailer {
  const logs: string[] = [];
  const tl = new Tailer({ specs: specs.map(parseSpec), sink, pollIntervalMs: 60_000, log: (m) => logs.push(m), state, drainPolls: 2 });
  t.teardown(() => tl.stop());
  return tl;
}

function exactlyOnce(t: Test, got: string[], want: string[], msg: string): void {
  const dupes = got.filter((l, i) => got.indexOf(l) !== i);
  t.same(dupes, [], `${msg}: no line twice`);
  t.same([...got].sort(), [...want].sort(), `${msg}: every line`);
}

t.test('appended lines are handed on once, an unfinished last line only when completed', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'trace.log');
  const sink = new Collect();
  const tl = tailer(t, sink, [file]);
  t.equal(await tl.pollNow(), 0, 'a missing file is waited for');
  const a = lines(3);
  writeFileSync(file, text(a.slice(0, 2)) + a[2]!.slice(0, 10));
  await tl.pollNow();
  t.same(sink.lines, a.slice(0, 2));
  appendFileSync(file, a[2]!.slice(10) + '\n');
  await tl.pollNow();
  t.same(sink.lines, a);
  t.same(sink.origins[0], { fallback: 'trace', forced: null }, 'the instance key falls back to the file name');
  t.equal(tl.snapshot().files[0]!.position, Buffer.byteLength(text(a)));
});

t.test('rename rotation: the old file is read to its end, late writes included, then the new one', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'trace.log');
  const sink = new Collect();
  const tl = tailer(t, sink, [file]);
  const first = lines(100);
  writeFileSync(file, text(first));
  await tl.pollNow();
  const unread = lines(50);
  appendFileSync(file, text(unread));
  renameSync(file, file + '.1');
  const late = lines(5);
  appendFileSync(file + '.1', text(late)); // the writer has not reopened yet
  const fresh = lines(30);
  writeFileSync(file, text(fresh));
  await tl.settle();
  exactlyOnce(t, sink.lines, [...first, ...unread, ...late, ...fresh], 'rename');
  t.ok(sink.lines.indexOf(late[4]!) < sink.lines.indexOf(fresh[0]!), 'the old content before the new');
  t.equal(tl.snapshot().files.length, 1, 'the rotated file is let go');
});

t.test('copytruncate: the unread end of the old content is read from the copy', async (t) => {
  for (const spec of ['trace.log', 'trace.log*']) {
    for (const refill of [5, 400]) {
      const dir = tempDir(t);
      const file = path.join(dir, 'trace.log');
      const sink = new Collect();
      const tl = tailer(t, sink, [path.join(dir, spec)]);
      const first = lines(100);
      writeFileSync(file, text(first));
      await tl.pollNow();
      const unread = lines(40);
      appendFileSync(file, text(unread));
      copyFileSync(file, file + '.1');
      truncateSync(file, 0);
      const fresh = lines(refill); // 400 lines: the file is longer again than where we stood
      appendFileSync(file, text(fresh));
      await tl.settle();
      exactlyOnce(t, sink.lines, [...first, ...unread, ...fresh], `spec ${spec}, ${refill} new lines`);
      await tl.stop();
    }
  }
});

t.test('a compressed copy (.gz) of a truncated file is used to recover its end', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'trace.log');
  const sink = new Collect();
  const tl = tailer(t, sink, [file]);
  const first = lines(80);
  writeFileSync(file, text(first));
  await tl.pollNow();
  const unread = lines(20);
  appendFileSync(file, text(unread));
  writeFileSync(file + '.1.gz', gzipSync(readFileSync(file)));
  truncateSync(file, 0);
  const fresh = lines(10);
  appendFileSync(file, text(fresh));
  await tl.settle();
  exactlyOnce(t, sink.lines, [...first, ...unread, ...fresh], 'copytruncate + compress');
});

t.test('a directory of dated files: oldest first, compressed ones read once, never twice', async (t) => {
  const dir = tempDir(t);
  const sink = new Collect();
  const old = lines(30, 'old');
  writeFileSync(path.join(dir, 'app-2020-01-01.log.gz'), gzipSync(text(old))); // history from before
  const day2 = lines(40);
  writeFileSync(path.join(dir, 'app-2020-01-02.log'), text(day2));
  writeFileSync(path.join(dir, '.hidden'), 'not a trace log\n');
  const tl = tailer(t, sink, [dir + '/']);
  await tl.settle();
  t.same(sink.lines, [...old, ...day2], 'the .gz first, then the live file');
  const day3 = lines(40);
  writeFileSync(path.join(dir, 'app-2020-01-03.log'), text(day3));
  const tail2 = lines(3);
  appendFileSync(path.join(dir, 'app-2020-01-02.log'), text(tail2));
  await tl.settle();
  // cron compresses yesterday's file
  writeFileSync(path.join(dir, 'app-2020-01-02.log.gz'), gzipSync(readFileSync(path.join(dir, 'app-2020-01-02.log'))));
  await tl.pollNow();
  unlinkSync(path.join(dir, 'app-2020-01-02.log'));
  await tl.settle();
  exactlyOnce(t, sink.lines, [...old, ...day2, ...day3, ...tail2], 'dated files');
  t.same(sink.origins.map((o) => o.fallback).filter((v, i, a) => a.indexOf(v) === i), ['app'], 'one instance from the dated names');
});

t.test('a restart in the middle carries on from the saved positions, across rotations made while down', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'trace.log');
  const all: string[] = [];
  const sink1 = new Collect();
  const tl1 = tailer(t, sink1, [file]);
  const a = lines(60);
  writeFileSync(file, text(a) + 'B half');
  all.push(...a);
  await tl1.settle();
  const saved = JSON.parse(JSON.stringify(tl1.snapshot())) as TailState;
  await tl1.stop();

  // While sotto is down: the half line is finished, more is written, the file is rotated by rename.
  const b = lines(20);
  appendFileSync(file, ' line\n' + text(b));
  all.push('B half line', ...b);
  renameSync(file, file + '.1');
  const c = lines(10);
  writeFileSync(file, text(c));
  all.push(...c);

  const sink2 = new Collect();
  const tl2 = tailer(t, sink2, [file], saved);
  await tl2.settle();
  exactlyOnce(t, [...sink1.lines, ...sink2.lines], all, 'rename while down');
  const saved2 = JSON.parse(JSON.stringify(tl2.snapshot())) as TailState;
  await tl2.stop();

  // Down again: the old file is compressed (and removed), the live one copy-truncated.
  const d = lines(15);
  appendFileSync(file, text(d));
  all.push(...d);
  writeFileSync(file + '.1.gz', gzipSync(readFileSync(file + '.1')));
  unlinkSync(file + '.1');
  copyFileSync(file, file + '.2');
  truncateSync(file, 0);
  const e = lines(5);
  appendFileSync(file, text(e));
  all.push(...e);

  const sink3 = new Collect();
  const tl3 = tailer(t, sink3, [file], saved2);
  await tl3.settle();
  exactlyOnce(t, [...sink1.lines, ...sink2.lines, ...sink3.lines], all, 'copytruncate while down');
});

t.test('a rotated file compressed and removed while down is finished from its .gz', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'trace.log');
  const sink1 = new Collect();
  const tl1 = tailer(t, sink1, [file]);
  const a = lines(50);
  writeFileSync(file, text(a));
  await tl1.settle();
  const saved = JSON.parse(JSON.stringify(tl1.snapshot())) as TailState;
  await tl1.stop();
  const b = lines(25);
  appendFileSync(file, text(b));
  writeFileSync(file + '.1.gz', gzipSync(readFileSync(file)));
  unlinkSync(file);
  const c = lines(5);
  writeFileSync(file, text(c));
  const sink2 = new Collect();
  const tl2 = tailer(t, sink2, [file], saved);
  await tl2.settle();
  exactlyOnce(t, [...sink1.lines, ...sink2.lines], [...a, ...b, ...c], 'gz while down');
});

t.test('background polling keeps up with a writer that rotates as it goes', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'trace.log');
  const sink = new Collect();
  const tl = new Tailer({ specs: [parseSpec(`web7=${file}`)], sink, pollIntervalMs: 2, log: () => undefined, drainPolls: 3 });
  t.teardown(() => tl.stop());
  tl.start();
  const all: string[] = [];
  for (let round = 0; round < 12; round++) {
    for (let k = 0; k < 10; k++) {
      const ls = lines(25);
      appendFileSync(file, text(ls));
      all.push(...ls);
      await new Promise((r) => setImmediate(r));
    }
    if (round % 3 === 2) {
      // Rotation comes long after a file appeared, in life: make sure the tailer has met this one.
      const ino = String(statSync(file).ino);
      for (let i = 0; i < 100 && !tl.snapshot().files.some((f) => f.ino === ino); i++) await tl.pollNow();
      renameSync(file, `${file}.${round}`);
    }
  }
  await tl.settle();
  exactlyOnce(t, sink.lines, all, 'concurrent writer');
  t.ok(sink.origins.every((o) => o.forced === 'web7'), 'name= forces the instance');
});
