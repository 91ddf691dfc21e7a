// The page's composition root: owns the PageState, mirrors it into the URL, and wires the tree,
// search, expression box, graph cards, time controls, dashboards, empty state, shortcuts and the
// tracelog Requests view (a second tab, shown once there is tracelog data or the URL asks for it).
import { findChildren, loadDashboard, metricIndex, render } from './api.js';
import { DashboardDialog } from './dashboards.js';
import { watchForFirstMetric } from './emptyState.js';
import { button, el, isTyping, replace } from './dom.js';
import { GraphCard, type GraphContext } from './graphs.js';
import { SearchBox } from './search.js';
import { ServerStatus } from './serverStatus.js';
import { requestsGlobFor } from './requests.js';
import { RequestsView } from './requestsView.js';
import { dashboardState, emptyGraph, normalizeState, stateFromQuery, stateToQuery, type GraphState, type PageState, type RequestsState } from './state.js';
import { statsdView } from './statsd.js';
import { wireRangeDialog } from './rangeDialog.js';
import { absoluteRange, describeRange, endsNow, PRESETS, resolveRange, zoomOut } from './time.js';
import { TreeView, type ViewKind } from './tree.js';
import { childCounts, exactTarget, TreeModel } from './treeModel.js';
import { isRegistered, onChooseView, registerView, showView } from './views.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const INDEX_TTL_MS = 30_000;

class App {
  private state: PageState = stateFromQuery(location.search);
  private readonly cards = new Map<GraphState, GraphCard>();
  private active = 0;
  private index: { at: number; names: Promise<string[]> } | null = null;
  private counts: Map<string, number> | null = null;
  private firstGraphMarked = false;
  private readonly tree: TreeView;
  private readonly treeModel = new TreeModel();
  private readonly requests: RequestsView;
  private readonly search: SearchBox;
  private readonly dashboards: DashboardDialog;
  private readonly graphsEl = $<HTMLElement>('graphs');
  private readonly exprInput = $<HTMLInputElement>('expr-input');
  private readonly exprDest = $<HTMLSelectElement>('expr-dest');
  private readonly exprError = $<HTMLElement>('expr-error');

  constructor() {
    this.tree = new TreeView({
      container: $('tree'),
      model: this.treeModel,
      loadChildren: (path) => findChildren(path),
      onPlot: (path, newGraph) => this.plot(path, newGraph),
      onView: (kind, path, names) => this.openView(kind, path, names),
      counts: () => this.counts,
    });
    this.search = new SearchBox({
      input: $('search'),
      results: $('search-results'),
      status: $('search-status'),
      names: () => this.metricNames(),
      onChoose: (path) => void this.tree.reveal(path),
      onActive: (on) => ($('tree').hidden = on),
    });
    this.dashboards = new DashboardDialog({
      dialog: $('dash-dialog'),
      currentName: () => this.state.dashboard,
      currentState: () => dashboardState(this.state),
      saved: (name) => {
        this.state.dashboard = name;
        this.commit(false);
      },
      open: (name) => void this.openDashboard(name),
    });
    this.requests = new RequestsView({
      element: $('view-requests'),
      state: () => this.state.requests,
      update: (change, push) => this.updateRequests(change, push),
      range: () => this.range(),
      zoom: (a, b) => this.setRange(absoluteRange(a, b)),
      zoomOut: () => this.setRange(zoomOut(this.state.from, this.state.until, Date.now() / 1000)),
      editTarget: (target) => {
        this.state.view = 'graphs';
        this.commit(true);
        this.exprInput.value = target;
        this.exprInput.focus();
      },
      openAsGraphs: (graphs) => {
        for (const g of graphs) this.state.graphs.push(emptyGraph(g.targets, g.title));
        this.active = this.state.graphs.length - 1;
        this.state.view = 'graphs';
        this.commit(true);
      },
    });
    registerView({ id: 'graphs', label: 'Graphs', element: $('view-graphs') });
    onChooseView((id) => {
      this.state.view = id === 'requests' ? 'requests' : 'graphs';
      this.commit(true);
    });
    new ServerStatus({ element: $('server-status'), recovered: () => this.recovered() }).start();
    this.wireControls();
    window.addEventListener('popstate', () => {
      this.state = stateFromQuery(location.search);
      this.render();
    });
  }

  async start(): Promise<void> {
    if (this.state.dashboard && this.state.graphs.length === 0) await this.openDashboard(this.state.dashboard, false);
    this.render();
    await this.tree.init();
    // The Requests tab appears once there is tracelog data (or the URL opened it).
    if (this.treeModel.get('tracelog')) this.registerRequestsView();
    await watchForFirstMetric($('empty'), $('empty-command'), $('empty-interval'), () => this.tree.refresh());
  }

  /** sotto answers again after an outage: retry the tree branches and graphs (of either view) that failed meanwhile. */
  private recovered(): void {
    void this.tree.retryFailed();
    for (const card of this.cards.values()) card.retryIfFailed();
    if (this.state.view === 'requests') this.requests.recovered();
  }

  /** The shared time range every card draws. */
  private range(): ReturnType<GraphContext['range']> {
    const r = resolveRange(this.state.from, this.state.until, Date.now() / 1000);
    return { from: this.state.from, until: this.state.until, domain: r ? [r.start, r.end] : null, live: this.state.live && endsNow(this.state.until) };
  }

  /** Writes the state into the URL (a history entry when `push`) and redraws what depends on it. */
  private commit(push: boolean): void {
    const url = `${location.pathname}${stateToQuery(this.state) ? `?${stateToQuery(this.state)}` : ''}`;
    if (url !== `${location.pathname}${location.search}`) history[push ? 'pushState' : 'replaceState'](null, '', url);
    this.render();
  }

  private render(): void {
    const now = Date.now() / 1000;
    document.querySelectorAll<HTMLButtonElement>('#presets button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.from === this.state.from && endsNow(this.state.until))));
    $('range-label').textContent = describeRange(this.state.from, this.state.until, now);
    const live = $('live');
    live.setAttribute('aria-pressed', String(this.state.live));
    live.classList.toggle('on', this.state.live && endsNow(this.state.until));
    document.title = this.state.dashboard ? `${this.state.dashboard} · sotto` : 'sotto';
    if (this.state.view === 'requests') {
      this.registerRequestsView();
      showView('requests');
      this.requests.render();
    } else {
      showView('graphs');
      this.syncGraphs();
    }
  }

  private registerRequestsView(): void {
    if (isRegistered('requests')) return;
    registerView({ id: 'requests', label: 'Requests', element: $('view-requests'), hidden: () => this.requests.hide() });
  }

  private updateRequests(change: Partial<RequestsState>, push: boolean): void {
    this.state.requests = { ...this.state.requests, ...change };
    this.commit(push);
  }

  private syncGraphs(): void {
    const graphs = this.state.graphs;
    this.active = Math.min(Math.max(0, this.active), Math.max(0, graphs.length - 1));
    const keep = new Set(graphs);
    for (const [g, card] of this.cards) {
      if (!keep.has(g)) {
        card.destroy();
        this.cards.delete(g);
      }
    }
    graphs.forEach((g, i) => {
      let card = this.cards.get(g);
      if (!card) this.cards.set(g, (card = new GraphCard(g, this.cardContext())));
      this.graphsEl.appendChild(card.element); // appending an existing node moves it: keeps the order
      card.update(i, graphs.length, i === this.active);
    });
    $('hint').hidden = graphs.length > 0;
    const options = graphs.map((g, i) => el('option', { value: String(i) }, `graph ${i + 1}: ${truncate(g.title || g.targets.join(', '), 40)}`));
    replace(this.exprDest, ...options, el('option', { value: 'new' }, 'a new graph'));
    this.exprDest.value = graphs.length ? String(this.active) : 'new';
  }

  private cardContext(): GraphContext {
    return {
      range: () => this.range(),
      changed: (push) => {
        this.state.graphs = this.state.graphs.filter((g) => g.targets.length > 0);
        this.commit(push);
      },
      zoom: (a, b) => this.setRange(absoluteRange(a, b)),
      zoomOut: () => this.setRange(zoomOut(this.state.from, this.state.until, Date.now() / 1000)),
      activate: (card) => {
        const i = this.state.graphs.indexOf(card.graph);
        if (i < 0 || i === this.active) return;
        this.active = i;
        this.state.graphs.forEach((g, j) => this.cards.get(g)?.place(j, this.state.graphs.length, j === i));
        this.exprDest.value = String(i);
      },
      move: (card, delta) => {
        const gs = this.state.graphs;
        const i = gs.indexOf(card.graph);
        const j = i + delta;
        if (i < 0 || j < 0 || j >= gs.length) return;
        [gs[i], gs[j]] = [gs[j]!, gs[i]!];
        this.active = j;
        this.commit(true);
      },
      remove: (card) => {
        this.state.graphs = this.state.graphs.filter((g) => g !== card.graph);
        this.commit(true);
      },
      editTarget: (target) => {
        this.exprInput.value = target;
        this.exprInput.focus();
      },
      drawn: () => {
        if (this.firstGraphMarked) return;
        this.firstGraphMarked = true;
        performance.mark('sotto:first-graph');
      },
    };
  }

  private setRange(r: { from: string; until: string }): void {
    this.state.from = r.from;
    this.state.until = r.until;
    this.commit(true);
  }

  /** Adds targets to graph `dest` (index) or to a new graph; a target already there is not added twice. */
  private addTargets(targets: string[], dest: number | 'new', title = ''): void {
    this.state.view = 'graphs';
    const graph = dest === 'new' ? undefined : this.state.graphs[dest];
    if (!graph) {
      this.state.graphs.push(emptyGraph(targets, title));
      this.active = this.state.graphs.length - 1;
    } else {
      for (const t of targets) if (!graph.targets.includes(t)) graph.targets.push(t);
      this.active = dest as number;
    }
    this.commit(true);
  }

  private plot(path: string, newGraph: boolean): void {
    this.addTargets([exactTarget(path)], newGraph || this.state.graphs.length === 0 ? 'new' : this.active);
    // On a phone the tree is a drawer over the graphs: fold it to show what was plotted.
    if (window.matchMedia('(max-width: 760px)').matches) this.setSidebar(false);
  }

  private setSidebar(open: boolean): void {
    document.body.classList.toggle('sidebar-open', open);
    $('sidebar-toggle').setAttribute('aria-expanded', String(open));
  }

  private openView(kind: ViewKind, path: string, names: string[]): void {
    if (kind === 'requests') {
      const instances = requestsGlobFor(path, false, null);
      if (instances === null) return;
      this.state.view = 'requests';
      this.state.requests = { ...this.state.requests, instances };
      this.commit(true);
      if (window.matchMedia('(max-width: 760px)').matches) this.setSidebar(false);
      return;
    }
    this.state.view = 'graphs';
    for (const g of statsdView(kind, path, names)) this.state.graphs.push(emptyGraph(g.targets, g.title));
    this.active = this.state.graphs.length - 1;
    this.commit(true);
  }

  private async openDashboard(name: string, commit = true): Promise<void> {
    try {
      const doc = await loadDashboard(name);
      this.state = normalizeState(doc.state, doc.name);
    } catch (err) {
      this.exprError.textContent = `cannot open dashboard “${name}”: ${(err as Error).message}`;
      return;
    }
    if (commit) this.commit(true);
  }

  private metricNames(): Promise<string[]> {
    if (!this.index || Date.now() - this.index.at > INDEX_TTL_MS) {
      const names = metricIndex();
      this.index = { at: Date.now(), names };
      names.then(
        (list) => {
          this.counts = childCounts(list);
          this.tree.schedule();
        },
        () => (this.index = null),
      );
    }
    return this.index.names;
  }

  private async submitExpression(): Promise<void> {
    const target = this.exprInput.value.trim();
    if (!target) return;
    const dest = this.exprDest.value === 'new' ? 'new' : Number(this.exprDest.value);
    this.exprError.textContent = 'checking…';
    try {
      // Ask the server first, so a typo is explained here instead of drawing an empty graph.
      await render({ target, from: this.state.from, until: this.state.until, maxDataPoints: 1 });
    } catch (err) {
      this.exprError.textContent = (err as Error).message;
      this.exprInput.setAttribute('aria-invalid', 'true');
      return;
    }
    this.exprError.textContent = '';
    this.exprInput.removeAttribute('aria-invalid');
    this.exprInput.value = '';
    this.addTargets([target], dest);
  }

  private wireControls(): void {
    replace(
      $('presets'),
      ...PRESETS.map((p) => button(p.label, () => this.setRange({ from: p.from, until: 'now' }), { 'data-from': p.from, title: `last ${p.label} (${p.key})` })),
    );
    $('live').addEventListener('click', () => {
      this.state.live = !this.state.live;
      this.commit(false);
    });
    $('dashboards').addEventListener('click', () => void this.dashboards.show());
    $('help').addEventListener('click', () => $<HTMLDialogElement>('help-dialog').showModal());
    $('expr').addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submitExpression();
    });
    $('sidebar-toggle').addEventListener('click', () => this.setSidebar(!document.body.classList.contains('sidebar-open')));
    wireRangeDialog(() => ({ from: this.state.from, until: this.state.until }), (r) => this.setRange(r));
    $('copy-command').addEventListener('click', () => void navigator.clipboard?.writeText($('empty-command').textContent ?? ''));
    document.addEventListener('keydown', (ev) => this.onShortcut(ev));
  }

  private onShortcut(ev: KeyboardEvent): void {
    // Esc leaves the target box, so the single-key shortcuts work again (search handles its own Esc).
    if (ev.key === 'Escape' && ev.target === this.exprInput) {
      this.exprInput.blur();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(ev.target) || document.querySelector('dialog[open]')) return;
    const preset = PRESETS.find((p) => p.key === ev.key);
    if (preset) this.setRange({ from: preset.from, until: 'now' });
    else if (ev.key === '/') $('search').focus();
    else if (ev.key === 't') this.exprInput.focus();
    else if (ev.key === 'm') this.tree.focus();
    else if (ev.key === '-') this.setRange(zoomOut(this.state.from, this.state.until, Date.now() / 1000));
    else if (ev.key === 'l') $('live').click();
    else if (ev.key === 'd') void this.dashboards.show();
    else if (ev.key === '?') $<HTMLDialogElement>('help-dialog').showModal();
    else return;
    ev.preventDefault();
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

void new App().start();
