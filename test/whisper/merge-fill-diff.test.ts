// `sotto whisper merge|fill|diff` and the library's merge/diff/fill against Debian's whisper-merge,
// whisper-fill, whisper-diff and whisper.py: random file pairs (different archive lists,
// aggregation methods, gaps, zeros and NaNs, overlapping and disjoint points, points in several
// archives) must give byte-identical destinations and identical output; bad input must fail the
// same way and write nothing. SOTTO_SEED=<n> replays a run; SOTTO_PAIRS / SOTTO_LIB_PAIRS change
// how many pairs the CLI and library tests try.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { AGGREGATION_METHODS, create, diff, fill, merge, updateMany, type ArchiveDiff } from '../../lib/whisper/index.js';
import { pyFloatRepr } from '../../lib/whisper/pyformat.js';
import { DEBIAN_PYTHON, requirePeer } from '../support/interop.js';
import { HAS_WHISPER_PY, INSTALL_HINT, int, pick, rng, run, runCli, scratchDir } from './support.js';

const SEED = Number(process.env.SOTTO_SEED ?? 20250611);
const PAIRS = Number(process.env.SOTTO_PAIRS ?? 4);
const LIB_PAIRS = Number(process.env.SOTTO_LIB_PAIRS ?? 25);
const TOOLS = ['merge', 'fill', 'diff'].every((name) => fs.existsSync(`/usr/bin/whisper-${name}`));

function needTools(t: object, library = false): boolean {
  const what = library ? 'whisper.py and /usr/bin/whisper-fill' : 'whisper-merge, whisper-fill and whisper-diff';
  return requirePeer(t as Parameters<typeof requirePeer>[0], what, HAS_WHISPER_PY && TOOLS, INSTALL_HINT);
}

function tool(name: string, args: string[], cwd: string) {
  return run(`/usr/bin/whisper-${name}`, args, { cwd });
}

/** The message of the exception a Python traceback ends with ("NotImplementedError: x" → "x"). */
function pythonError(stderr: string): string {
  const last = stderr.trim().split('\n').pop() ?? '';
  return last.replace(/^[\w.]+: /, '');
}

type Archives = [number, number][];
interface FileSpec {
  archives: Archives;
  method: string;
  xff: number;
  /** update_many batches, in order */
  batches: [number, number][][];
}

/** Archive lists whose finest retention is long against the coarsest step (room between the edges, see below). */
function randomArchives(r: () => number): Archives {
  const count = pick(r, [1, 2, 3, 3]);
  const steps = [pick(r, [1, 5, 10, 60])];
  for (let i = 1; i < count; i++) steps.push(steps[i - 1]! * pick(r, [2, 3, 5, 6, 10]));
  let retention = Math.max(12 * steps[count - 1]!, 2400);
  return steps.map((s) => {
    const points = Math.ceil(retention / s) + int(r, 0, 20);
    retention = s * points * pick(r, [2, 3, 4]);
    return [s, points];
  });
}

function randomValue(r: () => number): number {
  const x = r();
  if (x < 0.5) return int(r, 1, 9); // small integers: equal values in both files are common
  if (x < 0.8) return (r() - 0.3) * 1000;
  if (x < 0.9) return 0; // whisper-fill takes 0.0 for a gap
  return pick(r, [NaN, -0, Infinity, 0.1, 1e300]);
}

/** Points over each archive's own span, at density varying by archive, with runs of missing slots. */
function randomPoints(r: () => number, archives: Archives, now: number, half?: 'old' | 'new'): [number, number][] {
  const points: [number, number][] = [];
  let newer = now;
  for (const [s, n] of archives) {
    const oldest = now - s * n;
    let [lo, hi] = [oldest, newer];
    if (half === 'old') hi = lo + Math.floor((hi - lo) / 2);
    if (half === 'new') lo = lo + Math.floor((hi - lo) / 2);
    const density = pick(r, [0, 0.3, 0.7, 0.95, 1]);
    for (let slot = lo - (lo % s) + s; slot < hi; slot += s) {
      if (r() < 0.04) slot += s * int(r, 1, 12);
      if (r() < density) points.push([slot + int(r, 0, s - 1), randomValue(r)]);
    }
    newer = oldest;
  }
  return points;
}

/** Splits points into 1–3 update_many batches in random order (the files differ in how they were propagated). */
function batches(r: () => number, points: [number, number][]): [number, number][][] {
  const shuffled = [...points].sort(() => r() - 0.5);
  const count = Math.min(pick(r, [1, 1, 2, 3]), Math.max(1, shuffled.length));
  return Array.from({ length: count }, (_, i) => shuffled.filter((_, k) => k % count === i));
}

interface Pair {
  kind: string;
  a: FileSpec;
  b: FileSpec;
}

/**
 * Two files: 'independent' (each its own points), 'disjoint' (a's in the older half of each
 * archive's span, b's in the newer), 'replica' (b = a with holes and a few other values: what
 * whisper-fill is for) or 'identical'. b keeps a's archives most of the time (merge and diff need
 * them), else gets its own (fill takes that; merge and diff must refuse it).
 */
function randomPair(r: () => number, now: number, keep: (t: number) => boolean = () => true): Pair {
  const kind = pick(r, ['independent', 'independent', 'disjoint', 'replica', 'replica', 'identical']);
  const archivesA = randomArchives(r);
  const archivesB = r() < 0.75 || kind === 'identical' ? archivesA : randomArchives(r);
  const spec = (archives: Archives, points: [number, number][]): FileSpec => ({
    archives,
    method: pick(r, AGGREGATION_METHODS),
    xff: pick(r, [0, 0, 0.3, 0.5, 1]),
    batches: batches(r, points.filter(([ts]) => keep(ts))),
  });
  const pointsA = randomPoints(r, archivesA, now, kind === 'disjoint' ? 'old' : undefined);
  let pointsB: [number, number][];
  if (kind === 'identical') pointsB = pointsA;
  else if (kind === 'disjoint') pointsB = randomPoints(r, archivesB, now, 'new');
  else if (kind === 'independent') pointsB = randomPoints(r, archivesB, now);
  else {
    pointsB = [];
    for (let i = 0; i < pointsA.length; i++) {
      if (r() < 0.08) i += int(r, 0, 30); // a hole in the replica
      else pointsB.push(r() < 0.05 ? [pointsA[i]![0], randomValue(r)] : pointsA[i]!);
    }
  }
  const a = spec(archivesA, pointsA);
  const b = kind === 'identical' ? { ...a } : spec(archivesB, pointsB);
  return { kind, a, b };
}

async function build(file: string, spec: FileSpec, now: number): Promise<void> {
  await create(file, spec.archives, { aggregationMethod: spec.method, xFilesFactor: spec.xff });
  for (const batch of spec.batches) await updateMany(file, batch, now);
}

const read = (file: string) => fs.readFileSync(file);
const copy = (from: string, to: string) => fs.copyFileSync(from, to);

/** A fresh directory holding copies of a.wsp and b.wsp from `src`. */
function copies(parent: string, name: string, src: string): string {
  const dir = path.join(parent, name);
  fs.mkdirSync(dir);
  for (const f of ['a.wsp', 'b.wsp']) copy(path.join(src, f), path.join(dir, f));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The library at a fixed clock, against whisper.py's merge/diff and the whisper-fill script's
// functions (the script loaded as a module, its time.time() set to the same clock). With the
// clock fixed, points may sit anywhere, right at the archives' edges included.

const PY_HARNESS = String.raw`
import importlib.machinery, importlib.util, json, sys, time, whisper
loader = importlib.machinery.SourceFileLoader('whisper_fill', '/usr/bin/whisper-fill')
spec = importlib.util.spec_from_loader('whisper_fill', loader)
wfill = importlib.util.module_from_spec(spec)
loader.exec_module(wfill)
r = lambda v: None if v is None else repr(v)
out = []
for task in json.load(sys.stdin):
    try:
        op = task['op']
        if op == 'merge':
            whisper.merge(task['from'], task['to'], task['timeFrom'], task['timeTo'], now=task['now'])
            out.append(None)
        elif op == 'diff':
            res = whisper.diff(task['a'], task['b'], ignore_empty=task['ignoreEmpty'], until_time=task['until'], now=task['now'])
            out.append([[n, [[ts, r(a), r(b)] for ts, a, b in d], total] for n, d, total in res])
        else:
            clock = task['now']
            time.time = lambda: clock  # whisper-fill reads the clock through time.time(), as whisper.py does
            wfill.fill_archives(task['src'], task['dst'], clock)
            out.append(None)
    except Exception as e:
        out.append({'error': '%s: %s' % (type(e).__name__, e)})
print(json.dumps(out))
`;

function diffAsPython(diffs: ArchiveDiff[]): unknown {
  const r = (v: number | null) => (v === null ? null : pyFloatRepr(v));
  return diffs.map((d) => [d.archive, d.diffs.map(([ts, a, b]) => [ts, r(a), r(b)]), d.total]);
}

t.test('library: merge, diff and fill write and answer what whisper.py does, at a fixed clock', async (t) => {
  if (!needTools(t, true)) return;
  const root = scratchDir(t);
  const r = rng(SEED);
  type Task = Record<string, unknown> & { op: string; check: () => Promise<unknown>; compare?: [string, string] };
  const tasks: Task[] = [];
  for (let i = 0; i < LIB_PAIRS; i++) {
    // Clocks aligned to every step or not, with and without a fraction (whisper-fill's time.time()).
    const whole = pick(r, [1_699_999_200, 1_700_000_000 + int(r, 0, 86400)]);
    const clock = whole + pick(r, [0, 0, 0.25, 0.5, 0.999]);
    const pair = randomPair(r, whole);
    const src = path.join(root, `pair${i}`);
    fs.mkdirSync(src);
    await build(path.join(src, 'a.wsp'), pair.a, whole);
    await build(path.join(src, 'b.wsp'), pair.b, whole);
    const label = `SOTTO_SEED=${SEED} pair ${i} (${pair.kind}, now ${clock})`;
    const maxRetention = Math.max(...pair.a.archives.map(([s, p]) => s * p));
    const timeFrom = r() < 0.5 ? null : whole - int(r, 0, maxRetention);
    // Times after now too: whisper.py reads such a range from the ring as it lies (merge) or dies (diff).
    const timeTo = pick(r, [null, null, whole - int(r, 0, maxRetention / 2), whole + int(r, 1, 2 * maxRetention)]);
    const diffUntil = pick(r, [null, null, 0, whole - int(r, 0, maxRetention), whole + int(r, 1, 2 * maxRetention)]);
    const ops: [string, Record<string, unknown>, (dir: string) => Promise<unknown>][] = [
      ['merge', { timeFrom, timeTo, now: whole }, (o) => merge(path.join(o, 'a.wsp'), path.join(o, 'b.wsp'), timeFrom, timeTo, whole)],
      ['fill', { now: clock }, (o) => fill(path.join(o, 'a.wsp'), path.join(o, 'b.wsp'), clock)],
      ['fill-back', { now: clock }, (o) => fill(path.join(o, 'b.wsp'), path.join(o, 'a.wsp'), clock)],
      ['fill-self', { now: clock }, (o) => fill(path.join(o, 'a.wsp'), path.join(o, 'a.wsp'), clock)],
      ['diff', { ignoreEmpty: false, until: diffUntil, now: whole }, (o) => diff(path.join(o, 'a.wsp'), path.join(o, 'b.wsp'), false, diffUntil, whole)],
      ['diff', { ignoreEmpty: true, until: null, now: whole }, (o) => diff(path.join(o, 'a.wsp'), path.join(o, 'b.wsp'), true, null, whole)],
    ];
    for (const [k, [op, args, ours]] of ops.entries()) {
      const py = copies(root, `pair${i}-${k}-py`, src);
      const mine = copies(root, `pair${i}-${k}-ours`, src);
      const files = op === 'fill-back' ? { src: 'b.wsp', dst: 'a.wsp' } : op === 'fill-self' ? { src: 'a.wsp', dst: 'a.wsp' } : { src: 'a.wsp', dst: 'b.wsp' };
      tasks.push({
        op: op.replace(/-(back|self)$/, ''),
        ...args,
        from: path.join(py, files.src),
        to: path.join(py, files.dst),
        a: path.join(py, 'a.wsp'),
        b: path.join(py, 'b.wsp'),
        src: path.join(py, files.src),
        dst: path.join(py, files.dst),
        label: `${op} ${label}`,
        check: () => ours(mine),
        compare: [path.join(py, files.dst), path.join(mine, files.dst)],
      });
    }
  }
  const input = JSON.stringify(tasks.map(({ check: _c, compare: _p, ...task }) => task));
  const results = JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', PY_HARNESS], { input, maxBuffer: 1 << 28 }).toString()) as unknown[];
  let identical = 0;
  for (const [i, task] of tasks.entries()) {
    let mine: unknown;
    try {
      const value = await task.check();
      mine = task.op === 'diff' ? diffAsPython(value as ArchiveDiff[]) : null;
    } catch (err) {
      mine = { error: `${(err as Error).name}: ${(err as Error).message}` };
    }
    const theirs = results[i] as { error?: string } | null;
    if (theirs && typeof theirs === 'object' && 'error' in theirs) {
      // whisper.py raises NotImplementedError / ValueError where sotto raises its WhisperExceptions.
      // (The messages name the files: each side its own copies.)
      const message = (text: string) => text.replace(/^\w+: /, '').replaceAll('-py/', '-ours/');
      const ours = (mine as { error?: string } | null)?.error ?? 'no error';
      if (theirs.error!.startsWith('IndexError')) t.match(ours, theirs.error!, `${task.label}: the same failure, explained`);
      else t.equal(message(ours), message(theirs.error!), `${task.label}: the same error`);
    } else {
      t.same(mine, theirs, `${task.label}: the same answer`);
    }
    const [py, ours] = task.compare!;
    const same = read(py).equals(read(ours));
    if (same) identical++;
    else t.fail(`${task.label}: ${path.basename(py)} differs from whisper.py's`);
  }
  t.equal(identical, tasks.length, 'every destination byte-identical');
});

// ---------------------------------------------------------------------------------------------
// The CLI against the tools, on the real clock. The tools take no `now`: merge, fill and diff
// read the clock themselves, and what they do depends on it only through their edges — now, now
// minus each archive's retention, and the --from/--until times given. So every point is kept
// well away from those edges (more than SLACK plus two steps of every archive, in each archive
// its bucket lands in), the pair is built from a clock read just before, and every tool run on it
// happens within SLACK seconds: then neither the second each tool starts in nor the time it takes
// can change a byte. The test checks that the pair stayed within SLACK.

const SLACK = 300;

t.test('CLI: merge, fill and diff give the bytes, output and exit codes of whisper-merge, -fill and -diff', async (t) => {
  if (!needTools(t)) return;
  const root = scratchDir(t);
  const r = rng(SEED + 1);
  const seen = { kept: 0, changed: new Set<string>(), differing: 0 }; // the runs did something
  for (let i = 0; i < PAIRS; i++) {
    const now = Math.floor(Date.now() / 1000);
    // The pair's layouts are known only once drawn: draw, choose the option times, then drop the points near any edge.
    const draft = randomPair(r, now);
    const maxRetention = Math.max(...draft.a.archives.map(([s, p]) => s * p));
    const mergeFrom = r() < 0.5 ? undefined : now - int(r, 600, maxRetention);
    const mergeUntil = r() < 0.5 ? undefined : now - int(r, 600, (mergeFrom === undefined ? maxRetention : now - mergeFrom) - 1);
    const diffUntil = r() < 0.5 ? undefined : now - int(r, 600, maxRetention);
    const steps = [...new Set([...draft.a.archives, ...draft.b.archives].map(([s]) => s))];
    const edges = [now, ...[...draft.a.archives, ...draft.b.archives].map(([s, p]) => now - s * p)];
    for (const e of [mergeFrom, mergeUntil, diffUntil]) if (e !== undefined) edges.push(e);
    const clear = (ts: number) => steps.every((s) => edges.every((e) => Math.abs(ts - (ts % s) - e) > SLACK + 2 * s));
    const pair = { ...draft, a: { ...draft.a, batches: draft.a.batches.map((b) => b.filter(([ts]) => clear(ts))) } };
    pair.b = draft.kind === 'identical' ? pair.a : { ...draft.b, batches: draft.b.batches.map((b) => b.filter(([ts]) => clear(ts))) };
    seen.kept += [...pair.a.batches, ...pair.b.batches].reduce((n, b) => n + b.length, 0);
    const label = `SOTTO_SEED=${SEED} pair ${i} (${pair.kind}${pair.a.archives === pair.b.archives ? '' : ', other archives'})`;

    const src = path.join(root, `pair${i}`);
    fs.mkdirSync(src);
    await build(path.join(src, 'a.wsp'), pair.a, now);
    await build(path.join(src, 'b.wsp'), pair.b, now);
    let n = 0;
    /** Runs the tool and sotto on fresh copies; compares stdout, exit code, errors and both files. */
    const both = async (name: string, args: string[], what: string) => {
      const py = copies(root, `pair${i}-${n}-py`, src);
      const ours = copies(root, `pair${i}-${n++}-ours`, src);
      const theirs = tool(name, args, py);
      const mine = await runCli(['whisper', name, ...args], ours);
      t.equal(mine.stdout, theirs.stdout, `${what} ${label}: stdout`);
      t.equal(mine.status, theirs.status, `${what} ${label}: exit code`);
      if (theirs.status !== 0) t.equal(mine.stderr, `[ERROR] ${pythonError(theirs.stderr)}\n`, `${what} ${label}: the error`);
      else t.equal(mine.stderr, '', `${what} ${label}: nothing on stderr`);
      for (const f of ['a.wsp', 'b.wsp']) {
        t.ok(read(path.join(ours, f)).equals(read(path.join(py, f))), `${what} ${label}: ${f} byte-identical`);
        if (!read(path.join(ours, f)).equals(read(path.join(src, f)))) seen.changed.add(name);
      }
      if (name === 'diff' && /\((?!0 of)\d+ of \d+ datapoints differ\)/.test(theirs.stdout)) seen.differing++;
      return theirs;
    };
    const timeArgs = [...(mergeFrom === undefined ? [] : ['--from', String(mergeFrom)]), ...(mergeUntil === undefined ? [] : ['--until', String(mergeUntil)])];
    await both('merge', ['a.wsp', 'b.wsp', ...timeArgs], `merge ${timeArgs.join(' ')}`);
    await both('merge', ['b.wsp', 'a.wsp'], 'merge back');
    await both('fill', ['a.wsp', 'b.wsp'], 'fill');
    await both('fill', ['b.wsp', 'a.wsp'], 'fill back');
    // (Not `merge a.wsp a.wsp`: there whisper.py's result depends on its read buffer, see tools.ts.)
    await both('fill', ['b.wsp', 'b.wsp'], 'fill from itself');
    const until = diffUntil === undefined ? [] : ['--until', String(diffUntil)];
    for (const mode of [[], ['--summary'], ['--columns'], ['--no-headers'], ['--columns', '--no-headers'], ['--summary', '--columns', '--no-headers'],
      ['--ignore-empty'], ['--json'], ['--summary', '--json'], until]) {
      await both('diff', [...mode, 'a.wsp', 'b.wsp'], `diff ${mode.join(' ')}`);
    }
    t.ok(Date.now() / 1000 - now < SLACK, `${label}: every run on the pair within ${SLACK} s of building it (else its points may be too close to an edge)`);
  }
  t.ok(seen.kept > 0, `the files held points (${seen.kept} kept clear of the edges)`);
  t.same([...seen.changed].sort(), ['fill', 'merge'], 'merge and fill changed files');
  t.ok(seen.differing > 0, `diff found differences (${seen.differing} outputs)`);
});

// ---------------------------------------------------------------------------------------------

t.test('fill --lock waits for a flock held by someone else, as whisper-fill --lock does', async (t) => {
  if (!needTools(t)) return;
  const dir = scratchDir(t);
  const now = Math.floor(Date.now() / 1000);
  const base = now - (now % 60) - 1200;
  await build(path.join(dir, 'a.wsp'), { archives: [[60, 60]], method: 'average', xff: 0.5, batches: [[[base, 1], [base + 60, 2], [base + 120, 3], [base + 180, 4]]] }, now);
  await build(path.join(dir, 'b.wsp'), { archives: [[60, 60]], method: 'average', xff: 0.5, batches: [[[base, 1], [base + 180, 4]]] }, now);
  const py = copies(dir, 'py', dir);
  const ours = copies(dir, 'ours', dir);
  const hold = `import fcntl, sys, time
f = open(sys.argv[1], 'rb'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(1.5)
print('releasing', int(time.time() * 1000), flush=True)`;
  for (const [who, cwd, fillIt] of [
    ['whisper-fill --lock', py, async () => tool('fill', ['--lock', 'a.wsp', 'b.wsp'], py).status],
    ['sotto whisper fill --lock', ours, async () => (await runCli(['whisper', 'fill', '--lock', 'a.wsp', 'b.wsp'], ours)).status],
  ] as const) {
    const holder = spawn(DEBIAN_PYTHON, ['-c', hold, path.join(cwd, 'b.wsp')], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 20_000 });
    let said = '';
    holder.stdout.on('data', (d: Buffer) => (said += d.toString()));
    const released = new Promise((resolve) => holder.once('close', resolve));
    while (!said.includes('locked')) await new Promise((resolve) => setTimeout(resolve, 10));
    t.equal(await fillIt(), 0, `${who}: exit code`);
    const finished = Date.now();
    await released;
    // The holder says when it lets go, just before it does: a fill that waited finished after that.
    const releasing = Number(/releasing (\d+)/.exec(said)?.[1]);
    t.ok(finished >= releasing, `${who} waited for the lock (finished ${finished - releasing} ms after the holder let go)`);
  }
  t.ok(read(path.join(ours, 'b.wsp')).equals(read(path.join(py, 'b.wsp'))), 'the same bytes');
  t.notOk(read(path.join(ours, 'b.wsp')).equals(read(path.join(dir, 'b.wsp'))), 'the gap was filled');
  const unlocked = await runCli(['whisper', 'fill', 'a.wsp', 'b.wsp'], copies(dir, 'plain', dir));
  t.equal(unlocked.status, 0, 'without --lock: no flock(1) needed');
});

t.test('bad input: a clear error, exit code 1 (2 for an unusable command line) and nothing written', async (t) => {
  if (!needTools(t)) return;
  const dir = scratchDir(t);
  const now = Math.floor(Date.now() / 1000);
  const base = now - (now % 60) - 1200;
  const points: [number, number][] = [[base, 1], [base + 240, 2]]; // with a gap, so fill would write
  await build(path.join(dir, 'ok.wsp'), { archives: [[60, 60], [300, 24]], method: 'average', xff: 0, batches: [points] }, now);
  await build(path.join(dir, 'gappy.wsp'), { archives: [[60, 60], [300, 24]], method: 'sum', xff: 0, batches: [[[base - 600, 5], [base + 480, 7]]] }, now);
  await build(path.join(dir, 'other.wsp'), { archives: [[60, 120], [600, 24]], method: 'average', xff: 0, batches: [points] }, now);
  fs.writeFileSync(path.join(dir, 'corrupt.wsp'), Buffer.from('000000630000003c3f00000000000001', 'hex')); // aggregation type 99
  const files = () => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, read(path.join(dir, f)).toString('hex')]));
  const before = files();
  const py = path.join(scratchDir(t), 'py');
  fs.mkdirSync(py);
  for (const f of fs.readdirSync(dir)) copy(path.join(dir, f), path.join(py, f));

  const cases: [string, string[], 'same' | 'status', RegExp?][] = [
    ['merge', ['nope.wsp', 'ok.wsp'], 'same'],
    ['merge', ['ok.wsp', 'nope.wsp'], 'same'],
    ['merge', ['ok.wsp', 'other.wsp'], 'same'], // NotImplementedError: … archive configurations are unalike
    ['merge', ['other.wsp', 'ok.wsp'], 'same'],
    ['merge', ['--from', String(now), '--until', String(now - 60), 'gappy.wsp', 'ok.wsp'], 'same'], // ValueError
    ['merge', ['corrupt.wsp', 'ok.wsp'], 'status', /^\[ERROR\] Unable to read header: unknown aggregation type 99 .*\(corrupt\.wsp\)\n$/],
    ['merge', ['ok.wsp', 'corrupt.wsp'], 'status', /\(corrupt\.wsp\)\n$/],
    ['diff', ['ok.wsp', 'other.wsp'], 'same'],
    ['diff', ['nope.wsp', 'ok.wsp'], 'status', /^\[ERROR\] File 'nope\.wsp' does not exist!\n$/],
    ['diff', ['ok.wsp', 'corrupt.wsp'], 'status', /\(corrupt\.wsp\)\n$/],
    ['diff', ['--until', String(now + 86400), 'ok.wsp', 'gappy.wsp'], 'status', /IndexError: list index out of range/],
    ['fill', ['gappy.wsp', 'nope.wsp'], 'status', /^\[ERROR\] File "nope\.wsp" does not exist!\n$/],
    ['fill', ['nope.wsp', 'ok.wsp'], 'status', /^\[ERROR\] File "nope\.wsp" does not exist!\n$/], // ok.wsp has a gap: whisper-fill fails too
    ['fill', ['corrupt.wsp', 'ok.wsp'], 'status', /\(corrupt\.wsp\)\n$/],
    ['fill', ['ok.wsp', 'corrupt.wsp'], 'status', /\(corrupt\.wsp\)\n$/],
  ];
  for (const [name, args, how, re] of cases) {
    const what = `${name} ${args.join(' ')}`;
    const theirs = tool(name, args, py);
    const mine = await runCli(['whisper', name, ...args], dir);
    t.equal(mine.status, 1, `${what}: exit code 1`);
    t.equal(mine.status, theirs.status, `${what}: whisper-${name}'s exit code`);
    t.equal(mine.stdout, '', `${what}: nothing on stdout`);
    if (how === 'same') {
      const message = theirs.stderr.startsWith('[ERROR]') ? theirs.stderr : `[ERROR] ${pythonError(theirs.stderr)}\n`;
      t.equal(mine.stderr, message, `${what}: whisper-${name}'s message`);
    } else t.match(mine.stderr, re!, `${what}: a clear message`);
    t.same(files(), before, `${what}: nothing written`);
  }

  // Command lines that cannot be used: optparse's exit code 2 for a bad number; sotto's 2 (the
  // tools print their help and exit 1) for a missing or extra file name.
  for (const [name, args, re] of [
    ['merge', ['--from', 'yesterday', 'gappy.wsp', 'ok.wsp'], /option --from: invalid integer value: 'yesterday'/],
    ['diff', ['--until', '12x', 'ok.wsp', 'gappy.wsp'], /option --until: invalid integer value: '12x'/],
    ['merge', ['ok.wsp'], /Not enough non-option arguments/],
    ['fill', ['gappy.wsp', 'ok.wsp', 'extra.wsp'], /Unknown argument/],
    ['fill', ['gappy.wsp', 'ok.wsp', '--bogus'], /Unknown argument: bogus/],
  ] as [string, string[], RegExp][]) {
    const what = `${name} ${args.join(' ')}`;
    const mine = await runCli(['whisper', name, ...args], dir);
    t.equal(mine.status, 2, `${what}: exit code 2`);
    t.match(mine.stderr, re, what);
    t.match(mine.stderr, new RegExp(`Run \`sotto whisper ${name} --help\` for usage`), `${what}: points at the help`);
    if (re.source.includes('invalid integer')) {
      const theirs = tool(name, args, py);
      t.equal(theirs.status, 2, `${what}: whisper-${name} exits 2 too`);
      t.match(theirs.stderr, re, `${what}: with the same complaint`);
    }
    t.same(files(), before, `${what}: nothing written`);
  }
});

t.test('optparse integers: hexadecimal, octal and binary as whisper-diff reads them', async (t) => {
  if (!needTools(t)) return;
  const dir = scratchDir(t);
  const now = Math.floor(Date.now() / 1000);
  await build(path.join(dir, 'a.wsp'), { archives: [[60, 60]], method: 'average', xff: 0, batches: [[[now - 600, 1]]] }, now);
  await build(path.join(dir, 'b.wsp'), { archives: [[60, 60]], method: 'average', xff: 0, batches: [[[now - 600, 2]]] }, now);
  // Each is a time long before now: only archive 0's empty window is compared (no clock edge near).
  for (const until of ['010', '0x1f', '0b101', '-7', '0', ' 12 ', '1_000', '0o17']) {
    const theirs = tool('diff', ['--until', until, 'a.wsp', 'b.wsp'], dir);
    const mine = await runCli(['whisper', 'diff', '--until', until, 'a.wsp', 'b.wsp'], dir);
    t.equal(mine.status, theirs.status, `--until '${until}': exit code`);
    t.equal(mine.stdout, theirs.stdout, `--until '${until}': output`);
  }
});

t.test('--help describes each command and its options', async (t) => {
  // In a child (yargs ends the process after printing help): bin/sotto, the built CLI. Not the
  // sources through tsx: tap records a child's coverage too, and tsx's code for lib/ would be
  // merged with the suite's as different functions (CI: lines 88 %, functions 70 %).
  const root = path.join(import.meta.dirname, '../..');
  if (!fs.existsSync(path.join(root, 'dist/lib/cli/main.js'))) throw new Error('run `npm run build` first');
  const help = (args: string[]) => run(process.execPath, [path.join(root, 'bin/sotto'), ...args], { cwd: root });
  for (const [name, words] of [
    ['merge', ['from_path', 'to_path', '--from', '--until']],
    ['fill', ['src', 'dst', '--lock']],
    ['diff', ['path_a', 'path_b', '--summary', '--ignore-empty', '--columns', '--no-headers', '--until', '--json']],
  ] as const) {
    const r = help(['whisper', name, '--help']);
    t.equal(r.status, 0, `${name} --help`);
    for (const w of words) t.match(r.stdout, w, `${name} --help mentions ${w}`);
  }
  const list = help(['whisper', '--help']);
  for (const name of ['merge', 'fill', 'diff']) t.match(list.stdout, new RegExp(`sotto whisper ${name} `), `whisper --help lists ${name}`);
});
