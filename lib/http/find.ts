// graphite-web's metric discovery, same shapes, ordering and ids as graphite-web 1.1:
//   GET|POST /metrics/find?query=a.b.*&format=treejson   (also /metrics and trailing slashes)
//     → [{"text": "c", "id": "a.b.c", "allowChildren": 0, "expandable": 0, "leaf": 1}]
//   GET /metrics/expand?query=a.*        → {"results": ["a.b", "a.counter"]}
//   GET /metrics/index.json              → ["a.b.c", "a.b.d", …]
import { Router, type Request, type Response } from 'express';
import fs from 'node:fs/promises';
import { info } from '../whisper/index.js';
import { parseATTime } from '../render/attime.js';
import { InputParameterError } from '../render/errors.js';
import { PyFloat, pyDumps } from '../render/pyjson.js';
import { UTC, timeZoneNamed } from '../render/tz.js';
import type { Params } from '../render/request.js';
import type { MetricReader } from '../store/reader.js';
import { metricPath } from '../store/paths.js';
import type { FoundNode } from '../store/index-tree.js';
import { basePath, completer, completerQuery, nodeList, sortByName, treeJson } from './find-format.js';
import { formBody, handle, intParam, param, requestParams, sendBody, wantsAscii } from './params.js';

export interface FindRequest {
  query: string;
  format: string;
  leavesOnly: boolean;
  wildcards: boolean;
  position: number;
  jsonp: string | null;
  automaticVariants: boolean;
  pretty: boolean;
}

/** graphite's find_view parameter checks, in its order and with its messages. */
export function parseFindParams(params: Params, clock: number): FindRequest {
  const format = param(params, 'format') ?? 'treejson';
  const leavesOnly = intParam(params, 'leavesOnly', 0);
  intParam(params, 'local', 0);
  const wildcards = intParam(params, 'wildcards', 0);
  const tzName = param(params, 'tz');
  const tz = tzName === undefined ? UTC : (timeZoneNamed(tzName) ?? UTC);
  const at = (name: string, now: number): number => {
    const value = param(params, name)!;
    try {
      return parseATTime(value, tz, now);
    } catch (err) {
      throw new InputParameterError(`Invalid value '${value}' for param ${name}: ${(err as Error).message}`);
    }
  };
  const now = params.has('now') ? at('now', clock) : clock;
  if (params.has('from') && param(params, 'from') !== '-1') at('from', now);
  if (params.has('until') && param(params, 'until') !== '-1') at('until', now);
  const position = intParam(params, 'position', -1);
  const automaticVariants = intParam(params, 'automatic_variants', 0) !== 0;
  const query = param(params, 'query');
  if (query === undefined) throw new InputParameterError("Missing required parameter 'query'");
  if (query === '') throw new InputParameterError("Required parameter 'query' is empty");
  return { query, format, leavesOnly: leavesOnly !== 0, wildcards: wildcards !== 0, position, jsonp: param(params, 'jsonp') || null, automaticVariants, pretty: Boolean(param(params, 'pretty')) };
}

const NO_CACHE = { Pragma: 'no-cache', 'Cache-Control': 'no-cache' };

function jsonResponse(req: Request, res: Response, data: unknown, jsonp: string | null, pretty: boolean, extraHeaders: Record<string, string> = {}): void {
  const ascii = wantsAscii(req);
  let body = pyDumps(data, { ensureAscii: ascii, indent: pretty ? 2 : undefined });
  let type = 'application/json';
  if (jsonp) {
    body = `${jsonp}(${body})`;
    type = 'text/javascript';
  }
  if (!ascii) type += ';charset=utf-8';
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  sendBody(res, body, type);
}

async function leafIntervals(reader: MetricReader, path: string): Promise<{ start: PyFloat; end: PyFloat }[]> {
  try {
    const file = metricPath(reader.dataDir, path);
    const [header, st] = await Promise.all([info(file), fs.stat(file)]);
    const start = Date.now() / 1000 - (header?.maxRetention ?? 0);
    return [{ start: new PyFloat(start), end: new PyFloat(Math.max(st.mtimeMs / 1000, start)) }];
  } catch {
    return [];
  }
}

export function findRoutes(reader: MetricReader, ready: Promise<void>, clock: () => number): Router {
  const router = Router();
  const find = handle(async (req, res) => {
    const params = requestParams(req);
    const r = parseFindParams(params, clock());
    await ready;
    const query = r.format === 'completer' ? completerQuery(r.query, r.automaticVariants) : r.query;
    let nodes: FoundNode[] = await reader.find(query);
    if (r.leavesOnly) nodes = nodes.filter((n) => n.isLeaf);
    nodes = sortByName(nodes);
    const pretty = r.pretty;
    switch (r.format) {
      case 'treejson':
        return jsonResponse(req, res, treeJson(nodes, basePath(r.query), r.wildcards), r.jsonp, pretty, NO_CACHE);
      case 'completer':
        return jsonResponse(req, res, completer(nodes, r.wildcards), r.jsonp, pretty, NO_CACHE);
      case 'nodelist': {
        const list = nodeList(nodes, r.position);
        if (!list) throw new InputParameterError(`position ${r.position} is out of range for some matches`);
        return jsonResponse(req, res, list, r.jsonp, pretty, NO_CACHE);
      }
      case 'json': {
        const out: Record<string, unknown>[] = [];
        for (const n of nodes) out.push(n.isLeaf ? { path: n.path, is_leaf: true, intervals: await leafIntervals(reader, n.path) } : { path: n.path, is_leaf: false });
        out.sort((a, b) => ((a.path as string) < (b.path as string) ? -1 : (a.path as string) > (b.path as string) ? 1 : 0));
        return jsonResponse(req, res, out, r.jsonp, pretty, NO_CACHE);
      }
      default:
        sendBody(res, r.format === 'pickle' || r.format === 'msgpack' ? `Invalid value for 'format' parameter (sotto does not write ${r.format})` : "Invalid value for 'format' parameter", 'text/plain', 400);
    }
  });
  router.all(['/metrics/find', '/metrics/find/', '/metrics', '/metrics/'], formBody, find);

  router.all(
    ['/metrics/expand', '/metrics/expand/'],
    formBody,
    handle(async (req, res) => {
      const params = requestParams(req);
      const groupByExpr = intParam(params, 'groupByExpr', 0) !== 0;
      const leavesOnly = intParam(params, 'leavesOnly', 0) !== 0;
      intParam(params, 'local', 0);
      await ready;
      const grouped: Record<string, string[]> = {};
      for (const query of params.get('query') ?? []) {
        const found = (await reader.find(query)).filter((n) => n.isLeaf || !leavesOnly).map((n) => n.path);
        grouped[query] = [...new Set([...(grouped[query] ?? []), ...found])].sort();
      }
      const results = groupByExpr ? grouped : [...new Set(Object.values(grouped).flat())].sort();
      jsonResponse(req, res, { results }, param(params, 'jsonp') || null, Boolean(param(params, 'pretty')), NO_CACHE);
    }),
  );

  router.all(
    ['/metrics/index.json', '/metrics/index.json/'],
    formBody,
    handle(async (req, res) => {
      const params = requestParams(req);
      await ready;
      jsonResponse(req, res, await reader.index.allLeaves(), param(params, 'jsonp') || null, Boolean(param(params, 'pretty')));
    }),
  );
  return router;
}
