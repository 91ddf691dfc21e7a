import t from 'tap';
import path from 'node:path';
import {
  metricPath, metricNameFromPath, validateMetricName, metricNameProblem, branchPath, InvalidMetricName,
} from '../../lib/store/paths.js';

const data = '/srv/sotto/data';

t.test('a dotted name maps to nested directories and a .wsp file', async (t) => {
  t.equal(metricPath(data, 'a.b.c'), '/srv/sotto/data/a/b/c.wsp');
  t.equal(metricPath(data, 'stats'), '/srv/sotto/data/stats.wsp');
  t.equal(metricPath('/srv/sotto/data/', 'x.y'), '/srv/sotto/data/x/y.wsp');
  t.equal(metricPath('relative/dir', 'x'), path.resolve('relative/dir/x.wsp'));
});

t.test('names carbon keeps verbatim (spaces, dashes, unicode, tags) are accepted', async (t) => {
  for (const name of ['a b.c', 'stats.counters.fo-o.count', 'ünï.cødé', 'foobar.count;tag1=val1', 'a~b.$c', '0.1.2']) {
    t.equal(metricNameProblem(name), null, name);
    t.equal(metricNameFromPath(data, metricPath(data, name)), name, `${name} round-trips`);
  }
});

t.test('hostile or malformed names are refused with a message naming the problem', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['a..b', /'\.\.'/],
    ['..', /'\.\.'/],
    ['../../etc/passwd', /'\/'|'\.\.'/],
    ['.leading', /starts with a dot/],
    ['trailing.', /ends with a dot/],
    ['a/b', /'\/'/],
    ['a\\b', /'\\'/],
    ['a\0b', /NUL/],
    ['a\nb', /control character U\+000A/],
    ['a.' + 'x'.repeat(300), /longer than a file name/],
    ['a.'.repeat(600) + 'a', /longer than 1024 bytes/],
  ];
  for (const [name, re] of cases) {
    const label = JSON.stringify(name).slice(0, 40);
    t.throws(() => metricPath(data, name), InvalidMetricName, label);
    try {
      validateMetricName(name);
      t.fail(`accepted ${label}`);
    } catch (err) {
      t.match((err as Error).message, re, label);
      t.match((err as Error).message, /^invalid metric name /);
      t.equal((err as InvalidMetricName).metric, name);
    }
  }
});

t.test('a component may use the full 255-byte file-name limit, counting the .wsp suffix on the leaf', async (t) => {
  t.equal(metricNameProblem('x'.repeat(251)), null);
  t.not(metricNameProblem('x'.repeat(252)), null);
  t.equal(metricNameProblem('x'.repeat(255) + '.y'), null);
});

t.test('file paths map back to metric names; anything else maps to null', async (t) => {
  t.equal(metricNameFromPath(data, '/srv/sotto/data/a/b/c.wsp'), 'a.b.c');
  t.equal(metricNameFromPath(data, 'a/b/c.wsp'), 'a.b.c', 'relative to the data dir');
  t.equal(metricNameFromPath(data, '/srv/sotto/other/a.wsp'), null, 'outside');
  t.equal(metricNameFromPath(data, '/srv/sotto/data/../x.wsp'), null, 'escapes');
  t.equal(metricNameFromPath(data, '/srv/sotto/data/a/b.txt'), null, 'not whisper');
  t.equal(metricNameFromPath(data, '/srv/sotto/data/a/.b.wsp.123.tmp'), null, 'temp file');
  t.equal(metricNameFromPath(data, '/srv/sotto/data/a/.b.wsp'), null, 'hidden file');
  t.equal(metricNameFromPath(data, '/srv/sotto/data/a.b/c.wsp'), null, 'dotted directory');
  t.equal(metricNameFromPath(data, '/srv/sotto/data/.wsp'), null, 'empty name');
  t.equal(metricNameFromPath(data, '/srv/sotto/data'), null, 'the data dir itself');
});

t.test('branch paths locate the directory of a dotted prefix', async (t) => {
  t.equal(branchPath(data, ''), '/srv/sotto/data');
  t.equal(branchPath(data, 'stats.timers'), '/srv/sotto/data/stats/timers');
  t.throws(() => branchPath(data, 'stats/../..'), InvalidMetricName);
});
