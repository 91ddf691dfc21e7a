// What the tailer remembers about files, as plain JSON: per file its identity (device, inode and
// the first bytes, the "head"), how far it has been read, and a short history of finished
// contents so a rotated copy or its .gz is recognised and not read twice. Pure.

import type { LineOrigin } from './ingest.js';

/** How many leading bytes identify a file's content. */
export const HEAD_BYTES = 256;
/** Heads shorter than this are too short to say two files hold the same content. */
export const MIN_MATCH = 24;
/** Finished contents remembered (a directory of dated files rarely holds more). */
export const HISTORY_LIMIT = 500;

export interface FileState {
  path: string;
  /** Device and inode as decimal strings (inodes can exceed 2^53). */
  dev: string;
  ino: string;
  /** First bytes (latin1: one char per byte). */
  head: string;
  /** Bytes consumed as complete lines (decompressed bytes for .gz). */
  position: number;
  gz: boolean;
  origin: LineOrigin;
}

export interface Finished {
  head: string;
  /** Bytes of that content already read. */
  length: number;
}

export interface TailState {
  version: 1;
  files: FileState[];
  history: Finished[];
  /** .gz files read to the end: identity and size. */
  gzDone: { dev: string; ino: string; size: number }[];
}

export function emptyTailState(): TailState {
  return { version: 1, files: [], history: [], gzDone: [] };
}

/** Whether two heads can be the start of the same content (one is a prefix of the other). */
export function sameContent(a: string, b: string): boolean {
  if (a.length < MIN_MATCH || b.length < MIN_MATCH) return false;
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

export function isTailState(x: unknown): x is TailState {
  const s = x as TailState;
  return (
    typeof s === 'object' && s !== null && s.version === 1 && Array.isArray(s.files) &&
    Array.isArray(s.history) && Array.isArray(s.gzDone)
  );
}

/** Remembers finished content (newest wins for the same head), keeping the list bounded. */
export function remember(history: Finished[], entry: Finished): void {
  if (entry.head.length < MIN_MATCH) return;
  const i = history.findIndex((h) => h.head === entry.head);
  if (i !== -1) history.splice(i, 1);
  history.push(entry);
  if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
}

/** The longest already-read length recorded for content starting with `head`, or -1. */
export function readBefore(history: Finished[], head: string): number {
  let best = -1;
  for (const h of history) if (sameContent(h.head, head) && h.length > best) best = h.length;
  return best;
}
