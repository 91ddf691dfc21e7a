// The one place that maps a metric name to its Whisper file and back. Every write and read of a
// metric file goes through here, so a hostile name can never reach outside the data directory.
//
//   metricPath('/var/lib/sotto', 'stats.api.hits')  →  '/var/lib/sotto/stats/api/hits.wsp'
//
// Carbon maps names by replacing '.' with '/' and does no checking at all (`a/../../x` keeps its
// slashes). Sotto refuses instead: a name is a dot-separated list of non-empty components, none of
// which may contain '/', '\', NUL or another control character, start with '.' (hidden files and
// our temp files), or be longer than a file name may be. The check is lexical: symlinks that the
// administrator placed inside the data directory are followed like any other directory.
import path from 'node:path';

/** A metric name that cannot be stored: the message says which name and why. */
export class InvalidMetricName extends Error {
  readonly metric: string;
  constructor(metric: string, reason: string) {
    super(`invalid metric name ${JSON.stringify(metric)}: ${reason}`);
    this.name = 'InvalidMetricName';
    this.metric = metric;
  }
}

/** Suffix of every metric file. */
export const WHISPER_SUFFIX = '.wsp';
/** Longest file name Linux file systems accept, in bytes. */
const MAX_COMPONENT_BYTES = 255;
/** Longest metric name accepted (Linux PATH_MAX is 4096 for the whole path). */
export const MAX_METRIC_NAME_BYTES = 1024;

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f/\\]/;

/** Returns the reason `name` cannot be stored, or null when it is a valid metric name. */
export function metricNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'the name is empty';
  if (Buffer.byteLength(name) > MAX_METRIC_NAME_BYTES) return `longer than ${MAX_METRIC_NAME_BYTES} bytes`;
  const bad = FORBIDDEN.exec(name);
  if (bad) {
    const ch = bad[0];
    if (ch === '/') return "contains '/'";
    if (ch === '\\') return "contains '\\'";
    if (ch === '\0') return 'contains a NUL byte';
    return `contains the control character U+${ch.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
  }
  const components = name.split('.');
  for (let i = 0; i < components.length; i++) {
    const c = components[i]!;
    if (c.length === 0) {
      if (name.includes('..')) return "contains '..' (an empty component)";
      return i === 0 ? 'starts with a dot (an empty component)' : 'ends with a dot (an empty component)';
    }
    const last = i === components.length - 1;
    if (Buffer.byteLength(c) + (last ? WHISPER_SUFFIX.length : 0) > MAX_COMPONENT_BYTES) {
      return `component ${i + 1} is longer than a file name may be`;
    }
  }
  return null;
}

/**
 * The name a metric is stored under, as carbon stores it: carbon turns the dots into slashes and
 * strips leading ones, so `a..b` lands in a/b.wsp (the file of `a.b`) and `.a.b` in a/b.wsp too.
 * Trailing dots are dropped as well (carbon would write a hidden `.wsp` that no finder shows).
 * A name that cannot be stored either way comes back as given, so its error names what was sent.
 */
export function storedName(name: string): string {
  if (name.indexOf('..') === -1 && name.charCodeAt(0) !== 46 && name.charCodeAt(name.length - 1) !== 46) return name;
  const collapsed = name.split('.').filter((c) => c !== '').join('.');
  return metricNameProblem(collapsed) === null ? collapsed : name;
}

/** Throws InvalidMetricName unless `name` is a valid metric name. */
export function validateMetricName(name: string): void {
  const problem = metricNameProblem(name);
  if (problem !== null) throw new InvalidMetricName(name, problem);
}

/** True when `child` (absolute, normalised) lies strictly inside `dir` (absolute, normalised). */
function isInside(dir: string, child: string): boolean {
  const rel = path.relative(dir, child);
  return rel.length > 0 && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The Whisper file of metric `name` under `dataDir`; throws InvalidMetricName for a hostile name. */
export function metricPath(dataDir: string, name: string): string {
  validateMetricName(name);
  const root = path.resolve(dataDir);
  const file = path.join(root, ...name.split('.')) + WHISPER_SUFFIX;
  // Belt and braces: validation already rules this out.
  if (!isInside(root, file)) throw new InvalidMetricName(name, 'resolves outside the data directory');
  return file;
}

/** The directory that holds the files of the metrics below `prefix` (a dotted branch such as `stats.timers`). */
export function branchPath(dataDir: string, prefix: string): string {
  const root = path.resolve(dataDir);
  if (prefix === '') return root;
  validateMetricName(prefix);
  return path.join(root, ...prefix.split('.'));
}

/**
 * The metric name of the Whisper file `file` (absolute, or relative to `dataDir`), or null when
 * `file` is not a metric file of that data directory: outside it, not ending in `.wsp`, hidden
 * (temp files start with a dot) or not mapping back to a valid name.
 */
export function metricNameFromPath(dataDir: string, file: string): string | null {
  const root = path.resolve(dataDir);
  const abs = path.resolve(root, file);
  if (!isInside(root, abs) || !abs.endsWith(WHISPER_SUFFIX)) return null;
  const rel = path.relative(root, abs.slice(0, -WHISPER_SUFFIX.length));
  const parts = rel.split(path.sep);
  if (parts.some((p) => p.length === 0 || p.includes('.'))) return null;
  const name = parts.join('.');
  return metricNameProblem(name) === null ? name : null;
}
