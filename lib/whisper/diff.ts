// whisper.py's diff (file_diff) and whisper-diff's output (all four text modes and --json), as
// pure functions. The reading is done by tools.ts.
//
// whisper.py compares each archive only over the span no finer archive covers: archive 0 from
// now - its retention up to the until time, each coarser archive from now - its retention up to
// where the previous one began. A slot counts when either file has a value there (with
// ignore_empty: when both have), and differs when the values are not equal as Python compares
// floats (NaN differs from everything, 0.0 equals -0.0).
import { WhisperException } from './errors.js';
import type { Header } from './header.js';
import { byRetention } from './merge.js';
import { PyFloat, pyFloatRepr, pyJsonDumps, type PyValue } from './pyformat.js';

/** (timestamp, value in file a, value in file b); null where the file has no point. */
export type DiffPoint = [timestamp: number, valueA: number | null, valueB: number | null];

/** One archive's comparison, as whisper.py returns it: (archive_number, diffs, total). */
export interface ArchiveDiff {
  /** The archive's position by retention (0 = finest). */
  archive: number;
  /** The slots that differ. */
  diffs: DiffPoint[];
  /** How many slots were compared. */
  total: number;
}

/** The time range each archive is compared over, finest first. */
export interface DiffWindow {
  number: number;
  index: number;
  fromTime: number;
  untilTime: number;
}

/** file_diff's windows: `until_time` when given and non-zero (`if until_time:`), else now. */
export function diffWindows(header: Header, untilTime: number | null | undefined, now: number): DiffWindow[] {
  let until = untilTime ? untilTime : now;
  return byRetention(header).map((index, number) => {
    const startTime = now - header.archives[index]!.retention;
    const window = { number, index, fromTime: startTime, untilTime: until };
    until = Math.min(startTime, until);
    return window;
  });
}

/**
 * One archive's slots over a window, as whisper.py's __archive_fetch returns them: `values` is
 * null for an archive never written to (whisper.py: a None per slot, however many).
 */
export interface ArchiveSlots {
  timeInfo: [from: number, until: number, step: number];
  values: (number | null)[] | null;
}

/**
 * Compares one archive of the two files, both read over the same window. whisper.py indexes
 * both value lists up to (until - from) // step; a read that reaches further than the ring (an
 * until time later than now) returns fewer values, and whisper.py dies there with an IndexError:
 * so does this, with a message that says why.
 */
export function compareArchive(number: number, a: ArchiveSlots, b: ArchiveSlots, ignoreEmpty: boolean): ArchiveDiff {
  const [start, end, step] = a.timeInfo; // b's is the same: same archive, same window
  const count = Math.floor((end - start) / step);
  const length = Math.min(a.values?.length ?? Infinity, b.values?.length ?? Infinity);
  if (count > length) {
    throw new WhisperException(
      `Cannot diff archive ${number} up to ${end - step}: the range is longer than the archive, ` +
        'as when --until is later than now (whisper.py fails here: IndexError: list index out of range)',
    );
  }
  const diffs: DiffPoint[] = [];
  if (length === Infinity) return { archive: number, diffs, total: 0 }; // neither file has ever written this archive
  let total = 0;
  for (let s = 0; s < count; s++) {
    const va = a.values ? a.values[s]! : null;
    const vb = b.values ? b.values[s]! : null;
    if (ignoreEmpty ? va === null || vb === null : va === null && vb === null) continue;
    total++;
    if (va !== vb) diffs.push([start + s * step, va, vb]);
  }
  return { archive: number, diffs, total };
}

/** How whisper-diff prints: --columns (plain, space-separated) and --no-headers. */
export interface DiffTextOptions {
  columns?: boolean;
  headers?: boolean;
}

/** Python's `'%s' % x` for a value: None or repr(float). */
function str(v: number | null): string {
  return v === null ? 'None' : pyFloatRepr(v);
}

/** whisper-diff's print_diffs. */
export function formatDiffs(diffs: readonly ArchiveDiff[], options: DiffTextOptions = {}): string {
  const pretty = !options.columns;
  // pretty: "%7s %11s %13s %13s" (rows: "%7s %11d %13s %13s"); columns: "%s %s %s %s".
  const row = (a: string, t: string, va: string, vb: string) =>
    (pretty ? [a.padStart(7), t.padStart(11), va.padStart(13), vb.padStart(13)] : [a, t, va, vb]).join(' ') + '\n';
  let out = options.headers === false ? '' : row('archive', 'timestamp', 'value_a', 'value_b');
  for (const { archive, diffs: points, total } of diffs) {
    if (pretty) {
      out += `Archive ${archive} (${points.length} of ${total} datapoints differ)\n`;
      out += row('', 'timestamp', 'value_a', 'value_b');
    }
    for (const [t, a, b] of points) out += row(pretty ? '' : String(archive), String(t), str(a), str(b));
  }
  return out;
}

/** whisper-diff --summary's print_summary. */
export function formatSummary(diffs: readonly ArchiveDiff[], options: DiffTextOptions = {}): string {
  const pretty = !options.columns;
  // pretty: "%7s %9s %9s"; columns: "%s %s %s".
  const row = (a: string, total: string, differing: string) =>
    (pretty ? [a.padStart(7), total.padStart(9), differing.padStart(9)] : [a, total, differing]).join(' ') + '\n';
  let out = options.headers === false ? '' : row('archive', 'total', 'differing');
  for (const { archive, diffs: points, total } of diffs) out += row(String(archive), String(total), String(points.length));
  return out;
}

/** whisper-diff --json (with --summary: no datapoints), as its print() of json.dumps writes it. */
export function formatDiffJson(diffs: readonly ArchiveDiff[], pathA: string, pathB: string, summary = false): string {
  const value = (v: number | null): PyValue => (v === null ? null : new PyFloat(v));
  const archives = diffs.map(({ archive, diffs: points, total }) => {
    const entry: Record<string, PyValue> = { archive, points: points.length, total };
    if (!summary) entry.datapoint = points.map(([t, a, b]) => ({ timestamp: t, value_a: value(a), value_b: value(b) }));
    return entry;
  });
  return dumps({ path_a: pathA, path_b: pathB, archives }) + '\n';
}

/** Python's json.dumps(v, sort_keys=True, indent=2, separators=(',', ' : ')). */
function dumps(v: PyValue, level = 0): string {
  const pad = (n: number) => '  '.repeat(n);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad(level + 1) + dumps(x, level + 1)).join(',\n')}\n${pad(level)}]`;
  }
  if (v !== null && typeof v === 'object' && !(v instanceof PyFloat)) {
    const keys = Object.keys(v).sort();
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${pad(level + 1)}${pyJsonDumps(k)} : ${dumps(v[k]!, level + 1)}`).join(',\n')}\n${pad(level)}}`;
  }
  return pyJsonDumps(v); // scalars: null, ints, floats (NaN, Infinity), strings with \u escapes
}
