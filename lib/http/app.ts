import express from 'express';
import type { FlushEvent } from '../types.js';

// Placeholder composition of the HTTP app: the HTTP API issue (4) fills in the routes,
// the web page issue (5) the static files and saved dashboards. The collector (lib/server.ts)
// only calls createHttpApp and listens.

export interface HttpAppOptions {
  /** The data directory (Whisper files live under it; saved dashboards too). */
  dataDir: string;
  /** Subscribe to "a flush was written" events; returns an unsubscribe function. */
  onFlush(listener: (event: FlushEvent) => void): () => void;
  /** Facts for /api/health supplied by the running server. */
  health(): { lastFlush: number | null; [key: string]: unknown };
}

export function createHttpApp(_options: HttpAppOptions): express.Express {
  const app = express();
  return app;
}
