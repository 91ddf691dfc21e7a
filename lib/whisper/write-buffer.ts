// Writes of one Whisper operation, collected and merged before they reach the disk.
//
// whisper.py writes every slot as soon as it is computed: a 100-point update_many makes one
// write per propagated bucket. The shells instead keep an operation's writes here, answer the
// operation's own reads through them, and at the end write each run of adjacent slots once. The
// final bytes are the same (later writes to a slot win, as on disk); the syscalls are far fewer.
// All writes of the format are whole 12-byte points on one grid, so merging works per slot.
import { POINT_SIZE } from './header.js';

export class WriteBuffer {
  // Parallel lists, in write order: few writes per operation, so plain arrays beat a Map.
  private readonly offsets: number[] = [];
  private readonly datas: Uint8Array[] = [];

  get empty(): boolean {
    return this.offsets.length === 0;
  }

  /** Records a write of whole points at `offset`. */
  add(offset: number, data: Uint8Array): void {
    this.offsets.push(offset);
    this.datas.push(data);
  }

  /** Applies the recorded writes that fall into `bytes`, which holds the file from `offset` on. */
  overlay(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length;
    for (let w = 0; w < this.offsets.length; w++) {
      const at = this.offsets[w]!;
      const data = this.datas[w]!;
      const from = Math.max(at, offset);
      const to = Math.min(at + data.length, end);
      if (from < to) bytes.set(data.subarray(from - at, to - at), from - offset);
    }
  }

  /** The recorded writes as runs of adjacent slots, in file order; clears the buffer. */
  drain(): { offset: number; data: Uint8Array }[] {
    const n = this.offsets.length;
    if (n === 0) return [];
    if (n === 1) {
      const run = { offset: this.offsets[0]!, data: this.datas[0]! };
      this.offsets.length = 0;
      this.datas.length = 0;
      return [run];
    }
    // Latest write of each slot wins.
    const slots = new Map<number, Uint8Array>();
    for (let w = 0; w < n; w++) {
      const at = this.offsets[w]!;
      const data = this.datas[w]!;
      for (let k = 0; k < data.length; k += POINT_SIZE) slots.set(at + k, data.subarray(k, k + POINT_SIZE));
    }
    this.offsets.length = 0;
    this.datas.length = 0;
    const offsets = [...slots.keys()].sort((a, b) => a - b);
    const runs: { offset: number; data: Uint8Array }[] = [];
    let i = 0;
    while (i < offsets.length) {
      let j = i + 1;
      while (j < offsets.length && offsets[j] === offsets[j - 1]! + POINT_SIZE) j++;
      const data = new Uint8Array((j - i) * POINT_SIZE);
      for (let k = i; k < j; k++) data.set(slots.get(offsets[k]!)!, (k - i) * POINT_SIZE);
      runs.push({ offset: offsets[i]!, data });
      i = j;
    }
    return runs;
  }
}
