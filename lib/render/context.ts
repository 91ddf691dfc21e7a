// The render request's context (graphite's requestContext) and the function registry's types.
// The context is the only way functions reach data: `fetch` is injected by the caller, so the
// render core stays pure and is tested on in-memory series.
import type { Arg } from './grammar.js';
import type { Param } from './params.js';
import type { RenderSeries } from './series.js';
import type { TimeZone } from './tz.js';
import { LimitError } from './errors.js';

/** One series as the store returns it (whisper.fetch's time info and values). */
export interface FetchedSeries {
  name: string;
  start: number;
  end: number;
  step: number;
  values: (number | null)[];
}

/**
 * Fetches every series matching a graphite path expression (`a.b.*`, `a.{x,y}.c`) over
 * (from, until] as whisper.fetch would with `now`. Order does not matter (sorted by name here).
 */
export type FetchFn = (pathExpression: string, from: number, until: number, now: number) => Promise<FetchedSeries[]> | FetchedSeries[];

export interface RenderLimits {
  /** Most series one request may fetch (all targets, all re-fetches). */
  maxSeries: number;
  /** Most values one request may fetch or compute. */
  maxPoints: number;
  /** Most function calls one request may evaluate (nested re-fetching functions multiply). */
  maxEvaluations: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = {
  maxSeries: 20000,
  maxPoints: 50_000_000,
  maxEvaluations: 10000,
};

/** Counters shared by a request and every context copied from it. */
export class Budget {
  series = 0;
  points = 0;
  evaluations = 0;

  constructor(readonly limits: RenderLimits) {}

  fetched(series: number, points: number): void {
    this.series += series;
    this.points += points;
    if (this.series > this.limits.maxSeries) throw new LimitError(`request needs more than ${this.limits.maxSeries} series (limit maxSeries)`);
    if (this.points > this.limits.maxPoints) throw new LimitError(`request needs more than ${this.limits.maxPoints} points (limit maxPoints)`);
  }

  /** Called before allocating `n` computed values (buckets, constant series, …). */
  allocate(n: number): void {
    if (!Number.isFinite(n) || n < 0) throw new LimitError(`invalid series length ${n}`);
    this.fetched(0, n);
  }

  evaluate(): void {
    if (++this.evaluations > this.limits.maxEvaluations) {
      throw new LimitError(`request needs more than ${this.limits.maxEvaluations} function evaluations (limit maxEvaluations)`);
    }
  }
}

export interface RenderContext {
  startTime: number;
  endTime: number;
  now: number;
  tz: TimeZone;
  xFilesFactor: number;
  /** `template[name]=value` request parameters. */
  template: Record<string, string>;
  /** Raw arguments of the call being evaluated (graphite's requestContext['args']). */
  args: Arg[];
  /**
   * Per parameter position of that call: the argument was written as a float literal (`5.0`,
   * `1e1`). Python prints such a whole number as `5.0` where an int prints `5`, and graphite puts
   * arguments into names and tags with str(). Read it before the function awaits anything.
   */
  floatArgs?: boolean[];
  targets: string[];
  fetch: FetchFn;
  budget: Budget;
  /** Path expressions fetched so far, per time window (shared across copies, like graphite's dict). */
  prefetched: Map<string, Map<string, FetchedSeries[]>>;
  /** stacked()'s running totals per stack name. */
  totalStack?: Record<string, number[]>;
  /** Follow graphite-web 1.1.8's behaviour where 1.1.10 fixed a bug (for differential tests). */
  compat118?: boolean;
}

/** A render function: positional arguments (keyword ones already placed) → a series list. */
export type SeriesFunction = (ctx: RenderContext, args: unknown[]) => RenderSeries[] | Promise<RenderSeries[]>;

export interface FunctionDef {
  name: string;
  group: string;
  description: string;
  params: Param[];
  /** Usable as a groupByNode callback. */
  aggregator?: boolean;
  fn: SeriesFunction;
}

export function copyContext(ctx: RenderContext, changes: Partial<RenderContext> = {}): RenderContext {
  return { ...ctx, ...changes };
}
