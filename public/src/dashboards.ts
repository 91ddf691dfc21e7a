// The dashboards dialog: save the page under a name (replacing, or only as a new name), with an
// optional author remembered in this browser; list the saved ones; open or delete one.
import { ApiError, deleteDashboard, listDashboards, saveDashboard, type DashboardSummary } from './api.js';
import { button, el, replace } from './dom.js';
import { formatDateTime } from './time.js';

export interface DashboardDialogOptions {
  dialog: HTMLDialogElement;
  /** The name the page was opened from or last saved under. */
  currentName(): string | null;
  /** The state to save (the page's, without the dashboard name). */
  currentState(): unknown;
  saved(name: string): void;
  open(name: string): void;
}

const AUTHOR_KEY = 'sotto.author';

export class DashboardDialog {
  private readonly name = el('input', { type: 'text', name: 'name', maxlength: 100, required: true, autocomplete: 'off', 'aria-describedby': 'dash-name-help' });
  private readonly author = el('input', { type: 'text', name: 'author', maxlength: 100, autocomplete: 'name' });
  private readonly message = el('p', { class: 'dash-message', role: 'status' });
  private readonly list = el('ul', { class: 'dash-list', 'aria-label': 'saved dashboards' });

  constructor(private readonly opts: DashboardDialogOptions) {
    const save = button('Save', () => void this.save(false), { class: 'primary' });
    const saveNew = button('Save as new', () => void this.save(true));
    const close = button('Close', () => opts.dialog.close(), { class: 'dialog-close' });
    const form = el(
      'form',
      { class: 'dash-form', method: 'dialog' },
      el('label', {}, 'Name ', this.name),
      el('small', { id: 'dash-name-help' }, 'letters, digits, space, _ . -'),
      el('label', {}, 'Author (optional) ', this.author),
      el('div', { class: 'dash-buttons' }, save, saveNew),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.save(false);
    });
    replace(opts.dialog, el('h2', {}, 'Dashboards'), form, this.message, el('h3', {}, 'Saved'), this.list, close);
  }

  async show(): Promise<void> {
    this.name.value = this.opts.currentName() ?? '';
    this.author.value = localStorage.getItem(AUTHOR_KEY) ?? '';
    this.message.textContent = '';
    if (!this.opts.dialog.open) this.opts.dialog.showModal();
    this.name.focus();
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    let items: DashboardSummary[];
    try {
      items = await listDashboards();
    } catch (err) {
      replace(this.list, el('li', { class: 'error' }, `cannot list dashboards: ${(err as Error).message}`));
      return;
    }
    if (!items.length) {
      replace(this.list, el('li', { class: 'muted' }, 'none saved yet'));
      return;
    }
    replace(this.list, ...items.map((d) => this.item(d)));
  }

  private item(d: DashboardSummary): HTMLElement {
    const meta = [d.author ? `by ${d.author}` : '', d.updated && Number.isFinite(Date.parse(d.updated)) ? formatDateTime(Date.parse(d.updated) / 1000, false) : '', d.error ?? ''].filter(Boolean).join(' · ');
    const open = button(d.name, () => {
      this.opts.dialog.close();
      this.opts.open(d.name);
    }, { class: 'dash-open', 'data-name': d.name });
    const del = button('delete', () => void this.remove(d.name), { class: 'dash-delete', 'aria-label': `delete dashboard ${d.name}` });
    return el('li', {}, open, el('span', { class: 'muted' }, meta), del);
  }

  private async save(createOnly: boolean): Promise<void> {
    const name = this.name.value.trim();
    const author = this.author.value.trim();
    if (!name) {
      this.message.textContent = 'give the dashboard a name';
      this.name.focus();
      return;
    }
    localStorage.setItem(AUTHOR_KEY, author);
    try {
      await saveDashboard(name, author, this.opts.currentState(), createOnly);
    } catch (err) {
      const conflict = err instanceof ApiError && err.status === 409;
      this.message.textContent = conflict ? `“${name}” already exists: pick another name, or Save to replace it` : `not saved: ${(err as Error).message}`;
      this.message.classList.add('error');
      return;
    }
    this.message.classList.remove('error');
    this.message.textContent = `saved as “${name}”`;
    this.opts.saved(name);
    await this.refresh();
  }

  private async remove(name: string): Promise<void> {
    if (!window.confirm(`Delete the dashboard “${name}” for everyone?`)) return;
    try {
      await deleteDashboard(name);
      this.message.textContent = `deleted “${name}”`;
    } catch (err) {
      this.message.textContent = `not deleted: ${(err as Error).message}`;
    }
    await this.refresh();
  }
}
