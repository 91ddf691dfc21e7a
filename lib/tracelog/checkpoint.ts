// Saving and loading the tracelog state file crash-safely: written to a temporary file, fsynced,
// then renamed over the old one, so a crash or `kill -9` leaves either the old or the new state.

import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { isTailState, type TailState } from './tail-state.js';
import type { TrackerState } from './requests-state.js';

export interface SavedState {
  version: 1;
  /** Wall clock (ms) of the flush the state belongs to. */
  savedAt: number;
  tail: TailState;
  tracker: TrackerState;
}

export function stateFileIn(dataDir: string): string {
  return path.join(dataDir, '.tracelog', 'state.json');
}

/**
 * The saved state, or null when there is none. A file that is not a state of ours (edited by
 * hand, or from a future version) is moved aside to `state.json.bad-<time>` and reported through
 * `log`: sotto then starts over, re-reading the logs (Whisper keeps one value per time slot, so
 * the re-read buckets overwrite themselves).
 */
export async function loadState(file: string, log: (message: string) => void, now = Date.now): Promise<SavedState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const state = JSON.parse(text) as SavedState;
    if (state?.version === 1 && isTailState(state.tail) && typeof state.tracker === 'object') return state;
    throw new Error('not a version 1 tracelog state');
  } catch (err) {
    const aside = `${file}.bad-${now()}`;
    await rename(file, aside);
    log(`tracelog: ${file}: ${(err as Error).message}; moved to ${aside}, starting over`);
    return null;
  }
}

/** Writes the state atomically (temporary file, fsync, rename, fsync of the directory). */
export async function saveState(file: string, state: SavedState): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(state));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // some file systems cannot fsync a directory; the rename is still atomic
  } finally {
    await dh.close();
  }
}
