// The statsd buckets between flushes, with etsy statsd 0.9's semantics (stats.js handlePacket and
// flushMetrics): counters reset to 0, timers emptied, sets emptied, gauges persist, the delete*
// options and gaugesMaxTTL, and the internal statsd.* counters. Pure: the clock is passed in.
// Keys live in Maps, so `constructor`, `toString` or `__proto__` are ordinary keys.
import { parsePacket, type ParseOptions, type SampleSink } from './parse.js';

export interface AggregatorConfig {
  /** etsy `prefixStats` (default "statsd"): namespace of the internal metrics. */
  prefixStats: string;
  deleteCounters: boolean;
  deleteTimers: boolean;
  deleteGauges: boolean;
  deleteSets: boolean;
  /** Flushes a deleted-when-idle gauge survives after its last update (etsy forces < 2 to 1). */
  gaugesMaxTTL: number;
  flushInterval: number;
  keyNameSanitize: boolean;
  histogramsAsTimers?: boolean;
  /** Called for each bad segment (for logging); counting happens here regardless. */
  onBadLine?: (line: string) => void;
}

export interface TimerBucket {
  values: number[];
  /** Σ 1/sampleRate. */
  count: number;
}

/** Everything one flush reports. The aggregator hands over its buckets; nothing here changes later. */
export interface StatsdSnapshot {
  /** Flush time, unix seconds, `Math.round(nowMs / 1000)` as etsy. */
  timestamp: number;
  flushInterval: number;
  counters: ReadonlyMap<string, { readonly v: number }>;
  timers: ReadonlyMap<string, TimerBucket>;
  gauges: ReadonlyMap<string, number>;
  sets: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * A copy of a string that does not share memory with the packet it was cut from. V8 represents
 * longer substrings as slices of their parent, so a key kept in a Map would keep its whole packet
 * alive; keys and set members are copied once, when first stored.
 */
function own(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** Counters that `deleteCounters` never deletes (etsy: any key *containing* these names). */
const KEPT_COUNTERS = ['packets_received', 'metrics_received', 'bad_lines_seen'];

export class Aggregator implements SampleSink {
  /** One mutable cell per key: an update is one Map lookup, not a get and a set. */
  counters = new Map<string, { v: number }>();
  timers = new Map<string, TimerBucket>();
  gauges = new Map<string, number>();
  sets = new Map<string, Set<string>>();
  private gaugesTTL = new Map<string, number>();
  private readonly config: AggregatorConfig;
  private readonly parseOptions: ParseOptions;
  private readonly badKey: string;
  private readonly packetsKey: string;
  private readonly metricsKey: string;
  private readonly lagKey: string;
  private oldTimestamp = 0;
  private packets = 0;
  private lines = 0;
  /** Cumulative, for the admin `stats` command (etsy `messages.bad_lines_seen`). */
  badLinesTotal = 0;
  /** Cumulative packets since start (tests and benchmarks wait on it). */
  packetsTotal = 0;
  lastMessageSeen = 0;

  constructor(config: AggregatorConfig) {
    this.config = { ...config, gaugesMaxTTL: Number.isInteger(config.gaugesMaxTTL) && config.gaugesMaxTTL > 1 ? config.gaugesMaxTTL : 1 };
    this.parseOptions = { keyNameSanitize: config.keyNameSanitize, histogramsAsTimers: config.histogramsAsTimers };
    const p = config.prefixStats;
    this.badKey = p + '.bad_lines_seen';
    this.packetsKey = p + '.packets_received';
    this.metricsKey = p + '.metrics_received';
    this.lagKey = p + '.timestamp_lag';
    this.resetInternalCounters();
  }

  private resetInternalCounters(): void {
    this.counters.set(this.badKey, { v: 0 });
    this.counters.set(this.packetsKey, { v: 0 });
    this.counters.set(this.metricsKey, { v: 0 });
  }

  /** One packet: counts it and its lines, applies every value. `nowMs` is when it arrived. */
  packet(text: string, nowMs: number): void {
    this.packets++;
    this.packetsTotal++;
    this.lines += parsePacket(text, this.parseOptions, this);
    this.lastMessageSeen = nowMs;
  }

  /** Adds the packet/line tallies kept in fields (cheaper on the hot path) into their counters. */
  settleInternal(): void {
    if (this.packets) this.bump(this.packetsKey, this.packets);
    if (this.lines) this.bump(this.metricsKey, this.lines);
    this.packets = 0;
    this.lines = 0;
  }

  private bump(key: string, n: number): void {
    this.counter(key, n);
  }

  counter(key: string, value: number): void {
    const cell = this.counters.get(key);
    // `(x || 0)`: etsy restarts a NaN counter from 0.
    if (cell !== undefined) cell.v = (cell.v || 0) + value;
    else this.counters.set(own(key), { v: value });
  }

  timer(key: string, value: number, countIncrement: number): void {
    let bucket = this.timers.get(key);
    if (bucket === undefined) {
      bucket = { values: [], count: 0 };
      this.timers.set(own(key), bucket);
    }
    bucket.values.push(value);
    bucket.count += countIncrement;
  }

  gauge(key: string, value: number, signed: boolean): void {
    if (this.config.deleteGauges) this.gaugesTTL.set(key, this.config.gaugesMaxTTL);
    const current = this.gauges.get(key);
    // etsy: a leading sign is a delta only while the gauge is truthy (set and not 0/NaN).
    this.gauges.set(current === undefined ? own(key) : key, current && signed ? current + value : value);
  }

  set(key: string, member: string): void {
    let s = this.sets.get(key);
    if (s === undefined) {
      s = new Set();
      this.sets.set(own(key), s);
    }
    if (!s.has(member)) s.add(own(member));
  }

  bad(line: string): void {
    this.bump(this.badKey, 1);
    this.badLinesTotal++;
    this.config.onBadLine?.(line);
  }

  /**
   * Ends the interval: returns its snapshot and resets the buckets as etsy's clear_metrics does.
   * `timestamp_lag` (ts - previous ts - interval) is set from the second flush on.
   */
  flush(nowMs: number): StatsdSnapshot {
    const ts = Math.round(nowMs / 1000);
    const c = this.config;
    if (this.oldTimestamp > 0) this.gauges.set(this.lagKey, ts - this.oldTimestamp - c.flushInterval / 1000);
    this.oldTimestamp = ts;

    this.settleInternal();
    const counters = this.counters;
    const timers = this.timers;
    const sets = this.sets;
    const snapshot: StatsdSnapshot = { timestamp: ts, flushInterval: c.flushInterval, counters, timers, gauges: new Map(this.gauges), sets };

    this.counters = new Map();
    for (const key of counters.keys()) {
      if (!c.deleteCounters || KEPT_COUNTERS.some((k) => key.includes(k))) this.counters.set(key, { v: 0 });
    }
    this.timers = new Map();
    if (!c.deleteTimers) for (const key of timers.keys()) this.timers.set(key, { values: [], count: 0 });
    this.sets = new Map();
    if (!c.deleteSets) for (const key of sets.keys()) this.sets.set(key, new Set());
    if (c.deleteGauges) {
      for (const [key, ttl] of this.gaugesTTL) {
        if (ttl - 1 < 1) {
          this.gauges.delete(key);
          this.gaugesTTL.delete(key);
        } else this.gaugesTTL.set(key, ttl - 1);
      }
    }
    return snapshot;
  }

  /** The admin port's del* commands: exact names, or `prefix.*` for a whole folder. Returns report lines. */
  deleteStats(kind: 'counters' | 'timers' | 'gauges' | 'sets', names: string[]): string[] {
    const map: Map<string, unknown> = this[kind] as Map<string, unknown>;
    const out: string[] = [];
    for (const name of names) {
      const matches: string[] = [];
      if (map.has(name)) matches.push(name);
      if (name.endsWith('.*')) {
        const folder = name.slice(0, -1);
        for (const key of map.keys()) if (key.startsWith(folder)) matches.push(key);
      }
      if (matches.length === 0) out.push(`metric ${name} not found`);
      for (const key of matches) {
        map.delete(key);
        if (kind === 'gauges') this.gaugesTTL.delete(key);
        out.push(`deleted: ${key}`);
      }
    }
    return out;
  }

  /** Number of distinct keys held (for memory/limit reporting). */
  get size(): number {
    return this.counters.size + this.timers.size + this.gauges.size + this.sets.size;
  }
}
