// The search box above the tree: plain text matches anywhere in a metric name, a graphite glob
// (`stats.timers.*.mean`, `*login*`) matches names or components. Results list under the box;
// arrows move through them, Enter (or a click) jumps to the match in the tree.
import { el, replace } from './dom.js';
import { formatCount } from './format.js';
import { highlightRanges, searchNames } from './treeModel.js';

const LIMIT = 200;
const DEBOUNCE_MS = 120;

export interface SearchOptions {
  input: HTMLInputElement;
  results: HTMLElement;
  status: HTMLElement;
  /** All metric names (cached by the caller). */
  names(): Promise<string[]>;
  /** Jump to a match. */
  onChoose(path: string): void;
  /** Called with true while results are shown (the tree hides behind them). */
  onActive(active: boolean): void;
}

export class SearchBox {
  private matches: string[] = [];
  private active = 0;
  private timer = 0;
  private seq = 0;
  /** The query the shown results belong to. */
  private shownQuery = '';

  constructor(private readonly opts: SearchOptions) {
    opts.input.setAttribute('role', 'combobox');
    opts.input.setAttribute('aria-autocomplete', 'list');
    opts.input.setAttribute('aria-expanded', 'false');
    opts.input.setAttribute('aria-controls', opts.results.id);
    opts.results.setAttribute('role', 'listbox');
    opts.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.run(), DEBOUNCE_MS);
    });
    opts.input.addEventListener('keydown', (ev) => this.onKey(ev));
    opts.results.addEventListener('click', (ev) => {
      const li = (ev.target as HTMLElement).closest<HTMLElement>('[role=option]');
      if (li?.dataset.path) this.choose(li.dataset.path);
    });
  }

  clear(): void {
    this.opts.input.value = '';
    void this.run();
  }

  /** Runs the search for the box's current text now. */
  async run(): Promise<void> {
    const query = this.opts.input.value;
    const seq = ++this.seq;
    if (!query.trim()) {
      this.show([], '', query);
      return;
    }
    let names: string[];
    try {
      this.opts.status.textContent = 'searching…';
      names = await this.opts.names();
    } catch (err) {
      if (seq === this.seq) this.show([], `search failed: ${(err as Error).message}`, query);
      return;
    }
    if (seq !== this.seq) return; // a newer keystroke won
    const result = searchNames(names, query, LIMIT);
    const status = result.error
      ? `not a valid glob: ${result.error}`
      : result.total === 0
        ? 'no metric matches'
        : result.total > result.matches.length
          ? `first ${formatCount(result.matches.length)} of ${formatCount(result.total)} matches`
          : `${formatCount(result.total)} match${result.total === 1 ? '' : 'es'}`;
    this.show(result.matches, status, query);
  }

  private show(matches: string[], status: string, query: string): void {
    this.matches = matches;
    this.active = 0;
    this.shownQuery = query;
    this.opts.status.textContent = status;
    const on = query.trim().length > 0;
    this.opts.input.setAttribute('aria-expanded', String(on && matches.length > 0));
    replace(this.opts.results, ...matches.map((m, i) => this.item(m, i, query)));
    this.opts.results.hidden = !on;
    this.opts.onActive(on);
    this.mark();
  }

  private item(path: string, i: number, query: string): HTMLElement {
    const li = el('li', { role: 'option', id: `search-option-${i}`, 'data-path': path, title: path });
    let at = 0;
    for (const [start, end] of highlightRanges(path, query)) {
      li.append(path.slice(at, start), el('mark', {}, path.slice(start, end)));
      at = end;
    }
    li.append(path.slice(at));
    return li;
  }

  private mark(): void {
    const items = this.opts.results.querySelectorAll<HTMLElement>('[role=option]');
    items.forEach((item, i) => item.setAttribute('aria-selected', String(i === this.active)));
    const current = items[this.active];
    if (current) {
      this.opts.input.setAttribute('aria-activedescendant', current.id);
      current.scrollIntoView({ block: 'nearest' });
    } else this.opts.input.removeAttribute('aria-activedescendant');
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      if (!this.matches.length) return;
      const delta = ev.key === 'ArrowDown' ? 1 : -1;
      this.active = (this.active + delta + this.matches.length) % this.matches.length;
      this.mark();
    } else if (ev.key === 'Enter') {
      clearTimeout(this.timer);
      // Enter right after typing: search first, then jump to the first match.
      const ready = this.shownQuery === this.opts.input.value ? Promise.resolve() : this.run();
      void ready.then(() => {
        const path = this.matches[this.active];
        if (path) this.choose(path);
      });
    } else if (ev.key === 'Escape') {
      if (!this.opts.input.value) this.opts.input.blur();
      this.clear();
    } else return;
    ev.preventDefault();
  }

  private choose(path: string): void {
    this.clear();
    this.opts.onChoose(path);
  }
}
