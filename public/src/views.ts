// The page's views (tabs in the header). "Graphs" is the metric browser; other views (the
// tracelog "Requests" view, …) register here with their own element and appear as tabs once
// there is more than one.
import { button, replace } from './dom.js';

export interface View {
  id: string;
  label: string;
  element: HTMLElement;
  /** Called when the view becomes visible (e.g. to start fetching). */
  shown?(): void;
  hidden?(): void;
}

const views: View[] = [];
let current: View | null = null;
/** Who decides what a tab click does (the app records the view in the URL); default: show it. */
let choose: (id: string) => void = (id) => showView(id);

export function onChooseView(handler: (id: string) => void): void {
  choose = handler;
}

export function registerView(view: View): void {
  if (views.some((v) => v.id === view.id)) return;
  views.push(view);
  view.element.hidden = view !== current;
  const nav = document.getElementById('views');
  if (!nav) return;
  nav.hidden = views.length < 2;
  replace(nav, ...views.map((v) => button(v.label, () => choose(v.id), { 'data-view': v.id, 'aria-pressed': String(v === current) })));
}

export function isRegistered(id: string): boolean {
  return views.some((v) => v.id === id);
}

export function showView(id: string): void {
  const next = views.find((v) => v.id === id);
  if (!next || next === current) return;
  current?.hidden?.();
  for (const v of views) v.element.hidden = v !== next;
  current = next;
  document.querySelectorAll<HTMLButtonElement>('#views button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.view === id)));
  next.shown?.();
}
