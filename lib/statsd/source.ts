// The statsd pipeline: aggregator (parse + buckets) and the Graphite naming, configured from the
// slice of the configuration that concerns them. A flush takes the snapshot at once and returns
// the naming job, which the server runs in steps.
import type { SottoConfig } from '../config/options.js';
import { deleteSwitches } from '../config/options.js';
import { Aggregator } from './aggregate.js';
import { FlushNaming, type BackendStats, type NamingConfig } from './names.js';
import type { TimerStatsConfig } from './timer-stats.js';

export interface StatsdSource {
  aggregator: Aggregator;
  /** Ends the interval at `timestampMs`; the returned job names its points. */
  flush(timestampMs: number): FlushNaming;
}

export function namingConfig(c: SottoConfig): NamingConfig {
  return { ...c.graphite, prefixStats: c.prefixStats, flushCounts: c.flush_counts, keyNameSanitize: c.keyNameSanitize };
}

export function timerConfig(c: SottoConfig): TimerStatsConfig {
  return { percentThreshold: c.percentThreshold, histogram: c.histogram, calculatedTimerMetrics: c.calculatedTimerMetrics };
}

export function createStatsdSource(
  c: SottoConfig,
  backendStats: () => BackendStats,
  onBadLine?: (line: string) => void,
  clock: () => number = Date.now,
): StatsdSource {
  const del = deleteSwitches(c);
  const aggregator = new Aggregator({
    prefixStats: c.prefixStats,
    deleteCounters: del.counters,
    deleteTimers: del.timers,
    deleteGauges: del.gauges,
    deleteSets: del.sets,
    gaugesMaxTTL: c.gaugesMaxTTL,
    flushInterval: c.flushInterval,
    keyNameSanitize: c.keyNameSanitize,
    histogramsAsTimers: c.histogramsAsTimers,
    onBadLine,
  });
  const naming = namingConfig(c);
  const timers = timerConfig(c);
  return {
    aggregator,
    flush: (timestampMs) => new FlushNaming(aggregator.flush(timestampMs), naming, timers, { ...backendStats() }, clock),
  };
}
