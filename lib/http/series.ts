// sotto's plain JSON for scripts:
//   GET /series/stats.api.hits?from=-1h&until=now
//     → {"name": "stats.api.hits", "step": 10, "from": 1700000010, "until": 1700003610, "points": [[1700000010, 3], [1700000020, null], …]}
//   GET /series/stats.api.*           → [ {…}, {…} ]   (wildcards: an array, sorted by name)
//   GET /metrics/tree?prefix=stats.api → {"prefix": "stats.api", "children": [{"name": "hits", "path": "stats.api.hits", "leaf": true, "branch": false}]}
// `from`/`until`/`now`/`tz` take graphite's time syntax. Errors are {"error": "…"} (400, or 404 for an unknown metric).
// A wildcard answer is bounded by the render limits (series, points: counted from the files'
// headers before anything is sent) and streamed one series at a time.
import { Router, type Request, type Response } from 'express';
import { Budget, type RenderLimits } from '../render/context.js';
import { parseATTime } from '../render/attime.js';
import { InputParameterError } from '../render/errors.js';
import { UTC, timeZoneNamed } from '../render/tz.js';
import type { Params } from '../render/request.js';
import type { MetricReader } from '../store/reader.js';
import { metricNameProblem } from '../store/paths.js';
import { hasWildcard } from '../store/glob.js';
import type { Series } from '../types.js';
import { handle, param, requestParams, sendBody, sendJsonError } from './params.js';

export interface SeriesRequest {
  name: string;
  from: number;
  until: number;
  now: number;
  pattern: boolean;
}

/** Parses /series parameters; the name is checked like a stored metric name unless it is a pattern. */
export function parseSeriesRequest(rawName: string, params: Params, clock: number): SeriesRequest {
  const name = rawName;
  const pattern = hasWildcard(name) || /[{}]/.test(name);
  const problem = metricNameProblem(name.replace(/[*?[\]{},!]/g, 'x'));
  if (problem) throw new InputParameterError(`invalid metric name ${JSON.stringify(name)}: ${problem}`);
  const tzName = param(params, 'tz');
  const tz = tzName === undefined ? UTC : (timeZoneNamed(tzName) ?? UTC);
  const now = params.has('now') ? parseATTime(param(params, 'now')!, tz, clock) : clock;
  const until = params.has('until') ? parseATTime(param(params, 'until')!, tz, now) : now;
  const from = parseATTime(param(params, 'from') ?? '-1h', tz, now);
  if (from >= until) throw new InputParameterError(`from (${from}) must be before until (${until})`);
  return { name, from, until, now, pattern };
}

function toJson(s: Series): Record<string, unknown> {
  return {
    name: s.name,
    step: s.step,
    from: s.start,
    until: s.end,
    points: s.values.map((v, i) => [s.start + i * s.step, v === null || !Number.isFinite(v) ? null : v]),
  };
}

/** Writes `chunk`, waiting while the client's buffer is full; false when the client has gone. */
async function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  // Whichever comes first; the other listener is taken off again (a large answer waits here many
  // times: left on, they would pile up on the response).
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
  return !res.destroyed;
}

export function seriesRoutes(reader: MetricReader, ready: Promise<void>, clock: () => number, limits: RenderLimits): Router {
  const router = Router();
  router.get(
    '/series/:name',
    handle(async (req: Request, res) => {
      const r = parseSeriesRequest(String(req.params.name), requestParams(req), clock());
      await ready;
      if (r.pattern) {
        const leaves = (await reader.find(r.name)).filter((n) => n.isLeaf).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        const budget = new Budget(limits);
        budget.fetched(leaves.length, 0);
        for (const n of leaves) budget.fetched(0, reader.fetchLength(n.path, r.from, r.until, r.now));
        res.status(200).setHeader('Content-Type', 'application/json');
        let sep = '[';
        for (const n of leaves) {
          const s = reader.fetchNow(n.path, r.from, r.until, r.now);
          if (!(await write(res, sep + JSON.stringify(s ? toJson(s) : { name: n.path, step: null, from: r.from, until: r.until, points: [] })))) return;
          sep = ',';
        }
        res.end(sep === '[' ? '[]' : ']');
        return;
      }
      const found = (await reader.find(r.name)).some((n) => n.isLeaf);
      if (!found) return sendJsonError(res, 404, `no such metric: ${r.name}`);
      const s = await reader.fetch(r.name, r.from, r.until, r.now);
      sendBody(res, JSON.stringify(s ? toJson(s) : { name: r.name, step: null, from: r.from, until: r.until, points: [] }), 'application/json');
    }, true),
  );
  router.get(
    '/metrics/tree',
    handle(async (req, res) => {
      const prefix = param(requestParams(req), 'prefix') ?? '';
      if (prefix !== '') {
        const problem = metricNameProblem(prefix);
        if (problem) throw new InputParameterError(`invalid prefix ${JSON.stringify(prefix)}: ${problem}`);
      }
      await ready;
      const nodes = await reader.index.children(prefix);
      if (!nodes) {
        const leaf = prefix !== '' && (await reader.find(prefix)).some((n) => n.isLeaf);
        return sendJsonError(res, 404, leaf ? `${prefix} is a metric, not a branch: it has no children (its points: /series/${prefix})` : `no such branch: ${prefix}`);
      }
      const merged = new Map<string, { name: string; path: string; leaf: boolean; branch: boolean }>();
      for (const n of nodes) {
        const entry = merged.get(n.name) ?? { name: n.name, path: n.path, leaf: false, branch: false };
        if (n.isLeaf) entry.leaf = true;
        else entry.branch = true;
        merged.set(n.name, entry);
      }
      const children = [...merged.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      sendBody(res, JSON.stringify({ prefix, children }), 'application/json');
    }, true),
  );
  return router;
}
