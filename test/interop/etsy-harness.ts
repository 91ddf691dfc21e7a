// Runs etsy statsd 0.9 (node_modules/statsd, as a child process) and sotto (in process, forwarding
// with its `forward` option) side by side, each reporting to its own fake carbon listener, and
// drives both with the same packets, one batch per flush window.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter, once } from 'node:events';
import { createRequire } from 'node:module';
import { SottoServer } from '../../lib/server.js';
import { defaults, setPath, type SottoConfig } from '../../lib/config/options.js';

const require = createRequire(import.meta.url);
export const ETSY_STATS_JS = (() => {
  try { return require.resolve('statsd/stats.js'); } catch { return ''; }
})();
export const etsyAvailable = (): boolean => ETSY_STATS_JS !== '' && existsSync(ETSY_STATS_JS);

/**
 * Preloaded into etsy: binds its UDP server and admin port to port 0 (etsy turns 0 into 8125/8126)
 * and prints the bound UDP port; ETSY_RCVBUF sets SO_RCVBUF on its UDP socket, which etsy's
 * config cannot (used by the ingest benchmark to give etsy the same buffer as sotto).
 */
export const ETSY_PRELOAD = `
const dgram = require('dgram'); const net = require('net');
const createSocket = dgram.createSocket;
dgram.createSocket = function (type, listener) {
  const opts = typeof type === 'string' ? { type } : Object.assign({}, type);
  if (process.env.ETSY_RCVBUF) opts.recvBufferSize = Number(process.env.ETSY_RCVBUF);
  const s = createSocket.call(this, opts, listener);
  const bind = s.bind;
  s.bind = function (port, address, cb) { return bind.call(s, 0, address, cb); };
  s.on('listening', () => process.stdout.write('ETSY_UDP_PORT ' + s.address().port + '\\n'));
  return s;
};
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (port, ...rest) {
  if (typeof port !== 'number') return listen.call(this, port, ...rest);
  this.once('listening', () => process.stdout.write('ETSY_MGMT_PORT ' + this.address().port + '\\n'));
  return listen.call(this, 0, ...rest);
};
`;

/** A fake carbon: a flush is complete when its last line (`…graphiteStats.flush_length`) arrives. */
export class FakeCarbon extends EventEmitter {
  readonly server = net.createServer((s) => this.connection(s));
  readonly flushes: string[][] = [];
  private current: string[] = [];

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  private connection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.setEncoding('utf8');
    let pending = '';
    socket.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        this.current.push(line);
        if (line.split(' ')[0]!.includes('.graphiteStats.flush_length')) {
          const flush = this.current;
          this.current = [];
          this.flushes.push(flush);
          this.emit('flush', flush);
        }
      }
    });
    socket.on('error', () => undefined);
  }

  /** The next complete flush (waits at most `ms`). */
  next(ms = 5000): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.off('flush', on); reject(new Error(`no flush within ${ms} ms`)); }, ms);
      const on = (f: string[]): void => { clearTimeout(timer); resolve(f); };
      this.once('flush', on);
    });
  }

  private readonly sockets = new Set<net.Socket>();

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export interface Daemon {
  name: string;
  carbon: FakeCarbon;
  udpPort: number;
  stop(): Promise<void>;
}

/** etsy's config for a scenario (an object literal as its config file holds). */
export async function startEtsy(config: Record<string, unknown>, extraEnv: Record<string, string> = {}): Promise<Daemon & { child: ChildProcess; output: () => string; mgmtPort: number }> {
  const carbon = new FakeCarbon();
  const graphitePort = await carbon.listen();
  const dir = mkdtempSync(join(tmpdir(), 'sotto-etsy-'));
  const cfgPath = join(dir, 'config.js');
  const preload = join(dir, 'preload.cjs');
  writeFileSync(preload, ETSY_PRELOAD);
  writeFileSync(cfgPath, JSON.stringify({
    port: 8125, address: '127.0.0.1', mgmt_address: '127.0.0.1', mgmt_port: 8126,
    graphiteHost: '127.0.0.1', graphitePort, automaticConfigReload: false, flushInterval: 1000, ...config,
  }));
  const child = spawn(process.execPath, ['-r', preload, ETSY_STATS_JS, cfgPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } });
  let out = '';
  let udpPort = 0;
  let mgmtPort = 0;
  const up = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`etsy statsd did not start: ${out}`)), 10000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      if (out.length < 100000) out += d;
      const m = /ETSY_UDP_PORT (\d+)/.exec(out);
      if (m && !udpPort) udpPort = Number(m[1]);
      const mg = /ETSY_MGMT_PORT (\d+)/.exec(out);
      if (mg) mgmtPort = Number(mg[1]);
      if (udpPort && mgmtPort && /server is up/.test(out)) { clearTimeout(timer); resolve(); }
    });
    child.stderr!.on('data', (d) => { out += d; });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`etsy statsd exited (${code}): ${out}`)); });
  });
  try {
    await up;
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await carbon.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    name: 'etsy', carbon, udpPort, mgmtPort, child, output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await carbon.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** sotto in process with the same scenario config (etsy names; `graphite.*` nested as in etsy). */
export async function startSotto(config: Record<string, unknown>): Promise<Daemon & { server: SottoServer }> {
  const carbon = new FakeCarbon();
  const port = await carbon.listen();
  const c: SottoConfig = defaults();
  Object.assign(c, { port: 0, address: '127.0.0.1', address_ipv6: null, carbonPort: null, mgmt_port: 0, mgmt_address: '127.0.0.1', httpPort: null, flushInterval: 1000, forward: [`tcp://127.0.0.1:${port}`] });
  // The scenario is an etsy config: where it says nothing, etsy's defaults apply (not sotto's).
  c.graphite.legacyNamespace = true;
  c.percentThreshold = [90];
  for (const [k, v] of Object.entries(config)) {
    if (k === 'graphite') for (const [gk, gv] of Object.entries(v as object)) setPath(c, `graphite.${gk}`, gv);
    else setPath(c, k, v);
  }
  if (typeof c.percentThreshold === 'number') c.percentThreshold = [c.percentThreshold];
  const server = new SottoServer({
    config: c,
    openStore: async () => ({ write: async () => undefined, close: async () => undefined }),
    logger: { info: () => undefined, warn: () => undefined },
  });
  await server.start();
  const udpPort = server.addresses().statsd.find((a) => a.kind === 'udp4')!.port;
  return { name: 'sotto', carbon, udpPort, server, stop: async () => { await server.stop(); await carbon.close(); } };
}

/** Sends one admin command and collects the reply until `done(reply)` says it is complete. */
export async function adminCommand(port: number, command: string, done: (reply: string) => boolean = (r) => r.endsWith('END\n\n') || r.endsWith('ERROR\n') || /^health: /.test(r)): Promise<string> {
  const socket = net.createConnection(port, '127.0.0.1');
  socket.setEncoding('utf8');
  await once(socket, 'connect');
  socket.write(command);
  let reply = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no complete reply to ${JSON.stringify(command)}: ${JSON.stringify(reply)}`)); }, 5000);
    socket.on('data', (d: string) => { reply += d; if (done(reply)) { clearTimeout(timer); resolve(); } });
    socket.on('end', () => { clearTimeout(timer); resolve(); });
  });
  socket.destroy();
  return reply;
}

export async function sendPackets(port: number, packets: readonly (string | Buffer)[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  try {
    for (const p of packets) {
      await new Promise<void>((resolve, reject) => sock.send(typeof p === 'string' ? Buffer.from(p) : p, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    sock.close();
  }
}

/** Masks what differs between runs: timestamps, self-timing and backend stats, timestamp_lag. */
export function normalise(flush: string[]): string[] {
  return flush
    .filter((l) => l.length > 0)
    .map((l) => l.split(' ').slice(0, -1).join(' '))
    .filter((l) => !/graphiteStats\.|\.processing_time|timestamp_lag/.test(l.split(' ')[0]!))
    .sort();
}

/**
 * Waits for a flush, then sends batch i right after flush i arrives, so each batch lands in a
 * known window; returns the flushes that follow each batch (plus `idle` flushes with no traffic).
 */
export async function drive(d: Daemon, batches: readonly (readonly (string | Buffer)[])[], idle: number): Promise<string[][]> {
  await d.carbon.next(10000);
  const out: string[][] = [];
  for (const batch of [...batches, ...Array.from({ length: idle }, () => [])]) {
    const next = d.carbon.next(10000);
    await sendPackets(d.udpPort, batch);
    out.push(await next);
  }
  return out;
}
