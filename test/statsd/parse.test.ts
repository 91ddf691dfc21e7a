import t from 'tap';
import { createRequire } from 'node:module';
import { numberAt, parseToSamples, sanitizeKey, type Sample } from '../../lib/statsd/parse.js';
import { rng, pick } from '../support/rng.js';

const require = createRequire(import.meta.url);
const helpers = require('statsd/lib/helpers.js') as { is_valid_packet(fields: string[]): boolean };

const one = (line: string, opts?: Parameters<typeof parseToSamples>[1]) => parseToSamples(line, opts);

t.test('the verified edge cases of etsy 0.9 parse to the same values', async (t) => {
  const cases: Array<[string, Sample[], number]> = [
    ['a:1|c:2|c', [{ type: 'c', key: 'a', value: 1 }, { type: 'c', key: 'a', value: 2 }], 0],
    ['b:1|c:5|ms', [{ type: 'c', key: 'b', value: 1 }, { type: 'ms', key: 'b', value: 5, count: 1 }], 0],
    ['x1:3|foo', [{ type: 'c', key: 'x1', value: 3 }], 0],
    ['e1:4|', [{ type: 'c', key: 'e1', value: 4 }], 0],
    ['n4:1|c|@0.1', [{ type: 'c', key: 'n4', value: 10 }], 0],
    ['n10:1|c|@2e-1', [{ type: 'c', key: 'n10', value: 0.5 }], 0],
    ['n11:1|c|@.5', [{ type: 'c', key: 'n11', value: 2 }], 0],
    ['n12:1e3|c', [{ type: 'c', key: 'n12', value: 1000 }], 0],
    ['n13:0x10|c', [{ type: 'c', key: 'n13', value: 16 }], 0],
    ['n14: |c', [{ type: 'c', key: 'n14', value: 0 }], 0],
    ['n15:Infinity|c', [{ type: 'c', key: 'n15', value: Infinity }], 0],
    ['n16:1|c|@0.5|extra', [{ type: 'c', key: 'n16', value: 2 }], 0],
    ['c1:1|c|@0x1', [{ type: 'c', key: 'c1', value: Infinity }], 0],
    ['u:|s', [{ type: 's', key: 'u', member: '0' }], 0],
    [':1|c', [{ type: 'c', key: '', value: 1 }], 0],
    ['s:10|ms|@0.1:20|ms|@0.5', [{ type: 'ms', key: 's', value: 10, count: 10 }, { type: 'ms', key: 's', value: 20, count: 2 }], 0],
    ['g:-5|g', [{ type: 'g', key: 'g', value: -5, signed: true }], 0],
    ['g: -5|g', [{ type: 'g', key: 'g', value: -5, signed: false }], 0],
  ];
  for (const [line, samples, bad] of cases) {
    const r = one(line);
    t.same(r.samples, samples, line);
    t.equal(r.badLines, bad, `${line}: bad lines`);
    t.equal(r.lines, 1);
  }
});

t.test('each malformed value segment counts one bad line and the rest still counts', async (t) => {
  for (const line of ['n1', 'n2:|c', 'n3:abc|c', 'n5:1|c|0.1', 'n6:1|c|@-1', 'n7:1|c|@', 'n8:1|c|', 'n9:-1|ms', 'x:1|c|@\r']) {
    const r = one(line);
    t.equal(r.badLines, 1, JSON.stringify(line));
    t.same(r.samples, []);
  }
  const r = one('a:|c:|c:3|c');
  t.equal(r.badLines, 2);
  t.same(r.samples, [{ type: 'c', key: 'a', value: 3 }]);
});

t.test('inputs that crash etsy are parsed with the rate its validator accepted', async (t) => {
  t.same(one('x:1|c|@+0.5').samples, [{ type: 'c', key: 'x', value: 2 }]);
  t.same(one('x:1|c|@ 0.5').samples, [{ type: 'c', key: 'x', value: 2 }]);
  t.same(one('x:1|c|@Infinity').samples, [{ type: 'c', key: 'x', value: 0 }]);
  t.same(one('x:1|ms|@+1').samples, [{ type: 'ms', key: 'x', value: 1, count: 1 }]);
  t.same(one('toString:2|ms').samples, [{ type: 'ms', key: 'toString', value: 2, count: 1 }]);
  t.same(one('hasOwnProperty:x|s').samples, [{ type: 's', key: 'hasOwnProperty', member: 'x' }]);
});

t.test('CRLF: the raw type is validated, the trimmed type is applied', async (t) => {
  t.same(one('t:-5|ms\r').samples, [{ type: 'ms', key: 't', value: -5, count: 1 }]);
  t.equal(one('u:foo|s\r').badLines, 1);
  t.same(one('u:1|s\r').samples, [{ type: 's', key: 'u', member: '1' }]);
  const r = one('a:1|c\r\nb:2|c\r\n');
  t.equal(r.lines, 2);
  t.same(r.samples.map((s) => s.key), ['a', 'b']);
});

t.test('empty lines are skipped and not counted', async (t) => {
  const r = one('\n\na:1|c\n\n');
  t.equal(r.lines, 1);
  t.equal(one('').lines, 0);
});

t.test('DogStatsD tags fold into the key before sanitizing, as etsy does', async (t) => {
  t.equal((one('tag/k:1|c|#a/b:c d').samples[0] as Sample).key, 'tag-k;a-b=c_d');
  t.equal((one('t3:1|c|#t3:a:b').samples[0] as Sample).key, 't3;t3=ab');
  t.equal((one('t4:1|c|#a;b:c;d').samples[0] as Sample).key, 't4;a_b=c;d');
  t.equal((one('t5:1|c|#').samples[0] as Sample).key, 't5');
  t.equal((one('t6:1|c|#k:v|#dropped:x').samples[0] as Sample).key, 't6;k=v');
  t.same(one('a:1|c|#k:v|@0.5').samples, [{ type: 'c', key: 'a;k=v0.5', value: 1 }]);
  t.same(one('foo+bar:250|c|#tag1:val;1,tag3:val3,tag2:val2').samples, [{ type: 'c', key: 'foobar;tag1=val_1;tag3=val3;tag2=val2', value: 250 }]);
});

t.test('keys are sanitized exactly as etsy sanitizeKeyName', async (t) => {
  t.equal(sanitizeKey('a b/c+d@e'), 'a_b-cde');
  t.equal(sanitizeKey('Ünï©ødé'), 'nd');
  t.equal(sanitizeKey('a \t b\u00a0\u2003c'), 'a_b_c');
  t.equal(sanitizeKey('a é b'), 'a__b');
  t.equal(sanitizeKey('fo/o;tag1=val1'), 'fo-o;tag1=val1');
  const r = rng(7);
  const alphabet = ['a', 'Z', '9', '.', '-', '_', ';', '=', ' ', '\t', '/', '+', '@', 'é', '\u3000', ':', '\ud83d\ude00', '\u00a0'];
  for (let i = 0; i < 500; i++) {
    const key = Array.from({ length: Math.floor(r() * 12) }, () => pick(r, alphabet)).join('');
    const etsy = key.replace(/\s+/g, '_').replace(/\//g, '-').replace(/[^a-zA-Z_\-0-9\.;=]/g, '');
    t.equal(sanitizeKey(key), etsy, JSON.stringify(key));
  }
  t.equal((one('a b/c:1|c', { keyNameSanitize: false }).samples[0] as Sample).key, 'a b/c');
});

t.test('h and d are timers by default and counters when histogramsAsTimers is off', async (t) => {
  t.same(one('h1:7|h').samples, [{ type: 'ms', key: 'h1', value: 7, count: 1 }]);
  t.same(one('d1:-2|d|@0.5').samples, [{ type: 'ms', key: 'd1', value: -2, count: 2 }]);
  t.same(one('h1:7|h', { keyNameSanitize: true, histogramsAsTimers: false }).samples, [{ type: 'c', key: 'h1', value: 7 }]);
});

t.test('numbers parse exactly as JavaScript Number()', async (t) => {
  const r = rng(11);
  const parts = ['0', '1', '9', '.', '-', '+', 'e', 'x', ' ', '5', '00', '123456789', '_'];
  for (let i = 0; i < 3000; i++) {
    const s = Array.from({ length: 1 + Math.floor(r() * 8) }, () => pick(r, parts)).join('');
    const expected = s === '' ? NaN : Number(s);
    t.ok(Object.is(numberAt(s, 0, s.length), expected) || (Number.isNaN(expected) && Number.isNaN(numberAt(s, 0, s.length))), JSON.stringify(s));
  }
  t.ok(Number.isNaN(numberAt('', 0, 0)), 'the empty string is not a number (etsy isNumber)');
  t.equal(numberAt('0.1', 0, 3), 0.1);
  t.ok(Object.is(numberAt('-0', 0, 2), -0));
});

t.test('validity agrees with etsy is_valid_packet on random segments', async (t) => {
  const seed = 424242;
  const r = rng(seed);
  const values = ['1', '-1', '0', '-0.0', '+10e1', '0,345', '', ' ', 'abc', '1e3', '0x10', 'Infinity', '.5', '1.'];
  const types = ['c', 'ms', 'g', 's', 'h', 'ms ', ' ms', 'z', ''];
  const rates = [undefined, '', '@', '@.', '@.1.', '@-1.0', '@.2', '@2e-1', '@0.5', '0.5', '@x', '@1'];
  for (let i = 0; i < 2000; i++) {
    const fields = [pick(r, values), pick(r, types)];
    const rate = pick(r, rates);
    if (rate !== undefined) fields.push(rate);
    const line = `k:${fields.join('|')}`;
    const valid = helpers.is_valid_packet(fields);
    const got = one(line);
    if (!t.equal(got.badLines, valid ? 0 : 1, `${JSON.stringify(line)} (seed ${seed})`)) break;
  }
});
