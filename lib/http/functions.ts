// graphite-web's function catalogue, describing exactly the functions sotto implements:
//   GET /functions                 → {"sumSeries": {"name": "sumSeries", "function": "sumSeries(*seriesLists)", "description": …, "module": …, "group": "Combine", "params": [{"name": "seriesLists", "type": "seriesList", "required": true, "multiple": true}]}, …}
//   GET /functions?grouped=1       → {"Combine": {"sumSeries": {…}}, …}
//   GET /functions/sumSeries       → {…one entry…};  unknown → 404 {"error": "Function not found: x"}
// An infinite default is written 1e9999, as graphite-web 1.1.10 does (1.1.8 wrote invalid JSON).
import { Router, type Request, type Response } from 'express';
import type { FunctionDef } from '../render/context.js';
import { functionTable } from '../render/functions/index.js';
import { paramToJSON, pyRepr } from '../render/params.js';
import { param, requestParams, sendBody } from './params.js';
import { PyRaw, pyDumps } from '../render/pyjson.js';

function signature(f: FunctionDef): string {
  const args = f.params.map((p) => {
    if (p.multiple) return `*${p.name}`;
    if (p.required) return p.name;
    const d = p.default;
    return `${p.name}=${d === undefined || d === null ? 'None' : d === Infinity ? 'inf' : pyRepr(d)}`;
  });
  return `${f.name}(${args.join(', ')})`;
}

export function functionInfo(f: FunctionDef): Record<string, unknown> {
  return {
    name: f.name,
    function: signature(f),
    description: f.description,
    module: 'graphite.render.functions',
    group: f.group,
    params: f.params.map(paramToJSON),
  };
}

/** Python-style JSON with Infinity written as 1e9999 (a number every JSON parser reads). */
function dumps(value: unknown): string {
  const raw = (v: unknown): unknown => {
    if (v === Infinity) return new PyRaw('1e9999');
    if (Array.isArray(v)) return v.map(raw);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, raw(x)]));
    return v;
  };
  return pyDumps(raw(value));
}

function json(res: Response, body: unknown, status = 200): void {
  sendBody(res, dumps(body), 'application/json', status);
}

export function functionRoutes(): Router {
  const router = Router();
  const list = (req: Request, res: Response): void => {
    if (req.method !== 'GET') {
      res.status(405).end();
      return;
    }
    const params = requestParams(req);
    if (param(params, 'type') === 'pie') return json(res, {});
    const grouped = ['1', 'true'].includes((param(params, 'grouped') ?? '').toLowerCase());
    const group = param(params, 'group');
    const result: Record<string, unknown> = {};
    for (const f of functionTable().values()) {
      if (group !== undefined && group !== f.group) continue;
      if (grouped) ((result[f.group] ??= {}) as Record<string, unknown>)[f.name] = functionInfo(f);
      else result[f.name] = functionInfo(f);
    }
    json(res, result);
  };
  router.all(['/functions', '/functions/'], list);
  router.all('/functions/:name', (req, res) => {
    if (req.method !== 'GET') {
      res.status(405).end();
      return;
    }
    const name = String(req.params.name);
    const f = param(requestParams(req), 'type') === 'pie' ? undefined : functionTable().get(name);
    if (!f) return json(res, { error: `Function not found: ${name}` }, 404);
    json(res, functionInfo(f));
  });
  return router;
}
