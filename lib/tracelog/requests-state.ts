// The request tracker's state as plain JSON (in-flight requests, open buckets, gauges), so a
// restarted sotto carries on where it stopped: no request lost, none counted twice. Pure.

import {
  type Bucket, type Instance, type Req, RequestTracker, type RequestTrackerOptions, emptyBucket,
} from './requests.js';

/** NaN and -Infinity do not survive JSON: they are written as null. */
type Num = number | null;

export interface TrackerState {
  version: 1;
  intervalMs: number;
  instances: InstanceState[];
}

interface InstanceState {
  name: string;
  /** [id, phase, tB, tI, tC, tA, error] */
  inflight: [string, number, Num, Num, Num, Num, boolean][];
  phases: [number, number, number, number];
  buckets: Bucket[];
  closedUntil: number;
  gaugeStart: number;
  maxActive: number;
  maxBacklog: number;
  maxTs: Num;
  lastEventBucket: number;
  hasC: boolean;
  carryExpired: number;
}

const out = (n: number): Num => (Number.isFinite(n) ? n : null);
const inNaN = (n: Num): number => (n === null ? NaN : n);

/** A deep copy of the tracker's state, safe to serialise later (buckets keep growing meanwhile). */
export function snapshotTracker(tracker: RequestTracker): TrackerState {
  const instances: InstanceState[] = [];
  for (const st of tracker.instances.values()) {
    instances.push({
      name: st.name,
      inflight: [...st.inflight].map(([id, r]) => [id, r.phase, out(r.tB), out(r.tI), out(r.tC), out(r.tA), r.error]),
      phases: [...st.phases],
      buckets: [...st.buckets.values()].map(copyBucket),
      closedUntil: st.closedUntil,
      gaugeStart: st.gaugeStart,
      maxActive: st.maxActive,
      maxBacklog: st.maxBacklog,
      maxTs: out(st.maxTs),
      lastEventBucket: st.lastEventBucket,
      hasC: st.hasC,
      carryExpired: st.carryExpired,
    });
  }
  return { version: 1, intervalMs: tracker.options.intervalMs, instances };
}

function copyBucket(b: Bucket): Bucket {
  return {
    ...b,
    input: b.input.slice(), wait: b.wait.slice(), app: b.app.slice(), output: b.output.slice(), total: b.total.slice(),
    gauges: b.gauges ? { ...b.gauges, phases: [...b.gauges.phases] } : null,
  };
}

function isState(x: unknown): x is TrackerState {
  const s = x as TrackerState;
  return typeof s === 'object' && s !== null && s.version === 1 && Array.isArray(s.instances);
}

/**
 * A tracker carrying on from a saved state. When the interval changed since the state was saved,
 * the open buckets are dropped (their times no longer line up) but in-flight requests are kept.
 * Throws on a state that is not one of ours.
 */
export function restoreTracker(state: unknown, options: RequestTrackerOptions): RequestTracker {
  if (!isState(state)) throw new Error('tracelog state: not a version 1 tracker state');
  const tracker = new RequestTracker(options);
  const sameInterval = state.intervalMs === options.intervalMs;
  for (const s of state.instances) {
    const maxTs = s.maxTs === null ? -Infinity : s.maxTs;
    const start = sameInterval ? s.closedUntil : tracker.bucketOf(Number.isFinite(maxTs) ? maxTs : 0);
    const st: Instance = tracker.newInstance(s.name, start);
    for (const [id, phase, tB, tI, tC, tA, error] of s.inflight) {
      const req: Req = { phase, tB: inNaN(tB), tI: inNaN(tI), tC: inNaN(tC), tA: inNaN(tA), error };
      st.inflight.set(id, req);
    }
    st.phases = [...s.phases];
    st.maxTs = maxTs;
    st.hasC = s.hasC;
    st.carryExpired = s.carryExpired;
    if (sameInterval) {
      for (const b of s.buckets) st.buckets.set(b.start, copyBucket({ ...emptyBucket(b.start), ...b }));
      st.gaugeStart = s.gaugeStart;
      st.maxActive = s.maxActive;
      st.maxBacklog = s.maxBacklog;
      st.lastEventBucket = s.lastEventBucket;
    } else {
      const p = st.phases;
      st.maxActive = p[0] + p[1] + p[2] + p[3];
      st.maxBacklog = p[1];
    }
  }
  return tracker;
}
