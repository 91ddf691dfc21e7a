// The statsd buckets as dense tables: each key gets a slot (an index) the first time it is seen,
// and its state lives in typed-array columns at that slot, so an update is an array write and a
// key costs a few bytes instead of an object. A flush hands the live columns over to the
// snapshot and starts new ones (no per-key work on the receive path). The key list is shared
// with snapshots and only ever appended to: removing keys (delete*, admin del*) builds a new list,
// so a snapshot being named while packets arrive never changes. Pure.
import { ownString } from '../own-string.js';

function grown(a: Float64Array, need: number) {
  const b = new Float64Array(Math.max(need, a.length * 2, 64));
  b.set(a);
  return b;
}

/** Keys ↔ slots. */
export class KeyIndex {
  keys: string[] = [];
  index = new Map<string, number>();

  slot(key: string): number {
    const s = this.index.get(key);
    return s === undefined ? -1 : s;
  }

  /** Adds an absent key; returns its slot. */
  protected addKey(key: string): number {
    const slot = this.keys.length;
    const k = ownString(key);
    this.keys.push(k);
    this.index.set(k, slot);
    return slot;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The slots to keep, in order, and a fresh key list and index for them. */
  protected rebuild(keep: (slot: number) => boolean): number[] {
    const kept: number[] = [];
    for (let s = 0; s < this.keys.length; s++) if (keep(s)) kept.push(s);
    this.keys = kept.map((s) => this.keys[s]!);
    this.index = new Map(this.keys.map((k, i) => [k, i]));
    return kept;
  }
}

/** What a flush hands over for counters and gauges: keys[i] has values[i], for i < n. */
export interface ValuesSnapshot {
  readonly keys: readonly string[];
  readonly values: Float64Array;
  readonly n: number;
}

export class CounterTable extends KeyIndex {
  values = new Float64Array(64);

  add(key: string, value: number): number {
    const slot = this.addKey(key);
    if (slot >= this.values.length) this.values = grown(this.values, slot + 1);
    this.values[slot] = value;
    return slot;
  }

  /** `(x || 0) + v`: etsy restarts a NaN counter from 0. */
  bump(key: string, value: number): void {
    const slot = this.slot(key);
    if (slot === -1) this.add(key, value);
    else this.values[slot] = (this.values[slot]! || 0) + value;
  }

  /** Hands over the values; every key stays, at 0, unless `keep` says otherwise. */
  take(keep: ((key: string) => boolean) | null): ValuesSnapshot {
    const snap = { keys: this.keys, values: this.values, n: this.keys.length };
    if (keep !== null) this.rebuild((s) => keep(snap.keys[s]!));
    this.values = new Float64Array(Math.max(64, this.keys.length));
    return snap;
  }

  remove(keys: readonly string[]): void {
    const drop = new Set(keys);
    const old = this.values;
    const kept = this.rebuild((s) => !drop.has(this.keys[s]!));
    this.values = new Float64Array(Math.max(64, kept.length));
    kept.forEach((s, i) => { this.values[i] = old[s]!; });
  }
}

export class GaugeTable extends KeyIndex {
  values = new Float64Array(64);
  /** Flushes left before a deleteGauges gauge goes (0: no TTL, as etsy's gaugesTTL without an entry). */
  ttl = new Int32Array(64);

  add(key: string, value: number): number {
    const slot = this.addKey(key);
    if (slot >= this.values.length) {
      this.values = grown(this.values, slot + 1);
      const t = new Int32Array(this.values.length);
      t.set(this.ttl);
      this.ttl = t;
    }
    this.values[slot] = value;
    this.ttl[slot] = 0;
    return slot;
  }

  set(key: string, value: number): void {
    const slot = this.slot(key);
    if (slot === -1) this.add(key, value);
    else this.values[slot] = value;
  }

  /** A copy of the values (gauges persist); then the TTLs count down and expired gauges go. */
  take(countDown: boolean): ValuesSnapshot {
    const n = this.keys.length;
    const snap = { keys: this.keys, values: this.values.slice(0, n), n };
    if (countDown) {
      let expired = false;
      for (let s = 0; s < n; s++) {
        const t = this.ttl[s]!;
        if (t === 0) continue;
        if (t - 1 < 1) {
          expired = true;
          this.ttl[s] = -1;
        } else this.ttl[s] = t - 1;
      }
      if (expired) this.keepOnly((s) => this.ttl[s] !== -1);
    }
    return snap;
  }

  private keepOnly(keep: (slot: number) => boolean): void {
    const values = this.values;
    const ttl = this.ttl;
    const kept = this.rebuild(keep);
    this.values = new Float64Array(Math.max(64, kept.length));
    this.ttl = new Int32Array(this.values.length);
    kept.forEach((s, i) => { this.values[i] = values[s]!; this.ttl[i] = ttl[s]!; });
  }

  remove(keys: readonly string[]): void {
    const drop = new Set(keys);
    this.keepOnly((s) => !drop.has(this.keys[s]!));
  }
}

/**
 * Timer values are logged in chunks of this many: appending never copies what is logged (a
 * doubling array copied up to 100 MB at once, stalling the receive loop), and the flush groups
 * the log a chunk at a time.
 */
export const LOG_CHUNK = 16_384;
/** Entry i of the log is [i >> LOG_SHIFT][i & LOG_MASK]. */
const LOG_SHIFT = Math.log2(LOG_CHUNK);
const LOG_MASK = LOG_CHUNK - 1;

const NO_SLOTS: Int32Array = new Int32Array(0);
const NO_VALUES: Float64Array = new Float64Array(0);

/**
 * Timers: Σ 1/rate per slot, and every value in one log of (slot, value) pairs in arrival order
 * (no array per key). The flush groups the log by slot (see TimerGrouping).
 */
export interface TimerSnapshot {
  readonly keys: readonly string[];
  readonly n: number;
  readonly counts: Float64Array;
  /** The log in chunks of LOG_CHUNK entries (the last one filled up to logLength). */
  readonly logSlots: readonly Int32Array[];
  readonly logValues: readonly Float64Array[];
  readonly logLength: number;
  /** A -0 arrived: sorting must keep 0 and -0 in arrival order as etsy's comparator sort does. */
  readonly negativeZero: boolean;
}

export class TimerTable extends KeyIndex {
  counts = new Float64Array(64);
  private logSlots: Int32Array[] = [];
  private logValues: Float64Array[] = [];
  /** The chunk being filled, and how far. */
  private slotsChunk: Int32Array = NO_SLOTS;
  private valuesChunk: Float64Array = NO_VALUES;
  private fill = LOG_CHUNK;
  logLength = 0;
  negativeZero = false;

  add(key: string): number {
    const slot = this.addKey(key);
    if (slot >= this.counts.length) this.counts = grown(this.counts, slot + 1);
    this.counts[slot] = 0;
    return slot;
  }

  push(slot: number, value: number, countIncrement: number): void {
    let i = this.fill;
    if (i === LOG_CHUNK) {
      this.newChunk();
      i = 0;
    }
    this.slotsChunk[i] = slot;
    this.valuesChunk[i] = value;
    this.fill = i + 1;
    this.logLength++;
    this.counts[slot] += countIncrement;
    if (value === 0 && 1 / value < 0) this.negativeZero = true;
  }

  private newChunk(): void {
    this.logSlots.push((this.slotsChunk = new Int32Array(LOG_CHUNK)));
    this.logValues.push((this.valuesChunk = new Float64Array(LOG_CHUNK)));
    this.fill = 0;
  }

  take(deleteIdle: boolean): TimerSnapshot {
    const snap: TimerSnapshot = {
      keys: this.keys, n: this.keys.length, counts: this.counts,
      logSlots: this.logSlots, logValues: this.logValues, logLength: this.logLength, negativeZero: this.negativeZero,
    };
    if (deleteIdle) {
      // etsy deletes every timer at a flush with deleteTimers (idle or not): the next interval starts empty.
      this.keys = [];
      this.index = new Map();
    }
    this.counts = new Float64Array(Math.max(64, this.keys.length));
    this.logSlots = [];
    this.logValues = [];
    this.slotsChunk = NO_SLOTS;
    this.valuesChunk = NO_VALUES;
    this.fill = LOG_CHUNK;
    this.logLength = 0;
    this.negativeZero = false;
    return snap;
  }

  /** One key's values in arrival order (admin `timers`). */
  valuesOf(slot: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.logLength; i++) if (this.logSlots[i >> LOG_SHIFT]![i & LOG_MASK] === slot) out.push(this.logValues[i >> LOG_SHIFT]![i & LOG_MASK]!);
    return out;
  }

  remove(keys: readonly string[]): void {
    const drop = new Set(keys);
    const counts = this.counts;
    const kept = this.rebuild((s) => !drop.has(this.keys[s]!));
    const newSlot = new Int32Array(counts.length).fill(-1);
    this.counts = new Float64Array(Math.max(64, kept.length));
    kept.forEach((s, i) => { newSlot[s] = i; this.counts[i] = counts[s]!; });
    // The log compacted in place, then cut after its last kept entry.
    let w = 0;
    for (let r = 0; r < this.logLength; r++) {
      const s = newSlot[this.logSlots[r >> LOG_SHIFT]![r & LOG_MASK]!]!;
      if (s === -1) continue;
      this.logSlots[w >> LOG_SHIFT]![w & LOG_MASK] = s;
      this.logValues[w >> LOG_SHIFT]![w & LOG_MASK] = this.logValues[r >> LOG_SHIFT]![r & LOG_MASK]!;
      w++;
    }
    const chunks = Math.ceil(w / LOG_CHUNK);
    this.logSlots.length = chunks;
    this.logValues.length = chunks;
    this.slotsChunk = chunks ? this.logSlots[chunks - 1]! : NO_SLOTS;
    this.valuesChunk = chunks ? this.logValues[chunks - 1]! : NO_VALUES;
    this.fill = chunks ? w - (chunks - 1) * LOG_CHUNK : LOG_CHUNK;
    this.logLength = w;
  }
}

/** A timer snapshot's values grouped per slot: slot s owns values[offsets[s], offsets[s + 1]). */
export interface GroupedTimers {
  offsets: Int32Array;
  values: Float64Array;
}

/**
 * Counting sort of the log by slot, one log chunk per step() so a big flush can let packets in
 * between; each slot's values stay in arrival order (sorted later, per key).
 */
export class TimerGrouping implements GroupedTimers {
  readonly offsets: Int32Array;
  readonly values: Float64Array;
  private fill: Int32Array | null = null;
  /** Chunks counted, then chunks placed. */
  private counted = 0;
  private placed = 0;

  constructor(private readonly t: TimerSnapshot) {
    this.offsets = new Int32Array(t.n + 1);
    this.values = new Float64Array(t.logLength);
  }

  get done(): boolean {
    return this.placed === this.t.logSlots.length && this.fill !== null;
  }

  /** Counts or places one chunk of the log; returns true once every value is in place. */
  step(): boolean {
    const t = this.t;
    const chunks = t.logSlots.length;
    const offsets = this.offsets;
    if (this.counted < chunks) {
      const c = this.counted++;
      const slots = t.logSlots[c]!;
      const len = chunkLength(t, c);
      for (let i = 0; i < len; i++) offsets[slots[i]! + 1]++;
      return false;
    }
    if (this.fill === null) {
      for (let s = 0; s < t.n; s++) offsets[s + 1] += offsets[s]!;
      this.fill = offsets.slice(0, t.n);
      return chunks === 0;
    }
    if (this.placed < chunks) {
      const c = this.placed++;
      const slots = t.logSlots[c]!;
      const src = t.logValues[c]!;
      const fill = this.fill;
      const values = this.values;
      const len = chunkLength(t, c);
      for (let i = 0; i < len; i++) values[fill[slots[i]!]!++] = src[i]!;
    }
    return this.done;
  }
}

function chunkLength(t: TimerSnapshot, c: number): number {
  return Math.min(LOG_CHUNK, t.logLength - c * LOG_CHUNK);
}

/** The whole grouping at once (tests, tools). */
export function groupTimers(t: TimerSnapshot): GroupedTimers {
  const g = new TimerGrouping(t);
  while (!g.step());
  return g;
}

export interface SetsSnapshot {
  readonly keys: readonly string[];
  readonly sizes: Float64Array;
  readonly n: number;
}

export class SetTable extends KeyIndex {
  /** Members per slot; null while empty (a flush does not allocate a Set per key). */
  members: (Set<string> | null)[] = [];

  add(key: string): number {
    const slot = this.addKey(key);
    this.members[slot] = null;
    return slot;
  }

  insert(key: string, member: string): void {
    let slot = this.slot(key);
    if (slot === -1) slot = this.add(key);
    let s = this.members[slot];
    if (s == null) {
      s = new Set();
      this.members[slot] = s;
    }
    if (!s.has(member)) s.add(ownString(member));
  }

  take(deleteIdle: boolean): SetsSnapshot {
    const n = this.keys.length;
    const sizes = new Float64Array(n);
    for (let s = 0; s < n; s++) sizes[s] = this.members[s]?.size ?? 0;
    const snap = { keys: this.keys, sizes, n };
    if (deleteIdle) {
      this.keys = [];
      this.index = new Map();
    }
    this.members = new Array<Set<string> | null>(this.keys.length).fill(null);
    return snap;
  }

  remove(keys: readonly string[]): void {
    const drop = new Set(keys);
    const members = this.members;
    const kept = this.rebuild((s) => !drop.has(this.keys[s]!));
    this.members = kept.map((s) => members[s] ?? null);
  }
}
