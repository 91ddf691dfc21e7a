// Python `re` patterns and re.sub replacement templates, translated to JavaScript. Grafana sends
// `aliasSub(x, "(^.*$)", "\1 A")`; users paste Python regexes with `(?P<name>…)`, `(?P=name)`,
// `\g<1>`, inline flags `(?i)`, `\A`, `\Z`. What has no JS equivalent is a clear error.
import { InputParameterError } from './errors.js';

const cache = new Map<string, RegExp>();
const MAX_PATTERN = 2000;

function fail(pattern: string, why: string): never {
  throw new InputParameterError(`invalid regular expression ${JSON.stringify(pattern)}: ${why}`);
}

/** Translates a Python regular expression to an equivalent JS RegExp source and flags. */
export function translatePattern(pattern: string): { source: string; flags: string } {
  if (pattern.length > MAX_PATTERN) fail(pattern.slice(0, 40) + '…', `longer than ${MAX_PATTERN} characters`);
  let flags = '';
  let out = '';
  let i = 0;
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) fail(pattern, 'bad escape (end of pattern)');
      if (!inClass && n === 'A') out += '^';
      else if (!inClass && n === 'Z') out += '$(?![\\s\\S])';
      else out += c + n;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      if (c === '[') out += '\\[';
      else out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      // a leading ']' (or '^]') is a literal in Python, a closing bracket in JS
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      if (pattern[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      let m: RegExpExecArray | null;
      if ((m = /^P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
        out += `(?<${m[1]}>`;
        i += 2 + m[0].length;
        continue;
      }
      if ((m = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) {
        out += `\\k<${m[1]}>`;
        i += 2 + m[0].length;
        continue;
      }
      if ((m = /^#[^)]*\)/.exec(rest))) {
        i += 2 + m[0].length;
        continue;
      }
      if ((m = /^([aiLmsux]+)\)/.exec(rest))) {
        for (const f of m[1]) {
          if (f === 'x') fail(pattern, 'verbose mode (?x) is not supported');
          if ((f === 'i' || f === 'm' || f === 's') && !flags.includes(f)) flags += f;
        }
        i += 2 + m[0].length;
        continue;
      }
      if (rest.startsWith('(')) fail(pattern, 'conditional groups (?(…)…) are not supported');
      if (/^P/.test(rest)) fail(pattern, 'bad (?P…) group');
    }
    out += c;
    i++;
  }
  if (inClass) fail(pattern, 'unterminated character set');
  return { source: out, flags };
}

/**
 * Refuses patterns with nested unbounded quantifiers (`(a+)+`, `(.*)*`, `(x|y*){2,}`): they can
 * backtrack exponentially (a request that never finishes). Names are short, so the regexes
 * people use in aliasSub/grep never need that shape.
 */
export function checkBacktracking(pattern: string, source: string): void {
  const stack: boolean[] = [false];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const innerUnbounded = stack.length > 1 ? stack.pop()! : false;
      const next = source[i + 1];
      const quantified = next === '*' || next === '+' || (next === '{' && /^\{\d*,\d*\}/.test(source.slice(i + 1)));
      if (innerUnbounded && quantified) fail(pattern, 'nested quantifiers like (a+)+ can take forever; rewrite the pattern');
      if (innerUnbounded || quantified) stack[stack.length - 1] = true;
    } else if (c === '*' || c === '+' || (c === '{' && /^\{\d*,\}/.test(source.slice(i)))) {
      stack[stack.length - 1] = true;
    }
  }
  // `.*.*.*.*x` is polynomial with a large exponent: allow a few "match anything" repeats only
  const anything = (source.match(/(?<!\\)\.[*+]|\\[SDW][*+]|\[\^[^\]]*\][*+]/g) ?? []).filter((m) => !(m.startsWith('[^') && m.includes('.')));
  if (anything.length > MAX_WILD_REPEATS) fail(pattern, `more than ${MAX_WILD_REPEATS} ".*"-like repeats can take forever; anchor or narrow the pattern`);
}

const MAX_WILD_REPEATS = 4;

/** A compiled JS RegExp (no global flag) for a Python pattern; cached. */
export function pyRegex(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const { source, flags } = translatePattern(pattern);
  checkBacktracking(pattern, source);
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (err) {
    fail(pattern, (err as Error).message.replace(/^Invalid regular expression: /, ''));
  }
  if (cache.size > 500) cache.clear();
  cache.set(pattern, re);
  return re;
}

type Part = string | { group: number | string };

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

/** Parses a Python re.sub replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`, …). */
export function parseReplacement(template: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const n = template[i + 1];
    if (n === undefined) throw new InputParameterError(`bad escape (end of replacement) in ${JSON.stringify(template)}`);
    let m: RegExpExecArray | null;
    if ((m = /^[0-9]{1,2}/.exec(template.slice(i + 1)))) {
      const oct = /^(0[0-7]{0,2}|[0-7]{3})/.exec(template.slice(i + 1));
      if (oct) {
        // \0, \0NN and \NNN are octal character escapes in Python templates
        lit += String.fromCharCode(parseInt(oct[0], 8));
        i += oct[0].length;
        continue;
      }
      if (lit) parts.push(lit);
      lit = '';
      parts.push({ group: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    if (n === 'g') {
      m = /^g<([^>]*)>/.exec(template.slice(i + 1));
      if (!m) throw new InputParameterError(`missing group name in replacement ${JSON.stringify(template)}`);
      if (lit) parts.push(lit);
      lit = '';
      parts.push({ group: /^[0-9]+$/.test(m[1]) ? Number(m[1]) : m[1] });
      i += m[0].length;
      continue;
    }
    if (n in SIMPLE_ESCAPES) {
      lit += SIMPLE_ESCAPES[n];
      i++;
      continue;
    }
    if (/[A-Za-z]/.test(n)) throw new InputParameterError(`bad escape \\${n} in replacement ${JSON.stringify(template)}`);
    lit += c + n;
    i++;
  }
  if (lit) parts.push(lit);
  return parts;
}

/** Python re.sub(pattern, replacement, text): every match replaced, unmatched groups → "". */
export function pySub(pattern: string, replacement: string, text: string): string {
  const re = pyRegex(pattern);
  const parts = parseReplacement(replacement);
  const global = new RegExp(re.source, re.flags + 'g');
  return text.replace(global, (...args: unknown[]) => {
    const hasNamed = typeof args[args.length - 1] === 'object' && args[args.length - 1] !== null;
    const named = (hasNamed ? args[args.length - 1] : {}) as Record<string, string | undefined>;
    const groupCount = args.length - (hasNamed ? 3 : 2) - 1;
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') {
        out += p;
      } else if (typeof p.group === 'number') {
        if (p.group > groupCount) throw new InputParameterError(`invalid group reference ${p.group} in replacement`);
        out += (args[p.group] as string | undefined) ?? '';
      } else {
        if (!(p.group in named)) throw new InputParameterError(`unknown group name '${p.group}' in replacement`);
        out += named[p.group] ?? '';
      }
    }
    return out;
  });
}

/** Python re.search(pattern, text) is not None. */
export function pySearch(pattern: string, text: string): boolean {
  return pyRegex(pattern).test(text);
}
