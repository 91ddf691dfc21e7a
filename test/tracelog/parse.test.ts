// Line parsing (every variant, syslog prefixes, fuzz) and naive local times → epochs (DST).
import t from 'tap';
import { BAD_TIMESTAMP, NO_RECORD, lastNumber, parseAppResult, parseLine, type TraceRecord } from '../../lib/tracelog/parse.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { sanitizeNode } from '../../lib/tracelog/prefix.js';
import { LocalTime, checkTimeZone, systemTimeZone } from '../../lib/tracelog/zone.js';
import { DEBIAN_PYTHON, requirePeer } from '../support/interop.js';

const wall = (iso: string, micros = 0): number => Date.parse(iso + 'Z') * 1000 + micros;

function rec(line: string): TraceRecord {
  const r = parseLine(line);
  if (typeof r === 'string') throw new Error(`not a record: ${r}: ${line}`);
  return r;
}

t.test('every record code of every variant parses into code, id, time and message', async (t) => {
  const table: [string, Partial<TraceRecord>][] = [
    ['B 49234448 2010-04-07 17:03:41.229648 GET /test-req1', { code: 'B', id: '49234448', wallUs: wall('2010-04-07T17:03:41', 229648), message: 'GET /test-req1' }],
    ['I 49234448 2010-04-07 17:03:41.229811 0', { code: 'I', message: '0' }],
    ['C 49234448 2010-04-07 17:03:41.229943', { code: 'C', message: '' }],
    ['D 49234448 2010-04-07 17:03:41.230131 4 2 y 1 0', { code: 'D', message: '4 2 y 1 0' }],
    ['A 49234448 2010-04-07 17:03:41.230364 200 ?', { code: 'A', message: '200 ?' }],
    ['A 21663984 2008-09-02 11:19:26.000000 Error: oh noes!', { code: 'A', message: 'Error: oh noes!' }],
    ['E 21651664 2008-09-02 13:59:02.000000 Error: sample error', { code: 'E', message: 'Error: sample error' }],
    ['S 0 2008-08-26 11:55:00.000000', { code: 'S', id: '0', wallUs: wall('2008-08-26T11:55:00') }],
    ['X 0 2012-02-05 01:02:03.040456', { code: 'X', id: '0' }],
    ['- 21569456 2008-09-12 15:51:05.000000 beep! beep!', { code: '-', message: 'beep! beep!' }],
    ['T 0.22 2012-02-05 01:02:03.030456 test', { code: 'T', id: '0.22', message: 'test' }],
    ['B 0.-1451819092 2009-07-30 15:47:21.560343 GET /columns/t-jansen', { id: '0.-1451819092' }],
    ['B -1214390740 2007-04-27T20:16:55.582940 GET /', { id: '-1214390740', wallUs: wall('2007-04-27T20:16:55', 582940) }],
    // Zope 2 and old zc: T separator, whole seconds; str(datetime) drops a zero fraction
    ['B 140234567 2007-04-27T20:16:55 GET /foo/bar?x=1', { wallUs: wall('2007-04-27T20:16:55'), message: 'GET /foo/bar?x=1' }],
    ['E 140234567 2010-04-07 17:03:41', { code: 'E', wallUs: wall('2010-04-07T17:03:41'), message: '' }],
    // fractions of 1-6 digits are fractions of a second
    ['C 1 2010-04-07 17:03:41.5', { wallUs: wall('2010-04-07T17:03:41', 500000) }],
    ['C 1 2010-04-07 17:03:41.000042', { wallUs: wall('2010-04-07T17:03:41', 42) }],
    ['C 1 2012-02-29 23:59:59.999999\r', { wallUs: wall('2012-02-29T23:59:59', 999999), message: '' }],
    ['A 0.22 2012-02-05 01:02:03.030456 200 OK 1332', { message: '200 OK 1332', instance: null }],
  ];
  for (const [line, want] of table) t.match(rec(line), want, line);
});

t.test('lines that are not records are rejected with a reason, blank lines with none', async (t) => {
  const table: [string, string][] = [
    ['', ''],
    ['   ', ''],
    ['hello world', NO_RECORD],
    ['B 123', NO_RECORD],
    ['B 123 GET /', NO_RECORD],
    ['BB 123 2010-04-07 17:03:41.229648 GET /', NO_RECORD],
    ['B  2010-04-07 17:03:41.229648 GET /', NO_RECORD],
    ['B 1 2010/04/07 17:03:41 GET /', NO_RECORD],
    ['B 1 2010-13-07 17:03:41 GET /', BAD_TIMESTAMP],
    ['B 1 2010-02-30 17:03:41 GET /', BAD_TIMESTAMP],
    ['B 1 2011-02-29 17:03:41 GET /', BAD_TIMESTAMP],
    ['B 1 2010-04-07 24:03:41 GET /', BAD_TIMESTAMP],
    ['B 1 2010-04-07 17:60:41 GET /', BAD_TIMESTAMP],
    ['B 1 2010-04-07 17:03:6x GET /', BAD_TIMESTAMP],
    ['B 1 2010-04-07 17:03:41. GET /', BAD_TIMESTAMP],
    ['B 1 2010-04-07 17:03:41.1234567 GET /', BAD_TIMESTAMP],
    ['B 1 2010-04-07 17:03:41x GET /', BAD_TIMESTAMP],
    ['B 1 2O10-04-07 17:03:41 GET /', BAD_TIMESTAMP],
  ];
  for (const [line, reason] of table) t.equal(parseLine(line), reason, JSON.stringify(line));
});

t.test('the syslog prefix is stripped by pattern and names the instance', async (t) => {
  const rest = 'B 4358585232 2012-01-18 15:31:31.050680 GET /';
  const table: [string, string | null][] = [
    [`Mar  8 12:34:56 web1 zope[4242]: ${rest}`, 'web1__zope'],
    [`Mar 18 12:34:56 web1.example.com zope: ${rest}`, 'web1_example_com__zope'],
    [`Mar  8 12:34:56 zope[4242]: ${rest}`, 'zope'],
    [`<13>Mar  8 12:34:56 web1 zope[1]: ${rest}`, 'web1__zope'],
    [`2012-01-18T15:31:31-05:00 web1 prog[77]: ${rest}`, 'web1__prog'],
    [`2012-01-18T15:31:31.123456+00:00 web1 prog: ${rest}`, 'web1__prog'],
    [`<165>1 2012-01-18T15:31:31.003Z web1 zope 4242 - - ${rest}`, 'web1__zope'],
    [`1 2012-01-18T15:31:31Z web1 zope - trace [x@1 a="b"] ${rest}`, 'web1__zope'],
    [`<165>1 - - - - - - ${rest}`, null],
    [`app1 acme instance1 : ${rest}`, 'app1__acme__instance1'],
    [`app1 acme instance1 ${rest}`, 'app1__acme__instance1'],
    [`app1 acme instance1: ${rest}`, 'app1__acme__instance1'],
    [`app1.zope.com acme-z4m i-8080 : ${rest}`, 'app1_zope_com__acme-z4m__i-8080'],
    [`h c i ${rest}`, 'h__c__i'],
  ];
  for (const [line, instance] of table) {
    const r = rec(line);
    t.equal(r.instance, instance, line);
    t.equal(r.code, 'B', line);
    t.equal(r.id, '4358585232', line);
    t.equal(r.wallUs, wall('2012-01-18T15:31:31', 50680), line);
    t.equal(r.message, 'GET /', line);
  }
});

t.test('an A record gives status class and size from its first and last tokens', async (t) => {
  t.same(parseAppResult('200 ?'), { error: false, bytes: -1 });
  t.same(parseAppResult('200 1332'), { error: false, bytes: 1332 });
  t.same(parseAppResult('200 OK 1332'), { error: false, bytes: 1332 }, 'resumelb status line');
  t.same(parseAppResult('500 Internal Server Error 5310'), { error: true, bytes: 5310 });
  t.same(parseAppResult('503 ?'), { error: true, bytes: -1 });
  t.same(parseAppResult('Error: oh noes!'), { error: true, bytes: -1 }, "zc's application error");
  t.same(parseAppResult('304 0'), { error: false, bytes: 0 });
  t.same(parseAppResult('5 12'), { error: false, bytes: 12 }, 'a bare 5 is no HTTP status');
  t.same(parseAppResult('5000 12'), { error: false, bytes: 12 });
  t.same(parseAppResult('200'), { error: false, bytes: -1 }, 'no size token');
  t.same(parseAppResult(''), { error: false, bytes: -1 });
  t.equal(lastNumber('42'), 42);
  t.equal(lastNumber('abc42'), -1);
  t.equal(lastNumber('x 42  '), 42);
  t.equal(lastNumber(''), -1);
});

t.test('instance nodes keep only letters, digits, _ and -', async (t) => {
  t.equal(sanitizeNode('web1.example.com'), 'web1_example_com');
  t.equal(sanitizeNode('../../etc/passwd'), '______etc_passwd');
  t.equal(sanitizeNode('a b*c?d[e]'), 'a_b_c_d_e_');
});

t.test('random garbage never throws and never yields a record with a broken time', async (t) => {
  const seed = 20240308;
  let x = seed;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const alphabet = 'BICAEDSX-T 0123456789:.-T\r<>[]abc ';
  const good = 'B 1 2010-04-07 17:03:41.229648 GET /';
  for (let i = 0; i < 20000; i++) {
    let line = '';
    if (rnd() < 0.5) {
      const chars = good.split('');
      for (let k = 0; k < 3; k++) chars[Math.floor(rnd() * chars.length)] = alphabet[Math.floor(rnd() * alphabet.length)]!;
      line = chars.join('');
    } else {
      const n = Math.floor(rnd() * 60);
      for (let k = 0; k < n; k++) line += alphabet[Math.floor(rnd() * alphabet.length)];
    }
    const r = parseLine(line);
    if (typeof r !== 'string' && !Number.isFinite(r.wallUs)) {
      t.fail(`seed ${seed}: line ${JSON.stringify(line)} gave a record with time ${r.wallUs}`);
      return;
    }
  }
  t.pass(`20000 random lines (seed ${seed})`);
});

t.test('remembered prefixes never mix up instances that end alike or change their syslog time', async (t) => {
  const rest = 'E 1 2012-01-18 15:31:31.050680';
  const table: [string, string][] = [];
  for (let i = 0; i < 50; i++) {
    table.push(
      [`hostA.example.com acme instance1 : ${rest}`, 'hostA_example_com__acme__instance1'],
      [`hostB.example.com acme instance1 : ${rest}`, 'hostB_example_com__acme__instance1'],
      [`Mar  8 12:34:${String(i).padStart(2, '0')} webA zope[1]: ${rest}`, 'webA__zope'],
      [`Mar  8 12:35:${String(i).padStart(2, '0')} webB zope[1]: ${rest}`, 'webB__zope'],
      [`2012-01-18T15:31:${String(i).padStart(2, '0')}Z webA zope: ${rest}`, 'webA__zope'],
      [`<13>Mar  8 12:34:56 webC zope[1]: ${rest}`, 'webC__zope'],
    );
  }
  const wrong = table.filter(([line, key]) => rec(line).instance !== key);
  t.same(wrong, []);
});

// ---- time zones ----

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
  if (!requirePeer(t, 'python3 zoneinfo', existsSync(DEBIAN_PYTHON), 'apt-get install python3')) return;
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
