// `sotto whisper …` against Debian's whisper-* tools: same arguments, same output, same bytes.
import t from 'tap';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fetch as wfetch, info as winfo } from '../../lib/whisper/index.js';
import { needWhisperPy, run, runCli, scratchDir } from './support.js';

const NOW = Math.floor(Date.now() / 1000);

function tool(name: string, args: string[], cwd: string) {
  return run(`/usr/bin/whisper-${name}`, args, { cwd });
}

/** Two directories with the same relative file names: one for whisper.py's tools, one for sotto. */
function twins(t: Parameters<typeof scratchDir>[0]) {
  const dir = scratchDir(t);
  const py = path.join(dir, 'py');
  const ours = path.join(dir, 'sotto');
  fs.mkdirSync(py);
  fs.mkdirSync(ours);
  return { py, ours };
}

t.test('create prints and writes what whisper-create does', async (t) => {
  if (!needWhisperPy(t, true)) return;
  const { py, ours } = twins(t);
  const cases: string[][] = [
    ['a.wsp', '60:1440'],
    ['b.wsp', '1h:7d', '60:1440', '12h:2y', '--xFilesFactor=0.1', '--aggregationMethod=max'],
    ['c.wsp', '10s:6h', '1m:7d', '10m:5y', '--aggregationMethod', 'sum', '--xFilesFactor', '0'],
    ['d.wsp', '15m:8', '--sparse'],
    ['e.wsp', '1s:1m', '--fallocate', '--xFilesFactor=1'],
  ];
  for (const args of cases) {
    const theirs = tool('create', args, py);
    const mine = await runCli(['whisper', 'create', ...args], ours);
    t.equal(mine.stdout, theirs.stdout, `stdout: ${args.join(' ')}`);
    t.equal(mine.status, theirs.status);
    t.ok(fs.readFileSync(path.join(ours, args[0]!)).equals(fs.readFileSync(path.join(py, args[0]!))), `bytes: ${args.join(' ')}`);
  }
  for (const args of [['--estimate', '60:1440', '1h:7d'], ['--estimate', '10s:6h,1m:7d,10m:5y'], ['--estimate', '1s:1d', '1m:1y', '1h:10y']]) {
    const theirs = tool('create', args, py);
    t.equal((await runCli(['whisper', 'create', ...args], ours)).stdout, theirs.stdout, args.join(' '));
  }
  // --overwrite replaces the file and says so.
  const theirs = tool('create', ['a.wsp', '1m:1h', '--overwrite'], py);
  const mine = await runCli(['whisper', 'create', 'a.wsp', '1m:1h', '--overwrite'], ours);
  t.equal(mine.stdout, theirs.stdout);
  t.ok(fs.readFileSync(path.join(ours, 'a.wsp')).equals(fs.readFileSync(path.join(py, 'a.wsp'))));
});

t.test('create refuses bad arguments with the message whisper.py gives, and leaves no file behind', async (t) => {
  if (!needWhisperPy(t, true)) return;
  const { py, ours } = twins(t);
  const cases = [
    ['x.wsp', '60:10', '--aggregationMethod', 'foo'],
    ['y.wsp', '60:10', '--xFilesFactor', '2'],
    ['z.wsp', '60:10', '90:100'],
    ['w.wsp', '60:10', '60:20'],
  ];
  for (const args of cases) {
    const theirs = tool('create', args, py);
    const mine = await runCli(['whisper', 'create', ...args], ours);
    t.equal(mine.status, 1, args.join(' '));
    t.equal(mine.stderr, theirs.stderr, `message: ${args.join(' ')}`);
    t.notOk(fs.existsSync(path.join(ours, args[0]!)), `no ${args[0]} left behind (whisper.py may leave an empty one)`);
  }
  fs.writeFileSync(path.join(ours, 'exists.wsp'), 'x');
  const exists = await runCli(['whisper', 'create', 'exists.wsp', '60:10'], ours);
  t.equal(exists.stderr, '[ERROR] File exists.wsp already exists!\n');
  t.equal(fs.readFileSync(path.join(ours, 'exists.wsp'), 'utf8'), 'x', 'an existing file is never touched');
  const bad = await runCli(['whisper', 'create', 'v.wsp', '60:1x'], ours);
  t.equal(bad.stderr, "[ERROR] Invalid unit 'x'\n");
  t.equal(bad.status, 1);
});

t.test('update, info, fetch and dump agree with the whisper-* tools on each other\'s files', async (t) => {
  if (!needWhisperPy(t, true)) return;
  const { py, ours } = twins(t);
  const base = NOW - (NOW % 60);
  for (const dir of [py, ours]) {
    // Each side's file is made by the other side's tools: whisper-create for sotto, sotto for whisper.py.
    const args = ['f.wsp', '60:30', '300:24', '3600:24', '--xFilesFactor=0.3'];
    if (dir === ours) t.equal(tool('create', args, dir).status, 0);
    else t.equal((await runCli(['whisper', 'create', ...args], dir)).status, 0);
  }
  const batches = [
    [`${base - 600}:1.5`],
    [`${base - 540}:0.1`, `${base - 480}:-2`, `${base - 420}:1e300`, `${base - 360}:3`],
    [`${base - 3000}:7`, `${base - 2700}:-0.0`, `${base - 2400}:inf`],
    [`${base - 7000}:2`, `${base - 6600}:4`], // well inside archive 1 whatever second each tool runs
  ];
  for (const points of batches) {
    const theirs = tool('update', ['f.wsp', ...points], py);
    const mine = await runCli(['whisper', 'update', 'f.wsp', ...points], ours);
    t.equal(theirs.status, 0, theirs.stderr);
    t.equal(mine.status, 0, mine.stderr);
    t.equal(mine.stdout, '');
  }
  t.ok(fs.readFileSync(path.join(ours, 'f.wsp')).equals(fs.readFileSync(path.join(py, 'f.wsp'))), 'identical bytes');

  for (const args of [[], ['--json'], ['xFilesFactor'], ['archives'], ['fileSize'], ['aggregationMethod'], ['nope']]) {
    const theirs = tool('info', ['f.wsp', ...args], py);
    const mine = await runCli(['whisper', 'info', 'f.wsp', ...args], ours);
    t.equal(mine.stdout, theirs.stdout, `info ${args.join(' ')}`);
    t.equal(mine.status, theirs.status, `info ${args.join(' ')} exit code`);
  }
  for (const args of [
    ['--from', String(base - 900), '--until', String(base)],
    ['--from', String(base - 900), '--until', String(base), '--json'],
    ['--from', String(base - 20000), '--until', String(base - 1000)],
    ['--from', String(base - 20000), '--json'],
    ['--from', String(base - 86399)],
    ['--from', String(base - 900), '--until', String(base), '--drop', 'nulls', '--json'],
    ['--from', String(base - 900), '--until', String(base), '--drop', 'zeroes', '--json'],
    ['--from', String(base - 20000), '--drop', 'empty', '--json'],
    ['--from', String(NOW + 1000)],
  ]) {
    const theirs = tool('fetch', ['f.wsp', ...args], py);
    const mine = await runCli(['whisper', 'fetch', 'f.wsp', ...args], ours);
    t.equal(mine.stdout, theirs.stdout, `fetch ${args.join(' ')}`);
    // The default --until is each tool's own clock, which may have ticked between the two runs.
    const clockless = (text: string) => text.replace(/until time '\d+'/, "until time 'now'");
    t.equal(clockless(mine.stderr), clockless(theirs.stderr), `fetch ${args.join(' ')} stderr`);
    t.equal(mine.status, theirs.status, `fetch ${args.join(' ')} exit code`);
  }
  for (const args of [[], ['--pretty'], ['--pretty', '-t', '%Y-%m-%d %H:%M:%S']]) {
    const theirs = tool('dump', ['f.wsp', ...args], py);
    const mine = await runCli(['whisper', 'dump', 'f.wsp', ...args], ours);
    t.equal(mine.stdout, theirs.stdout, `dump ${args.join(' ')}`);
  }
  t.equal((await runCli(['whisper', 'fetch', 'f.wsp', '--from', String(base - 900), '--until', String(base), '--pretty'], ours)).stdout,
    tool('fetch', ['f.wsp', '--from', String(base - 900), '--until', String(base), '--pretty'], py).stdout, 'fetch --pretty');
});

t.test('fetch --drop keeps each value with its own timestamp (whisper 1.1.4 renumbered them)', async (t) => {
  const dir = scratchDir(t);
  const base = NOW - (NOW % 60);
  await runCli(['whisper', 'create', 'g.wsp', '60:30'], dir);
  await runCli(['whisper', 'update', 'g.wsp', `${base - 300}:1`, `${base - 180}:0`, `${base - 120}:2`], dir);
  const all = (await runCli(['whisper', 'fetch', 'g.wsp', '--from', String(base - 400), '--until', String(base)], dir)).stdout.trim().split('\n');
  const dropped = (await runCli(['whisper', 'fetch', 'g.wsp', '--from', String(base - 400), '--until', String(base), '--drop', 'empty'], dir)).stdout;
  t.equal(dropped, all.filter((l) => !/\t(None|0\.000000)$/.test(l)).join('\n') + '\n');
  t.same(dropped.trim().split('\n').map((l) => Number(l.split('\t')[0])), [base - 300, base - 120]);
});

t.test('set-aggregation and set-xfilesfactor match whisper-set-aggregation-method / whisper-set-xfilesfactor', async (t) => {
  if (!needWhisperPy(t, true)) return;
  const { py, ours } = twins(t);
  for (const dir of [py, ours]) t.equal(tool('create', ['h.wsp', '60:10', '600:10'], dir).status, 0);
  for (const [cmd, ourCmd, args] of [
    ['set-aggregation-method', 'set-aggregation', ['max']],
    ['set-aggregation-method', 'set-aggregation', ['sum', '0.3']],
    ['set-xfilesfactor', 'set-xfilesfactor', ['0.7']],
    ['set-aggregation-method', 'set-aggregation', ['bogus']],
  ] as const) {
    const theirs = tool(cmd, ['h.wsp', ...args], py);
    const mine = await runCli(['whisper', ourCmd, 'h.wsp', ...args], ours);
    t.equal(mine.stdout, theirs.stdout, `${ourCmd} ${args.join(' ')}`);
    t.equal(mine.stderr, theirs.stderr, `${ourCmd} ${args.join(' ')} stderr`);
    t.equal(mine.status, theirs.status);
    t.ok(fs.readFileSync(path.join(ours, 'h.wsp')).equals(fs.readFileSync(path.join(py, 'h.wsp'))), `bytes after ${ourCmd} ${args.join(' ')}`);
  }
  const missing = await runCli(['whisper', 'set-aggregation', 'nope.wsp', 'max'], ours);
  t.equal(missing.status, 1);
  t.match(missing.stderr, /^\[ERROR\] File 'nope\.wsp' does not exist!/);
});

t.test('resize keeps the data, both ways: sotto on a whisper.py file, whisper-resize on a sotto file', async (t) => {
  if (!needWhisperPy(t, true)) return;
  const { py, ours } = twins(t);
  const base = NOW - (NOW % 3600);
  const points = Array.from({ length: 40 }, (_, i) => `${base - i * 600 - 1800}:${(i * 7) % 13}`);
  t.equal(tool('create', ['r.wsp', '60:60', '600:144', '3600:48', '--xFilesFactor=0'], py).status, 0);
  t.equal(tool('update', ['r.wsp', ...points], py).status, 0);
  t.equal((await runCli(['whisper', 'create', 'r.wsp', '60:60', '600:144', '3600:48', '--xFilesFactor=0'], ours)).status, 0);
  t.equal((await runCli(['whisper', 'update', 'r.wsp', ...points], ours)).status, 0);

  const newSchema = ['600:288', '3600:96'];
  const mine = await runCli(['whisper', 'resize', 'r.wsp', ...newSchema], py); // sotto resizes whisper.py's file
  const theirs = tool('resize', ['r.wsp', ...newSchema], ours); // whisper-resize resizes sotto's file
  t.equal(theirs.status, 0, theirs.stderr);
  t.equal(mine.status, 0, mine.stderr);
  t.equal(mine.stdout, theirs.stdout, 'the same progress lines');
  for (const dir of [py, ours]) {
    const who = dir === py ? 'sotto resize' : 'whisper-resize';
    const header = await winfo(path.join(dir, 'r.wsp'));
    t.same(header?.archives.map((a) => [a.secondsPerPoint, a.points]), [[600, 288], [3600, 96]]);
    t.ok(fs.existsSync(path.join(dir, 'r.wsp.bak')), 'the old file is kept as .bak');
    const after = await wfetch(path.join(dir, 'r.wsp'), NOW - 86400, null, null, '10m');
    const [start, , step] = after!.timeInfo;
    const kept = points.map((p) => {
      const [ts, v] = p.split(':').map(Number) as [number, number];
      return [ts, after!.values[(ts - start) / step], v];
    });
    t.same(kept.map(([ts, got]) => [ts, got]), kept.map(([ts, , v]) => [ts, v]), `${who} kept every point`);
  }
  t.ok(fs.readFileSync(path.join(py, 'r.wsp')).equals(fs.readFileSync(path.join(ours, 'r.wsp'))) || NOW !== Math.floor(Date.now() / 1000),
    'identical bytes when both ran within the same second');
  const nb = await runCli(['whisper', 'resize', 'r.wsp', '3600:200', '--nobackup', '--aggregate', '--aggregationMethod', 'sum'], ours);
  t.equal(nb.status, 0, nb.stderr);
  t.match(nb.stdout, /Migrating data with aggregation\.\.\.\n[\s\S]*Unlinking backup: r\.wsp\.bak\n$/);
  t.notOk(fs.existsSync(path.join(ours, 'r.wsp.bak')));
  const summed = await wfetch(path.join(ours, 'r.wsp'), NOW - 86400 * 3);
  const total = summed!.values.reduce<number>((a, v) => a + (v ?? 0), 0);
  const original = points.reduce((a, p) => a + Number(p.split(':')[1]), 0);
  t.equal(total, original, '--aggregate with sum keeps the total');
});

t.test('errors: missing files and corrupt files give one clear line and exit code 1', async (t) => {
  const dir = scratchDir(t);
  fs.writeFileSync(path.join(dir, 'empty.wsp'), '');
  for (const args of [['info', 'nope.wsp'], ['fetch', 'nope.wsp'], ['update', 'nope.wsp', '1:1'], ['dump', 'nope.wsp'], ['resize', 'nope.wsp', '60:10']]) {
    const r = await runCli(['whisper', ...args], dir);
    t.equal(r.status, 1, args.join(' '));
    t.match(r.stderr, /^\[ERROR\] File ['"]nope\.wsp['"] does not exist!\n$/, args.join(' '));
  }
  for (const cmd of ['info', 'fetch', 'dump']) {
    const r = await runCli(['whisper', cmd, 'empty.wsp'], dir);
    t.equal(r.status, 1);
    t.equal(r.stderr, '[ERROR] Unable to read header: the file is empty (empty.wsp)\n', cmd);
  }
  const r = await runCli(['whisper', 'update', 'empty.wsp', '1:1'], dir);
  t.equal(r.stderr, '[ERROR] Unable to read header: the file is empty (empty.wsp)\n');
  t.equal(fs.statSync(path.join(dir, 'empty.wsp')).size, 0, 'nothing was written');
  await runCli(['whisper', 'create', 'ok.wsp', '60:10'], dir);
  for (const [args, re] of [
    [['update', 'ok.wsp', '1.5:3'], /invalid timestamp '1\.5'/],
    [['update', 'ok.wsp', '100:x'], /invalid value 'x'/],
    [['update', 'ok.wsp', `${NOW + 100}:1`], /Timestamp not covered by any archives in this database\./],
    [['fetch', 'ok.wsp', '--from', String(NOW), '--until', String(NOW - 10)], /Invalid time interval: from time/],
  ] as [string[], RegExp][]) {
    const res = await runCli(['whisper', ...args], dir);
    t.equal(res.status, 1, args.join(' '));
    t.match(res.stderr, re, args.join(' '));
  }
  // whisper-fetch's --from/--until are optparse ints: 0x…, 0b…, a leading 0 is octal; a bad one exits 2
  const fetched = async (...args: string[]) => (await runCli(['whisper', 'fetch', 'ok.wsp', '--json', ...args], dir)).stdout;
  t.equal(await fetched('--from', '0x' + (NOW - 300).toString(16), '--until', String(NOW)), await fetched('--from', String(NOW - 300), '--until', String(NOW)), 'hexadecimal --from');
  t.equal(await fetched('--from', '0' + (NOW - 300).toString(8), '--until', String(NOW)), await fetched('--from', String(NOW - 300), '--until', String(NOW)), 'octal --from');
  const bad = await runCli(['whisper', 'fetch', 'ok.wsp', '--from', 'yesterday'], dir);
  t.same([bad.status, bad.stdout], [2, '']);
  t.match(bad.stderr, /option --from: invalid integer value: 'yesterday'/);
});

t.test('a command line yargs refuses never runs: exit code 2 and the files untouched', async (t) => {
  const dir = scratchDir(t);
  await runCli(['whisper', 'create', 'p.wsp', '60:100', '1h:1d'], dir);
  const before = fs.readFileSync(path.join(dir, 'p.wsp'));
  for (const args of [
    ['resize', 'p.wsp', '60:30', '--newf=n.wsp', '--aggregationM=max'], // optparse would take the prefixes; sotto must not resize p.wsp in place
    ['update', 'p.wsp', 'N:42', '--bogus'],
    ['set-xfilesfactor', 'p.wsp', '0.1', 'extra'],
    ['resize', 'p.wsp', '60:30', '--no-backup'],
  ]) {
    const r = await runCli(['whisper', ...args], dir);
    t.equal(r.status, 2, args.join(' '));
    t.match(r.stderr, /^sotto: (Unknown argument|Unknown arguments)/, args.join(' '));
    t.match(r.stderr, new RegExp(`Run \`sotto whisper ${args[0]} --help\` for usage`), "the hint names the command's own help");
    t.ok(fs.readFileSync(path.join(dir, 'p.wsp')).equals(before), `p.wsp untouched: ${args.join(' ')}`);
  }
  t.same(fs.readdirSync(dir).sort(), ['p.wsp'], 'no new file, no backup');
  const create = await runCli(['whisper', 'create', 't.wsp', '60:10', '--xfilesfactor', '0'], dir);
  t.equal(create.status, 2);
  t.equal(create.stdout, '', 'no "Created" line');
  t.notOk(fs.existsSync(path.join(dir, 't.wsp')));
});

t.test('errors name the file asked for: a missing directory, a directory given as a file', async (t) => {
  const dir = scratchDir(t);
  fs.mkdirSync(path.join(dir, 'd.wsp'));
  const create = await runCli(['whisper', 'create', 'nodir/x.wsp', '60:10'], dir);
  t.equal(create.stderr, '[ERROR] cannot create nodir/x.wsp: directory nodir does not exist\n', 'not the temporary file');
  t.equal(create.status, 1);
  for (const cmd of ['info', 'fetch', 'dump']) {
    const r = await runCli(['whisper', cmd, 'd.wsp'], dir);
    t.equal(r.stderr, '[ERROR] d.wsp: EISDIR: illegal operation on a directory, read\n', cmd);
  }
});

t.test('--json output is valid JSON', async (t) => {
  const dir = scratchDir(t);
  const created = JSON.parse((await runCli(['whisper', 'create', 'j.wsp', '60:10', '--json'], dir)).stdout);
  t.same(created, { path: 'j.wsp', size: 16 + 12 + 120 });
  t.same(JSON.parse((await runCli(['whisper', 'update', 'j.wsp', `${NOW - 60}:2`, '--json'], dir)).stdout), { path: 'j.wsp', points: 1 });
  const dump = JSON.parse((await runCli(['whisper', 'dump', 'j.wsp', '--json'], dir)).stdout);
  t.equal(dump.archives[0].data.length, 10);
  t.ok(dump.archives[0].data.some(([ts, v]: [number, number]) => ts === NOW - 60 - ((NOW - 60) % 60) && v === 2));
  const est = JSON.parse((await runCli(['whisper', 'create', '--estimate', '60:1440', '--json'], dir)).stdout);
  t.same(est, { archives: [{ secondsPerPoint: 60, points: 1440 }], size: 16 + 12 + 1440 * 12 });
  const agg = JSON.parse((await runCli(['whisper', 'set-aggregation', 'j.wsp', 'max', '0.25', '--json'], dir)).stdout);
  t.same(agg, { path: 'j.wsp', aggregationMethod: { old: 'average', new: 'max' }, xFilesFactor: { old: 0.5, new: 0.25 } });
  const resized = JSON.parse((await runCli(['whisper', 'resize', 'j.wsp', '60:20', '--json', '--nobackup'], dir)).stdout);
  t.same(resized, { path: 'j.wsp', backup: null });
});

t.test('output piped into a reader that stops early (| head) ends quietly, without a stack trace', async (t) => {
  const dir = scratchDir(t);
  await runCli(['whisper', 'create', 'big.wsp', '1s:1d'], dir);
  const bin = path.join(import.meta.dirname, '../../bin/sotto');
  if (!fs.existsSync(path.join(import.meta.dirname, '../../dist/lib/cli/main.js'))) throw new Error('run `npm run build` first');
  const child = spawn(process.execPath, [bin, 'whisper', 'dump', 'big.wsp'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // read one chunk, then close our end, as `head -3` does
  await new Promise<void>((resolve) => child.stdout.once('data', () => { child.stdout.destroy(); resolve(); }));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  t.equal(stderr, '', 'nothing on stderr');
  t.equal(code, 0);
});
