// The tracelog source's slice of the configuration: defaults in one place, validated at
// construction with messages that name the option. Pure.

import { checkTimeZone, systemTimeZone } from './zone.js';

export interface TracelogOptions {
  /** `--tracelog` values: a file, a directory or a glob; `name=path` forces the instance key. */
  paths: string[];
  /** IANA time zone of the logs' naive local timestamps (default: this host's zone). */
  timeZone: string;
  /** Bucket length: the server's flush interval (ms, whole seconds). */
  flushIntervalMs: number;
  /** How long after a bucket's end records may still arrive for it (ms). */
  latenessMs: number;
  /** In-flight requests older than this (since their B) are expired and counted (ms). */
  stuckLimitMs: number;
  /** An instance without records for this long stops producing points (ms). */
  idleLimitMs: number;
  /** Timer percentiles for the durations (statsd's percentThreshold). */
  percentThreshold: number[];
  /** UDP syslog port (RFC 3164 / 5424); null = no syslog receiver, 0 = any free port. */
  syslogPort: number | null;
  syslogAddress: string;
  /** State (read positions, in-flight requests) goes to `<dataDir>/.tracelog/state.json`; null = none. */
  dataDir: string | null;
  /** How often files are checked for new lines (ms). */
  pollIntervalMs: number;
  /** Records stamped further ahead of this host's clock are dropped and counted (ms; Infinity: never). */
  futureLimitMs: number;
}

export const TRACELOG_DEFAULTS: Readonly<Omit<TracelogOptions, 'timeZone'>> = {
  paths: [],
  flushIntervalMs: 10_000,
  latenessMs: 5_000,
  stuckLimitMs: 15 * 60_000,
  idleLimitMs: 60 * 60_000,
  percentThreshold: [90, 95, 99],
  syslogPort: null,
  syslogAddress: '0.0.0.0',
  dataDir: null,
  pollIntervalMs: 1_000,
  futureLimitMs: 10 * 60_000,
};

export class TracelogOptionError extends Error {
  override name = 'TracelogOptionError';
}

function fail(option: string, what: string, got: unknown): never {
  throw new TracelogOptionError(`tracelog: ${option} ${what}, got ${JSON.stringify(got)}`);
}

function wholeMs(option: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(option, `must be a whole number of ms >= ${min}`, v);
}

/** Fills in defaults and validates; throws TracelogOptionError naming the first bad option. */
export function tracelogOptions(input: Partial<TracelogOptions>): TracelogOptions {
  const o: TracelogOptions = { ...TRACELOG_DEFAULTS, timeZone: input.timeZone ?? systemTimeZone(), ...stripUndefined(input) };
  if (!Array.isArray(o.paths) || !o.paths.every((p) => typeof p === 'string' && p.trim() !== '')) {
    fail('paths', 'must be a list of non-empty file, directory or glob paths', o.paths);
  }
  try {
    o.timeZone = checkTimeZone(o.timeZone);
  } catch (err) {
    fail('timeZone', (err as Error).message, o.timeZone);
  }
  wholeMs('flushIntervalMs', o.flushIntervalMs, 1000);
  if (o.flushIntervalMs % 1000 !== 0) fail('flushIntervalMs', 'must be whole seconds (Whisper stores seconds)', o.flushIntervalMs);
  wholeMs('latenessMs', o.latenessMs, 0);
  wholeMs('stuckLimitMs', o.stuckLimitMs, 1);
  wholeMs('idleLimitMs', o.idleLimitMs, o.flushIntervalMs);
  wholeMs('pollIntervalMs', o.pollIntervalMs, 10);
  if (o.futureLimitMs !== Infinity) wholeMs('futureLimitMs', o.futureLimitMs, 0);
  if (!Array.isArray(o.percentThreshold) || o.percentThreshold.some((p) => typeof p !== 'number' || !Number.isFinite(p) || p === 0 || p <= -100 || p > 100)) {
    fail('percentThreshold', 'must be percentiles in (-100, 100], not 0', o.percentThreshold);
  }
  if (o.syslogPort !== null && (!Number.isInteger(o.syslogPort) || o.syslogPort < 0 || o.syslogPort > 65535)) {
    fail('syslogPort', 'must be a port number 0-65535 or null', o.syslogPort);
  }
  if (typeof o.syslogAddress !== 'string' || o.syslogAddress === '') fail('syslogAddress', 'must be an address', o.syslogAddress);
  if (o.dataDir !== null && (typeof o.dataDir !== 'string' || o.dataDir === '')) fail('dataDir', 'must be a directory or null', o.dataDir);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
