// `sotto whisper <command>`: the whisper-* tools (Debian python3-whisper 1.1.4) with the same
// arguments and the same plain-text output, so scripts can switch, plus --json (everywhere but
// merge and fill, which print nothing).
//
//   sotto whisper create data/a/b.wsp 10s:6h 1m:7d --aggregationMethod sum --xFilesFactor 0
//   sotto whisper update data/a/b.wsp N:42 1700000000:1.5
//   sotto whisper fetch data/a/b.wsp --from 1700000000 --json
//   sotto whisper info data/a/b.wsp [field]      sotto whisper dump data/a/b.wsp
//   sotto whisper resize data/a/b.wsp 10s:1d 1m:30d --nobackup
//   sotto whisper set-aggregation data/a/b.wsp max [0.1]
//   sotto whisper merge from.wsp to.wsp [--from T] [--until T]     (whisper-merge)
//   sotto whisper fill src.wsp dst.wsp [--lock]                    (whisper-fill)
//   sotto whisper diff a.wsp b.wsp [--summary] [--columns] [--json] (whisper-diff)
//
// Errors print "[ERROR] <message>" on stderr and set exit code 1, as the tools do.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import {
  AGGREGATION_METHODS, create, diff, fetch, fill, info, merge, parseRetentionDef, resize, setAggregationMethod, setXFilesFactor, update, updateMany,
  type ArchiveSpec, type FetchResult,
} from '../whisper/index.js';
import { formatDiffJson, formatDiffs, formatSummary } from '../whisper/diff.js';
import { headerAndSize } from '../whisper/api.js';
import { planCreate } from '../whisper/create.js';
import { parsePyFloat } from '../whisper/header.js';
import {
  ctime, dumpValue, formatDump, formatEstimate, formatFetch, formatFetchJson, formatInfo, formatInfoField, formatInfoJson, parsePoint,
  strftime, type DropMode, type TimeFormatter,
} from '../whisper/text.js';
import { PyFloat, pyFloatRepr, pyJsonDumps, type PyValue } from '../whisper/pyformat.js';

type Args = Record<string, unknown>;

const out = (text: string) => process.stdout.write(text);

/** Prints "[ERROR] message" (or a bare message) on stderr and sets exit code 1. */
function fail(message: string, bare = false): void {
  process.stderr.write(`${bare ? '' : '[ERROR] '}${message}\n`);
  process.exitCode = 1;
}

/** Runs a command body, turning any error into "[ERROR] …" and exit code 1. */
function guarded(body: (argv: Args) => Promise<void>): (argv: Args) => Promise<void> {
  return async (argv) => {
    try {
      await body(argv);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' && e.path) fail(`File '${e.path}' does not exist!`);
      else if (e.code && e.path) fail(`${e.path}: ${e.message}`);
      else if (e.code && typeof argv.path === 'string' && !e.message.includes(argv.path)) fail(`${argv.path}: ${e.message}`); // e.g. EISDIR from a read: name the file
      else fail(e.message);
    }
  };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function retentions(defs: unknown): ArchiveSpec[] {
  return (defs as string[]).map((d) => parseRetentionDef(String(d)));
}

function json(value: PyValue): void {
  out(pyJsonDumps(value) + '\n');
}

function timeFormatter(argv: Args): TimeFormatter | undefined {
  if (!argv.pretty) return undefined;
  const format = argv['time-format'] as string | undefined;
  return format ? (t) => strftime(format, t) : ctime;
}

const createCommand: CommandModule = {
  command: 'create <path> [retentions..]',
  describe: 'create a Whisper file (whisper-create): retentions like 60:1440 15m:8 1h:7d 12h:2y',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string', describe: 'file to create (with --estimate: the first retention)' })
      .positional('retentions', { type: 'string', array: true, describe: 'precision:retention, finest first or in any order' })
      .option('xFilesFactor', { type: 'string', default: '0.5', describe: 'fraction of known points needed to propagate' })
      .option('aggregationMethod', { type: 'string', default: 'average', describe: `one of ${AGGREGATION_METHODS.join(', ')}` })
      .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing file' })
      .option('estimate', { type: 'boolean', default: false, describe: 'only print the size the file(s) would take' })
      .option('sparse', { type: 'boolean', default: false, describe: 'create the file sparse (same bytes, disk used as it fills)' })
      .option('fallocate', { type: 'boolean', default: false, describe: 'preallocate (zeros are written; Node has no fallocate)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }),
  handler: guarded(async (argv) => {
    const path = String(argv.path);
    const defs = ((argv.retentions as string[] | undefined) ?? []).map(String);
    if (argv.estimate) {
      let all = [path, ...defs];
      if (all.length === 1 && all[0]!.indexOf(',') > 0) all = all[0]!.split(',');
      const archives = retentions(all);
      if (argv.json) {
        const points = archives.reduce((n, [, p]) => n + p, 0);
        json({ archives: archives.map(([s, p]) => ({ secondsPerPoint: s, points: p })), size: 16 + 12 * archives.length + 12 * points });
      } else out(formatEstimate(archives));
      return;
    }
    if (defs.length === 0) {
      fail('give the file and at least one retention, e.g. sotto whisper create x.wsp 60:1440');
      return;
    }
    const archives = retentions(defs);
    const xff = parsePyFloat(String(argv.xFilesFactor));
    if (Number.isNaN(xff)) throw new Error(`option --xFilesFactor: invalid floating-point value: '${argv.xFilesFactor}'`);
    const options = { xFilesFactor: xff, aggregationMethod: String(argv.aggregationMethod), sparse: Boolean(argv.sparse), useFallocate: Boolean(argv.fallocate) };
    planCreate(archives, options); // refuse bad arguments before touching an existing file
    if (argv.overwrite && fs.existsSync(path)) {
      if (!argv.json) out(`Overwriting existing file: ${path}\n`);
      await fsp.unlink(path);
    }
    await create(path, archives, options);
    const size = (await fsp.stat(path)).size;
    if (argv.json) json({ path, size });
    else out(`Created: ${path} (${size} bytes)\n`);
  }),
};

const infoCommand: CommandModule = {
  command: 'info <path> [field]',
  describe: 'print the header of a Whisper file (whisper-info)',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string' })
      .positional('field', { type: 'string', describe: 'print only this field (aggregationMethod, maxRetention, xFilesFactor, archives, fileSize)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the header as JSON' }),
  handler: guarded(async (argv) => {
    const path = String(argv.path);
    const { header, fileSize } = await headerAndSize(path);
    let text: string;
    let ok = true;
    if (argv.field !== undefined) ({ ok, text } = formatInfoField(header, fileSize, String(argv.field)));
    else text = argv.json ? formatInfoJson(header, fileSize) : formatInfo(header, fileSize);
    out(text);
    if (!ok) process.exitCode = 1;
  }),
};

const fetchCommand: CommandModule = {
  command: 'fetch <path>',
  describe: 'print the values of a time range (whisper-fetch)',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string' })
      .option('from', { type: 'string', describe: 'unix time of the start (default: 24 hours ago)' })
      .option('until', { type: 'string', describe: 'unix time of the end (default: now)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
      .option('pretty', { type: 'boolean', default: false, describe: 'human-readable times instead of unix times' })
      .option('time-format', { alias: 't', type: 'string', describe: 'strftime format for --pretty' })
      .option('drop', { choices: ['nulls', 'zeroes', 'empty'], describe: 'leave out null, zero or both kinds of values' }),
  handler: guarded(async (argv) => {
    const n = now();
    const from = intOption(argv, 'from', 'fetch');
    const until = intOption(argv, 'until', 'fetch');
    if (from === null || until === null) return; // optparse's complaint, exit code 2
    const result: FetchResult | null = await fetch(String(argv.path), from ?? n - 86400, until ?? n, n);
    if (result === null) {
      fail('No data in selected timerange', true);
      return;
    }
    const drop = argv.drop as DropMode | undefined;
    out(argv.json ? formatFetchJson(result, drop) : formatFetch(result, { drop, time: timeFormatter(argv) }));
  }),
};

const updateCommand: CommandModule = {
  command: 'update <path> [points..]',
  describe: 'store timestamp:value points (whisper-update); N: means now; no points: read them from stdin',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string' })
      .positional('points', { type: 'string', array: true, describe: 'timestamp:value, e.g. 1700000000:1.5 or N:3' })
      .option('json', { type: 'boolean', default: false, describe: 'print how many points were given as JSON' }),
  handler: guarded(async (argv) => {
    const n = now();
    let texts = ((argv.points as string[] | undefined) ?? []).map(String);
    if (texts.length === 0) texts = fs.readFileSync(0, 'utf8').split(/\s+/).filter(Boolean);
    const points = texts.map((p) => parsePoint(p.replace('N:', `${n}:`)));
    if (points.length === 1) await update(String(argv.path), points[0]![1], points[0]![0]);
    else await updateMany(String(argv.path), points);
    if (argv.json) json({ path: String(argv.path), points: points.length });
  }),
};

const dumpCommand: CommandModule = {
  command: 'dump <path>',
  describe: 'print the header and every slot of a Whisper file (whisper-dump)',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string' })
      .option('pretty', { type: 'boolean', default: false, describe: 'human-readable times instead of unix times' })
      .option('time-format', { alias: 't', type: 'string', describe: 'strftime format for --pretty' })
      .option('raw', { alias: 'r', type: 'boolean', default: false, describe: 'only "timestamp:value" lines (whisper 1.1.10)' })
      .option('json', { type: 'boolean', default: false, describe: 'header and slots as JSON (non-finite values as null)' }),
  handler: guarded(async (argv) => {
    const path = String(argv.path);
    if (!fs.existsSync(path)) {
      fail(`File "${path}" does not exist!`);
      return;
    }
    const { header } = await headerAndSize(path);
    const bytes = await fsp.readFile(path);
    if (argv.json) {
      json(dumpValue(header, bytes));
      return;
    }
    out(formatDump(header, bytes, { time: timeFormatter(argv), raw: Boolean(argv.raw) }));
  }),
};

const resizeCommand: CommandModule = {
  command: 'resize <path> <retentions..>',
  describe: 'change the archives of a Whisper file, keeping its data (whisper-resize)',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string' })
      .positional('retentions', { type: 'string', array: true })
      .option('xFilesFactor', { type: 'string', describe: 'change the xFilesFactor' })
      .option('aggregationMethod', { type: 'string', describe: `change the aggregation method (${AGGREGATION_METHODS.join(', ')})` })
      .option('force', { type: 'boolean', default: false, describe: 'accepted for compatibility (whisper-resize ignores it too)' })
      .option('newfile', { type: 'string', describe: 'write the result to this file and leave the original alone' })
      .option('nobackup', { type: 'boolean', default: false, describe: 'delete the .bak file afterwards' })
      .option('aggregate', { type: 'boolean', default: false, describe: 'aggregate old points into the new archives instead of copying them' })
      .option('sparse', { type: 'boolean', default: false, describe: 'create the new file sparse' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON instead of progress lines' }),
  handler: guarded(async (argv) => {
    const path = String(argv.path);
    if (!fs.existsSync(path)) {
      fail(`File '${path}' does not exist!`);
      return;
    }
    const archives = retentions(argv.retentions);
    let xFilesFactor: number | undefined;
    if (argv.xFilesFactor !== undefined) {
      xFilesFactor = parsePyFloat(String(argv.xFilesFactor));
      if (Number.isNaN(xFilesFactor)) throw new Error(`option --xFilesFactor: invalid floating-point value: '${argv.xFilesFactor}'`);
    }
    const result = await resize(path, archives, {
      xFilesFactor,
      aggregationMethod: argv.aggregationMethod as string | undefined,
      newfile: argv.newfile as string | undefined,
      nobackup: Boolean(argv.nobackup),
      aggregate: Boolean(argv.aggregate),
      sparse: Boolean(argv.sparse),
      log: argv.json ? undefined : (line) => out(line + '\n'),
    });
    if (argv.json) json({ path: result.path, backup: result.backup });
  }),
};

const setAggregationCommand: CommandModule = {
  command: 'set-aggregation <path> <method> [xFilesFactor]',
  describe: 'change the aggregation method (and xFilesFactor) of a file (whisper-set-aggregation-method)',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string' })
      .positional('method', { type: 'string', describe: AGGREGATION_METHODS.join('|') })
      .positional('xFilesFactor', { type: 'string' })
      .option('json', { type: 'boolean', default: false, describe: 'print old and new values as JSON' }),
  handler: guarded(async (argv) => {
    const path = String(argv.path);
    const method = String(argv.method);
    const xff = argv.xFilesFactor === undefined ? null : String(argv.xFilesFactor);
    const before = await info(path);
    if (before === null) {
      fail(`File '${path}' does not exist!`);
      return;
    }
    const old = await setAggregationMethod(path, method, xff);
    if (argv.json) {
      const after = (await info(path))!;
      json({ path, aggregationMethod: { old, new: method }, xFilesFactor: { old: new PyFloat(before.xFilesFactor), new: new PyFloat(after.xFilesFactor) } });
    } else out(`Updated aggregation method: ${path} (${old} -> ${method})\n`);
  }),
};

const setXFilesFactorCommand: CommandModule = {
  command: 'set-xfilesfactor <path> <xFilesFactor>',
  describe: 'change the xFilesFactor of a file (whisper-set-xfilesfactor)',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string' })
      .positional('xFilesFactor', { type: 'string' })
      .option('json', { type: 'boolean', default: false, describe: 'print old and new values as JSON' }),
  handler: guarded(async (argv) => {
    const path = String(argv.path);
    const xff = parsePyFloat(String(argv.xFilesFactor));
    if (Number.isNaN(xff)) throw new Error(`argument xFilesFactor: invalid float value: '${argv.xFilesFactor}'`);
    if ((await info(path)) === null) {
      fail(`File '${path}' does not exist!`);
      return;
    }
    const old = await setXFilesFactor(path, xff);
    if (argv.json) json({ path, xFilesFactor: { old: new PyFloat(old), new: new PyFloat(xff) } });
    else out(`Updated xFilesFactor: ${path} (${pyFloatRepr(old)} -> ${pyFloatRepr(xff)})\n`);
  }),
};

/** The "does not exist" check whisper-merge makes before opening anything. */
function missing(paths: string[]): boolean {
  const absent = paths.find((p) => !fs.existsSync(p));
  if (absent !== undefined) fail(`File "${absent}" does not exist!`);
  return absent !== undefined;
}

/** Python's int(text, radix): whitespace around, a sign, the radix's own prefix, underscores between digits. */
function pyInt(text: string, radix: number): number | null {
  const m = /^\s*([+-]?)(\S*)\s*$/.exec(text);
  if (m === null) return null;
  let digits = m[2]!;
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  if (prefix && digits.slice(0, 2).toLowerCase() === prefix) digits = digits.slice(2).replace(/^_/, '');
  if (!/^[0-9a-z]+(_[0-9a-z]+)*$/i.test(digits)) return null;
  digits = digits.replace(/_/g, '');
  if ([...digits].some((c) => parseInt(c, 36) >= radix)) return null;
  const n = parseInt(digits, radix);
  return m[1] === '-' ? -n : n;
}

/** optparse's type='int' (_parse_num): "0x…" hexadecimal, "0b…" binary, a leading 0 octal, else decimal. */
function optparseInt(text: string): number | null {
  const lead = text.slice(0, 2).toLowerCase();
  if (lead === '0x') return pyInt(text, 16);
  if (lead === '0b') return pyInt(text.slice(2) || '0', 2);
  return pyInt(text, text.startsWith('0') ? 8 : 10);
}

/**
 * An optparse int option: undefined when not given. A bad value is a command line that cannot be
 * used: optparse's complaint, exit code 2, nothing done (null).
 */
function intOption(argv: Args, name: string, command: string): number | null | undefined {
  const raw = argv[name];
  if (raw === undefined) return undefined;
  const n = optparseInt(String(raw));
  if (n === null) {
    process.stderr.write(`sotto: option --${name}: invalid integer value: '${String(raw)}'\nRun \`sotto whisper ${command} --help\` for usage.\n`);
    process.exitCode = 2;
  }
  return n;
}

const mergeCommand: CommandModule = {
  command: 'merge <from_path> <to_path>',
  describe: 'copy the points of a Whisper file into another with the same archives (whisper-merge)',
  builder: (y: Argv) =>
    y
      .positional('from_path', { type: 'string', describe: 'file to copy from' })
      .positional('to_path', { type: 'string', describe: 'file to copy into (its points in the range are replaced)' })
      .option('from', { type: 'string', describe: 'beginning of the interval, unix time (default: epoch)' })
      .option('until', { type: 'string', describe: 'end of the interval, unix time (default: now)' }),
  handler: guarded(async (argv) => {
    const from = intOption(argv, 'from', 'merge');
    const until = intOption(argv, 'until', 'merge');
    if (from === null || until === null) return;
    const paths = [String(argv.from_path), String(argv.to_path)];
    if (missing(paths)) return;
    await merge(paths[0]!, paths[1]!, from, until);
  }),
};

const fillCommand: CommandModule = {
  command: 'fill <src> <dst>',
  describe: 'copy points from src into dst where dst has none (whisper-fill)',
  builder: (y: Argv) =>
    y
      .positional('src', { type: 'string', describe: 'file to copy from' })
      .positional('dst', { type: 'string', describe: 'file whose gaps are filled (the archives may differ)' })
      .option('lock', { type: 'boolean', default: false, describe: 'hold an exclusive flock on dst while writing it' }),
  handler: guarded(async (argv) => {
    const [src, dst] = [String(argv.src), String(argv.dst)];
    if (missing([src, dst])) return;
    await fill(src, dst, null, { lock: Boolean(argv.lock) });
  }),
};

const diffCommand: CommandModule = {
  command: 'diff <path_a> <path_b>',
  describe: 'print the points where two Whisper files with the same archives differ (whisper-diff)',
  builder: (y: Argv) =>
    y
      .positional('path_a', { type: 'string' })
      .positional('path_b', { type: 'string' })
      .option('summary', { type: 'boolean', default: false, describe: 'show summary of differences' })
      .option('ignore-empty', { type: 'boolean', default: false, describe: 'skip comparison if either value is undefined' })
      .option('columns', { type: 'boolean', default: false, describe: 'print output in simple columns' })
      .option('headers', { type: 'boolean', default: true, describe: 'print column headers (--no-headers: do not)' })
      .option('until', { type: 'string', describe: 'unix time of the end of the interval (default: now)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }),
  handler: guarded(async (argv) => {
    const until = intOption(argv, 'until', 'diff');
    if (until === null) return;
    const [a, b] = [String(argv.path_a), String(argv.path_b)];
    const diffs = await diff(a, b, Boolean(argv['ignore-empty']), until);
    const text = { columns: Boolean(argv.columns), headers: Boolean(argv.headers) };
    if (argv.json) out(formatDiffJson(diffs, a, b, Boolean(argv.summary)));
    else out(argv.summary ? formatSummary(diffs, text) : formatDiffs(diffs, text));
  }),
};

/** `sotto whisper <command>`: one per whisper-* tool. */
export const whisperSubcommands: readonly CommandModule[] = [
  createCommand, updateCommand, fetchCommand, infoCommand, dumpCommand, resizeCommand, setAggregationCommand, setXFilesFactorCommand,
  mergeCommand, fillCommand, diffCommand,
];

export const whisperCommand: CommandModule = {
  command: 'whisper <command>',
  describe: 'create, inspect and change Whisper files, like the whisper-* tools',
  builder: (y: Argv) =>
    whisperSubcommands
      .reduce((acc, c) => acc.command(c), y)
      .demandCommand(1, 'Say which whisper command to run (see sotto whisper --help).'),
  handler: () => {},
};
