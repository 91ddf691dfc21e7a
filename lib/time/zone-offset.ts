// The UTC offset of an IANA time zone at an instant, read through Intl (no tz database of our
// own). Shared by render's `tz=` and the trace-log's local times; what each does with ambiguous
// and missing wall times (pytz is_dst=False vs the log's own order) stays with them.
import { wallToUtcEpoch } from './civil.js';

const MAX_INTL_EPOCH = 8.64e12; // Date's range, in seconds

export class ZoneOffsets {
  private readonly fmt: Intl.DateTimeFormat;

  /** Throws a RangeError for a zone name Intl does not know. */
  constructor(readonly timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  }

  /** UTC offset in seconds at an epoch (seconds; fractions ignored); 0 outside Date's range. */
  secondsAt(epoch: number): number {
    if (Math.abs(epoch) > MAX_INTL_EPOCH) return 0;
    const whole = Math.floor(epoch);
    const parts = this.fmt.formatToParts(new Date(whole * 1000));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    let year = get('year');
    if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
    const wall = { year, month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute'), second: get('second') };
    return wallToUtcEpoch(wall) - whole;
  }
}
