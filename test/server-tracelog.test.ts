// The tracelog options in the configuration turn the trace-log tailer and the syslog receiver on,
// and their points flow through the same flush pipeline as statsd's.
import t from 'tap';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaults } from '../lib/config/options.js';
import { SottoServer, type PointStore } from '../lib/server.js';
import type { MetricPoint } from '../lib/types.js';

function memoryStore(into: MetricPoint[]): PointStore {
  return { write: async (points) => { into.push(...points); }, close: async () => undefined };
}

const stamp = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000');

t.test('configured trace logs (file and UDP syslog) produce tracelog.<instance> points at flushes', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'sotto-server-tl-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const log = path.join(root, 'web1.log');
  // Two requests that ended a minute ago: their 1 s buckets are long closed.
  const b = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  writeFileSync(log, [
    `B 1 ${stamp(b)} GET /a`, `I 1 ${stamp(b + 5)} 0`, `C 1 ${stamp(b + 10)}`, `A 1 ${stamp(b + 110)} 200 10`, `E 1 ${stamp(b + 120)}`,
    `B 2 ${stamp(b + 200)} GET /b`, `I 2 ${stamp(b + 205)} 0`, `C 2 ${stamp(b + 210)}`, `A 2 ${stamp(b + 310)} 500 10`, `E 2 ${stamp(b + 320)}`,
    '',
  ].join('\n'));
  const written: MetricPoint[] = [];
  const config = {
    ...defaults(), dataDir: path.join(root, 'data'), port: null, carbonPort: null, mgmt_port: null, httpPort: null,
    flushInterval: 1000, tracelog: [log], tracelogTimeZone: 'UTC', tracelogLateness: 0, tracelogPollInterval: 20, syslogPort: 0, syslogAddress: '127.0.0.1',
  };
  const lines: string[] = [];
  const server = new SottoServer({ config, openStore: async () => memoryStore(written), logger: { info: (m) => lines.push(m), warn: (m) => t.comment(m) } });
  await server.start();
  t.teardown(() => server.stop());
  const startup = lines.find((l) => l.includes('server is up')) ?? '';
  const port = Number(/syslog udp 127\.0\.0\.1:(\d+)/.exec(startup)?.[1]);
  t.ok(port > 0, `the startup line names the bound syslog port: ${startup}`);

  // The same kind of request over syslog, for another instance.
  const sock = dgram.createSocket('udp4');
  const c = b + 1000;
  for (const rec of [`B 9 ${stamp(c)} GET /x`, `I 9 ${stamp(c + 1)} 0`, `C 9 ${stamp(c + 2)}`, `A 9 ${stamp(c + 52)} 200 5`, `E 9 ${stamp(c + 60)}`]) {
    await new Promise<void>((resolve, reject) => sock.send(`<134>Mar  8 12:34:56 web2 zope[42]: ${rec}`, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  sock.close();

  const sum = (name: string): number => written.filter((p) => p.name === name).reduce((a, p) => a + p.value, 0);
  const deadline = Date.now() + 15_000;
  while ((sum('tracelog.web1.requests.count') < 2 || sum('tracelog.web2__zope.requests.count') < 1) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(sum('tracelog.web1.requests.count'), 2, 'both requests of the file were counted once');
  t.equal(sum('tracelog.web1.errors.count'), 1, 'the 500 is an error');
  t.equal(sum('tracelog.web2__zope.requests.count'), 1, 'the syslog request was counted under its host/program instance');
  t.ok(written.some((p) => p.name === 'tracelog.web1.timers.app.upper' && p.value === 100), 'C→A durations are timers (100 ms)');
});

t.test('a bad tracelog option stops the start with a message naming it', async (t) => {
  const config = { ...defaults(), port: null, carbonPort: null, mgmt_port: null, httpPort: null, tracelog: ['/tmp/x.log'], tracelogTimeZone: 'Mars/Olympus' };
  const server = new SottoServer({ config, openStore: async () => memoryStore([]), logger: { info: () => undefined, warn: () => undefined } });
  await t.rejects(server.start(), /timeZone/);
  await server.stop();
});
