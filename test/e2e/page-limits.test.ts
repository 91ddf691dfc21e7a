/// <reference lib="dom" />
// (DOM types for the functions passed to page.evaluate, which run in the browser.)
// The page at its limits: a metric 25 levels deep stays readable in the 320 px sidebar (capped
// indent, the level shown instead, a long name ellipsized with the full path as its title), and
// a target yielding 150 series gets a capped, expandable legend, a chart that keeps its height
// and line styles that stay distinct after the tenth colour.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, needPeer, openPage } from './support/browser.js';
import { ensurePageBuilt } from './support/build.js';
import { fixtureT0, STEP, whisperAvailable, writeWhisperFixture } from './support/fixtures.js';
import { clean, seriesPath } from './support/page.js';
import { startSotto } from './support/sotto.js';

const LEVELS = Array.from({ length: 24 }, (_, i) => `level${String(i + 1).padStart(2, '0')}`);
const LONG_LEAF = 'a_rather_long_metric_name_that_cannot_fit_in_the_sidebar_at_any_indent';
const DEEP = ['deep', ...LEVELS.slice(1), LONG_LEAF].join('.'); // 25 components: rows down to level 25
const MANY = Array.from({ length: 150 }, (_, i) => `many.s${String(i).padStart(3, '0')}`);

if (needPeer(t, "Debian's python3-whisper", whisperAvailable(), 'apt-get install -y python3-whisper')) {
  await ensurePageBuilt();
  const T0 = fixtureT0();
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-e2e-limits-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const points = Array.from({ length: 60 }, (_, i) => [T0 + STEP * i, 1 + (i % 5)] as [number, number]);
  writeWhisperFixture(
    dataDir,
    [
      { name: DEEP, retentions: [[STEP, 360]], points },
      { name: 'seed.one', retentions: [[STEP, 360]], points },
    ],
    { source: 'seed.one', names: MANY },
  );
  const sotto = await startSotto({ dataDir });
  t.teardown(() => sotto.stop());
  const context = await launchBrowser(t);
  const window10 = `from=${T0}&until=${T0 + 600}`;

  if (context) {
    t.test('a row 25 levels deep stays inside the sidebar, says its level, and ellipsizes its long name', async (t) => {
      t.equal(DEEP.split('.').length, 25);
      const w = await openPage(t, context, 'deep-tree');
      await w.page.goto(`${sotto.base}/?${window10}`);
      await w.page.locator('.tree-row[data-path="deep"]').waitFor();
      await w.page.fill('#search', DEEP);
      await w.page.waitForSelector('#search-results li');
      await w.page.locator('#search').press('Enter');
      const row = w.page.locator(`.tree-row[data-path="${DEEP}"]`);
      await row.waitFor();
      t.equal(await row.getAttribute('aria-level'), '25');
      const tree = (await w.page.locator('#tree').boundingBox())!;
      const name = row.locator('.name');
      const box = (await name.boundingBox())!;
      t.ok(box.x >= tree.x && box.x + box.width <= tree.x + tree.width + 0.5, `the name is inside the tree (${box.x.toFixed(0)}…${(box.x + box.width).toFixed(0)} in ${tree.x.toFixed(0)}…${(tree.x + tree.width).toFixed(0)})`);
      t.ok(box.width >= 120, `and has room to be read (${box.width.toFixed(0)} px)`);
      t.ok(await name.evaluate((e) => e.scrollWidth > e.clientWidth && getComputedStyle(e).textOverflow === 'ellipsis'), 'the long name is cut with an ellipsis');
      t.equal(await row.getAttribute('title'), DEEP, 'the full name is the tooltip');
      t.match(await row.locator('.depth').textContent(), /25/, 'the row shows its level once the indent stops growing');
      // The rows just above differ in level, yet the indent has stopped growing.
      const parent = w.page.locator(`.tree-row[data-path="${DEEP.slice(0, DEEP.lastIndexOf('.'))}"]`);
      t.equal(await parent.evaluate((e) => getComputedStyle(e).paddingLeft), await row.evaluate((e) => getComputedStyle(e).paddingLeft), 'indent is capped');
      const shallow = w.page.locator('.tree-row[data-path="deep.level02"]');
      t.equal(await shallow.locator('.depth').count(), 0, 'shallow rows show their level by indent only');
      const scroll = await w.page.locator('#tree').evaluate((e) => e.scrollWidth - e.clientWidth);
      t.ok(scroll <= 0, `no sideways scrolling in the tree (${scroll} px)`);
      clean(t, w);
    });

    t.test('150 series: the legend shows 20 and "+130 more", the chart keeps its height, styles stay distinct', async (t) => {
      const w = await openPage(t, context, 'many-series');
      await w.page.goto(`${sotto.base}/?${window10}&g0=seed.one&g1=many.*`);
      await seriesPath(w.page, 'many.s149', 1).waitFor();
      await seriesPath(w.page, 'seed.one', 0).waitFor();
      const cards = w.page.locator('.graph-card');
      const chartHeight = async (i: number) => (await cards.nth(i).locator('.chart-svg').boundingBox())!.height;
      t.equal(await chartHeight(1), await chartHeight(0), 'the chart of 150 series is as tall as the chart of one');
      const legend = cards.nth(1).locator('.legend');
      t.equal(await legend.locator('.legend-row').count(), 20, 'twenty legend entries');
      const more = cards.nth(1).locator('button.legend-more');
      t.equal((await more.textContent())!.trim(), '+130 more');
      const cardHeight = (await cards.nth(1).boundingBox())!.height;
      t.ok(cardHeight < 900, `the card stays a card (${cardHeight.toFixed(0)} px)`);

      // Line styles: colour and dash together tell at least 50 series apart.
      const styles = await cards.nth(1).locator('path.series-line').evaluateAll((paths) => paths.map((p) => `${p.getAttribute('stroke')}|${p.getAttribute('stroke-dasharray') ?? ''}`));
      t.equal(styles.length, 150);
      t.equal(new Set(styles.slice(0, 50)).size, 50, 'the first 50 series all look different');
      t.equal(styles[0]!.split('|')[1], '', 'the first ten are solid');
      t.not(styles[10], styles[0], 'the eleventh differs from the first');

      await more.click();
      t.equal(await legend.locator('.legend-row').count(), 150, 'expanded: every entry');
      t.equal(await chartHeight(1), await chartHeight(0), 'the chart height is unchanged');
      const box = (await cards.nth(1).locator('.legend-box').boundingBox())!;
      t.ok(box.height < 600, `the long legend scrolls in its box (${box.height.toFixed(0)} px)`);
      t.equal((await cards.nth(1).locator('button.legend-more').textContent())!.trim(), 'show fewer');
      // An entry past the first twenty still toggles its series.
      await legend.locator('.legend-row[data-series="many.s120"] .legend-toggle').click();
      await cards.nth(1).locator('path.series-line[data-series="many.s120"]').waitFor({ state: 'detached' });
      t.equal(await legend.locator('.legend-row').count(), 150, 'stays expanded after a toggle');
      await cards.nth(1).locator('button.legend-more').click();
      t.equal(await legend.locator('.legend-row').count(), 20, 'folded again');
      clean(t, w);
    });
  }
}
