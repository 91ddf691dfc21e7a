// The reading side of the store: graphite globs (compared with Python's fnmatch and graphite's
// brace expansion), the in-memory index (built at start, told about our writes, noticing other
// writers' files without a restart), and fetching real Whisper files.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { compileGlob, expandBraces, fnmatchRegex } from '../../lib/store/glob.js';
import { MetricReader } from '../../lib/store/reader.js';
import { create, updateMany } from '../../lib/whisper/index.js';
import { askPython, needGraphitePython, rng } from '../render/support/oracle.js';
import { needWhisperPy, tempDir, whisperPy } from '../http/support/harness.js';

t.test('fnmatch patterns and brace expansion match Python and graphite-web', (t) => {
  if (!needGraphitePython(t)) return t.end();
  const seed = 99;
  const random = rng(seed);
  const alphabet = ['a', 'b', 'c', '*', '?', '[', ']', '!', '-', 'z', '^', '\\', '{', '}', ','];
  const names = ['a', 'b', 'ab', 'abc', 'ba', 'c-z', '', 'a]', '!a', 'x^y', 'a\\b', '[ab]', 'zz', 'a-c'];
  const patterns: string[] = ['*', 'a*', '?', '[ab]', '[!a]*', '[a-c]', '[]a]', '[!]a]', '[', 'a[', '[]', '[!]', '*b*', 'a?c', '[^a]'];
  for (let i = 0; i < 150; i++) {
    let p = '';
    const n = 1 + Math.floor(random() * 5);
    for (let j = 0; j < n; j++) p += alphabet[Math.floor(random() * alphabet.length)];
    if (!p.includes('{') && !p.includes('}') && !p.includes(',') && !p.includes('\\')) patterns.push(p);
  }
  const braces = ['{a,b}', 'x{a,b}{c,d}', '{a,{b,c}}', '{a,}', '{', 'a}', '{{a,b}', '{a,b}}', 'p{}q', '{a,b,a}'];
  const answers = askPython([...patterns.map((pattern) => ({ op: 'fnmatch', pattern, names })), ...braces.map((s) => ({ op: 'braces', s }))]);
  const bad: string[] = [];
  patterns.forEach((p, i) => {
    let mine: string[];
    try {
      const re = fnmatchRegex(p);
      mine = names.filter((n) => re.test(n));
    } catch (err) {
      mine = [`error ${String(err)}`];
    }
    if (JSON.stringify(mine) !== JSON.stringify(answers[i])) bad.push(`${p}: ${JSON.stringify(mine)} vs ${JSON.stringify(answers[i])}`);
  });
  braces.forEach((s, i) => {
    const mine = expandBraces(s).sort();
    if (JSON.stringify(mine) !== JSON.stringify(answers[patterns.length + i])) bad.push(`braces ${s}: ${JSON.stringify(mine)} vs ${JSON.stringify(answers[patterns.length + i])}`);
  });
  t.same(bad, [], `seed ${seed}`);
  t.end();
});

t.test('whole-name globs, including ** and brace limits', (t) => {
  const m = compileGlob('stats.{api,web}.*.count');
  t.ok(m('stats.api.hits.count'));
  t.notOk(m('stats.db.hits.count'));
  t.notOk(m('stats.api.hits.count.x'));
  t.ok(compileGlob('a.**')('a.b.c.d'));
  t.ok(compileGlob('a.**.d')('a.d'), '** matches zero levels');
  t.ok(compileGlob('a.**.d')('a.b.c.d'));
  t.throws(() => expandBraces('{a,b}'.repeat(20)), { name: 'LimitError', message: /maxBraceVariants/ });
  t.end();
});

t.test('the index finds what is on disk, hears about our writes, and notices other writers', async (t) => {
  const dir = tempDir(t, 'sotto-index-');
  const mk = async (name: string): Promise<void> => {
    const file = path.join(dir, ...name.split('.')) + '.wsp';
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await create(file, [[10, 100]]);
  };
  await mk('a.b.c');
  await mk('a.b.d');
  await mk('a.x');
  fs.mkdirSync(path.join(dir, 'a', 'x'));
  fs.writeFileSync(path.join(dir, 'a', '.hidden.wsp'), '');
  fs.writeFileSync(path.join(dir, 'a', 'notes.txt'), '');
  fs.symlinkSync(dir, path.join(dir, 'a', 'loop'));
  const elsewhere = tempDir(t, 'sotto-index-ext-');
  await create(path.join(elsewhere, 'm.wsp'), [[10, 100]]);
  fs.symlinkSync(elsewhere, path.join(dir, 'a', 'link'));
  let clock = 0;
  const reader = new MetricReader({ dataDir: dir, revalidateMs: 1000, clock: () => clock });
  await reader.start();
  const names = async (q: string) => (await reader.find(q)).map((n) => `${n.path}${n.isLeaf ? '' : '/'}`).sort();
  t.same(await names('a.*'), ['a.b/', 'a.link/', 'a.x', 'a.x/'], 'branches and leaves; hidden files, non-.wsp files and symlink loops are not metrics');
  t.same(await names('a.b.{c,d}'), ['a.b.c', 'a.b.d']);
  t.same(await names('a.link.*'), ['a.link.m'], 'a symlinked directory is followed');
  t.equal(reader.index.size, 4);

  reader.notifyWritten(['new.metric.one']);
  t.same(await names('new.*.*'), ['new.metric.one'], 'a name announced by the collector is found at once');
  reader.notifyWritten(['new..metric.two', '.new.metric.one']);
  t.same(await names('new.*.*'), ['new.metric.one', 'new.metric.two'], 'as the name it is stored under (empty components dropped, as carbon does)');

  await mk('a.b.e');
  t.same(await names('a.b.e'), ['a.b.e'], 'an exact name written by someone else is found at once');
  await mk('a.b.f');
  t.same(await names('a.b.*'), ['a.b.c', 'a.b.d', 'a.b.e'], 'wildcards trust a listing younger than revalidateMs');
  clock += 1001;
  t.same(await names('a.b.*'), ['a.b.c', 'a.b.d', 'a.b.e', 'a.b.f'], 'then re-check the directory mtime');
  fs.rmSync(path.join(dir, 'a', 'b', 'c.wsp'));
  fs.rmSync(path.join(dir, 'a', 'x'), { recursive: true });
  clock += 1001;
  t.same(await names('a.*.*'), ['a.b.d', 'a.b.e', 'a.b.f', 'a.link.m'], 'removed files and directories disappear');
  t.same(await reader.index.allLeaves(), ['a.b.d', 'a.b.e', 'a.b.f', 'a.link.m', 'a.x', 'new.metric.one', 'new.metric.two']);
  t.same(
    (await reader.index.children('a'))!.map((n) => n.name).sort(),
    ['b', 'link', 'x'],
  );
  t.equal(await reader.index.children('no.such'), null);
  const tight = new MetricReader({ dataDir: dir, limits: { maxBraceVariants: 100, maxResults: 2, maxVisited: 1000 } });
  await tight.start();
  await t.rejects(tight.find('a.b.*'), { name: 'LimitError', message: /maxResults/ });
});

t.test('fetch reads the Whisper file fresh every time, and only inside the data directory', async (t) => {
  if (!needWhisperPy(t)) return;
  const dir = tempDir(t, 'sotto-reader-');
  const now = 1700000000;
  fs.mkdirSync(path.join(dir, 'app'));
  const file = path.join(dir, 'app', 'hits.wsp');
  whisperPy(`whisper.create(${JSON.stringify(file)}, [(10, 360)])\nwhisper.update_many(${JSON.stringify(file)}, [(${now - 20}, 1.5), (${now - 10}, 2.5)], now=${now})`);
  const reported: string[] = [];
  const reader = new MetricReader({ dataDir: dir, onReadError: (name, message) => reported.push(`${name}: ${message}`) });
  await reader.start();
  const s = await reader.fetch('app.hits', now - 60, now, now);
  t.same(s, { name: 'app.hits', start: now - 50, end: now + 10, step: 10, values: [null, null, null, 1.5, 2.5, null] }, 'whisper.fetch semantics: slots after from up to the one holding until');
  await updateMany(file, [[now, 9]], now);
  t.same((await reader.fetch('app.hits', now - 60, now, now))!.values.slice(-1), [9], 'a point written after startup is seen by the next fetch');
  t.equal(await reader.fetch('app.hits', now + 100, now + 200, now), null, 'a range in the future is nothing');
  t.equal(await reader.fetch('no.such', now - 60, now, now), null);
  for (const hostile of ['..', '../etc/passwd', 'app/../../x', 'a\u0000b', '.app.hits', 'app..hits']) {
    t.equal(await reader.fetch(hostile, now - 60, now, now), null, `${JSON.stringify(hostile)} is not a metric name`);
  }
  fs.writeFileSync(path.join(dir, 'app', 'broken.wsp'), 'not whisper');
  t.equal(await reader.fetch('app.broken', now - 60, now, now), null, 'a corrupt file reads as no data');
  t.equal(reader.readErrors, 1, 'and is counted');
  t.equal(await reader.fetch('app.broken', now - 60, now, now), null);
  t.equal(reader.readErrors, 2);
  t.equal(reported.length, 1, 'reported once, not at every read');
  t.match(reported[0], /^app\.broken: .*broken\.wsp/, 'naming the metric and the file');
  fs.copyFileSync(file, path.join(dir, 'app', 'broken.wsp')); // mended
  t.ok(await reader.fetch('app.broken', now - 60, now, now), 'a good read');
  fs.writeFileSync(path.join(dir, 'app', 'broken.wsp'), 'broken again');
  t.equal(await reader.fetch('app.broken', now - 60, now, now), null);
  t.equal(reported.length, 2, 'broken again after a good read: reported again');
  const all = await reader.fetchPattern('app.*', now - 60, now, now);
  t.same(
    all.map((x) => x.name),
    ['app.hits'],
  );
});
