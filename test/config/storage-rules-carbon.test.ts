// Interop: carbon's own loader (graphite-carbon's carbon.storage) reads the same files and picks
// the same section, archives, xFilesFactor and aggregation method for every name.
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { requirePeer, DEBIAN_PYTHON, pythonHasModule } from '../support/interop.js';
import { loadStorageRules, selectStorage } from '../../lib/config/storage-rules.js';

const CONF = path.resolve(import.meta.dirname, '../../conf');

const CARBON_SELECT = `
import json, sys
from carbon.conf import settings
settings['CONF_DIR'] = '/nonexistent'
import carbon.storage as storage
req = json.load(sys.stdin)
storage.STORAGE_SCHEMAS_CONFIG = req['schemas']
storage.STORAGE_AGGREGATION_CONFIG = req['aggregation']
schemas = storage.loadStorageSchemas()
aggregations = storage.loadAggregationSchemas()
out = []
for name in req['names']:
    s = next(x for x in schemas if x.matches(name))
    a = next(x for x in aggregations if x.matches(name))
    xff, method = a.archives
    out.append([s.name, [list(x.getTuple()) for x in s.archives], 0.5 if xff is None else xff, method or 'average'])
print(json.dumps(out))
`;

const NAMES = [
  'stats.counters.api.hits.count', 'stats.counters.api.hits.rate', 'stats_counts.api.hits', 'stats.api.hits',
  'stats.timers.q.upper', 'stats.timers.q.upper_99', 'stats.timers.q.lower', 'stats.timers.q.lower_top5',
  'stats.timers.q.sum', 'stats.timers.q.sum_90', 'stats.timers.q.sum_squares', 'stats.timers.q.sum_squares_90',
  'stats.timers.q.count', 'stats.timers.q.count_90', 'stats.timers.q.count_ps', 'stats.timers.q.mean', 'stats.timers.q.median',
  'stats.timers.q.std', 'stats.timers.q.histogram.bin_100', 'stats.timers.q.histogram.bin_inf', 'stats.sets.u.count',
  'stats.gauges.g', 'statsd.numStats', 'stats.statsd.processing_time', 'stats.statsd.graphiteStats.last_exception',
  'stats.statsd.graphiteStats.flush_time', 'stats.counters.statsd.bad_lines_seen.count', 'carbon.agents.a.cpu',
  'servers.web01.load.1min', 'foo', 'countdown.count.x', 'my.upper', 'a.min', 'b.max', 'stats.x.lower_topper',
  'sotto.carbon.bad_lines', 'sotto.tracelog.orphan_records', 'sotto.forward.h_2003.dropped_lines', 'sotto.forward.h_2003.queued_bytes',
  'sotto.store.metrics_not_written', 'sotto.store.unwritten_flushes', 'app.sotto.bad_lines',
];

t.test("carbon's loader selects the same storage for the shipped configuration", async (t) => {
  if (!requirePeer(t, 'carbon (graphite-carbon)', pythonHasModule('carbon.conf'), 'apt-get install graphite-carbon')) return;
  const schemas = path.join(CONF, 'storage-schemas.conf');
  const aggregation = path.join(CONF, 'storage-aggregation.conf');
  const carbon = JSON.parse(
    execFileSync(DEBIAN_PYTHON, ['-c', CARBON_SELECT], { input: JSON.stringify({ schemas, aggregation, names: NAMES }) }).toString(),
  ) as [string, number[][], number, string][];
  const rules = await loadStorageRules(schemas, aggregation);
  NAMES.forEach((name, i) => {
    const s = selectStorage(rules, name);
    t.same([s.schema, s.archives, s.xFilesFactor, s.aggregationMethod], carbon[i], name);
  });
});

t.test('carbon and sotto agree on hand-written files using ConfigParser and regex corners', async (t) => {
  if (!requirePeer(t, 'carbon (graphite-carbon)', pythonHasModule('carbon.conf'), 'apt-get install graphite-carbon')) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sotto-carbon-rules-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const schemas = path.join(dir, 'storage-schemas.conf');
  const aggregation = path.join(dir, 'storage-aggregation.conf');
  fs.writeFileSync(schemas, [
    '# comment', '[DEFAULT]', 'retentions = 60:1d', '',
    '[Upper]', 'PATTERN: (?i)^UPPER\\.', '',
    '[named]', 'pattern = ^(?P<a>\\w+)\\.(?P=a)$', 'retentions = 1s:1h,', '   1m:1d',
    '[pct]', 'pattern = ^p%%', 'retentions = 1h:1y',
    '[anchored]', 'pattern = \\Ax\\.y\\Z', 'retentions = 10s:1d',
  ].join('\n'));
  fs.writeFileSync(aggregation, [
    '[cnt]', 'pattern = count', 'xFilesFactor = 0.0', '[mx]', 'pattern = ^m', 'aggregationMethod = max',
  ].join('\n'));
  const names = ['upper.a', 'UPPER.b', 'dup.dup', 'dup.other', 'p%x', 'x.y', 'x.y.z', 'count.m', 'mcount', 'other'];
  const carbon = JSON.parse(
    execFileSync(DEBIAN_PYTHON, ['-c', CARBON_SELECT], { input: JSON.stringify({ schemas, aggregation, names }) }).toString(),
  ) as [string, number[][], number, string][];
  const rules = await loadStorageRules(schemas, aggregation);
  names.forEach((name, i) => {
    const s = selectStorage(rules, name);
    const ours = [s.schema ?? 'default', s.archives, s.xFilesFactor, s.aggregationMethod];
    t.same(ours, carbon[i], name);
  });
});
