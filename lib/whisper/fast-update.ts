// whisper.py's update_many for the steady state, without generators and without per-point
// objects: every point lands in the finest archive (none older than its retention, the batch
// shorter than it) — a statsd flush, a carbon line, a batch of recent points. The bytes written
// are those of update-core.ts (and whisper.py); anything else goes through update-core.ts.
//
// The file is reached through SlotIO (positioned reads and writes), so the algorithm has no I/O
// of its own. What it knows about the file lives in a run of doubles (see layout.ts): base
// timestamps, each archive's last-propagated bucket (so the next update of the same bucket reads
// nothing), and — from archive `holdFrom` on — one held-back write per archive (the current
// bucket of a coarse archive is rewritten at every update; only its last value must reach the
// disk, written when the bucket changes or by flushHeld()). Reads for propagation read ahead, and
// the run remembers which intervals after the last point found hold nothing: in the steady state
// the slots a propagation needs are then all known (this batch's points, the cached window, that
// clean range) and nothing is read.
import { aggregateSlots } from './aggregation.js';
import { POINT_SIZE } from './header.js';
import { BASE, CLEAN_FROM, CLEAN_UNTIL, HELD, HELD_VALUE, MASKS, MASK_BITS, WINDOW, type Layout } from './layout.js';
import { pySetOrder } from './pyset.js';

/** Positioned I/O on one file. read() fills exactly `length` bytes or throws. */
export interface SlotIO {
  read(offset: number, length: number, into: Uint8Array, at: number): void;
  write(offset: number, from: Uint8Array, at: number, length: number): void;
}

const UINT32_LIMIT = 2 ** 32;
/**
 * How far a propagation's read reaches past the slots it needs: this many slots at least, four
 * times the span for big batches. What it finds empty there is remembered (the clean range), so
 * the next updates need not read.
 */
const READ_AHEAD = 64;

// Scratch space, grown on demand (one module instance per thread).
let bytes = new Uint8Array(4096);
let view = new DataView(bytes.buffer);
let keptT = new Float64Array(256);
let keptV = new Float64Array(256);
let spanKnown = new Uint8Array(256);
let spanValues = new Float64Array(256);
let buckets = new Float64Array(256);
let outT = new Float64Array(256);
let outV = new Float64Array(256);
/** Each archive's CLEAN_FROM as the update started (its writes move it; the slots it skipped stay clean). */
let cleanFromAtStart = new Float64Array(8);

function needBytes(n: number): void {
  if (bytes.length >= n) return;
  bytes = new Uint8Array(Math.max(n, bytes.length * 2));
  view = new DataView(bytes.buffer);
}

function needPoints(n: number): void {
  if (keptT.length >= n) return;
  const size = Math.max(n, keptT.length * 2);
  keptT = new Float64Array(size);
  keptV = new Float64Array(size);
  buckets = new Float64Array(size);
  outT = new Float64Array(size);
  outV = new Float64Array(size);
}

function needSpan(n: number): void {
  if (spanKnown.length >= n) return;
  const size = Math.max(n, spanKnown.length * 2);
  spanKnown = new Uint8Array(size);
  spanValues = new Float64Array(size);
}

function mod(a: number, b: number): number {
  const m = a % b;
  return m < 0 ? m + b : m;
}

/** The uint32 at `offset` (an archive's base timestamp). */
function readUint32(io: SlotIO, offset: number): number {
  io.read(offset, 4, bytes, 0);
  return view.getUint32(0);
}

/**
 * True when fastUpdateMany() handles these points: `times` sorted as whisper.py commits them
 * (oldest first), all within the finest archive's retention of `now`, spanning less than it,
 * after the coarsest archive's first bucket and storable as uint32.
 */
export function fastEligible(layout: Layout, times: ArrayLike<number>, n: number, now: number): boolean {
  if (n === 0) return false;
  const first = times[0]!;
  const last = times[n - 1]!;
  const retention = layout.retention[0]!;
  const step = layout.step[0]!;
  return now - first <= retention && last - first < retention - step && first - mod(first, step) >= layout.maxStep && last < UINT32_LIMIT;
}

/** Packs points [from, to) of (t, v) as consecutive slots of archive `i` and writes them (wrapping at the ring's end). */
function writeSlots(layout: Layout, io: SlotIO, i: number, base: number, t: Float64Array, v: Float64Array, from: number, to: number): void {
  const count = to - from;
  needBytes(count * POINT_SIZE);
  for (let k = 0; k < count; k++) {
    view.setUint32(k * POINT_SIZE, t[from + k]!);
    view.setFloat64(k * POINT_SIZE + 4, v[from + k]!);
  }
  const points = layout.points[i]!;
  const start = (layout.slotOffset(i, base, t[from]!) - layout.offset[i]!) / POINT_SIZE;
  if (start + count <= points) {
    io.write(layout.offset[i]! + start * POINT_SIZE, bytes, 0, count * POINT_SIZE);
  } else {
    const first = points - start;
    io.write(layout.offset[i]! + start * POINT_SIZE, bytes, 0, first * POINT_SIZE);
    io.write(layout.offset[i]!, bytes, first * POINT_SIZE, (count - first) * POINT_SIZE);
  }
}

/** Writes runs of consecutive intervals (step apart) of the sorted points [0, n). */
function writeRuns(layout: Layout, io: SlotIO, i: number, base: number, t: Float64Array, v: Float64Array, n: number): void {
  const step = layout.step[i]!;
  let from = 0;
  for (let k = 1; k <= n; k++) {
    if (k < n && t[k] === t[k - 1]! + step) continue;
    writeSlots(layout, io, i, base, t, v, from, k);
    from = k;
  }
}

/** Keeps archive i's cached window in step with a write of (interval, value). */
function touchWindow(layout: Layout, mem: Float64Array, b: number, i: number, interval: number, value: number): void {
  // a point written inside the clean range: what follows it is still clean
  if (interval > mem[b + CLEAN_FROM]! && interval < mem[b + CLEAN_UNTIL]!) mem[b + CLEAN_FROM] = interval;
  const size = layout.window[i]!;
  const start = mem[b + WINDOW]!;
  if (size === 0 || start < 0) return;
  const k = (interval - start) / layout.step[i]!;
  if (k >= 0 && k < size) {
    const m = b + MASKS + Math.floor(k / MASK_BITS);
    mem[m] = mem[m]! | (1 << k % MASK_BITS);
    mem[b + MASKS + Math.ceil(size / MASK_BITS) + k] = value;
  } else if (mod(k, layout.points[i]!) < size) {
    // The write lands on a cached slot a whole ring away: that slot now holds another interval,
    // so the window no longer says what the file holds. Forget it (the next use re-reads).
    mem[b + WINDOW] = -1;
  }
}

/**
 * Reads `total` slots of archive i from `start` on into spanKnown/spanValues at `into`: known
 * where the slot holds the expected timestamp, with the archive's held-back write applied. With
 * `ahead` > 0 (and a known base), that many slots more are read (past the ring's end too) and the
 * intervals after the last point found become the archive's clean range.
 */
function readSpan(layout: Layout, mem: Float64Array, b: number, io: SlotIO, i: number, base: number, start: number, total: number, into: number, ahead = 0): void {
  const step = layout.step[i]!;
  const points = layout.points[i]!;
  const slot = base === 0 ? 0 : (layout.slotOffset(i, base, start) - layout.offset[i]!) / POINT_SIZE;
  const wanted = total;
  if (base !== 0 && ahead > 0) total += ahead; // past the ring's end too: one more read now, fewer later
  needBytes(total * POINT_SIZE);
  needSpan(into + total);
  if (slot + total <= points) io.read(layout.offset[i]! + slot * POINT_SIZE, total * POINT_SIZE, bytes, 0);
  else {
    const first = points - slot;
    io.read(layout.offset[i]! + slot * POINT_SIZE, first * POINT_SIZE, bytes, 0);
    io.read(layout.offset[i]!, (total - first) * POINT_SIZE, bytes, first * POINT_SIZE);
  }
  let expected = start;
  for (let k = 0; k < total; k++) {
    if (view.getUint32(k * POINT_SIZE) === expected) {
      spanKnown[into + k] = 1;
      spanValues[into + k] = view.getFloat64(k * POINT_SIZE + 4);
    } else spanKnown[into + k] = 0;
    expected += step;
  }
  const held = mem[b + HELD]!;
  if (held >= 0 && base !== 0) {
    // The held-back slot, wherever it falls in the ring: the disk still has its old bytes.
    const k = mod((layout.slotOffset(i, base, held) - layout.offset[i]! - slot * POINT_SIZE) / POINT_SIZE, points);
    if (k < total) {
      spanKnown[into + k] = held === start + k * step ? 1 : 0;
      spanValues[into + k] = mem[b + HELD_VALUE]!;
    }
  }
  if (total > wanted) {
    let last = total - 1;
    while (last >= 0 && spanKnown[into + last] === 0) last--;
    mem[b + CLEAN_FROM] = start + last * step; // start - step when nothing was found
    mem[b + CLEAN_UNTIL] = start + total * step;
  }
}

/**
 * Fills spanKnown/spanValues for the slots of archive i that buckets[0, m) need, span index k
 * for interval first + k*step, without reading: from the points this update wrote (t[0, n),
 * sorted), the cached window and the clean range as the update started (a slot in it that the
 * update did not write still holds no point). False when some slot is not known that way.
 */
function knownWithoutRead(layout: Layout, mem: Float64Array, b: number, i: number, m: number, t: Float64Array, v: Float64Array, n: number): boolean {
  const cleanUntil = mem[b + CLEAN_UNTIL]!;
  if (cleanUntil < 0) return false;
  const cleanFrom = cleanFromAtStart[i]!;
  const step = layout.step[i]!;
  const ratio = layout.ratio[i]!;
  const size = layout.window[i]!;
  const first = buckets[0]!;
  const window = size > 0 ? mem[b + WINDOW]! : -1;
  const masks = b + MASKS;
  const values = masks + Math.ceil(size / MASK_BITS);
  let p = 0; // the next written point to look at (both lists are sorted)
  for (let j = 0; j < m; j++) {
    const bucket = buckets[j]!;
    const from = (bucket - first) / step;
    const inWindow = bucket === window;
    for (let k = 0; k < ratio; k++) {
      const interval = bucket + k * step;
      while (p < n && t[p]! < interval) p++;
      let known = 0;
      let value = 0;
      if (p < n && t[p] === interval) {
        known = 1;
        value = v[p]!;
      } else if (inWindow) {
        known = (mem[masks + Math.floor(k / MASK_BITS)]! >> k % MASK_BITS) & 1;
        value = mem[values + k]!;
      } else if (!(interval > cleanFrom && interval < cleanUntil)) return false;
      spanKnown[from + k] = known;
      spanValues[from + k] = value;
    }
  }
  return true;
}

/**
 * Loads archive i's slots of the lower buckets[0, m) into spanKnown/spanValues (bucket j at
 * (buckets[j] - buckets[0]) / step); (t, v)[0, n) are the points just written to archive i.
 */
function loadBuckets(layout: Layout, mem: Float64Array, at: number, io: SlotIO, i: number, m: number, t: Float64Array, v: Float64Array, n: number): void {
  const b = at + layout.block[i]!;
  const step = layout.step[i]!;
  const ratio = layout.ratio[i]!;
  const size = layout.window[i]!;
  const first = buckets[0]!;
  const total = (buckets[m - 1]! - first) / step + ratio;
  needSpan(Math.max(total, size));
  if (m === 1 && size > 0 && mem[b + WINDOW] === first) {
    const masks = b + MASKS;
    const values = masks + Math.ceil(size / MASK_BITS);
    for (let k = 0; k < size; k++) {
      spanKnown[k] = (mem[masks + Math.floor(k / MASK_BITS)]! >> k % MASK_BITS) & 1;
      spanValues[k] = mem[values + k]!;
    }
    return;
  }
  let base = mem[b + BASE]!;
  if (!knownWithoutRead(layout, mem, b, i, m, t, v, n)) {
    if (base < 0) mem[b + BASE] = base = readUint32(io, layout.offset[i]!);
    const points = layout.points[i]!;
    if (total <= points && base !== 0) readSpan(layout, mem, b, io, i, base, first, total, 0, Math.min(Math.max(READ_AHEAD, 4 * total), points - 1 - total));
    else for (let j = 0; j < m; j++) readSpan(layout, mem, b, io, i, base, buckets[j]!, ratio, (buckets[j]! - first) / step);
  }
  if (size > 0 && base !== 0) {
    // Cache the newest bucket: the next update most likely lands in it again.
    const from = (buckets[m - 1]! - first) / step;
    const masks = b + MASKS;
    const values = masks + Math.ceil(size / MASK_BITS);
    for (let w = 0; w < Math.ceil(size / MASK_BITS); w++) mem[masks + w] = 0;
    for (let k = 0; k < size; k++) {
      if (spanKnown[from + k] === 1) mem[masks + Math.floor(k / MASK_BITS)] = mem[masks + Math.floor(k / MASK_BITS)]! | (1 << k % MASK_BITS);
      mem[values + k] = spanValues[from + k]!;
    }
    mem[b + WINDOW] = buckets[m - 1]!;
  }
}

/** Writes archive i's held-back slot, if any. */
function writeHeld(layout: Layout, mem: Float64Array, at: number, io: SlotIO, i: number): void {
  const b = at + layout.block[i]!;
  const held = mem[b + HELD]!;
  if (held < 0) return;
  view.setUint32(0, held);
  view.setFloat64(4, mem[b + HELD_VALUE]!);
  io.write(layout.slotOffset(i, mem[b + BASE]!, held), bytes, 0, POINT_SIZE);
  mem[b + HELD] = -1;
}

/** Writes every held-back slot of the file. */
export function flushHeld(layout: Layout, mem: Float64Array, at: number, io: SlotIO): void {
  for (let i = 1; i < layout.count; i++) writeHeld(layout, mem, at, io, i);
}

/**
 * whisper.py update_many of points (times[k], values[k]) for k < n, which fastEligible()
 * accepted, sorted as whisper.py commits them (oldest first; among equal timestamps the one
 * given first comes last). Writes to archives from `holdFrom` on are held back (layout.count:
 * none are).
 */
export function fastUpdateMany(
  layout: Layout, mem: Float64Array, at: number, io: SlotIO,
  times: ArrayLike<number>, values: ArrayLike<number>, n: number, holdFrom: number,
): void {
  needPoints(n);
  const step0 = layout.step[0]!;
  const b0 = at + layout.block[0]!;
  // Aligned to the finest archive; of points sharing a slot the last one wins.
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    const aligned = t - mod(t, step0);
    if (i + 1 < n) {
      const next = times[i + 1]!;
      if (next - mod(next, step0) === aligned) continue;
    }
    keptT[kept] = aligned;
    keptV[kept] = values[i]!;
    kept++;
  }
  if (cleanFromAtStart.length < layout.count) cleanFromAtStart = new Float64Array(layout.count);
  for (let i = 0; i < layout.count; i++) cleanFromAtStart[i] = mem[at + layout.block[i]! + CLEAN_FROM]!;
  let base = mem[b0 + BASE]!;
  if (base < 0) base = readUint32(io, layout.offset[0]!);
  if (base === 0) {
    base = keptT[0]!; // the first write to an empty archive starts at its first slot
    mem[b0 + WINDOW] = -1;
    mem[b0 + CLEAN_UNTIL] = -1;
  }
  mem[b0 + BASE] = base;
  writeRuns(layout, io, 0, base, keptT, keptV, kept);
  for (let k = 0; k < kept; k++) touchWindow(layout, mem, b0, 0, keptT[k]!, keptV[k]!);

  let previous = 0; // buckets the previous level wrote to archive `higher` (outT/outV)
  for (let lower = 1; lower < layout.count; lower++) {
    const higher = lower - 1;
    const step = layout.step[lower]!;
    let m = 0;
    for (let k = 0; k < kept; k++) {
      const bucket = keptT[k]! - mod(keptT[k]!, step);
      if (m === 0 || buckets[m - 1] !== bucket) buckets[m++] = bucket;
    }
    if (higher === 0) loadBuckets(layout, mem, at, io, 0, m, keptT, keptV, kept);
    else loadBuckets(layout, mem, at, io, higher, m, outT, outV, previous);
    const hstep = layout.step[higher]!;
    const ratio = layout.ratio[higher]!;
    let written = 0;
    for (let j = 0; j < m; j++) {
      const from = (buckets[j]! - buckets[0]!) / hstep;
      let known = 0;
      for (let k = from; k < from + ratio; k++) known += spanKnown[k]!;
      if (known === 0 || !(known / ratio >= layout.xFilesFactor)) continue;
      outT[written] = buckets[j]!;
      outV[written] = aggregateSlots(layout.method, spanValues, spanKnown, from, ratio);
      written++;
    }
    if (written === 0) break;
    writeLower(layout, mem, at, io, lower, m, written, holdFrom);
    previous = written;
  }
}

/** Writes the aggregated buckets outT/outV[0, written) to archive `lower` (buckets[0, m) were propagated). */
function writeLower(layout: Layout, mem: Float64Array, at: number, io: SlotIO, lower: number, m: number, written: number, holdFrom: number): void {
  const b = at + layout.block[lower]!;
  let base = mem[b + BASE]!;
  if (base < 0) base = readUint32(io, layout.offset[lower]!);
  if (base === 0) {
    // An empty archive: whisper.py propagates in `set` order, and the first bucket written
    // becomes slot 0.
    base = outT[0]!;
    if (m > 1) {
      const done = new Set(outT.subarray(0, written));
      base = pySetOrder(Array.from(buckets.subarray(0, m))).find((x) => done.has(x))!;
    }
    mem[b + WINDOW] = -1;
    mem[b + CLEAN_UNTIL] = -1;
  }
  mem[b + BASE] = base;
  let direct = written;
  if (lower >= holdFrom) {
    const held = mem[b + HELD]!;
    if (held >= 0) {
      const heldSlot = layout.slotOffset(lower, base, held);
      let superseded = false;
      for (let k = 0; k < written; k++) if (layout.slotOffset(lower, base, outT[k]!) === heldSlot) superseded = true;
      if (!superseded) writeHeld(layout, mem, at, io, lower);
    }
    direct = written - 1;
    mem[b + HELD] = outT[direct]!;
    mem[b + HELD_VALUE] = outV[direct]!;
  }
  writeRuns(layout, io, lower, base, outT, outV, direct);
  for (let k = 0; k < written; k++) touchWindow(layout, mem, b, lower, outT[k]!, outV[k]!);
}
