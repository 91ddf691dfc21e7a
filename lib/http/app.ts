import express, { type NextFunction, type Request, type Response } from 'express';
import type { FlushEvent } from '../types.js';
import { staticRoutes } from './static.js';
import { dashboardRoutes } from './dashboards.js';
import { MetricReader } from '../store/reader.js';
import { DEFAULT_GLOB_LIMITS, type GlobLimits } from '../store/glob.js';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from '../render/context.js';
import { findRoutes } from './find.js';
import { renderRoutes } from './render.js';
import { seriesRoutes } from './series.js';
import { functionRoutes } from './functions.js';
import { tagRoutes } from './tags.js';
import { healthRoutes } from './health.js';
import { StreamHub } from './stream.js';
import { sendJsonError } from './params.js';

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
  /** Glob expansion limits for find and render (defaults: DEFAULT_GLOB_LIMITS). */
  globLimits?: Partial<GlobLimits>;
  /** Per-request render limits (defaults: DEFAULT_RENDER_LIMITS). */
  renderLimits?: Partial<RenderLimits>;
  /** How old (ms) a directory listing may be before a wildcard find re-checks it (default 1000). */
  revalidateMs?: number;
  /** Whisper files the reader keeps open between requests (default 2048; 0 = none). */
  readerOpenFiles?: number;
  /** Warnings (a file that cannot be read: once per file until it reads again). */
  warn?: (message: string) => void;
  /** Most concurrent /stream connections (default 256). */
  maxStreams?: number;
  /** Clock in epoch seconds (tests). */
  clock?: () => number;
  /** A reader to use instead of creating one over dataDir (tests, or sharing with other code). */
  reader?: MetricReader;
  /** Answer like graphite-web 1.1.8 where 1.1.10 fixed bugs (differential tests only). */
  compat118?: boolean;
}

/** The express app plus what the server needs to manage it. */
export type HttpApp = express.Express & {
  /** The metric reader (index of names; fetches). */
  reader: MetricReader;
  /** Resolves when the index has been built. */
  ready: Promise<void>;
  /** Unsubscribes from flushes and closes the Whisper files kept open (open /stream connections end with server.closeAllConnections()). */
  close(): void;
};

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const limits: GlobLimits = { ...DEFAULT_GLOB_LIMITS, ...options.globLimits };
  const warn = options.warn;
  const reader = options.reader ?? new MetricReader({
    dataDir: options.dataDir, limits, revalidateMs: options.revalidateMs, openFiles: options.readerOpenFiles,
    onReadError: warn && ((name, message) => warn(`http: ${name} cannot be read, answered without it: ${message}`)),
  });
  const ready = options.reader ? Promise.resolve() : reader.start();
  ready.catch(() => undefined);
  const unsubscribe = options.onFlush((event) => reader.notifyWritten(event.names));
  const renderLimits = { ...DEFAULT_RENDER_LIMITS, ...options.renderLimits };
  const hub = new StreamHub({ reader, ready, onFlush: options.onFlush, clock, maxStreams: options.maxStreams, limits: renderLimits });

  const app = express() as HttpApp;
  app.disable('x-powered-by');
  app.use(healthRoutes({ reader, health: options.health, startedAt: clock(), clock, streams: () => hub.active }));
  app.use(renderRoutes({ reader, ready, clock, limits: renderLimits, compat118: options.compat118 }));
  app.use(findRoutes(reader, ready, clock));
  app.use(seriesRoutes(reader, ready, clock, renderLimits));
  app.use(functionRoutes());
  app.use(tagRoutes());
  app.use(hub.routes());
  app.use(dashboardRoutes({ dataDir: options.dataDir }));
  app.use(staticRoutes());
  // No route: JSON like every other answer of the API (express would send an HTML page).
  app.use((req: Request, res: Response) => sendJsonError(res, 404, `not found: ${req.method} ${req.path}`));
  // Anything that escaped a route (a body too large, malformed JSON, a bug) is answered, never left hanging.
  app.use((err: Error & { status?: number; statusCode?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (res.headersSent) {
      res.end();
      return;
    }
    sendJsonError(res, status >= 400 && status < 600 ? status : 500, status < 500 ? err.message : `internal error: ${err.message}`);
  });
  app.reader = reader;
  app.ready = ready;
  app.close = () => {
    unsubscribe();
    if (!options.reader) reader.close();
  };
  return app;
}
