// The metric namespace as the tree view sees it (pure): nodes whose children arrive lazily, the
// flat list of visible rows the virtualised view draws, and search over metric names by
// substring or graphite glob. Sized for 100,000 metrics: rows are rebuilt in one linear pass
// only when the tree changes, lookups by path are a Map.

export interface ChildInfo {
  path: string;
  name: string;
  isLeaf: boolean;
}

export interface TreeNode {
  path: string;
  name: string;
  isLeaf: boolean;
  depth: number;
  /** null until loaded. */
  children: TreeNode[] | null;
  expanded: boolean;
  loading: boolean;
  error: string | null;
}

export class TreeModel {
  readonly root: TreeNode = { path: '', name: '', isLeaf: false, depth: -1, children: null, expanded: true, loading: false, error: null };
  private readonly byPath = new Map<string, TreeNode>([['', this.root]]);
  private rowCache: TreeNode[] | null = null;

  get(path: string): TreeNode | undefined {
    return this.byPath.get(path);
  }

  /** Replaces the children of `parentPath` (keeping the expanded state of branches that stay). */
  setChildren(parentPath: string, children: ChildInfo[]): void {
    const parent = this.byPath.get(parentPath);
    if (!parent) return;
    const old = new Map((parent.children ?? []).map((c) => [c.path, c]));
    const incoming = new Set(children.map((c) => c.path));
    for (const c of old.values()) if (!incoming.has(c.path)) this.forget(c);
    parent.children = sortChildren(children).map((c) => {
      const kept = old.get(c.path);
      if (kept && kept.isLeaf === c.isLeaf) return kept;
      if (kept) this.forget(kept);
      const node: TreeNode = { path: c.path, name: c.name, isLeaf: c.isLeaf, depth: parent.depth + 1, children: null, expanded: false, loading: false, error: null };
      this.byPath.set(c.path, node);
      return node;
    });
    parent.loading = false;
    parent.error = null;
    this.changed();
  }

  setLoading(path: string, loading: boolean, error: string | null = null): void {
    const node = this.byPath.get(path);
    if (!node) return;
    node.loading = loading;
    node.error = error;
    this.changed();
  }

  setExpanded(path: string, expanded: boolean): void {
    const node = this.byPath.get(path);
    if (!node || node.isLeaf || node.expanded === expanded) return;
    node.expanded = expanded;
    this.changed();
  }

  /** The rows to draw, top to bottom: every node whose ancestors are all expanded. */
  rows(): TreeNode[] {
    if (this.rowCache) return this.rowCache;
    const out: TreeNode[] = [];
    // Iterative depth-first walk: no recursion limit for deep names, one pass over visible nodes.
    const stack: TreeNode[] = [...(this.root.children ?? [])].reverse();
    while (stack.length) {
      const node = stack.pop()!;
      out.push(node);
      if (node.expanded && node.children) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
    this.rowCache = out;
    return out;
  }

  indexOf(path: string): number {
    return this.rows().findIndex((n) => n.path === path);
  }

  private forget(node: TreeNode): void {
    this.byPath.delete(node.path);
    for (const c of node.children ?? []) this.forget(c);
  }

  private changed(): void {
    this.rowCache = null;
  }
}

/** Branches first, then leaves, each by name: how graphite-web lists children. */
export function sortChildren(children: ChildInfo[]): ChildInfo[] {
  return [...children].sort((a, b) => (a.isLeaf === b.isLeaf ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.isLeaf ? 1 : -1));
}

/** `a.b.c` → [`a`, `a.b`]: the branches to open to show `a.b.c`. */
export function ancestors(path: string): string[] {
  const parts = path.split('.');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('.'));
  return out;
}

/** True when the text uses graphite's glob syntax (`*`, `?`, `[…]`, `{…}`). */
export function isGlob(text: string): boolean {
  return /[*?[\]{}]/.test(text);
}

/**
 * A graphite glob as a RegExp over whole dotted names: `*` and `?` stay inside one component,
 * `[a-z]`/`[!a]` are character classes, `{a,b}` alternatives. Throws on unbalanced brackets.
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`);
}

function globSource(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') re += '[^.]*';
    else if (ch === '?') re += '[^.]';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) throw new Error(`unclosed "[" in ${glob}`);
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else if (ch === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) throw new Error(`unclosed "{" in ${glob}`);
      re += `(?:${glob.slice(i + 1, close).split(',').map(globSource).join('|')})`;
      i = close;
    } else re += escapeRegExp(ch);
  }
  return re;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export interface SearchResult {
  /** Matching names, in index order, at most `limit`. */
  matches: string[];
  total: number;
  /** Set when the glob could not be read. */
  error: string | null;
}

/**
 * Search metric names: plain text matches anywhere, case-insensitively; a glob must match the
 * whole name, or — when it has no dot — any one component (`*login*`).
 */
export function searchNames(names: readonly string[], query: string, limit = 200): SearchResult {
  const q = query.trim();
  if (!q) return { matches: [], total: 0, error: null };
  let test: (name: string) => boolean;
  if (isGlob(q)) {
    let re: RegExp;
    try {
      re = globToRegExp(q);
    } catch (err) {
      return { matches: [], total: 0, error: (err as Error).message };
    }
    test = q.includes('.') ? (n) => re.test(n) : (n) => n.split('.').some((part) => re.test(part));
  } else {
    const needle = q.toLowerCase();
    test = (n) => n.toLowerCase().includes(needle);
  }
  const matches: string[] = [];
  let total = 0;
  for (const name of names) {
    if (!test(name)) continue;
    total++;
    if (matches.length < limit) matches.push(name);
  }
  return { matches, total, error: null };
}

/** Where the plain-text query occurs in a name, for highlighting: [start, end) pairs. */
export function highlightRanges(name: string, query: string): Array<[number, number]> {
  const q = query.trim().toLowerCase();
  if (!q || isGlob(q)) return [];
  const out: Array<[number, number]> = [];
  const lower = name.toLowerCase();
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) out.push([i, i + q.length]);
  return out;
}

/**
 * Escapes one name component for a graphite find query: `*?[]` as one-character classes (`[*]`
 * matches a literal `*`); braces, which graphite expands before it reads any class, as `?` (any
 * one character: a sibling differing only there would match too).
 */
export function escapeGlob(component: string): string {
  return component.replace(/[*?[\]{}]/g, (c) => (c === '{' || c === '}' ? '?' : `[${c}]`));
}

/**
 * A render target that reads exactly the metric `path`: each component escaped as for find, the
 * target grammar's symbols backslash-escaped (`\(`), and a space or backslash (which no escape
 * survives) as `?`.
 */
export function exactTarget(path: string): string {
  return path
    .split('.')
    .map((c) => escapeGlob(c).replace(/[\\\s]/g, '?').replace(/[(),'"|=]/g, (s) => `\\${s}`))
    .join('.');
}

/** Counts of direct children per branch, from a list of leaf names (`/metrics/index.json`). */
export function childCounts(names: readonly string[]): Map<string, number> {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (const name of names) {
    let end = name.length;
    // Walk up from the leaf; stop once a node was already counted (its ancestors are too).
    while (end > 0) {
      const path = name.slice(0, end);
      if (seen.has(path)) break;
      seen.add(path);
      const dot = path.lastIndexOf('.');
      const parent = dot < 0 ? '' : path.slice(0, dot);
      counts.set(parent, (counts.get(parent) ?? 0) + 1);
      end = dot < 0 ? 0 : dot;
    }
  }
  return counts;
}
