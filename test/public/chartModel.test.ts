import t from 'tap';
import { readFileSync } from 'node:fs';
import { colorFor, DASHES, isolatedPoints, LEGEND_LIMIT, legendSlice, styleFor, swatchBackground, markerTimes, nearestIndex, PALETTE, parseRender, seriesStats, stepOf, timeExtent, valuesAt, yExtent, type PlotSeries } from '../../public/src/chartModel.js';

// Real answers of graphite-web 1.1.8 (recorded by the oracle's smoke run).
const SAMPLES = new URL('../../../shared/oracles/graphite-web/samples/', import.meta.url);
const sample = (name: string) => JSON.parse(readFileSync(new URL(name, SAMPLES), 'utf8')) as unknown;

t.test("graphite-web's render JSON is read with gaps as nulls; NaN and ±Infinity are gaps too", async (t) => {
  const [s] = parseRender(sample('37-render-weird-values-json.txt'), 'weird.values');
  t.equal(s!.name, 'weird.values');
  t.equal(s!.points.length, 17);
  t.same(s!.points.slice(0, 2), [[1795329060, 1e-5], [1795329070, 0.1]]);
  t.same(
    s!.points.map((p) => p[1] === null),
    [false, false, false, false, false, false, true, true, true, false, false, false, false, false, false, true, true],
    'null, 1e9999 and -1e9999 are gaps; -0.0 is a value',
  );
});

t.test('several series of one answer keep their order and names', async (t) => {
  const series = parseRender(sample('36-render-multi-target-order.txt'), 'x');
  t.same(series.map((s) => s.name), ['a.x.y', 'a.b.c', 'a.b.d', 'a.x.y', 'weird.values']);
  t.ok(series.every((s) => s.target === 'x'));
});

t.test('an answer that is not graphite-shaped is an error, not an empty graph', async (t) => {
  t.throws(() => parseRender({ error: 'x' }, 't'), /not a list/);
  t.throws(() => parseRender([{ target: 'a' }], 't'), /no datapoints/);
  t.same(parseRender([], 't'), []);
  t.same(parseRender([{ datapoints: [[1, 10], ['bad'], [2, 'x']] }], 't'), [{ name: 't', target: 't', points: [[10, 1]] }], 'unnamed series take the target; bad pairs are skipped');
});

const series = (points: Array<[number, number | null]>, name = 's'): PlotSeries => ({ name, target: name, points });

t.test('legend statistics ignore gaps; current is the last value that is not a gap', async (t) => {
  t.same(seriesStats([[10, 1], [20, null], [30, 5], [40, 3], [50, null]]), { current: 3, min: 1, max: 5, avg: 3 });
  t.same(seriesStats([[10, null]]), { current: null, min: null, max: null, avg: null });
  t.same(seriesStats([[10, 0], [20, 0]]), { current: 0, min: 0, max: 0, avg: 0 }, 'zeros are values');
});

t.test('a point between two gaps is marked to be drawn as a dot', async (t) => {
  t.same(isolatedPoints([[0, 1], [1, null], [2, 3], [3, null], [4, 5], [5, 6]]), [0, 2]);
  t.same(isolatedPoints([[0, 1]]), [0]);
  t.same(isolatedPoints([[0, null], [1, 2], [2, 3]]), []);
});

t.test('the y range covers every value, starts at zero for positive data near it, and pads a flat line', async (t) => {
  t.same(yExtent([series([[0, 3], [1, 10]]), series([[0, null], [1, 7]])]), [0, 10]);
  t.same(yExtent([series([[0, 90], [1, 100]])]), [90, 100], 'far above zero: no zero');
  t.same(yExtent([series([[0, -5], [1, 5]])]), [-5, 5]);
  t.same(yExtent([series([[0, 50], [1, 50]])]), [45, 55]);
  t.same(yExtent([series([[0, 0]])]), [0, 1]);
  t.equal(yExtent([series([[0, null]])]), null);
});

t.test('the crosshair finds the nearest point of every series, within a step', async (t) => {
  const a = series([[10, 1], [20, 2], [30, 3]], 'a');
  const b = series([[10, null], [20, 20]], 'b');
  t.equal(nearestIndex(a.points, 24), 1);
  t.equal(nearestIndex(a.points, 26), 2);
  t.equal(nearestIndex(a.points, 15), 0, 'a tie goes to the earlier point');
  t.equal(nearestIndex([], 5), -1);
  t.same(valuesAt([a, b], 29, 10), [{ name: 'a', time: 30, value: 3 }, { name: 'b', time: 20, value: 20 }]);
  t.same(valuesAt([a, b], 100, 10), [null, null]);
  t.same(valuesAt([a, b], 11, 10), [{ name: 'a', time: 10, value: 1 }, { name: 'b', time: 10, value: null }], 'a gap shows as no value');
});

t.test('step and time extent come from the timestamps', async (t) => {
  t.equal(stepOf([[10, 1], [20, 2], [40, 3]]), 10);
  t.equal(stepOf([[10, 1]]), 0);
  t.same(timeExtent([series([[10, 1], [20, 1]]), series([[5, 1], [15, null]]), series([])]), [5, 20]);
  t.equal(timeExtent([]), null);
});

t.test('colours are stable per position and repeat after the palette', async (t) => {
  t.equal(colorFor(0), PALETTE[0]);
  t.equal(colorFor(PALETTE.length + 1), PALETTE[1]);
  t.equal(new Set(PALETTE).size, PALETTE.length);
});

t.test('past the palette, series get dash patterns: 50 look different before any repeats', async (t) => {
  t.same(styleFor(0), { color: PALETTE[0], dash: '' }, 'the first ten are solid');
  t.same(styleFor(9), { color: PALETTE[9], dash: '' });
  t.same(styleFor(10), { color: PALETTE[0], dash: DASHES[1] }, 'the eleventh: the first colour, dashed');
  const keys = Array.from({ length: 150 }, (_, i) => `${styleFor(i).color}|${styleFor(i).dash}`);
  t.equal(new Set(keys.slice(0, PALETTE.length * DASHES.length)).size, PALETTE.length * DASHES.length);
  t.equal(new Set(DASHES).size, DASHES.length);
  t.equal(swatchBackground({ color: '#123456', dash: '' }), '#123456', 'a solid swatch is the colour');
  t.equal(swatchBackground({ color: '#123456', dash: '7 3' }), 'repeating-linear-gradient(90deg, #123456 0px 7px, transparent 7px 10px)');
  t.equal(swatchBackground({ color: '#123456', dash: '10 3 2 3' }), 'repeating-linear-gradient(90deg, #123456 0px 10px, transparent 10px 13px, #123456 13px 15px, transparent 15px 18px)');
});

t.test('the legend shows the first 20 entries and counts the rest', async (t) => {
  t.equal(LEGEND_LIMIT, 20);
  t.same(legendSlice(150, false), { shown: 20, more: 130 });
  t.same(legendSlice(150, true), { shown: 150, more: 0 }, 'expanded: all');
  t.same(legendSlice(20, false), { shown: 20, more: 0 });
  t.same(legendSlice(21, false), { shown: 21, more: 0 }, '"+1 more" would hide no more than it takes');
  t.same(legendSlice(22, false), { shown: 20, more: 2 });
  t.same(legendSlice(0, false), { shown: 0, more: 0 });
});

t.test('drawAsInfinite series are markers: by name or by tag (an alias keeps the tag), lines where > 0, no y range', async (t) => {
  const [byName] = parseRender([{ target: 'drawAsInfinite(a.restarts)', datapoints: [[0, 10], [1, 20]] }], 't');
  t.equal(byName!.marker, true);
  // What sotto answers for alias(drawAsInfinite(sumSeries(…)), "restarts"); graphite-web tags it the same way.
  const [byTag] = parseRender([{ target: 'restarts', tags: { name: 'sumSeries(x)', drawAsInfinite: '1' }, datapoints: [[0, 10], [2, 20], [null, 30], [-1, 40], [0.5, 50]] }], 't');
  t.equal(byTag!.marker, true);
  t.same(markerTimes(byTag!.points), [20, 50], 'only values above zero draw a line');
  const [plain] = parseRender([{ target: 'restarts', tags: { name: 'restarts' }, datapoints: [[1, 10]] }], 't');
  t.notOk(plain!.marker, 'other series are not markers');
  const line: PlotSeries = { name: 'l', target: 'l', points: [[10, 5], [20, 7]] };
  t.same(yExtent([line, { ...byTag!, points: [[10, 1000]] }]), yExtent([line]), 'a marker does not stretch the y axis');
  t.equal(yExtent([byTag!]), null, 'markers alone have no y range');
});
