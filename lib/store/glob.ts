// Graphite glob patterns, matched one dotted component at a time as graphite-web's finder does:
// braces `{a,b}` are expanded first (innermost first; unbalanced braces stay literal), then
// each variant is a Python fnmatch pattern (`*`, `?`, `[a-z]`, `[!a]`; case-sensitive; an
// unclosed `[` is literal). Pure; expansion sizes are bounded by the caller's limits.
import { LimitError } from '../render/errors.js';

export interface GlobLimits {
  /** Most variants one pattern component may brace-expand into. */
  maxBraceVariants: number;
  /** Most nodes a find may return (and most series a render target may expand to). */
  maxResults: number;
  /** Most index nodes a single find may visit. */
  maxVisited: number;
}

export const DEFAULT_GLOB_LIMITS: GlobLimits = {
  maxBraceVariants: 10000,
  maxResults: 100000,
  maxVisited: 2_000_000,
};

const BRACE = /\{([^{}]*)\}/;

/** graphite's expand_braces: every variant of `{…}` groups (order not significant, duplicates removed). */
export function expandBraces(s: string, limit = DEFAULT_GLOB_LIMITS.maxBraceVariants): string[] {
  const out = new Set<string>();
  const walk = (x: string): void => {
    const m = BRACE.exec(x);
    if (!m) {
      out.add(x);
      if (out.size > limit) throw new LimitError(`pattern ${JSON.stringify(s.slice(0, 100))} expands to more than ${limit} variants (limit maxBraceVariants)`);
      return;
    }
    const before = x.slice(0, m.index);
    const after = x.slice(m.index + m[0].length);
    for (const alt of m[1].split(',')) walk(before + alt + after);
  };
  walk(s);
  return [...out];
}

export function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?') || s.includes('[');
}

/** Python's fnmatch.translate, as a JS RegExp anchored at both ends. */
export function fnmatchRegex(pattern: string): RegExp {
  let re = '';
  let i = 0;
  const n = pattern.length;
  const esc = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  while (i < n) {
    const c = pattern[i++];
    if (c === '*') {
      if (!re.endsWith('[\\s\\S]*')) re += '[\\s\\S]*';
    } else if (c === '?') {
      re += '[\\s\\S]';
    } else if (c === '[') {
      let j = i;
      if (j < n && pattern[j] === '!') j++;
      if (j < n && pattern[j] === ']') j++;
      while (j < n && pattern[j] !== ']') j++;
      if (j >= n) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i, j);
      i = j + 1;
      let negate = false;
      if (body.startsWith('!')) {
        negate = true;
        body = body.slice(1);
      }
      if (!body.length) {
        // Python: '[]' never matches, '[!]' matches any character
        re += negate ? '[\\s\\S]' : '(?!)';
        continue;
      }
      const cls = body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]').replace(/\[/g, '\\[').replace(/\^/g, '\\^');
      re += `[${negate ? '^' : ''}${cls}]`;
    } else {
      re += esc(c);
    }
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    // e.g. a reversed range `[z-a]`: Python drops it (never matches); so do we
    return /(?!)/;
  }
}

/** One pattern component, ready to match directory entries. */
export interface ComponentMatcher {
  /** Exact names to look up (no wildcard). */
  exact: string[];
  /** Regexes for the wildcard variants. */
  patterns: RegExp[];
}

export function componentMatcher(component: string, limits: GlobLimits = DEFAULT_GLOB_LIMITS): ComponentMatcher {
  const exact: string[] = [];
  const patterns: RegExp[] = [];
  for (const v of expandBraces(component, limits.maxBraceVariants)) {
    if (v === '**') patterns.push(/^[\s\S]*$/);
    else if (hasWildcard(v)) patterns.push(fnmatchRegex(v));
    else exact.push(v);
  }
  return { exact, patterns };
}

export function matches(m: ComponentMatcher, name: string): boolean {
  return m.exact.includes(name) || m.patterns.some((re) => re.test(name));
}

/** Splits a find query like graphite: backslashes removed, then on dots. */
export function patternComponents(query: string): string[] {
  return query.replace(/\\/g, '').split('.');
}

/** A predicate for full metric names matching a graphite pattern (no file system involved). */
export function compileGlob(query: string, limits: GlobLimits = DEFAULT_GLOB_LIMITS): (name: string) => boolean {
  const parts = patternComponents(query).map((p) => (p === '**' ? null : componentMatcher(p, limits)));
  const match = (names: string[], i: number, j: number): boolean => {
    if (i === parts.length) return j === names.length;
    const m = parts[i];
    if (m === null) {
      if (i === parts.length - 1) return j < names.length;
      for (let k = j; k <= names.length; k++) if (match(names, i + 1, k)) return true;
      return false;
    }
    return j < names.length && matches(m, names[j]) && match(names, i + 1, j + 1);
  };
  return (name) => match(name.split('.'), 0, 0);
}
