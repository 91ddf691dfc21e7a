// The tracelog "Requests" view as Graphite expressions (pure: no DOM, no fetch). For an instance
// key (`web1`) or a glob of them (`web*`, `{web1,web2}`), the four graphs ZC's users relied on —
// request rate with the estimated maximum rate, backlog, errors, application time — plus the
// headroom. Everything is a /render target, so the same graphs work in Grafana or graphite-web.
//
// Per instance, every flush, sotto writes `tracelog.<instance>.requests.rate` (completed/s),
// `max_rate` (completed requests ÷ their total C→A seconds: what ONE application thread could
// serve at this interval's mean app time; absent when no request finished its app part),
// `backlog.{last,max}` (I seen, no C), `active.last`, `errors.rate`, `restarts.count` and
// statsd-style timers `timers.{app,total,…}.<stat>` in ms. Over a glob (G = the glob, T =
// application threads per instance, K = KEEP_LAST):
//
//   rate      R = sumSeries(tracelog.G.requests.rate)
//   max rate  M = scale(sumSeries(keepLastValue(tracelog.G.max_rate, K)), T)
//                 Σ over instances of each one's capacity: instances serve in parallel, so the
//                 cluster's capacity is the sum (not the average, not the max). An interval in
//                 which an instance finished no app work has no max_rate; its last estimate is
//                 kept for up to K points so an idle instance still counts (an instance gone
//                 longer stops counting). max_rate is per thread: T (default 1, as ZC drew it)
//                 scales it to the instance; scale() is left out when T = 1.
//   headroom  H = offset(scale(asPercent(R, M), -1), 100) = 100 − 100·R/M = (M − R) / M × 100 %
//                 from the sums, not an average of per-instance headrooms. Not written as
//                 asPercent(diffSeries(M, R), M): diffSeries skips nulls, so where the rate has
//                 no point yet (the slot being filled now) but M is kept, that would show 100 %;
//                 asPercent(R, M) is null wherever R or M is.
//   backlog   sumSeries(backlog.last); peak: sumSeries(backlog.max) (a sum of per-instance
//                 maxima: an upper bound, they need not coincide); active: sumSeries(active.last)
//   errors    sumSeries(tracelog.G.errors.rate)
//   app time  mean = divideSeries(sumSeries(timers.app.sum), sumSeries(timers.app.count)):
//                 exact over the glob. Percentiles cannot be summed or averaged:
//                 maxSeries(timers.app.upper_95) is the worst instance's, an upper bound of the
//                 cluster's 95th percentile (each instance has ≤ 5 % above its own). For one
//                 instance all of these reduce to the instance's own series.
//   restarts  drawAsInfinite(sumSeries(restarts.count)): a vertical line where > 0 (the page
//                 draws series tagged drawAsInfinite as markers, as graphite-web's PNGs do).

import { escapeGlob } from './treeModel.js';

export const KEEP_LAST = 30;

export interface RequestsOptions {
  /** Application threads per instance (max_rate is per thread). */
  threads: number;
  /** Child names of `tracelog.G.timers.app` (which percentiles exist); [] when there is none. */
  appStats: readonly string[];
  /** Child names of `tracelog.G.timers.total`, used when there is no app timer (Zope 2: no C). */
  totalStats?: readonly string[];
}

export interface RequestsGraph {
  /** Stable id: `rate`, `headroom`, `backlog`, `errors`, `time`. */
  id: string;
  title: string;
  targets: string[];
  /** The names the series get (their aliases), for legend toggles. */
  series: string[];
  unit: 'perSecond' | 'percent' | 'ms' | 'none';
}

/** `"…"` for an alias, with quotes and backslashes escaped. */
function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

const alias = (expr: string, name: string): string => `alias(${expr}, ${quote(name)})`;

/** The summed request rate R over the glob. */
export function rateExpr(glob: string): string {
  return `sumSeries(tracelog.${glob}.requests.rate)`;
}

/** The capacity M over the glob (see the header). */
export function maxRateExpr(glob: string, threads = 1): string {
  const sum = `sumSeries(keepLastValue(tracelog.${glob}.max_rate, ${KEEP_LAST}))`;
  return threads === 1 ? sum : `scale(${sum}, ${threads})`;
}

/** The headroom H = (M − R) / M as a percentage, written 100 − 100·R/M (null where R or M is). */
export function headroomExpr(glob: string, threads = 1): string {
  return `offset(scale(asPercent(${rateExpr(glob)}, ${maxRateExpr(glob, threads)}), -1), 100)`;
}

/** `upper_90`, `upper_95`, … present among the names, by percentile. */
function percentiles(stats: readonly string[]): Array<{ stat: string; label: string }> {
  return stats
    .map((s) => /^upper_(\d+(?:_\d+)?)$/.exec(s))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ stat: m[0], pct: Number(m[1]!.replace('_', '.')) }))
    .sort((a, b) => a.pct - b.pct)
    .map(({ stat, pct }) => ({ stat, label: `p${pct}` }));
}

function timeGraph(glob: string, timer: 'app' | 'total', stats: readonly string[]): RequestsGraph {
  const base = `tracelog.${glob}.timers.${timer}`;
  const lines: Array<[string, string]> = [];
  if (stats.includes('sum') && stats.includes('count')) lines.push([`divideSeries(sumSeries(${base}.sum), sumSeries(${base}.count))`, 'mean']);
  if (stats.includes('median')) lines.push([`maxSeries(${base}.median)`, 'median']);
  for (const p of percentiles(stats)) lines.push([`maxSeries(${base}.${p.stat})`, p.label]);
  if (stats.includes('upper')) lines.push([`maxSeries(${base}.upper)`, 'max']);
  const title = timer === 'app' ? 'Application time (C→A)' : 'Total time (B→E; these logs have no C, so no app time)';
  return { id: 'time', title, targets: lines.map(([e, n]) => alias(e, n)), series: lines.map(([, n]) => n), unit: 'ms' };
}

/** The five graphs of the Requests view for an instance key or a glob of instance keys. */
export function requestsGraphs(glob: string, options: RequestsOptions): RequestsGraph[] {
  const t = options.threads;
  const capacity = t === 1 ? 'max rate' : `max rate × ${t} threads`;
  const stats = options.appStats.length > 0 ? { timer: 'app' as const, names: options.appStats } : { timer: 'total' as const, names: options.totalStats ?? [] };
  return [
    {
      id: 'rate',
      title: 'Request rate and estimated maximum rate',
      targets: [
        alias(rateExpr(glob), 'rate'),
        alias(maxRateExpr(glob, t), capacity),
        alias(`drawAsInfinite(sumSeries(tracelog.${glob}.restarts.count))`, 'restarts'),
      ],
      series: ['rate', capacity, 'restarts'],
      unit: 'perSecond',
    },
    {
      id: 'headroom',
      title: 'Headroom: (max rate − rate) / max rate',
      targets: [alias(headroomExpr(glob, t), 'headroom')],
      series: ['headroom'],
      unit: 'percent',
    },
    {
      id: 'backlog',
      title: 'Backlog (waiting for an app thread) and active requests',
      targets: [
        alias(`sumSeries(tracelog.${glob}.backlog.last)`, 'backlog'),
        alias(`sumSeries(tracelog.${glob}.backlog.max)`, 'backlog peak'),
        alias(`sumSeries(tracelog.${glob}.active.last)`, 'active'),
      ],
      series: ['backlog', 'backlog peak', 'active'],
      unit: 'none',
    },
    {
      id: 'errors',
      title: 'Errors (5xx and Error:)',
      targets: [alias(`sumSeries(tracelog.${glob}.errors.rate)`, 'errors')],
      series: ['errors'],
      unit: 'perSecond',
    },
    timeGraph(glob, stats.timer, stats.names),
  ];
}

/**
 * A usable instance pattern (one path component: a key or a glob of keys), trimmed; null when
 * it would break out of the expression (dots, parentheses, quotes, spaces, a comma outside
 * `{…}`) or its brackets do not balance.
 */
export function cleanInstanceGlob(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const s = text.trim();
  if (!s || s.length > 500 || !/^[\w\-*?[\]{},!^~@%+:=#]+$/.test(s)) return null;
  let brace = 0;
  let bracket = false;
  for (const ch of s) {
    if (ch === '[') {
      bracket = true;
    } else if (ch === ']') {
      if (!bracket) return null;
      bracket = false;
    } else if (ch === '{') {
      if (brace) return null;
      brace = 1;
    } else if (ch === '}') {
      if (!brace) return null;
      brace = 0;
    } else if (ch === ',' && !brace) return null;
  }
  return brace || bracket ? null : s;
}

/** The pattern for a set of instances: `*` for all known, the key for one, `{a,b}` otherwise. */
export function globOf(selected: readonly string[], all: readonly string[]): string {
  const set = [...new Set(selected)].sort();
  if (set.length === 0) return '';
  if (all.length > 1 && set.length === all.length && all.every((a) => set.includes(a))) return '*';
  return set.length === 1 ? set[0]! : `{${set.join(',')}}`;
}

/** The tree node's instance pattern if it has a Requests view: `tracelog` (all) or `tracelog.<key>`. */
export function requestsGlobFor(path: string, isLeaf: boolean, childNames: readonly string[] | null): string | null {
  if (isLeaf) return null;
  if (path === 'tracelog') return '*';
  const m = /^tracelog\.([^.]+)$/.exec(path);
  if (!m) return null;
  if (childNames && !childNames.includes('requests')) return null;
  return escapeGlob(m[1]!);
}

/** What the view says about the instances the glob matched (from /metrics/expand answers). */
export function instanceNotes(matched: readonly string[], withMaxRate: readonly string[], glob: string): string[] {
  if (matched.length === 0) return [`No tracelog instance matches “${glob}”.`];
  const notes: string[] = [];
  const without = matched.filter((m) => !withMaxRate.includes(m));
  if (without.length === matched.length) {
    notes.push(`No max_rate for ${matched.length === 1 ? 'this instance' : 'these instances'}: Zope 2 logs have no C records (or no request has finished its application part yet), so there is no capacity estimate and no headroom.`);
  } else if (without.length > 0) {
    notes.push(`${without.join(', ')} ${without.length === 1 ? 'has' : 'have'} no max_rate (Zope 2 logs have no C): ${without.length === 1 ? 'its' : 'their'} requests count in the rate but add no capacity, which lowers the headroom. Leave ${without.length === 1 ? 'it' : 'them'} out of the selection for a fair headroom.`);
  }
  return notes;
}

/** `tracelog.web1.max_rate` → `web1` (the instance component of an expanded path). */
export function instanceOf(path: string): string | null {
  const m = /^tracelog\.([^.]+)(?:\.|$)/.exec(path);
  return m ? m[1]! : null;
}
