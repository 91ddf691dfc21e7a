// The browser tests run the compiled page (public/dist). `npm run build` compiles it; when the
// sources are newer than the output (a local edit), compile here first. Test files run in
// parallel, so the compile is guarded by a lock directory and happens once.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'public', 'src');
const DIST = join(ROOT, 'public', 'dist');

function stale(): boolean {
  for (const f of readdirSync(SRC)) {
    if (!f.endsWith('.ts')) continue;
    const out = join(DIST, f.replace(/\.ts$/, '.js'));
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(SRC, f)).mtimeMs) return true;
  }
  return false;
}

export async function ensurePageBuilt(): Promise<void> {
  if (!stale()) return;
  const lock = join(tmpdir(), `sotto-public-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (remove it if no build is running)`);
      await new Promise((r) => setTimeout(r, 200));
      if (!stale()) return; // another test file compiled it meanwhile
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'public')], { stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
