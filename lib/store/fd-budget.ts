// Which metric files the store writer keeps an fd open for between batches: at most `max`, least
// recently written first out, and only a file idle for `idleBatches` batches gives its fd up.
// Pure bookkeeping: the caller opens and closes the fds.

/** What the budget needs of a file: when it was last written (in batches). */
export interface BudgetFile {
  lastBatch: number;
}

export class FdBudget<F extends BudgetFile> {
  /** Files holding an fd, least recently written first. */
  private readonly open = new Map<string, F>();
  /** No kept fd can be given to another file before this batch (see admit). */
  private evictableAt = 0;

  constructor(
    private readonly max: number,
    private readonly idleBatches: number,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Marks a file holding an fd as the most recently written. */
  touch(name: string, file: F): void {
    this.open.delete(name);
    this.open.set(name, file);
  }

  /**
   * Whether `file` may keep its fd at `batch`; to make room, the least recently written file is
   * handed to `evict` (which must close its fd and call release()) if it has been idle long enough.
   */
  admit(name: string, file: F, batch: number, evict: (name: string, file: F) => void): boolean {
    if (this.max === 0) return false;
    if (this.open.size >= this.max) {
      // Until the least recently written file has been idle long enough, none has: skip the look
      // (a Map's first entry is found past every deleted one, and a flush can ask 100,000 times).
      if (batch < this.evictableAt) return false;
      const oldest = this.open.entries().next();
      if (oldest.done) return false;
      const [oldestName, oldestFile] = oldest.value;
      if (batch - oldestFile.lastBatch < this.idleBatches) {
        this.evictableAt = oldestFile.lastBatch + this.idleBatches;
        return false;
      }
      evict(oldestName, oldestFile);
    }
    this.open.set(name, file);
    return true;
  }

  /** The file no longer holds an fd. */
  release(name: string): void {
    this.open.delete(name);
  }

  /** Every file holding an fd (a copy: safe to release while iterating). */
  held(): [string, F][] {
    return [...this.open];
  }
}
