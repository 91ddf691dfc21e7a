// graphite's time syntax: the values verified against graphite-web (reference notes 3.4), and a
// seeded random corpus compared with graphite-web's own parseATTime/parseTimeOffset.
import t from 'tap';
import { parseATTime, parseTimeOffset } from '../../lib/render/attime.js';
import { InputParameterError } from '../../lib/render/errors.js';
import { UTC, timeZoneNamed } from '../../lib/render/tz.js';
import { askPython, needGraphitePython, rng } from './support/oracle.js';

const NOW = 1700000000; // 2023-11-14 22:13:20 UTC, a Tuesday

t.test('the time syntaxes graphite-web documents give the epochs it gives', (t) => {
  const cases: [string, number][] = [
    ['-1h', 1699996400],
    ['-1h30min', 1699994600],
    ['-90s', 1699999910],
    ['-1mon', 1697408000],
    ['-1y', 1668464000],
    ['now-1h', 1699996400],
    ['+1h', 1700003600],
    ['now', NOW],
    ['yesterday', 1699833600],
    ['midnight', 1699920000],
    ['today', 1699920000],
    ['noon+1h', 1699966800],
    ['22:00_20231114', 1699999200],
    ['20231114', 1699920000],
    ['11/14/23', 1699920000],
    ['nov14', 1699920000],
    ['monday', 1699833600],
    ['17000', 17000],
    ['1700000000', NOW],
    ['teatime', 1699977600],
    ['6pm', 1699984800],
    ['3:30pm_yesterday', 1699889400],
    [' -1 D ', 1699913600],
    ['-2w', 1698790400],
  ];
  for (const [s, want] of cases) t.equal(parseATTime(s, UTC, NOW), want, s);
  t.end();
});

t.test('what graphite rejects is an InputParameterError with its message', (t) => {
  const cases: [string, RegExp][] = [
    ['-5m', /Invalid offset unit 'm'/],
    ['-1', /Invalid offset unit ''/],
    ['1h', /Unknown day reference: 1h/],
    ['bogus', /Unknown day reference: bogus/],
    ['feb', /Day of month required after month name/],
    ['feb30', /day is out of range for month/],
    ['25:00', /hour must be in 0\.\.23/],
    ['-99999999999y', /magnitude|out of range/],
    ['99999999999999', /out of range/],
  ];
  for (const [s, re] of cases) t.throws(() => parseATTime(s, UTC, NOW), { name: 'InputParameterError', message: re }, s);
  t.throws(() => parseTimeOffset('x1h'), InputParameterError);
  t.equal(parseTimeOffset('5min'), 300, 'no sign means positive');
  t.equal(parseTimeOffset('-1d2h'), -93600);
  t.end();
});

t.test('time zones: wall-clock references are local, DST gaps and folds resolve like pytz (is_dst=False)', (t) => {
  const ny = timeZoneNamed('America/New_York')!;
  t.ok(ny, 'IANA zones are known');
  t.equal(timeZoneNamed('No/Such_Zone'), null, 'an unknown zone is reported (graphite then keeps UTC)');
  t.equal(parseATTime('midnight', ny, NOW), 1699938000, 'midnight in New York (EST, UTC-5)');
  // 2023-03-12 02:30 does not exist in New York; 2023-11-05 01:30 happens twice
  t.equal(parseATTime('02:30_20230312', ny, NOW), 1678606200, 'gap: standard offset');
  t.equal(parseATTime('01:30_20231105', ny, NOW), 1699165800, 'fold: the standard-time (second) instant');
  t.equal(ny.offsetAt(NOW), -18000);
  t.end();
});

t.test('a seeded random corpus parses exactly as graphite-web parses it', (t) => {
  if (!needGraphitePython(t)) return t.end();
  const seed = 7;
  const random = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const refs = ['', 'now', 'midnight', 'noon', 'teatime', 'yesterday', 'today', 'tomorrow', '8am', '11pm', '13:45', '9:05am_', '20230228', '20240229', '02/29/24', '1/1/70', 'jan1', 'dec31', 'sunday', 'fri', 'june7', 'xyz', '1700000000', '20231301'];
  const units = ['s', 'sec', 'min', 'minutes', 'h', 'hours', 'd', 'days', 'w', 'weeks', 'mon', 'months', 'y', 'years', 'm', 'x', ''];
  const inputs: string[] = [];
  for (let i = 0; i < 300; i++) {
    let s = pick(refs);
    if (random() < 0.7) {
      s += pick(['-', '+', '-', '']);
      const n = 1 + Math.floor(random() * 3);
      for (let j = 0; j < n; j++) s += String(Math.floor(random() * 100)) + pick(units);
    }
    inputs.push(random() < 0.1 ? s.toUpperCase().replace(/_/, ' ') : s);
  }
  const tzs = ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Kolkata'];
  const questions = inputs.map((s, i) => ({ op: 'attime', s, tz: tzs[i % tzs.length], now: NOW }));
  const offsets = ['1h', '-1h30min', '+5s', '10x', '-', '3', '2weeks1d', 'm'];
  const answers = askPython([...questions, ...offsets.map((s) => ({ op: 'offset', s }))]);
  const bad: string[] = [];
  questions.forEach((q, i) => {
    const want = answers[i] as number | { error: string };
    let mine: number | string;
    try {
      mine = parseATTime(q.s, timeZoneNamed(q.tz)!, NOW);
    } catch (err) {
      mine = 'error';
      if (!(err instanceof InputParameterError)) mine = `unexpected ${String(err)}`;
    }
    const wantText = typeof want === 'number' ? want : 'error';
    if (mine !== wantText) bad.push(`${JSON.stringify(q.s)} in ${q.tz}: ${mine} vs ${JSON.stringify(want)}`);
  });
  offsets.forEach((s, i) => {
    const want = answers[questions.length + i] as number | { error: string };
    let mine: number | string;
    try {
      mine = parseTimeOffset(s);
    } catch {
      mine = 'error';
    }
    if (mine !== (typeof want === 'number' ? want : 'error')) bad.push(`offset ${s}: ${mine} vs ${JSON.stringify(want)}`);
  });
  t.same(bad, [], `seed ${seed}`);
  t.end();
});
