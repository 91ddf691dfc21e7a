// Lines → records → the request tracker: the pure path every input (files, UDP syslog, the bench)
// shares. Input is bytes as read (latin1: one char per byte), parsed in place: a chunk is cut
// into lines by offsets only. Bad lines are counted and skipped; the rest still counts.

import { LineParser } from './parse.js';
import type { RequestTracker } from './requests.js';
import type { LocalTime } from './zone.js';

export interface LineOrigin {
  /** Instance key when the line has no syslog prefix (from the file name, or the sender). */
  fallback: string;
  /** Instance key that wins over the prefix (a `name=path` tracelog spec), or null. */
  forced: string | null;
}

export type BadLineListener = (line: string, reason: string, origin: LineOrigin) => void;

const NEWLINE = 10;

export class TraceIngest {
  records = 0;
  badLines = 0;
  private readonly parser = new LineParser();

  constructor(
    readonly tracker: RequestTracker,
    readonly zone: LocalTime,
    private readonly onBadLine?: BadLineListener,
  ) {}

  /** Feeds one line (without its newline); text is read as latin1, as files are. */
  line(text: string | Uint8Array, origin: LineOrigin): void {
    const b = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    this.tracker.tick();
    this.range(b, 0, b.length, origin);
  }

  /** Feeds every complete line of `buf`; returns the index just past the last newline. */
  chunk(buf: Uint8Array, origin: LineOrigin): number {
    this.tracker.tick();
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      this.range(buf, start, nl, origin);
      start = nl + 1;
    }
    return start;
  }

  /** Feeds every line of `buf`, the last one also without a newline (a syslog datagram). */
  block(buf: Uint8Array, origin: LineOrigin): void {
    const used = this.chunk(buf, origin);
    if (used < buf.length) this.range(buf, used, buf.length, origin);
  }

  /** Feeds the line `buf[start, end)`. */
  private range(buf: Uint8Array, start: number, end: number, origin: LineOrigin): void {
    const p = this.parser;
    const reason = p.parse(buf, start, end);
    if (reason !== null) {
      if (reason === '') return; // blank lines are not records, and not errors either
      this.badLines++;
      this.onBadLine?.(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'), reason, origin);
      return;
    }
    this.records++;
    const instance = origin.forced ?? p.instance ?? origin.fallback;
    let epochUs = this.zone.quickEpochUs(p.wallUs);
    if (epochUs !== epochUs) epochUs = this.zone.toEpochUs(p.wallUs, this.tracker.lastTime(instance));
    this.tracker.add(instance, p.code, p.id, epochUs, p.size, p.error);
  }
}
