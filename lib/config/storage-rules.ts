// carbon's storage-schemas.conf and storage-aggregation.conf: which archives, xFilesFactor and
// aggregation method a new Whisper file gets. Same syntax (Python ConfigParser) and semantics as
// carbon 1.1: sections in file order, the first section whose `pattern` (a regular expression,
// searched anywhere in the name) matches wins; `retentions` use carbon's strict parser.
//
// Deviation: carbon logs and skips a section without `pattern`/`retentions`, with an invalid
// archive list or xFilesFactor; sotto refuses the whole file with an error naming file, section
// and problem, e.g.  storage-schemas.conf [carbon]: bad retention "10s:1x": unknown unit "x"
//
// Everything above loadStorageRules() is pure; loadStorageRules() is the small file-reading shell.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isAggregationMethod, AGGREGATION_METHODS, type AggregationMethod } from '../whisper/aggregation.js';
import { validateArchiveList, parsePyFloat } from '../whisper/header.js';
import { parseCarbonRetentionDef, type ArchiveSpec } from '../whisper/retention.js';

export class StorageRulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageRulesError';
  }
}

export interface StorageSchema {
  name: string;
  pattern: string;
  regex: RegExp;
  archives: ArchiveSpec[];
}

export interface AggregationRule {
  name: string;
  pattern: string;
  regex: RegExp;
  /** null: not set in the section (whisper's default 0.5 applies). */
  xFilesFactor: number | null;
  /** null: not set in the section (whisper's default 'average' applies). */
  aggregationMethod: AggregationMethod | null;
}

export interface StorageRules {
  schemas: StorageSchema[];
  aggregations: AggregationRule[];
}

/** What a new file for one metric gets. */
export interface StorageSelection {
  archives: ArchiveSpec[];
  xFilesFactor: number;
  aggregationMethod: AggregationMethod;
  /** The sections that matched (for messages); null when a built-in default applied. */
  schema: string | null;
  aggregation: string | null;
}

/** carbon's defaultSchema: one minute for seven days, when no section matches. */
export const DEFAULT_ARCHIVES: ArchiveSpec[] = [[60, 10080]];
export const DEFAULT_X_FILES_FACTOR = 0.5;
export const DEFAULT_AGGREGATION_METHOD: AggregationMethod = 'average';

interface Section {
  name: string;
  line: number;
  options: Map<string, string>;
}

/** Python ConfigParser's reading rules (comments, continuation lines, `=`/`:`, DEFAULT, % interpolation). */
export function parseIni(text: string, file: string): Section[] {
  const fail = (line: number, problem: string): never => {
    throw new StorageRulesError(`${file} line ${line}: ${problem}`);
  };
  const defaults = new Map<string, string[]>();
  const raw: { name: string; line: number; options: Map<string, string[]> }[] = [];
  let current: Map<string, string[]> | null = null;
  let currentName = '';
  let option: string | null = null;
  let indentLevel = 0;
  const seen = new Set<string>();
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!;
    const trimmed = line.trim();
    const isComment = trimmed.startsWith('#') || trimmed.startsWith(';');
    const value = isComment ? '' : trimmed;
    if (value === '') {
      if (!isComment && current && option && current.get(option)) current.get(option)!.push('');
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (current && option && indent > indentLevel) {
      current.get(option)!.push(value);
      continue;
    }
    indentLevel = indent;
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      const name = header[1]!;
      option = null;
      if (name === 'DEFAULT') {
        current = defaults;
        currentName = name;
        continue;
      }
      if (seen.has(name)) fail(lineNo, `section [${name}] appears twice`);
      seen.add(name);
      current = new Map();
      currentName = name;
      raw.push({ name, line: lineNo, options: current });
      continue;
    }
    if (!current) fail(lineNo, `a line outside any [section]: ${JSON.stringify(line)}`);
    const m = /^(.*?)\s*([=:])\s*(.*)$/.exec(value);
    if (!m || m[1] === '') fail(lineNo, `[${currentName}]: not an option line: ${JSON.stringify(line)}`);
    const key = m![1]!.trimEnd().toLowerCase();
    if (current!.has(key)) fail(lineNo, `[${currentName}]: option "${key}" appears twice`);
    current!.set(key, [m![3]!.trim()]);
    option = key;
  }
  const join = (parts: string[]) => parts.join('\n').replace(/\n+$/, '');
  return raw.map(({ name, line, options }) => {
    const merged = new Map<string, string>();
    for (const [k, v] of defaults) merged.set(k, join(v));
    for (const [k, v] of options) merged.set(k, join(v));
    const interpolated = new Map<string, string>();
    for (const [k, v] of merged) interpolated.set(k, interpolate(v, merged, `${file} [${name}]`, 0));
    return { name, line, options: interpolated };
  });
}

/** ConfigParser's BasicInterpolation: %% is a percent sign, %(name)s another option's value. */
function interpolate(value: string, options: Map<string, string>, where: string, depth: number): string {
  if (depth > 10) throw new StorageRulesError(`${where}: interpolation nested too deeply in ${JSON.stringify(value)}`);
  return value.replace(/%(%|\(([^)]*)\)s|.?)/g, (whole, what: string, name: string | undefined) => {
    if (what === '%') return '%';
    if (name !== undefined) {
      const ref = options.get(name.toLowerCase());
      if (ref === undefined) throw new StorageRulesError(`${where}: ${JSON.stringify(whole)} refers to an unknown option "${name}"`);
      return interpolate(ref, options, where, depth + 1);
    }
    throw new StorageRulesError(`${where}: '%' must be followed by '%' or '(' (write %% for a percent sign) in ${JSON.stringify(value)}`);
  });
}

/** Compiles a Python `re` pattern as a JS RegExp (named groups, \A, \Z, leading inline flags). */
export function compilePythonRegex(pattern: string, where: string): RegExp {
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      else if (f !== 'u' && f !== 'a') throw new StorageRulesError(`${where}: bad pattern ${JSON.stringify(pattern)}: the (?${f}) flag is not supported`);
    }
    source = source.slice(inline[0].length);
  }
  source = source.replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\A/g, '^').replace(/\\Z/g, '$(?![\\s\\S])');
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new StorageRulesError(`${where}: bad pattern ${JSON.stringify(pattern)}: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

function requireOption(section: Section, key: string, file: string): string {
  const v = section.options.get(key);
  if (v === undefined || v === '') throw new StorageRulesError(`${file} [${section.name}]: missing "${key}"`);
  return v;
}

/** Parses storage-schemas.conf text; `file` names it in errors. */
export function parseStorageSchemas(text: string, file = 'storage-schemas.conf'): StorageSchema[] {
  return parseIni(text, file).map((section) => {
    const where = `${file} [${section.name}]`;
    const pattern = requireOption(section, 'pattern', file);
    const retentions = requireOption(section, 'retentions', file);
    const archives = retentions.split(',').map((def) => {
      try {
        return parseCarbonRetentionDef(def) as ArchiveSpec;
      } catch (err) {
        throw new StorageRulesError(`${where}: bad retention ${JSON.stringify(def.trim())}: ${(err as Error).message}`);
      }
    });
    let sorted: ArchiveSpec[];
    try {
      sorted = validateArchiveList(archives);
    } catch (err) {
      throw new StorageRulesError(`${where}: invalid retentions "${retentions}": ${(err as Error).message}`);
    }
    return { name: section.name, pattern, regex: compilePythonRegex(pattern, where), archives: sorted };
  });
}

/** Parses storage-aggregation.conf text; `file` names it in errors. */
export function parseStorageAggregation(text: string, file = 'storage-aggregation.conf'): AggregationRule[] {
  return parseIni(text, file).map((section) => {
    const where = `${file} [${section.name}]`;
    const pattern = requireOption(section, 'pattern', file);
    const xffText = section.options.get('xfilesfactor');
    let xFilesFactor: number | null = null;
    if (xffText !== undefined) {
      xFilesFactor = parsePyFloat(xffText);
      if (!(xFilesFactor >= 0 && xFilesFactor <= 1)) {
        throw new StorageRulesError(`${where}: bad xFilesFactor ${JSON.stringify(xffText)}: must be a number from 0 to 1`);
      }
    }
    const method = section.options.get('aggregationmethod');
    if (method !== undefined && !isAggregationMethod(method)) {
      throw new StorageRulesError(`${where}: unknown aggregationMethod ${JSON.stringify(method)} (one of ${AGGREGATION_METHODS.join(', ')})`);
    }
    return {
      name: section.name,
      pattern,
      regex: compilePythonRegex(pattern, where),
      xFilesFactor,
      aggregationMethod: (method as AggregationMethod | undefined) ?? null,
    };
  });
}

/** The archives, xFilesFactor and method carbon would give a new file for `name`. */
export function selectStorage(rules: StorageRules, name: string): StorageSelection {
  const schema = rules.schemas.find((s) => s.regex.test(name));
  const aggregation = rules.aggregations.find((a) => a.regex.test(name));
  return {
    archives: schema ? schema.archives : DEFAULT_ARCHIVES,
    xFilesFactor: aggregation?.xFilesFactor ?? DEFAULT_X_FILES_FACTOR,
    aggregationMethod: aggregation?.aggregationMethod ?? DEFAULT_AGGREGATION_METHOD,
    schema: schema?.name ?? null,
    aggregation: aggregation?.name ?? null,
  };
}

/** Both files' rules from their text (aggregation text may be null: no rules). */
export function parseStorageRules(schemasText: string, aggregationText: string | null, schemasFile = 'storage-schemas.conf', aggregationFile = 'storage-aggregation.conf'): StorageRules {
  return {
    schemas: parseStorageSchemas(schemasText, schemasFile),
    aggregations: aggregationText === null ? [] : parseStorageAggregation(aggregationText, aggregationFile),
  };
}

// ---- shell ---------------------------------------------------------------------------------

/**
 * Reads both files. A missing storage-schemas.conf is an error (as in carbon); a missing
 * storage-aggregation.conf means no aggregation rules (whisper's defaults for every file).
 * Errors name the file by its base name, e.g. `storage-schemas.conf [stats]: …`.
 */
export async function loadStorageRules(schemasPath: string, aggregationPath?: string | null): Promise<StorageRules> {
  let schemasText: string;
  try {
    schemasText = await fsp.readFile(schemasPath, 'utf8');
  } catch (err) {
    throw new StorageRulesError(`cannot read storage schemas ${schemasPath}: ${(err as Error).message}`);
  }
  let aggregationText: string | null = null;
  if (aggregationPath) {
    try {
      aggregationText = await fsp.readFile(aggregationPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new StorageRulesError(`cannot read storage aggregation ${aggregationPath}: ${(err as Error).message}`);
      }
    }
  }
  return parseStorageRules(schemasText, aggregationText, path.basename(schemasPath), aggregationPath ? path.basename(aggregationPath) : undefined);
}
