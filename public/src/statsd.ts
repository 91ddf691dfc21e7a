// One-click views for statsd's metric families (pure): a timer branch (`…timers.api.login` with
// `mean`, `median`, `upper_95`, `count_ps`, …) gets a latency graph and a throughput graph; a
// counter branch (`rate` + `count`, statsd's non-legacy names) or a legacy `stats_counts.x`
// leaf gets its per-second rate.

export type StatsdKind = 'timer' | 'counter' | 'legacyCounter';

export interface ViewGraph {
  title: string;
  targets: string[];
}

const TIMER_MARKERS = ['count_ps', 'mean', 'upper', 'lower'];

/** What a node is, from its path, whether it is a leaf and (for a branch) its child names once known. */
export function classify(path: string, isLeaf: boolean, childNames: readonly string[] | null): StatsdKind | null {
  if (isLeaf) return /^stats_counts\.[^.]/.test(path) ? 'legacyCounter' : null;
  if (!childNames) return null;
  const names = new Set(childNames);
  if (TIMER_MARKERS.every((m) => names.has(m))) return 'timer';
  if (names.has('rate') && names.has('count') && names.size <= 3) return 'counter';
  return null;
}

/** The upper percentile to show: upper_95 if present, else the highest other upper_N, else upper. */
function upperPercentile(childNames: readonly string[]): string | null {
  if (childNames.includes('upper_95')) return 'upper_95';
  const uppers = childNames
    .map((n) => /^upper_(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  if (uppers.length) return uppers[0]![0];
  return childNames.includes('upper') ? 'upper' : null;
}

const NAMESPACE_WORDS = new Set(['stats', 'stats_counts', 'timers', 'counters', 'gauges', 'sets']);

/** The graphs of a statsd view for the node; [] when the node is none of the known kinds. */
export function statsdView(kind: StatsdKind, path: string, childNames: readonly string[] = []): ViewGraph[] {
  // The key without statsd's namespaces: `api.login.latency`, not `latency` (every timer's panel would read alike).
  const parts = path.split('.');
  let skip = 0;
  while (skip < parts.length - 1 && NAMESPACE_WORDS.has(parts[skip]!)) skip++;
  const label = parts.slice(skip).join('.');
  if (kind === 'timer') {
    const latency = ['mean', 'median', upperPercentile(childNames)]
      .filter((n): n is string => n !== null && childNames.includes(n))
      .map((n) => `${path}.${n}`);
    const graphs: ViewGraph[] = [];
    if (latency.length) graphs.push({ title: `${label} latency`, targets: latency });
    if (childNames.includes('count_ps')) graphs.push({ title: `${label} throughput`, targets: [`${path}.count_ps`] });
    return graphs;
  }
  if (kind === 'counter') return [{ title: `${label} rate`, targets: [`${path}.rate`] }];
  // Legacy namespace: stats_counts.<key> holds the raw count, stats.<key> the per-second rate.
  return [{ title: `${label} rate`, targets: [`stats.${path.slice('stats_counts.'.length)}`] }];
}

export const KIND_LABELS: Record<StatsdKind, string> = {
  timer: 'timer panel',
  counter: 'rate',
  legacyCounter: 'rate',
};

// What statsd (and sotto) write about themselves at every flush, in both namespaces:
// stats.statsd.numStats, stats.counters.statsd.bad_lines_seen.count, stats.gauges.statsd.*,
// legacy stats_counts.statsd.* and statsd.numStats.
const INTERNAL = /^(?:stats(?:_counts)?\.)?(?:(?:counters|gauges|timers|sets)\.)?statsd\./;

/** True when no metric is the user's: nothing at all, or only sotto's own statistics. */
export function onlyInternalMetrics(names: readonly string[]): boolean {
  return names.every((n) => INTERNAL.test(n));
}
