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
      for (let k = from; k < to; k++) bytes[k - offset] = data[k - at]!;
    }
  }

  /** The recorded writes as runs of adjacent slots, in file order; clears the buffer. */
  drain(): { offset: number; data: Uint8Array }[] {
    const n = this.offsets.length;
    if (n === 0) return [];
    const offsets = this.offsets.slice();
    const datas = this.datas.slice();
    this.offsets.length = 0;
    this.datas.length = 0;
    if (n === 1) return [{ offset: offsets[0]!, data: datas[0]! }];
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => offsets[a]! - offsets[b]! || a - b);
    // Usual case: no slot written twice. Then adjacent writes are simply joined.
    let overlapping = false;
    for (let k = 1; k < n; k++) {
      if (offsets[order[k]!]! < offsets[order[k - 1]!]! + datas[order[k - 1]!]!.length) overlapping = true;
    }
    if (!overlapping) {
      const runs: { offset: number; data: Uint8Array }[] = [];
      let k = 0;
      while (k < n) {
        let j = k + 1;
        let length = datas[order[k]!]!.length;
        while (j < n && offsets[order[j]!] === offsets[order[k]!]! + length) length += datas[order[j++]!]!.length;
        if (j === k + 1) runs.push({ offset: offsets[order[k]!]!, data: datas[order[k]!]! });
        else {
          const data = new Uint8Array(length);
          let at = 0;
          for (let m = k; m < j; m++) {
            data.set(datas[order[m]!]!, at);
            at += datas[order[m]!]!.length;
          }
          runs.push({ offset: offsets[order[k]!]!, data });
        }
        k = j;
      }
      return runs;
    }
    // Some slot was written twice: the latest write of each slot wins.
    const slots = new Map<number, Uint8Array>();
    for (let w = 0; w < n; w++) {
      const at = offsets[w]!;
      const data = datas[w]!;
      for (let k = 0; k < data.length; k += POINT_SIZE) slots.set(at + k, data.subarray(k, k + POINT_SIZE));
    }
    const sorted = [...slots.keys()].sort((a, b) => a - b);
    const runs: { offset: number; data: Uint8Array }[] = [];
    let i = 0;
    while (i < sorted.length) {
      let j = i + 1;
      while (j < sorted.length && sorted[j] === sorted[j - 1]! + POINT_SIZE) j++;
      const data = new Uint8Array((j - i) * POINT_SIZE);
      for (let k = i; k < j; k++) data.set(slots.get(sorted[k]!)!, (k - i) * POINT_SIZE);
      runs.push({ offset: sorted[i]!, data });
      i = j;
    }
    return runs;
  }
}
