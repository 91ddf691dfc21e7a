// Helpers for the Whisper tests: a seeded random generator, the whisper.py oracle, doubles as hex.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEBIAN_PYTHON, pythonHasModule, requirePeer } from '../support/interop.js';

export const HAS_WHISPER_PY = pythonHasModule('whisper');
export const WHISPER_TOOLS = ['whisper-create', 'whisper-update', 'whisper-fetch', 'whisper-info', 'whisper-dump', 'whisper-resize']
  .every((tool) => fs.existsSync(`/usr/bin/${tool}`));
export const INSTALL_HINT = 'install Debian python3-whisper (apt-get install python3-whisper)';

export { rng, pick } from '../support/rng.js';

export function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function hex(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString('hex');
}

export function unhex(h: string): number {
  return Buffer.from(h, 'hex').readDoubleBE(0);
}

const DRIVER = fileURLToPath(new URL('./oracle/whisper_driver.py', import.meta.url));

/** Runs a task list through whisper.py in one Python process (see oracle/whisper_driver.py). */
export function runOracle<T = unknown>(tasks: unknown[]): T[] {
  const out = execFileSync(DEBIAN_PYTHON, [DRIVER], { input: JSON.stringify(tasks), maxBuffer: 1 << 30 });
  return JSON.parse(out.toString()) as T[];
}

/** A fresh scratch directory under the OS temp dir, removed when the test ends. */
export function scratchDir(t: { teardown(fn: () => void): void }, prefix = 'sotto-whisper-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a program and returns stdout, stderr and the exit status. */
export function run(cmd: string, args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** `${name}: ${message}` as the oracle reports Python exceptions. */
export function errorText(err: unknown): string {
  const e = err as Error;
  return `${e.name}: ${e.message}`;
}

type Peer = Parameters<typeof requirePeer>[0];

/**
 * requirePeer() for whisper.py / the whisper-* tools. (tap's Test type does not match the
 * TapLike parameter of test/support/interop.ts — `skip` has overloads — hence the cast.)
 */
export function needWhisperPy(t: object, tools = false): boolean {
  return requirePeer(t as Peer, tools ? 'whisper-* tools' : 'whisper.py', HAS_WHISPER_PY && (!tools || WHISPER_TOOLS), INSTALL_HINT);
}

/**
 * Runs `sotto <args>` in this process, capturing stdout, stderr and the exit code (restoring
 * process.exitCode afterwards so a failing command does not fail the test run).
 */
export async function runCli(args: string[], cwd?: string): Promise<{ stdout: string; stderr: string; status: number }> {
  const { main } = await import('../../lib/cli/main.js');
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const savedCode = process.exitCode;
  const savedCwd = process.cwd();
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  let status: number;
  try {
    if (cwd) process.chdir(cwd);
    status = await main(args);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.chdir(savedCwd);
    process.exitCode = savedCode;
  }
  return { stdout, stderr, status };
}
