// A trace-log simulator for tests: a seeded plan of requests with known start, input, wait, app
// and output times across several instances (threads, keep-alive ids, errors, hangs, restarts),
// the lines each instance writes (in the order it writes them), and the truth per bucket computed
// from the plan alone — never by calling lib/tracelog.
//
// Instances (all in one time zone, crossing the repeated hour at the end of DST):
//   app1__acme__inst1  zc.zservertracelog: B written together with I, D records, `Error:`, keep-alive
//                      id reuse and replacement, hangs; ZC's syslog-ng prefix
//   web2__zope         zc.resumelb: `200 OK n` status lines, T and - records, X…S with a downtime
//                      longer than the idle limit, a crash (S without X), cancelled requests; BSD prefix
//   zope-c             Zope 2: no C, `T` separator, whole seconds, no prefix (named by its file)
import { rng } from '../support/rng.js';

export const ZONE = 'America/New_York';
export const START_US = Date.UTC(2021, 10, 7, 5, 40) * 1000; // 01:40 EDT; 06:00Z = 01:00 EST again
export const DURATION_S = 2700;
export const INTERVAL_US = 10_000_000;
export const STUCK_US = 120_000_000;
export const IDLE_US = 60_000_000;

export type Style = 'zc' | 'resumelb' | 'zope2';

export interface SimRequest {
  n: number;
  instance: string;
  id: string;
  tB: number;
  tI?: number;
  tC?: number;
  tA?: number;
  tE?: number;
  inBytes: number;
  appMessage: string;
  error: boolean;
  outBytes: number;
  /** Never finishes: expires (or is dropped by a restart). */
  hung?: boolean;
  /** The live request on the same id that this one's B replaces (its E is never written). */
  replaces?: SimRequest;
}

export interface SimLine {
  instance: string;
  /** Position in the instance's writing: lines are written in (writeTs, seq) order. */
  writeTs: number;
  seq: number;
  ts: number;
  code: string;
  id: string;
  message: string;
  req?: SimRequest;
}

export interface InstancePlan {
  key: string;
  style: Style;
  lines: SimLine[];
}

const bucketOf = (us: number): number => Math.floor(us / INTERVAL_US) * INTERVAL_US;

interface StyleSpec {
  key: string;
  style: Style;
  meanGapUs: number;
  threads: number;
  restarts: { x: number | null; s: number }[];
}

const SPECS: StyleSpec[] = [
  { key: 'app1__acme__inst1', style: 'zc', meanGapUs: 1_300_000, threads: 2, restarts: [] },
  { key: 'web2__zope', style: 'resumelb', meanGapUs: 1_600_000, threads: 3, restarts: [{ x: 1000, s: 1100 }, { x: null, s: 2000 }] },
  { key: 'zope-c', style: 'zope2', meanGapUs: 2_100_000, threads: 2, restarts: [] },
];

export function plan(seed: number): InstancePlan[] {
  return SPECS.map((spec, i) => planInstance(spec, rng(seed * 31 + i)));
}

function planInstance(spec: StyleSpec, rnd: () => number): InstancePlan {
  const lines: SimLine[] = [];
  let seq = 0;
  const whole = spec.style === 'zope2';
  const round = (us: number): number => (whole ? Math.floor(us / 1e6) * 1e6 : Math.round(us));
  const add = (l: Omit<SimLine, 'instance' | 'seq' | 'writeTs'> & { writeTs?: number }): void => {
    lines.push({ instance: spec.key, seq: seq++, writeTs: l.writeTs ?? l.ts, ...l });
  };
  const end = START_US + DURATION_S * 1e6;
  const threadFree = new Array<number>(spec.threads).fill(0);
  const channels = new Map<string, SimRequest | null>(); // id → its live request
  const restarts = spec.restarts.map((r) => ({ x: r.x === null ? null : START_US + r.x * 1e6, s: START_US + r.s * 1e6 }));
  let t = START_US + Math.floor(rnd() * 2e6);
  let n = 0;
  /** Events of live requests after a restart time are never written (the process died). */
  const killedAt = (tB: number): number => {
    for (const r of restarts) {
      const stop = r.x ?? r.s;
      if (tB < stop) return stop;
    }
    return Infinity;
  };
  for (const r of restarts) {
    if (r.x !== null) add({ ts: r.x, code: 'X', id: '0', message: '' });
    add({ ts: r.s, code: 'S', id: '0', message: '' });
  }
  const reqs: SimRequest[] = [];
  const stops = restarts.map((r) => r.x ?? r.s);
  while (t < end - 5e6) {
    const prev = t;
    t += Math.round(-Math.log(1 - rnd()) * spec.meanGapUs) + 1;
    // Just before each stop or crash, a slow request starts: the restart must drop something.
    const stop = stops.find((x) => x > prev && x <= t);
    let forceSlow = false;
    if (stop !== undefined) {
      stops.splice(stops.indexOf(stop), 1);
      t = Math.max(prev + 1, stop - 300_000);
      forceSlow = true;
    }
    const down = restarts.find((r) => r.x !== null && t >= r.x && t < r.s);
    if (down) { t = down.s + 1_000_000; continue; }
    const tB0 = round(t);
    const req: SimRequest = {
      n: n++, instance: spec.key, id: '', tB: tB0, inBytes: rnd() < 0.2 ? Math.floor(rnd() * 5000) : 0, appMessage: '', error: false, outBytes: -1,
    };
    // input, then a thread, then app and output
    let tI = round(tB0 + rnd() * 300_000);
    if (spec.style === 'zc' && bucketOf(tI) !== bucketOf(req.tB)) req.tB = bucketOf(tI); // zc writes B with I: same bucket
    const thread = threadFree.indexOf(Math.min(...threadFree));
    const tC = round(Math.max(tI + rnd() * 2000, threadFree[thread]!) + 50);
    const slow = forceSlow || rnd() < 0.04;
    const tA = round(tC + (slow ? 5e6 + rnd() * 35e6 : 20_000 + rnd() * 800_000));
    const tE = round(tA + rnd() * 50_000);
    const roll = rnd();
    if (spec.style === 'resumelb') {
      const ok = roll < 0.95;
      req.outBytes = Math.floor(rnd() * 20000);
      req.appMessage = ok ? `200 OK ${req.outBytes}` : `500 Internal Server Error ${req.outBytes}`;
      req.error = !ok;
    } else if (spec.style === 'zc') {
      req.outBytes = rnd() < 0.3 ? -1 : Math.floor(rnd() * 90000);
      req.appMessage = roll < 0.03 ? 'Error: oh noes!' : `${roll < 0.06 ? 503 : roll < 0.1 ? 304 : 200} ${req.outBytes < 0 ? '?' : req.outBytes}`;
      if (roll < 0.03) req.outBytes = -1;
      req.error = roll < 0.06;
    } else {
      req.outBytes = Math.floor(rnd() * 9000);
      req.error = roll < 0.04;
      req.appMessage = `${req.error ? 500 : 200} ${req.outBytes}`;
    }
    req.tI = tI;
    if (spec.style !== 'zope2') req.tC = tC;
    req.tA = tA;
    req.tE = tE;
    if (spec.style === 'zc' && rnd() < 0.03 && bucketOf(Math.floor(req.tB / 1e6) * 1e6) === bucketOf(tI)) {
      req.tB = Math.floor(req.tB / 1e6) * 1e6; // str(datetime) drops a zero fraction
    }
    if (rnd() < 0.01) {
      req.hung = true; // never finishes
      delete req.tA;
      delete req.tE;
      if (spec.style === 'resumelb' && rnd() < 0.5) {
        delete req.tI; // cancelled while buffering: B and nothing else
        delete req.tC;
      }
    }
    // Ids: zc reuses channel ids (keep-alive); a free channel is one whose request has ended.
    const pool = spec.style === 'zc' ? 6 : spec.style === 'zope2' ? 5 : 0;
    if (pool === 0) req.id = `${Math.floor(rnd() * 4)}.${req.n}`;
    else {
      const ids = Array.from({ length: pool }, (_, k) => (spec.style === 'zc' ? `0.-14518${19092 + k * 736}` : `${140234567 + k * 4096}`));
      const free = ids.filter((id) => { const live = channels.get(id); return !live || (live.tE !== undefined && live.tE < req.tB); });
      // Now and then a new request arrives on a channel whose request is stuck writing its output: it replaces it.
      const replaceable = spec.style === 'zc' ? ids.filter((id) => { const live = channels.get(id); return live && live.tA !== undefined && live.tE !== undefined && live.tA < req.tB && live.tE >= req.tB; }) : [];
      if (replaceable.length > 0 && rnd() < 0.5) {
        req.id = replaceable[0]!;
        const old = channels.get(req.id)!;
        delete old.tE; // its E is never written: the new B replaces it
        req.replaces = old;
      } else if (free.length > 0) req.id = free[Math.floor(rnd() * free.length)]!;
      else req.id = `9.${req.n}`;
      channels.set(req.id, req);
    }
    threadFree[thread] = req.tA ?? req.tC ?? threadFree[thread]!;
    // A restart kills the request: nothing after it is written.
    const kill = killedAt(req.tB);
    for (const k of ['tI', 'tC', 'tA', 'tE'] as const) if (req[k] !== undefined && req[k]! >= kill) delete req[k];
    if (req.tI === undefined) { delete req.tC; delete req.tA; delete req.tE; }
    if (req.tC === undefined && spec.style !== 'zope2') { delete req.tA; delete req.tE; }
    if (req.tA === undefined) delete req.tE;
    reqs.push(req);
  }
  for (const req of reqs) {
    if (spec.style === 'zc') {
      if (req.tI === undefined) continue; // zc writes B only once the request is read
      add({ ts: req.tB, writeTs: req.tI, code: 'B', id: req.id, message: `GET /r/${req.n}`, req });
    } else {
      add({ ts: req.tB, code: 'B', id: req.id, message: `${req.n % 5 ? 'GET' : 'POST'} /r/${req.n}?q=1`, req });
    }
    if (req.tI !== undefined) add({ ts: req.tI, code: 'I', id: req.id, message: String(req.inBytes), req });
    if (req.tC !== undefined) add({ ts: req.tC, code: 'C', id: req.id, message: '', req });
    if (req.tC !== undefined && spec.style === 'zc' && req.n % 4 === 0) add({ ts: req.tC + 10, code: 'D', id: req.id, message: '4 2', req });
    if (req.tC !== undefined && spec.style === 'resumelb' && req.n % 5 === 0) add({ ts: req.tC + 5, code: 'T', id: req.id, message: 'test', req });
    if (req.tA !== undefined) add({ ts: req.tA, code: 'A', id: req.id, message: req.appMessage, req });
    if (req.tE !== undefined) {
      // resumelb's E comes from another thread: now and then it is written a little late (same bucket).
      const late = spec.style === 'resumelb' && req.n % 7 === 0 ? Math.round(rnd() * 30_000) : 0;
      const writeTs = bucketOf(req.tE + late) === bucketOf(req.tE) ? req.tE + late : req.tE;
      add({ ts: req.tE, writeTs, code: 'E', id: req.id, message: '', req });
    }
  }
  lines.sort((a, b) => a.writeTs - b.writeTs || a.seq - b.seq);
  return { key: spec.key, style: spec.style, lines };
}

export interface TruthBucket {
  start: number;
  requests: number;
  errors: number;
  input: number[];
  wait: number[];
  app: number[];
  output: number[];
  total: number[];
  appUs: number;
  bytesIn: number;
  bytesOut: number;
  restarts: number;
  dropped: number;
  expired: number;
  replaced: number;
  active: number;
  maxActive: number;
  backlog: number;
  maxBacklog: number;
}

type Phase = 'reading' | 'waiting' | 'app' | 'output';

/**
 * What sotto must report for one instance, from the plan: the lines in the order the instance
 * wrote them, each counted by the definitions in the README (durations and completions in the
 * bucket of their ending record; gauges = the requests open when the log crosses a bucket end,
 * and the most open at once within the bucket; stuck requests expire at the first bucket end at
 * least STUCK after their B; after IDLE without records no buckets until the next record).
 */
export function truth(p: InstancePlan): TruthBucket[] {
  const out = new Map<number, TruthBucket>();
  const alive = new Map<string, { req: SimRequest; tB: number; tI?: number; tC?: number; tA?: number; phase: Phase }>();
  const bucket = (s: number): TruthBucket => {
    let b = out.get(s);
    if (!b) {
      b = { start: s, requests: 0, errors: 0, input: [], wait: [], app: [], output: [], total: [], appUs: 0, bytesIn: 0, bytesOut: 0,
        restarts: 0, dropped: 0, expired: 0, replaced: 0, active: 0, maxActive: 0, backlog: 0, maxBacklog: 0 };
      out.set(s, b);
    }
    return b;
  };
  const waiting = (): number => [...alive.values()].filter((r) => r.phase === 'waiting').length;
  let gaugeStart = NaN;
  let lastEvent = NaN;
  let maxActive = 0;
  let maxBacklog = 0;
  const cross = (to: number): void => {
    for (let s = gaugeStart; s < to; s += INTERVAL_US) {
      if (s >= lastEvent + IDLE_US) break;
      const b = bucket(s);
      for (const [id, r] of alive) {
        if (s + INTERVAL_US - r.tB >= STUCK_US) {
          alive.delete(id);
          b.expired++;
        }
      }
      b.active = alive.size;
      b.backlog = waiting();
      b.maxActive = Math.max(maxActive, b.active);
      b.maxBacklog = Math.max(maxBacklog, b.backlog);
      maxActive = b.active;
      maxBacklog = b.backlog;
    }
    gaugeStart = to;
  };
  const ms = (us: number): number => Math.max(0, us) / 1000;
  for (const line of p.lines) {
    const s = bucketOf(line.ts);
    if (Number.isNaN(gaugeStart)) gaugeStart = lastEvent = s;
    if (s > gaugeStart) cross(s);
    lastEvent = Math.max(lastEvent, s);
    const b = bucket(s);
    const r = alive.get(line.id);
    switch (line.code) {
      case 'B':
        if (r) {
          b.replaced++;
          alive.delete(line.id);
        }
        alive.set(line.id, { req: line.req!, tB: line.ts, phase: 'reading' });
        break;
      case 'I':
        if (!r || r.tI !== undefined) break;
        r.tI = line.ts;
        b.input.push(ms(line.ts - r.tB));
        if (r.req.inBytes > 0) b.bytesIn += r.req.inBytes;
        if (r.phase === 'reading') r.phase = 'waiting';
        break;
      case 'C':
        if (!r || r.tC !== undefined) break;
        r.tC = line.ts;
        if (r.tI !== undefined) b.wait.push(ms(line.ts - r.tI));
        if (r.phase === 'reading' || r.phase === 'waiting') r.phase = 'app';
        break;
      case 'A':
        if (!r || r.tA !== undefined) break;
        r.tA = line.ts;
        if (r.tC !== undefined) {
          b.app.push(ms(line.ts - r.tC));
          b.appUs += Math.max(0, line.ts - r.tC);
        }
        if (r.req.outBytes > 0) b.bytesOut += r.req.outBytes;
        r.phase = 'output';
        break;
      case 'E':
        if (!r) break;
        b.total.push(ms(line.ts - r.tB));
        if (r.tA !== undefined) b.output.push(ms(line.ts - r.tA));
        b.requests++;
        if (r.req.error) b.errors++;
        alive.delete(line.id);
        break;
      case 'S':
      case 'X':
        b.restarts++;
        b.dropped += alive.size;
        alive.clear();
        break;
      default:
    }
    maxActive = Math.max(maxActive, alive.size);
    maxBacklog = Math.max(maxBacklog, waiting());
  }
  cross(Infinity);
  return [...out.values()].sort((a, b) => a.start - b.start);
}
