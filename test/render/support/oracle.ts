// Batch questions to real Python / graphite-web code (oracle.py), for differential tests.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEBIAN_PYTHON, pythonHasModule, requirePeer } from '../../support/interop.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const hasGraphitePython = (): boolean => pythonHasModule('graphite.render.attime');

type Peer = Parameters<typeof requirePeer>[0];

export function needGraphitePython(t: object): boolean {
  return requirePeer(t as Peer, "graphite-web's Python modules", hasGraphitePython(), 'apt-get install graphite-web');
}

/** Sends every question in one python run; returns the answers in order. */
export function askPython(questions: Record<string, unknown>[]): unknown[] {
  if (!questions.length) return [];
  const out = execFileSync(DEBIAN_PYTHON, ['-W', 'ignore', path.join(HERE, 'oracle.py')], {
    input: questions.map((q) => JSON.stringify(q)).join('\n') + '\n',
    maxBuffer: 1 << 28,
  });
  return out
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
}

export { rng } from '../../support/rng.js';

/** JS → exact text Python's float() reads back to the same double. */
export function floatText(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return Object.is(x, -0) ? '-0.0' : String(x);
}
