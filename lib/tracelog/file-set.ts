// `--tracelog` specs → the files to read, in name order. A spec is a file, a directory (every
// regular, non-hidden file in it) or a glob (`*`, `?`, `[…]` in any path segment), optionally
// prefixed `name=` to force the instance key for every line read through it.
//
//   --tracelog /var/log/tracelogs/                 every file syslog-ng writes there
//   --tracelog '/var/log/zope/*/trace.log*'        rotated files included (.1, .2.gz, …)
//   --tracelog web1=/var/log/zope/trace.log        instance "web1" whatever the lines say

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { sanitizeNode } from './prefix.js';

export interface TracelogSpec {
  /** As given, for messages. */
  text: string;
  /** The path or pattern. */
  pattern: string;
  /** The forced instance key (`name=`), or null. */
  name: string | null;
}

export interface Candidate {
  path: string;
  spec: TracelogSpec;
}

const NAMED = /^([A-Za-z0-9_-]+)=(.+)$/;

/** Parses one `--tracelog` value. Throws with the offending value on an empty one. */
export function parseSpec(text: string): TracelogSpec {
  if (text.trim() === '') throw new Error(`tracelog: empty path in --tracelog "${text}"`);
  const m = NAMED.exec(text);
  if (m) return { text, pattern: m[2]!, name: m[1]! };
  return { text, pattern: text, name: null };
}

export function hasGlob(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** A glob segment → RegExp (`*` and `?` never match `/`; a leading dot must be written). */
export function globToRegExp(segment: string): RegExp {
  let re = '^';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = close;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/** Expands a glob path segment by segment; only existing paths come back. */
async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = path.resolve(pattern);
  const segments = absolute.split(path.sep).filter((s) => s !== '');
  let bases = [path.parse(absolute).root];
  for (const seg of segments) {
    const next: string[] = [];
    for (const base of bases) {
      if (!hasGlob(seg)) {
        next.push(path.join(base, seg));
        continue;
      }
      const re = globToRegExp(seg);
      for (const name of await listDir(base)) if (re.test(name)) next.push(path.join(base, name));
    }
    bases = next;
  }
  return bases.sort();
}

/**
 * The files the specs name right now, each once, in spec order then name order (so syslog-ng's
 * dated files come oldest first). A missing plain file is listed anyway: it may appear later.
 */
export async function expandSpecs(specs: TracelogSpec[]): Promise<Candidate[]> {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  const add = (p: string, spec: TracelogSpec): void => {
    if (!seen.has(p)) {
      seen.add(p);
      out.push({ path: p, spec });
    }
  };
  for (const spec of specs) {
    if (hasGlob(spec.pattern)) {
      for (const p of await expandGlob(spec.pattern)) if (!(await isDirectory(p))) add(p, spec);
    } else if (await isDirectory(spec.pattern)) {
      const dir = path.resolve(spec.pattern);
      for (const name of await listDir(dir)) {
        const p = path.join(dir, name);
        if (!(await isDirectory(p))) add(p, spec);
      }
    } else {
      add(path.resolve(spec.pattern), spec);
    }
  }
  return out;
}

/**
 * The instance key a file's name gives when its lines carry no syslog prefix: the name without
 * `.gz`, rotation numbers, `.log` and a trailing date (`web1-2024-03-08.log` → `web1`).
 */
export function instanceFromFileName(file: string): string {
  let name = path.basename(file);
  let prev = '';
  while (prev !== name) {
    prev = name;
    name = name
      .replace(/\.gz$/, '')
      .replace(/\.\d{1,4}$/, '')
      .replace(/\.(log|txt|trace)$/i, '')
      .replace(/[-_.]?\d{4}-?\d\d-?\d\d(?:[-_T]?\d\d(?:-?\d\d){0,2})?$/, '');
  }
  const key = sanitizeNode(name);
  return key.replace(/^_+|_+$/g, '') || 'tracelog';
}
