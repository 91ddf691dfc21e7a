// SIGTERM: `bin/sotto serve` as a child process gets N counts and is terminated at once; the
// Whisper files must hold all N (etsy loses the last interval), and the unterminated last line of
// a TCP client that keeps its connection open. Read back with whisper.py.
import t, { type Test } from 'tap';
import { spawn, execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import dgram from 'node:dgram';
import net from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEBIAN_PYTHON, pythonHasModule, requirePeer } from './support/interop.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN_JS = join(ROOT, 'dist/lib/cli/main.js');

function newestTs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestTs(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when lib/ is newer (tsc emits even if another area has a type error). */
function ensureBuilt(): void {
  if (existsSync(MAIN_JS) && statSync(MAIN_JS).mtimeMs >= newestTs(join(ROOT, 'lib'))) return;
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT], { stdio: 'ignore' });
}

/**
 * All points of a Whisper file's finest archive, read with whisper.py (its header, the raw slots):
 * fetch() would hide the final flush, which is stamped with the next flush time (the future).
 */
function archivePoints(path: string): Array<[number, number]> {
  const script = [
    'import whisper, struct, sys, json',
    'a = whisper.info(sys.argv[1])["archives"][0]',
    'f = open(sys.argv[1], "rb"); f.seek(a["offset"]); raw = f.read(a["size"])',
    'pts = [struct.unpack("!Ld", raw[i:i+12]) for i in range(0, len(raw), 12)]',
    'print(json.dumps(sorted([p for p in pts if p[0] > 0])))',
  ].join('\n');
  return JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', script, path]).toString());
}

/** `bin/sotto serve` on `dataDir` as a child process, once it says it is up (statsd UDP and TCP on free ports). */
async function serve(t: Test, dataDir: string): Promise<{ child: ChildProcess; port: number; tcpPort: number; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/sotto'), 'serve', '--udp-port', '0', '--tcp-port', '0', '--carbon-port', 'off', '--mgmt-port', 'off', '--http-port', 'off', '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SOTTO_CONFIG: '' } });
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => { out += d; });
  const [port, tcpPort] = await new Promise<[number, number]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no startup line: ${out}`)), 20000);
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /statsd udp4 [\d.]+:(\d+).*tcp [\d.]+:(\d+).*server is up/.exec(out);
      if (m) { clearTimeout(timer); resolve([Number(m[1]), Number(m[2])]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`sotto exited early (${code}): ${out}`)); });
  });
  return { child, port, tcpPort, output: () => out };
}

t.test('SIGTERM right after sending: every count is in the Whisper files and the exit code is 0', async (t) => {
  if (!requirePeer(t, 'whisper.py (python3-whisper)', pythonHasModule('whisper'), 'apt-get install python3-whisper')) return;
  ensureBuilt();
  t.ok(existsSync(MAIN_JS), 'dist is built');
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-sigterm-'));
  const { child, port, tcpPort, output } = await serve(t, dataDir);
  const N = 4000;
  const sock = dgram.createSocket('udp4');
  const packet = Buffer.from(Array.from({ length: 20 }, () => 'sigterm.count:1|c').join('\n'));
  for (let i = 0; i < N / 20; i++) await new Promise<void>((r) => sock.send(packet, port, '127.0.0.1', () => r()));
  await new Promise<void>((r) => sock.send('sigterm.timer:7|ms\nsigterm.gauge:3|g\nsigterm.set:a|s', port, '127.0.0.1', () => r()));
  sock.close();
  // A TCP client whose last line has no newline yet, and which never closes its connection.
  const tcp = net.connect({ port: tcpPort, host: '127.0.0.1', allowHalfOpen: true }); // like a client that never reads: no FIN back
  tcp.on('error', () => undefined);
  t.teardown(() => tcp.destroy());
  await once(tcp, 'connect');
  await new Promise<void>((r) => tcp.write('sigterm.tcp:5|c\nsigterm.tail:2|c', () => r()));
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  t.equal(code, 0, `exit code (output: ${output()})`);
  t.match(output(), /SIGTERM: stopping, flushing what is pending/);
  const points = archivePoints(join(dataDir, 'stats/counters/sigterm/count/count.wsp'));
  t.equal(points.reduce((s, [, v]) => s + v, 0), N, `all ${N} counts are stored`);
  t.same(archivePoints(join(dataDir, 'stats/timers/sigterm/timer/upper.wsp')).map(([, v]) => v), [7]);
  t.same(archivePoints(join(dataDir, 'stats/gauges/sigterm/gauge.wsp')).map(([, v]) => v).slice(-1), [3]);
  t.same(archivePoints(join(dataDir, 'stats/sets/sigterm/set/count.wsp')).map(([, v]) => v).slice(-1), [1]);
  t.same(archivePoints(join(dataDir, 'stats/counters/sigterm/tcp/count.wsp')).map(([, v]) => v), [5]);
  t.same(archivePoints(join(dataDir, 'stats/counters/sigterm/tail/count.wsp')).map(([, v]) => v), [2], 'the unterminated line of the open connection');
});

t.test('after a kill -9, the next start sweeps the temporaries of files the killed sotto was creating; a second sotto on a running one\'s directory is refused', async (t) => {
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-kill9-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await serve(t, dataDir);
  t.equal(readFileSync(join(dataDir, '.sotto.pid'), 'utf8').trim(), String(first.child.pid), 'the running sotto marks its data directory');
  const second = spawnSync(process.execPath, [join(ROOT, 'bin/sotto'), 'serve', '--udp-port', '0', '--carbon-port', 'off', '--mgmt-port', 'off', '--http-port', 'off', '--data-dir', dataDir], { cwd: ROOT, encoding: 'utf8', timeout: 20000, env: { ...process.env, SOTTO_CONFIG: '' } });
  t.not(second.status, 0, 'a second sotto on the same directory does not start');
  t.match(second.stderr, `data directory ${dataDir} is in use by another sotto (pid ${first.child.pid})`);
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  // what a kill in the middle of creating files leaves: hidden temporaries named after the pid
  const left = [join(dataDir, 'stats/counters/k/.count.wsp.' + first.child.pid + '.12.tmp'), join(dataDir, 'stats/counters/k/.rate.wsp.' + first.child.pid + '.13.tmp')];
  mkdirSync(join(dataDir, 'stats/counters/k'), { recursive: true });
  for (const f of left) writeFileSync(f, 'partial');
  const another = join(dataDir, 'stats/counters/k/.count.wsp.1.1.tmp');
  writeFileSync(another, 'not ours to judge');
  const next = await serve(t, dataDir);
  const deadline = Date.now() + 10000;
  while (left.some((f) => existsSync(f)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.notOk(left.some((f) => existsSync(f)), 'the killed sotto\'s temporaries are gone');
  t.ok(existsSync(another), "another process's temporary is left alone");
  await new Promise((r) => setTimeout(r, 100));
  t.match(next.output(), `store: removed 2 temporary file(s) left by sotto pid ${first.child.pid}`);
  next.child.kill('SIGTERM');
  const [code] = await once(next.child, 'exit');
  t.equal(code, 0);
  t.notOk(existsSync(join(dataDir, '.sotto.pid')), 'a clean stop clears the mark');
});
