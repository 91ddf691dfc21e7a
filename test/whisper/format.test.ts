// The small pure pieces checked against Python itself: float formatting (repr, %f, %g), CPython's
// set iteration order, retention parsing and archive-list validation messages.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { pyFloatRepr, pyFormatFixed, pyFormatGeneral, pyRepr, pyJsonDumps, PyFloat } from '../../lib/whisper/pyformat.js';
import { pySetOrder } from '../../lib/whisper/pyset.js';
import { parseRetentionDef, parseCarbonRetentionDef, formatRetention } from '../../lib/whisper/retention.js';
import { validateArchiveList } from '../../lib/whisper/header.js';
import { aggregate, AGGREGATION_METHODS } from '../../lib/whisper/aggregation.js';
import { ctime, strftime } from '../../lib/whisper/text.js';
import { DEBIAN_PYTHON } from '../support/interop.js';
import { errorText, hex, int, needWhisperPy, pick, rng, runOracle } from './support.js';

const SEED = Number(process.env.SOTTO_SEED ?? 4242);

function python(code: string, input: unknown, env: Record<string, string> = {}): unknown {
  return JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', code], { input: JSON.stringify(input), maxBuffer: 1 << 28, env: { ...process.env, ...env } }).toString());
}

t.test("floats print exactly as Python's repr, '%f', '%.3f', '%g' and '%10.35g'", async (t) => {
  if (!needWhisperPy(t)) return;
  const r = rng(SEED);
  const values = [0, -0, 1, -1, 0.5, 0.1, 0.0078125, 2.5, 1e16, 1e15, 1e-5, 1e-4, 1e300, 5e-324, 1 / 3, 0.10000000149011612,
    999999.9999995, 9.9999995, 0.5e-6, 1e21, 1e22, Infinity, -Infinity, NaN, 2 ** 53, 4.35, 0.125];
  for (let i = 0; i < 1500; i++) values.push((r() - 0.5) * 10 ** int(r, -30, 30), Math.round(r() * 1e6) / 128);
  const expected = python(
    "import json,sys,struct\nprint(json.dumps([[repr(x), '%f' % x, '%.3f' % x, '%g' % x, '%10.35g' % x] for x in (struct.unpack('!d', bytes.fromhex(h))[0] for h in json.load(sys.stdin))]))",
    values.map(hex),
  ) as string[][];
  let bad = 0;
  values.forEach((v, i) => {
    const got = [pyFloatRepr(v), pyFormatFixed(v), pyFormatFixed(v, 3), pyFormatGeneral(v), pyFormatGeneral(v, 35, 10)];
    if (JSON.stringify(got) !== JSON.stringify(expected[i])) {
      bad++;
      if (bad < 5) t.same(got, expected[i], `seed ${SEED}: ${v}`);
    }
  });
  t.equal(bad, 0, `${values.length} values format like Python (seed ${SEED})`);
  t.equal(pyRepr([{ a: 1, 'b\'': new PyFloat(2), c: [null, true, 'x\n'] }]), `[{'a': 1, "b'": 2.0, 'c': [None, True, 'x\\n']}]`);
  t.equal(pyJsonDumps({ a: [], b: {}, c: new PyFloat(NaN), d: 'é' }), '{\n  "a": [],\n  "b": {},\n  "c": NaN,\n  "d": "\\u00e9"\n}');
});

t.test("the propagation order replays CPython's set iteration order", async (t) => {
  if (!needWhisperPy(t)) return;
  const r = rng(SEED);
  const cases: number[][] = [];
  for (let c = 0; c < 800; c++) {
    const n = int(r, 0, c < 600 ? 40 : 400);
    const base = int(r, 0, 4e9);
    const step = pick(r, [1, 10, 60, 300, 3600, 7]);
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(r() < 0.5 ? base + step * int(r, 0, n * 2) : int(r, 0, 2 ** 32 - 1));
    if (c % 7 === 0) xs.sort((a, b) => a - b);
    cases.push(xs);
  }
  const expected = python('import json,sys\nprint(json.dumps([list(set(x)) for x in json.load(sys.stdin)]))', cases) as number[][];
  const bad = cases.filter((xs, i) => JSON.stringify(pySetOrder(xs)) !== JSON.stringify(expected[i])).length;
  t.equal(bad, 0, `${cases.length} sets iterate in CPython's order (seed ${SEED})`);
});

t.test("retention strings and archive lists are accepted and refused exactly as whisper.py does", async (t) => {
  if (!needWhisperPy(t)) return;
  const texts = ['60:1440', '1m:1d', '15min:8', '1h:7d', '12h:2y', '10s:6h', '1w:1y', '5:5', ' 60:10 ', '60', '1x:10', '60:1x',
    'm:1', '60:', ':60', '1mo:1', '1s:1se', '7s:1m', '0:10', '1y:1y', '60:10:5', '1M:1'];
  const retentionTasks = texts.map((text) => ({ kind: 'retention', text }));
  const r = rng(SEED + 1);
  const lists: number[][][] = [[], [[60, 10]], [[60, 10], [60, 20]], [[60, 10], [90, 100]], [[60, 100], [120, 10]], [[60, 3], [300, 10]]];
  for (let i = 0; i < 300; i++) {
    const n = int(r, 1, 4);
    lists.push(Array.from({ length: n }, () => [pick(r, [1, 5, 10, 60, 90, 120, 300, 600]), int(r, 1, 30)]));
  }
  const listTasks = lists.map((archives) => ({ kind: 'validate', archives }));
  const results = runOracle<{ ok?: unknown; error?: string }>([...retentionTasks, ...listTasks]);
  texts.forEach((text, i) => {
    const want = results[i]!;
    let got: { ok?: unknown; error?: string };
    try {
      got = { ok: parseRetentionDef(text) };
    } catch (err) {
      got = { error: errorText(err).replace(/^InvalidRetention:/, 'ValueError:') };
    }
    t.same(got, want, JSON.stringify(text));
  });
  let bad = 0;
  lists.forEach((archives, i) => {
    const want = results[texts.length + i]!;
    let got: { ok?: unknown; error?: string };
    try {
      got = { ok: validateArchiveList(archives as [number, number][]) };
    } catch (err) {
      got = { error: errorText(err) };
    }
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      bad++;
      if (bad < 5) t.same(got, want, JSON.stringify(archives));
    }
  });
  t.equal(bad, 0, `${lists.length} archive lists validated like whisper.py`);
});

t.test('carbon retention strings', async (t) => {
  t.same(parseCarbonRetentionDef('10s:6h'), [10, 2160]);
  t.throws(() => parseCarbonRetentionDef('1min:1d'), /unknown unit "min"/);
  t.equal(formatRetention([10, 2160]), '10s:6h');
  t.equal(formatRetention([60, 10080]), '1m:1w');
  t.equal(formatRetention([7, 3]), '7s:21s');
  t.equal(formatRetention([86400, 365]), '1d:1y');
});

t.test('aggregation follows Python: ties keep the first value, NaN is not a zero, avg_zero counts gaps as 0', async (t) => {
  t.ok(Object.is(aggregate('max', [0, -0], [0, -0]), 0));
  t.ok(Object.is(aggregate('max', [-0, 0], [-0, 0]), -0));
  t.equal(aggregate('absmax', [-3, 3], [-3, 3]), -3);
  t.equal(aggregate('absmin', [2, -2, 5], [2, -2, 5]), 2);
  t.ok(Number.isNaN(aggregate('avg_zero', [NaN, 1], [NaN, null, 1])));
  t.equal(aggregate('avg_zero', [4, -0], [4, null, -0, null]), 1);
  t.equal(aggregate('last', [1, 2, 3], [1, 2, 3]), 3);
  t.equal(AGGREGATION_METHODS.length, 8);
  t.throws(() => aggregate('median' as never, [1], [1]), /Unrecognized aggregation method median/);
  t.throws(() => aggregate('avg_zero', [], []), /Using avg_zero without neighborValues/);
});

t.test("--pretty times are Python's time.ctime and strftime", async (t) => {
  if (!needWhisperPy(t)) return;
  const times = [0, 1_700_000_000, 1_704_067_199, 1_709_251_200, 951_782_400, 2_000_000_000];
  const fmt = '%a %A %b %B %c %d %e %H %I %j %m %M %p %S %y %Y %F %T %D %R %% %s';
  const expected = python(`import json,sys,time\nprint(json.dumps([[time.ctime(t), time.strftime(${JSON.stringify(fmt)}, time.localtime(t))] for t in json.load(sys.stdin)]))`, times) as string[][];
  times.forEach((tm, i) => t.same([ctime(tm), strftime(fmt, tm)], expected[i], String(tm)));
});

t.test("strftime: every glibc conversion, flag and width, in several zones, as Python's time.strftime", async (t) => {
  if (!needWhisperPy(t)) return;
  // Year ends and ISO week edges (Jan 1 on a Friday, Dec 31 on a Monday, leap years), DST changes, 1970.
  const times = [0, 1_700_000_000, 1_704_067_199, 1_709_251_200, 951_782_400, 2_000_000_000, 1_609_459_200, 1_640_908_800, 1_230_681_600, 1_262_217_600, 1_710_054_000, 1_730_613_600];
  const formats = [
    '%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %k %l %m %M %n %p %P %r %R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z %%',
    '%-d %-m %-H %-I %-j %_d %_H %0e %0k %^a %^B %#a %#p %#b %10Y %3d %_5m %-5S %08s %^10A',
    '%q %E %5 %Ey %Od %5% %-', // unknown conversions are copied as written (padded to a width); E and O change nothing in the C locale
  ];
  for (const zone of ['UTC', 'America/New_York', 'Europe/Berlin']) {
    const expected = python(
      `import json,sys,time\nprint(json.dumps([[time.strftime(f, time.localtime(t)) for f in ${JSON.stringify(formats)}] for t in json.load(sys.stdin)]))`,
      times,
      { TZ: zone },
    ) as string[][];
    const saved = process.env.TZ;
    process.env.TZ = zone;
    try {
      times.forEach((tm, i) => t.same(formats.map((f) => strftime(f, tm)), expected[i], `${zone} ${tm}`));
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  }
});
