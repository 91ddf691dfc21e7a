// Key bytes → the key's string and its slots in the tables, so a datagram whose keys have been
// seen before is applied without decoding it or building a string. An open-addressing hash table
// over the raw bytes (kept in one arena), probed linearly. Pure.

/** Longest key (in bytes) worth caching; longer ones take the string path. */
export const MAX_CACHED_KEY = 200;

export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 16777619;

/** Spreads FNV-1a's weak low bits before masking. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

export class KeyCache {
  /** Hash table of entry + 1 (0 = empty). */
  private table = new Int32Array(1024);
  private mask = 1023;
  private arena = new Uint8Array(16384);
  private arenaUsed = 0;
  private hashes = new Int32Array(256);
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  keys: string[] = [];
  /** Slots in the counter, timer and gauge tables (-1: not there yet). */
  counter = new Int32Array(256);
  timer = new Int32Array(256);
  gauge = new Int32Array(256);

  get size(): number {
    return this.keys.length;
  }

  /** The entry for key bytes [s, e) of `buf` whose running FNV-1a hash is `h`, or -1. */
  find(buf: Uint8Array, s: number, e: number, h: number): number {
    const hash = finish(h);
    const len = e - s;
    const arena = this.arena;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.table[i]! - 1;
      if (entry === -1) return -1;
      if (this.hashes[entry] !== hash || this.lengths[entry] !== len) continue;
      let a = this.starts[entry]!;
      let j = s;
      while (j < e && arena[a] === buf[j]) { a++; j++; }
      if (j === e) return entry;
    }
  }

  /** Adds key bytes [s, e) (not present) with their string; returns the entry. */
  insert(buf: Uint8Array, s: number, e: number, h: number, key: string): number {
    const entry = this.keys.length;
    if (entry === this.hashes.length) this.growEntries();
    if ((entry + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const len = e - s;
    if (this.arenaUsed + len > this.arena.length) {
      const a = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      a.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = a;
    }
    this.arena.set(buf.subarray(s, e), this.arenaUsed);
    const hash = finish(h);
    this.hashes[entry] = hash;
    this.starts[entry] = this.arenaUsed;
    this.lengths[entry] = len;
    this.arenaUsed += len;
    this.keys.push(key);
    this.counter[entry] = -1;
    this.timer[entry] = -1;
    this.gauge[entry] = -1;
    this.place(hash, entry);
    return entry;
  }

  private place(hash: number, entry: number): void {
    let i = hash & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = entry + 1;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let e = 0; e < this.keys.length; e++) this.place(this.hashes[e]!, e);
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    const grow = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.lengths = grow(this.lengths);
    this.counter = grow(this.counter);
    this.timer = grow(this.timer);
    this.gauge = grow(this.gauge);
  }

  /** Forgets the slots of one table (its keys were renumbered). */
  forgetSlots(which: 'counter' | 'timer' | 'gauge'): void {
    this[which].fill(-1);
  }

  /** Forgets everything (bounds the memory of keys that stopped coming). */
  clear(): void {
    this.table = new Int32Array(1024);
    this.mask = 1023;
    this.arena = new Uint8Array(16384);
    this.arenaUsed = 0;
    this.hashes = new Int32Array(256);
    this.starts = new Int32Array(256);
    this.lengths = new Int32Array(256);
    this.keys = [];
    this.counter = new Int32Array(256);
    this.timer = new Int32Array(256);
    this.gauge = new Int32Array(256);
  }
}
