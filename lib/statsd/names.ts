// A flush snapshot → Graphite-named points, exactly as etsy statsd 0.9's graphite backend names
// them (backends/graphite.js flush_stats/format), legacyNamespace true or false, every prefix and
// suffix, in etsy's order: counters, timers, gauges, sets, numStats, calculationtime,
// processing_time, then the backend's own graphiteStats.*. Pure (the clock is passed in).
import type { MetricPoint } from '../types.js';
import type { StatsdSnapshot } from './aggregate.js';
import { sanitizeKey } from './parse.js';
import { forEachTimerStat, type TimerStatsConfig } from './timer-stats.js';

export interface NamingConfig {
  legacyNamespace: boolean;
  globalPrefix: string;
  prefixCounter: string;
  prefixTimer: string;
  prefixGauge: string;
  prefixSet: string;
  /** Appended as `.<suffix>` after the stat name (before tags); '' for none. */
  globalSuffix: string;
  prefixStats: string;
  /** etsy `flush_counts`: also send the raw counter count. */
  flushCounts: boolean;
  /** When false, keys were kept raw at ingest and only the name part (before `;`) is sanitized here. */
  keyNameSanitize: boolean;
}

/** etsy's graphiteStats: facts about the previous write (sotto: the store write of the previous flush). */
export interface BackendStats {
  lastException: number;
  lastFlush: number;
  flushTime: number;
  flushLength: number;
}

interface Namespaces {
  global: string;
  counter: string;
  counterCount: string;
  timer: string;
  gauge: string;
  set: string;
}

const joinNs = (parts: string[]): string => (parts.length ? parts.join('.') + '.' : '');

function namespaces(c: NamingConfig): Namespaces {
  if (c.legacyNamespace) {
    // Legacy mode ignores the custom prefixes (etsy hard-codes these).
    return { global: 'stats.', counter: 'stats.', counterCount: 'stats_counts.', timer: 'stats.timers.', gauge: 'stats.gauges.', set: 'stats.sets.' };
  }
  const g = c.globalPrefix !== '' ? [c.globalPrefix] : [];
  const with_ = (p: string): string => joinNs(p !== '' ? [...g, p] : g);
  const counter = with_(c.prefixCounter);
  return { global: joinNs(g), counter, counterCount: counter, timer: with_(c.prefixTimer), gauge: with_(c.prefixGauge), set: with_(c.prefixSet) };
}

/** Builds `ns + name[.sub] + suffix + ;tags` (tags always come last, as etsy's format()). */
function formatter(c: NamingConfig): (ns: string, key: string, sub?: string) => string {
  const suffix = c.globalSuffix !== '' ? '.' + c.globalSuffix : '';
  const sk = c.keyNameSanitize ? (k: string) => k : sanitizeKey;
  return (ns, key, sub) => {
    const semi = key.indexOf(';');
    const name = semi === -1 ? key : key.slice(0, semi);
    const tags = semi === -1 ? '' : key.slice(semi);
    return ns + sk(name) + (sub === undefined ? '' : '.' + sub) + suffix + tags;
  };
}

export interface NamedFlush {
  points: MetricPoint[];
  /** etsy `numStats`: keys flushed (counters incl. internal ones, timers, gauges, sets). */
  numStats: number;
}

/** Names one flush. `now` reads a millisecond clock for the self-timing stats. */
export function snapshotToPoints(
  snap: StatsdSnapshot,
  naming: NamingConfig,
  timerConfig: TimerStatsConfig,
  backend: BackendStats,
  now: () => number = Date.now,
): NamedFlush {
  const start = now();
  const ns = namespaces(naming);
  const format = formatter(naming);
  const ts = snap.timestamp;
  const points: MetricPoint[] = [];
  const add = (name: string, value: number): void => { points.push({ name, value, timestamp: ts }); };
  const seconds = snap.flushInterval / 1000;
  let numStats = 0;

  for (const [key, cell] of snap.counters) {
    const value = cell.v;
    if (naming.legacyNamespace) {
      add(format(ns.counter, key), value / seconds);
      if (naming.flushCounts) add(format(ns.counterCount, key), value);
    } else {
      add(format(ns.counter, key, 'rate'), value / seconds);
      if (naming.flushCounts) add(format(ns.counterCount, key, 'count'), value);
    }
    numStats++;
  }

  const processingStart = now();
  for (const [key, bucket] of snap.timers) {
    forEachTimerStat(bucket.values, bucket.count, snap.flushInterval, timerConfig, (sub, v) => add(format(ns.timer, key, sub), v), key);
    numStats++;
  }
  const processingTime = now() - processingStart;

  for (const [key, value] of snap.gauges) {
    add(format(ns.gauge, key), value);
    numStats++;
  }
  for (const [key, members] of snap.sets) {
    add(format(ns.set, key, 'count'), members.size);
    numStats++;
  }

  const suffix = naming.globalSuffix !== '' ? '.' + naming.globalSuffix : '';
  const ps = naming.prefixStats;
  if (naming.legacyNamespace) {
    add(ps + '.numStats' + suffix, numStats);
    add('stats.' + ps + '.graphiteStats.calculationtime' + suffix, now() - start);
    add('stats.' + ps + '.processing_time' + suffix, processingTime);
  } else {
    add(format(ns.global, ps, 'numStats'), numStats);
    add(format(ns.global, ps, 'graphiteStats.calculationtime'), now() - start);
    add(format(ns.global, ps, 'processing_time'), processingTime);
  }
  const gs = (naming.legacyNamespace ? 'stats.' : ns.global) + ps + '.graphiteStats.';
  add(gs + 'last_exception' + suffix, backend.lastException);
  add(gs + 'last_flush' + suffix, backend.lastFlush);
  add(gs + 'flush_time' + suffix, backend.flushTime);
  add(gs + 'flush_length' + suffix, backend.flushLength);
  return { points, numStats };
}
