/// <reference lib="dom" />
// The tracelog Requests view in the browser (run from browser.test.ts, on its sotto and
// Chromium): opened from the tree and from a shared URL, for one instance and summed over both,
// with every graph's points and a headroom value checked against the fixture (tracelogValue in
// support/fixtures.ts) through the documented formula; keyboard use; instance text as text.
// (server-status.test.ts uses drawn() and line() for the view's recovery after an outage.)
import type { Test } from 'tap';
import type { BrowserContext, Page } from 'playwright-core';
import { formatValue } from '../../public/src/format.js';
import { KEEP_LAST } from '../../public/src/requests.js';
import { openPage, pathStats } from './support/browser.js';
import { STEP, TRACELOG_INSTANCES, tracelogValue, type TracelogInstance } from './support/fixtures.js';
import { clean, params, pathPoints, present } from './support/page.js';

export interface RequestsEnv {
  base: string;
  context: BrowserContext;
  T0: number;
  tz: string;
}

const N = 60; // fixture steps; graphite's window (T0, T0+600] reads steps 1…60, the last empty

/** graphite's keepLastValue(limit) over steps 0…N: a run of ≤ limit nulls after a value takes it. */
function keptMaxRate(inst: TracelogInstance): Array<number | null> {
  const raw = Array.from({ length: N + 1 }, (_, i) => (i < N ? tracelogValue.maxRate(inst, i) : null));
  const out = raw.slice();
  for (let i = 1; i <= N; i++) {
    if (raw[i] !== null) continue;
    let start = i;
    while (start > 0 && raw[start - 1] === null) start--;
    let end = i;
    while (end < N && raw[end + 1] === null) end++;
    if (start > 0 && end - start + 1 <= KEEP_LAST) out[i] = raw[start - 1]!;
  }
  return out;
}

/** The documented headroom 100 − 100·ΣR/ΣM at step i for the instances summed. */
function headroom(insts: readonly TracelogInstance[], i: number): number {
  const r = insts.reduce((a, inst) => a + tracelogValue.rate(inst, i), 0);
  const m = insts.reduce((a, inst) => a + (keptMaxRate(inst)[i] ?? 0), 0);
  return 100 - (100 * r) / m;
}

const card = (page: Page, id: string) => page.locator(`#requests-graphs .graph-card[data-requests-graph="${id}"]`);
export const line = (page: Page, id: string, series: string) => present(card(page, id).locator(`path.series-line[data-series="${series}"]`));

/** Hovers the `index`-th drawn point of a card's series and returns the crosshair's value for it. */
async function valueAtPoint(page: Page, id: string, series: string, index: number): Promise<string> {
  const d = (await line(page, id, series).getAttribute('d')) ?? '';
  const [x, y] = pathPoints(d)[index]!;
  await card(page, id).scrollIntoViewIfNeeded();
  const box = (await card(page, id).locator('.brush .overlay').boundingBox())!;
  await page.mouse.move(box.x + x, box.y + y);
  const tip = card(page, id).locator('.chart-tip:not([hidden])');
  await tip.waitFor();
  return (await tip.locator('.tip-value').first().textContent()) ?? '';
}

/** Waits until every graph of the view has drawn its lines. */
export async function drawn(page: Page): Promise<void> {
  for (const [id, series] of [['rate', 'max rate'], ['headroom', 'headroom'], ['backlog', 'active'], ['errors', 'errors'], ['time', 'max']] as const) await line(page, id, series).waitFor();
}

export function requestsViewTests(t: Test, env: RequestsEnv): void {
  const { base, context, T0 } = env;
  const window10 = `from=${T0}&until=${T0 + 600}`;

  t.test('the Requests view opens from the tree: rate with max rate and restarts, headroom, backlog, errors, app time', async (t) => {
    const w = await openPage(t, context, 'requests-tree');
    await w.page.goto(`${base}/?${window10}`);
    await w.page.locator('#views button[data-view="requests"]').waitFor();
    t.pass('the Requests tab appears when there is tracelog data');
    await w.page.locator('.tree-row[data-path="tracelog"]').click();
    const row = w.page.locator('.tree-row[data-path="tracelog.web1"]');
    await row.locator('button.view[data-kind="requests"]').click();
    await drawn(w.page);
    t.same([params(w.page).get('view'), params(w.page).get('inst')], ['requests', 'web1'], 'the URL holds the view and the instance');
    t.ok(await w.page.locator('#view-graphs').isHidden(), 'the Graphs view steps aside');
    t.equal(await w.page.locator('#requests-title').textContent(), 'Requests: web1');
    t.same(await w.page.locator('#requests-graphs .graph-title').allTextContents(), [
      'Request rate and estimated maximum rate',
      'Headroom: (max rate − rate) / max rate',
      'Backlog (waiting for an app thread) and active requests',
      'Errors (5xx and Error:)',
      'Application time (C→A)',
    ]);

    // Steps 1…59 have data; max rate (keepLastValue) also bridges web1's idle steps 10–12 and the last step.
    const expected: Array<[string, string, number]> = [
      ['rate', 'rate', 59], ['rate', 'max rate', 60], ['headroom', 'headroom', 59], ['backlog', 'backlog', 59], ['backlog', 'backlog peak', 59],
      ['backlog', 'active', 59], ['errors', 'errors', 59], ...['mean', 'median', 'p90', 'p95', 'p99', 'max'].map((s): [string, string, number] => ['time', s, 59]),
    ];
    for (const [id, series, points] of expected) {
      const stats = pathStats(await line(w.page, id, series).getAttribute('d'));
      t.same([stats.points, stats.segments], [points, 1], `${id}/${series}: ${points} points, no gap`);
    }

    // Headroom at step 11, inside web1's idle stretch: its last max_rate (step 9) is kept.
    t.equal(await valueAtPoint(w.page, 'headroom', 'headroom', 10), formatValue(headroom(['web1'], 11), 'percent'), 'headroom at step 11 = (max_rate₉ − rate₁₁) / max_rate₉');
    t.ok((await card(w.page, 'headroom').locator('.y-axis .tick text').allTextContents()).every((l) => l.endsWith('%')), 'the headroom axis is in %');
    t.equal(await valueAtPoint(w.page, 'rate', 'rate', 4), formatValue(tracelogValue.rate('web1', 5), 'perSecond'), 'rate at step 5');

    // The restart at step 25 is a vertical line at that step's time.
    const markers = card(w.page, 'rate').locator('line.series-marker');
    t.equal(await markers.count(), 1, 'one restart marker');
    const rateX = pathPoints((await line(w.page, 'rate', 'rate').getAttribute('d'))!)[24]![0];
    t.ok(Math.abs(Number(await markers.getAttribute('x1')) - rateX) < 0.5, 'at step 25');
    t.equal(await card(w.page, 'rate').locator('.legend-row[data-series="restarts"] td.num').first().textContent(), '1 line');
    t.same(await card(w.page, 'rate').locator('.target-edit').allTextContents(), [
      'alias(sumSeries(tracelog.web1.requests.rate), "rate")',
      `alias(sumSeries(keepLastValue(tracelog.web1.max_rate, ${KEEP_LAST})), "max rate")`,
      'alias(drawAsInfinite(sumSeries(tracelog.web1.restarts.count)), "restarts")',
    ], 'the graphs are plain /render targets, shown');
    clean(t, w);
  });

  t.test('summed over both instances: chosen in the view, the copied URL opens the same view, so does the explicit glob', async (t) => {
    const a = await openPage(t, context, 'requests-sum');
    await a.page.goto(`${base}/?${window10}&view=requests&inst=web1`);
    await drawn(a.page);
    t.same(await a.page.locator('.inst-toggle').allTextContents(), [...TRACELOG_INSTANCES].sort(), 'the known instances are listed');
    await a.page.locator('.inst-toggle[data-instance="app1__acme__instance1"]').click();
    await a.page.locator('#requests-title', { hasText: '2 instances summed' }).waitFor();
    await drawn(a.page);
    t.equal(params(a.page).get('inst'), null, 'both known instances: all (inst=*, the default, left out of the URL)');
    const both = TRACELOG_INSTANCES;
    // Step 11: web1 idle (max_rate kept from step 9); step 21: app1 idle (kept from step 19).
    t.equal(await valueAtPoint(a.page, 'headroom', 'headroom', 10), formatValue(headroom(both, 11), 'percent'), 'headroom at step 11 from the sums');
    t.equal(await valueAtPoint(a.page, 'headroom', 'headroom', 20), formatValue(headroom(both, 21), 'percent'), 'headroom at step 21 from the sums');
    const sumRate = (i: number) => both.reduce((s, inst) => s + tracelogValue.rate(inst, i), 0);
    t.equal(await valueAtPoint(a.page, 'rate', 'rate', 6), formatValue(sumRate(7), 'perSecond'), 'the rate is the sum');
    const d = await line(a.page, 'headroom', 'headroom').getAttribute('d');

    const b = await openPage(t, context, 'requests-shared');
    await b.page.goto(a.page.url());
    await drawn(b.page);
    t.equal(await line(b.page, 'headroom', 'headroom').getAttribute('d'), d, 'the shared URL draws the same headroom, point for point');
    await b.page.goto(`${base}/?${window10}&view=requests&inst=${encodeURIComponent('{web1,app1__acme__instance1}')}`);
    await b.page.locator('#requests-title', { hasText: '({web1,app1__acme__instance1})' }).waitFor();
    await drawn(b.page);
    t.equal(await line(b.page, 'headroom', 'headroom').getAttribute('d'), d, 'and so does the glob naming both');
    clean(t, a);
    clean(t, b);
  });

  t.test('the keyboard reaches the view and its controls; an instance pattern is shown as text', async (t) => {
    const w = await openPage(t, context, 'requests-keyboard');
    await w.page.goto(`${base}/?${window10}`);
    await w.page.locator('.tree-row').first().waitFor();
    await w.page.keyboard.press('m');
    const active = () => w.page.locator('.tree-row.active').getAttribute('data-path');
    for (let i = 0; i < 5 && (await active()) !== 'tracelog'; i++) await w.page.keyboard.press('ArrowDown');
    await w.page.keyboard.press('ArrowRight');
    await w.page.locator('.tree-row[data-path="tracelog.app1__acme__instance1"]').waitFor();
    await w.page.keyboard.press('ArrowDown');
    await w.page.keyboard.press('v');
    await line(w.page, 'headroom', 'headroom').waitFor();
    t.equal(params(w.page).get('inst'), 'app1__acme__instance1', 'v on a tracelog instance opens its Requests view');

    await w.page.focus('#requests-inst');
    await w.page.keyboard.press('Control+A');
    await w.page.keyboard.type('web1');
    await w.page.keyboard.press('Enter');
    await w.page.locator('#requests-title', { hasText: 'Requests: web1' }).waitFor();
    t.equal(params(w.page).get('inst'), 'web1', 'typed instance + Enter');
    await w.page.locator('#views button[data-view="graphs"]').focus();
    await w.page.keyboard.press('Enter');
    await w.page.locator('#view-graphs').waitFor();
    t.equal(params(w.page).get('view'), null, 'the Graphs tab by keyboard');
    await w.page.goBack();
    await w.page.locator('#view-requests').waitFor();
    t.equal(params(w.page).get('inst'), 'web1', 'Back returns to the Requests view');

    await w.page.goto(`${base}/?view=requests&inst=${encodeURIComponent('<b>x</b>')}`);
    const note = w.page.locator('#requests-note');
    await note.locator('p').waitFor();
    t.match(await note.textContent(), /“<b>x<\/b>” is not an instance key/, 'shown literally');
    t.equal(await note.locator('b').count(), 0, 'no markup made from it');
    t.equal(await w.page.locator('#requests-graphs .graph-card').count(), 0, 'nothing fetched for it');
    clean(t, w);
  });
}
