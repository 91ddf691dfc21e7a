// Naive local trace-log times → real epochs in a configured IANA time zone, through Intl (no tz
// database of our own). Pure apart from Intl, and cached per wall-clock hour so the bench's
// half-million lines a second cost one Map lookup at most.
//
// DST: when clocks go back an hour repeats. graphmetrics hit pytz's AmbiguousTimeError there and
// reset its state; we pick, of the two readings, the one closest to the previous record of the
// same instance (the hint): the first reading while time still moves forward from the hint, else
// the second, which follows the log across the repeat. Without a hint the first reading wins. Times inside the spring-forward gap (which a correct clock never writes) are read
// with the offset before the change, so `02:30` becomes `03:30` daylight time.
import { ZoneOffsets } from '../time/zone-offset.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const HOUR_US = 3_600_000_000;

/** The host's own zone, the default when none is configured. */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Throws a clear error for a name Intl does not know; returns Intl's canonical spelling. */
export function checkTimeZone(name: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    throw new RangeError(`unknown time zone "${name}" (expected an IANA name such as "Europe/Berlin" or "UTC")`);
  }
}

export class LocalTime {
  readonly timeZone: string;
  private readonly offsets: ZoneOffsets;
  /** Wall hour → offset (µs) for hours with one reading (gap hours included). */
  private readonly single = new Map<number, number>();
  /** Wall hour → the two offsets (µs) of an hour that happens twice. */
  private readonly repeated = new Map<number, [number, number]>();
  private lastHour = NaN;
  private lastOffsetUs = 0;

  constructor(timeZone: string) {
    this.timeZone = checkTimeZone(timeZone);
    this.offsets = new ZoneOffsets(this.timeZone);
  }

  /** UTC offset in ms at an epoch (ms). */
  offsetMs(epochMs: number): number {
    return this.offsets.secondsAt(Math.floor(epochMs / 1000)) * 1000;
  }

  /** Offsets (ms) under which the wall time `wallMs` exists; the offset before any change first. */
  private readings(wallMs: number): { before: number; valid: number[] } {
    const before = this.offsetMs(wallMs - DAY_MS);
    const after = this.offsetMs(wallMs + DAY_MS);
    const valid: number[] = [];
    for (const o of before === after ? [before] : [before, after]) {
      if (this.offsetMs(wallMs - o) === o) valid.push(o);
    }
    return { before, valid };
  }

  /** Fills the caches for one wall hour when the whole hour reads the same way. */
  private learnHour(hour: number): void {
    const start = this.readings(hour * HOUR_MS);
    const end = this.readings(hour * HOUR_MS + HOUR_MS - 1);
    const same = start.before === end.before && start.valid.join() === end.valid.join();
    if (!same) return;
    if (start.valid.length === 2) {
      this.repeated.set(hour, [start.valid[0]! * 1000, start.valid[1]! * 1000]);
    } else {
      this.single.set(hour, (start.valid[0] ?? start.before) * 1000);
    }
  }

  /**
   * Epoch µs of a wall time in the same hour as the last one converted, when that hour reads one
   * way only; NaN otherwise (then call toEpochUs, with a hint). Saves looking the hint up.
   */
  quickEpochUs(wallUs: number): number {
    return Math.floor(wallUs / HOUR_US) === this.lastHour ? wallUs - this.lastOffsetUs : NaN;
  }

  /**
   * Epoch µs of a wall time (µs). `hintUs` is the previous record's epoch (NaN when there is
   * none): it decides which reading of a repeated hour is meant.
   */
  toEpochUs(wallUs: number, hintUs: number): number {
    const hour = Math.floor(wallUs / HOUR_US);
    if (hour === this.lastHour) return wallUs - this.lastOffsetUs;
    let offset = this.single.get(hour);
    if (offset === undefined && !this.repeated.has(hour)) {
      this.learnHour(hour);
      offset = this.single.get(hour);
    }
    if (offset !== undefined) {
      this.lastHour = hour;
      this.lastOffsetUs = offset;
      return wallUs - offset;
    }
    const pair = this.repeated.get(hour);
    if (pair) return closest(wallUs - pair[0], wallUs - pair[1], hintUs);
    // An hour where the offset changes at an odd minute (Lord Howe's 30-minute shift, old LMT
    // changes): resolve this exact time.
    const wallMs = Math.floor(wallUs / 1000);
    const { before, valid } = this.readings(wallMs);
    if (valid.length === 2) return closest(wallUs - valid[0]! * 1000, wallUs - valid[1]! * 1000, hintUs);
    return wallUs - (valid[0] ?? before) * 1000;
  }
}

/** How far back a record may jump (an E written late by another thread) and still be "forward". */
const BACKWARD_SLACK_US = 10 * 60 * 1_000_000;

/**
 * Of the two readings of a repeated hour, the first one while it is still consistent with time
 * moving forward from the previous record (within the slack), else the second one.
 */
function closest(x: number, y: number, hint: number): number {
  const first = Math.min(x, y);
  const second = Math.max(x, y);
  if (Number.isNaN(hint) || first >= hint - BACKWARD_SLACK_US) return first;
  return second;
}
