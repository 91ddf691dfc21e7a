// The whole page state, and its round trip through the URL's query string (pure: no DOM).
//
//   /?from=-6h&until=now&g0=stats.timers.api.mean&g0=stats.timers.api.upper_95&h0=stats.timers.api.mean
//     &n0=API+latency&g1=sumSeries(stats.counters.*.rate)&dash=ops
//
// `from`/`until` are graphite time expressions (`-1h`, `now`, epoch seconds); `g<i>` repeats
// once per target of graph i; `h<i>` names a series hidden in the legend; `n<i>` is a title;
// `live=0` pauses live updates; `dash` is the saved dashboard the page was opened from.
//
// The tracelog Requests view: `view=requests` shows it; `inst` is the instance key or glob
// (default `*`, all), `threads` the application threads per instance (default 1), `rh` a
// series hidden in its legends:  /?view=requests&inst={web1,web2}&threads=4&rh=active

export interface GraphState {
  targets: string[];
  /** Series names (as the render API names them) hidden via the legend. */
  hidden: string[];
  title: string;
}

export type ViewId = 'graphs' | 'requests';

export interface RequestsState {
  /** Instance key or glob of keys under `tracelog.` (validated by cleanInstanceGlob when drawn). */
  instances: string;
  /** Application threads per instance (max_rate is per thread). */
  threads: number;
  /** Series names hidden in the view's legends. */
  hidden: string[];
}

export interface PageState {
  from: string;
  until: string;
  graphs: GraphState[];
  live: boolean;
  dashboard: string | null;
  view: ViewId;
  requests: RequestsState;
}

export const DEFAULT_FROM = '-1h';
export const DEFAULT_UNTIL = 'now';
const MAX_GRAPHS = 50;
const MAX_TARGETS = 50;
const MAX_TEXT = 2000;

export const ALL_INSTANCES = '*';
export const MAX_THREADS = 1024;

export function defaultState(): PageState {
  return { from: DEFAULT_FROM, until: DEFAULT_UNTIL, graphs: [], live: true, dashboard: null, view: 'graphs', requests: { instances: ALL_INSTANCES, threads: 1, hidden: [] } };
}

export function emptyGraph(targets: string[] = [], title = ''): GraphState {
  return { targets: [...targets], hidden: [], title };
}

export function stateToQuery(state: PageState): string {
  const q = new URLSearchParams();
  if (state.from !== DEFAULT_FROM) q.append('from', state.from);
  if (state.until !== DEFAULT_UNTIL) q.append('until', state.until);
  state.graphs.forEach((g, i) => {
    for (const t of g.targets) q.append(`g${i}`, t);
    for (const h of g.hidden) q.append(`h${i}`, h);
    if (g.title) q.append(`n${i}`, g.title);
  });
  if (!state.live) q.append('live', '0');
  if (state.dashboard) q.append('dash', state.dashboard);
  if (state.view !== 'graphs') q.append('view', state.view);
  const r = state.requests;
  if (r.instances !== ALL_INSTANCES) q.append('inst', r.instances);
  if (r.threads !== 1) q.append('threads', String(r.threads));
  for (const h of r.hidden) q.append('rh', h);
  return q.toString();
}

/** Parses a query string (with or without `?`); unknown or malformed parts are ignored, never thrown. */
export function stateFromQuery(query: string): PageState {
  const q = new URLSearchParams(query);
  const state = defaultState();
  state.from = cleanTime(q.get('from')) ?? DEFAULT_FROM;
  state.until = cleanTime(q.get('until')) ?? DEFAULT_UNTIL;
  state.live = q.get('live') !== '0';
  state.dashboard = cleanText(q.get('dash')) || null;
  state.view = cleanView(q.get('view'));
  state.requests = {
    instances: cleanText(q.get('inst')) || ALL_INSTANCES,
    threads: cleanThreads(q.get('threads')),
    hidden: q.getAll('rh').map(cleanText).filter((h) => h.length > 0),
  };
  const byIndex = new Map<number, GraphState>();
  for (const [key, value] of q) {
    const m = /^([ghn])(\d{1,3})$/.exec(key);
    if (!m) continue;
    const index = Number(m[2]);
    let graph = byIndex.get(index);
    if (!graph) byIndex.set(index, (graph = emptyGraph()));
    const text = cleanText(value);
    if (!text) continue;
    if (m[1] === 'g' && graph.targets.length < MAX_TARGETS) graph.targets.push(text);
    else if (m[1] === 'h') graph.hidden.push(text);
    else if (m[1] === 'n') graph.title = text;
  }
  state.graphs = [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, g]) => g)
    .filter((g) => g.targets.length > 0)
    .slice(0, MAX_GRAPHS);
  return state;
}

/** Accepts a saved dashboard's `state` (any JSON) and returns a valid PageState, dropping what does not fit. */
export function normalizeState(raw: unknown, dashboard: string | null = null): PageState {
  const state = defaultState();
  state.dashboard = dashboard;
  if (typeof raw !== 'object' || raw === null) return state;
  const r = raw as Record<string, unknown>;
  state.from = cleanTime(r.from) ?? DEFAULT_FROM;
  state.until = cleanTime(r.until) ?? DEFAULT_UNTIL;
  state.live = r.live !== false;
  if (Array.isArray(r.graphs)) {
    for (const g of r.graphs.slice(0, MAX_GRAPHS)) {
      if (typeof g !== 'object' || g === null) continue;
      const gr = g as Record<string, unknown>;
      const targets = strings(gr.targets).slice(0, MAX_TARGETS);
      if (targets.length === 0) continue;
      state.graphs.push({ targets, hidden: strings(gr.hidden), title: cleanText(gr.title) });
    }
  }
  state.view = cleanView(r.view);
  if (typeof r.requests === 'object' && r.requests !== null) {
    const req = r.requests as Record<string, unknown>;
    state.requests = { instances: cleanText(req.instances) || ALL_INSTANCES, threads: cleanThreads(req.threads), hidden: strings(req.hidden) };
  }
  return state;
}

/** The part of the state a dashboard file stores (the dashboard's own name is its file name). */
export function dashboardState(state: PageState): Omit<PageState, 'dashboard'> {
  const { dashboard: _omit, ...rest } = state;
  return structuredClone(rest);
}

function cleanView(x: unknown): ViewId {
  return x === 'requests' ? 'requests' : 'graphs';
}

/** A whole number of threads in 1…1024 (from a query string or JSON); 1 otherwise. */
function cleanThreads(x: unknown): number {
  const n = typeof x === 'number' ? x : typeof x === 'string' && /^\d{1,4}$/.test(x.trim()) ? Number(x) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_THREADS ? n : 1;
}

function strings(x: unknown): string[] {
  if (!Array.isArray(x)) return [];
  return x.map(cleanText).filter((s) => s.length > 0);
}

function cleanText(x: unknown): string {
  if (typeof x !== 'string') return '';
  return x.trim().slice(0, MAX_TEXT);
}

/** Graphite time expressions: letters, digits, `-+:_` (e.g. `-1h`, `now-1d`, `17:00_20250101`, `1735689600`). */
function cleanTime(x: unknown): string | null {
  const s = cleanText(x);
  return /^[-+:_\w]{1,64}$/.test(s) ? s : null;
}
