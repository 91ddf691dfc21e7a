// The metric tree view: a virtualised list (only the rows in view exist in the DOM, so 100,000
// metrics scroll as smoothly as 100), children loaded from the API when a branch first opens,
// child counts, leaf vs branch marks, statsd and tracelog view buttons, and keyboard navigation (WAI-ARIA tree).
import { el, replace } from './dom.js';
import { formatCount } from './format.js';
import { requestsGlobFor } from './requests.js';
import { classify, KIND_LABELS, type StatsdKind } from './statsd.js';
import { ancestors, type ChildInfo, type TreeModel, type TreeNode } from './treeModel.js';

/** The one-click views a node can have: statsd's, and the tracelog Requests view. */
export type ViewKind = StatsdKind | 'requests';
const VIEW_LABELS: Record<ViewKind, string> = { ...KIND_LABELS, requests: 'requests' };

/** The view a node offers, if any (from its path, leafness and, once loaded, its children). */
function viewKind(path: string, isLeaf: boolean, childNames: string[] | null): ViewKind | null {
  return classify(path, isLeaf, childNames) ?? (requestsGlobFor(path, isLeaf, childNames) !== null ? 'requests' : null);
}

export const ROW_HEIGHT = 28;
const OVERSCAN = 8;
/** Indent per level, and the deepest level indented: deeper rows stay there and show their level. */
export const INDENT_PX = 14;
export const MAX_INDENT_DEPTH = 6;

/** Left padding of a row at `depth` (0 = top level): grows to MAX_INDENT_DEPTH, then stays. */
export function rowIndent(depth: number): number {
  return 6 + Math.min(depth, MAX_INDENT_DEPTH) * INDENT_PX;
}

export interface TreeViewOptions {
  /** The scrolling element (role=tree). */
  container: HTMLElement;
  model: TreeModel;
  loadChildren(path: string): Promise<ChildInfo[]>;
  /** Plot a leaf: in the active graph, or in a new graph. */
  onPlot(path: string, newGraph: boolean): void;
  /** Open the statsd or Requests view of a node. */
  onView(kind: ViewKind, path: string, childNames: string[]): void;
  /** Known child counts (from the metric index), for branches not loaded yet. */
  counts(): Map<string, number> | null;
}

export class TreeView {
  private readonly spacer: HTMLElement;
  private activePath: string | null = null;
  private rendered = new Map<string, HTMLElement>();
  private frame = 0;

  constructor(private readonly opts: TreeViewOptions) {
    const c = opts.container;
    c.setAttribute('role', 'tree');
    c.tabIndex = 0;
    this.spacer = el('div', { class: 'tree-spacer' });
    replace(c, this.spacer);
    c.addEventListener('scroll', () => this.schedule());
    c.addEventListener('click', (ev) => this.onClick(ev));
    c.addEventListener('keydown', (ev) => this.onKey(ev));
    c.addEventListener('focus', () => {
      if (!this.activePath && opts.model.rows().length) this.setActive(opts.model.rows()[0]!.path);
    });
    new ResizeObserver(() => this.schedule()).observe(c);
  }

  /** Moves the keyboard focus to the tree, on the active row (the first one if none). */
  focus(): void {
    const rows = this.opts.model.rows();
    if (!this.activePath && rows.length) this.setActive(rows[0]!.path);
    this.opts.container.focus({ preventScroll: true });
  }

  /** Loads the top level. */
  async init(): Promise<void> {
    await this.load(this.opts.model.root);
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /**
   * Draws the rows in view now (also called directly so a click shows its result at once).
   * Row elements are reused while their content is unchanged, so a click that re-renders
   * (focus, selection) never replaces the element under the pointer.
   */
  render(): void {
    const rows = this.opts.model.rows();
    const c = this.opts.container;
    this.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor(c.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((c.scrollTop + c.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    const counts = this.opts.counts();
    const next = new Map<string, HTMLElement>();
    const out: HTMLElement[] = [];
    let activeIndex = -1;
    for (let i = first; i < last; i++) {
      const node = rows[i]!;
      const count = node.isLeaf ? null : (node.children?.length ?? counts?.get(node.path) ?? null);
      const sig = `${i}|${node.expanded}|${node.loading}|${count}|${node.error}`;
      let row = this.rendered.get(node.path);
      if (!row || row.dataset.sig !== sig) {
        row = this.row(node, i, count);
        row.dataset.sig = sig;
      }
      const active = node.path === this.activePath;
      if (active) activeIndex = i;
      row.classList.toggle('active', active);
      row.setAttribute('aria-selected', String(active));
      next.set(node.path, row);
      out.push(row);
    }
    const current = this.spacer.children;
    if (current.length !== out.length || out.some((r, i) => current[i] !== r)) replace(this.spacer, ...out);
    this.rendered = next;
    if (activeIndex >= 0) c.setAttribute('aria-activedescendant', `tree-row-${activeIndex}`);
    else c.removeAttribute('aria-activedescendant');
  }

  private row(node: TreeNode, index: number, count: number | null): HTMLElement {
    const kind = viewKind(node.path, node.isLeaf, node.children?.map((c) => c.name) ?? null);
    const row = el(
      'div',
      {
        class: `tree-row ${node.isLeaf ? 'leaf' : 'branch'}`,
        role: 'treeitem',
        id: `tree-row-${index}`,
        'aria-level': node.depth + 1,
        'aria-expanded': node.isLeaf ? null : String(node.expanded),
        'data-path': node.path,
        title: node.path,
      },
      // Past the capped indent the level is written out (aria-level already tells assistive tech).
      node.depth > MAX_INDENT_DEPTH ? el('span', { class: 'depth', 'aria-hidden': 'true', title: `level ${node.depth + 1}` }, `${node.depth + 1}›`) : null,
      el('span', { class: 'twisty', 'aria-hidden': 'true' }, node.isLeaf ? '' : node.loading ? '…' : node.expanded ? '▾' : '▸'),
      el('span', { class: 'icon', 'aria-hidden': 'true' }, node.isLeaf ? '●' : ''),
      el('span', { class: 'name' }, node.name),
      count !== null ? el('span', { class: 'count', 'aria-label': `${count} children` }, formatCount(count)) : null,
      node.error ? el('span', { class: 'row-error', title: node.error }, '⚠') : null,
      kind ? el('button', { type: 'button', class: 'row-action view', 'data-kind': kind, tabindex: -1, title: kind === 'requests' ? 'request rate, headroom, backlog, errors, app time (v)' : null }, VIEW_LABELS[kind]) : null,
      node.isLeaf ? el('button', { type: 'button', class: 'row-action new-graph', tabindex: -1, 'aria-label': `plot ${node.path} in a new graph`, title: 'plot in a new graph' }, '+') : null,
    );
    row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    row.style.paddingLeft = `${rowIndent(node.depth)}px`;
    return row;
  }

  private onClick(ev: MouseEvent): void {
    const target = ev.target as HTMLElement;
    const rowEl = target.closest<HTMLElement>('.tree-row');
    if (!rowEl) return;
    const path = rowEl.dataset.path!;
    const node = this.opts.model.get(path);
    if (!node) return;
    this.setActive(path, false);
    const action = target.closest<HTMLElement>('.row-action');
    if (action?.classList.contains('view')) this.openView(node);
    else if (action?.classList.contains('new-graph')) this.opts.onPlot(path, true);
    else if (node.isLeaf) this.opts.onPlot(path, ev.shiftKey);
    else void this.toggle(path);
  }

  private openView(node: TreeNode): void {
    const names = node.children?.map((c) => c.name) ?? [];
    const kind = viewKind(node.path, node.isLeaf, node.children ? names : null);
    if (kind) this.opts.onView(kind, node.path, names);
  }

  private onKey(ev: KeyboardEvent): void {
    const rows = this.opts.model.rows();
    if (!rows.length) return;
    let i = this.activePath === null ? -1 : this.opts.model.indexOf(this.activePath);
    const node = i >= 0 ? rows[i]! : null;
    const page = Math.max(1, Math.floor(this.opts.container.clientHeight / ROW_HEIGHT) - 1);
    switch (ev.key) {
      case 'ArrowDown':
        i = Math.min(rows.length - 1, i + 1);
        break;
      case 'ArrowUp':
        i = Math.max(0, i - 1);
        break;
      case 'PageDown':
        i = Math.min(rows.length - 1, i + page);
        break;
      case 'PageUp':
        i = Math.max(0, i - page);
        break;
      case 'Home':
        i = 0;
        break;
      case 'End':
        i = rows.length - 1;
        break;
      case 'ArrowRight':
        if (node && !node.isLeaf && !node.expanded) void this.toggle(node.path);
        else if (node?.expanded && node.children?.length) i += 1;
        break;
      case 'ArrowLeft':
        if (node && !node.isLeaf && node.expanded) void this.toggle(node.path);
        else if (node && node.depth > 0) i = this.opts.model.indexOf(node.path.slice(0, node.path.lastIndexOf('.')));
        break;
      case 'Enter':
      case ' ':
        if (!node) return;
        if (node.isLeaf) this.opts.onPlot(node.path, ev.shiftKey);
        else void this.toggle(node.path);
        break;
      case 'v':
        if (node) this.openView(node);
        break;
      default:
        return;
    }
    ev.preventDefault();
    if (i >= 0 && rows[i]) this.setActive(rows[i]!.path);
  }

  /** Opens or closes a branch, fetching its children the first time; a branch that failed to load is retried. */
  async toggle(path: string): Promise<void> {
    const node = this.opts.model.get(path);
    if (!node || node.isLeaf) return;
    if (node.error && !node.loading) {
      await this.load(node);
      this.opts.model.setExpanded(path, true);
      this.render();
      return;
    }
    if (node.expanded) {
      this.opts.model.setExpanded(path, false);
      this.render();
      return;
    }
    if (!node.children) await this.load(node);
    this.opts.model.setExpanded(path, true);
    this.render();
  }

  private async load(node: TreeNode): Promise<void> {
    this.opts.model.setLoading(node.path, true);
    this.schedule();
    try {
      this.opts.model.setChildren(node.path, await this.opts.loadChildren(node.path));
    } catch (err) {
      this.opts.model.setLoading(node.path, false, (err as Error).message);
    }
    this.schedule();
  }

  /** Loads again the branches in view (and the top level) whose loading failed: sotto answers again. */
  async retryFailed(): Promise<void> {
    const failed = [this.opts.model.root, ...this.opts.model.rows()].filter((n) => !n.isLeaf && n.error && !n.loading);
    await Promise.all(failed.map((n) => this.load(n)));
    this.render();
  }

  /** Re-fetches the loaded branches (after new metrics arrived), keeping what is open. */
  async refresh(): Promise<void> {
    const open = [this.opts.model.root, ...this.opts.model.rows().filter((n) => !n.isLeaf && n.children)];
    for (const node of open) if (this.opts.model.get(node.path)) await this.load(node);
    this.render();
  }

  /** Opens every ancestor of `path`, scrolls it into view and makes it the active row. */
  async reveal(path: string): Promise<void> {
    for (const a of ancestors(path)) {
      const node = this.opts.model.get(a);
      if (!node) return;
      if (!node.children) await this.load(node);
      this.opts.model.setExpanded(a, true);
    }
    this.setActive(path);
    this.opts.container.focus({ preventScroll: true });
  }

  private setActive(path: string, scroll = true): void {
    this.activePath = path;
    if (scroll) {
      const i = this.opts.model.indexOf(path);
      const c = this.opts.container;
      // Size the list first: scrollTop is clamped to the current height.
      this.spacer.style.height = `${this.opts.model.rows().length * ROW_HEIGHT}px`;
      if (i >= 0) {
        const top = i * ROW_HEIGHT;
        if (top < c.scrollTop) c.scrollTop = top;
        else if (top + ROW_HEIGHT > c.scrollTop + c.clientHeight) c.scrollTop = top + ROW_HEIGHT - c.clientHeight;
      }
    }
    this.render();
  }
}
