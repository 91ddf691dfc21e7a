// Time zones for graphite's `tz=` parameter: epoch ↔ wall-clock conversions through Intl (no
// I/O, no tz database of our own). Wall → epoch follows pytz's `localize(is_dst=False)`: an
// ambiguous wall time (DST ends) and a non-existent one (DST starts) both take the standard,
// smaller UTC offset.
import { type Wall, daysFromCivil, utcEpochToWall, wallToUtcEpoch } from '../time/civil.js';
import { ZoneOffsets } from '../time/zone-offset.js';

export interface TimeZone {
  readonly name: string;
  /** Wall-clock fields of an epoch (seconds) in this zone. */
  toWall(epoch: number): Wall;
  /** The epoch of a wall-clock time in this zone (pytz localize, is_dst=False). */
  fromWall(wall: Wall): number;
  /** UTC offset in seconds at an epoch. */
  offsetAt(epoch: number): number;
}

const DAY = 86400;

/** ISO weekday, Monday = 1 … Sunday = 7. */
export function isoWeekday(w: Wall): number {
  const d = daysFromCivil(w.year, w.month, w.day);
  return ((((d + 3) % 7) + 7) % 7) + 1;
}

export const UTC: TimeZone = {
  name: 'UTC',
  toWall: utcEpochToWall,
  fromWall: wallToUtcEpoch,
  offsetAt: () => 0,
};

class IntlZone implements TimeZone {
  private readonly offsets: ZoneOffsets;
  constructor(readonly name: string) {
    this.offsets = new ZoneOffsets(name);
  }

  offsetAt(epoch: number): number {
    return this.offsets.secondsAt(epoch);
  }

  toWall(epoch: number): Wall {
    return utcEpochToWall(epoch + this.offsetAt(epoch));
  }

  fromWall(wall: Wall): number {
    const guess = wallToUtcEpoch(wall);
    const before = this.offsetAt(guess - 2 * DAY);
    const after = this.offsetAt(guess + 2 * DAY);
    const valid = [before, after].filter((o) => this.offsetAt(guess - o) === o);
    if (valid.length === 0) return guess - Math.min(before, after);
    return guess - Math.min(...valid);
  }
}

const zones = new Map<string, TimeZone>();

/** The named IANA zone, or null when the name is unknown (graphite then keeps its default). */
export function timeZoneNamed(name: string): TimeZone | null {
  if (/^(utc|gmt|etc\/utc|zulu|universal)$/i.test(name)) return UTC;
  const cached = zones.get(name);
  if (cached) return cached;
  try {
    const zone = new IntlZone(name);
    zone.offsetAt(0);
    if (zones.size > 1000) zones.clear();
    zones.set(name, zone);
    return zone;
  } catch {
    return null;
  }
}
