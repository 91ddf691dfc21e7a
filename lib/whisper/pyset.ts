// Iteration order of a CPython 3.x `set` of non-negative ints, built by adding keys in order.
//
// whisper.py propagates a batch of points with `for interval in set(lowerIntervals)`. The order
// matters for the bytes on disk: the first interval written to an empty lower archive becomes that
// archive's base (slot 0) and fixes where every later point lands. To write the same bytes as
// whisper.py we replay CPython's set table (setobject.c: PySet_MINSIZE 8, LINEAR_PROBES 9,
// PERTURB_SHIFT 5, resize when fill*5 >= mask*3 to used*4, or used*2 above 50000) and read the
// keys back in table order. hash(n) == n for 0 <= n < 2**61 - 1, which covers uint32 timestamps.

const MIN_SIZE = 8;
const LINEAR_PROBES = 9;
const PERTURB_SHIFT_DIV = 32; // perturb >>= 5 on values beyond int32 range

function insertClean(table: (number | undefined)[], mask: number, key: number): void {
  let perturb = key;
  let i = key % (mask + 1);
  for (;;) {
    if (table[i] === undefined) {
      table[i] = key;
      return;
    }
    if (i + LINEAR_PROBES <= mask) {
      for (let j = 1; j <= LINEAR_PROBES; j++) {
        if (table[i + j] === undefined) {
          table[i + j] = key;
          return;
        }
      }
    }
    perturb = Math.floor(perturb / PERTURB_SHIFT_DIV);
    i = (i * 5 + 1 + perturb) % (mask + 1);
  }
}

/** The distinct `keys` (non-negative integers below 2**53) in the order `for k in set(keys)` visits them. */
export function pySetOrder(keys: readonly number[]): number[] {
  if (keys.every((k) => k === keys[0])) return keys.length ? [keys[0]!] : [];
  let mask = MIN_SIZE - 1;
  let table: (number | undefined)[] = new Array(MIN_SIZE);
  let used = 0;
  for (const key of keys) {
    let perturb = key;
    let i = key % (mask + 1);
    let found = false;
    let slot = -1;
    search: for (;;) {
      const probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      for (let j = 0; j <= probes; j++) {
        const entry = table[i + j];
        if (entry === undefined) {
          slot = i + j;
          break search;
        }
        if (entry === key) {
          found = true;
          break search;
        }
      }
      perturb = Math.floor(perturb / PERTURB_SHIFT_DIV);
      i = (i * 5 + 1 + perturb) % (mask + 1);
    }
    if (found) continue;
    table[slot] = key;
    used++;
    // No deletions happen, so fill == used.
    if (used * 5 < mask * 3) continue;
    const minUsed = used > 50000 ? used * 2 : used * 4;
    let size = MIN_SIZE;
    while (size <= minUsed) size *= 2;
    const old = table;
    table = new Array(size);
    mask = size - 1;
    for (const k of old) if (k !== undefined) insertClean(table, mask, k);
  }
  const order: number[] = [];
  for (const k of table) if (k !== undefined) order.push(k);
  return order;
}
