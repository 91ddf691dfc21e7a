// A flush snapshot → Graphite-named points, exactly as etsy statsd 0.9's graphite backend names
// them (backends/graphite.js flush_stats/format), legacyNamespace true or false, every prefix and
// suffix, in etsy's order: counters, timers, gauges, sets, numStats, calculationtime,
// processing_time, then the backend's own graphiteStats.*. Pure (the clock is passed in).
// The points come out as columns (no object per point), and a big flush can be named in steps
// (FlushNaming.step) so the caller can let packets in between.
import type { MetricPoint } from '../types.js';
import type { StatsdSnapshot } from './aggregate.js';
import { sanitizeKey } from './parse.js';
import { LOG_CHUNK, TimerGrouping } from './tables.js';
import { BINS, computeTimerStats, layoutFor, type TimerStatLayout, type TimerStatsConfig } from './timer-stats.js';

/** etsy's `graphite` config section: the namespaces and prefixes of the graphite backend. */
export interface GraphiteNaming {
  legacyNamespace: boolean;
  globalPrefix: string;
  prefixCounter: string;
  prefixTimer: string;
  prefixGauge: string;
  prefixSet: string;
  /** Appended as `.<suffix>` after the stat name (before tags); '' for none. */
  globalSuffix: string;
}

export interface NamingConfig extends GraphiteNaming {
  prefixStats: string;
  /** etsy `flush_counts`: also send the raw counter count. */
  flushCounts: boolean;
  /** When false, keys were kept raw at ingest and only the name part (before `;`) is sanitized here. */
  keyNameSanitize: boolean;
}

/** etsy's graphiteStats: facts about the previous write (sotto: the store write of the previous flush). */
export interface BackendStats {
  lastException: number;
  lastFlush: number;
  flushTime: number;
  flushLength: number;
}

/** Points as parallel columns: point i is (names[i], values[i], timestamps[i]). */
export interface PointColumns {
  names: string[];
  values: number[];
  timestamps: number[];
}

interface Namespaces {
  global: string;
  counter: string;
  counterCount: string;
  timer: string;
  gauge: string;
  set: string;
}

const joinNs = (parts: string[]): string => (parts.length ? parts.join('.') + '.' : '');

function namespaces(c: GraphiteNaming): Namespaces {
  if (c.legacyNamespace) {
    // Legacy mode ignores the custom prefixes (etsy hard-codes these).
    return { global: 'stats.', counter: 'stats.', counterCount: 'stats_counts.', timer: 'stats.timers.', gauge: 'stats.gauges.', set: 'stats.sets.' };
  }
  const g = c.globalPrefix !== '' ? [c.globalPrefix] : [];
  const with_ = (p: string): string => joinNs(p !== '' ? [...g, p] : g);
  const counter = with_(c.prefixCounter);
  return { global: joinNs(g), counter, counterCount: counter, timer: with_(c.prefixTimer), gauge: with_(c.prefixGauge), set: with_(c.prefixSet) };
}

/** One name per kind of statsd metric as this naming writes them (a counter's rate, a timer's mean, a gauge, a set's count). */
export function sampleNames(c: GraphiteNaming): string[] {
  const ns = namespaces(c);
  const sfx = c.globalSuffix !== '' ? '.' + c.globalSuffix : '';
  return [`${ns.counter}x${c.legacyNamespace ? '' : '.rate'}${sfx}`, `${ns.timer}x.mean${sfx}`, `${ns.gauge}x${sfx}`, `${ns.set}x.count${sfx}`];
}

export interface NamedFlush {
  columns: PointColumns;
  /** etsy `numStats`: keys flushed (counters incl. internal ones, timers, gauges, sets). */
  numStats: number;
}

const enum Phase { Counters, Timers, Gauges, Sets, Done }

/**
 * Names one flush. `step(work)` names about `work` keys (a timer counts one more per 64 values)
 * and returns true once every key is named; `finish()` then adds the self-timing and backend lines.
 * Names are `ns + name + '.' + stat + suffix + tags` (tags are everything from the key's first `;`).
 */
export class FlushNaming {
  readonly columns: PointColumns = { names: [], values: [], timestamps: [] };
  numStats = 0;
  private phase = Phase.Counters;
  private next = 0;
  private spent = 0;
  private timerSpent = 0;
  private timerMark = 0;
  private grouping: TimerGrouping | null = null;
  private readonly ns: Namespaces;
  private readonly suffix: string;
  private readonly layout: TimerStatLayout;
  private readonly timerSubs: string[];
  private readonly binBase: number;
  private binSubs: string[] = [];
  /** The key being named: `name` (sanitized when needed) and `tail` (suffix + tags). */
  private name = '';
  private tail = '';
  private head = '';
  private readonly emitTimer: (id: number, value: number) => void;

  constructor(
    private readonly snap: StatsdSnapshot,
    private readonly naming: NamingConfig,
    timerConfig: TimerStatsConfig,
    private readonly backend: BackendStats,
    private readonly now: () => number = Date.now,
  ) {
    this.ns = namespaces(naming);
    this.suffix = naming.globalSuffix !== '' ? '.' + naming.globalSuffix : '';
    this.layout = layoutFor(timerConfig);
    this.timerSubs = this.layout.names.map((n) => '.' + n);
    this.binBase = this.layout.fixed + BINS;
    const cols = this.columns;
    const ts = snap.timestamp;
    this.emitTimer = (id, value) => {
      cols.names.push(this.head + (id < this.binBase ? this.timerSubs[id]! : this.binSubs[id - this.binBase]!) + this.tail);
      cols.values.push(value);
      cols.timestamps.push(ts);
    };
  }

  private add(name: string, value: number): void {
    this.columns.names.push(name);
    this.columns.values.push(value);
    this.columns.timestamps.push(this.snap.timestamp);
  }

  /** Splits a key into its name (sanitized if ingest did not) and tags. */
  private key(key: string): void {
    const semi = key.indexOf(';');
    const name = semi === -1 ? key : key.slice(0, semi);
    this.name = this.naming.keyNameSanitize ? name : sanitizeKey(name);
    this.tail = semi === -1 ? this.suffix : this.suffix + key.slice(semi);
  }

  step(work = Infinity): boolean {
    const started = this.now();
    if (this.phase === Phase.Timers) this.timerMark = started;
    const ns = this.ns;
    const legacy = this.naming.legacyNamespace;
    const counts = this.naming.flushCounts;
    const seconds = this.snap.flushInterval / 1000;
    while (work > 0 && this.phase !== Phase.Done) {
      const i = this.next;
      if (this.phase === Phase.Counters) {
        const c = this.snap.counters;
        if (i === c.n) { this.nextPhase(); continue; }
        this.key(c.keys[i]!);
        const value = c.values[i]!;
        if (legacy) {
          this.add(ns.counter + this.name + this.tail, value / seconds);
          if (counts) this.add(ns.counterCount + this.name + this.tail, value);
        } else {
          const head = ns.counter + this.name;
          this.add(head + '.rate' + this.tail, value / seconds);
          if (counts) this.add(head + '.count' + this.tail, value);
        }
        work--;
      } else if (this.phase === Phase.Timers) {
        if (i === this.snap.timers.n) { this.nextPhase(); continue; }
        const g = (this.grouping ??= new TimerGrouping(this.snap.timers));
        if (!g.done) {
          // the log is grouped first, a chunk per step (a value counts 1/64 of a key's work)
          g.step();
          work -= LOG_CHUNK >> 6;
          continue;
        }
        work -= this.timer(i, g);
      } else if (this.phase === Phase.Gauges) {
        const g = this.snap.gauges;
        if (i === g.n) { this.nextPhase(); continue; }
        this.key(g.keys[i]!);
        this.add(ns.gauge + this.name + this.tail, g.values[i]!);
        work--;
      } else {
        const s = this.snap.sets;
        if (i === s.n) { this.nextPhase(); continue; }
        this.key(s.keys[i]!);
        this.add(ns.set + this.name + '.count' + this.tail, s.sizes[i]!);
        work--;
      }
      this.next++;
    }
    const ended = this.now();
    this.spent += ended - started;
    if (this.phase === Phase.Timers) this.timerSpent += ended - this.timerMark;
    return this.phase === Phase.Done;
  }

  /** Names timer slot i; returns the work it took. */
  private timer(i: number, g: TimerGrouping): number {
    const t = this.snap.timers;
    const off = g.offsets[i]!;
    const n = g.offsets[i + 1]! - off;
    if (n > 1) sortSegment(g.values, off, n, t.negativeZero);
    const key = t.keys[i]!;
    this.key(key);
    this.head = this.ns.timer + this.name;
    const bins = n > 0 ? this.layout.bins(key) : [];
    this.binSubs = bins.length ? this.layout.binSuffixes(bins).map((b) => '.' + b) : [];
    computeTimerStats(g.values, off, n, t.counts[i]!, this.snap.flushInterval, this.layout, bins, this.emitTimer);
    return 1 + (n >> 6);
  }

  private nextPhase(): void {
    this.numStats += this.phase === Phase.Counters ? this.snap.counters.n
      : this.phase === Phase.Timers ? this.snap.timers.n
        : this.phase === Phase.Gauges ? this.snap.gauges.n : this.snap.sets.n;
    this.phase++;
    this.next = 0;
    // processing_time: the time spent on timers (etsy: process_metrics).
    if (this.phase === Phase.Timers) this.timerMark = this.now();
    if (this.phase === Phase.Gauges) {
      this.timerSpent += this.now() - this.timerMark;
      this.grouping = null;
    }
  }

  /** The statsd.* self-timing and graphiteStats lines; call after step() returned true. */
  finish(): NamedFlush {
    const naming = this.naming;
    const suffix = this.suffix;
    const ps = naming.prefixStats;
    const add = (name: string, value: number): void => this.add(name, value);
    if (naming.legacyNamespace) {
      add(ps + '.numStats' + suffix, this.numStats);
      add('stats.' + ps + '.graphiteStats.calculationtime' + suffix, this.spent);
      add('stats.' + ps + '.processing_time' + suffix, this.timerSpent);
    } else {
      this.key(ps);
      const head = this.ns.global + this.name;
      add(head + '.numStats' + this.tail, this.numStats);
      add(head + '.graphiteStats.calculationtime' + this.tail, this.spent);
      add(head + '.processing_time' + this.tail, this.timerSpent);
    }
    const gs = (naming.legacyNamespace ? 'stats.' : this.ns.global) + ps + '.graphiteStats.';
    const b = this.backend;
    add(gs + 'last_exception' + suffix, b.lastException);
    add(gs + 'last_flush' + suffix, b.lastFlush);
    add(gs + 'flush_time' + suffix, b.flushTime);
    add(gs + 'flush_length' + suffix, b.flushLength);
    return { columns: this.columns, numStats: this.numStats };
  }
}

const ascending = (a: number, b: number): number => a - b;

/**
 * Sorts values[off, off + n) ascending. A typed-array sort orders -0 before 0; etsy's comparator
 * sort keeps them in arrival order, so when a -0 arrived the comparator sort is used.
 */
function sortSegment(values: Float64Array, off: number, n: number, negativeZero: boolean): void {
  const seg = values.subarray(off, off + n);
  if (!negativeZero) seg.sort();
  else seg.set(Array.from(seg).sort(ascending));
}

/** Points as objects (tests, tools). */
export function columnsToPoints(c: PointColumns): MetricPoint[] {
  const out: MetricPoint[] = new Array(c.names.length);
  for (let i = 0; i < c.names.length; i++) out[i] = { name: c.names[i]!, value: c.values[i]!, timestamp: c.timestamps[i]! };
  return out;
}

/** Names one flush at once, as point objects (tests and tools; the server uses FlushNaming). */
export function snapshotToPoints(
  snap: StatsdSnapshot,
  naming: NamingConfig,
  timerConfig: TimerStatsConfig,
  backend: BackendStats,
  now: () => number = Date.now,
): { points: MetricPoint[]; numStats: number } {
  const job = new FlushNaming(snap, naming, timerConfig, backend, now);
  job.step();
  const { columns, numStats } = job.finish();
  return { points: columnsToPoints(columns), numStats };
}
