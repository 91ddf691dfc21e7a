import t from 'tap';
import { firstMetricCommand } from '../../public/src/emptyState.js';

t.test('the first-metric one-liner targets this server and its statsd port', async (t) => {
  t.equal(firstMetricCommand('127.0.0.1', null), 'echo "foo:1|c" | nc -u -w0 127.0.0.1 8125', "statsd's default port unless the server says");
  t.equal(firstMetricCommand('localhost', 9125), 'echo "foo:1|c" | nc -u -w0 127.0.0.1 9125');
  t.equal(firstMetricCommand('metrics.example.net', null), 'echo "foo:1|c" | nc -u -w0 metrics.example.net 8125', 'a page opened from another host sends there');
});
