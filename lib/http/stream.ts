// Live points over Server-Sent Events:
//   GET /stream?target=stats.api.*&target=sumSeries(a.*.b)
//   → event: points
//     id: 1700000010
//     data: {"timestamp": 1700000010, "series": [{"target": "stats.api.hits", "datapoints": [[3.0, 1700000010]]}]}
// After each flush (the server's onFlush), for every written name that a target's path
// expressions match, the points written since the last event (the last slot is re-sent, as a
// flush may update it). Comments (`: ping`) keep idle connections open.
import { Router, type Request, type Response } from 'express';
import type { FlushEvent } from '../types.js';
import { targetPathExpressions } from '../render/evaluate.js';
import { InputParameterError } from '../render/errors.js';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from '../render/context.js';
import { evaluateRequest, parseRenderParams } from '../render/request.js';
import { pyFloatJson } from '../render/pyjson.js';
import { compileGlob } from '../store/glob.js';
import type { MetricReader } from '../store/reader.js';
import { handle, requestParams, sendJsonError } from './params.js';

export interface StreamOptions {
  reader: MetricReader;
  ready: Promise<void>;
  onFlush(listener: (event: FlushEvent) => void): () => void;
  clock: () => number;
  /** Most concurrent streams (default 256); more get 503. */
  maxStreams?: number;
  /** Most targets per stream (default 50). */
  maxTargets?: number;
  /** Most series reported per flush event and stream (default 1000). */
  maxSeriesPerEvent?: number;
  heartbeatMs?: number;
  /** Limits of the render that checks the targets when a stream opens (default: DEFAULT_RENDER_LIMITS). */
  limits?: RenderLimits;
}

export interface StreamRequest {
  targets: string[];
  matchers: ((name: string) => boolean)[];
}

/** Parses and checks the stream's targets (any render target; its path expressions are watched). */
export function parseStreamRequest(targets: string[], maxTargets: number): StreamRequest {
  const list = targets.filter((t) => t.trim());
  if (!list.length) throw new InputParameterError('at least one target is required, e.g. /stream?target=stats.*');
  if (list.length > maxTargets) throw new InputParameterError(`more than ${maxTargets} targets`);
  const matchers = list.flatMap((t) => targetPathExpressions(t).map((p) => compileGlob(p)));
  return { targets: list, matchers };
}

function pointsJson(timestamp: number, series: { name: string; points: [number, number][] }[]): string {
  const items = series.map((s) => `{"target": ${JSON.stringify(s.name)}, "datapoints": [${s.points.map(([v, t]) => `[${Number.isFinite(v) ? pyFloatJson(v) : 'null'}, ${t}]`).join(', ')}]}`);
  return `{"timestamp": ${timestamp}, "series": [${items.join(', ')}]}`;
}

export class StreamHub {
  active = 0;

  constructor(private readonly opts: StreamOptions) {}

  routes(): Router {
    const router = Router();
    router.get('/stream', handle((req, res) => this.open(req, res), true));
    return router;
  }

  private async open(req: Request, res: Response): Promise<void> {
    const params = requestParams(req);
    const { targets, matchers } = parseStreamRequest(params.get('target') ?? [], this.opts.maxTargets ?? 50);
    if (this.active >= (this.opts.maxStreams ?? 256)) return sendJsonError(res, 503, 'too many open streams');
    // Rendered once over the last minute, so a target /render refuses (unknown function, bad
    // argument, bad path) is the same 400 here instead of a stream that stays silent.
    await this.opts.ready;
    const nowSec = Math.floor(this.opts.clock());
    await evaluateRequest(parseRenderParams(new Map([['target', targets], ['from', ['-1min']]]), nowSec), { fetch: this.opts.reader.fetchPattern, limits: this.opts.limits ?? DEFAULT_RENDER_LIMITS });
    if (res.destroyed) return;
    if (this.active >= (this.opts.maxStreams ?? 256)) return sendJsonError(res, 503, 'too many open streams');
    this.active++;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 3000\n: connected\n\n');
    const lastSent = new Map<string, number>();
    const since = this.opts.clock() - 1;
    let chain = Promise.resolve();
    const onEvent = (event: FlushEvent): void => {
      chain = chain.then(() => this.deliver(res, event, matchers, lastSent, since)).catch(() => undefined);
    };
    const unsubscribe = this.opts.onFlush(onEvent);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), this.opts.heartbeatMs ?? 15000);
    heartbeat.unref?.();
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.active--;
      clearInterval(heartbeat);
      unsubscribe();
    };
    req.on('close', close);
    res.on('close', close);
  }

  private async deliver(res: Response, event: FlushEvent, matchers: ((n: string) => boolean)[], lastSent: Map<string, number>, since: number): Promise<void> {
    await this.opts.ready;
    const names = event.names.filter((n) => matchers.some((m) => m(n))).slice(0, this.opts.maxSeriesPerEvent ?? 1000);
    if (!names.length || res.writableEnded) return;
    const now = Math.max(this.opts.clock(), event.timestamp);
    const series: { name: string; points: [number, number][] }[] = [];
    for (const name of names.sort()) {
      const first = !lastSent.has(name);
      let s = await this.opts.reader.fetch(name, (lastSent.get(name) ?? since) - 1, now, now);
      if (s && first) {
        // A stream opened in the middle of a slot must still get that slot: the flush may have
        // just updated it (1 s flushes into a 10 s archive rewrite the same slot ten times).
        const slot = event.timestamp - (event.timestamp % s.step);
        if (s.start > slot) s = await this.opts.reader.fetch(name, slot - 1, now, now);
      }
      if (!s) continue;
      const points: [number, number][] = [];
      s.values.forEach((v, i) => {
        if (v !== null) points.push([v, s.start + i * s.step]);
      });
      if (!points.length) continue;
      lastSent.set(name, points[points.length - 1][1]);
      series.push({ name, points });
    }
    if (!series.length || res.writableEnded) return;
    res.write(`event: points\nid: ${event.timestamp}\ndata: ${pointsJson(event.timestamp, series)}\n\n`);
  }
}
