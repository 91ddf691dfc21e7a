// Values for byte ranges that recur line after line (request ids, syslog prefixes), found again by
// a hash the parser computes while it walks the bytes anyway: a range seen before costs one Map
// lookup and one byte comparison, no string is built for it. Pure.

/** 32-bit FNV-1a: start with FNV_OFFSET, then `h = Math.imul(h ^ byte, FNV_PRIME)` per byte. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

interface Entry<V> {
  bytes: Uint8Array;
  value: V;
}

export class ByteInterner<V> {
  private readonly map = new Map<number, Entry<V>>();

  /** Forgets everything once `limit` ranges are stored (ids are unbounded over time, reuse is local). */
  constructor(private readonly limit: number) {}

  /** The value stored for `buf[start, end)` with hash `h`, or undefined. */
  get(h: number, buf: Uint8Array, start: number, end: number): V | undefined {
    const e = this.map.get(h & 0x3fffffff); // a small integer key (Smi): no heap number per lookup
    if (e === undefined) return undefined;
    const b = e.bytes;
    const n = end - start;
    if (b.length !== n) return undefined;
    for (let i = 0; i < n; i++) if (b[i] !== buf[start + i]) return undefined;
    return e.value;
  }

  /** Stores `value` for `buf[start, end)` (a copy of the bytes), replacing a colliding range. */
  set(h: number, buf: Uint8Array, start: number, end: number, value: V): void {
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(h & 0x3fffffff, { bytes: new Uint8Array(buf.subarray(start, end)), value });
  }

  get size(): number {
    return this.map.size;
  }
}
