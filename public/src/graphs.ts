// A graph card: title and controls, its targets as removable chips, inline API errors, the
// chart and its legend. Fetches its own data (one /render per target, so an error names the
// target that caused it) and, for a range ending now, refreshes after each flush via /stream.
import { isUnanswered, render, watch, type ApiError } from './api.js';
import { Chart, renderLegend } from './chart.js';
import { LEGEND_LIMIT, legendSlice, type PlotSeries } from './chartModel.js';
import { button, el, replace } from './dom.js';
import { unitOf, type Unit } from './format.js';
import { takePrefetched } from './prefetch.js';
import type { GraphState } from './state.js';
import { formatClock } from './time.js';

export interface GraphContext {
  /** The shared time range: graphite expressions plus the resolved domain (null if unknown). */
  range(): { from: string; until: string; domain: [number, number] | null; live: boolean };
  /** The graph's state was changed by the card (`push`: worth a history entry). */
  changed(push: boolean): void;
  zoom(startSec: number, endSec: number): void;
  zoomOut(): void;
  activate(card: GraphCard): void;
  move(card: GraphCard, delta: number): void;
  remove(card: GraphCard): void;
  editTarget(target: string): void;
  /** A chart with data was drawn (the page measures load → first graph). */
  drawn(): void;
}

/** A card of a fixed set (the Requests view): no move/remove, and the view knows the unit. */
export interface CardOptions {
  fixed?: boolean;
  unit?: Unit;
}

const POLL_MS = 10_000;

export class GraphCard {
  readonly element: HTMLElement;
  private readonly chart: Chart;
  private readonly title = el('h2', { class: 'graph-title' });
  private readonly status = el('span', { class: 'graph-status' });
  private readonly liveStatus = el('span', { class: 'graph-live', title: 'updated after each flush (/stream)' });
  /** Refreshes triggered by the event stream (also shown as `data-live-updates`). */
  private liveUpdates = 0;
  private readonly targetList = el('ul', { class: 'targets', 'aria-label': 'targets' });
  private readonly errors = el('div', { class: 'graph-error', role: 'alert' });
  private readonly legend = el('table', { class: 'legend' });
  /** The legend's box: scrolls when a long legend is expanded, so the card keeps a bounded height. */
  private readonly legendBox = el('div', { class: 'legend-box' }, this.legend);
  private readonly legendMore = el('button', { type: 'button', class: 'legend-more', hidden: true });
  /** All legend entries shown (past the first LEGEND_LIMIT). Not in the URL: a view detail. */
  private legendExpanded = false;
  private readonly upButton: HTMLButtonElement;
  private readonly downButton: HTMLButtonElement;
  private series: PlotSeries[] = [];
  private loadedKey = '';
  private abort: AbortController | null = null;
  private stopWatching: (() => void) | null = null;
  private watchKey = '';
  private poll = 0;
  private pending = 0;
  /** The last load could not reach sotto for some target (retried when it answers again). */
  private unreachable = false;

  constructor(
    readonly graph: GraphState,
    private readonly ctx: GraphContext,
    private readonly options: CardOptions = {},
  ) {
    this.chart = new Chart({ onZoom: (a, b) => ctx.zoom(a, b), onZoomOut: () => ctx.zoomOut() });
    this.upButton = button('↑', () => ctx.move(this, -1), { class: 'icon-button', 'aria-label': 'move graph up', title: 'move up' });
    this.downButton = button('↓', () => ctx.move(this, 1), { class: 'icon-button', 'aria-label': 'move graph down', title: 'move down' });
    const remove = button('×', () => ctx.remove(this), { class: 'icon-button', 'aria-label': 'remove graph', title: 'remove graph' });
    const tools = options.fixed ? null : el('span', { class: 'graph-tools' }, this.upButton, this.downButton, remove);
    const header = el('header', { class: 'graph-header' }, this.title, this.status, this.liveStatus, tools);
    this.element = el('section', { class: 'graph-card' }, header, this.targetList, this.errors, this.chart.element, this.legendBox, this.legendMore);
    this.legendMore.addEventListener('click', () => {
      this.legendExpanded = !this.legendExpanded;
      this.draw();
    });
    this.element.addEventListener('pointerdown', () => ctx.activate(this));
    this.element.addEventListener('focusin', () => ctx.activate(this));
  }

  /** Marks the card's place (index among `total`, whether new series go here): cheap, no redraw. */
  place(index: number, total: number, active: boolean): void {
    this.element.classList.toggle('active', active);
    this.element.setAttribute('aria-label', `graph ${index + 1}`);
    this.upButton.disabled = index === 0;
    this.downButton.disabled = index === total - 1;
    this.status.textContent = active && total > 1 ? 'new series go here' : '';
  }

  /** Shows the graph's targets and fetches data if the targets or the time range changed. */
  update(index: number, total: number, active: boolean): void {
    this.place(index, total, active);
    this.title.textContent = this.graph.title || this.graph.targets.join(', ');
    replace(this.targetList, ...this.graph.targets.map((t) => this.chip(t)));
    const { from, until } = this.ctx.range();
    const stale = `${from}\n${until}\n${this.graph.targets.join('\n')}` !== this.loadedKey;
    if (stale) void this.load();
    this.syncLive(!stale);
  }

  private chip(target: string): HTMLElement {
    if (this.options.fixed) {
      return el('li', { class: 'target-chip' }, button(target, () => this.ctx.editTarget(target), { class: 'target-edit', title: 'edit a copy in the Graphs view' }));
    }
    return el(
      'li',
      { class: 'target-chip' },
      button(target, () => this.ctx.editTarget(target), { class: 'target-edit', title: 'edit in the target box' }),
      button(
        '×',
        () => {
          this.graph.targets = this.graph.targets.filter((t) => t !== target);
          this.ctx.changed(true);
        },
        { class: 'target-remove', 'aria-label': `remove target ${target}` },
      ),
    );
  }

  /** Fetches every target for the current range, then draws. */
  async load(): Promise<void> {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    const { from, until } = this.ctx.range();
    this.loadedKey = `${from}\n${until}\n${this.graph.targets.join('\n')}`;
    this.element.classList.add('loading');
    const maxDataPoints = this.chart.plotWidth();
    const results = await Promise.allSettled(
      this.graph.targets.map((target) => takePrefetched(target, from, until) ?? render({ target, from, until, maxDataPoints }, abort.signal)),
    );
    if (abort.signal.aborted) return;
    this.element.classList.remove('loading');
    const series: PlotSeries[] = [];
    const problems: HTMLElement[] = [];
    this.unreachable = results.some((r) => r.status === 'rejected' && isUnanswered(r.reason));
    results.forEach((r, i) => {
      const target = this.graph.targets[i]!;
      if (r.status === 'rejected') problems.push(el('p', {}, el('code', {}, target), `: ${(r.reason as ApiError).message}`));
      else if (r.value.length === 0) problems.push(el('p', { class: 'note' }, el('code', {}, target), ': no metric matches this target'));
      else series.push(...r.value);
    });
    this.series = series;
    replace(this.errors, ...problems);
    this.draw();
  }

  /** Loads again if the last load could not reach sotto. */
  retryIfFailed(): void {
    if (this.unreachable) void this.load();
  }

  /** Redraws from the data already fetched (legend toggles, resize). */
  draw(): void {
    const hidden = new Set(this.graph.hidden);
    // From the targets, not the series names: an alias or aliasByNode drops the path.
    const unit = this.options.unit ?? commonUnit(this.graph.targets);
    this.chart.update({ series: this.series, hidden, domain: this.ctx.range().domain, unit });
    const { shown, more } = legendSlice(this.series.length, this.legendExpanded);
    renderLegend(
      this.legend,
      this.series,
      hidden,
      unit,
      (name) => {
        const h = new Set(this.graph.hidden);
        if (h.has(name)) h.delete(name);
        else h.add(name);
        this.graph.hidden = [...h];
        this.draw();
        this.ctx.changed(false);
      },
      shown,
    );
    const long = legendSlice(this.series.length, false).more > 0;
    this.legendBox.classList.toggle('expanded', long && this.legendExpanded);
    this.legendMore.hidden = !long;
    this.legendMore.textContent = more ? `+${more} more` : 'show fewer';
    this.legendMore.title = more ? `show all ${this.series.length} series in the legend` : `show the first ${LEGEND_LIMIT} only`;
    if (this.series.some((s) => s.points.some((p) => p[1] !== null))) this.ctx.drawn();
  }

  /**
   * Watches /stream while the range ends now and live updates are on; falls back to polling.
   * `catchUp`: fetch at once when watching starts (live resumed; points may have come meanwhile).
   */
  private syncLive(catchUp: boolean): void {
    const { live } = this.ctx.range();
    const key = live ? this.graph.targets.join('\n') : '';
    if (key === this.watchKey) return;
    this.stopLive();
    this.watchKey = key;
    if (!key) return;
    this.liveStatus.textContent = 'live';
    this.stopWatching = watch(
      this.graph.targets,
      () => {
        this.liveUpdates++;
        this.element.dataset.liveUpdates = String(this.liveUpdates);
        this.liveStatus.textContent = `live · ${formatClock(Date.now() / 1000)}`;
        this.refreshSoon();
      },
      () => {
        this.stopWatching = null;
        this.liveStatus.textContent = 'live (polling)';
        this.poll = window.setInterval(() => this.refreshSoon(), POLL_MS);
      },
    );
    if (catchUp) this.refreshSoon();
  }

  /** Coalesces a burst of flush events into one fetch; waits while the user is brushing. */
  private refreshSoon(): void {
    if (this.pending) return;
    this.pending = window.setTimeout(() => {
      this.pending = 0;
      if (this.chart.brushing) this.refreshSoon();
      else void this.load();
    }, 150);
  }

  private stopLive(): void {
    this.liveStatus.textContent = '';
    this.stopWatching?.();
    this.stopWatching = null;
    clearInterval(this.poll);
    this.poll = 0;
    this.watchKey = '';
  }

  destroy(): void {
    this.abort?.abort();
    this.stopLive();
    clearTimeout(this.pending);
    this.element.remove();
  }
}

/** The y axis unit: the one all series share (markers aside: they have no y), else plain numbers. */
function commonUnit(names: string[]): Unit {
  const plotted = names.filter((n) => !n.includes('drawAsInfinite('));
  const units = new Set((plotted.length ? plotted : names).map(unitOf));
  return units.size === 1 ? [...units][0]! : 'none';
}
