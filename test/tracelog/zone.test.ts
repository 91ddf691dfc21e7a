import t from 'tap';
import { execFileSync } from 'node:child_process';
import { LocalTime, checkTimeZone, systemTimeZone } from '../../lib/tracelog/zone.js';
import { DEBIAN_PYTHON, requirePeer } from '../support/interop.js';
import { existsSync } from 'node:fs';

const wallUs = (iso: string): number => Date.parse(iso + 'Z') * 1000;
const epochUs = (iso: string): number => Date.parse(iso) * 1000;

t.test('a wall time outside DST changes maps to the one instant it names', async (t) => {
  const ny = new LocalTime('America/New_York');
  t.equal(ny.toEpochUs(wallUs('2021-07-01T12:00:00'), NaN), epochUs('2021-07-01T16:00:00Z'));
  t.equal(ny.toEpochUs(wallUs('2021-01-01T12:00:00.123') + 456, NaN), epochUs('2021-01-01T17:00:00.123Z') + 456);
  const utc = new LocalTime('UTC');
  t.equal(utc.toEpochUs(wallUs('2009-07-30T15:47:21'), NaN), epochUs('2009-07-30T15:47:21Z'));
  const kolkata = new LocalTime('Asia/Kolkata');
  t.equal(kolkata.toEpochUs(wallUs('2020-03-01T05:30:00'), NaN), epochUs('2020-03-01T00:00:00Z'));
});

t.test('the repeated hour at the end of DST follows the log forward instead of resetting', async (t) => {
  const ny = new LocalTime('America/New_York');
  // 2021-11-07: 01:00-02:00 happens in EDT (05:00-06:00Z) and again in EST (06:00-07:00Z).
  const walls = ['01:40:00', '01:59:59.9', '01:00:00.1', '01:00:00.05', '01:30:00', '01:59:00', '02:10:00'];
  const want = ['05:40:00Z', '05:59:59.900Z', '06:00:00.100Z', '06:00:00.050Z', '06:30:00Z', '06:59:00Z', '07:10:00Z'];
  let hint = NaN;
  walls.forEach((w, i) => {
    const got = ny.toEpochUs(wallUs(`2021-11-07T${w}`), hint);
    t.equal(got, epochUs(`2021-11-07T${want[i]}`), `${w} after ${Number.isNaN(hint) ? 'nothing' : new Date(hint / 1000).toISOString()}`);
    hint = Math.max(Number.isNaN(hint) ? -Infinity : hint, got);
  });
  t.equal(ny.toEpochUs(wallUs('2021-11-07T01:20:00'), NaN), epochUs('2021-11-07T05:20:00Z'), 'without a hint: the first reading');
  t.equal(
    ny.toEpochUs(wallUs('2021-11-07T01:55:00'), epochUs('2021-11-07T06:00:00Z')),
    epochUs('2021-11-07T05:55:00Z'),
    'a record a few minutes behind the hint (another thread) keeps the first reading',
  );
});

t.test('a time in the spring-forward gap is read with the offset before the change', async (t) => {
  const ny = new LocalTime('America/New_York');
  t.equal(ny.toEpochUs(wallUs('2021-03-14T02:30:00'), NaN), epochUs('2021-03-14T07:30:00Z'), '02:30 EST = 03:30 EDT');
  t.equal(ny.toEpochUs(wallUs('2021-03-14T03:30:00'), NaN), epochUs('2021-03-14T07:30:00Z'));
  const berlin = new LocalTime('Europe/Berlin');
  t.equal(berlin.toEpochUs(wallUs('2021-03-28T01:59:59'), NaN), epochUs('2021-03-28T00:59:59Z'));
  t.equal(berlin.toEpochUs(wallUs('2021-03-28T03:00:00'), NaN), epochUs('2021-03-28T01:00:00Z'));
});

t.test('a half-hour DST shift inside an hour is resolved minute by minute', async (t) => {
  const lh = new LocalTime('Australia/Lord_Howe');
  // 2021-04-04 02:00 (+11) → 01:30 (+10:30): 01:30-02:00 repeats.
  const first = lh.toEpochUs(wallUs('2021-04-04T01:45:00'), NaN);
  t.equal(first, epochUs('2021-04-03T14:45:00Z'));
  t.equal(lh.toEpochUs(wallUs('2021-04-04T01:35:00'), epochUs('2021-04-03T14:59:00Z')), epochUs('2021-04-03T15:05:00Z'));
  t.equal(lh.toEpochUs(wallUs('2021-04-04T01:10:00'), NaN), epochUs('2021-04-03T14:10:00Z'));
});

t.test('unknown time zones are refused with the name in the message', async (t) => {
  t.throws(() => new LocalTime('Mars/Olympus_Mons'), /unknown time zone "Mars\/Olympus_Mons"/);
  t.equal(checkTimeZone('utc'), 'UTC');
  t.type(systemTimeZone(), 'string');
});

t.test('wall → epoch agrees with Python zoneinfo around a year of transitions', async (t) => {
  if (!requirePeer(t as unknown as Parameters<typeof requirePeer>[0], 'python3 zoneinfo', existsSync(DEBIAN_PYTHON), 'apt-get install python3')) return;
  const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'America/Sao_Paulo', 'Asia/Tehran'];
  const walls: string[] = [];
  let x = 7;
  for (let i = 0; i < 400; i++) {
    x = (x * 48271) % 2147483647;
    const ms = Date.UTC(2019, 0, 1) + (x % (3 * 365 * 86400)) * 1000;
    walls.push(new Date(ms).toISOString().slice(0, 19));
  }
  const script = `
import sys, json, datetime
from zoneinfo import ZoneInfo
zones, walls = json.load(sys.stdin)
out = {}
for z in zones:
    tz = ZoneInfo(z)
    out[z] = [int(datetime.datetime.fromisoformat(w).replace(tzinfo=tz).timestamp()) for w in walls]
print(json.dumps(out))`;
  const py = JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', script], { input: JSON.stringify([zones, walls]) }).toString()) as Record<string, number[]>;
  for (const z of zones) {
    const lt = new LocalTime(z);
    const ours = walls.map((w) => lt.toEpochUs(wallUs(w), NaN) / 1e6);
    // zoneinfo maps a gap time with the offset before the change, as we do; fold=0 is the first reading.
    t.same(ours, py[z], z);
  }
});
