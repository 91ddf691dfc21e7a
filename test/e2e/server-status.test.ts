/// <reference lib="dom" />
// (DOM types for the functions passed to page.evaluate, which run in the browser.)
// What the page says about the server itself: a banner while sotto does not answer (every
// request refused, or answered 5xx), gone once it answers again, with tree branches that failed
// meanwhile retried (by a click, or by themselves on recovery), and so are the Requests view's
// graphs; a note when writing falls behind (/api/health's writes.unwrittenFlushes); and the empty
// state's flush interval from /api/health. The page's timers run on Playwright's clock (installed
// for the whole browser context): time flows as usual, and a test skips the waits it is about
// (the retry 5 s after an outage, the 10 s health poll) with clock.fastForward / runFor.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { DOWN_FIRST_MS, UP_POLL_MS, nextDownDelay } from '../../public/src/serverStatus.js';
import { drawn as requestsDrawn, line as requestsLine } from './requests-view.js';
import { launchBrowser, needPeer, openPage, pathStats } from './support/browser.js';
import { ensurePageBuilt } from './support/build.js';
import { fixtureSeries, fixtureT0, STEP, whisperAvailable, writeWhisperFixture, type FixtureSeries } from './support/fixtures.js';
import { clean, params } from './support/page.js';
import { startSotto } from './support/sotto.js';

/**
 * Real time for what a skipped wait set off (a health check, the loads it triggers) to be answered
 * and shown. The page's clock keeps flowing meanwhile, so this stays well short of the next retry
 * (10 s after the first): a retry that does not come when it should fails the test.
 */
const SETTLE_MS = 3000;

/**
 * Moves the page's clock to its next retry after an outage and waits for the banner to go. The
 * first retry comes DOWN_FIRST_MS after sotto was found away; on a busy machine the test's own
 * steps may outlast that, the retry fail while sotto is still away, and the next one come later
 * (the schedule itself is unit-tested): so jump through the page's backoff, a retry at a time.
 */
async function recoverAfterRetry(page: Page): Promise<void> {
  let delay: number | null = null;
  for (let jump = 0; jump < 4; jump++) {
    delay = nextDownDelay(delay);
    await page.clock.fastForward(delay);
    try {
      await banner(page).waitFor({ state: 'detached', timeout: SETTLE_MS });
      return;
    } catch { /* the retry it jumped to had already failed: jump to the next one */ }
  }
  await banner(page).waitFor({ state: 'detached', timeout: SETTLE_MS });
}

/** Makes every request of the page fail (refused connection, or a 503) until the returned function is called. */
async function outage(page: Page, kind: 'refused' | '503'): Promise<() => Promise<void>> {
  const handler = (route: Route) => (kind === 'refused' ? route.abort('connectionrefused') : route.fulfill({ status: 503, contentType: 'text/plain', body: 'Service Unavailable' }));
  await page.route('**/*', handler);
  return () => page.unroute('**/*', handler);
}

const banner = (page: Page) => page.locator('#server-status .status-offline');

if (needPeer(t, "Debian's python3-whisper", whisperAvailable(), 'apt-get install -y python3-whisper')) {
  await ensurePageBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-status-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const now = Math.floor(Date.now() / 1000);
  const T0 = fixtureT0(now);
  writeWhisperFixture(dataDir, [
    ...['app.web.hits', 'app.db.queries', 'other.x'].map((name): FixtureSeries => ({ name, retentions: [[10, 360]], points: [[now - 60, 1]] })),
    ...fixtureSeries(T0).filter((s) => s.name.startsWith('tracelog.')), // for the Requests view
  ]);
  const sotto = await startSotto({ dataDir, flushInterval: 2000 });
  t.teardown(() => sotto.stop());
  // The first write waits for the writer's threads to start, which on a busy machine takes longer
  // than two flush intervals: the page would then rightly say "writing is N flushes behind" in the
  // status area these tests watch. Start once writing has caught up.
  const firstWrite = sotto.nextFlush();
  firstWrite.catch(() => undefined); // awaited below; this only keeps an early rejection from being unhandled
  const context = await launchBrowser(t);
  await firstWrite;

  if (context) {
    await context.clock.install();
    const outageTest = (kind: 'refused' | '503') => async (t: Test) => {
      const w = await openPage(t, context, `outage-${kind}`);
      await w.page.goto(`${sotto.base}/`);
      await w.page.locator('.tree-row[data-path="app"]').click();
      await w.page.locator('.tree-row[data-path="app.web"]').waitFor();
      const said = await w.page.locator('#server-status').textContent();
      t.ok(await w.page.locator('#server-status').isHidden(), `no banner while sotto answers${said ? ` (it says “${said}”)` : ''}`);

      const restore = await outage(w.page, kind);
      await w.page.locator('.tree-row[data-path="app.web"]').click();
      await w.page.locator('.tree-row[data-path="app.web"] .row-error').waitFor();
      await banner(w.page).waitFor({ timeout: 5000 });
      t.match(await banner(w.page).textContent(), /sotto is not answering — retrying/, 'the banner says so');
      t.equal(await w.page.locator('#server-status').getAttribute('role'), 'status', 'announced politely');
      t.equal(await banner(w.page).count(), 1, 'one banner, however many requests failed');
      await w.page.locator('.tree-row[data-path="app.db"]').click();
      await w.page.locator('.tree-row[data-path="app.db"] .row-error').waitFor();
      t.equal(await banner(w.page).count(), 1, 'still one banner');

      await restore();
      // The page asks again DOWN_FIRST_MS after it found sotto away: skip that wait.
      await recoverAfterRetry(w.page);
      t.ok(await w.page.locator('#server-status').isHidden(), 'the banner goes once sotto answers again');
      // Branches that failed during the outage are retried on recovery: their ⚠ goes, their children come.
      await w.page.locator('.tree-row[data-path="app.web"] .row-error').waitFor({ state: 'detached', timeout: 5000 });
      await w.page.locator('.tree-row[data-path="app.db"] .row-error').waitFor({ state: 'detached', timeout: 5000 });
      await w.page.locator('.tree-row[data-path="app.web.hits"]').waitFor();
      t.pass('the ⚠ markers cleared and the branches opened');
      clean(t, w, kind === '503' ? /^503 / : undefined);
    };
    t.test('a refused connection shows one banner; recovery removes it and retries failed branches', outageTest('refused'));
    t.test('5xx answers count as not answering too', outageTest('503'));

    t.test('clicking a branch that failed retries it at once', async (t) => {
      const w = await openPage(t, context, 'outage-click');
      await w.page.goto(`${sotto.base}/`);
      await w.page.locator('.tree-row[data-path="other"]').waitFor();
      const restore = await outage(w.page, 'refused');
      await w.page.locator('.tree-row[data-path="other"]').click();
      await w.page.locator('.tree-row[data-path="other"] .row-error').waitFor();
      await restore();
      await w.page.locator('.tree-row[data-path="other"]').click();
      await w.page.locator('.tree-row[data-path="other.x"]').waitFor({ timeout: 3000 });
      t.equal(await w.page.locator('.tree-row[data-path="other"] .row-error').count(), 0, 'the ⚠ is gone');
      t.equal(await w.page.locator('.tree-row[data-path="other"]').getAttribute('aria-expanded'), 'true', 'and the branch is open');
      await banner(w.page).waitFor({ state: 'detached', timeout: 3000 });
      t.pass('a request that succeeds ends the outage too');
      clean(t, w);
    });

    t.test('the Requests view loads its graphs again once sotto answers', async (t) => {
      const w = await openPage(t, context, 'outage-requests');
      await w.page.goto(`${sotto.base}/?from=${T0}&until=${T0 + 600}&view=requests&inst=web1`);
      await requestsDrawn(w.page);
      const cards = w.page.locator('#requests-graphs .graph-card');
      const graphs = await cards.count();
      t.equal(graphs, 5, 'five graphs drawn while sotto answers');

      // Zooming out while sotto is away: every graph of the view loads again, and fails.
      const restore = await outage(w.page, 'refused');
      await w.page.locator('body').press('-');
      await banner(w.page).waitFor();
      await w.page.waitForFunction((n) => {
        const all = Array.from(document.querySelectorAll('#requests-graphs .graph-card'));
        return all.length === n && all.every((c) => !c.classList.contains('loading') && c.querySelector('.graph-error p'));
      }, graphs);
      t.equal(await w.page.locator('#requests-graphs path.series-line').count(), 0, 'no graph has a line during the outage');
      t.match(await cards.first().locator('.graph-error').textContent(), /cannot reach the sotto server/, 'each says why');
      const from = Number(params(w.page).get('from'));
      const until = Number(params(w.page).get('until'));
      t.ok(from < T0 && until > T0 + 600, 'the range was zoomed out');

      await restore();
      await recoverAfterRetry(w.page);
      await requestsDrawn(w.page);
      t.pass('once sotto answers, every graph is drawn again');
      t.equal(await w.page.locator('#requests-graphs .graph-error p').count(), 0, 'and no error is left');
      // web1's rate has a value at every fixture step (0…59) inside graphite's window (from, until].
      const steps = Array.from({ length: 60 }, (_, i) => T0 + STEP * i).filter((ts) => ts > from && ts <= until).length;
      const rate = pathStats(await requestsLine(w.page, 'rate', 'rate').getAttribute('d'));
      t.same([rate.points, rate.segments], [steps, 1], `the rate has its ${steps} points in the zoomed-out range`);

      // An instance asked for while sotto is away cannot be listed; once sotto answers, it is.
      const again = await outage(w.page, 'refused');
      await w.page.locator('#requests-inst').fill('app1__acme__instance1');
      await w.page.locator('#requests-inst').press('Enter');
      await w.page.locator('#requests-note .error', { hasText: 'cannot list the tracelog instances' }).waitFor();
      await banner(w.page).waitFor();
      await again();
      await recoverAfterRetry(w.page);
      await w.page.locator('#requests-title', { hasText: 'Requests: app1__acme__instance1' }).waitFor({ timeout: SETTLE_MS });
      await requestsDrawn(w.page);
      t.equal(await w.page.locator('#requests-note .error').count(), 0, 'the instance is listed and its graphs drawn once sotto answers');
      clean(t, w);
    });

    t.test('writing behind: a note when more than one flush waits to be written', async (t) => {
      const w = await openPage(t, context, 'writing-behind');
      let unwritten = 5;
      let polls = 0;
      let answering = 0;
      await w.page.route('**/api/health', async (route) => {
        polls++;
        answering++;
        try {
          const res = await route.fetch();
          const body = (await res.json()) as Record<string, unknown>;
          const writes = { ...(body.writes as object), unwrittenFlushes: unwritten, lastWrittenFlush: 1_700_000_000, lastWriteMs: 4200 };
          await route.fulfill({ response: res, json: { ...body, writes } });
        } finally {
          answering--;
        }
      });
      await w.page.goto(`${sotto.base}/`);
      const note = w.page.locator('#server-status .status-behind');
      await note.waitFor({ timeout: 5000 });
      t.equal((await note.textContent())!.trim(), 'writing is 5 flushes behind');
      t.ok(await w.page.locator('#server-status').isVisible(), 'shown in the status area');
      t.equal(await banner(w.page).count(), 0, 'not the outage banner');
      t.match(await note.getAttribute('title'), /4200 ms/, 'details in the tooltip');
      unwritten = 1; // keeping up: one flush being written
      await w.page.clock.fastForward(UP_POLL_MS); // to the next poll (a later one would leave the note)
      await note.waitFor({ state: 'detached', timeout: SETTLE_MS });
      t.ok(await w.page.locator('#server-status').isHidden(), 'gone when writing keeps up');
      // Three seconds of the page's time, a second at a time, each time letting the polls it set
      // off be answered (the page schedules its next poll once the last one has its answer).
      const before = polls;
      for (let s = 0; s < 3; s++) {
        await w.page.clock.runFor(1000);
        await w.page.waitForTimeout(50);
        while (answering > 0) await w.page.waitForTimeout(20);
      }
      t.ok(polls - before <= 1, `health is polled at a modest rate (${polls - before} in 3 s)`);
      clean(t, w);
    });

    t.test('the empty state names the server\'s flush interval', async (t) => {
      // An empty data directory: only sotto's own statistics. A second sotto with a 2 s flush.
      const emptyDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-status-empty-'));
      t.teardown(() => rmSync(emptyDir, { recursive: true, force: true }));
      const fresh = await startSotto({ dataDir: emptyDir, flushInterval: 2000 });
      t.teardown(() => fresh.stop());
      const w = await openPage(t, context, 'empty-interval');
      await w.page.goto(`${fresh.base}/`);
      await w.page.locator('#empty').waitFor();
      await w.page.waitForFunction(() => /every 2 seconds/.test(document.getElementById('empty')!.textContent!), undefined, { timeout: 5000 });
      t.match(await w.page.locator('#empty').textContent(), /after the next flush \(every 2 seconds\)/);

      const old = await openPage(t, context, 'empty-interval-missing');
      await old.page.route('**/api/health', async (route) => {
        const res = await route.fetch();
        const body = (await res.json()) as Record<string, unknown>;
        delete body.flushInterval;
        await route.fulfill({ response: res, json: body });
      });
      await old.page.goto(`${fresh.base}/`);
      await old.page.locator('#empty').waitFor();
      t.match(await old.page.locator('#empty').textContent(), /every 10 seconds by default/, 'without the field: the old wording');
      clean(t, w);
      clean(t, old);
    });
  }
}
