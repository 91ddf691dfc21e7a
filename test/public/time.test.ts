import t from 'tap';
import { absoluteRange, axisTimeLabel, describeRange, endsNow, formatClock, formatDateTime, fromLocalInput, offsetText, parseOffset, resolveRange, resolveTime, toLocalInput, zoomOut } from '../../public/src/time.js';

const NOW = 1_735_689_600; // 2025-01-01T00:00:00Z

t.test('graphite offsets are read with graphite units; "m" is not minutes', async (t) => {
  t.equal(parseOffset('-15min'), -900);
  t.equal(parseOffset('-1h'), -3600);
  t.equal(parseOffset('+2d'), 172800);
  t.equal(parseOffset('-1w'), -604800);
  t.equal(parseOffset('-1mon'), -2592000);
  t.equal(parseOffset('-1y'), -31536000);
  t.equal(parseOffset('-30s'), -30);
  t.equal(parseOffset('-5m'), null, 'graphite rejects -5m, so the page does not guess');
  t.equal(parseOffset('1h'), null, 'an offset needs a sign');
  t.equal(parseOffset('-1fortnight'), null);
});

t.test('time expressions resolve against now; unknown ones are left to the server', async (t) => {
  t.equal(resolveTime('now', NOW), NOW);
  t.equal(resolveTime('', NOW), NOW);
  t.equal(resolveTime('-1h', NOW), NOW - 3600);
  t.equal(resolveTime('now-1d', NOW), NOW - 86400);
  t.equal(resolveTime('1735600000', NOW), 1735600000);
  t.equal(resolveTime('midnight', NOW), null);
  t.same(resolveRange('-1h', 'now', NOW), { start: NOW - 3600, end: NOW });
  t.equal(resolveRange('now', '-1h', NOW), null, 'an empty or reversed range is not a range');
  t.ok(endsNow('now') && endsNow('') && !endsNow('1735600000'));
});

t.test('offsets are written in the largest whole unit', async (t) => {
  t.equal(offsetText(3600), '-1h');
  t.equal(offsetText(7200), '-2h');
  t.equal(offsetText(900), '-15min');
  t.equal(offsetText(90), '-90s');
  t.equal(offsetText(86400 * 14), '-14d');
  t.equal(offsetText(31536000), '-1y');
});

t.test('zooming out doubles the span; a live range stays live', async (t) => {
  t.same(zoomOut('-1h', 'now', NOW), { from: '-2h', until: 'now' });
  t.same(zoomOut('-15min', 'now', NOW), { from: '-30min', until: 'now' });
  const a = NOW - 10 * 3600;
  t.same(zoomOut(String(a), String(a + 3600), NOW), { from: String(a - 1800), until: String(a + 3600 + 1800) }, 'an old window widens around its middle');
  t.same(zoomOut(String(NOW - 600), String(NOW - 60), NOW), { from: '-18min', until: 'now' }, 'a window that would pass now becomes relative, twice as long');
  t.same(zoomOut('midnight', 'now', NOW), { from: 'midnight', until: 'now' }, 'an expression the page cannot resolve is left alone');
});

t.test('a brush selection becomes a whole-second, non-empty absolute range', async (t) => {
  t.same(absoluteRange(100.7, 50.2), { from: '50', until: '101' });
  t.same(absoluteRange(10, 10), { from: '10', until: '11' });
});

t.test('datetime-local values are the browser time zone, both ways', async (t) => {
  const saved = process.env.TZ;
  t.teardown(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  process.env.TZ = 'Asia/Kolkata'; // UTC+5:30, no daylight saving
  t.equal(toLocalInput(NOW), '2025-01-01T05:30');
  t.equal(fromLocalInput('2025-01-01T05:30'), NOW);
  process.env.TZ = 'America/New_York';
  t.equal(toLocalInput(NOW), '2024-12-31T19:00');
  t.equal(fromLocalInput('2024-12-31T19:00'), NOW);
  t.equal(fromLocalInput('2024-07-01T12:00'), Date.UTC(2024, 6, 1, 16) / 1000, 'summer time is UTC-4');
  t.equal(fromLocalInput('yesterday'), null);
});

t.test('the header describes the range', async (t) => {
  t.equal(describeRange('-1h', 'now', NOW), 'last 1h');
  t.equal(describeRange('-90min', 'now', NOW), 'last 90min');
  process.env.TZ = 'UTC';
  t.equal(describeRange(String(NOW - 3600), String(NOW), NOW), '2024-12-31 23:00 → 2025-01-01 00:00');
  t.equal(describeRange('midnight', 'noon', NOW), 'midnight → noon');
});

t.test('every time on the page is in one 24-hour style: axis ticks, crosshair, live stamp', async (t) => {
  const saved = process.env.TZ;
  t.teardown(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  process.env.TZ = 'America/New_York';
  const afternoon = Date.UTC(2025, 0, 1, 20, 4, 5) / 1000; // 15:04:05 in New York
  t.equal(formatClock(afternoon), '15:04:05', 'no AM/PM');
  t.equal(formatClock(afternoon, false), '15:04');
  t.equal(formatDateTime(afternoon), '2025-01-01 15:04:05');
  t.equal(formatDateTime(afternoon, false), '2025-01-01 15:04');
  t.equal(formatDateTime(NOW), '2024-12-31 19:00:00');
  t.equal(formatClock(Date.UTC(2025, 0, 1, 5, 0, 0) / 1000), '00:00:00', 'midnight is 00, not 12');
  const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo, d, h, mi, s);
  const hour = 3600;
  t.equal(axisTimeLabel(local(2025, 0, 1, 15, 4), hour), '15:04', 'a time of day: as the crosshair writes it, without seconds');
  t.equal(axisTimeLabel(local(2025, 0, 1, 15, 4, 30), 60), '15:04:30', 'within a minute: seconds');
  t.equal(axisTimeLabel(local(2025, 0, 1, 15, 4), hour).slice(0, 5), formatClock(afternoon).slice(0, 5), 'axis and crosshair agree');
  t.equal(axisTimeLabel(local(2025, 11, 1), 7 * 86400), 'Dec 01', 'a midnight is its date');
  t.equal(axisTimeLabel(local(2025, 2, 1), 365 * 86400), 'Mar', 'long spans: months');
  t.equal(axisTimeLabel(local(2025, 0, 1), 365 * 86400), '2025', 'and years');
  for (let h = 0; h < 24; h++) t.match(axisTimeLabel(local(2025, 5, 1, h, 30), 86400), /^\d{2}:30$/, `hour ${h}`);
});
