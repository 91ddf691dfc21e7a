// Files with held-back writes, in the order their deadlines come. A file's deadline is set when
// it first holds a write (now + a fixed delay), so appending keeps the queue sorted and a batch
// only looks at the files that are due, not at every file holding something. Pure bookkeeping:
// the caller writes.

/** What the queue needs of a file: its deadline while it is queued, -1 otherwise. */
export interface DueFile {
  deadline: number;
}

export class DueQueue<F extends DueFile> {
  private files: F[] = [];
  /** The deadline each slot was queued with: a slot whose file has another deadline now is stale. */
  private deadlines: number[] = [];
  private head = 0;

  /** Queues `file` with `deadline`, unless it is queued already (its first deadline stands). */
  add(file: F, deadline: number): void {
    if (file.deadline >= 0) return;
    file.deadline = deadline;
    this.files.push(file);
    this.deadlines.push(deadline);
  }

  /** The file's writes were written or dropped: it leaves the queue. */
  remove(file: F): void {
    file.deadline = -1;
  }

  /**
   * The queued files whose deadline is `until` or earlier, oldest first; each leaves the queue.
   * (Were the clock to step back, a later deadline queued earlier holds the ones behind it until
   * it is due: late by at most the step.)
   */
  takeDue(until: number): F[] {
    const due: F[] = [];
    let i = this.head;
    for (; i < this.files.length && this.deadlines[i]! <= until; i++) {
      const file = this.files[i]!;
      if (file.deadline === this.deadlines[i]) {
        file.deadline = -1;
        due.push(file);
      }
    }
    this.head = i;
    if (this.head > 1024 && this.head * 2 > this.files.length) {
      this.files = this.files.slice(this.head);
      this.deadlines = this.deadlines.slice(this.head);
      this.head = 0;
    }
    return due;
  }
}
