// Interop tests run against real peers (whisper.py, etsy statsd, graphite-web, chromium, …).
// In CI (SOTTO_REQUIRE_INTEROP=1) a missing peer is a failure; locally the tests skip loudly.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const INTEROP_REQUIRED = process.env.SOTTO_REQUIRE_INTEROP === '1';

/** The part of tap's Test that requirePeer uses (tap's own `skip` is overloaded, hence the loose type). */
interface TapLike {
  fail(message: string): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  skip(...args: any[]): unknown;
}

/**
 * Returns true when the peer is there. Otherwise fails the test (CI) or skips it with a message
 * on stderr that is hard to miss (local runs), and returns false: the caller returns early.
 */
export function requirePeer(t: TapLike, peer: string, available: boolean, howToInstall: string): boolean {
  if (available) return true;
  const message = `${peer} not found: ${howToInstall}`;
  if (INTEROP_REQUIRED) {
    t.fail(`${message} (SOTTO_REQUIRE_INTEROP=1: a missing peer fails the run)`);
  } else {
    process.stderr.write(`\n!!!!!!!! SKIPPING interop test: ${message} !!!!!!!!\n\n`);
    t.skip(`SKIPPED: ${message}`);
  }
  return false;
}

/** Debian's python (whisper.py lives in its dist-packages; the pyenv python3 on PATH does not have it). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** True when `/usr/bin/python3 -c "import <module>"` works. */
export function pythonHasModule(module: string): boolean {
  if (!existsSync(DEBIAN_PYTHON)) return false;
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
