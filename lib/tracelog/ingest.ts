// Lines → records → the request tracker: the pure path every input (files, UDP syslog, the bench)
// shares. Bad lines are counted and skipped; the rest still counts.

import { parseRange } from './parse.js';
import type { RequestTracker } from './requests.js';
import type { LocalTime } from './zone.js';

export interface LineOrigin {
  /** Instance key when the line has no syslog prefix (from the file name, or the sender). */
  fallback: string;
  /** Instance key that wins over the prefix (a `name=path` tracelog spec), or null. */
  forced: string | null;
}

export type BadLineListener = (line: string, reason: string, origin: LineOrigin) => void;

export class TraceIngest {
  records = 0;
  badLines = 0;

  constructor(
    readonly tracker: RequestTracker,
    readonly zone: LocalTime,
    private readonly onBadLine?: BadLineListener,
  ) {}

  /** Feeds one line (without its newline). */
  line(text: string, origin: LineOrigin): void {
    this.range(text, 0, text.length, origin);
  }

  /** Feeds the line `text[start, end)`. */
  private range(text: string, start: number, end: number, origin: LineOrigin): void {
    const r = parseRange(text, start, end);
    if (typeof r === 'string') {
      if (r === '') return; // blank lines are not records, and not errors either
      this.badLines++;
      this.onBadLine?.(text.slice(start, end), r, origin);
      return;
    }
    this.records++;
    const instance = origin.forced ?? r.instance ?? origin.fallback;
    const epochUs = this.zone.toEpochUs(r.wallUs, this.tracker.lastTime(instance));
    this.tracker.add(instance, r.code, r.id, epochUs, r.message);
  }

  /** Feeds every complete line of a chunk; returns the index just past the last newline. */
  chunk(text: string, origin: LineOrigin): number {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.range(text, start, nl, origin);
      start = nl + 1;
    }
    return start;
  }
}
