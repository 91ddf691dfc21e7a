// Python's number formatting is what graphite-web prints; these compare sotto's against the
// real thing on awkward values and on a seeded random sample (the seed is printed on failure).
import t from 'tap';
import { pyFloatRepr, pyFormatD, pyFormatFixed, pyFormatG, pyRound, pyStr } from '../../lib/render/pyformat.js';
import { pyDumps, pyFloatJson, pyJsonString, PyFloat } from '../../lib/render/pyjson.js';
import { askPython, floatText, needGraphitePython, rng } from './support/oracle.js';

const AWKWARD = [0, -0, 1, -1, 0.1, 0.5, 1.5, 2.5, 0.125, 2.675, 1e16, 1e15, 9999999999999998, 0.0001, 0.00001, 1e-7, 123456789012, 1e21, 2.5e-300, 0.30000000000000004, 1 / 3, 5e-324, 1.7976931348623157e308, 1234565, 1234575, 123456, 0.1234565, 1e22, 12345678901234567, NaN, Infinity, -Infinity, 1.005, 8.345, 99.995];

t.test('repr, %g, %.2f and round(x, n) match Python on awkward and random values', (t) => {
  if (!needGraphitePython(t)) return t.end();
  const seed = 20240601;
  const random = rng(seed);
  const values = [...AWKWARD];
  for (let i = 0; i < 400; i++) {
    const kind = i % 4;
    const x = kind === 0 ? random() * 10 ** Math.floor(random() * 40 - 20) : kind === 1 ? Math.round(random() * 1e6) / 10 ** Math.floor(random() * 6) : kind === 2 ? (random() - 0.5) * 1e9 : Math.floor(random() * 2000) / 8;
    values.push(random() < 0.3 ? -x : x);
  }
  const questions = values.flatMap((x) => [
    { op: 'repr', x: floatText(x) },
    { op: 'g', x: floatText(x) },
    { op: 'fixed', x: floatText(x), n: 2 },
    ...[0, 1, 2, 6, -1].map((n) => ({ op: 'round', x: floatText(x), n })),
  ]);
  const answers = askPython(questions);
  let k = 0;
  const bad: string[] = [];
  for (const x of values) {
    const mine = [pyFloatRepr(x), pyFormatG(x), pyFormatFixed(x, 2), ...[0, 1, 2, 6, -1].map((n) => pyFloatRepr(pyRound(x, n)))];
    for (const m of mine) {
      const want = answers[k++];
      if (typeof want === 'string' && m !== want) bad.push(`${floatText(x)}: ${m} vs ${want}`);
    }
  }
  t.same(bad, [], `seed ${seed}`);
  t.end();
});

t.test('Python prints the values graphite-web answers with', (t) => {
  t.equal(pyFloatRepr(1), '1.0');
  t.equal(pyFloatRepr(1e-5), '1e-05');
  t.equal(pyFloatRepr(1e16), '1e+16');
  t.equal(pyFloatRepr(-0), '-0.0');
  t.equal(pyFormatG(2), '2');
  t.equal(pyFormatG(0.5), '0.5');
  t.equal(pyFormatG(1e15), '1e+15');
  t.equal(pyFormatD(-2.7), '-2');
  t.throws(() => pyFormatD(NaN));
  t.equal(pyStr(3), '3');
  t.equal(pyStr(3, true), '3.0');
  t.equal(pyStr(true), 'True');
  t.equal(pyStr(null), 'None');
  t.equal(pyRound(0.125, 2), 0.12, 'half to even on the exact value');
  t.equal(pyRound(2.675, 2), 2.67, '2.675 is below the tie in binary');
  t.equal(pyRound(1234.5, -1), 1230);
  t.equal(pyRound(Infinity, 2), Infinity);
  t.end();
});

t.test('json.dumps output: separators, floats, escapes, indent', (t) => {
  t.equal(pyDumps([1, new PyFloat(2), 'é', { a: null, b: true }]), '[1, 2.0, "\\u00e9", {"a": null, "b": true}]');
  t.equal(pyDumps('é', { ensureAscii: false }), '"é"');
  t.equal(pyDumps({ a: [1] }, { indent: 2 }), '{\n  "a": [\n    1\n  ]\n}');
  t.equal(pyDumps([]), '[]');
  t.equal(pyJsonString('a"b\\c\n\u0001\u007f'), '"a\\"b\\\\c\\n\\u0001\\u007f"');
  t.equal(pyJsonString('stats.counters.a-b_c.count ~!'), '"stats.counters.a-b_c.count ~!"', 'printable ASCII as is');
  for (const c of ['"', '\\', '\t', '\u007f', 'é', '\u2028']) t.equal(pyJsonString(`x${c}`), JSON.stringify(`x${c}`).replace(/[\u007f-\uffff]/g, (u) => '\\u' + u.charCodeAt(0).toString(16).padStart(4, '0')), `escapes U+${c.charCodeAt(0).toString(16)}`);
  t.equal(pyFloatJson(NaN), 'NaN');
  t.equal(pyFloatJson(-Infinity), '-Infinity');
  t.equal(pyFloatJson(100), '100.0');
  t.equal(pyFloatJson(1e-5), '1e-05');
  t.end();
});
