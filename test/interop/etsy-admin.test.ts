// The management port answers like etsy's: the same packets, then the same commands to both.
import t from 'tap';
import { requirePeer } from '../support/interop.js';
import { adminCommand, drive, etsyAvailable, startEtsy, startSotto } from './etsy-harness.js';

const PACKETS = ['a.b:1|c', 'a.c:2|c', '9:1|c', 'ab:3|c', 'g.x:5|g', 'g.y:-1|g', 't.z:10|ms', 't.z:20|ms', 'bad'];
const COMMANDS = [
  'counters', 'gauges', 'timers', 'health', 'health down', 'health', 'health UP', 'nonsense', '\n',
  'delcounters a.* nope', 'counters', 'delgauges g.x', 'gauges', 'deltimers t.z', 'timers', 'delcounters 9',
];

t.test('the admin commands answer exactly as etsy statsd 0.9', async (t) => {
  if (!requirePeer(t, 'etsy statsd 0.9.0', etsyAvailable(), 'npm install (devDependency statsd@0.9.0)')) return;
  const sotto = await startSotto({ flushInterval: 60000 });
  t.teardown(() => sotto.stop());
  const etsy = await startEtsy({ flushInterval: 60000 });
  t.teardown(() => etsy.stop());
  const sottoAdmin = sotto.server.addresses().admin!.port;
  // No flush in between (60 s interval): send, then wait until both have counted every packet.
  await Promise.all([drive({ ...etsy, carbon: { next: async () => [] } } as never, [PACKETS], 0), drive({ ...sotto, carbon: { next: async () => [] } } as never, [PACKETS], 0)]);
  for (const port of [etsy.mgmtPort, sottoAdmin]) {
    const end = Date.now() + 5000;
    while (!(await adminCommand(port, 'counters')).includes("'statsd.packets_received': 9") && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }
  for (const cmd of COMMANDS) {
    const [e, s] = await Promise.all([adminCommand(etsy.mgmtPort, cmd), adminCommand(sottoAdmin, cmd)]);
    t.equal(s, e, `reply to ${JSON.stringify(cmd)}`);
  }
  const [es, ss] = await Promise.all([adminCommand(etsy.mgmtPort, 'stats'), adminCommand(sottoAdmin, 'stats')]);
  const keys = (r: string) => r.split('\n').map((l) => l.split(':')[0]).filter((k) => k && !k.startsWith('forward.'));
  t.same(keys(ss), keys(es), 'stats lists the same stats');
  t.match(ss, /messages\.bad_lines_seen: 1\n/);
});

t.test('sotto answers several commands in one chunk and has sets/delsets', async (t) => {
  const sotto = await startSotto({ flushInterval: 60000 });
  t.teardown(() => sotto.stop());
  const port = sotto.server.addresses().admin!.port;
  await drive({ ...sotto, carbon: { next: async () => [] } } as never, [['s.a:x|s', 's.a:y|s', 's.b:1|s']], 0);
  const end = Date.now() + 5000;
  while (!(await adminCommand(port, 'sets')).includes('s.b') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  t.equal(await adminCommand(port, 'sets'), "{ 's.a': [ 'x', 'y' ], 's.b': [ '1' ] }\nEND\n\n");
  t.equal(await adminCommand(port, 'delsets s.*'), 'deleted: s.a\ndeleted: s.b\nEND\n\n');
  const both = await adminCommand(port, 'health\nhelp\n', (r) => r.includes('quit'));
  t.equal(both, 'health: up\nCommands: stats, counters, timers, gauges, sets, delcounters, deltimers, delgauges, delsets, health, config, quit\n\n');
  const cfg = await adminCommand(port, 'config', (r) => r.includes('debug: false'));
  t.match(cfg, /^\nport: 0\n/);
  t.match(cfg, /graphite > legacyNamespace: true\n/);
  t.equal(await adminCommand(port, 'quit', () => false), '', 'quit closes the connection');
});
