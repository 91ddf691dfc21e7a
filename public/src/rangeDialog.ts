// The custom range dialog: start and end as `datetime-local` values in the browser's time zone.
import { absoluteRange, fromLocalInput, resolveRange, toLocalInput } from './time.js';

type Range = { from: string; until: string };

export function wireRangeDialog(current: () => Range, apply: (r: Range) => void): void {
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const dialog = $<HTMLDialogElement>('range-dialog');
  const from = $<HTMLInputElement>('range-from');
  const until = $<HTMLInputElement>('range-until');
  const error = $('range-error');
  $('custom-range').addEventListener('click', () => {
    const { from: f, until: u } = current();
    const r = resolveRange(f, u, Date.now() / 1000);
    from.value = r ? toLocalInput(r.start) : '';
    until.value = r ? toLocalInput(r.end) : '';
    error.textContent = '';
    dialog.showModal();
  });
  $('range-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const a = fromLocalInput(from.value);
    const b = until.value ? fromLocalInput(until.value) : Math.floor(Date.now() / 1000);
    if (a === null || b === null || a >= b) {
      error.textContent = 'choose a start before the end';
      return;
    }
    dialog.close();
    apply(absoluteRange(a, b));
  });
  $('range-cancel').addEventListener('click', () => dialog.close());
}
