// Request parsing shared by the API routes: graphite-web merges query-string and form-body
// parameters (`GET.copy().update(POST)`: repeated names add up, the last value of a single
// parameter wins), and answers errors as 400 `Invalid parameters (…)`. sotto's own endpoints
// answer `{"error": "…"}`.
import express, { type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Params } from '../render/request.js';
import { InputParameterError } from '../render/errors.js';

/** Largest form body accepted (Grafana's biggest queries are a few KB). */
export const MAX_BODY = '1mb';

/** Parses `application/x-www-form-urlencoded` bodies as text (no qs object expansion). */
export const formBody: RequestHandler = express.text({ type: 'application/x-www-form-urlencoded', limit: MAX_BODY });

function addAll(params: Params, text: string): void {
  for (const [k, v] of new URLSearchParams(text)) {
    const list = params.get(k);
    if (list) list.push(v);
    else params.set(k, [v]);
  }
}

/** Query-string then form-body parameters, every value kept in order. */
export function requestParams(req: Request): Params {
  const params: Params = new Map();
  const q = req.originalUrl.indexOf('?');
  if (q >= 0) addAll(params, req.originalUrl.slice(q + 1));
  if (typeof req.body === 'string' && req.body) addAll(params, req.body);
  return params;
}

/** The last value of a parameter (Django's QueryDict[name]). */
export function param(params: Params, name: string): string | undefined {
  const v = params.get(name);
  return v && v.length ? v[v.length - 1] : undefined;
}

/** graphite's queryParamAsInt. */
export function intParam(params: Params, name: string, dflt: number): number {
  const v = param(params, name);
  if (v === undefined) return dflt;
  if (!/^\s*[-+]?\d+\s*$/.test(v)) {
    throw new InputParameterError(`Invalid int value '${v}' for param ${name}: invalid literal for int() with base 10: '${v}'`);
  }
  return Number(v);
}

/** graphite-web's 400 for bad input: `Invalid parameters (…)` as text/html. */
export function sendGraphiteError(res: Response, err: InputParameterError): void {
  res.status(400).setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(err.describe());
}

/** sotto's own endpoints: `{"error": "…"}`. */
export function sendJsonError(res: Response, status: number, message: string): void {
  res.status(status).setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ error: message }));
}

/** graphite's json_response_for: ASCII-escaped `application/json` only when the client asked for exactly that (or nothing). */
export function wantsAscii(req: Request): boolean {
  const accept = req.headers.accept;
  return accept === undefined || accept === 'application/json';
}

export function sendBody(res: Response, body: string, contentType: string, status = 200): void {
  res.status(status).setHeader('Content-Type', contentType);
  res.end(body);
}

/** Wraps an async handler: InputParameterError → 400 (graphite text, or JSON when `json`), anything else → next(). */
export function handle(fn: (req: Request, res: Response) => Promise<void> | void, json = false): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.end();
          return;
        }
        if (err instanceof InputParameterError) {
          if (json) sendJsonError(res, 400, err.message);
          else sendGraphiteError(res, err);
          return;
        }
        next(err);
      });
  };
}
