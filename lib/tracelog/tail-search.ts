// Looking beside a followed file for where its content went: the same inode under another name
// (rename rotation while sotto was down), a copy (copytruncate) or a compressed copy (.gz).

import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { gzHead } from './gz.js';
import { HEAD_BYTES, sameContent } from './tail-state.js';

export interface Sibling {
  path: string;
  gz: boolean;
  /** `dev:ino` */
  key: string;
  size: number;
}

/** What the search needs to know about the file it looks for. */
export interface Lost {
  path: string;
  dev: string;
  ino: string;
  head: string;
  /** Bytes of it already read. */
  position: number;
}

export const keyOf = (dev: string | bigint, ino: string | bigint): string => `${dev}:${ino}`;

/** The first `min(size, HEAD_BYTES)` bytes of an open file (latin1). */
export async function readHead(fd: FileHandle, size: number): Promise<string> {
  const n = Math.min(size, HEAD_BYTES);
  if (n === 0) return '';
  const buf = Buffer.allocUnsafe(n);
  const { bytesRead } = await fd.read(buf, 0, n, 0);
  return buf.toString('latin1', 0, bytesRead);
}

async function siblings(file: string): Promise<{ name: string; path: string; key: string; size: number }[]> {
  const dir = path.dirname(file);
  const out: { name: string; path: string; key: string; size: number }[] = [];
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    const p = path.join(dir, name);
    const st = await stat(p, { bigint: true }).catch(() => null);
    if (st?.isFile()) out.push({ name, path: p, key: keyOf(st.dev, st.ino), size: Number(st.size) });
  }
  return out;
}

/** The file under another name beside its old path, or a .gz of its content (not one in `skip`). */
export async function findMoved(t: Lost, skip: (key: string) => boolean): Promise<Sibling | null> {
  for (const s of await siblings(t.path)) {
    if (s.key === keyOf(t.dev, t.ino)) return { path: s.path, gz: false, key: s.key, size: s.size };
    if (s.name.endsWith('.gz') && !skip(s.key) && sameContent(await gzHead(s.path, HEAD_BYTES).catch(() => ''), t.head)) {
      return { path: s.path, gz: true, key: s.key, size: s.size };
    }
  }
  return null;
}

/**
 * A copy of the old content of a truncated file: a sibling starting with the same bytes and at
 * least as long as what was read (plain or .gz). 'followed' when such a copy is already being
 * read on its own (`followedHead` gives the head of a followed file, if any); `skip` excludes
 * files that are finished.
 */
export async function findCopy(
  t: Lost, followedHead: (key: string) => string | undefined, skip: (key: string) => boolean,
): Promise<Sibling | 'followed' | null> {
  for (const s of await siblings(t.path)) {
    if (s.key === keyOf(t.dev, t.ino) || skip(s.key)) continue;
    const followed = followedHead(s.key);
    if (followed !== undefined) {
      if (sameContent(followed, t.head)) return 'followed';
      continue;
    }
    if (s.name.endsWith('.gz')) {
      if (sameContent(await gzHead(s.path, HEAD_BYTES).catch(() => ''), t.head)) return { path: s.path, gz: true, key: s.key, size: s.size };
      continue;
    }
    if (s.size < t.position) continue;
    const fd = await open(s.path, 'r');
    const head = await readHead(fd, s.size).finally(() => fd.close());
    if (sameContent(head, t.head)) return { path: s.path, gz: false, key: s.key, size: s.size };
  }
  return null;
}
