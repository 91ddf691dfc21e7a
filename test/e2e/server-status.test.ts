/// <reference lib="dom" />
// (DOM types for the functions passed to page.evaluate, which run in the browser.)
// What the page says about the server itself: a banner while sotto does not answer (every
// request refused, or answered 5xx), gone once it answers again, with tree branches that failed
// meanwhile retried (by a click, or by themselves on recovery); a note when writing falls behind
// (/api/health's writes.unwrittenFlushes); and the empty state's flush interval from /api/health.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { launchBrowser, needPeer, openPage } from './support/browser.js';
import { ensurePageBuilt } from './support/build.js';
import { whisperAvailable, writeWhisperFixture } from './support/fixtures.js';
import { clean } from './support/page.js';
import { startSotto } from './support/sotto.js';

/** Long enough for the page's first retry after an outage (5 s) plus slack; short enough to be bounded. */
const RECOVERY_MS = 12_000;

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
  writeWhisperFixture(dataDir, ['app.web.hits', 'app.db.queries', 'other.x'].map((name) => ({ name, retentions: [[10, 360]], points: [[now - 60, 1]] })));
  const sotto = await startSotto({ dataDir, flushInterval: 2000 });
  t.teardown(() => sotto.stop());
  const context = await launchBrowser(t);

  if (context) {
    const outageTest = (kind: 'refused' | '503') => async (t: Test) => {
      const w = await openPage(t, context, `outage-${kind}`);
      await w.page.goto(`${sotto.base}/`);
      await w.page.locator('.tree-row[data-path="app"]').click();
      await w.page.locator('.tree-row[data-path="app.web"]').waitFor();
      t.ok(await w.page.locator('#server-status').isHidden(), 'no banner while sotto answers');

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
      await banner(w.page).waitFor({ state: 'detached', timeout: RECOVERY_MS });
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

    t.test('writing behind: a note when more than one flush waits to be written', async (t) => {
      const w = await openPage(t, context, 'writing-behind');
      let unwritten = 5;
      let polls = 0;
      await w.page.route('**/api/health', async (route) => {
        polls++;
        const res = await route.fetch();
        const body = (await res.json()) as Record<string, unknown>;
        const writes = { ...(body.writes as object), unwrittenFlushes: unwritten, lastWrittenFlush: 1_700_000_000, lastWriteMs: 4200 };
        await route.fulfill({ response: res, json: { ...body, writes } });
      });
      await w.page.goto(`${sotto.base}/`);
      const note = w.page.locator('#server-status .status-behind');
      await note.waitFor({ timeout: 5000 });
      t.equal((await note.textContent())!.trim(), 'writing is 5 flushes behind');
      t.ok(await w.page.locator('#server-status').isVisible(), 'shown in the status area');
      t.equal(await banner(w.page).count(), 0, 'not the outage banner');
      t.match(await note.getAttribute('title'), /4200 ms/, 'details in the tooltip');
      unwritten = 1; // keeping up: one flush being written
      await note.waitFor({ state: 'detached', timeout: 15_000 });
      t.ok(await w.page.locator('#server-status').isHidden(), 'gone when writing keeps up');
      const before = polls;
      await w.page.waitForTimeout(3000);
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
