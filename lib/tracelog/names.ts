// Closed request intervals → Graphite points under `tracelog.<instance>.`. Pure.
//
// Every point carries its bucket's END as timestamp (seconds), as a statsd flush stamps the
// interval it closes. Durations are statsd timers (milliseconds, the same stat names and maths:
// lib/statsd/timer-stats.ts); counts are `.count` and `.rate` (per second) like statsd counters.

import type { MetricPoint } from '../types.js';
import { forEachTimerStat, type TimerStatsConfig } from '../statsd/timer-stats.js';
import type { IntervalReport } from './requests.js';

export const TIMER_PHASES = ['input', 'wait', 'app', 'output', 'total'] as const;

export interface NamesConfig {
  intervalMs: number;
  /** statsd's percentThreshold for the duration timers. */
  percentThreshold: number[];
}

/**
 * The points for closed intervals. `max_rate` (completed requests per second one application
 * thread could serve at this interval's mean C→A time) is left out when no request finished
 * its application part in the interval, as ZC left its `spr` unwritten.
 */
export function intervalPoints(reports: IntervalReport[], config: NamesConfig): MetricPoint[] {
  const points: MetricPoint[] = [];
  const seconds = config.intervalMs / 1000;
  const timers: TimerStatsConfig = { percentThreshold: config.percentThreshold };
  for (const r of reports) {
    const b = r.bucket;
    const g = r.gauges;
    const prefix = `tracelog.${r.instance}.`;
    const timestamp = Math.round(r.endMs / 1000);
    const put = (name: string, value: number): void => {
      points.push({ name: prefix + name, value, timestamp });
    };
    put('requests.count', b.requests);
    put('requests.rate', b.requests / seconds);
    put('errors.count', b.errors);
    put('errors.rate', b.errors / seconds);
    put('active.last', g.active);
    put('active.max', g.maxActive);
    if (r.backlogMeasured) {
      put('backlog.last', g.backlog);
      put('backlog.max', g.maxBacklog);
    }
    if (b.app.length > 0 && b.appUs > 0) put('max_rate', b.app.length / (b.appUs / 1e6));
    for (const phase of TIMER_PHASES) {
      const values = b[phase];
      forEachTimerStat(values, values.length, config.intervalMs, timers, (stat, value) => {
        put(`timers.${phase}.${stat}`, value);
      });
    }
    put('bytes.input.sum', b.bytesIn);
    put('bytes.output.sum', b.bytesOut);
    put('restarts.count', b.restarts);
    put('dropped.count', b.dropped);
    put('expired.count', b.expired);
    put('replaced.count', b.replaced);
  }
  return points;
}
