// Loads the effective configuration: defaults, then conf/sotto.json (or --config), then SOTTO_*
// environment variables, then CLI flags. Every value is validated where it comes from, so an
// error names the file, variable or flag: `SOTTO_FLUSH_INTERVAL: flushInterval must be …`.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import vm from 'node:vm';
import { OPTIONS, ConfigError, coerce, defaults, envName, getPath, optionEnvName, setPath, type OptionSpec, type SottoConfig } from './options.js';

export const DEFAULT_CONFIG_FILE = 'conf/sotto.json';

/** etsy options sotto accepts in a config file but does not use (a warning, not an error). */
const IGNORED_ETSY = new Set(['backends', 'servers', 'server', 'automaticConfigReload', 'log', 'title', 'keyFlush', 'repeater', 'repeaterProtocol', 'graphitePicklePort', 'graphiteProtocol', 'console', 'socket', 'socket_mod', 'mgmt_server']);

export interface LoadInput {
  cwd: string;
  env: Record<string, string | undefined>;
  /** CLI flag values by flag name (`udp-port`, `percent-threshold`, `config`, …); undefined = not given. */
  flags: Record<string, unknown>;
}

export interface LoadedConfig {
  config: SottoConfig;
  /** The config file read, if any. */
  file: string | null;
  /** Where each non-default value came from (`conf/sotto.json`, `SOTTO_UDP_PORT`, `--udp-port`). */
  sources: Record<string, string>;
  warnings: string[];
}

/** The candidate nearest to `name` (case-insensitive edit distance under 4), if any. */
function closest(name: string, candidates: readonly string[] = OPTIONS.map((s) => s.path)): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
    }
    return d[a.length]![b.length]!;
  };
  let best: string | undefined;
  let bestD = 4;
  for (const candidate of candidates) {
    const d = dist(name, candidate);
    if (d < bestD) { bestD = d; best = candidate; }
  }
  return best;
}

/**
 * A config file's object: JSON, or else what etsy statsd reads from its config.js, a JavaScript
 * object literal (etsy evaluates the file; so does this, in an empty context with a time limit:
 * the file is the operator's own, as trusted as the command line).
 */
export function parseConfigText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (jsonErr) {
    try {
      const value: unknown = vm.runInNewContext(`(${text}\n)`, Object.create(null), { timeout: 1000, filename: where });
      // Plain data only (functions and the like dropped), as JSON would have held it.
      return JSON.parse(JSON.stringify(value) ?? 'null');
    } catch (jsErr) {
      throw new ConfigError(`${where}: cannot read config: not JSON (${(jsonErr as Error).message}), nor an etsy-style JavaScript object (${(jsErr as Error).message})`);
    }
  }
}

/**
 * Values etsy statsd 0.9 accepts in its config file and reads its own way, read the same way so an
 * etsy config means the same here (each adjustment is a warning). Other values pass unchanged.
 */
function asEtsyReadsIt(path: string, v: unknown, where: string, warnings: string[]): unknown {
  const adjust = (to: unknown, why: string): unknown => {
    warnings.push(`${where}: ${path} ${JSON.stringify(v)} ${why}; using ${JSON.stringify(to)} as etsy statsd does`);
    return to;
  };
  switch (path) {
    case 'flushInterval': // etsy: Number(flushInterval || 10000)
      return v === 0 || v === null || v === false || v === '' ? adjust(10000, 'is not an interval') : v;
    case 'gaugesMaxTTL': // etsy: forced to 1 unless an integer > 1
      return typeof v === 'number' && !(Number.isInteger(v) && v > 1) ? (v === 1 ? v : adjust(1, 'is not an integer > 1')) : v;
    case 'calculatedTimerMetrics': // etsy: anything but an array means all of them
      return Array.isArray(v) ? v : adjust([], 'is not a list (all timer stats are written)');
    case 'percentThreshold': // etsy: percentThreshold || 90
      return v === 0 || v === null || v === false || v === '' ? adjust([90], 'is not a percentile') : v;
    default:
      return v;
  }
}

function readConfigFile(path: string, where: string, config: SottoConfig, sources: Record<string, string>, warnings: string[]): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${where}: cannot read config: ${(err as Error).message}`);
  }
  const data = parseConfigText(text, where);
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${where}: must hold a JSON object`);
  const known = new Map(OPTIONS.map((s) => [s.path, s] as const));
  const visit = (obj: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix + k;
      if (k.startsWith('//') || k === '$comment') continue; // comments in JSON
      const spec = known.get(path);
      if (spec) {
        setPath(config, path, coerce(spec, asEtsyReadsIt(path, v, where, warnings), where));
        sources[path] = where;
      } else if (path === 'graphite' && v && typeof v === 'object' && !Array.isArray(v)) {
        visit(v as Record<string, unknown>, 'graphite.');
      } else if (IGNORED_ETSY.has(path)) {
        warnings.push(`${where}: ${path} is an etsy statsd option sotto does not use; ignored`);
      } else {
        const hint = closest(path);
        throw new ConfigError(`${where}: unknown option ${JSON.stringify(path)}${hint ? ` (did you mean ${hint}?)` : ''}`);
      }
    }
  };
  visit(data as Record<string, unknown>, '');
}

function fromStrings(spec: OptionSpec, value: unknown, where: string): unknown {
  // Repeatable flags arrive as arrays; JSON-shaped options accept JSON text in env/flags.
  if (spec.kind === 'histogram' && typeof value === 'string') {
    try { value = JSON.parse(value); } catch { throw new ConfigError(`${where}: ${spec.path} must be JSON, got ${JSON.stringify(value)}`); }
  }
  if (Array.isArray(value) && spec.kind !== 'pct[]' && spec.kind !== 'string[]' && spec.kind !== 'forward[]' && spec.kind !== 'histogram') {
    value = value[value.length - 1]; // a repeated scalar flag: the last one wins
  }
  if (Array.isArray(value)) value = value.flatMap((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v]));
  return coerce(spec, value, where);
}

/** Builds the effective configuration; throws ConfigError with a message naming the culprit. */
export function loadConfig(input: LoadInput): LoadedConfig {
  const config = defaults();
  const sources: Record<string, string> = {};
  const warnings: string[] = [];
  const explicit = (input.flags.config as string | undefined) ?? input.env.SOTTO_CONFIG;
  let file: string | null = null;
  if (explicit !== undefined && explicit !== '') {
    file = resolve(input.cwd, explicit);
    if (!existsSync(file)) throw new ConfigError(`${input.flags.config !== undefined ? '--config' : 'SOTTO_CONFIG'}: config file ${file} does not exist`);
  } else if (existsSync(resolve(input.cwd, DEFAULT_CONFIG_FILE))) {
    file = resolve(input.cwd, DEFAULT_CONFIG_FILE);
  }
  if (file) readConfigFile(file, file, config, sources, warnings);

  const known = new Set(['SOTTO_CONFIG']);
  for (const spec of OPTIONS) {
    // SOTTO_ + the flag, or + the option name (they differ for `port`: SOTTO_UDP_PORT, SOTTO_PORT)
    const names = [...new Set([envName(spec), optionEnvName(spec)])];
    const given = names.filter((n) => input.env[n] !== undefined && input.env[n] !== '');
    for (const n of names) known.add(n);
    if (given.length === 0) continue;
    if (given.length > 1 && input.env[given[0]!] !== input.env[given[1]!]) {
      throw new ConfigError(`${given.join(' and ')} are the same option (${spec.path}) with different values`);
    }
    setPath(config, spec.path, fromStrings(spec, input.env[given[0]!]!, given[0]!));
    sources[spec.path] = given[0]!;
  }
  // A misspelt variable would otherwise be ignored without a word.
  for (const name of Object.keys(input.env)) {
    if (!name.startsWith('SOTTO_') || known.has(name)) continue;
    const hint = closest(name, [...known]);
    if (hint !== undefined) warnings.push(`environment: ${name} is not an option of sotto; did you mean ${hint}?`);
  }
  for (const spec of OPTIONS) {
    if (!spec.flag) continue;
    const v = input.flags[spec.flag];
    if (v !== undefined) {
      setPath(config, spec.path, fromStrings(spec, v, `--${spec.flag}`));
      sources[spec.path] = `--${spec.flag}`;
    }
  }
  return { config, file, sources, warnings };
}

/** Option table rows for printing: path, default, flag, env var, description. */
export function describeOptions(): { path: string; default: unknown; flag: string; env: string; describe: string }[] {
  return OPTIONS.map((s) => ({ path: s.path, default: getPath(defaults() as any, s.path), flag: s.flag ? `--${s.flag}` : '', env: envName(s), describe: s.describe }));
}
