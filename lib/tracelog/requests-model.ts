// The request tracker's data: phases, buckets, gauges, in-flight requests, per-instance state,
// and what a closed bucket reports. Plain data, no behaviour beyond making an empty bucket.

/** Phase indexes: what an in-flight request is doing. */
export const READING = 0;
export const WAITING = 1;
export const IN_APP = 2;
export const OUTPUT = 3;

export interface Gauges {
  /** Requests with B and no E at the bucket's end, and the most at any moment within it. */
  active: number;
  maxActive: number;
  /** Requests with I and no C (waiting for an application thread), likewise. */
  backlog: number;
  maxBacklog: number;
  /** In-flight requests per phase at the bucket's end: reading, waiting, in app, output. */
  phases: [number, number, number, number];
}

export interface Durations {
  /** Milliseconds. input B→I, wait I→C, app C→A, output A→E, total B→E. */
  input: number[];
  wait: number[];
  app: number[];
  output: number[];
  total: number[];
}

export interface Bucket extends Durations {
  /** Bucket start, epoch µs. */
  start: number;
  /** Requests whose E fell in this bucket, and how many of them failed (5xx, `Error:`). */
  requests: number;
  errors: number;
  /** Σ C→A in µs over `app` (exact integer sum, for max_rate). */
  appUs: number;
  bytesIn: number;
  bytesOut: number;
  /** S/X records, the in-flight requests they dropped, stuck requests expired, ids reused by a new B. */
  restarts: number;
  dropped: number;
  expired: number;
  replaced: number;
  gauges: Gauges | null;
}

export interface IntervalReport {
  instance: string;
  startMs: number;
  endMs: number;
  bucket: Bucket;
  gauges: Gauges;
  /** False until the instance has written a C record (Zope 2 never does: backlog is not measurable). */
  backlogMeasured: boolean;
}

export interface Req {
  phase: number;
  /** Epoch µs of B, I, C, A (NaN until seen). */
  tB: number;
  tI: number;
  tC: number;
  tA: number;
  error: boolean;
}

export interface Instance {
  name: string;
  inflight: Map<string, Req>;
  phases: [number, number, number, number];
  buckets: Map<number, Bucket>;
  /** Buckets starting before this (µs) have been reported. */
  closedUntil: number;
  /** The bucket whose running maxima are kept in maxActive/maxBacklog. */
  gaugeStart: number;
  maxActive: number;
  maxBacklog: number;
  /** Newest record time (µs) and the start of the newest bucket with a record. */
  maxTs: number;
  lastEventBucket: number;
  hasC: boolean;
  /** Expired during a silence too long to report; added to the next reported bucket. */
  carryExpired: number;
  /** Wall clock (ms) of the last record. Not persisted. */
  wallAtLastAdd: number;
  /** The bucket the last record went to (most records go to the same one). Not persisted. */
  current: Bucket | null;
}

export function emptyBucket(start: number): Bucket {
  return {
    start, requests: 0, errors: 0, appUs: 0, bytesIn: 0, bytesOut: 0, restarts: 0, dropped: 0,
    expired: 0, replaced: 0, gauges: null, input: [], wait: [], app: [], output: [], total: [],
  };
}

