// The data directory's mark: which sotto writes it, a sotto killed without clearing it (its
// creation temporaries swept at the next start), and a second sotto refused while the first runs.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { MARKER, claimDataDir, releaseDataDir, sweepTemporaries, temporaryOwner, type ProcessProbe } from '../../lib/store/data-dir-claim.js';
import { scratchDir } from '../whisper/support.js';

const probe = (alive: number[], sotto: number[]): ProcessProbe => ({ alive: (p) => alive.includes(p), isSotto: (p) => sotto.includes(p) });

t.test('creation temporaries are told by their name', async (t) => {
  t.equal(temporaryOwner('.count.wsp.4754.3981.tmp'), 4754);
  t.equal(temporaryOwner('.a.b.wsp.1.0.tmp'), 1, 'a metric component may hold dots of its own');
  for (const name of ['count.wsp', '.count.wsp', '.count.wsp.12.tmp', 'count.wsp.12.3.tmp', '.count.wsp.x.3.tmp', '.ops.123.abc.tmp', '.sotto.pid']) {
    t.equal(temporaryOwner(name), null, name);
  }
});

t.test('a clean start and stop: marked while running, unmarked after', async (t) => {
  const dir = path.join(scratchDir(t), 'data');
  t.same(claimDataDir(dir, 100, probe([], [])), { crashed: null, unmarked: null }, 'the directory is made and marked');
  t.equal(fs.readFileSync(path.join(dir, MARKER), 'utf8'), '100\n');
  t.same(claimDataDir(dir, 100, probe([100], [100])), { crashed: null, unmarked: null }, 'its own mark is no obstacle');
  releaseDataDir(dir, 200);
  t.ok(fs.existsSync(path.join(dir, MARKER)), "another process's release leaves the mark");
  releaseDataDir(dir, 100);
  t.notOk(fs.existsSync(path.join(dir, MARKER)));
  t.same(claimDataDir(dir, 101, probe([], [])), { crashed: null, unmarked: null }, 'after a clean stop nothing was left behind');
});

t.test('a mark of a sotto that still runs refuses the start; one of a process that is gone or not sotto is taken over', async (t) => {
  const dir = scratchDir(t);
  fs.writeFileSync(path.join(dir, MARKER), '300\n');
  t.throws(() => claimDataDir(dir, 400, probe([300], [300])), { message: `data directory ${dir} is in use by another sotto (pid 300): two collectors writing the same files would overwrite each other's points (if pid 300 is not sotto, remove ${path.join(dir, MARKER)})` });
  t.equal(fs.readFileSync(path.join(dir, MARKER), 'utf8'), '300\n', 'the running one keeps its mark');
  t.same(claimDataDir(dir, 400, probe([300], [])), { crashed: 300, unmarked: null }, 'pid 300 now runs something else: the sotto that had it is gone');
  t.same(claimDataDir(dir, 500, probe([], [])), { crashed: 400, unmarked: null }, 'killed without a clean stop');
  fs.writeFileSync(path.join(dir, MARKER), 'garbage');
  t.same(claimDataDir(dir, 600, probe([], [])), { crashed: null, unmarked: null }, 'an unreadable mark is replaced');
});

t.test("the sweep removes the killed sotto's temporaries and nothing else", async (t) => {
  const dir = scratchDir(t);
  const put = (rel: string) => { fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true }); fs.writeFileSync(path.join(dir, rel), 'x'); };
  const ours = ['stats/counters/a/.count.wsp.77.1.tmp', 'stats/counters/a/.rate.wsp.77.2.tmp', '.top.wsp.77.3.tmp'];
  const others = ['stats/counters/a/count.wsp', 'stats/counters/a/.count.wsp.78.1.tmp', 'stats/.hidden', 'stats/x.wsp.77.1.tmp'];
  for (const f of [...ours, ...others]) put(f);
  const elsewhere = scratchDir(t);
  fs.writeFileSync(path.join(elsewhere, '.m.wsp.77.9.tmp'), 'x');
  fs.symlinkSync(elsewhere, path.join(dir, 'linked'));
  t.equal(await sweepTemporaries(dir, 77), 3);
  for (const f of ours) t.notOk(fs.existsSync(path.join(dir, f)), `removed ${f}`);
  for (const f of others) t.ok(fs.existsSync(path.join(dir, f)), `kept ${f}`);
  t.ok(fs.existsSync(path.join(elsewhere, '.m.wsp.77.9.tmp')), 'a symlinked directory is not followed');
  t.equal(await sweepTemporaries(path.join(dir, 'missing'), 77), 0, 'a missing directory sweeps nothing');
});

t.test('a directory the mark cannot be written to is used without it (the writes say what is wrong)', async (t) => {
  const dir = scratchDir(t);
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  const claim = claimDataDir(path.join(dir, 'file', 'data'), 700, probe([], []));
  t.equal(claim.crashed, null);
  t.match(claim.unmarked, /ENOTDIR/);
});
