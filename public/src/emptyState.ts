// A fresh install: the page explains how to send a first metric and looks again every few
// seconds until one arrives. sotto's own statistics (stats.statsd.*, …), written from the first
// flush on, do not count as a first metric.
import { health, metricIndex } from './api.js';
import { onlyInternalMetrics } from './statsd.js';

const POLL_MS = 3_000;
/** More names than sotto writes for itself: not empty, without listing every name. */
const SURELY_USER_METRICS = 100;

async function userMetricsState(): Promise<{ hasUserMetrics: boolean; statsdPort: number | null }> {
  const h = await health().catch(() => ({}) as Record<string, unknown>);
  const statsdPort = typeof h.statsdPort === 'number' ? h.statsdPort : null;
  if (typeof h.metrics === 'number' && h.metrics > SURELY_USER_METRICS) return { hasUserMetrics: true, statsdPort };
  const names = await metricIndex().catch(() => null);
  return { hasUserMetrics: names === null || !onlyInternalMetrics(names), statsdPort };
}

/** The one-liner for a first metric, aimed at this server and its statsd port (statsd's 8125 unless told). */
export function firstMetricCommand(hostname: string, port: number | null): string {
  const local = ['localhost', '127.0.0.1', '[::1]', ''].includes(hostname);
  return `echo "foo:1|c" | nc -u -w0 ${local ? '127.0.0.1' : hostname} ${port ?? 8125}`;
}

/** Shows `panel` while there are no user metrics; calls `arrived` when the first one is there. */
export async function watchForFirstMetric(panel: HTMLElement, command: HTMLElement, arrived: () => Promise<void>): Promise<void> {
  const first = await userMetricsState();
  panel.hidden = first.hasUserMetrics;
  if (first.hasUserMetrics) return;
  command.textContent = firstMetricCommand(location.hostname, first.statsdPort);
  const timer = window.setInterval(async () => {
    const now = await userMetricsState().catch(() => null);
    if (!now?.hasUserMetrics) return;
    clearInterval(timer);
    panel.hidden = true;
    await arrived();
  }, POLL_MS);
}
