import express from 'express';
import type { FlushEvent } from '../types.js';
import { staticRoutes } from './static.js';
import { dashboardRoutes } from './dashboards.js';

// Composition of the HTTP app. The HTTP API issue (4) owns this file and the API routes; the web
// page issue (5) owns static.ts and dashboards.ts. The collector (lib/server.ts) only calls
// createHttpApp and listens.

export interface HttpAppOptions {
  /** The data directory (Whisper files live under it; saved dashboards too). */
  dataDir: string;
  /** Subscribe to "a flush was written" events; returns an unsubscribe function. */
  onFlush(listener: (event: FlushEvent) => void): () => void;
  /** Facts for /api/health supplied by the running server. */
  health(): { lastFlush: number | null; [key: string]: unknown };
}

export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.use(dashboardRoutes({ dataDir: options.dataDir }));
  app.use(staticRoutes());
  return app;
}
