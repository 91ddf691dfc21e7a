// Trace records → per-instance request intervals. Pure: no I/O, no timers; the wall clock is
// injected (`now`) and only used to let an idle instance's intervals close.
//
// Each request moves through phases B → I → C → A → E (reading input, waiting for a thread, in
// the application, writing output). Intervals are calendar buckets of `intervalMs` keyed on the
// record's own timestamp: a duration and a completed request count in the bucket of the record
// that ends them; the gauges (active = B seen without E, backlog = I seen without C) are the
// state after every record before the bucket's end, in file order — what tracereport prints.
//
// A bucket closes once the instance's clock has passed its end by `latenessMs` (records written
// late by another thread still land in their own bucket). The clock is the newest record time,
// advanced by the wall time since that instance's last record, so a quiet instance still closes
// its buckets (with zeros) — for `idleLimitMs` after its last record, then it goes silent.
// A record stamped further ahead of the wall clock than `futureLimitMs` (a bogus line, a wrong
// clock or time zone on the logging host) is dropped and counted: taken, it would push the
// instance's clock ahead and every true record after it would be late, for as long as it is ahead.

import { CODE_A, CODE_B, CODE_C, CODE_E, CODE_I, CODE_S, CODE_X } from './parse.js';
import {
  IN_APP, OUTPUT, READING, WAITING, emptyBucket, type Bucket, type Gauges, type Instance, type IntervalReport, type Req,
} from './requests-model.js';

export * from './requests-model.js';


export interface RequestTrackerOptions {
  intervalMs: number;
  latenessMs: number;
  /** In-flight requests older than this (from their B) are dropped and counted as expired. */
  stuckLimitMs: number;
  /** After this long without records an instance stops producing (zero) intervals. */
  idleLimitMs: number;
  /** Records further ahead of the wall clock than this are dropped (default: no limit). */
  futureLimitMs?: number;
  /** Wall clock in ms (injected). */
  now: () => number;
}

const ms = (us: number): number => (us > 0 ? us / 1000 : 0);

export class RequestTracker {
  readonly options: RequestTrackerOptions;
  readonly intervalUs: number;
  readonly instances = new Map<string, Instance>();
  /** Records that arrived after their bucket was reported (counted into the oldest open one). */
  late = 0;
  /** Records for request ids never seen with B (the log started mid-request, or B was lost). */
  orphans = 0;
  /** Records dropped for being more than futureLimitMs ahead of the wall clock. */
  future = 0;
  /** Instances started afresh because their clock was that far ahead (state saved before the host's clock went back). */
  restarted = 0;
  private readonly futureLimitUs: number;
  private readonly latenessUs: number;
  private readonly stuckUs: number;
  private readonly idleUs: number;
  /** The wall clock (ms) stamped on records as they are added: read by tick(), not per record. */
  private wallNow: number;

  constructor(options: RequestTrackerOptions) {
    this.options = options;
    this.wallNow = options.now();
    this.intervalUs = options.intervalMs * 1000;
    this.latenessUs = options.latenessMs * 1000;
    this.stuckUs = options.stuckLimitMs * 1000;
    this.idleUs = options.idleLimitMs * 1000;
    this.futureLimitUs = (options.futureLimitMs ?? Infinity) * 1000;
  }

  /**
   * Reads the wall clock for the records added next. TraceIngest calls it once per chunk of lines
   * (a clock read per record costs more than the rest of the tracker's work on it).
   */
  tick(): void {
    this.wallNow = this.options.now();
  }

  bucketOf(us: number): number {
    return Math.floor(us / this.intervalUs) * this.intervalUs;
  }

  /** The newest record time of an instance (µs), NaN when unknown: the time-zone hint. */
  lastTime(instance: string): number {
    const st = this.instances.get(instance);
    return st && st.maxTs > -Infinity ? st.maxTs : NaN;
  }

  newInstance(name: string, start: number): Instance {
    const st: Instance = {
      name, inflight: new Map(), phases: [0, 0, 0, 0], buckets: new Map(), closedUntil: start, gaugeStart: start,
      maxActive: 0, maxBacklog: 0, maxTs: -Infinity, lastEventBucket: start, hasC: false, carryExpired: 0,
      wallAtLastAdd: this.wallNow, current: null,
    };
    this.instances.set(name, st);
    return st;
  }

  private bucket(st: Instance, start: number): Bucket {
    const current = st.current;
    if (current !== null && current.start === start) return current;
    let b = st.buckets.get(start);
    if (!b) {
      b = emptyBucket(start);
      b.expired = st.carryExpired;
      st.carryExpired = 0;
      st.buckets.set(start, b);
    }
    st.current = b;
    return b;
  }

  /**
   * Applies one record of one instance: `code` is the record letter's char code, `tsUs` its epoch
   * µs; `size` the bytes an I or A record reports (-1: none), `error` whether an A or E record
   * reports a failure (what LineParser reads from the message).
   */
  add(instance: string, code: number, id: string, tsUs: number, size: number, error: boolean): void {
    const latest = this.wallNow * 1000 + this.futureLimitUs;
    if (tsUs > latest) {
      this.future++;
      return;
    }
    let b = this.bucketOf(tsUs);
    let st = this.instances.get(instance);
    if (st !== undefined && st.closedUntil > latest) {
      this.instances.delete(instance);
      this.restarted++;
      st = undefined;
    }
    st ??= this.newInstance(instance, b);
    st.wallAtLastAdd = this.wallNow;
    if (b < st.closedUntil) {
      this.late++;
      b = st.closedUntil;
    }
    if (b > st.gaugeStart) this.advance(st, b);
    if (tsUs > st.maxTs) st.maxTs = tsUs;
    if (b > st.lastEventBucket) st.lastEventBucket = b;
    const bucket = this.bucket(st, b);
    const phases = st.phases;
    switch (code) {
      case CODE_B: {
        const old = st.inflight.get(id);
        if (old) {
          // Keep-alive reuse (or a lost E): the new request replaces the old one, as in tracereport.
          phases[old.phase]--;
          bucket.replaced++;
        }
        st.inflight.set(id, { phase: READING, tB: tsUs, tI: NaN, tC: NaN, tA: NaN, error: false });
        phases[READING]++;
        break;
      }
      case CODE_I: {
        const req = st.inflight.get(id);
        if (!req) { this.orphans++; break; }
        if (req.tI === req.tI) break; // a second I: keep the first
        req.tI = tsUs;
        bucket.input.push(ms(tsUs - req.tB));
        if (size > 0) bucket.bytesIn += size;
        if (req.phase < WAITING) move(phases, req, WAITING);
        break;
      }
      case CODE_C: {
        const req = st.inflight.get(id);
        if (!req) { this.orphans++; break; }
        if (req.tC === req.tC) break;
        req.tC = tsUs;
        st.hasC = true;
        if (req.tI === req.tI) bucket.wait.push(ms(tsUs - req.tI));
        if (req.phase < IN_APP) move(phases, req, IN_APP);
        break;
      }
      case CODE_A: {
        const req = st.inflight.get(id);
        if (!req) { this.orphans++; break; }
        if (req.tA === req.tA) break;
        req.tA = tsUs;
        if (error) req.error = true;
        if (size > 0) bucket.bytesOut += size;
        if (req.tC === req.tC) {
          const d = tsUs > req.tC ? tsUs - req.tC : 0;
          bucket.app.push(d / 1000);
          bucket.appUs += d;
        }
        // Zope 2 has no C: the request leaves the waiting phase here, so backlog cannot pile up.
        if (req.phase < OUTPUT) move(phases, req, OUTPUT);
        break;
      }
      case CODE_E: {
        const req = st.inflight.get(id);
        if (!req) { this.orphans++; break; }
        bucket.total.push(ms(tsUs - req.tB));
        if (req.tA === req.tA) bucket.output.push(ms(tsUs - req.tA));
        bucket.requests++;
        if (req.error || error) bucket.errors++;
        phases[req.phase]--;
        st.inflight.delete(id);
        break;
      }
      case CODE_S:
      case CODE_X:
        // The process (re)started or stopped: whatever was in flight will never finish.
        bucket.restarts++;
        bucket.dropped += st.inflight.size;
        st.inflight.clear();
        phases.fill(0);
        break;
      default:
      // D (database counts), `-` and application letters carry no request timing.
    }
    const active = phases[0] + phases[1] + phases[2] + phases[3];
    if (active > st.maxActive) st.maxActive = active;
    if (phases[WAITING] > st.maxBacklog) st.maxBacklog = phases[WAITING];
  }

  /** Drops requests that began at least stuckLimit before `endUs`; returns how many. */
  private expire(st: Instance, endUs: number): number {
    let n = 0;
    for (const [id, req] of st.inflight) {
      if (endUs - req.tB >= this.stuckUs) {
        st.phases[req.phase]--;
        st.inflight.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Samples the gauges at the end of every bucket from gaugeStart up to (not including) `to`. */
  private advance(st: Instance, to: number): void {
    const reportUntil = st.lastEventBucket + this.idleUs;
    for (let s = st.gaugeStart; s < to; s += this.intervalUs) {
      if (s >= reportUntil) {
        // A silence longer than idleLimit: nothing is reported for it; stuck requests are
        // expired at its end and counted in the next reported bucket.
        st.carryExpired += this.expire(st, to);
        break;
      }
      const bucket = this.bucket(st, s);
      bucket.expired += this.expire(st, s + this.intervalUs);
      const p = st.phases;
      const active = p[0] + p[1] + p[2] + p[3];
      bucket.gauges = {
        active, maxActive: Math.max(st.maxActive, active), backlog: p[WAITING],
        maxBacklog: Math.max(st.maxBacklog, p[WAITING]), phases: [p[0], p[1], p[2], p[3]],
      };
      st.maxActive = active;
      st.maxBacklog = p[WAITING];
    }
    const p = st.phases;
    st.maxActive = p[0] + p[1] + p[2] + p[3];
    st.maxBacklog = p[WAITING];
    st.gaugeStart = to;
  }

  /** Reports (and forgets) every bucket that has closed by wall time `nowMs`, oldest first per instance. */
  close(nowMs: number): IntervalReport[] {
    const out: IntervalReport[] = [];
    for (const st of this.instances.values()) {
      const clock = st.maxTs + Math.max(0, nowMs - st.wallAtLastAdd) * 1000;
      const closeBefore = this.bucketOf(clock - this.latenessUs);
      if (!(closeBefore > st.closedUntil)) continue;
      if (closeBefore > st.gaugeStart) this.advance(st, closeBefore);
      const starts = [...st.buckets.keys()].filter((s) => s < closeBefore).sort((a, b) => a - b);
      for (const s of starts) {
        const bucket = st.buckets.get(s)!;
        st.buckets.delete(s);
        if (st.current === bucket) st.current = null;
        out.push({
          instance: st.name,
          startMs: s / 1000,
          endMs: (s + this.intervalUs) / 1000,
          bucket,
          gauges: bucket.gauges ?? currentGauges(st),
          backlogMeasured: st.hasC,
        });
      }
      st.closedUntil = closeBefore;
      if (st.inflight.size === 0 && st.buckets.size === 0 && closeBefore >= st.lastEventBucket + this.idleUs) {
        this.instances.delete(st.name);
      }
    }
    return out;
  }
}

function move(phases: number[], req: Req, to: number): void {
  phases[req.phase]--;
  phases[to]++;
  req.phase = to;
}

function currentGauges(st: Instance): Gauges {
  const p = st.phases;
  const active = p[0] + p[1] + p[2] + p[3];
  return { active, maxActive: active, backlog: p[WAITING], maxBacklog: p[WAITING], phases: [p[0], p[1], p[2], p[3]] };
}
