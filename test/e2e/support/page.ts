// Reading the page in the browser tests: the URL's state, drawn series, and the check that a
// page stayed clean (no errors, no dialogs, no unexpected failed requests).
import type { Locator, Page } from 'playwright-core';
import type { Test } from 'tap';
import { pathStats, type WatchedPage } from './browser.js';

export const params = (page: Page) => new URL(page.url()).searchParams;

/** A locator whose waitFor waits for presence (a flat line has a zero-height box, which playwright calls hidden). */
export function present(locator: Locator): Locator {
  return Object.assign(locator, { waitFor: (o: { state?: 'attached' | 'detached' } = {}) => locator.first().waitFor({ state: o.state ?? 'attached' }) });
}

/** The line of series `name` in the `card`-th graph card of the page. */
export function seriesPath(page: Page, name: string, card = 0): Locator {
  return present(page.locator('.graph-card').nth(card).locator(`path.series-line[data-series="${name}"]`));
}

export async function pathOf(page: Page, name: string, card = 0): Promise<{ points: number; segments: number; d: string }> {
  const d = (await seriesPath(page, name, card).getAttribute('d')) ?? '';
  return { ...pathStats(d), d };
}

/** The points of an SVG path from d3.line, in order: [[x, y], …]. */
export function pathPoints(d: string): Array<[number, number]> {
  return [...d.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** No page errors, no dialogs, and no failed requests other than those `expected` matches. */
export function clean(t: Test, w: WatchedPage, expected?: RegExp): void {
  t.same(w.errors, [], 'the page logged no errors');
  t.same(w.dialogs, [], 'no dialog opened');
  t.same(expected ? w.failed.filter((f) => !expected.test(f)) : w.failed, [], 'no request failed unexpectedly');
}
