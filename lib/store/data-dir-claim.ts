// Which collector writes a data directory: `<dataDir>/.sotto.pid` holds the writing process's pid
// while it runs and is removed when it stops cleanly. A marker left by a process that is gone means
// that sotto was killed (kill -9, a power cut) and may have left the hidden temporaries of files it
// was creating (`.<name>.wsp.<pid>.<n>.tmp`, lib/whisper/create.ts): they are swept, in the
// background, only then — a clean restart walks nothing. A marker of a sotto that still runs
// refuses the start: two writers would each cache what the files hold and overwrite each other.
import fs from 'node:fs';
import path from 'node:path';

export const MARKER = '.sotto.pid';

/** Deepest directory the sweep descends into (metric names have far fewer components). */
const MAX_DEPTH = 64;

/** The pid in a creation temporary's name (`.count.wsp.4754.3981.tmp` → 4754), or null for any other name. */
export function temporaryOwner(name: string): number | null {
  const m = /^\..+\.wsp\.(\d+)\.\d+\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** What claimDataDir() needs to know about another process. */
export interface ProcessProbe {
  /** Whether `pid` runs. */
  alive(pid: number): boolean;
  /** Whether `pid` is a sotto (its command line says so); null when that cannot be told. */
  isSotto(pid: number): boolean | null;
}

export const systemProbe: ProcessProbe = {
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  isSotto(pid) {
    try {
      return /sotto/i.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return null;
    }
  },
};

/**
 * Marks `dataDir` as written by `pid`. Returns the pid of a sotto that stopped without clearing its
 * mark (whose temporaries sweepTemporaries() removes), or null, and why the mark could not be
 * written (the directory or marker not writable: sotto runs on without it), or null. Throws when
 * another sotto that is still running holds the directory.
 */
export function claimDataDir(dataDir: string, pid = process.pid, probe: ProcessProbe = systemProbe): { crashed: number | null; unmarked: string | null } {
  const marker = path.join(dataDir, MARKER);
  let previous: number | null = null;
  try {
    const text = fs.readFileSync(marker, 'utf8').trim();
    previous = /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    // no mark (or none readable): nobody to wait for, nothing to sweep
  }
  if (previous === pid) previous = null;
  // A live process under that pid that is not sotto got the number after sotto was gone.
  if (previous !== null && probe.alive(previous) && probe.isSotto(previous) === true) {
    throw new Error(
      `data directory ${dataDir} is in use by another sotto (pid ${previous}): two collectors writing the same files would overwrite each other's points (if pid ${previous} is not sotto, remove ${marker})`,
    );
  }
  const tmp = `${marker}.${pid}.tmp`;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(tmp, `${pid}\n`);
    fs.renameSync(tmp, marker);
  } catch (err) {
    return { crashed: previous, unmarked: (err as Error).message };
  }
  return { crashed: previous, unmarked: null };
}

/** Removes the mark if it is still `pid`'s (a clean stop). */
export function releaseDataDir(dataDir: string, pid = process.pid): void {
  const marker = path.join(dataDir, MARKER);
  try {
    if (fs.readFileSync(marker, 'utf8').trim() === String(pid)) fs.unlinkSync(marker);
  } catch {
    // gone already, or unreadable: nothing to release
  }
}

/** Removes the creation temporaries `owner` left anywhere under `dataDir` (symlinks not followed); returns how many. */
export async function sweepTemporaries(dataDir: string, owner: number): Promise<number> {
  let removed = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return; // vanished or unreadable: nothing of ours to sweep there
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(p, depth + 1);
      } else if (e.isFile() && temporaryOwner(e.name) === owner) {
        try {
          await fs.promises.unlink(p);
          removed++;
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  await walk(dataDir, 0);
  return removed;
}

/**
 * The collector's use of its data directory: claimDataDir() (throws while another sotto runs),
 * the sweep of a killed predecessor's temporaries started in the background, and a warning for
 * what could not be done. Returns the release for a clean stop.
 */
export function useDataDir(dataDir: string, warn: (message: string) => void): () => void {
  const { crashed, unmarked } = claimDataDir(dataDir);
  if (unmarked !== null) warn(`store: cannot mark the data directory as in use (${unmarked}); going on without the mark`);
  if (crashed !== null) {
    void sweepTemporaries(dataDir, crashed).then((n) => {
      if (n > 0) warn(`store: removed ${n} temporary file(s) left by sotto pid ${crashed}, which stopped without closing the data directory`);
    });
  }
  return () => releaseDataDir(dataDir);
}
