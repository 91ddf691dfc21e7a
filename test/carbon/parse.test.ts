import t from 'tap';
import { execFileSync } from 'node:child_process';
import { parseCarbonLine, parseCarbonText, pythonFloat } from '../../lib/carbon/parse.js';
import { DEBIAN_PYTHON, requirePeer } from '../support/interop.js';
import { existsSync } from 'node:fs';
import { rng, pick } from '../support/rng.js';

t.test('a line is name, value and timestamp separated by any whitespace', async (t) => {
  t.same(parseCarbonLine('a.b 1.5 1700000000', 0), { kind: 'point', point: { name: 'a.b', value: 1.5, timestamp: 1700000000 } });
  t.same(parseCarbonLine('  a.b\t1e3   1.7e9\r', 0), { kind: 'point', point: { name: 'a.b', value: 1000, timestamp: 1700000000 } });
  t.same(parseCarbonLine('a 1 1700000000.9', 0), { kind: 'point', point: { name: 'a', value: 1, timestamp: 1700000000 } });
  t.same(parseCarbonLine('a 1 -1', 42), { kind: 'point', point: { name: 'a', value: 1, timestamp: 42 } }, '-1 means now');
  t.same(parseCarbonLine('a inf 1', 0), { kind: 'point', point: { name: 'a', value: Infinity, timestamp: 1 } });
  t.same(parseCarbonLine('a 1_000 1', 0), { kind: 'point', point: { name: 'a', value: 1000, timestamp: 1 } });
});

t.test('NaN values are dropped silently; malformed lines are reported', async (t) => {
  t.same(parseCarbonLine('a nan 1', 0), { kind: 'nan' });
  t.equal(parseCarbonLine('bad line only', 0).kind, 'bad');
  t.equal(parseCarbonLine('only two', 0).kind, 'bad');
  t.equal(parseCarbonLine('a b c d', 0).kind, 'bad');
  t.equal(parseCarbonLine('test.x notanumber 1', 0).kind, 'bad');
  t.equal(parseCarbonLine('a 1 inf', 0).kind, 'bad', 'an infinite timestamp (crashes carbon) is a bad line');
  t.equal(parseCarbonLine('a 0x10 1', 0).kind, 'bad', 'no hex in Python float()');
  t.equal(parseCarbonLine('caf\uFFFD 1 1', 0).kind, 'bad', 'undecodable UTF-8 is a bad line');
});

t.test('a chunk of lines gives its points and its bad lines', async (t) => {
  const b = parseCarbonText('a 1 10\n\nbad\nb 2 20\r\nc nan 1\n', 0);
  t.same(b.points, [{ name: 'a', value: 1, timestamp: 10 }, { name: 'b', value: 2, timestamp: 20 }]);
  t.same(b.bad.map((x) => x.line), ['bad']);
});

t.test('number syntax agrees with Python float()', async (t) => {
  if (!requirePeer(t, 'Debian python3', existsSync(DEBIAN_PYTHON), 'apt-get install python3')) return;
  const seed = 5150;
  const r = rng(seed);
  const parts = ['1', '0', '_', '.', 'e', 'E', '-', '+', 'inf', 'nan', 'Infinity', 'x', '5', '9'];
  const tokens = Array.from({ length: 1500 }, () => Array.from({ length: 1 + Math.floor(r() * 5) }, () => pick(r, parts)).join(''));
  const script = 'import sys, json\nout=[]\nfor s in json.load(sys.stdin):\n  try:\n    v=float(s); out.append("nan" if v!=v else repr(v))\n  except ValueError: out.append(None)\nprint(json.dumps(out))';
  const py = JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', script], { input: JSON.stringify(tokens) }).toString()) as (string | null)[];
  for (let i = 0; i < tokens.length; i++) {
    const v = pythonFloat(tokens[i]!);
    const ours = v === undefined ? null : Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v;
    const theirs = py[i] === null || py[i] === 'nan' || py[i] === 'inf' || py[i] === '-inf' ? py[i] : Number(py[i]);
    if (!t.same(ours, theirs, `${JSON.stringify(tokens[i])} (seed ${seed})`)) break;
  }
});
