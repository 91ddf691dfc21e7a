// Every sotto option in one printable place: its etsy name (where etsy has one), default, CLI flag,
// environment variable and validation. Pure. Loading (file → env → flags) lives in load.ts.
import type { HistogramRule } from '../statsd/timer-stats.js';
import type { StatsdSocketConfig } from '../statsd/listen.js';
import type { GraphiteNaming } from '../statsd/names.js';

/** The whole configuration; the statsd listener's and the graphite naming's slices are theirs. */
export interface SottoConfig extends StatsdSocketConfig {
  carbonPort: number | null;
  carbonAddress: string;
  carbonUdp: boolean;
  mgmt_port: number | null;
  mgmt_address: string;
  httpPort: number | null;
  httpHost: string;
  dataDir: string;
  writerThreads: number;
  storageSchemas: string;
  storageAggregation: string;
  flushInterval: number;
  percentThreshold: number[];
  histogram: HistogramRule[];
  calculatedTimerMetrics: string[];
  flush_counts: boolean;
  deleteIdleStats: boolean;
  deleteCounters: boolean | null;
  deleteTimers: boolean | null;
  deleteGauges: boolean | null;
  deleteSets: boolean | null;
  gaugesMaxTTL: number;
  prefixStats: string;
  keyNameSanitize: boolean;
  histogramsAsTimers: boolean;
  graphite: GraphiteNaming;
  graphiteHost: string | null;
  graphitePort: number;
  forward: string[];
  forwardBufferBytes: number;
  healthStatus: 'up' | 'down';
  dumpMessages: boolean;
  debug: boolean;
  tracelog: string[];
  tracelogTimeZone: string | null;
  tracelogStuckLimit: number;
  tracelogLateness: number;
  tracelogIdleLimit: number;
  tracelogPollInterval: number;
  syslogPort: number | null;
  syslogAddress: string;
}

export type Kind = 'port' | 'port?' | 'string' | 'string?' | 'host?' | 'bool' | 'bool?' | 'int' | 'pct[]' | 'string[]' | 'forward[]' | 'histogram' | 'health';

export interface OptionSpec {
  /** Dotted path in the config object (etsy's name where etsy has the option). */
  path: string;
  kind: Kind;
  default: unknown;
  describe: string;
  /** CLI flag without the dashes, when the option has one. */
  flag?: string;
  min?: number;
}

export const OPTIONS: readonly OptionSpec[] = [
  { path: 'port', kind: 'port?', default: 8125, flag: 'udp-port', describe: 'statsd UDP port (IPv4 and IPv6); "off" disables' },
  { path: 'address', kind: 'string', default: '0.0.0.0', describe: 'statsd UDP IPv4 address' },
  { path: 'address_ipv6', kind: 'host?', default: '::', describe: 'statsd UDP IPv6 address ("off" disables; etsy: a boolean)' },
  { path: 'tcpPort', kind: 'port?', default: null, flag: 'tcp-port', describe: 'statsd TCP port (newline-framed); off unless set' },
  { path: 'tcpAddress', kind: 'string', default: '0.0.0.0', describe: 'statsd TCP address' },
  { path: 'recvBufferSize', kind: 'int', default: 8388608, min: 0, describe: 'UDP receive buffer (SO_RCVBUF) in bytes, capped by net.core.rmem_max; 0 keeps the OS default' },
  { path: 'carbonPort', kind: 'port?', default: 2003, flag: 'carbon-port', describe: 'carbon plaintext port (TCP, and UDP if carbonUdp); "off" disables' },
  { path: 'carbonAddress', kind: 'string', default: '0.0.0.0', describe: 'carbon plaintext address' },
  { path: 'carbonUdp', kind: 'bool', default: true, describe: 'also accept carbon plaintext over UDP' },
  { path: 'mgmt_port', kind: 'port?', default: 8126, flag: 'mgmt-port', describe: 'management (admin) TCP port; "off" disables' },
  { path: 'mgmt_address', kind: 'string', default: '127.0.0.1', describe: 'management address (etsy: all interfaces)' },
  { path: 'httpPort', kind: 'port?', default: 8080, flag: 'http-port', describe: 'HTTP API and web page port; "off" disables' },
  { path: 'httpHost', kind: 'string', default: '127.0.0.1', flag: 'http-host', describe: 'HTTP address' },
  { path: 'dataDir', kind: 'string', default: './data', flag: 'data-dir', describe: 'where the Whisper files live' },
  { path: 'writerThreads', kind: 'int', default: 2, min: 0, describe: 'worker threads that write the Whisper files; 0: the main thread writes (less memory, slower flushes that pause ingest)' },
  { path: 'storageSchemas', kind: 'string', default: 'conf/storage-schemas.conf', describe: 'carbon storage-schemas.conf (retentions for new files)' },
  { path: 'storageAggregation', kind: 'string', default: 'conf/storage-aggregation.conf', describe: 'carbon storage-aggregation.conf' },
  { path: 'flushInterval', kind: 'int', default: 10000, min: 1, flag: 'flush-interval', describe: 'flush interval in milliseconds' },
  { path: 'percentThreshold', kind: 'pct[]', default: [90, 95, 99], flag: 'percent-threshold', describe: 'timer percentiles (repeatable flag); negative means top' },
  { path: 'histogram', kind: 'histogram', default: [], describe: 'timer histogram rules [{metric, bins}] (first substring match)' },
  { path: 'calculatedTimerMetrics', kind: 'string[]', default: [], describe: 'keep only these timer stats (empty: all)' },
  { path: 'flush_counts', kind: 'bool', default: true, describe: 'also write raw counter counts (.count / stats_counts)' },
  { path: 'deleteIdleStats', kind: 'bool', default: false, describe: 'turn on the four delete* options below unless set' },
  { path: 'deleteCounters', kind: 'bool?', default: null, describe: 'drop idle counters instead of sending 0' },
  { path: 'deleteTimers', kind: 'bool?', default: null, describe: 'drop idle timers' },
  { path: 'deleteGauges', kind: 'bool?', default: null, describe: 'drop gauges gaugesMaxTTL flushes after their last update' },
  { path: 'deleteSets', kind: 'bool?', default: null, describe: 'drop idle sets' },
  { path: 'gaugesMaxTTL', kind: 'int', default: 1, min: 1, describe: 'flushes an idle gauge is still sent with deleteGauges' },
  { path: 'prefixStats', kind: 'string', default: 'statsd', describe: 'namespace of the internal metrics' },
  { path: 'keyNameSanitize', kind: 'bool', default: true, describe: 'sanitize keys at ingest as etsy does' },
  { path: 'histogramsAsTimers', kind: 'bool', default: true, describe: 'treat |h and |d as timers (etsy counts them)' },
  { path: 'graphite.legacyNamespace', kind: 'bool', default: false, describe: 'etsy legacy names (stats.<key>, stats_counts.<key>)' },
  { path: 'graphite.globalPrefix', kind: 'string', default: 'stats', describe: 'first name component (non-legacy)' },
  { path: 'graphite.prefixCounter', kind: 'string', default: 'counters', describe: 'counter namespace (non-legacy)' },
  { path: 'graphite.prefixTimer', kind: 'string', default: 'timers', describe: 'timer namespace (non-legacy)' },
  { path: 'graphite.prefixGauge', kind: 'string', default: 'gauges', describe: 'gauge namespace (non-legacy)' },
  { path: 'graphite.prefixSet', kind: 'string', default: 'sets', describe: 'set namespace (non-legacy)' },
  { path: 'graphite.globalSuffix', kind: 'string', default: '', describe: 'appended to every name ("" for none)' },
  { path: 'graphiteHost', kind: 'host?', default: null, describe: 'etsy-style single forward destination (same as forward tcp://host:graphitePort)' },
  { path: 'graphitePort', kind: 'port', default: 2003, describe: 'port for graphiteHost' },
  { path: 'forward', kind: 'forward[]', default: [], flag: 'forward', describe: 'also send each flush as carbon plaintext to tcp://host:port (repeatable)' },
  { path: 'forwardBufferBytes', kind: 'int', default: 67108864, min: 0, describe: 'per destination: bytes buffered while it is down; older lines are dropped and counted' },
  { path: 'healthStatus', kind: 'health', default: 'up', describe: 'initial answer of the admin health command' },
  { path: 'dumpMessages', kind: 'bool', default: false, describe: 'log every received packet' },
  { path: 'debug', kind: 'bool', default: false, describe: 'verbose logging' },
  { path: 'tracelog', kind: 'string[]', default: [], flag: 'tracelog', describe: 'Zope-style request trace logs to follow: a file, directory or glob; name=path forces the instance (repeatable)' },
  { path: 'tracelogTimeZone', kind: 'string?', default: null, flag: 'tracelog-time-zone', describe: "IANA time zone of the trace logs' local timestamps (null: this host's zone)" },
  { path: 'tracelogStuckLimit', kind: 'int', default: 900000, min: 1, flag: 'tracelog-stuck-limit', describe: 'ms after its B that an unfinished request is expired and counted' },
  { path: 'tracelogLateness', kind: 'int', default: 5000, min: 0, describe: "ms after an interval's end that trace records may still arrive for it" },
  { path: 'tracelogIdleLimit', kind: 'int', default: 3600000, min: 1000, describe: 'ms without records after which an instance stops producing points' },
  { path: 'tracelogPollInterval', kind: 'int', default: 1000, min: 10, describe: 'ms between checks of the trace log files for new lines' },
  { path: 'syslogPort', kind: 'port?', default: null, flag: 'syslog-port', describe: 'receive trace log lines as UDP syslog (RFC 3164/5424) on this port; off unless set' },
  { path: 'syslogAddress', kind: 'string', default: '0.0.0.0', describe: 'address of the syslog receiver' },
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `SOTTO_` + the flag (or the option name in snake case), upper case: SOTTO_UDP_PORT, SOTTO_GAUGES_MAX_TTL. */
export function envName(spec: OptionSpec): string {
  return spec.flag ? 'SOTTO_' + spec.flag.replace(/-/g, '_').toUpperCase() : optionEnvName(spec);
}

/** `SOTTO_` + the option name in upper snake case (SOTTO_PORT), accepted as well as envName(). */
export function optionEnvName(spec: OptionSpec): string {
  return 'SOTTO_' + spec.path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase();
}

const OFF = new Set(['off', 'false', 'none', 'disabled']);

function fail(where: string, spec: OptionSpec, what: string, got: unknown): never {
  throw new ConfigError(`${where}: ${spec.path} ${what}, got ${JSON.stringify(got)}`);
}

/** Validates one value (from JSON, or a string from env/CLI) for its option; returns the normalised value. */
export function coerce(spec: OptionSpec, raw: unknown, where: string): unknown {
  const str = typeof raw === 'string' ? raw.trim() : undefined;
  const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
  const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : undefined);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v]);
  switch (spec.kind) {
    case 'port':
    case 'port?': {
      if (spec.kind === 'port?' && (raw === null || raw === false || (str !== undefined && OFF.has(str.toLowerCase())))) return null;
      const n = num(raw);
      if (!Number.isInteger(n) || n < 0 || n > 65535) fail(where, spec, `must be a port number 0-65535${spec.kind === 'port?' ? ' or "off"' : ''}`, raw);
      return n;
    }
    case 'string':
      if (typeof raw !== 'string') fail(where, spec, 'must be a string', raw);
      return raw;
    case 'string?':
    case 'host?':
      if (raw === null || raw === false || (str !== undefined && OFF.has(str.toLowerCase()))) return null;
      if (raw === true && spec.path === 'address_ipv6') return '::';
      if (typeof raw !== 'string' || raw === '') fail(where, spec, 'must be a non-empty string or "off"', raw);
      return raw;
    case 'bool': case 'bool?': {
      if (spec.kind === 'bool?' && raw === null) return null;
      const b = bool(raw);
      if (b === undefined) fail(where, spec, 'must be true or false', raw);
      return b;
    }
    case 'int': {
      const n = num(raw);
      if (!Number.isInteger(n) || n < (spec.min ?? 0)) fail(where, spec, `must be a whole number >= ${spec.min ?? 0}`, raw);
      return n;
    }
    case 'pct[]': {
      const out: number[] = [];
      for (const v of list(raw)) {
        const n = num(v);
        if (!Number.isFinite(n) || n <= -100 || n > 100 || n === 0) fail(where, spec, 'must be percentiles in (-100, 100], not 0', raw);
        if (!out.includes(n)) out.push(n);
      }
      // An explicit empty list (a config file's []) means no percentile stats, as in etsy.
      if (out.length === 0 && !(Array.isArray(raw) && raw.length === 0)) fail(where, spec, 'must list at least one percentile', raw);
      return out;
    }
    case 'string[]': {
      const items = list(raw);
      if (!items.every((v) => typeof v === 'string')) fail(where, spec, 'must be a list of strings', raw);
      return items;
    }
    case 'forward[]':
      return list(raw).map((v) => { parseForwardUrl(v, `${where}: forward`); return v as string; });
    case 'histogram': {
      if (!Array.isArray(raw)) fail(where, spec, 'must be a list of {metric, bins}', raw);
      return raw.map((r: any) => {
        const ok = r && typeof r.metric === 'string' && Array.isArray(r.bins) && r.bins.every((b: unknown) => b === 'inf' || Number.isFinite(num(b)));
        if (!ok) fail(where, spec, 'rules must look like {"metric": "api", "bins": [10, 100, "inf"]}', r);
        return { metric: r.metric, bins: r.bins.map((b: unknown) => (b === 'inf' ? 'inf' : num(b))) };
      });
    }
    case 'health':
      if (raw !== 'up' && raw !== 'down') fail(where, spec, 'must be "up" or "down"', raw);
      return raw;
  }
}

/** `tcp://host:port` (also `host:port`, `tcp://[::1]:2003`) → host and port; throws with `where` in the message. */
export function parseForwardUrl(value: unknown, where: string): { host: string; port: number } {
  const m = typeof value === 'string' ? /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/\s]+):(\d+)\/?$/.exec(value.trim()) : null;
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new ConfigError(`${where}: bad destination ${JSON.stringify(value)}: expected tcp://host:port`);
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** The defaults as a nested object (what `sotto config --print-defaults` prints). */
export function defaults(): SottoConfig {
  const out: Record<string, any> = {};
  for (const spec of OPTIONS) setPath(out, spec.path, structuredClone(spec.default));
  return out as SottoConfig;
}

export function setPath(obj: Record<string, any>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p] ??= {};
  o[parts[parts.length - 1]!] = value;
}

export function getPath(obj: Record<string, any>, path: string): unknown {
  return path.split('.').reduce<any>((o, p) => (o == null ? undefined : o[p]), obj);
}

/** Effective delete* switches: deleteIdleStats turns on each one that is not set explicitly (etsy). */
export function deleteSwitches(c: SottoConfig): { counters: boolean; timers: boolean; gauges: boolean; sets: boolean } {
  const pick = (v: boolean | null): boolean => (v === null ? c.deleteIdleStats : v);
  return { counters: pick(c.deleteCounters), timers: pick(c.deleteTimers), gauges: pick(c.deleteGauges), sets: pick(c.deleteSets) };
}

/** The forward destinations, graphiteHost included. */
export function forwardTargets(c: SottoConfig): { host: string; port: number }[] {
  const list = c.forward.map((f) => parseForwardUrl(f, 'forward'));
  if (c.graphiteHost) list.push({ host: c.graphiteHost, port: c.graphitePort });
  // A destination named twice (graphiteHost also in forward) gets each flush once.
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.host}:${d.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
