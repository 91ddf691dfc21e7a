// graphite-web's find answer shapes: urllib's unquote_plus on node names, treejson's order.
import t from 'tap';
import { treeJson, unquotePlus } from '../../lib/http/find-format.js';

t.test('unquotePlus decodes + and %XX (UTF-8) and leaves plain names alone', async (t) => {
  t.equal(unquotePlus('cpu-0_idle'), 'cpu-0_idle');
  t.equal(unquotePlus('a+b%2Ec'), 'a b.c');
  t.equal(unquotePlus('caf%C3%A9'), 'café');
  t.equal(unquotePlus('100%'), '100%', 'a lone % stays');
});

t.test('treejson: the wildcard node, branches, then leaves, keys in graphite order, names unquoted', async (t) => {
  const nodes = [
    { path: 'a.b+c', name: 'b+c', isLeaf: true },
    { path: 'a.d', name: 'd', isLeaf: false },
    { path: 'a.d', name: 'd', isLeaf: true },
  ];
  const out = treeJson(nodes, 'a.', true);
  t.same(out.map((n) => Object.keys(n)), Array(out.length).fill(['text', 'id', 'allowChildren', 'expandable', 'leaf']));
  t.same(out, [
    { text: '*', id: 'a.*', allowChildren: 1, expandable: 1, leaf: 0 },
    { text: 'd', id: 'a.d', allowChildren: 1, expandable: 1, leaf: 0 },
    { text: 'b c', id: 'a.b+c', allowChildren: 0, expandable: 0, leaf: 1 },
  ], 'a name found twice is listed once (its first node)');
});
