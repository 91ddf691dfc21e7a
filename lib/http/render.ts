// graphite-web's /render (GET and form POST, parameters merged), e.g.
//   GET /render?target=sumSeries(a.b.*)&from=-1h&format=json&maxDataPoints=500
//     → [{"target": "sumSeries(a.b.*)", "tags": {"name": "sumSeries(a.b.*)", "aggregatedBy": "sum"}, "datapoints": [[3.0, 1700000000], …]}]
// Formats json (+jsonp, pretty), csv, raw. Parsing and evaluation live in lib/render (pure);
// this route only connects them to the store and the response.
import { Router } from 'express';
import { parseRenderParams, render, type RenderOptions } from '../render/request.js';
import type { MetricReader } from '../store/reader.js';
import { formBody, handle, requestParams } from './params.js';

export interface RenderRouteOptions {
  reader: MetricReader;
  ready: Promise<void>;
  clock: () => number;
  limits?: RenderOptions['limits'];
  compat118?: boolean;
}

export function renderRoutes(opts: RenderRouteOptions): Router {
  const router = Router();
  router.all(
    ['/render', '/render/'],
    formBody,
    handle(async (req, res) => {
      const request = parseRenderParams(requestParams(req), opts.clock());
      await opts.ready;
      const out = await render(request, { fetch: opts.reader.fetchPattern, limits: opts.limits, compat118: opts.compat118 });
      for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
      res.status(out.status).setHeader('Content-Type', out.contentType);
      res.end(out.body);
    }),
  );
  return router;
}
