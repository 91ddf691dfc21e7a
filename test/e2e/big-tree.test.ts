/// <reference lib="dom" />
// (DOM types for the functions passed to page.evaluate, which run in the browser.)
// The tree with 100,000 metrics (100 branches of 1,000 leaves, hard links of one whisper.py file):
// opening a branch stays fast, the DOM holds only the rows in view, the keyboard reaches the
// end, and search answers over the whole namespace. Times are printed, not asserted.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, needPeer, openPage } from './support/browser.js';
import { ensurePageBuilt } from './support/build.js';
import { bigTreeNames, whisperAvailable, writeWhisperFixture } from './support/fixtures.js';
import { startSotto } from './support/sotto.js';

/** Clicks a tree row and measures, in the page, until the row `until` is in the DOM. */
async function timedExpand(page: Page, path: string, until: string): Promise<number> {
  return page.evaluate(
    ([path, until]) =>
      new Promise<number>((resolve, reject) => {
        const row = document.querySelector<HTMLElement>(`.tree-row[data-path="${path}"]`);
        if (!row) return reject(new Error(`no row ${path}`));
        const start = performance.now();
        const deadline = start + 10_000;
        const check = () => {
          if (document.querySelector(`.tree-row[data-path="${until}"]`)) resolve(performance.now() - start);
          else if (performance.now() > deadline) reject(new Error(`${until} did not appear`));
          else requestAnimationFrame(check);
        };
        row.click();
        check();
      }),
    [path, until] as const,
  );
}

/** Types `text` into the search box and measures, in the page, until the status is `status`. */
async function timedSearch(page: Page, text: string, status: string): Promise<number> {
  return page.evaluate(
    ([text, status]) =>
      new Promise<number>((resolve, reject) => {
        const input = document.getElementById('search') as HTMLInputElement;
        const start = performance.now();
        input.value = text;
        input.dispatchEvent(new Event('input'));
        const check = () => {
          const now = document.getElementById('search-status')!.textContent;
          if (now === status) resolve(performance.now() - start);
          else if (performance.now() - start > 10_000) reject(new Error(`search status is "${now}", not "${status}"`));
          else requestAnimationFrame(check);
        };
        check();
      }),
    [text, status] as const,
  );
}

if (needPeer(t, "Debian's python3-whisper", whisperAvailable(), 'apt-get install -y python3-whisper')) {
  await ensurePageBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-big-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const names = bigTreeNames();
  const made = Date.now();
  writeWhisperFixture(dataDir, [{ name: 'seed.one', retentions: [[60, 10]], points: [] }], { source: 'seed.one', names });
  t.comment(`fixture: ${names.length + 1} metrics in ${Date.now() - made} ms`);
  const started = Date.now();
  const sotto = await startSotto({ dataDir });
  t.teardown(() => sotto.stop());
  await fetch(`${sotto.base}/metrics/find?query=*`); // the index is built before the first answer
  t.comment(`sotto up and its index of ${names.length + 1} metrics built: ${Date.now() - started} ms`);
  const context = await launchBrowser(t);

  if (context) {
    t.test('a tree of 100,000 metrics opens branches quickly and draws only the rows in view', async (t) => {
      const w = await openPage(t, context, 'big-tree');
      await w.page.goto(`${sotto.base}/`);
      await w.page.locator('.tree-row[data-path="big"]').waitFor();
      const bigMs = await timedExpand(w.page, 'big', 'big.g00');
      t.equal(await w.page.locator('.tree-row[data-path="big"] .count').textContent(), '100');
      // big.g42 is row 43: scroll the virtual list to it (rows out of view are not in the DOM).
      await w.page.locator('#tree').evaluate((e) => (e.scrollTop = 40 * 28));
      await w.page.locator('.tree-row[data-path="big.g42"]').waitFor();
      const groupMs = await timedExpand(w.page, 'big.g42', 'big.g42.m0000');
      t.comment(`expand a node of 100 children: ${bigMs.toFixed(0)} ms; of 1,000 children: ${groupMs.toFixed(0)} ms (target < 200 ms)`);
      t.equal(await w.page.locator('.tree-row[data-path="big.g42"] .count').textContent(), '1,000');

      const rows = await w.page.locator('.tree-row').count();
      t.ok(rows < 120, `only the rows in view are in the DOM (${rows} of 1,102)`);
      const scrollHeight = await w.page.locator('#tree').evaluate((e) => e.scrollHeight);
      t.equal(scrollHeight, 1102 * 28, 'yet the list is as tall as all rows');

      await w.page.locator('.tree-row[data-path="big.g42.m0000"]').click();
      await w.page.keyboard.press('End');
      await w.page.locator('.tree-row[data-path="seed"]').waitFor();
      t.equal(await w.page.locator('.tree-row.active').getAttribute('data-path'), 'seed', 'End reaches the last row');
      t.ok(await w.page.locator('.tree-row[data-path="seed"]').isVisible(), 'scrolled into view');
      t.equal(await w.page.locator('.tree-row[data-path="big.g42.m0000"]').count(), 0, 'rows scrolled away are gone from the DOM');
      await w.page.keyboard.press('Home');
      await w.page.locator('.tree-row[data-path="big"].active').waitFor();
      t.same(w.errors, []);
    });

    t.test('search runs over all 100,000 names', async (t) => {
      const w = await openPage(t, context, 'big-search');
      await w.page.goto(`${sotto.base}/`);
      await w.page.locator('.tree-row[data-path="big"]').waitFor();
      const ms = await timedSearch(w.page, 'm0999', '100 matches');
      t.comment(`first search over 100,001 names (fetching the index included): ${ms.toFixed(0)} ms`);
      t.equal(await w.page.locator('#search-results li').count(), 100, 'one match per branch');
      const again = await timedSearch(w.page, 'g42.m099', '10 matches');
      t.comment(`next search (index cached, 120 ms debounce included): ${again.toFixed(0)} ms`);
      t.same(await w.page.locator('#search-results li').allTextContents(), Array.from({ length: 10 }, (_, i) => `big.g42.m099${i}`));
      await w.page.locator('#search').press('Enter');
      await w.page.locator('.tree-row[data-path="big.g42.m0990"].active').waitFor();
      t.pass('Enter opens the tree at the first match, 990 rows down');
      t.same(w.errors, []);
    });
  }
}
