// Time zones for graphite's `tz=` parameter: epoch ↔ wall-clock conversions through Intl (no
// I/O, no tz database of our own). Wall → epoch follows pytz's `localize(is_dst=False)`: an
// ambiguous wall time (DST ends) and a non-existent one (DST starts) both take the standard,
// smaller UTC offset.

export interface Wall {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

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

/** Days since 1970-01-01 of a proleptic Gregorian date (works far outside Date's range). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { year: number; month: number; day: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function wallToUtcEpoch(w: Wall): number {
  return daysFromCivil(w.year, w.month, w.day) * DAY + w.hour * 3600 + w.minute * 60 + w.second;
}

export function utcEpochToWall(epoch: number): Wall {
  const days = Math.floor(epoch / DAY);
  const secs = epoch - days * DAY;
  const { year, month, day } = civilFromDays(days);
  return { year, month, day, hour: Math.floor(secs / 3600), minute: Math.floor((secs % 3600) / 60), second: secs % 60 };
}

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

const MAX_INTL_EPOCH = 8.64e12; // Date's range, in seconds

class IntlZone implements TimeZone {
  private readonly fmt: Intl.DateTimeFormat;
  constructor(readonly name: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
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

  offsetAt(epoch: number): number {
    if (Math.abs(epoch) > MAX_INTL_EPOCH) return 0;
    const parts = this.fmt.formatToParts(new Date(Math.floor(epoch) * 1000));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    let year = get('year');
    if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
    const wall = { year, month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute'), second: get('second') };
    return wallToUtcEpoch(wall) - Math.floor(epoch);
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
