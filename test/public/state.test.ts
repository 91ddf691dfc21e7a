import t from 'tap';
import { dashboardState, defaultState, normalizeState, stateFromQuery, stateToQuery, type PageState } from '../../public/src/state.js';

// A small seeded generator (mulberry32): random states, reproducible from the printed seed.
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXT_BITS = ['stats', 'timers', 'api', '*', '{a,b}', 'sumSeries(', ')', ',', ' ', '"x y"', '&', '=', '%', '#', '?', '+', 'é', '|', 'scale(2)', '\\1', '<img src=x>'];

function randomState(r: () => number): PageState {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const text = () => Array.from({ length: 1 + Math.floor(r() * 6) }, () => pick(TEXT_BITS)).join(pick(['.', '', '.'])).trim() || 'x';
  const graphs = Array.from({ length: Math.floor(r() * 4) }, () => ({
    targets: [...new Set(Array.from({ length: 1 + Math.floor(r() * 3) }, text))],
    hidden: r() < 0.5 ? [text()] : [],
    title: r() < 0.3 ? text() : '',
  }));
  return {
    from: pick(['-1h', '-15min', '-7d', '1735689600', 'now-2d', '-1h']),
    until: pick(['now', 'now', '1735693200']),
    graphs,
    live: r() < 0.8,
    dashboard: r() < 0.3 ? pick(['ops', 'team board', 'é-2']) : null,
    view: pick(['graphs', 'requests'] as const),
    requests: {
      instances: pick(['*', 'web1', '{web1,web2}', 'app1__acme__*', 'web[12]']),
      threads: pick([1, 1, 4, 1024]),
      hidden: r() < 0.4 ? [pick(['rate', 'max rate × 4 threads', 'backlog peak', 'p99.9'])] : [],
    },
  };
}

t.test('any page state survives the trip through the URL unchanged', async (t) => {
  const seed = 20250101;
  const r = rng(seed);
  for (let i = 0; i < 300; i++) {
    const state = randomState(r);
    const query = stateToQuery(state);
    const back = stateFromQuery(`?${query}`);
    if (JSON.stringify(back) !== JSON.stringify(state)) {
      t.same(back, state, `round trip #${i} (seed ${seed}) via ${query}`);
      return;
    }
  }
  t.pass('300 random states round-tripped');
});

t.test('the default state is an empty URL, and an empty URL is the default state', async (t) => {
  t.equal(stateToQuery(defaultState()), '');
  t.same(stateFromQuery(''), defaultState());
});

t.test('graphs are numbered in the URL and read back in numeric order', async (t) => {
  const s = stateFromQuery('g10=c.d&g2=a.b&g2=a.c&h2=a.c&n10=Second');
  t.same(
    s.graphs.map((g) => [g.targets, g.hidden, g.title]),
    [
      [['a.b', 'a.c'], ['a.c'], ''],
      [['c.d'], [], 'Second'],
    ],
  );
  t.equal(stateToQuery(s), 'g0=a.b&g0=a.c&h0=a.c&g1=c.d&n1=Second', 'written back densely numbered');
});

t.test('malformed or hostile URL parts are ignored, never thrown', async (t) => {
  const s = stateFromQuery('from=<script>&until=&g0=&h0=x&gx=1&g9999=a&live=no&dash=');
  t.equal(s.from, '-1h', 'a from that is not a time expression falls back to the default');
  t.equal(s.until, 'now');
  t.same(s.graphs, [], 'a graph without targets is dropped; g9999 is beyond the 3-digit index');
  t.equal(s.live, true, 'only live=0 pauses');
  t.equal(s.dashboard, null);
});

t.test('a saved dashboard state is normalised: bad parts dropped, good parts kept', async (t) => {
  const s = normalizeState({ from: '-6h', until: 42, live: false, graphs: [null, { targets: [] }, { targets: ['a.b', 7, ' c.d '], hidden: 'x', title: 3 }, 'junk'] }, 'ops');
  t.same(s, { ...defaultState(), from: '-6h', until: 'now', live: false, dashboard: 'ops', graphs: [{ targets: ['a.b', 'c.d'], hidden: [], title: '' }] });
  t.same(normalizeState('nonsense'), defaultState());
});

t.test('the dashboard file stores the state without its own name, as a copy', async (t) => {
  const state = stateFromQuery('g0=a.b&dash=ops&from=-6h');
  const saved = dashboardState(state);
  t.notOk('dashboard' in saved);
  t.same(saved.graphs, [{ targets: ['a.b'], hidden: [], title: '' }]);
  t.same(normalizeState(saved, 'ops'), state, 'it opens back into the same page state');
  saved.graphs[0]!.targets.push('changed');
  t.same(state.graphs[0]!.targets, ['a.b'], 'changing the copy leaves the page state alone');
});

t.test('the Requests view is part of the URL: view, instances, threads and hidden series', async (t) => {
  const s = stateFromQuery('view=requests&inst=%7Bweb1%2Cweb2%7D&threads=4&rh=backlog+peak&rh=active&from=-6h');
  t.same([s.view, s.requests], ['requests', { instances: '{web1,web2}', threads: 4, hidden: ['backlog peak', 'active'] }]);
  t.equal(stateToQuery(s), 'from=-6h&view=requests&inst=%7Bweb1%2Cweb2%7D&threads=4&rh=backlog+peak&rh=active');
  t.same(stateFromQuery('view=requests').requests, { instances: '*', threads: 1, hidden: [] }, 'defaults: all instances, one thread');
  t.equal(stateToQuery(stateFromQuery('view=requests&inst=*&threads=1')), 'view=requests', 'defaults are left out of the URL');
});

t.test('a bad view or thread count falls back to the defaults', async (t) => {
  for (const threads of ['0', '-2', '1.5', 'x', '1025', '99999', '']) t.equal(stateFromQuery(`threads=${threads}`).requests.threads, 1, `threads=${threads}`);
  t.equal(stateFromQuery('threads=1024').requests.threads, 1024);
  t.equal(stateFromQuery('view=admin').view, 'graphs');
  t.equal(stateFromQuery('view=requests&inst=%20%20').requests.instances, '*', 'a blank instance pattern means all');
});

t.test('a dashboard keeps the Requests view', async (t) => {
  const state = stateFromQuery('view=requests&inst=web1&threads=2&rh=errors');
  t.same(normalizeState(JSON.parse(JSON.stringify(dashboardState(state))), null), state);
  const bad = normalizeState({ view: 'x', requests: { instances: 3, threads: '4', hidden: 'no' } });
  t.same([bad.view, bad.requests], ['graphs', { instances: '*', threads: 4, hidden: [] }], 'bad parts are dropped, a numeric string counts');
});
