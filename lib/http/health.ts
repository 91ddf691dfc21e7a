// Liveness and versions:
//   GET /api/health → {"status": "up", "version": "0.1.0", "uptime": 12, "metrics": 42, "lastFlush": 1700000000, "readErrors": 0, …}
//   GET /version    → 1.1.10   (the graphite-web API level sotto follows; Grafana reads it as a semver)
import { Router } from 'express';
import { VERSION } from '../version.js';
import type { MetricReader } from '../store/reader.js';
import { sendBody } from './params.js';

/** The graphite-web release whose API sotto answers like. */
export const GRAPHITE_API_VERSION = '1.1.10';

export interface HealthOptions {
  reader: MetricReader;
  health: () => { lastFlush: number | null; [key: string]: unknown };
  startedAt: number;
  clock: () => number;
  streams: () => number;
}

export function healthRoutes(opts: HealthOptions): Router {
  const router = Router();
  router.get(['/api/health', '/api/health/'], (_req, res) => {
    const extra = opts.health();
    const body = {
      status: 'up',
      version: VERSION,
      uptime: Math.max(0, opts.clock() - opts.startedAt),
      metrics: opts.reader.index.size,
      readErrors: opts.reader.readErrors,
      streams: opts.streams(),
      ...extra,
    };
    res.setHeader('Cache-Control', 'no-cache');
    sendBody(res, JSON.stringify(body), 'application/json');
  });
  router.get(['/version', '/version/'], (_req, res) => sendBody(res, `${GRAPHITE_API_VERSION}\n`, 'text/html; charset=utf-8'));
  return router;
}
