// Shared by the HTTP, render-store and graphite-web interop tests: a Whisper fixture written by
// whisper.py, sotto's HTTP app on a free port, and the real graphite-web 1.1.8 (oracle).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpApp, type HttpApp, type HttpAppOptions } from '../../../lib/http/app.js';
import type { FlushEvent } from '../../../lib/types.js';
import { DEBIAN_PYTHON, pythonHasModule, requirePeer } from '../../support/interop.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ORACLE_DIR = path.resolve(HERE, '../../../../shared/oracles/graphite-web');
/** The fixture's clock: every request passes now=NOW so answers never depend on the wall clock. */
export const NOW = 1700000000;

export const hasWhisperPy = (): boolean => pythonHasModule('whisper');
export const hasOracle = (): boolean => existsSync(path.join(ORACLE_DIR, 'start.sh')) && pythonHasModule('graphite.render.attime');

type Peer = Parameters<typeof requirePeer>[0];

/** requirePeer for graphite-web 1.1.8 (tap's Test type needs a cast: `skip` is overloaded). */
export function needOracle(t: object): boolean {
  return requirePeer(t as Peer, 'graphite-web 1.1.8 oracle', hasOracle(), 'apt-get install graphite-web python3-whisper');
}

/** requirePeer for Debian's whisper.py (fixtures are written with it). */
export function needWhisperPy(t: object): boolean {
  return requirePeer(t as Peer, 'whisper.py', hasWhisperPy(), 'apt-get install python3-whisper');
}

interface TapLike {
  teardown(fn: () => unknown): void;
}

/** A fresh temp dir removed at teardown. */
export function tempDir(t: TapLike, prefix = 'sotto-http-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes the standard fixture (see make-fixture.py) and returns T0, its first point's time. */
export function makeFixture(dir: string, now = NOW): number {
  const out = execFileSync(DEBIAN_PYTHON, [path.join(HERE, 'make-fixture.py'), dir, String(now)]);
  return Number(out.toString().trim());
}

/** Runs a snippet of Python with whisper.py (for writing test files). */
export function whisperPy(code: string): void {
  execFileSync(DEBIAN_PYTHON, ['-c', `import whisper\n${code}`]);
}

export interface Flushes {
  onFlush: HttpAppOptions['onFlush'];
  emit(event: FlushEvent): void;
}

/** A minimal stand-in for the server's flush announcements. */
export function flushes(): Flushes {
  const listeners = new Set<(e: FlushEvent) => void>();
  return {
    onFlush(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit(e) {
      for (const l of listeners) l(e);
    },
  };
}

export interface RunningApp {
  url: string;
  app: HttpApp;
  flush: Flushes;
  server: http.Server;
}

/** sotto's HTTP app over `dataDir`, listening on 127.0.0.1:0, closed at teardown. */
export async function startApp(t: TapLike, dataDir: string, extra: Partial<HttpAppOptions> = {}): Promise<RunningApp> {
  const flush = flushes();
  const app = createHttpApp({ dataDir, onFlush: flush.onFlush, health: () => ({ lastFlush: null }), ...extra });
  await app.ready;
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        app.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, flush, server };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = http.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts graphite-web 1.1.8 over `dataDir` (stopped at teardown); returns its base URL. */
export async function startOracle(t: TapLike, dataDir: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      const pid = execFileSync(path.join(ORACLE_DIR, 'start.sh'), [dataDir, String(port)], {
        env: { ...process.env, ORACLE_MAX_LIFETIME_S: '600' },
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .toString()
        .trim();
      t.teardown(() => {
        try {
          execFileSync(path.join(ORACLE_DIR, 'stop.sh'), [pid], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      });
      return `http://127.0.0.1:${port}`;
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
}

/** GET (or form POST) returning status, content type and body text. */
export async function request(url: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string; headers: Headers }> {
  const init: RequestInit = body === undefined ? { headers } : { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } };
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    // a keep-alive connection the server closed while idle: one retry on a fresh one
    res = await fetch(url, init);
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), headers: res.headers };
}
