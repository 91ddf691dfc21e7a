// The page's client for sotto's HTTP API: graphite-web's /metrics/find and /render, the saved
// dashboards, and the /stream SSE endpoint. Errors come back as ApiError with the server's
// message (JSON `{"error"}`, or graphite's plain-text `Invalid parameters (…)`), for inline display.
import { parseRender, type PlotSeries } from './chartModel.js';
import { escapeGlob, type ChildInfo } from './treeModel.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The readable message of an error answer. */
async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') return body.error;
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON: graphite answers text/html with a plain-text message
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain ? plain.slice(0, 500) : `${res.status} ${res.statusText}`;
}

type OutcomeListener = (answered: boolean) => void;
const outcomeListeners = new Set<OutcomeListener>();

/**
 * Tells `listener` how every request went: answered (any status below 500) or not (refused,
 * network error, 5xx). The page's server status (serverStatus.ts) listens. Returns the unsubscribe.
 */
export function onRequestOutcome(listener: OutcomeListener): () => void {
  outcomeListeners.add(listener);
  return () => outcomeListeners.delete(listener);
}

function reportOutcome(answered: boolean): void {
  for (const l of outcomeListeners) l(answered);
}

/** Whether sotto answered: any status below 500 (status 0 is no answer at all: refused, network error). */
const answered = (status: number): boolean => status > 0 && status < 500;

/** An error that means sotto did not answer (what the server status and retries go by). */
export function isUnanswered(err: unknown): boolean {
  return err instanceof ApiError && !answered(err.status);
}

async function request(url: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store', ...init });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    reportOutcome(false);
    throw new ApiError(0, `cannot reach the sotto server (${(err as Error).message})`);
  }
  reportOutcome(answered(res.status));
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  if (res.status === 204) return null;
  return res.json();
}

/** The children of a node (`''` = the top level), via graphite-web's treejson find. */
export async function findChildren(prefix: string, signal?: AbortSignal): Promise<ChildInfo[]> {
  const query = prefix ? `${prefix.split('.').map(escapeGlob).join('.')}.*` : '*';
  const body = await request(`/metrics/find?${new URLSearchParams({ query })}`, { signal });
  if (!Array.isArray(body)) throw new ApiError(200, 'unexpected answer from /metrics/find');
  return body
    .filter((n): n is { text: string; id?: unknown; leaf: unknown } => typeof n === 'object' && n !== null && typeof (n as { text?: unknown }).text === 'string')
    .map((n) => {
      // graphite-web unquotes `text` (a stored `pct%20y` shows as `pct y`); the id's last
      // component is the name as stored. The id repeats the query's escapes only in the parent part.
      const id = typeof n.id === 'string' ? n.id : n.text;
      const name = id.slice(id.lastIndexOf('.') + 1);
      return { name, path: prefix ? `${prefix}.${name}` : name, isLeaf: n.leaf === 1 || n.leaf === true };
    });
}

/** Every metric name (graphite-web's /metrics/index.json), for search and child counts. */
export async function metricIndex(signal?: AbortSignal): Promise<string[]> {
  const body = await request('/metrics/index.json', { signal });
  if (!Array.isArray(body)) throw new ApiError(200, 'unexpected answer from /metrics/index.json');
  return body.filter((n): n is string => typeof n === 'string');
}

/** The metric paths each query matches (graphite-web's /metrics/expand with groupByExpr). */
export async function expand(queries: readonly string[], signal?: AbortSignal): Promise<Map<string, string[]>> {
  const params = new URLSearchParams({ groupByExpr: '1' });
  for (const q of queries) params.append('query', q);
  const body = (await request(`/metrics/expand?${params}`, { signal })) as { results?: unknown };
  const results = body && typeof body.results === 'object' && body.results !== null ? (body.results as Record<string, unknown>) : {};
  return new Map(queries.map((q) => [q, Array.isArray(results[q]) ? (results[q] as unknown[]).filter((p): p is string => typeof p === 'string') : []]));
}

export interface RenderRequest {
  target: string;
  from: string;
  until: string;
  /** The chart's width in pixels: the server consolidates to at most this many points. */
  maxDataPoints: number;
}

export async function render(req: RenderRequest, signal?: AbortSignal): Promise<PlotSeries[]> {
  const params = new URLSearchParams({
    target: req.target,
    from: req.from,
    until: req.until,
    format: 'json',
    maxDataPoints: String(Math.max(1, Math.round(req.maxDataPoints))),
  });
  const body = await request(`/render?${params}`, { signal });
  try {
    return parseRender(body, req.target);
  } catch (err) {
    throw new ApiError(200, (err as Error).message);
  }
}

/** sotto's /api/health: status, version, `metrics` (names known), `lastFlush`, … */
export async function health(): Promise<Record<string, unknown>> {
  const body = await request('/api/health');
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

export interface DashboardSummary {
  name: string;
  author: string | null;
  updated: string;
  error?: string;
}

export interface DashboardDoc extends DashboardSummary {
  state: unknown;
}

export async function listDashboards(): Promise<DashboardSummary[]> {
  const body = (await request('/api/dashboards')) as { dashboards?: DashboardSummary[] };
  return Array.isArray(body?.dashboards) ? body.dashboards : [];
}

export async function loadDashboard(name: string): Promise<DashboardDoc> {
  return (await request(`/api/dashboards/${encodeURIComponent(name)}`)) as DashboardDoc;
}

/** Saves; with `createOnly` an existing dashboard of that name is not replaced (ApiError 409). */
export async function saveDashboard(name: string, author: string, state: unknown, createOnly: boolean): Promise<DashboardDoc> {
  const json = (body: unknown): RequestInit => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (createOnly) return (await request('/api/dashboards', { method: 'POST', ...json({ name, author, state }) })) as DashboardDoc;
  return (await request(`/api/dashboards/${encodeURIComponent(name)}`, { method: 'PUT', ...json({ author, state }) })) as DashboardDoc;
}

export async function deleteDashboard(name: string): Promise<void> {
  await request(`/api/dashboards/${encodeURIComponent(name)}`, { method: 'DELETE' });
}

/**
 * Calls `onFlush` whenever the server announces new points for the targets (SSE /stream).
 * `onGone` runs if the stream cannot be used (the caller then polls instead).
 * Returns the function that stops watching.
 */
export function watch(targets: readonly string[], onFlush: () => void, onGone: () => void): () => void {
  const params = new URLSearchParams();
  for (const t of targets) params.append('target', t);
  const source = new EventSource(`/stream?${params}`);
  // sotto sends `event: points` (data: {"timestamp", "series": [{"target", "datapoints"}]});
  // the page refetches instead of splicing points in, so consolidation and functions stay right.
  const handler = () => onFlush();
  for (const type of ['points', 'message']) source.addEventListener(type, handler);
  source.onopen = () => reportOutcome(true);
  source.onerror = () => {
    // A dropped stream may mean sotto went away: the server status checks /api/health.
    reportOutcome(false);
    // EventSource reconnects by itself after a dropped connection; CLOSED means it gave up.
    if (source.readyState === EventSource.CLOSED) onGone();
  };
  return () => source.close();
}
