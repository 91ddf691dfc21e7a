import t from 'tap';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, describeOptions } from '../../lib/config/load.js';
import { OPTIONS, defaults, envName, deleteSwitches, forwardTargets, parseForwardUrl, ConfigError } from '../../lib/config/options.js';

const dir = (files: Record<string, string> = {}) => {
  const d = mkdtempSync(join(tmpdir(), 'sotto-config-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), body);
  }
  return d;
};
const load = (cwd: string, env: Record<string, string> = {}, flags: Record<string, unknown> = {}) => loadConfig({ cwd, env, flags });

t.test('without a file the defaults apply, with etsy names and sotto defaults', async (t) => {
  const { config, file } = load(dir());
  t.equal(file, null);
  t.equal(config.port, 8125);
  t.equal(config.mgmt_port, 8126);
  t.equal(config.carbonPort, 2003);
  t.equal(config.flushInterval, 10000);
  t.same(config.percentThreshold, [90, 95, 99]);
  t.equal(config.graphite.legacyNamespace, false);
  t.equal(config.dataDir, './data');
});

t.test('conf/sotto.json lists every option with its default', async (t) => {
  const { readFileSync } = await import('node:fs');
  const shipped = JSON.parse(readFileSync(new URL('../../conf/sotto.json', import.meta.url), 'utf8'));
  t.same(shipped, defaults());
});

t.test('file, then SOTTO_* environment, then flags: the later wins', async (t) => {
  const cwd = dir({ 'conf/sotto.json': JSON.stringify({ flushInterval: 2000, port: 9000, graphite: { legacyNamespace: true } }) });
  const a = load(cwd);
  t.equal(a.config.flushInterval, 2000);
  t.equal(a.config.graphite.legacyNamespace, true);
  t.equal(a.sources.flushInterval, join(cwd, 'conf/sotto.json'));
  const b = load(cwd, { SOTTO_FLUSH_INTERVAL: '3000', SOTTO_UDP_PORT: '9001' });
  t.equal(b.config.flushInterval, 3000);
  t.equal(b.config.port, 9001);
  const c = load(cwd, { SOTTO_FLUSH_INTERVAL: '3000' }, { 'flush-interval': '4000', 'percent-threshold': ['90', '99.5'], forward: ['tcp://a:2003', 'b:2004'] });
  t.equal(c.config.flushInterval, 4000);
  t.same(c.config.percentThreshold, [90, 99.5]);
  t.same(c.config.forward, ['tcp://a:2003', 'b:2004']);
  t.equal(c.sources.flushInterval, '--flush-interval');
});

t.test('--config names the file; a missing one is an error', async (t) => {
  const cwd = dir({ 'other.json': JSON.stringify({ prefixStats: 'mine' }) });
  t.equal(load(cwd, {}, { config: 'other.json' }).config.prefixStats, 'mine');
  t.throws(() => load(cwd, {}, { config: 'nope.json' }), { message: /--config: config file .*nope\.json does not exist/ });
  t.throws(() => load(cwd, { SOTTO_CONFIG: 'nope.json' }), { message: /SOTTO_CONFIG: config file/ });
});

t.test('bad values are rejected with a message naming where they came from', async (t) => {
  const cwd = dir({ 'conf/sotto.json': JSON.stringify({ flushInterval: -5 }) });
  t.throws(() => load(cwd), new ConfigError(`${join(cwd, 'conf/sotto.json')}: flushInterval must be a whole number >= 1, got -5`));
  t.throws(() => load(dir(), { SOTTO_UDP_PORT: 'x' }), new ConfigError('SOTTO_UDP_PORT: port must be a port number 0-65535 or "off", got "x"'));
  t.throws(() => load(dir(), { SOTTO_UDP_PORT: '9001', SOTTO_PORT: '9002' }), new ConfigError('SOTTO_UDP_PORT and SOTTO_PORT are the same option (port) with different values'));
  t.throws(() => load(dir(), {}, { 'percent-threshold': ['150'] }), { message: '--percent-threshold: percentThreshold must be percentiles in (-100, 100], not 0, got ["150"]' });
  t.throws(() => load(dir(), {}, { forward: ['udp://x'] }), { message: '--forward: forward: bad destination "udp://x": expected tcp://host:port' });
  t.throws(() => load(dir({ 'conf/sotto.json': '{"flushInterva": 1}' })), { message: /unknown option "flushInterva" \(did you mean flushInterval\?\)/ });
  t.throws(() => load(dir({ 'conf/sotto.json': '{oops' })), { message: /cannot read config/ });
  t.throws(() => load(dir({ 'conf/sotto.json': '[1]' })), { message: /must hold a JSON object/ });
  t.throws(() => load(dir({ 'conf/sotto.json': '{"histogram": [{"metric": 1}]}' })), { message: /histogram rules must look like/ });
  t.throws(() => load(dir({ 'conf/sotto.json': '{"healthStatus": "sideways"}' })), { message: /healthStatus must be "up" or "down"/ });
  t.throws(() => load(dir({ 'conf/sotto.json': '{"debug": "yes"}' })), { message: /debug must be true or false/ });
  t.throws(() => load(dir({ 'conf/sotto.json': '{"prefixStats": 1}' })), { message: /prefixStats must be a string/ });
  t.throws(() => load(dir({ 'conf/sotto.json': '{"calculatedTimerMetrics": [1]}' })), { message: /must be a list of strings/ });
  t.throws(() => load(dir({ 'conf/sotto.json': '{"graphiteHost": ""}' })), { message: /must be a non-empty string/ });
  t.throws(() => load(dir(), { SOTTO_HISTOGRAM: '{nope' }), { message: /SOTTO_HISTOGRAM: histogram must be JSON/ });
});

t.test("etsy's config.js (a JavaScript object literal) is read, and its quirky values mean what they mean to etsy", async (t) => {
  const etsyExample = `/*
Required Variables: port, flushInterval …
*/
{
  graphitePort: 2003
, graphiteHost: "graphite.example.com"
, port: 8125
, backends: [ "./backends/graphite" ]
, flushInterval: 5 * 1000 // etsy evaluates the file: expressions work
, graphite: { legacyNamespace: false, globalPrefix: 'app' }
}
`;
  const cwd = dir({ 'config.js': etsyExample });
  const { config, warnings } = load(cwd, {}, { config: 'config.js' });
  t.same([config.graphiteHost, config.graphitePort, config.port, config.flushInterval, config.graphite.globalPrefix], ['graphite.example.com', 2003, 8125, 5000, 'app']);
  t.match(warnings, [/backends is an etsy statsd option sotto does not use/]);
  t.throws(() => load(dir({ 'conf/sotto.json': '{ flushInterval: (() => { for (;;); })() }' })), { message: /cannot read config: not JSON .*nor an etsy-style JavaScript object \(Script execution timed out/ });

  const quirks = load(dir({ 'conf/sotto.json': JSON.stringify({ flushInterval: 0, gaugesMaxTTL: 2.5, calculatedTimerMetrics: 'count', percentThreshold: [] }) }));
  t.same([quirks.config.flushInterval, quirks.config.gaugesMaxTTL, quirks.config.calculatedTimerMetrics, quirks.config.percentThreshold], [10000, 1, [], []]);
  t.equal(quirks.warnings.length, 3, 'each adjustment is a warning (an empty percentThreshold is simply no percentiles)');
  t.match(quirks.warnings.join('\n'), /calculatedTimerMetrics "count" is not a list \(all timer stats are written\); using \[\] as etsy statsd does/);
  t.same(load(dir({ 'conf/sotto.json': '{"percentThreshold": 0, "gaugesMaxTTL": -3}' })).config.percentThreshold, [90], 'etsy: percentThreshold || 90');
  t.equal(load(dir({ 'conf/sotto.json': '{"gaugesMaxTTL": 4}' })).warnings.length, 0);
});

t.test('ports can be turned off; booleans and lists accept their string forms', async (t) => {
  const { config, warnings } = load(dir({ 'conf/sotto.json': JSON.stringify({ carbonPort: 'off', mgmt_port: null, address_ipv6: false, deleteIdleStats: 'true', histogram: [{ metric: 'a', bins: [1, '2.5', 'inf'] }], backends: ['x'] }) }), { SOTTO_PERCENT_THRESHOLD: '50, -10' });
  t.equal(config.carbonPort, null);
  t.equal(config.mgmt_port, null);
  t.equal(config.address_ipv6, null);
  t.equal(config.deleteIdleStats, true);
  t.same(config.histogram, [{ metric: 'a', bins: [1, 2.5, 'inf'] }]);
  t.same(config.percentThreshold, [50, -10]);
  t.match(warnings[0], /backends is an etsy statsd option sotto does not use/);
  t.equal(load(dir({ 'conf/sotto.json': '{"address_ipv6": true}' })).config.address_ipv6, '::');
  t.equal(load(dir(), {}, { 'udp-port': ['1', '2'] }).config.port, 2, 'a repeated scalar flag: the last wins');
});

t.test('deleteIdleStats turns on each delete option not set explicitly', async (t) => {
  const c = { ...defaults(), deleteIdleStats: true, deleteGauges: false };
  t.same(deleteSwitches(c), { counters: true, timers: true, gauges: false, sets: true });
  t.same(deleteSwitches(defaults()), { counters: false, timers: false, gauges: false, sets: false });
});

t.test('forward destinations include graphiteHost', async (t) => {
  t.same(forwardTargets({ ...defaults(), forward: ['tcp://[::1]:2003'], graphiteHost: 'g', graphitePort: 2004 }), [{ host: '::1', port: 2003 }, { host: 'g', port: 2004 }]);
  t.same(forwardTargets({ ...defaults(), forward: ['tcp://g:2004', 'tcp://h:2003', 'tcp://h:2003'], graphiteHost: 'g', graphitePort: 2004 }), [{ host: 'g', port: 2004 }, { host: 'h', port: 2003 }], 'a destination named twice is one destination');
  t.throws(() => parseForwardUrl('tcp://h:0', 'x'), { message: 'x: bad destination "tcp://h:0": expected tcp://host:port' });
});

t.test('every option has a unique environment variable and is printable', async (t) => {
  const envs = OPTIONS.map(envName);
  t.equal(new Set(envs).size, envs.length);
  t.ok(envs.includes('SOTTO_UDP_PORT') && envs.includes('SOTTO_GAUGES_MAX_TTL') && envs.includes('SOTTO_GRAPHITE_LEGACY_NAMESPACE'));
  const rows = describeOptions();
  t.equal(rows.length, OPTIONS.length);
  t.same(rows.find((r) => r.path === 'flushInterval'), { path: 'flushInterval', default: 10000, flag: '--flush-interval', env: 'SOTTO_FLUSH_INTERVAL', describe: 'flush interval in milliseconds' });
});

t.test('an option is also set by SOTTO_ + its name, and a misspelt SOTTO_ variable is a warning, not silence', async (t) => {
  t.equal(load(dir(), { SOTTO_PORT: '9002' }).config.port, 9002, 'SOTTO_PORT sets port (its flag is --udp-port)');
  t.equal(load(dir(), { SOTTO_PORT: '9002', SOTTO_UDP_PORT: '9002' }).config.port, 9002, 'both, agreeing');
  const { config, warnings } = load(dir(), { SOTTO_FLUSHINTERVAL: '5', SOTTO_GAUGES_MAXTTL: '3', SOTTO_CONFIG: '', SOTTO_REQUIRE_INTEROP: '1', SOTTO_SEED: '7', HOME: '/x' });
  t.equal(config.flushInterval, 10000, 'the misspelt variable sets nothing');
  t.same(warnings, [
    'environment: SOTTO_FLUSHINTERVAL is not an option of sotto; did you mean SOTTO_FLUSH_INTERVAL?',
    'environment: SOTTO_GAUGES_MAXTTL is not an option of sotto; did you mean SOTTO_GAUGES_MAX_TTL?',
  ], 'names close to an option are warned about; unrelated SOTTO_ names (test knobs) and other variables are not');
});

t.test('`sotto config` says which values differ from the defaults and where they came from', async (t) => {
  const { runCli } = await import('../whisper/support.js');
  const root = join(import.meta.dirname, '../..');
  const r = await runCli(['config', '--flush-interval', '1000'], root);
  t.equal(r.status, 0);
  t.equal(JSON.parse(r.stdout).flushInterval, 1000);
  // conf/sotto.json sets every option to its default: only the flag is worth a mention
  t.equal(r.stderr, `(from ${join(root, 'conf/sotto.json')}; not the default: flushInterval by --flush-interval)\n`);
});
