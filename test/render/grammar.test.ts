// The target grammar: graphite-web's quirks by example, and a seeded fuzz corpus parsed by
// graphite-web's own pyparsing grammar and by sotto, which must agree on every tree.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTarget, type Arg, type CallNode, type Expression, type PathNode, type TemplateNode } from '../../lib/render/grammar.js';
import { DEBIAN_PYTHON } from '../support/interop.js';
import { needGraphitePython, rng } from './support/oracle.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The same JSON shape grammar.py prints. */
function tree(e: Expression): unknown {
  const call = (c: CallNode): unknown => ({ call: c.name, args: c.args.map(arg), kwargs: c.kwargs.map(([k, v]) => [k, arg(v)]) });
  const base = (b: PathNode | CallNode | TemplateNode): unknown =>
    b.kind === 'path' ? { path: b.path } : b.kind === 'call' ? call(b) : { template: b.body.kind === 'call' ? call(b.body) : { path: b.body.path }, args: b.args.map(arg), kwargs: b.kwargs.map(([k, v]) => [k, arg(v)]) };
  function arg(a: Arg): unknown {
    switch (a.kind) {
      case 'number':
        return a.isInt ? { int: a.text } : a.text.includes('e') ? { sci: a.text } : { float: a.text };
      case 'string':
        return { str: a.value };
      case 'bool':
        return { bool: String(a.value) };
      case 'none':
        return { none: true };
      case 'inf':
        return { inf: true };
      default:
        return tree(a);
    }
  }
  return { expr: base(e.base), pipes: e.pipes.map(call) };
}

const pathOf = (s: string): string | null => {
  const e = parseTarget(s);
  return e.base.kind === 'path' && !e.pipes.length ? e.base.path : null;
};

t.test("graphite's silent degradations are reproduced", (t) => {
  t.equal(pathOf('scale(a.b, .5)'), 'scale', 'a bad argument turns the call into the path of its name');
  t.equal(pathOf('f(x=1)'), 'f', 'keyword arguments need a positional one first');
  t.equal(pathOf('sumSeries(true.foo)'), 'sumSeries', 'a keyword that matches stops the argument');
  t.equal(pathOf('foo.bar)'), 'foo.bar', 'trailing text is ignored');
  t.equal(pathOf('foo.bar baz'), 'foo.bar');
  t.equal(pathOf('a..b'), 'a');
  t.equal(pathOf('a.b\\(c\\)'), 'a.b(c)', 'escaped symbols');
  t.equal(pathOf('a.{b,c}d.e[0-9]?*'), 'a.{b,c}d.e[0-9]?*');
  t.equal(pathOf('a.b;tag=val'), 'a.b;tag=val');
  const s = parseTarget('summarize(a.b, 1h)');
  t.same((s.base as CallNode).args.map((a) => a.kind), ['expression', 'expression'], 'a number must be followed by , or ) — 1h is a path');
  t.same(tree(parseTarget("a.b|scale(2) | alias('x')")), {
    expr: { path: 'a.b' },
    pipes: [
      { call: 'scale', args: [{ int: '2' }], kwargs: [] },
      { call: 'alias', args: [{ str: 'x' }], kwargs: [] },
    ],
  });
  t.same((parseTarget('f(1e5, -2.5E-3, TRUE, None, inf, "x\\"y")').base as CallNode).args, [
    { kind: 'number', value: 1e5, isInt: false, text: '1e5' },
    { kind: 'number', value: -2.5e-3, isInt: false, text: '-2.5e-3' },
    { kind: 'bool', value: true },
    { kind: 'none' },
    { kind: 'inf' },
    { kind: 'string', value: 'x\\"y' },
  ]);
  t.equal(parseTarget('template(a.$1.b, "x")').base.kind, 'template');
  t.throws(() => parseTarget('"abc"'), { name: 'InputParameterError' }, 'a bare string parses to nothing (graphite: HTTP 500)');
  t.throws(() => parseTarget(''), { name: 'InputParameterError' });
  t.end();
});

t.test('hostile nesting is bounded and linear', (t) => {
  const deep = 'f('.repeat(5000) + 'a' + ')'.repeat(5000);
  t.throws(() => parseTarget(deep), { name: 'LimitError' }, 'too deep');
  const started = Date.now();
  const wide = 'template('.repeat(60) + 'a.b' + ', 1)'.repeat(60);
  parseTarget(wide);
  t.ok(Date.now() - started < 2000, 'backtracking-heavy input stays fast (packrat)');
  t.throws(() => parseTarget('a'.repeat(70000)), { name: 'LimitError' });
  t.end();
});

t.test('a seeded fuzz corpus parses to the same trees as graphite-web', (t) => {
  if (!needGraphitePython(t)) return t.end();
  const seed = 4242;
  const random = rng(seed);
  const toks = ['a', 'b.c', 'sumSeries', 'f', '(', ')', ',', '.', ' ', '|', '"x"', "'y'", '1', '-2', '1.5', '1e3', 'true', 'None', 'inf', '=', 'x=', '{', '}', '*', '[0-9]', '\\', '\\.', 'template', '$1', ';', '-', 'e', '\t', 'scale(', 'a.b', ')|g(', '""', "''", 'TRUE', '_q', '#', '~'];
  const inputs: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const n = 1 + Math.floor(random() * 12);
    let s = '';
    for (let j = 0; j < n; j++) s += toks[Math.floor(random() * toks.length)];
    inputs.push(s);
  }
  const out = execFileSync(DEBIAN_PYTHON, ['-W', 'ignore', path.join(HERE, 'support/grammar.py')], { input: inputs.join('\n') + '\n', maxBuffer: 1 << 27 })
    .toString()
    .trim()
    .split('\n');
  const unquote = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(unquote);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === 'str' ? (v as string).slice(1, -1) : unquote(v)]));
    return x;
  };
  const bad: string[] = [];
  out.forEach((line, i) => {
    const py = JSON.parse(line) as { out?: unknown; err?: string };
    let mine: string;
    try {
      mine = JSON.stringify(tree(parseTarget(inputs[i])));
    } catch {
      mine = 'ERR';
    }
    const theirs = py.err ? 'ERR' : JSON.stringify(unquote(py.out));
    if (mine !== theirs) bad.push(`${JSON.stringify(inputs[i])}: ${mine} vs ${theirs}`);
  });
  t.equal(out.length, inputs.length);
  t.same(bad.slice(0, 10), [], `seed ${seed}`);
  t.end();
});
