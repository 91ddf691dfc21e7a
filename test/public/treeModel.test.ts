import t from 'tap';
import { ancestors, childCounts, escapeGlob, exactTarget, globToRegExp, highlightRanges, searchNames, sortChildren, TreeModel } from '../../public/src/treeModel.js';

const kids = (prefix: string, names: string[], leaf = false) => names.map((n) => ({ name: n, path: prefix ? `${prefix}.${n}` : n, isLeaf: leaf }));

t.test('visible rows are the nodes under expanded branches, depth first, branches before leaves', async (t) => {
  const m = new TreeModel();
  m.setChildren('', [...kids('', ['zeta'], true), ...kids('', ['stats', 'app'])]);
  t.same(m.rows().map((n) => n.path), ['app', 'stats', 'zeta']);
  m.setChildren('stats', [...kids('stats', ['b'], true), ...kids('stats', ['timers'])]);
  t.same(m.rows().map((n) => n.path), ['app', 'stats', 'zeta'], 'loaded children stay hidden until the branch opens');
  m.setExpanded('stats', true);
  t.same(m.rows().map((n) => [n.path, n.depth]), [['app', 0], ['stats', 0], ['stats.timers', 1], ['stats.b', 1], ['zeta', 0]]);
  m.setExpanded('stats', false);
  t.same(m.rows().map((n) => n.path), ['app', 'stats', 'zeta']);
  t.equal(m.indexOf('zeta'), 2);
  t.equal(m.indexOf('nope'), -1);
});

t.test('reloading children keeps what was open and forgets what went away', async (t) => {
  const m = new TreeModel();
  m.setChildren('', kids('', ['a', 'b']));
  m.setChildren('a', kids('a', ['x'], true));
  m.setExpanded('a', true);
  m.setChildren('', kids('', ['a', 'c']));
  t.same(m.rows().map((n) => n.path), ['a', 'a.x', 'c'], 'a stays open, b is gone, c is new');
  t.equal(m.get('b'), undefined);
  m.setLoading('c', false, 'boom');
  t.equal(m.get('c')!.error, 'boom');
  m.setExpanded('a.x', true);
  t.equal(m.get('a.x')!.expanded, false, 'a leaf cannot be expanded');
});

t.test('a node that turns from branch into leaf is replaced, with its old children forgotten', async (t) => {
  const m = new TreeModel();
  m.setChildren('', kids('', ['a']));
  m.setChildren('a', kids('a', ['x'], true));
  m.setChildren('', kids('', ['a'], true));
  t.equal(m.get('a')!.isLeaf, true);
  t.equal(m.get('a.x'), undefined);
});

t.test('100,000 rows flatten in one pass', async (t) => {
  const m = new TreeModel();
  m.setChildren('', kids('', ['big']));
  m.setChildren('big', kids('big', Array.from({ length: 100 }, (_, g) => `g${g}`)));
  m.setExpanded('big', true);
  for (let g = 0; g < 100; g++) {
    m.setChildren(`big.g${g}`, kids(`big.g${g}`, Array.from({ length: 1000 }, (_, i) => `m${i}`), true));
    m.setExpanded(`big.g${g}`, true);
  }
  const start = performance.now();
  const rows = m.rows();
  const ms = performance.now() - start;
  t.equal(rows.length, 1 + 100 + 100_000);
  t.equal(rows[2]!.path, 'big.g0.m0');
  t.comment(`flattened ${rows.length} rows in ${ms.toFixed(1)} ms`);
});

t.test('ancestors are the branches to open to show a path', async (t) => {
  t.same(ancestors('a.b.c'), ['a', 'a.b']);
  t.same(ancestors('a'), []);
});

t.test('children sort like graphite-web: branches first, then leaves, each by name in code-point order', async (t) => {
  const sorted = sortChildren([...kids('', ['b', 'A'], true), ...kids('', ['z', 'B'])]);
  t.same(sorted.map((c) => c.name), ['B', 'z', 'A', 'b']);
});

t.test('globs follow graphite: * and ? stay within one component, classes and braces work', async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['stats.*.api', 'stats.timers.api', true],
    ['stats.*', 'stats.timers.api', false],
    ['stats.t?mers.api', 'stats.timers.api', true],
    ['stats.t?mers.api', 'stats.t.mers.api', false],
    ['a.[0-9]', 'a.7', true],
    ['a.[!0-9]', 'a.7', false],
    ['a.[!0-9]', 'a.x', true],
    ['a.{b,c}.d', 'a.c.d', true],
    ['a.{b,c}.d', 'a.e.d', false],
    ['a.{b*,c}.d', 'a.bee.d', true],
    ['a.b(c)', 'a.b(c)', true],
    ['a.b+', 'a.bb', false],
  ];
  for (const [glob, name, expected] of cases) t.equal(globToRegExp(glob).test(name), expected, `${glob} vs ${name}`);
  t.throws(() => globToRegExp('a.[bc'), /unclosed/);
});

t.test('search matches text anywhere (any case), and globs whole names or single components', async (t) => {
  const names = ['stats.timers.api.login.mean', 'stats.timers.api.logout.mean', 'stats.counters.Login.rate', 'e2e.web.requests'];
  t.same(searchNames(names, 'login').matches, ['stats.timers.api.login.mean', 'stats.counters.Login.rate']);
  t.same(searchNames(names, 'stats.timers.*.*.mean').matches, ['stats.timers.api.login.mean', 'stats.timers.api.logout.mean']);
  t.same(searchNames(names, 'log*').matches, ['stats.timers.api.login.mean', 'stats.timers.api.logout.mean'], 'a dot-less glob matches a component');
  t.same(searchNames(names, '  '), { matches: [], total: 0, error: null });
  const limited = searchNames(names, 's', 2);
  t.same([limited.matches.length, limited.total], [2, 4], 'counts all matches, returns at most the limit');
  t.match(searchNames(names, 'a[b').error, /unclosed/);
});

t.test('search over 100,000 names answers well within a keystroke', async (t) => {
  const names = Array.from({ length: 100_000 }, (_, i) => `big.g${Math.floor(i / 1000)}.m${i % 1000}`);
  const start = performance.now();
  const r = searchNames(names, 'g42.m99');
  const ms = performance.now() - start;
  t.same(r.matches, ['big.g42.m99', 'big.g42.m990', 'big.g42.m991', 'big.g42.m992', 'big.g42.m993', 'big.g42.m994', 'big.g42.m995', 'big.g42.m996', 'big.g42.m997', 'big.g42.m998', 'big.g42.m999']);
  t.comment(`substring search over 100,000 names: ${ms.toFixed(1)} ms`);
});

t.test('highlights mark every occurrence of plain text, none for globs', async (t) => {
  t.same(highlightRanges('api.API.x', 'api'), [[0, 3], [4, 7]]);
  t.same(highlightRanges('api.x', 'a*'), []);
});

t.test('glob characters in a name component are escaped for find queries', async (t) => {
  t.equal(escapeGlob('plain'), 'plain');
  t.equal(escapeGlob('a*b?[c]{d}'), 'a[*]b[?][[]c[]]?d?', 'braces, which graphite expands first, as any one character');
  t.ok(globToRegExp(`x.${escapeGlob('cur{ly}')}`).test('x.cur{ly}'));
  t.equal(exactTarget('carbon.odd.br[ack]et.v'), 'carbon.odd.br[[]ack[]]et.v');
  t.equal(exactTarget(`a.f(x),y'z"|w=v.b\\c d`), `a.f\\(x\\)\\,y\\'z\\"\\|w\\=v.b?c?d`, 'grammar symbols escaped; a backslash or space as ?');
  t.equal(exactTarget('u.café.v'), 'u.café.v');
  t.ok(globToRegExp(`x.${escapeGlob('a*b')}`).test('x.a*b'));
  t.notOk(globToRegExp(`x.${escapeGlob('a*b')}`).test('x.aXb'));
});

t.test('child counts come from the list of metric names', async (t) => {
  const counts = childCounts(['a.b.c', 'a.b.d', 'a.e', 'f']);
  t.same(Object.fromEntries(counts), { '': 2, a: 2, 'a.b': 2 });
});
