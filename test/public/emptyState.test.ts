import t from 'tap';
import { firstMetricCommand, flushIntervalText } from '../../public/src/emptyState.js';

t.test('the first-metric one-liner targets this server and its statsd port', async (t) => {
  t.equal(firstMetricCommand('127.0.0.1', null), 'echo "foo:1|c" | nc -u -w0 127.0.0.1 8125', "statsd's default port unless the server says");
  t.equal(firstMetricCommand('localhost', 9125), 'echo "foo:1|c" | nc -u -w0 127.0.0.1 9125');
  t.equal(firstMetricCommand('metrics.example.net', null), 'echo "foo:1|c" | nc -u -w0 metrics.example.net 8125', 'a page opened from another host sends there');
});

t.test("the flush interval is the server's, in words; without it, statsd's default", async (t) => {
  t.equal(flushIntervalText(null), 'every 10 seconds by default');
  t.equal(flushIntervalText(Number.NaN), 'every 10 seconds by default');
  t.equal(flushIntervalText(0), 'every 10 seconds by default');
  t.equal(flushIntervalText(10_000), 'every 10 seconds');
  t.equal(flushIntervalText(2000), 'every 2 seconds');
  t.equal(flushIntervalText(1000), 'every second');
  t.equal(flushIntervalText(1500), 'every 1.5 seconds');
  t.equal(flushIntervalText(60_000), 'every minute');
  t.equal(flushIntervalText(300_000), 'every 5 minutes');
  t.equal(flushIntervalText(90_000), 'every 90 seconds');
  t.equal(flushIntervalText(3_600_000), 'every hour');
  t.equal(flushIntervalText(250), 'every 250 ms');
});
