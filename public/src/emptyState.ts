// A fresh install: the page explains how to send a first metric and looks again every few
// seconds until one arrives. sotto's own statistics (stats.statsd.*, …), written from the first
// flush on, do not count as a first metric.
import { health, metricIndex } from './api.js';
import { onlyInternalMetrics } from './statsd.js';

/** How often the empty page looks for a first metric. */
export const POLL_MS = 3_000;
/** More names than sotto writes for itself: not empty, without listing every name. */
const SURELY_USER_METRICS = 100;

interface UserMetricsState {
  hasUserMetrics: boolean;
  statsdPort: number | null;
  /** The server's flush interval in ms (/api/health's `flushInterval`), null if it does not say. */
  flushInterval: number | null;
}

async function userMetricsState(): Promise<UserMetricsState> {
  const h = await health().catch(() => ({}) as Record<string, unknown>);
  const statsdPort = typeof h.statsdPort === 'number' ? h.statsdPort : null;
  const flushInterval = typeof h.flushInterval === 'number' && Number.isFinite(h.flushInterval) && h.flushInterval > 0 ? h.flushInterval : null;
  if (typeof h.metrics === 'number' && h.metrics > SURELY_USER_METRICS) return { hasUserMetrics: true, statsdPort, flushInterval };
  const names = await metricIndex().catch(() => null);
  return { hasUserMetrics: names === null || !onlyInternalMetrics(names), statsdPort, flushInterval };
}

/** What the empty state says about when a metric shows up: the real interval, else statsd's default. */
export function flushIntervalText(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms <= 0) return 'every 10 seconds by default';
  const plural = (n: number, unit: string) => (n === 1 ? `every ${unit}` : `every ${Number(n.toPrecision(3))} ${unit}s`);
  if (ms < 1000) return `every ${Math.round(ms)} ms`;
  if (ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  return plural(ms / 1000, 'second');
}

/** The one-liner for a first metric, aimed at this server and its statsd port (statsd's 8125 unless told). */
export function firstMetricCommand(hostname: string, port: number | null): string {
  const local = ['localhost', '127.0.0.1', '[::1]', ''].includes(hostname);
  return `echo "foo:1|c" | nc -u -w0 ${local ? '127.0.0.1' : hostname} ${port ?? 8125}`;
}

/** Shows `panel` while there are no user metrics; calls `arrived` when the first one is there. */
export async function watchForFirstMetric(panel: HTMLElement, command: HTMLElement, interval: HTMLElement, arrived: () => Promise<void>): Promise<void> {
  const first = await userMetricsState();
  panel.hidden = first.hasUserMetrics;
  if (first.hasUserMetrics) return;
  command.textContent = firstMetricCommand(location.hostname, first.statsdPort);
  interval.textContent = flushIntervalText(first.flushInterval);
  const timer = window.setInterval(async () => {
    const now = await userMetricsState().catch(() => null);
    if (!now?.hasUserMetrics) return;
    clearInterval(timer);
    panel.hidden = true;
    await arrived();
  }, POLL_MS);
}
