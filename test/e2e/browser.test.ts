/// <reference lib="dom" />
// (DOM types for the functions passed to page.evaluate, which run in the browser.)
// The metric browser in a real browser (Debian's Chromium) against a sotto serving real Whisper
// files written by whisper.py: load, tree, search, plot, zoom, legend, crosshair, dashboards,
// shared URLs, expressions, statsd views, keyboard, phone width, dark theme, a hostile name, and
// the tracelog Requests view (requests-view.ts).
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { formatValue } from '../../public/src/format.js';
import { requestsViewTests } from './requests-view.js';
import { launchBrowser, needPeer, openPage } from './support/browser.js';
import { clean, params, pathOf, seriesPath } from './support/page.js';
import { ensurePageBuilt } from './support/build.js';
import { fixtureSeries, fixtureT0, requestsValue, STEP, whisperAvailable, writeWhisperFixture, XSS_NAME } from './support/fixtures.js';
import { startSotto, type Sotto } from './support/sotto.js';

const TZ = 'America/New_York';

interface Env {
  sotto: Sotto;
  context: BrowserContext;
  T0: number;
  dataDir: string;
}

async function setup(): Promise<Env | null> {
  if (!needPeer(t, "Debian's python3-whisper", whisperAvailable(), 'apt-get install -y python3-whisper')) return null;
  await ensurePageBuilt();
  const T0 = fixtureT0();
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  writeWhisperFixture(dataDir, fixtureSeries(T0));
  const sotto = await startSotto({ dataDir });
  t.teardown(() => sotto.stop());
  const context = await launchBrowser(t, { timezoneId: TZ, locale: 'en-US' });
  return context ? { sotto, context, T0, dataDir } : null;
}

/** Non-null fixture values of e2e.web.requests inside graphite's window (from, until]. */
function expectedRequests(T0: number, from: number, until: number): number[] {
  const values: number[] = [];
  for (let ts = Math.floor(from / STEP) * STEP + STEP; ts <= Math.floor(until / STEP) * STEP; ts += STEP) {
    const i = (ts - T0) / STEP;
    const v = i >= 0 && i < 60 ? requestsValue(i) : null;
    if (v !== null) values.push(v);
  }
  return values;
}

const env = await setup();
if (env) {
  const { sotto, context, T0, dataDir } = env;
  const window10 = `from=${T0}&until=${T0 + 600}`; // the ten minutes of fixture data

  t.test('a shared URL draws its graph with every point and gap of the data; the load time is measured', async (t) => {
    const w = await openPage(t, context, 'first-graph');
    const url = `${sotto.base}/?from=${T0}&until=${T0 + 120}&g0=e2e.web.requests`;
    const timedLoad = async (): Promise<{ wall: number; mark: number }> => {
      const started = Date.now();
      await w.page.goto(url);
      await w.page.waitForSelector('path.series-line[d*="L"]');
      const wall = Date.now() - started;
      const mark = await w.page.evaluate(() => performance.getEntriesByName('sotto:first-graph')[0]?.startTime ?? -1);
      return { wall, mark };
    };
    const cold = await timedLoad(); // a fresh browser profile: nothing cached
    const warm = await timedLoad(); // d3 cached (immutable), the app's modules revalidated
    const fmt = (x: { wall: number; mark: number }) => `${x.mark.toFixed(0)} ms in the page (${x.wall} ms seen from the test)`;
    t.comment(`page load to first graph: first visit ${fmt(cold)}; next visit ${fmt(warm)}; target < 1000 ms`);
    t.ok(cold.mark > 0 && warm.mark > 0, 'the page marks its first drawn graph');

    const expected = expectedRequests(T0, T0, T0 + 120);
    t.equal(expected.length, 10, 'fixture check: 12 steps, two of them missing');
    const path = await pathOf(w.page, 'e2e.web.requests');
    t.same([path.points, path.segments], [10, 2], 'ten points, and the gap splits the line in two (nulls are not zeros)');

    const legend = w.page.locator('.legend-row[data-series="e2e.web.requests"] td.num');
    const avg = expected.reduce((a, b) => a + b, 0) / expected.length;
    t.same(await legend.allTextContents(), [expected.at(-1)!, Math.min(...expected), Math.max(...expected), avg].map((v) => formatValue(v)), 'legend: current, min, max, avg');

    // Crosshair over the first point: its local time (the browser's zone) and value.
    const first = /^M([\d.]+),([\d.]+)/.exec(path.d)!;
    const plot = await w.page.locator('.graph-card .brush .overlay').boundingBox();
    await w.page.mouse.move(plot!.x + Number(first[1]), plot!.y + Number(first[2]));
    await w.page.waitForSelector('.chart-tip:not([hidden])');
    // The same 24-hour clock as the axis (the en-US locale's habit would be 12-hour with AM/PM).
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: TZ, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date((T0 + STEP) * 1000)).map((x) => [x.type, x.value]));
    const expectedTime = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
    t.equal(await w.page.locator('.chart-tip .tip-time').textContent(), expectedTime, `crosshair time in ${TZ}, 24-hour`);
    const ticks = await w.page.locator('.graph-card .x-axis .tick text').allTextContents();
    t.ok(ticks.length >= 2 && ticks.every((l) => /^\d{2}:\d{2}(:\d{2})?$/.test(l)), `axis in the same style: ${ticks.join(', ')}`);
    t.ok(ticks.includes(`${parts.hour}:${parts.minute}`), `the tick at T0 reads ${parts.hour}:${parts.minute}, as the crosshair does`);
    t.match(await w.page.locator('.chart-svg').getAttribute('aria-label'), /^\d+ series from \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} to /, 'the chart description too');
    t.same(await w.page.locator('.chart-tip .tip-value').allTextContents(), [formatValue(requestsValue(1))]);
    t.equal(await w.page.locator('.crosshair').getAttribute('visibility'), 'visible');
    clean(t, w);
  });

  t.test('the tree loads children on demand, shows counts, and a click plots a leaf', async (t) => {
    const w = await openPage(t, context, 'tree');
    await w.page.goto(`${sotto.base}/?${window10}`);
    const row = (p: string) => w.page.locator(`.tree-row[data-path="${p}"]`);
    await row('e2e').waitFor();
    t.same(await w.page.locator('.tree-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.path)), ['e2e', 'stats', 'tracelog', 'xss'], 'top level only');
    await row('e2e').click();
    await row('e2e.web').waitFor();
    t.equal(await row('e2e').locator('.count').textContent(), '1', 'child count');
    t.equal(await row('e2e').getAttribute('aria-expanded'), 'true');
    await row('e2e.web').click();
    await row('e2e.web.requests').waitFor();
    t.equal(await row('e2e.web').locator('.count').textContent(), '2');
    t.ok(await row('e2e.web.requests').evaluate((r) => r.classList.contains('leaf')), 'leaves look like leaves');
    await row('e2e.web.requests').click();
    await seriesPath(w.page, 'e2e.web.requests').waitFor();
    await row('e2e.web.errors').click({ modifiers: ['Shift'] });
    await seriesPath(w.page, 'e2e.web.errors', 1).waitFor();
    t.same(params(w.page).getAll('g0'), ['e2e.web.requests']);
    t.same(params(w.page).getAll('g1'), ['e2e.web.errors'], 'shift-click plots in a new graph');
    await row('e2e').click();
    await row('e2e.web').waitFor({ state: 'detached' });
    t.equal(await row('e2e').getAttribute('aria-expanded'), 'false', 'a second click closes the branch');
    clean(t, w);
  });

  t.test('search finds by substring and by glob, and jumps to the match in the tree', async (t) => {
    const w = await openPage(t, context, 'search');
    await w.page.goto(`${sotto.base}/?${window10}`);
    await w.page.locator('.tree-row').first().waitFor();
    await w.page.keyboard.press('/');
    t.ok(await w.page.locator('#search').evaluate((e) => e === document.activeElement), '/ focuses the search box');
    await w.page.keyboard.type('LOGIN');
    await w.page.waitForSelector('#search-results li');
    const expected = fixtureSeries(T0).map((s) => s.name).filter((n) => n.includes('login')).sort();
    t.same((await w.page.locator('#search-results li').allTextContents()).sort(), expected, 'case-insensitive substring');
    t.equal(await w.page.locator('#search-results mark').first().textContent(), 'login', 'the match is highlighted');
    t.ok(await w.page.locator('#tree').isHidden(), 'results stand in for the tree');

    await w.page.fill('#search', 'stats.timers.*.*.upper_95');
    await w.page.waitForFunction(() => document.querySelectorAll('#search-results li').length === 1);
    t.equal(await w.page.locator('#search-results li').textContent(), 'stats.timers.api.login.upper_95', 'a graphite glob');
    await w.page.keyboard.press('Enter');
    const target = w.page.locator('.tree-row[data-path="stats.timers.api.login.upper_95"]');
    await target.waitFor();
    t.equal(await target.getAttribute('aria-selected'), 'true', 'the match is selected in the opened tree');
    t.ok(await w.page.locator('#tree').evaluate((e) => e === document.activeElement), 'and the tree has the focus');
    t.equal(await w.page.inputValue('#search'), '');
    await w.page.keyboard.press('Enter');
    await seriesPath(w.page, 'stats.timers.api.login.upper_95').waitFor();
    t.same(params(w.page).getAll('g0'), ['stats.timers.api.login.upper_95'], 'Enter plots it');

    await w.page.fill('#search', 'a.[b');
    await w.page.waitForFunction(() => /not a valid glob/.test(document.getElementById('search-status')!.textContent!));
    t.pass('a broken glob is explained, not thrown');
    clean(t, w);
  });

  t.test('dragging zooms in, double-click zooms out, the legend hides and shows series', async (t) => {
    const w = await openPage(t, context, 'zoom');
    await w.page.goto(`${sotto.base}/?${window10}&g0=e2e.web.requests&g0=e2e.web.errors`);
    await seriesPath(w.page, 'e2e.web.errors').waitFor();
    const before = await pathOf(w.page, 'e2e.web.requests');
    t.equal(before.points, expectedRequests(T0, T0, T0 + 600).length);

    const box = (await w.page.locator('.graph-card .brush .overlay').boundingBox())!;
    await w.page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await w.page.mouse.down();
    await w.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await w.page.mouse.up();
    await w.page.waitForFunction((from) => new URL(location.href).searchParams.get('from') !== from, String(T0));
    const from = Number(params(w.page).get('from'));
    const until = Number(params(w.page).get('until'));
    t.ok(from > T0 + 100 && until < T0 + 400 && from < until, `zoomed to ${from - T0}…${until - T0} s after T0`);
    const expected = expectedRequests(T0, from, until);
    await w.page.waitForFunction(([n]) => {
      const d = document.querySelector('path.series-line[data-series="e2e.web.requests"]')?.getAttribute('d') ?? '';
      return (d.match(/[ML]/g) ?? []).length === n;
    }, [expected.length]);
    t.pass(`the zoomed graph draws the ${expected.length} points of the new range`);

    await w.page.locator('.graph-card .brush .overlay').dblclick({ position: { x: 20, y: 20 } });
    await w.page.waitForFunction((f) => new URL(location.href).searchParams.get('from') !== f, String(from));
    const from2 = Number(params(w.page).get('from'));
    const until2 = Number(params(w.page).get('until'));
    t.equal(until2 - from2, 2 * (until - from), 'double-click doubles the span');
    t.ok(Math.abs((from2 + until2) / 2 - (from + until) / 2) <= 1, 'around the same middle');

    const toggle = w.page.locator('.legend-row[data-series="e2e.web.errors"] .legend-toggle');
    await toggle.click();
    await seriesPath(w.page, 'e2e.web.errors').waitFor({ state: 'detached' });
    t.equal(await toggle.getAttribute('aria-pressed'), 'false');
    t.same(params(w.page).getAll('h0'), ['e2e.web.errors'], 'hidden series are part of the URL');
    t.equal(await seriesPath(w.page, 'e2e.web.requests').count(), 1, 'the other series stays');
    await w.page.reload();
    await seriesPath(w.page, 'e2e.web.requests').waitFor();
    t.equal(await seriesPath(w.page, 'e2e.web.errors').count(), 0, 'still hidden after a reload');
    await w.page.locator('.legend-row[data-series="e2e.web.errors"] .legend-toggle').click();
    await seriesPath(w.page, 'e2e.web.errors').waitFor();
    t.same(params(w.page).getAll('h0'), []);
    clean(t, w);
  });

  t.test('a dashboard is saved on the server, listed, and opened by someone else', async (t) => {
    const w = await openPage(t, context, 'dashboards');
    await w.page.goto(`${sotto.base}/?from=-6h&g0=e2e.web.requests&g1=stats.gauges.queue.depth&n1=Queue`);
    await seriesPath(w.page, 'stats.gauges.queue.depth', 1).waitFor();
    await w.page.click('#dashboards');
    await w.page.fill('#dash-dialog input[name=name]', 'ops e2e');
    await w.page.fill('#dash-dialog input[name=author]', '<b>ann</b>');
    await w.page.click('#dash-dialog button:has-text("Save")');
    await w.page.waitForSelector('#dash-dialog .dash-message:has-text("saved as")');
    const file = JSON.parse(readFileSync(join(dataDir, '.dashboards', 'ops e2e.json'), 'utf8'));
    t.same(
      [file.name, file.author, file.state.from, file.state.graphs.map((g: { targets: string[]; title: string }) => [g.targets, g.title])],
      ['ops e2e', '<b>ann</b>', '-6h', [[['e2e.web.requests'], ''], [['stats.gauges.queue.depth'], 'Queue']]],
      'the file under the data directory holds the page',
    );
    t.equal(params(w.page).get('dash'), 'ops e2e', 'the URL remembers the dashboard');
    await w.page.click('#dash-dialog button:has-text("Save as new")');
    // (the 409 answer is checked by clean() below)
    await w.page.waitForSelector('#dash-dialog .dash-message:has-text("already exists")');
    t.pass('"save as new" does not overwrite');

    const other = await openPage(t, context, 'dashboards-open');
    await other.page.goto(`${sotto.base}/`);
    await other.page.click('#dashboards');
    const entry = other.page.locator('#dash-dialog li', { has: other.page.locator('button.dash-open[data-name="ops e2e"]') });
    await entry.waitFor();
    t.match(await entry.locator('.muted').textContent(), /^by <b>ann<\/b> · /, 'the author travels with it, as text');
    t.equal(await other.page.locator('#dash-dialog b').count(), 0);
    await entry.locator('button.dash-open').click();
    await seriesPath(other.page, 'stats.gauges.queue.depth', 1).waitFor();
    t.same(await other.page.locator('.graph-title').allTextContents(), ['e2e.web.requests', 'Queue']);
    t.same([params(other.page).get('from'), params(other.page).get('dash')], ['-6h', 'ops e2e']);

    const direct = await openPage(t, context, 'dashboards-direct');
    await direct.page.goto(`${sotto.base}/?dash=ops%20e2e`);
    await seriesPath(direct.page, 'e2e.web.requests').waitFor();
    t.pass('/?dash=<name> opens the dashboard too');
    clean(t, w, /^409 POST \/api\/dashboards$/);
    clean(t, other);
    clean(t, direct);
  });

  t.test('a copied URL opens the same graphs in another tab', async (t) => {
    const a = await openPage(t, context, 'share-a');
    await a.page.goto(`${sotto.base}/?${window10}`);
    await a.page.locator('.tree-row[data-path="e2e"]').click();
    await a.page.locator('.tree-row[data-path="e2e.web"]').click();
    await a.page.locator('.tree-row[data-path="e2e.web.requests"]').click();
    await seriesPath(a.page, 'e2e.web.requests').waitFor();
    await a.page.locator('.tree-row[data-path="e2e.web.errors"]').click();
    await seriesPath(a.page, 'e2e.web.errors').waitFor();
    const b = await openPage(t, context, 'share-b');
    await b.page.goto(a.page.url());
    await seriesPath(b.page, 'e2e.web.errors').waitFor();
    t.same(await b.page.locator('.target-edit').allTextContents(), ['e2e.web.requests', 'e2e.web.errors']);
    t.equal((await pathOf(b.page, 'e2e.web.requests')).d, (await pathOf(a.page, 'e2e.web.requests')).d, 'the same line, point for point');
    clean(t, a);
    clean(t, b);
  });

  t.test('a metric named like HTML is shown as text and never runs', async (t) => {
    const w = await openPage(t, context, 'xss');
    await w.page.goto(`${sotto.base}/?${window10}`);
    await w.page.locator('.tree-row[data-path="xss"]').click();
    const row = w.page.locator('.tree-row.leaf').filter({ hasText: XSS_NAME });
    await row.waitFor();
    t.equal(await row.locator('.name').textContent(), XSS_NAME, 'the tree shows the name literally');
    await row.click();
    await w.page.waitForSelector('.graph-card .legend-row, .graph-card .graph-error p', { state: 'attached' });
    const shown = await w.page.locator('.graph-card').textContent();
    t.ok(shown!.includes(XSS_NAME), 'the graph (series or error) shows it literally');
    await w.page.fill('#search', 'onerror');
    await w.page.waitForSelector('#search-results li');
    t.equal(await w.page.locator('#search-results li').textContent(), `xss.${XSS_NAME}`);
    t.equal(await w.page.locator('img').count(), 0, 'no <img> element was created');
    await w.page.waitForTimeout(200);
    clean(t, w);
  });

  t.test('a bad expression is explained under the box; a good one is plotted', async (t) => {
    const w = await openPage(t, context, 'expression');
    await w.page.goto(`${sotto.base}/?${window10}`);
    await w.page.keyboard.press('t');
    t.ok(await w.page.locator('#expr-input').evaluate((e) => e === document.activeElement), 't focuses the target box');
    await w.page.keyboard.type('nosuchfunc(e2e.web.requests)');
    await w.page.keyboard.press('Enter');
    await w.page.waitForFunction(() => /nosuchfunc/.test(document.getElementById('expr-error')!.textContent!));
    t.equal(await w.page.locator('#expr-input').getAttribute('aria-invalid'), 'true');
    t.equal(await w.page.locator('.graph-card').count(), 0, 'nothing plotted');
    await w.page.fill('#expr-input', 'sumSeries(e2e.web.*)');
    await w.page.keyboard.press('Enter');
    await seriesPath(w.page, 'sumSeries(e2e.web.*)').waitFor();
    t.equal(await w.page.locator('#expr-error').textContent(), '', 'the error is cleared');
    t.same(params(w.page).getAll('g0'), ['sumSeries(e2e.web.*)']);
    await w.page.locator('#expr-input').focus();
    await w.page.keyboard.press('Escape');
    t.notOk(await w.page.locator('#expr-input').evaluate((e) => e === document.activeElement), 'Esc leaves the target box');
    await w.page.keyboard.press('?');
    t.ok(await w.page.locator('#help-dialog').evaluate((d) => (d as HTMLDialogElement).open), 'and the shortcuts work again');
    await w.page.keyboard.press('Escape');
    clean(t, w, /^400 GET \/render\?target=nosuchfunc/);
  });

  t.test('a timer gets its latency and throughput panel in one click, a counter its rate', async (t) => {
    const w = await openPage(t, context, 'statsd');
    await w.page.goto(`${sotto.base}/?${window10}`);
    for (const p of ['stats', 'stats.timers', 'stats.timers.api', 'stats.timers.api.login']) {
      await w.page.locator(`.tree-row[data-path="${p}"]`).click();
      await w.page.locator(`.tree-row[data-path="${p}"][aria-expanded="true"]`).waitFor();
    }
    await w.page.locator('.tree-row[data-path="stats.timers.api.login"] button.view').click();
    await seriesPath(w.page, 'stats.timers.api.login.count_ps', 1).waitFor();
    t.same(await w.page.locator('.graph-title').allTextContents(), ['api.login latency', 'api.login throughput']);
    t.same(params(w.page).getAll('g0'), ['stats.timers.api.login.mean', 'stats.timers.api.login.median', 'stats.timers.api.login.upper_95']);
    const yLabels = async (card: number) => w.page.locator('.graph-card').nth(card).locator('.y-axis .tick text').allTextContents();
    t.ok((await yLabels(0)).every((l) => / (ms|s)$/.test(l)), `latency axis in time units: ${(await yLabels(0)).join(', ')}`);
    t.ok((await yLabels(1)).filter((l) => l !== '0').every((l) => l.endsWith('/s')), `throughput axis per second: ${(await yLabels(1)).join(', ')}`);

    for (const p of ['stats.counters', 'stats.counters.api', 'stats.counters.api.hits']) {
      await w.page.locator(`.tree-row[data-path="${p}"]`).click();
      await w.page.locator(`.tree-row[data-path="${p}"][aria-expanded="true"]`).waitFor();
    }
    await w.page.locator('.tree-row[data-path="stats.counters.api.hits"] button.view').click();
    await seriesPath(w.page, 'stats.counters.api.hits.rate', 2).waitFor();
    t.equal(await w.page.locator('.graph-title').nth(2).textContent(), 'api.hits rate');
    clean(t, w);
  });

  t.test('the keyboard alone can browse, plot, change the range and reorder graphs', async (t) => {
    const w = await openPage(t, context, 'keyboard');
    await w.page.goto(`${sotto.base}/?${window10}`);
    await w.page.locator('.tree-row').first().waitFor();
    await w.page.keyboard.press('m');
    const active = () => w.page.locator('.tree-row.active').getAttribute('data-path');
    t.equal(await active(), await w.page.locator('.tree-row').first().getAttribute('data-path'), 'm goes to the tree, on its first row');
    for (let i = 0; i < 5 && (await active()) !== 'e2e'; i++) await w.page.keyboard.press('ArrowDown');
    t.equal(await active(), 'e2e', 'arrows move through the rows');
    await w.page.keyboard.press('ArrowRight');
    await w.page.locator('.tree-row[data-path="e2e.web"]').waitFor();
    await w.page.keyboard.press('ArrowDown');
    t.equal(await active(), 'e2e.web');
    await w.page.keyboard.press('ArrowRight');
    await w.page.locator('.tree-row[data-path="e2e.web.errors"]').waitFor();
    await w.page.keyboard.press('ArrowDown');
    await w.page.keyboard.press('Enter');
    await seriesPath(w.page, 'e2e.web.errors').waitFor();
    await w.page.keyboard.press('ArrowDown');
    await w.page.keyboard.press('Shift+Enter');
    await seriesPath(w.page, 'e2e.web.requests', 1).waitFor();
    await w.page.keyboard.press('ArrowLeft');
    t.equal(await active(), 'e2e.web', 'left goes to the parent');

    await w.page.locator('body').press('3');
    await w.page.waitForFunction(() => new URL(location.href).searchParams.get('from') === '-6h');
    t.equal(await w.page.locator('#presets button[data-from="-6h"]').getAttribute('aria-pressed'), 'true', '3 is the last 6 hours');

    await w.page.locator('.graph-card').nth(1).locator('button[aria-label="move graph up"]').focus();
    await w.page.keyboard.press('Enter');
    await w.page.waitForFunction(() => new URL(location.href).searchParams.get('g0') === 'e2e.web.requests');
    t.same([params(w.page).get('g0'), params(w.page).get('g1')], ['e2e.web.requests', 'e2e.web.errors'], 'graphs reorder');
    await w.page.goBack();
    await w.page.waitForFunction(() => new URL(location.href).searchParams.get('g0') === 'e2e.web.errors');
    t.equal(await w.page.locator('.graph-title').first().textContent(), 'e2e.web.errors', 'Back undoes it');

    await w.page.locator('body').press('?');
    t.ok(await w.page.locator('#help-dialog').isVisible(), '? lists the shortcuts');
    await w.page.keyboard.press('Escape');
    t.ok(await w.page.locator('#help-dialog').isHidden());
    clean(t, w);
  });

  t.test('a custom range is typed in the browser time zone and shared by all graphs', async (t) => {
    const w = await openPage(t, context, 'custom-range');
    await w.page.goto(`${sotto.base}/?g0=e2e.web.requests&g1=e2e.web.errors`);
    await seriesPath(w.page, 'e2e.web.errors', 1).waitFor();
    // T0 and T0 + 5 min as wall-clock time in New York, typed the way datetime-local takes it.
    const local = (sec: number) => {
      const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: TZ, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(sec * 1000)).map((x) => [x.type, x.value]));
      return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
    };
    await w.page.click('#custom-range');
    await w.page.fill('#range-from', local(T0));
    await w.page.fill('#range-until', local(T0 + 300));
    await w.page.click('#range-form button[type=submit]');
    await w.page.waitForFunction((from) => new URL(location.href).searchParams.get('from') === from, String(T0));
    t.equal(params(w.page).get('until'), String(T0 + 300));
    t.equal(await w.page.locator('#presets button[aria-pressed="true"]').count(), 0, 'no preset is lit');
    t.equal((await pathOf(w.page, 'e2e.web.requests')).points, expectedRequests(T0, T0, T0 + 300).length, 'the first graph shows the range');
    t.equal((await pathOf(w.page, 'e2e.web.errors', 1)).points, 30, 'and so does the second');
    t.equal(await w.page.locator('#live').evaluate((b) => b.classList.contains('on')), false, 'a range in the past is not live');
    clean(t, w);
  });

  t.test('a phone-width window and a dark system theme are both usable', async (t) => {
    const w = await openPage(t, context, 'phone-dark');
    await w.page.setViewportSize({ width: 390, height: 800 });
    await w.page.emulateMedia({ colorScheme: 'light' });
    await w.page.goto(`${sotto.base}/?${window10}&g0=e2e.web.requests`);
    await seriesPath(w.page, 'e2e.web.requests').waitFor();
    const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    t.ok(overflow <= 0, `no sideways scrolling (${overflow}px)`);
    t.ok((await w.page.locator('.chart-svg').boundingBox())!.width <= 390, 'the graph fits');
    t.ok(await w.page.locator('#sidebar').isHidden(), 'the tree is folded away');
    await w.page.click('#sidebar-toggle');
    await w.page.locator('.tree-row[data-path="e2e"]').waitFor();
    t.equal(await w.page.locator('#sidebar-toggle').getAttribute('aria-expanded'), 'true');
    await w.page.locator('.tree-row[data-path="e2e"]').click();
    await w.page.locator('.tree-row[data-path="e2e.web"]').click();
    await w.page.locator('.tree-row[data-path="e2e.web.errors"]').click();
    await seriesPath(w.page, 'e2e.web.errors').waitFor();
    t.ok(await w.page.locator('#sidebar').isHidden(), 'plotting from the drawer folds it to show the graph');

    const background = () => w.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
    };
    const light = await background();
    await w.page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    t.ok(luminance(light) > 0.8 && luminance(dark) < 0.2, `light ${light}, dark ${dark}`);
    const text = await w.page.evaluate(() => getComputedStyle(document.querySelector('.tree-row .name')!).color);
    t.ok(luminance(text) > 0.7, `dark theme text is light (${text})`);
    clean(t, w);
  });

  // The tracelog Requests view, over the same server and browser.
  requestsViewTests(t, { base: sotto.base, context, T0, tz: TZ });
}
