// graphite-web's tag and event endpoints, answering as graphite does with an empty tag
// database (sotto stores no tagged series yet), so Grafana's tag editor and annotations work:
//   GET /tags → []     GET /tags/autoComplete/tags?expr=… → []     GET /events/get_data → []
//   GET /tags/<tag> → null     GET /tags/findSeries (no expr) → 400 {"error": "no tag expressions specified"}
import { Router, type Request, type Response } from 'express';
import { formBody, requestParams, sendBody } from './params.js';
import { pyDumps } from '../render/pyjson.js';

function json(res: Response, body: unknown, status = 200): void {
  sendBody(res, pyDumps(body), 'application/json', status);
}

function exprs(req: Request): string[] {
  const params = requestParams(req);
  return params.get('expr')?.length ? params.get('expr')! : (params.get('expr[]') ?? []);
}

export function tagRoutes(): Router {
  const router = Router();
  const methods = (allowed: string[], fn: (req: Request, res: Response) => void) => (req: Request, res: Response) => {
    if (!allowed.includes(req.method)) {
      res.status(405).end();
      return;
    }
    fn(req, res);
  };
  router.all(
    '/tags/findSeries',
    formBody,
    methods(['GET', 'POST'], (req, res) => (exprs(req).length ? json(res, []) : json(res, { error: 'no tag expressions specified' }, 400))),
  );
  router.all('/tags/autoComplete/tags', formBody, methods(['GET', 'POST'], (_req, res) => json(res, [])));
  router.all(
    '/tags/autoComplete/values',
    formBody,
    methods(['GET', 'POST'], (req, res) => (requestParams(req).get('tag')?.some((t) => t) ? json(res, []) : json(res, { error: 'no tag specified' }, 400))),
  );
  for (const path of ['/tags/tagSeries', '/tags/tagMultiSeries', '/tags/delSeries']) {
    router.all(path, formBody, methods(['POST'], (_req, res) => json(res, { error: 'sotto does not store tagged series' }, 400)));
  }
  router.all(['/tags', '/tags/'], methods(['GET'], (_req, res) => json(res, [])));
  router.all('/tags/:tag', methods(['GET'], (_req, res) => json(res, null)));
  router.all(['/events/get_data', '/events/get_data/'], (_req, res) => json(res, []));
  return router;
}
