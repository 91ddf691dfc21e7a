/// <reference lib="dom" />
// (DOM types for the functions passed to page.evaluate, which run in the browser.)
// A running sotto fed over UDP: the empty page explains how to send a first metric and notices
// when one arrives; a graph of a recent range updates after each flush through /stream (SSE),
// without reloading, and stops while live updates are paused. The page's timers run on
// Playwright's clock (installed for the whole browser context): time flows as usual, and the
// empty page's next look for a first metric is reached with clock.fastForward instead of waited for.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POLL_MS as EMPTY_POLL_MS } from '../../public/src/emptyState.js';
import { launchBrowser, needPeer, openPage } from './support/browser.js';
import { ensurePageBuilt } from './support/build.js';
import { startSotto } from './support/sotto.js';

const FLUSH_MS = 1000;
const GAUGE = 'stats.gauges.e2e.live'; // what statsd names `e2e.live:N|g`

await ensurePageBuilt();
const dataDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-live-'));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
const sotto = await startSotto({ dataDir, flushInterval: FLUSH_MS });
t.teardown(() => sotto.stop());
const context = await launchBrowser(t);

const written = (name: string) => (e: { names: string[] }) => e.names.includes(name);

if (context) {
  await context.clock.install();
  t.test('a fresh install shows how to send a first metric, then the metric', async (t) => {
    await sotto.nextFlush(); // sotto's own statistics (stats.statsd.*) are written by now
    const w = await openPage(t, context, 'empty-state');
    await w.page.goto(`${sotto.base}/`);
    await w.page.locator('#empty').waitFor();
    t.match(await w.page.locator('#empty-command').textContent(), /^echo "foo:1\|c" \| nc -u -w0 127\.0\.0\.1 \d+$/, 'the one-liner to send a counter');

    const flushed = sotto.nextFlush(written('stats.counters.foo.count'));
    await sotto.send('foo:1|c');
    await flushed;
    // The page looks again every EMPTY_POLL_MS: skip to its next look. (Its clock keeps flowing
    // during the wait below, which stays short of the look after that.)
    await w.page.clock.fastForward(EMPTY_POLL_MS);
    await w.page.locator('#empty').waitFor({ state: 'hidden', timeout: 10_000 });
    for (const p of ['stats', 'stats.counters']) await w.page.locator(`.tree-row[data-path="${p}"]`).click();
    await w.page.locator('.tree-row[data-path="stats.counters.foo"]').waitFor();
    t.pass('after the flush the page shows the metric without a reload');
    t.same(w.errors, []);
  });

  t.test('a live graph gets the new value of each flush through the event stream', async (t) => {
    const first = sotto.nextFlush(written(GAUGE));
    await sotto.send('e2e.live:42|g');
    await first;

    const w = await openPage(t, context, 'live');
    const streams: Array<{ status: number; type: string }> = [];
    w.page.on('response', (res) => {
      if (new URL(res.url()).pathname === '/stream') streams.push({ status: res.status(), type: res.headers()['content-type'] ?? '' });
    });
    await w.page.goto(`${sotto.base}/?from=-5min&g0=${GAUGE}`);
    const current = w.page.locator(`.legend-row[data-series="${GAUGE}"] td.num`).first();
    await w.page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '42', `.legend-row[data-series="${GAUGE}"] td.num`);
    await w.page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    t.match(streams, [{ status: 200, type: /^text\/event-stream/ }], 'the page watches /stream');
    // The stream is open once the first event has come through.
    await w.page.locator('.graph-card[data-live-updates]').waitFor({ timeout: 15_000 });

    const flushed = sotto.nextFlush(written(GAUGE));
    await sotto.send('e2e.live:77|g');
    await flushed;
    const at = Date.now();
    await w.page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '77', `.legend-row[data-series="${GAUGE}"] td.num`, { timeout: 5000 });
    const ms = Date.now() - at;
    t.comment(`flush written → new value on the page: ${ms} ms`);
    t.ok(ms < 5000, 'pushed, not waiting for the 10 s fallback poll');
    t.equal(await w.page.evaluate(() => (window as unknown as { marker?: number }).marker), 1, 'without reloading the page');
    const d = await w.page.locator(`path.series-line[data-series="${GAUGE}"]`).getAttribute('d');
    t.ok(d && /[ML]/.test(d), 'the line is drawn');

    await w.page.locator('body').press('l');
    t.equal(await w.page.locator('#live').getAttribute('aria-pressed'), 'false', 'l pauses live updates');
    const paused = sotto.nextFlush(written(GAUGE));
    await sotto.send('e2e.live:5|g');
    await paused;
    await sotto.nextFlush(written(GAUGE)); // one more flush: time for an update that must not come
    t.equal(await current.textContent(), '77', 'a paused graph keeps what it shows');
    await w.page.locator('body').press('l');
    await w.page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '5', `.legend-row[data-series="${GAUGE}"] td.num`, { timeout: 5000 });
    t.pass('resuming catches up');
    t.same(w.errors, []);
    t.same(w.dialogs, []);
  });
}
