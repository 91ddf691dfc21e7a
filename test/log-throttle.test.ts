import t from 'tap';
import { LogThrottle } from '../lib/log-throttle.js';

t.test('one message per interval, with the count of what was held back since the last', async (t) => {
  const clock = { now: 0 };
  const log = new LogThrottle(1000, () => clock.now);
  t.equal(log.pass(), 0, 'the first one goes out, even at time 0');
  t.equal(log.pass(), null);
  t.equal(log.pass(3), null);
  clock.now = 999;
  t.equal(log.pass(), null);
  clock.now = 1000;
  t.equal(log.pass(2), 5, 'held back: 1 + 3 + 1 (not the 2 of this call)');
  clock.now = 5000;
  t.equal(log.pass(), 0);
});
