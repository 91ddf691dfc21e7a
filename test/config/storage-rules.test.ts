import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import {
  parseStorageSchemas, parseStorageAggregation, selectStorage, loadStorageRules, parseIni, compilePythonRegex,
  StorageRulesError, DEFAULT_ARCHIVES, type StorageRules,
} from '../../lib/config/storage-rules.js';

const CONF = path.resolve(import.meta.dirname, '../../conf');

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof StorageRulesError)) throw err;
    return err.message;
  }
  throw new Error('expected an error');
}

t.test('the shipped configuration gives statsd metrics a 10 s archive and statsd-minded aggregation', async (t) => {
  const rules = await loadStorageRules(path.join(CONF, 'storage-schemas.conf'), path.join(CONF, 'storage-aggregation.conf'));
  const statsd = [[10, 2160], [60, 10080], [600, 262800]];
  const table: [string, number, string][] = [
    ['stats.counters.api.hits.count', 0, 'sum'],
    ['stats.counters.api.hits.rate', 0.3, 'average'],
    ['stats_counts.api.hits', 0, 'sum'],
    ['stats.api.hits', 0.3, 'average'],
    ['stats.timers.db.query.upper', 0.1, 'max'],
    ['stats.timers.db.query.upper_90', 0.1, 'max'],
    ['stats.timers.db.query.lower', 0.1, 'min'],
    ['stats.timers.db.query.lower_top10', 0.1, 'min'],
    ['stats.timers.db.query.sum', 0, 'sum'],
    ['stats.timers.db.query.sum_90', 0, 'sum'],
    ['stats.timers.db.query.sum_squares_90', 0, 'sum'],
    ['stats.timers.db.query.count', 0, 'sum'],
    ['stats.timers.db.query.count_90', 0, 'sum'],
    ['stats.timers.db.query.count_ps', 0.3, 'average'],
    ['stats.timers.db.query.mean_90', 0.3, 'average'],
    // percentThreshold 99.9 and -10 / -99.9 (etsy: '.' → '_', '-' → 'top')
    ['stats.timers.db.query.upper_99_9', 0.1, 'max'],
    ['stats.timers.db.query.count_99_9', 0, 'sum'],
    ['stats.timers.db.query.sum_99_9', 0, 'sum'],
    ['stats.timers.db.query.sum_squares_99_9', 0, 'sum'],
    ['stats.timers.db.query.mean_99_9', 0.3, 'average'],
    ['stats.timers.db.query.count_top10', 0, 'sum'],
    ['stats.timers.db.query.sum_top10', 0, 'sum'],
    ['stats.timers.db.query.sum_squares_top99_9', 0, 'sum'],
    ['stats.timers.db.query.lower_top99_9', 0.1, 'min'],
    ['stats.timers.db.query.histogram.bin_100', 0, 'sum'],
    ['stats.sets.users.count', 0, 'max'],
    ['stats.gauges.queue', 0.3, 'average'],
    ['statsd.numStats', 0.3, 'average'],
    ['stats.statsd.graphiteStats.last_flush', 0, 'max'],
    ['servers.web1.load', 0.3, 'average'],
    // sotto's own metrics: counts per flush add up, levels average
    ['sotto.carbon.bad_lines', 0, 'sum'],
    ['sotto.carbon.points_received', 0, 'sum'],
    ['sotto.tracelog.records', 0, 'sum'],
    ['sotto.tracelog.late_records', 0, 'sum'],
    ['sotto.forward.127_0_0_1_2003.dropped_lines', 0, 'sum'],
    ['sotto.forward.127_0_0_1_2003.queued_bytes', 0.3, 'average'],
    ['sotto.forward.127_0_0_1_2003.connected', 0.3, 'average'],
    ['sotto.store.metrics_not_written', 0, 'sum'],
    ['sotto.store.joined_flushes', 0, 'sum'],
    ['sotto.store.unwritten_flushes', 0.3, 'average'],
  ];
  for (const [name, xff, method] of table) {
    const s = selectStorage(rules, name);
    t.same([s.archives, s.xFilesFactor, s.aggregationMethod], [statsd, xff, method], name);
  }
});

t.test('sections are tried in file order and the first matching pattern wins', async (t) => {
  const schemas = parseStorageSchemas('[a]\npattern = ^x\\.\nretentions = 1s:1m\n[b]\npattern = .*\nretentions = 1m:1h\n[c]\npattern = ^x\nretentions = 1h:1d\n');
  const aggs = parseStorageAggregation('[s]\npattern = \\.count$\nxFilesFactor = 0\naggregationMethod = sum\n[rest]\npattern = .\n');
  const rules: StorageRules = { schemas, aggregations: aggs };
  t.same(selectStorage(rules, 'x.y.count'), { archives: [[1, 60]], xFilesFactor: 0, aggregationMethod: 'sum', schema: 'a', aggregation: 's' });
  t.same(selectStorage(rules, 'y'), { archives: [[60, 60]], xFilesFactor: 0.5, aggregationMethod: 'average', schema: 'b', aggregation: 'rest' },
    'a matched section that sets nothing leaves whisper defaults');
  t.same(selectStorage({ schemas: [], aggregations: [] }, 'z'), { archives: DEFAULT_ARCHIVES, xFilesFactor: 0.5, aggregationMethod: 'average', schema: null, aggregation: null },
    "no match: carbon's built-in 60:10080");
  t.ok(selectStorage(rules, 'axb').schema === 'b', 'patterns are searched anywhere but anchors hold');
});

t.test("retentions follow carbon's strict parser: single-letter units, point counts or durations", async (t) => {
  const one = (r: string) => parseStorageSchemas(`[s]\npattern = .\nretentions = ${r}\n`)[0]!.archives;
  t.same(one('10s:6h,1m:7d,10m:5y'), [[10, 2160], [60, 10080], [600, 262800]]);
  t.same(one('60:1440'), [[60, 1440]]);
  t.same(one(' 1h:7d , 1d:1y '), [[3600, 168], [86400, 365]]);
  t.same(one('7s:1m'), [[7, 8]], 'points-as-duration is truncated');
  t.same(one('1w:2y'), [[604800, 104]]);
  t.equal(errorOf(() => one('10s:1x')), 'storage-schemas.conf [s]: bad retention "10s:1x": unknown unit "x"');
  t.equal(errorOf(() => one('1min:1d')), 'storage-schemas.conf [s]: bad retention "1min:1d": unknown unit "min"');
  t.equal(errorOf(() => one('10s')), `storage-schemas.conf [s]: bad retention "10s": expected "precision:retention" with exactly one ':'`);
  t.equal(errorOf(() => one('10s:6h,')), `storage-schemas.conf [s]: bad retention "": expected "precision:retention" with exactly one ':'`);
  t.equal(errorOf(() => one('0s:6h')), 'storage-schemas.conf [s]: bad retention "0s:6h": zero seconds per point');
  t.equal(errorOf(() => one('1h:1m')), 'storage-schemas.conf [s]: bad retention "1h:1m": the archive would hold no points');
  t.equal(errorOf(() => one('x:1')), 'storage-schemas.conf [s]: bad retention "x:1": invalid precision "x"');
  t.match(errorOf(() => one('60:10,90:100')), /^storage-schemas\.conf \[s\]: invalid retentions "60:10,90:100": Higher precision archives' precision must evenly divide/);
  t.match(errorOf(() => one('60:100,120:10')), /Lower precision archives must cover larger time intervals/);
});

t.test('problems name the file, the section and the problem', async (t) => {
  t.equal(errorOf(() => parseStorageSchemas('[s]\nretentions = 1m:1d\n', 'my.conf')), 'my.conf [s]: missing "pattern"');
  t.equal(errorOf(() => parseStorageSchemas('[s]\npattern = x\n')), 'storage-schemas.conf [s]: missing "retentions"');
  t.match(errorOf(() => parseStorageSchemas('[s]\npattern = (\nretentions = 1m:1d\n')), /^storage-schemas\.conf \[s\]: bad pattern "\(": /);
  t.equal(errorOf(() => parseStorageAggregation('[a]\npattern = x\nxFilesFactor = 2\n')),
    'storage-aggregation.conf [a]: bad xFilesFactor "2": must be a number from 0 to 1');
  t.equal(errorOf(() => parseStorageAggregation('[a]\npattern = x\nxFilesFactor = lots\n')),
    'storage-aggregation.conf [a]: bad xFilesFactor "lots": must be a number from 0 to 1');
  t.equal(errorOf(() => parseStorageAggregation('[a]\npattern = x\naggregationMethod = median\n')),
    'storage-aggregation.conf [a]: unknown aggregationMethod "median" (one of average, sum, last, max, min, avg_zero, absmax, absmin)');
  t.equal(errorOf(() => parseStorageSchemas('pattern = x\n')), 'storage-schemas.conf line 1: a line outside any [section]: "pattern = x"');
  t.equal(errorOf(() => parseStorageSchemas('[a]\npattern=x\nretentions=1m:1d\n[a]\n')), 'storage-schemas.conf line 4: section [a] appears twice');
  t.equal(errorOf(() => parseStorageSchemas('[a]\npattern=x\npattern=y\n')), 'storage-schemas.conf line 3: [a]: option "pattern" appears twice');
  t.equal(errorOf(() => parseStorageSchemas('[a]\njust words\n')), 'storage-schemas.conf line 2: [a]: not an option line: "just words"');
  t.match(errorOf(() => parseStorageSchemas('[a]\npattern = 50%\nretentions = 1m:1d\n')), /^storage-schemas\.conf \[a\]: '%' must be followed by '%' or '\('/);
});

t.test("the files are read with Python ConfigParser's rules", async (t) => {
  const text = [
    '# comment',
    '; another comment',
    '[DEFAULT]',
    'xfilesfactor = 0.25',
    '',
    '[Counts]',
    '  PATTERN : \\.count$   ',
    'AggregationMethod=sum',
    '[pct]',
    'pattern = 100%%\\.(?P<kind>x)(?P=kind)',
    '[multi]',
    'pattern = ^a',
    'retentions = 10s:1h,',
    '    1m:1d',
  ].join('\n');
  const sections = parseIni(text, 'f');
  t.same(sections.map((s) => s.name), ['Counts', 'pct', 'multi'], 'DEFAULT is not a rule');
  t.same(Object.fromEntries(sections[0]!.options), { xfilesfactor: '0.25', pattern: '\\.count$', aggregationmethod: 'sum' }, 'keys lower-cased, DEFAULT inherited, ":" or "="');
  t.equal(sections[1]!.options.get('pattern'), '100%\\.(?P<kind>x)(?P=kind)', '%% is a percent sign');
  t.equal(sections[2]!.options.get('retentions'), '10s:1h,\n1m:1d', 'indented lines continue a value');
  const aggs = parseStorageAggregation(text.replace('[multi]\npattern = ^a\nretentions = 10s:1h,\n    1m:1d', ''));
  t.same(aggs.map((a) => [a.name, a.xFilesFactor, a.aggregationMethod]), [['Counts', 0.25, 'sum'], ['pct', 0.25, null]]);
  t.ok(aggs[1]!.regex.test('100%.xx') && !aggs[1]!.regex.test('100%.xy'), 'Python named groups and backreferences work');
  t.same(parseStorageSchemas(text.replace(/\[Counts\][^[]*\[pct\][^[]*/, ''))[0]!.archives, [[10, 360], [60, 1440]]);
  t.equal(parseIni('[a]\nk = %(v)s/x\nv = 1\n', 'f')[0]!.options.get('k'), '1/x', '%(name)s interpolates');
});

t.test('Python regex spellings are translated', async (t) => {
  t.ok(compilePythonRegex('(?i)^STATS\\.', 'w').test('stats.x'));
  t.ok(compilePythonRegex('\\Aa\\Z', 'w').test('a'));
  t.notOk(compilePythonRegex('\\Aa\\Z', 'w').test('a\n'));
  t.throws(() => compilePythonRegex('(?x)a b', 'w'), /the \(\?x\) flag is not supported/);
});

t.test('loading: a missing aggregation file means no rules, a missing schemas file is an error', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sotto-rules-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'storage-schemas.conf'), '[all]\npattern = .*\nretentions = 1m:1d\n');
  const rules = await loadStorageRules(path.join(dir, 'storage-schemas.conf'), path.join(dir, 'nope.conf'));
  t.same(rules.aggregations, []);
  t.same(rules.schemas[0]!.archives, [[60, 1440]]);
  await t.rejects(loadStorageRules(path.join(dir, 'missing.conf')), /cannot read storage schemas .*missing\.conf/);
  fs.writeFileSync(path.join(dir, 'bad.conf'), '[carbon]\npattern = ^carbon\\.\nretentions = 10s:1x\n');
  await t.rejects(loadStorageRules(path.join(dir, 'bad.conf')), { message: 'bad.conf [carbon]: bad retention "10s:1x": unknown unit "x"' });
});
