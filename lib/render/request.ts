// A /render request: graphite-web's parseOptions (query and form parameters merged, the last
// value of a single parameter winning), then evaluation and formatting. Pure: the clock and
// the data arrive as arguments. Example:
//   target=sumSeries(a.*.b)&from=-1h&until=now&format=json&maxDataPoints=100
import { InputParameterError } from './errors.js';
import { parseATTime } from './attime.js';
import { UTC, timeZoneNamed, type TimeZone } from './tz.js';
import { Budget, DEFAULT_RENDER_LIMITS, type FetchFn, type RenderContext, type RenderLimits } from './context.js';
import { evaluateTarget } from './evaluate.js';
import { functionTable } from './functions/index.js';
import { renderCsv, renderJson, renderRaw } from './output.js';
import type { RenderSeries } from './series.js';

/** Request parameters: every value given for each name, query string first, then form body. */
export type Params = Map<string, string[]>;

export interface RenderRequest {
  targets: string[];
  startTime: number;
  endTime: number;
  now: number;
  tz: TimeZone;
  format: string;
  jsonp?: string;
  pretty: boolean;
  maxDataPoints?: number;
  noNullPoints: boolean;
  xFilesFactor: number;
  template: Record<string, string>;
  noCache: boolean;
  cacheTimeout: number;
  cacheTimeoutGiven: boolean;
}

export interface RenderResponse {
  status: number;
  contentType: string;
  /** The body (UTF-8 when bytes). */
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

const DEFAULT_CACHE_SECONDS = 60;
const encoder = new TextEncoder();

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Like Django's QueryDict.__getitem__: the last value given. */
export function last(params: Params, name: string): string | undefined {
  const v = params.get(name);
  return v && v.length ? v[v.length - 1] : undefined;
}

function pyFloatParam(text: string): number {
  const t = text.trim();
  if (!/^[-+]?((\d+\.?\d*|\.\d+)(e[-+]?\d+)?|inf(inity)?|nan)$/i.test(t)) throw new InputParameterError(`could not convert string to float: '${text}'`);
  const lower = t.toLowerCase();
  if (lower.includes('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower.includes('nan')) return NaN;
  return Number(t);
}

/** graphite's parseOptions; `clock` is the current epoch (seconds) used when `now` is absent. */
export function parseRenderParams(params: Params, clock: number): RenderRequest {
  const cacheTimeoutText = last(params, 'cacheTimeout');
  let cacheTimeout = DEFAULT_CACHE_SECONDS;
  if (cacheTimeoutText !== undefined) {
    if (!/^\s*[-+]?\d+\s*$/.test(cacheTimeoutText)) throw new InputParameterError(`invalid literal for int() with base 10: '${cacheTimeoutText}'`);
    cacheTimeout = Number(cacheTimeoutText);
  }
  const targets = params.get('target')?.length ? params.get('target')! : (params.get('target[]') ?? []);
  const template: Record<string, string> = {};
  for (const [key, values] of params) {
    if (key.startsWith('template[')) template[key.slice(9, -1)] = values[values.length - 1];
  }
  let format = 'png';
  if (params.has('pickle')) format = 'pickle';
  if (params.has('rawData')) format = 'raw';
  let jsonp: string | undefined;
  if (params.has('format')) {
    format = last(params, 'format')!;
    jsonp = last(params, 'jsonp');
  }
  const mdp = last(params, 'maxDataPoints');
  let tz: TimeZone = UTC;
  const tzName = last(params, 'tz');
  if (tzName !== undefined) tz = timeZoneNamed(tzName) ?? UTC;
  const now = params.has('now') ? parseATTime(last(params, 'now')!, tz, clock) : clock;
  const until = params.has('until') ? parseATTime(last(params, 'until')!, tz, now) : now;
  const from = params.has('from') ? parseATTime(last(params, 'from')!, tz, now) : parseATTime('-1d', tz, now);
  const startTime = Math.min(from, until);
  const endTime = Math.max(from, until);
  if (startTime === endTime) throw new InputParameterError('Invalid empty time range');
  const xffText = last(params, 'xFilesFactor');
  return {
    targets,
    startTime,
    endTime,
    now,
    tz,
    format,
    jsonp,
    pretty: Boolean(last(params, 'pretty')),
    maxDataPoints: mdp !== undefined && /^[0-9]+$/.test(mdp) ? Number(mdp) : undefined,
    noNullPoints: params.has('noNullPoints'),
    xFilesFactor: xffText === undefined ? 0 : pyFloatParam(xffText),
    template,
    noCache: params.has('noCache') || cacheTimeout === 0,
    cacheTimeout,
    cacheTimeoutGiven: cacheTimeoutText !== undefined,
  };
}

export interface RenderOptions {
  fetch: FetchFn;
  limits?: RenderLimits;
  /** Follow graphite-web 1.1.8 where 1.1.10 fixed a bug (moving windows one step late). */
  compat118?: boolean;
}

/** Evaluates the request's targets to series (the render functions applied). */
export async function evaluateRequest(req: RenderRequest, opts: RenderOptions): Promise<RenderSeries[]> {
  functionTable();
  const ctx: RenderContext = {
    startTime: req.startTime,
    endTime: req.endTime,
    now: req.now,
    tz: req.tz,
    xFilesFactor: req.xFilesFactor,
    template: req.template,
    args: [],
    targets: req.targets,
    fetch: opts.fetch,
    budget: new Budget(opts.limits ?? DEFAULT_RENDER_LIMITS),
    prefetched: new Map(),
    compat118: opts.compat118,
  };
  return evaluateTarget(ctx, req.targets);
}

export const SUPPORTED_FORMATS = ['json', 'csv', 'raw'];

/** The full /render answer for parsed parameters; input errors become 400s with graphite's text. */
export async function render(req: RenderRequest, opts: RenderOptions): Promise<RenderResponse> {
  if (!SUPPORTED_FORMATS.includes(req.format)) {
    throw new InputParameterError(`format '${req.format}' is not supported by sotto (use format=json, csv or raw)`);
  }
  const data = await evaluateRequest(req, opts);
  let body: string | Uint8Array;
  let contentType: string;
  if (req.format === 'json') {
    body = renderJson(data, { maxDataPoints: req.maxDataPoints, noNullPoints: req.noNullPoints, pretty: req.pretty });
    contentType = 'application/json';
    if (req.jsonp !== undefined) {
      body = concatBytes([encoder.encode(`${req.jsonp}(`), body, encoder.encode(')')]);
      contentType = 'text/javascript';
    }
  } else if (req.format === 'csv') {
    body = renderCsv(data, req.tz);
    contentType = 'text/csv';
  } else {
    body = renderRaw(data);
    contentType = 'text/plain';
  }
  // graphite sends max-age=60 by default; sotto never serves stale points, so only an explicit
  // cacheTimeout lets clients cache
  const headers: Record<string, string> =
    req.noCache || !req.cacheTimeoutGiven ? { 'Cache-Control': 'no-cache' } : { 'Cache-Control': `max-age=${req.cacheTimeout}` };
  return { status: 200, contentType, body, headers };
}
