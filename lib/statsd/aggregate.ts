// The statsd buckets between flushes, with etsy statsd 0.9's semantics (stats.js handlePacket and
// flushMetrics): counters reset to 0, timers emptied, sets emptied, gauges persist, the delete*
// options and gaugesMaxTTL, and the internal statsd.* counters. Pure: the clock is passed in.
// Keys live in Maps and typed-array tables (tables.ts), so `constructor`, `toString` or
// `__proto__` are ordinary keys. Datagrams take the byte fast path (datagram.ts) with a cache of
// known key bytes (key-cache.ts); TCP text and unusual lines take the text parser (parse.ts).
import { parsePacket, type ParseOptions, type SampleSink } from './parse.js';
import { scanDatagram, type DatagramSink } from './datagram.js';
import { KeyCache } from './key-cache.js';
import { CounterTable, GaugeTable, SetTable, TimerTable, type SetsSnapshot, type TimerSnapshot, type ValuesSnapshot } from './tables.js';

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

/** Everything one flush reports. The aggregator hands over its tables; nothing here changes later. */
export interface StatsdSnapshot {
  /** Flush time, unix seconds, `Math.round(nowMs / 1000)` as etsy. */
  timestamp: number;
  flushInterval: number;
  counters: ValuesSnapshot;
  timers: TimerSnapshot;
  gauges: ValuesSnapshot;
  sets: SetsSnapshot;
}

/** Counters that `deleteCounters` never deletes (etsy: any key *containing* these names). */
const KEPT_COUNTERS = ['packets_received', 'metrics_received', 'bad_lines_seen'];
const keptCounter = (key: string): boolean => KEPT_COUNTERS.some((k) => key.includes(k));

type Latin1 = (this: Uint8Array, s: number, e: number) => string;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: Latin1 }).latin1Slice;
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice: Latin1 }).utf8Slice;

export class Aggregator implements SampleSink, DatagramSink {
  counters = new CounterTable();
  timers = new TimerTable();
  gauges = new GaugeTable();
  sets = new SetTable();
  private readonly cache = new KeyCache();
  private readonly config: AggregatorConfig;
  private readonly parseOptions: ParseOptions;
  private readonly hAsTimer: boolean;
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
    this.hAsTimer = config.histogramsAsTimers !== false;
    const p = config.prefixStats;
    this.badKey = p + '.bad_lines_seen';
    this.packetsKey = p + '.packets_received';
    this.metricsKey = p + '.metrics_received';
    this.lagKey = p + '.timestamp_lag';
    for (const key of [this.badKey, this.packetsKey, this.metricsKey]) this.counters.add(key, 0);
  }

  /** One packet of text (TCP, tests): counts it and its lines, applies every value. `nowMs` is when it arrived. */
  packet(text: string, nowMs: number): void {
    this.packets++;
    this.packetsTotal++;
    this.lines += parsePacket(text, this.parseOptions, this);
    this.lastMessageSeen = nowMs;
  }

  /** One UDP datagram, as bytes: the same as packet(its UTF-8 text), without decoding the common lines. */
  datagram(buf: Uint8Array, nowMs: number): void {
    this.packets++;
    this.packetsTotal++;
    this.lines += scanDatagram(buf, this, this.hAsTimer);
    this.lastMessageSeen = nowMs;
  }

  /** Adds the packet/line tallies kept in fields (cheaper on the hot path) into their counters. */
  settleInternal(): void {
    if (this.packets) this.counters.bump(this.packetsKey, this.packets);
    if (this.lines) this.counters.bump(this.metricsKey, this.lines);
    this.packets = 0;
    this.lines = 0;
  }

  // --- DatagramSink: keys known by their bytes ---

  entry(buf: Uint8Array, s: number, e: number, h: number): number {
    const entry = this.cache.find(buf, s, e, h);
    return entry !== -1 ? entry : this.cache.insert(buf, s, e, h, latin1Slice.call(buf, s, e));
  }

  counterAt(entry: number, value: number): void {
    const cache = this.cache;
    let slot = cache.counter[entry]!;
    if (slot === -1) {
      const t = this.counters;
      slot = t.slot(cache.keys[entry]!);
      if (slot === -1) {
        cache.counter[entry] = t.add(cache.keys[entry]!, value);
        return;
      }
      cache.counter[entry] = slot;
    }
    const values = this.counters.values;
    values[slot] = (values[slot]! || 0) + value;
  }

  timerAt(entry: number, value: number, countIncrement: number): void {
    const cache = this.cache;
    let slot = cache.timer[entry]!;
    if (slot === -1) {
      const key = cache.keys[entry]!;
      slot = this.timers.slot(key);
      if (slot === -1) slot = this.timers.add(key);
      cache.timer[entry] = slot;
    }
    this.timers.push(slot, value, countIncrement);
  }

  gaugeAt(entry: number, value: number, signed: boolean): void {
    const cache = this.cache;
    let slot = cache.gauge[entry]!;
    if (slot === -1) {
      slot = this.gauges.slot(cache.keys[entry]!);
      if (slot === -1) {
        cache.gauge[entry] = this.gaugeNew(cache.keys[entry]!, value);
        return;
      }
      cache.gauge[entry] = slot;
    }
    this.gaugeSlot(slot, value, signed);
  }

  textLine(buf: Uint8Array, s: number, e: number): void {
    parsePacket(utf8Slice.call(buf, s, e), this.parseOptions, this);
  }

  // --- SampleSink: keys as strings (text parser) ---

  counter(key: string, value: number): void {
    this.counters.bump(key, value);
  }

  timer(key: string, value: number, countIncrement: number): void {
    let slot = this.timers.slot(key);
    if (slot === -1) slot = this.timers.add(key);
    this.timers.push(slot, value, countIncrement);
  }

  gauge(key: string, value: number, signed: boolean): void {
    const slot = this.gauges.slot(key);
    if (slot === -1) this.gaugeNew(key, value);
    else this.gaugeSlot(slot, value, signed);
  }

  private gaugeNew(key: string, value: number): number {
    const slot = this.gauges.add(key, value);
    if (this.config.deleteGauges) this.gauges.ttl[slot] = this.config.gaugesMaxTTL;
    return slot;
  }

  private gaugeSlot(slot: number, value: number, signed: boolean): void {
    const g = this.gauges;
    if (this.config.deleteGauges) g.ttl[slot] = this.config.gaugesMaxTTL;
    const current = g.values[slot]!;
    // etsy: a leading sign is a delta only while the gauge is truthy (set and not 0/NaN).
    g.values[slot] = current && signed ? current + value : value;
  }

  set(key: string, member: string): void {
    this.sets.insert(key, member);
  }

  bad(line: string): void {
    this.counters.bump(this.badKey, 1);
    this.badLinesTotal++;
    this.config.onBadLine?.(line);
  }

  /**
   * Ends the interval: returns its snapshot and resets the tables as etsy's clear_metrics does.
   * `timestamp_lag` (ts - previous ts - interval) is set from the second flush on. No per-key
   * work except for the gauges' copy and the delete* options.
   */
  flush(nowMs: number): StatsdSnapshot {
    const ts = Math.round(nowMs / 1000);
    const c = this.config;
    if (this.oldTimestamp > 0) this.gauges.set(this.lagKey, ts - this.oldTimestamp - c.flushInterval / 1000);
    this.oldTimestamp = ts;
    this.settleInternal();
    const snapshot: StatsdSnapshot = {
      timestamp: ts,
      flushInterval: c.flushInterval,
      counters: this.counters.take(c.deleteCounters ? keptCounter : null),
      timers: this.timers.take(c.deleteTimers),
      gauges: this.gauges.take(c.deleteGauges),
      sets: this.sets.take(c.deleteSets),
    };
    const cache = this.cache;
    // Keys that stopped coming: forget their bytes once the cache holds far more than is active.
    const active = snapshot.counters.n + snapshot.timers.n + snapshot.gauges.n;
    if (cache.size > 2 * active + 4096) cache.clear();
    else {
      if (c.deleteCounters) cache.forgetSlots('counter');
      if (c.deleteTimers) cache.forgetSlots('timer');
      if (this.gauges.size !== snapshot.gauges.n) cache.forgetSlots('gauge');
    }
    return snapshot;
  }

  /** The admin port's del* commands: exact names, or `prefix.*` for a whole folder. Returns report lines. */
  deleteStats(kind: 'counters' | 'timers' | 'gauges' | 'sets', names: string[]): string[] {
    // The packet tallies kept in fields belong to the counters: in before they can be deleted.
    if (kind === 'counters') this.settleInternal();
    const table = this[kind];
    const out: string[] = [];
    const gone = new Set<string>();
    for (const name of names) {
      const matches: string[] = [];
      if (table.slot(name) !== -1 && !gone.has(name)) matches.push(name);
      if (name.endsWith('.*')) {
        const folder = name.slice(0, -1);
        for (const key of table.keys) if (key.startsWith(folder) && !gone.has(key) && key !== name) matches.push(key);
      }
      if (matches.length === 0) out.push(`metric ${name} not found`);
      for (const key of matches) {
        gone.add(key);
        out.push(`deleted: ${key}`);
      }
    }
    if (gone.size) {
      table.remove([...gone]);
      if (kind !== 'sets') this.cache.forgetSlots(kind.slice(0, -1) as 'counter' | 'timer' | 'gauge');
    }
    return out;
  }

  /** A table as etsy's admin port shows it: counters and gauges → value, timers → values, sets → members. */
  dump(kind: 'counters' | 'timers' | 'gauges' | 'sets'): Map<string, unknown> {
    const out = new Map<string, unknown>();
    if (kind === 'counters' || kind === 'gauges') {
      const t = this[kind];
      t.keys.forEach((k, s) => out.set(k, t.values[s]));
    } else if (kind === 'timers') this.timers.keys.forEach((k, s) => out.set(k, this.timers.valuesOf(s)));
    else this.sets.keys.forEach((k, s) => out.set(k, [...(this.sets.members[s] ?? [])]));
    return out;
  }

  /** Keys the byte cache knows (tests: it stays bounded). */
  get keyCacheSize(): number {
    return this.cache.size;
  }

  /** Number of distinct keys held (for memory/limit reporting). */
  get size(): number {
    return this.counters.size + this.timers.size + this.gauges.size + this.sets.size;
  }
}
