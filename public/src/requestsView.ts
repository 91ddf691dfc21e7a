// The tracelog "Requests" view: pick an instance or a glob of instances (typed, or toggled in
// the list of known instances), and see request rate with the estimated maximum rate and
// restarts, headroom, backlog, errors and application time — graph cards over the /render
// expressions of requests.ts, sharing the page's time range. What is shown lives in the URL
// (`view=requests&inst=…&threads=…&rh=…`), so the view can be shared like any graph.
import { expand, isUnanswered } from './api.js';
import { button, el, replace } from './dom.js';
import { GraphCard, type GraphContext } from './graphs.js';
import { cleanInstanceGlob, globOf, instanceNotes, instanceOf, requestsGraphs, type RequestsGraph } from './requests.js';
import { ALL_INSTANCES, MAX_THREADS, type GraphState, type RequestsState } from './state.js';
import { globToRegExp } from './treeModel.js';

export interface RequestsViewOptions {
  element: HTMLElement;
  state(): RequestsState;
  /** Applies a change of the view's state (`push`: worth a history entry) and re-renders. */
  update(change: Partial<RequestsState>, push: boolean): void;
  range: GraphContext['range'];
  zoom(startSec: number, endSec: number): void;
  zoomOut(): void;
  /** Puts a target into the Graphs view's target box. */
  editTarget(target: string): void;
  /** Copies the graphs into the Graphs view (to edit them or save them in a dashboard). */
  openAsGraphs(graphs: Array<{ title: string; targets: string[] }>): void;
}

interface Discovery {
  at: number;
  /** Every instance key under tracelog. */
  all: string[];
  matched: string[];
  withMaxRate: string[];
  appStats: string[];
  totalStats: string[];
}

const DISCOVERY_TTL_MS = 30_000;

export class RequestsView {
  private readonly form: HTMLFormElement;
  private readonly instInput: HTMLInputElement;
  private readonly threadsInput: HTMLInputElement;
  private readonly title: HTMLElement;
  private readonly chooser: HTMLElement;
  private readonly note: HTMLElement;
  private readonly graphsEl: HTMLElement;
  private cards: GraphCard[] = [];
  private graphs: RequestsGraph[] = [];
  private cardsKey = '';
  private readonly discoveries = new Map<string, Discovery>();
  private seq = 0;
  /** The last listing of the instances failed because sotto did not answer (tried again on recovery). */
  private discoveryUnanswered = false;

  constructor(private readonly opts: RequestsViewOptions) {
    const q = <T extends HTMLElement>(sel: string) => opts.element.querySelector(sel) as T;
    this.form = q<HTMLFormElement>('.requests-form');
    this.instInput = q<HTMLInputElement>('#requests-inst');
    this.threadsInput = q<HTMLInputElement>('#requests-threads');
    this.threadsInput.max = String(MAX_THREADS);
    this.title = q('#requests-title');
    this.chooser = q('#requests-chooser');
    this.note = q('#requests-note');
    this.graphsEl = q('#requests-graphs');
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const threads = Number(this.threadsInput.value);
      this.opts.update(
        { instances: this.instInput.value.trim() || ALL_INSTANCES, threads: Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS ? threads : 1 },
        true,
      );
    });
    q('#requests-open').addEventListener('click', () => {
      if (this.graphs.length) this.opts.openAsGraphs(this.graphs.map((g) => ({ title: g.title, targets: g.targets })));
    });
  }

  /** Shows the state: form, instance list, notes, and the graphs (fetched as needed). */
  render(): void {
    const state = this.opts.state();
    if (document.activeElement !== this.instInput) this.instInput.value = state.instances;
    if (document.activeElement !== this.threadsInput) this.threadsInput.value = String(state.threads);
    const glob = cleanInstanceGlob(state.instances);
    if (glob === null) {
      this.title.textContent = 'Requests';
      replace(this.note, el('p', { class: 'error' }, `“${state.instances}” is not an instance key or a glob of keys (one name component: letters, digits, _ - and * ? [..] {a,b}).`));
      this.clearCards();
      return;
    }
    const seq = ++this.seq;
    this.discoveryUnanswered = false;
    void this.discover(glob).then(
      (found) => {
        if (seq === this.seq) this.show(glob, state, found);
      },
      (err: Error) => {
        if (seq !== this.seq) return;
        this.discoveryUnanswered = isUnanswered(err);
        replace(this.note, el('p', { class: 'error' }, `cannot list the tracelog instances: ${err.message}`));
      },
    );
  }

  /**
   * sotto answers again after an outage: loads again what failed because it did not answer (the
   * graphs, and the list of instances); what failed for another reason stays as it is.
   */
  recovered(): void {
    for (const card of this.cards) card.retryIfFailed();
    if (this.discoveryUnanswered) this.render();
  }

  /** Stops the cards (their live updates) while the view is hidden. */
  hide(): void {
    this.seq++;
    this.discoveryUnanswered = false;
    this.clearCards();
  }

  private async discover(glob: string): Promise<Discovery> {
    const cached = this.discoveries.get(glob);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached;
    const base = `tracelog.${glob}`;
    const queries = ['tracelog.*', base, `${base}.max_rate`, `${base}.timers.app.*`, `${base}.timers.total.*`];
    const found = await expand(queries);
    const names = (q: string) => found.get(q) ?? [];
    const instances = (q: string) => [...new Set(names(q).map(instanceOf).filter((i): i is string => i !== null))].sort();
    const leafNames = (q: string) => [...new Set(names(q).map((p) => p.slice(p.lastIndexOf('.') + 1)))];
    const d: Discovery = {
      at: Date.now(),
      all: instances('tracelog.*'),
      matched: instances(base),
      withMaxRate: instances(`${base}.max_rate`),
      appStats: leafNames(`${base}.timers.app.*`),
      totalStats: leafNames(`${base}.timers.total.*`),
    };
    this.discoveries.set(glob, d);
    return d;
  }

  private show(glob: string, state: RequestsState, found: Discovery): void {
    const n = found.matched.length;
    this.title.textContent = n === 0 ? `Requests: ${glob}` : n === 1 ? `Requests: ${found.matched[0]}` : `Requests: ${n} instances summed (${glob})`;
    document.title = `Requests ${glob} · sotto`;
    this.renderChooser(glob, found);
    const notes = found.all.length === 0 ? ['sotto has no tracelog data yet. Point it at request trace logs: sotto serve --tracelog /var/log/zope/'] : instanceNotes(found.matched, found.withMaxRate, glob);
    replace(this.note, ...notes.map((text) => el('p', { class: 'note' }, text)));
    if (n === 0) {
      this.graphs = [];
      this.clearCards();
      return;
    }
    this.graphs = requestsGraphs(glob, { threads: state.threads, appStats: found.appStats, totalStats: found.totalStats });
    const key = JSON.stringify(this.graphs.map((g) => g.targets));
    if (key !== this.cardsKey) {
      this.clearCards();
      this.cardsKey = key;
      this.cards = this.graphs.map((g) => {
        const graph: GraphState = { targets: g.targets, title: g.title, hidden: [] };
        const card = new GraphCard(graph, this.cardContext(), { fixed: true, unit: g.unit });
        card.element.dataset.requestsGraph = g.id;
        return card;
      });
      replace(this.graphsEl, ...this.cards.map((c) => c.element));
    }
    const hidden = new Set(state.hidden);
    this.cards.forEach((card, i) => {
      const mine = this.graphs[i]!.series.filter((s) => hidden.has(s));
      const changed = mine.join('\n') !== card.graph.hidden.join('\n');
      card.graph.hidden = mine;
      card.update(i, this.cards.length, false);
      if (changed) card.draw();
    });
  }

  /** The known instances as toggle buttons: pressed = part of the sum. */
  private renderChooser(glob: string, found: Discovery): void {
    if (found.all.length < 2) {
      replace(this.chooser);
      return;
    }
    let re: RegExp | null = null;
    try {
      re = globToRegExp(glob);
    } catch {
      re = null;
    }
    const selected = found.all.filter((i) => re?.test(i));
    const label = el('span', { class: 'muted' }, 'Sum of:');
    const all = button('all', () => this.opts.update({ instances: ALL_INSTANCES }, true), { class: 'inst-all', 'aria-pressed': String(glob === ALL_INSTANCES) });
    const toggles = found.all.map((inst) => {
      const on = selected.includes(inst);
      return button(
        inst,
        () => {
          const next = on ? selected.filter((s) => s !== inst) : [...selected, inst];
          if (next.length) this.opts.update({ instances: globOf(next, found.all) }, true);
        },
        { class: 'inst-toggle', 'data-instance': inst, 'aria-pressed': String(on), title: on ? `leave ${inst} out` : `add ${inst}` },
      );
    });
    replace(this.chooser, label, all, ...toggles);
  }

  private cardContext(): GraphContext {
    return {
      range: () => this.opts.range(),
      changed: () => {
        // A legend toggle: the view's hidden list is what the cards hide now.
        const hidden = new Set(this.opts.state().hidden);
        this.cards.forEach((card, i) => {
          for (const s of this.graphs[i]!.series) hidden.delete(s);
          for (const h of card.graph.hidden) hidden.add(h);
        });
        this.opts.update({ hidden: [...hidden] }, false);
      },
      zoom: (a, b) => this.opts.zoom(a, b),
      zoomOut: () => this.opts.zoomOut(),
      activate: () => undefined,
      move: () => undefined,
      remove: () => undefined,
      editTarget: (target) => this.opts.editTarget(target),
      drawn: () => undefined,
    };
  }

  private clearCards(): void {
    for (const c of this.cards) c.destroy();
    this.cards = [];
    this.cardsKey = '';
    replace(this.graphsEl);
  }
}
