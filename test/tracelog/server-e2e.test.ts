// End to end: trace-log lines in, through the real server's flush pipeline and Whisper writer,
// Whisper files out — read back with Debian's whisper.py.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaults } from '../../lib/config/options.js';
import { SottoServer } from '../../lib/server.js';
import { createTracelogSource } from '../../lib/tracelog/source.js';
import { DEBIAN_PYTHON, pythonHasModule, requirePeer } from '../support/interop.js';

t.test('trace records become Whisper series under tracelog.<instance>. through the server', async (t) => {
  if (!requirePeer(t, 'whisper.py', pythonHasModule('whisper'), 'apt-get install python3-whisper')) return;
  const root = mkdtempSync(path.join(tmpdir(), 'sotto-tl-e2e-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const log = path.join(root, 'zope.log');

  // Three minutes of traffic ending two minutes ago, in UTC, 10 s buckets.
  const base = (Math.floor(Date.now() / 10_000) - 30) * 10_000;
  const stamp = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000');
  let text = '';
  const perBucket = new Map<number, number>();
  for (let i = 0; i < 60; i++) {
    const b = base + i * 3_000;
    text += `app1 acme web1 : B ${i % 5} ${stamp(b)} GET /${i}\napp1 acme web1 : I ${i % 5} ${stamp(b + 10)} 0\n`;
    text += `app1 acme web1 : C ${i % 5} ${stamp(b + 20)}\napp1 acme web1 : A ${i % 5} ${stamp(b + 270)} ${i % 10 === 0 ? 500 : 200} 1000\n`;
    text += `app1 acme web1 : E ${i % 5} ${stamp(b + 300)}\n`;
    const bucket = Math.floor((b + 300) / 10_000) * 10 + 10;
    perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
  }
  text += `app1 acme web1 : - 0 ${stamp(base + 200_000)} tick\n`;
  writeFileSync(log, text);

  const config = { ...defaults(), dataDir, port: null, carbonPort: null, mgmt_port: null, httpPort: null, flushInterval: 10_000 };
  const server = new SottoServer({ config, logger: { info: () => undefined, warn: (m) => t.comment(m) } });
  const source = createTracelogSource({ paths: [log], timeZone: 'UTC', flushIntervalMs: 10_000, latenessMs: 0, dataDir }, { log: (m) => t.comment(m) });
  await source.start();
  server.addSource(source);
  await server.start();
  await source.settle();
  await server.stop(); // the final flush takes the tracelog points too and writes them
  await source.stop();

  const file = path.join(dataDir, 'tracelog', 'app1__acme__web1', 'requests', 'count.wsp');
  t.ok(existsSync(file), 'tracelog.app1__acme__web1.requests.count.wsp exists');
  t.ok(existsSync(path.join(dataDir, 'tracelog', 'app1__acme__web1', 'timers', 'app', 'upper.wsp')));
  t.ok(existsSync(path.join(dataDir, 'sotto', 'tracelog', 'bad_lines.wsp')));
  const fetch = (f: string): Map<number, number> => {
    const script = 'import sys, json, whisper\n(s, e, step), vals = whisper.fetch(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))\nprint(json.dumps([[s + i * step, v] for i, v in enumerate(vals) if v is not None]))';
    const out = execFileSync(DEBIAN_PYTHON, ['-c', script, f, String(base / 1000 - 60), String(base / 1000 + 400)]).toString();
    return new Map(JSON.parse(out) as [number, number][]);
  };
  const counts = fetch(file);
  t.same([...counts].filter(([, v]) => v > 0), [...perBucket].sort((a, b) => a[0] - b[0]), 'requests per bucket, stamped with the bucket end');
  const upper = fetch(path.join(dataDir, 'tracelog', 'app1__acme__web1', 'timers', 'app', 'upper.wsp'));
  t.ok([...upper.values()].length > 0 && [...upper.values()].every((v) => v === 250), 'C→A is 250 ms everywhere');
  const errors = fetch(path.join(dataDir, 'tracelog', 'app1__acme__web1', 'errors', 'count.wsp'));
  t.equal([...errors.values()].reduce((a, b) => a + b, 0), 6, 'every tenth request failed');
});
