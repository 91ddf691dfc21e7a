// The in-memory index of metric names: a tree mirroring the data directory (branches are
// directories, leaves `.wsp` files), built by walking the directory at start.
//
// Staying current without a restart:
//  - names the collector writes are added at once (`notifyWritten`, called after each flush);
//  - files written by someone else (carbon, whisper-create, a restore) are noticed through
//    directory mtimes: a directory's entry list is re-read when its mtime changed, checked at
//    most every `revalidateMs` while a find walks through it, and immediately when an exact
//    name is missing from it. New/removed files change their directory's mtime, so this costs
//    one stat per visited directory and never rescans unchanged subtrees. (fs.watch is not
//    recursive on Linux and needs one watcher per directory; polling mtimes scales better.)
import fs from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { metricNameProblem, storedName, WHISPER_SUFFIX } from './paths.js';
import { LimitError } from '../render/errors.js';
import { componentMatcher, DEFAULT_GLOB_LIMITS, type GlobLimits, matches, patternComponents } from './glob.js';

export interface IndexOptions {
  dataDir: string;
  limits?: GlobLimits;
  /** How old a directory's listing may be before a wildcard find re-checks its mtime (ms). */
  revalidateMs?: number;
  /** Injectable clock (ms) for tests. */
  clock?: () => number;
}

/** A find result: graphite's BranchNode / LeafNode. */
export interface FoundNode {
  path: string;
  name: string;
  isLeaf: boolean;
}

// Shared stand-ins for a directory with no subdirectories or no leaves (most key directories
// hold only leaves): never mutated, replaced by a node's own Map/Set on first insert.
const NO_DIRS: ReadonlyMap<string, DirNode> = new Map();
const NO_LEAVES: ReadonlySet<string> = new Set();

// One per directory, so kept small: with 100,000 keys the index held ~1.5 KB per key directory
// when every node had its own Map, Set and two path strings.
class DirNode {
  dirs: ReadonlyMap<string, DirNode> = NO_DIRS;
  leaves: ReadonlySet<string> = NO_LEAVES;
  scanned = false;
  mtimeMs = -1;
  checkedAt = -Infinity;
  /**
   * `name` is the directory's name in its parent (the root: its path). `real` is where it really
   * is (symlinks resolved, to refuse symlink loops), or null when that is its parent's real path
   * plus its name.
   */
  constructor(
    readonly name: string,
    readonly parent: DirNode | null,
    private readonly real: string | null = null,
  ) {}

  get fsPath(): string {
    return this.parent === null ? this.name : path.join(this.parent.fsPath, this.name);
  }

  get realPath(): string {
    return this.real ?? path.join(this.parent!.realPath, this.name);
  }

  /** True when `real` is this directory or one of its ancestors (following it would loop). */
  loopsTo(real: string): boolean {
    for (let n: DirNode | null = this; n; n = n.parent) if (n.realPath === real) return true;
    return false;
  }

  addDir(name: string, real: string | null): DirNode {
    if (this.dirs === NO_DIRS) this.dirs = new Map();
    const child = new DirNode(name, this, real);
    (this.dirs as Map<string, DirNode>).set(name, child);
    return child;
  }

  dropDir(name: string): void {
    (this.dirs as Map<string, DirNode>).delete(name);
  }

  /** Adds a leaf; false when it was there. */
  addLeaf(name: string): boolean {
    if (this.leaves.has(name)) return false;
    if (this.leaves === NO_LEAVES) this.leaves = new Set();
    (this.leaves as Set<string>).add(name);
    return true;
  }

  setLeaves(leaves: Set<string>): void {
    this.leaves = leaves.size ? leaves : NO_LEAVES;
  }
}

const MAX_DEPTH = 64;

/** A component that may become a node: what paths.ts accepts, minus hidden entries. */
function validComponent(name: string): boolean {
  return !name.startsWith('.') && !name.includes('.') && metricNameProblem(name) === null;
}

export class MetricIndex {
  private readonly root: DirNode;
  private readonly limits: GlobLimits;
  private readonly revalidateMs: number;
  private readonly clock: () => number;
  private leafCount = 0;

  constructor(opts: IndexOptions) {
    const root = path.resolve(opts.dataDir);
    let real = root;
    try {
      real = realpathSync(root);
    } catch {
      // not there yet: scanning finds nothing until it is
    }
    this.root = new DirNode(root, null, real);
    this.limits = opts.limits ?? DEFAULT_GLOB_LIMITS;
    this.revalidateMs = opts.revalidateMs ?? 1000;
    this.clock = opts.clock ?? Date.now;
  }

  /** Walks the whole data directory once (call at start). */
  async build(): Promise<void> {
    const walk = async (node: DirNode, depth: number): Promise<void> => {
      if (depth > MAX_DEPTH) return;
      await this.scan(node);
      for (const child of node.dirs.values()) await walk(child, depth + 1);
    };
    await walk(this.root, 0);
  }

  /** Number of metrics (leaves) known. */
  get size(): number {
    return this.leafCount;
  }

  /** Re-reads one directory's entries (keeping already-known subtrees). */
  private async scan(node: DirNode): Promise<void> {
    let entries: import('node:fs').Dirent[];
    let mtimeMs: number;
    try {
      mtimeMs = (await fs.stat(node.fsPath)).mtimeMs;
      entries = await fs.readdir(node.fsPath, { withFileTypes: true });
    } catch {
      entries = [];
      mtimeMs = -1;
    }
    /** Subdirectory name → its real path, or null when not a symlink. */
    const dirs = new Map<string, string | null>();
    const leaves = new Set<string>();
    for (const e of entries) {
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      let real: string | null = null;
      if (e.isSymbolicLink()) {
        try {
          const full = path.join(node.fsPath, e.name);
          const st = await fs.stat(full);
          [isDir, isFile] = [st.isDirectory(), st.isFile()];
          if (isDir) real = await fs.realpath(full);
        } catch {
          continue;
        }
        if (isDir && node.loopsTo(real!)) continue;
      }
      if (isDir && validComponent(e.name)) dirs.set(e.name, real);
      else if (isFile && e.name.endsWith(WHISPER_SUFFIX)) {
        const base = e.name.slice(0, -WHISPER_SUFFIX.length);
        if (validComponent(base)) leaves.add(base);
      }
    }
    for (const name of [...node.dirs.keys()]) if (!dirs.has(name)) this.dropDir(node, name);
    for (const [name, real] of dirs) if (!node.dirs.has(name)) node.addDir(name, real);
    this.leafCount += leaves.size - node.leaves.size;
    node.setLeaves(leaves);
    node.scanned = true;
    node.mtimeMs = mtimeMs;
    node.checkedAt = this.clock();
  }

  private dropDir(parent: DirNode, name: string): void {
    const count = (n: DirNode): number => n.leaves.size + [...n.dirs.values()].reduce((a, c) => a + count(c), 0);
    this.leafCount -= count(parent.dirs.get(name)!);
    parent.dropDir(name);
  }

  /** Makes sure a directory's listing is current enough: scanned, and mtime re-checked when stale (or forced). */
  private async fresh(node: DirNode, force: boolean): Promise<void> {
    if (!node.scanned) return this.scan(node);
    const now = this.clock();
    if (!force && now - node.checkedAt < this.revalidateMs) return;
    let mtimeMs = -1;
    try {
      mtimeMs = (await fs.stat(node.fsPath)).mtimeMs;
    } catch {
      // vanished: the rescan empties it
    }
    node.checkedAt = now;
    if (mtimeMs !== node.mtimeMs) await this.scan(node);
  }

  /** Records names just written by the collector (their files exist now). */
  notifyWritten(names: Iterable<string>): void {
    for (const written of names) {
      const name = storedName(written);
      if (metricNameProblem(name) !== null) continue;
      const parts = name.split('.');
      let node = this.root;
      for (const part of parts.slice(0, -1)) {
        let child = node.dirs.get(part);
        if (!child) {
          child = node.addDir(part, null);
          child.scanned = true;
        }
        node = child;
      }
      if (node.addLeaf(parts[parts.length - 1]!)) this.leafCount++;
    }
  }

  /**
   * graphite's find: the branches and leaves matching a dotted glob query, in no particular
   * order (callers sort). A name that is both a directory and a file gives both nodes.
   */
  async find(query: string): Promise<FoundNode[]> {
    const parts = patternComponents(query);
    const matchers = parts.map((p) => (p === '**' ? null : componentMatcher(p, this.limits)));
    const out: FoundNode[] = [];
    const seen = new Set<string>();
    let visited = 0;
    const emit = (p: string, name: string, isLeaf: boolean): void => {
      const key = `${isLeaf ? 'L' : 'B'}${p}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ path: p, name, isLeaf });
      if (out.length > this.limits.maxResults) throw new LimitError(`query ${JSON.stringify(query.slice(0, 100))} matches more than ${this.limits.maxResults} nodes (limit maxResults)`);
    };
    const visit = async (node: DirNode, i: number, prefix: string): Promise<void> => {
      if (++visited > this.limits.maxVisited) throw new LimitError(`query ${JSON.stringify(query.slice(0, 100))} visits more than ${this.limits.maxVisited} index nodes (limit maxVisited)`);
      const m = matchers[i];
      const lastPart = i === parts.length - 1;
      if (m === null) {
        // globstar: zero or more directory levels, then the rest of the pattern ('*' if none)
        await this.fresh(node, false);
        if (lastPart) {
          await this.globstarAll(node, prefix, emit, () => ++visited > this.limits.maxVisited);
          return;
        }
        await visit(node, i + 1, prefix);
        for (const [name, child] of node.dirs) await visit(child, i, prefix + name + '.');
        return;
      }
      if (m.patterns.length) await this.fresh(node, false);
      else if (!node.scanned || m.exact.some((e) => !node.dirs.has(e) && !node.leaves.has(e))) await this.fresh(node, true);
      const names = m.patterns.length ? new Set([...node.dirs.keys(), ...node.leaves]) : new Set(m.exact);
      for (const name of names) {
        if (!matches(m, name)) continue;
        const child = node.dirs.get(name);
        if (lastPart) {
          if (child) emit(prefix + name, name, false);
          if (node.leaves.has(name)) emit(prefix + name, name, true);
        } else if (child) {
          await visit(child, i + 1, prefix + name + '.');
        }
      }
    };
    await visit(this.root, 0, '');
    return out;
  }

  private async globstarAll(node: DirNode, prefix: string, emit: (p: string, n: string, leaf: boolean) => void, over: () => boolean): Promise<void> {
    for (const leaf of node.leaves) emit(prefix + leaf, leaf, true);
    for (const [name, child] of node.dirs) {
      if (over()) throw new LimitError(`globstar query visits more than ${this.limits.maxVisited} index nodes (limit maxVisited)`);
      emit(prefix + name, name, false);
      await this.fresh(child, false);
      await this.globstarAll(child, prefix + name + '.', emit, over);
    }
  }

  /**
   * The direct children of a branch given by its exact dotted name ('' for the root), or null
   * when there is no such branch. No globbing: `*` in a prefix is just a character.
   */
  async children(prefix: string): Promise<FoundNode[] | null> {
    let node = this.root;
    const parts = prefix === '' ? [] : prefix.split('.');
    for (const part of parts) {
      await this.fresh(node, !node.dirs.has(part));
      const child = node.dirs.get(part);
      if (!child) return null;
      node = child;
    }
    await this.fresh(node, false);
    const base = prefix === '' ? '' : prefix + '.';
    const out: FoundNode[] = [];
    for (const name of node.dirs.keys()) out.push({ path: base + name, name, isLeaf: false });
    for (const name of node.leaves) out.push({ path: base + name, name, isLeaf: true });
    return out;
  }

  /** Every metric name (graphite's /metrics/index.json), sorted. */
  async allLeaves(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (node: DirNode, prefix: string, depth: number): Promise<void> => {
      if (depth > MAX_DEPTH) return;
      await this.fresh(node, false);
      for (const leaf of node.leaves) out.push(prefix + leaf);
      for (const [name, child] of node.dirs) await walk(child, prefix + name + '.', depth + 1);
    };
    await walk(this.root, '', 0);
    return out.sort();
  }
}
