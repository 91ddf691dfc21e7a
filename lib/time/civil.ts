// Proleptic Gregorian calendar arithmetic in UTC: days since the epoch ↔ year/month/day, wall
// clock ↔ epoch seconds. Pure, and valid far outside Date's range (graphite's `until=-1000y`).

export interface Wall {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
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
