// graphite-web's /metrics/find answer shapes (metrics/views.py), pure. Nodes come in sorted by
// name; treejson lists branches first, then leaves, drops repeated names, and builds `id` from
// the query text (wildcards kept) plus the node name.
import type { FoundNode } from '../store/index-tree.js';

/** Python's sorted(key=name) over find results (a branch before a leaf of the same path). */
export function sortByName(nodes: FoundNode[]): FoundNode[] {
  return nodes.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.isLeaf === b.isLeaf ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : a.isLeaf ? 1 : -1));
}

/** urllib.parse.unquote_plus. */
export function unquotePlus(s: string): string {
  if (s.indexOf('+') < 0 && s.indexOf('%') < 0) return s; // most names: nothing to unquote
  const plus = s.replace(/\+/g, ' ');
  return plus.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  });
}

const BRANCH = { allowChildren: 1, expandable: 1, leaf: 0 };
const LEAF = { allowChildren: 0, expandable: 0, leaf: 1 };

/** The base path graphite prefixes ids with: the query up to and including its last dot. */
export function basePath(query: string): string {
  const dot = query.lastIndexOf('.');
  return dot >= 0 ? query.slice(0, dot) + '.' : '';
}

export function treeJson(nodes: FoundNode[], base: string, wildcards: boolean): Record<string, unknown>[] {
  const results: Record<string, unknown>[] = [];
  if (nodes.length > 1 && wildcards) {
    results.push({ text: '*', id: base + '*', ...(nodes.some((n) => !n.isLeaf) ? BRANCH : LEAF) });
  }
  const found = new Set<string>();
  const branches: Record<string, unknown>[] = [];
  const leaves: Record<string, unknown>[] = [];
  for (const n of nodes) {
    if (found.has(n.name)) continue;
    found.add(n.name);
    // key order as graphite's dict: text, id, allowChildren, expandable, leaf
    if (n.isLeaf) leaves.push({ text: unquotePlus(n.name), id: base + n.name, allowChildren: 0, expandable: 0, leaf: 1 });
    else branches.push({ text: unquotePlus(n.name), id: base + n.name, allowChildren: 1, expandable: 1, leaf: 0 });
  }
  return [...results, ...branches, ...leaves];
}

export function completer(nodes: FoundNode[], wildcards: boolean): { metrics: Record<string, string>[] } {
  const metrics: Record<string, string>[] = nodes.map((n) => ({ path: n.isLeaf ? n.path : n.path + '.', name: n.name, is_leaf: n.isLeaf ? '1' : '0' }));
  if (metrics.length > 1 && wildcards) metrics.push({ name: '*' });
  return { metrics };
}

export function nodeList(nodes: FoundNode[], position: number): { nodes: string[] } | null {
  const found = new Set<string>();
  for (const n of nodes) {
    const parts = n.path.split('.');
    const i = position < 0 ? parts.length + position : position;
    if (i < 0 || i >= parts.length) return null;
    found.add(parts[i]);
  }
  return { nodes: [...found].sort() };
}

/** The completer format rewrites the query first: `..` → `*.`, and a trailing `*` added. */
export function completerQuery(query: string, automaticVariants: boolean): string {
  let q = query.split('..').join('*.');
  if (!q.endsWith('*')) q += '*';
  if (automaticVariants) {
    q = q
      .split('.')
      .map((part) => (part.includes(',') && !part.includes('{') ? `{${part}}` : part))
      .join('.');
  }
  return q;
}
