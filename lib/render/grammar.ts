// The render target grammar exactly as graphite-web parses it (render/grammar_unsafe.py, a
// pyparsing grammar): ordered choice without backtracking into a successful alternative, no
// parseAll. That is why `scale(a.b, .5)` silently becomes the path `scale`, `foo.bar)` is
// `foo.bar`, and `f(x=1)` (keyword args need a positional one first) is the path `f`.
// Packrat memoisation keeps hostile nesting linear; depth and length are bounded.
import { InputParameterError, LimitError } from './errors.js';

export type Arg =
  | { kind: 'number'; value: number; isInt: boolean; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'inf' }
  | Expression;

export interface PathNode {
  kind: 'path';
  path: string;
}

export interface CallNode {
  kind: 'call';
  name: string;
  args: Arg[];
  kwargs: [string, Arg][];
  /** The call's source text, e.g. for seriesByTag. */
  raw: string;
}

export interface TemplateNode {
  kind: 'template';
  body: CallNode | PathNode;
  args: Arg[];
  kwargs: [string, Arg][];
}

export interface Expression {
  kind: 'expression';
  base: PathNode | CallNode | TemplateNode;
  pipes: CallNode[];
}

export const MAX_TARGET_LENGTH = 65536;
const MAX_DEPTH = 200;

const WS = new Set([' ', '\t', '\n', '\r']);
const SYMBOLS = `(){},.'"\\|`;
const ESCAPABLE = SYMBOLS + '=';

/**
 * graphite's validMetricChars with UTF8_METRICS on: printable ASCII and any non-ASCII character
 * but whitespace (sotto stores UTF-8 names; graphite's default, ASCII only, could not read them).
 */
function isMetricChar(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code > 126) return !/\s/.test(c);
  return code >= 33 && !SYMBOLS.includes(c);
}
const isIdentStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isIdent = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
const isKeywordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);

type Result<T> = { value: T; end: number } | null;

const RE_SCI = /-?\d+(?:\.\d+)?[eE]-?\d+/y;
const RE_FLOAT = /-?\d+\.\d+/y;
const RE_INT = /-?\d+/y;
const RE_DQ = /"(?:[^"\n\r\\]|""|\\(?:[^x]|x[0-9a-fA-F]+))*/y;
const RE_SQ = /'(?:[^'\n\r\\]|''|\\(?:[^x]|x[0-9a-fA-F]+))*/y;

class Parser {
  private readonly memo = new Map<string, Result<unknown>>();
  private depth = 0;

  constructor(private readonly s: string) {}

  private ws(pos: number): number {
    while (pos < this.s.length && WS.has(this.s[pos])) pos++;
    return pos;
  }

  private memoized<T>(rule: string, pos: number, fn: () => Result<T>): Result<T> {
    const key = `${rule}:${pos}`;
    if (this.memo.has(key)) return this.memo.get(key) as Result<T>;
    if (++this.depth > MAX_DEPTH) throw new LimitError(`target is nested more than ${MAX_DEPTH} levels deep`);
    try {
      const r = fn();
      this.memo.set(key, r);
      return r;
    } finally {
      this.depth--;
    }
  }

  private literal(pos: number, text: string): number | null {
    const p = this.ws(pos);
    return this.s.startsWith(text, p) ? p + text.length : null;
  }

  private regex(re: RegExp, pos: number): string | null {
    re.lastIndex = pos;
    const m = re.exec(this.s);
    return m ? m[0] : null;
  }

  private ident(pos: number): Result<string> {
    const p = this.ws(pos);
    if (!isIdentStart(this.s[p])) return null;
    let e = p + 1;
    while (isIdent(this.s[e])) e++;
    return { value: this.s.slice(p, e), end: e };
  }

  private keyword(pos: number, word: string): number | null {
    const p = this.ws(pos);
    if (this.s.slice(p, p + word.length).toLowerCase() !== word) return null;
    if (isKeywordChar(this.s[p + word.length])) return null;
    if (p > 0 && isKeywordChar(this.s[p - 1])) return null;
    return p + word.length;
  }

  expression(pos: number): Result<Expression> {
    return this.memoized('expr', pos, () => {
      const base = this.template(pos) ?? this.call(pos) ?? this.pathExpression(pos);
      if (!base) return null;
      const pipes: CallNode[] = [];
      let end = base.end;
      for (;;) {
        const bar = this.literal(end, '|');
        if (bar === null) break;
        const c = this.call(bar);
        if (!c) break;
        pipes.push(c.value);
        end = c.end;
      }
      return { value: { kind: 'expression', base: base.value, pipes }, end };
    });
  }

  private number(pos: number): Result<Arg> {
    const p = this.ws(pos);
    for (const re of [RE_SCI, RE_FLOAT, RE_INT]) {
      const text = this.regex(re, p);
      if (text === null) continue;
      const end = p + text.length;
      if (!this.afterNumber(end)) continue;
      const isInt = re === RE_INT;
      return { value: { kind: 'number', value: Number(text), isInt, text: text.toLowerCase() }, end };
    }
    return null;
  }

  /** FollowedBy(",") ^ FollowedBy(")") ^ FollowedBy(LineEnd()) */
  private afterNumber(pos: number): boolean {
    const p = this.ws(pos);
    if (this.s[p] === ',' || this.s[p] === ')') return true;
    let q = pos;
    while (q < this.s.length && ' \t\r'.includes(this.s[q])) q++;
    return q >= this.s.length || this.s[q] === '\n';
  }

  private string(pos: number): Result<Arg> {
    const p = this.ws(pos);
    const re = this.s[p] === '"' ? RE_DQ : this.s[p] === "'" ? RE_SQ : null;
    if (!re) return null;
    const body = this.regex(re, p);
    if (body === null || this.s[p + body.length] !== this.s[p]) return null;
    return { value: { kind: 'string', value: body.slice(1) }, end: p + body.length + 1 };
  }

  private arg(pos: number): Result<Arg> {
    return this.memoized('arg', pos, () => {
      let end: number | null;
      if ((end = this.keyword(pos, 'true')) !== null) return { value: { kind: 'bool', value: true }, end };
      if ((end = this.keyword(pos, 'false')) !== null) return { value: { kind: 'bool', value: false }, end };
      const n = this.number(pos);
      if (n) return n;
      if ((end = this.keyword(pos, 'none')) !== null) return { value: { kind: 'none' }, end };
      const str = this.string(pos);
      if (str) return str;
      if ((end = this.keyword(pos, 'inf')) !== null) return { value: { kind: 'inf' }, end };
      return this.expression(pos);
    });
  }

  private kwarg(pos: number, literalOnly: boolean): Result<[string, Arg]> {
    const name = this.ident(pos);
    if (!name) return null;
    const eq = this.literal(name.end, '=');
    if (eq === null) return null;
    const value = literalOnly ? this.literalArg(eq) : this.arg(eq);
    return value ? { value: [name.value, value.value], end: value.end } : null;
  }

  private literalArg(pos: number): Result<Arg> {
    return this.number(pos) ?? this.string(pos);
  }

  /** Optional(args + Optional(',' + kwargs)) with args = delimitedList(~kwarg + arg). */
  private argList(pos: number): { args: Arg[]; kwargs: [string, Arg][]; end: number } {
    const args: Arg[] = [];
    const kwargs: [string, Arg][] = [];
    const one = (p: number): Result<Arg> => (this.kwarg(p, false) ? null : this.arg(p));
    const first = one(pos);
    if (!first) return { args, kwargs, end: pos };
    args.push(first.value);
    let end = first.end;
    for (;;) {
      const comma = this.literal(end, ',');
      if (comma === null) break;
      const next = one(comma);
      if (!next) break;
      args.push(next.value);
      end = next.end;
    }
    const comma = this.literal(end, ',');
    const kw = comma === null ? null : this.keywordList(comma, false);
    if (kw) {
      kwargs.push(...kw.kwargs);
      end = kw.end;
    }
    return { args, kwargs, end };
  }

  call(pos: number): Result<CallNode> {
    return this.memoized('call', pos, () => {
      const name = this.ident(pos);
      if (!name) return null;
      const open = this.literal(name.end, '(');
      if (open === null) return null;
      const list = this.argList(open);
      const close = this.literal(list.end, ')');
      if (close === null) return null;
      const start = name.end - name.value.length;
      return {
        value: { kind: 'call', name: name.value, args: list.args, kwargs: list.kwargs, raw: this.s.slice(start, close) },
        end: close,
      };
    });
  }

  private template(pos: number): Result<TemplateNode> {
    const lit = this.literal(pos, 'template');
    if (lit === null) return null;
    const open = this.literal(lit, '(');
    if (open === null) return null;
    const body = this.call(open) ?? this.pathExpression(open);
    if (!body) return null;
    let end = body.end;
    let args: Arg[] = [];
    let kwargs: [string, Arg][] = [];
    const comma = this.literal(end, ',');
    if (comma !== null) {
      // (litargs | litkwargs): positional literals, or else keyword literals — never both
      const positional = this.positionalLiterals(comma);
      if (positional) {
        args = positional.args;
        end = positional.end;
      } else {
        const kw = this.keywordList(comma, true);
        if (kw) {
          kwargs = kw.kwargs;
          end = kw.end;
        }
      }
    }
    const close = this.literal(end, ')');
    if (close === null) return null;
    return { value: { kind: 'template', body: body.value, args, kwargs }, end: close };
  }

  private positionalLiterals(pos: number): { args: Arg[]; end: number } | null {
    const one = (p: number): Result<Arg> => (this.kwarg(p, true) ? null : this.literalArg(p));
    let r = one(pos);
    if (!r) return null;
    const args = [r.value];
    let end = r.end;
    for (;;) {
      const c = this.literal(end, ',');
      if (c === null) break;
      r = one(c);
      if (!r) break;
      args.push(r.value);
      end = r.end;
    }
    return { args, end };
  }

  /** delimitedList(kwarg): `name=value, …` (literal values only inside template()). */
  private keywordList(pos: number, literalOnly: boolean): { kwargs: [string, Arg][]; end: number } | null {
    const first = this.kwarg(pos, literalOnly);
    if (!first) return null;
    const kwargs = [first.value];
    let end = first.end;
    for (;;) {
      const c = this.literal(end, ',');
      if (c === null) break;
      const next = this.kwarg(c, literalOnly);
      if (!next) break;
      kwargs.push(next.value);
      end = next.end;
    }
    return { kwargs, end };
  }

  private partial(pos: number): Result<string> {
    let e = pos;
    let text = '';
    for (;;) {
      const c = this.s[e];
      if (c === '\\' && this.s[e + 1] !== undefined && ESCAPABLE.includes(this.s[e + 1])) {
        text += this.s[e + 1];
        e += 2;
      } else if (c !== undefined && isMetricChar(c)) {
        text += c;
        e++;
      } else break;
    }
    return e > pos ? { value: text, end: e } : null;
  }

  private matchEnum(pos: number): Result<string> {
    if (this.s[pos] !== '{') return null;
    const first = this.partial(pos + 1);
    if (!first) return null;
    let text = '{' + first.value;
    let end = first.end;
    while (this.s[end] === ',') {
      const next = this.partial(end + 1);
      if (!next) break;
      text += ',' + next.value;
      end = next.end;
    }
    if (this.s[end] !== '}') return null;
    return { value: text + '}', end: end + 1 };
  }

  private pathElement(pos: number): Result<string> {
    const first = this.partial(pos) ?? this.matchEnum(pos);
    if (!first) return null;
    let text = first.value;
    let end = first.end;
    for (;;) {
      const more = this.matchEnum(end) ?? this.partial(end);
      if (!more) break;
      text += more.value;
      end = more.end;
    }
    return { value: text, end };
  }

  pathExpression(pos: number): Result<PathNode> {
    return this.memoized('path', pos, () => {
      const p = this.ws(pos);
      const first = this.pathElement(p);
      if (!first) return null;
      let text = first.value;
      let end = first.end;
      while (this.s[end] === '.') {
        const next = this.pathElement(end + 1);
        if (!next) break;
        text += '.' + next.value;
        end = next.end;
      }
      return { value: { kind: 'path', path: text }, end };
    });
  }
}

/**
 * Parses one target like graphite-web: the longest valid prefix wins and the rest is ignored.
 * Throws InputParameterError when nothing parses (graphite answers 500 there).
 */
export function parseTarget(target: string): Expression {
  if (target.length > MAX_TARGET_LENGTH) throw new LimitError(`target longer than ${MAX_TARGET_LENGTH} characters`);
  const r = new Parser(target).expression(0);
  if (!r) {
    const at = target.search(/\S/);
    throw new InputParameterError(`could not parse target ${JSON.stringify(target)} at character ${at < 0 ? target.length : at}`);
  }
  return r.value;
}
