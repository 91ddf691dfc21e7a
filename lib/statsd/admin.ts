// The management TCP port (etsy's 8126) with etsy's commands and reply formats (stats.js L337-442,
// lib/mgmt_console.js). Improvement: several commands in one chunk, one per line, all answered
// (etsy answers ERROR); `sets` and `delsets` exist.
import type net from 'node:net';
import { inspect } from 'node:util';
import type { Aggregator } from './aggregate.js';
import { TcpService } from '../net/listen.js';

export interface AdminTarget {
  aggregator(): Aggregator;
  /** Startup time, unix seconds. */
  startTime: number;
  /** Backend lines for `stats`: [group, name, value]; names starting `last_` print as "seconds ago". */
  backendStats(): Array<[string, string, number]>;
  /** The effective configuration for `config`. */
  config(): Record<string, unknown>;
  health: 'up' | 'down';
  now(): number;
}

const HELP = 'Commands: stats, counters, timers, gauges, sets, delcounters, deltimers, delgauges, delsets, health, config, quit\n\n';

const plain = (m: Map<string, unknown>): Record<string, unknown> => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of m) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
};

/** etsy helpers.writeConfig: `prop: value`, nested objects as `prop > sub: value`. */
function configText(config: Record<string, unknown>): string {
  let out = '\n';
  for (const [prop, value] of Object.entries(config)) {
    if (value === null || typeof value !== 'object') {
      out += `${prop}: ${value}\n`;
      continue;
    }
    for (const [sub, v] of Object.entries(value)) out += `${prop} > ${sub}: ${v}\n`;
  }
  return out;
}

/** The reply to one command line; `null` means close the connection (`quit`). */
export function answer(line: string, target: AdminTarget): string | null {
  const parts = line.trim().split(' ');
  const cmd = parts.shift()!;
  const agg = target.aggregator();
  switch (cmd) {
    case 'help':
      return HELP;
    case 'config':
      return configText(target.config());
    case 'health': {
      const action = parts[0]?.toLowerCase();
      if (action === 'up' || action === 'down') target.health = action;
      return `health: ${target.health}\n`;
    }
    case 'stats': {
      const now = Math.round(target.now() / 1000);
      const write = (group: string, metric: string, value: number): string => `${group}.${metric}: ${metric.startsWith('last_') ? now - value : value}\n`;
      let out = `uptime: ${now - target.startTime}\n`;
      out += write('messages', 'last_msg_seen', Math.round((agg.lastMessageSeen || target.startTime * 1000) / 1000));
      out += write('messages', 'bad_lines_seen', agg.badLinesTotal);
      for (const [g, m, v] of target.backendStats()) out += write(g, m, v);
      return out + 'END\n\n';
    }
    case 'counters':
      agg.settleInternal();
      return inspect(plain(agg.dump('counters'))) + '\nEND\n\n';
    case 'timers':
    case 'gauges':
    case 'sets':
      return inspect(plain(agg.dump(cmd))) + '\nEND\n\n';
    case 'delcounters':
    case 'deltimers':
    case 'delgauges':
    case 'delsets': {
      const kind = (cmd.slice(3) as 'counters' | 'timers' | 'gauges' | 'sets');
      return agg.deleteStats(kind, parts).map((l) => l + '\n').join('') + 'END\n\n';
    }
    case 'quit':
      return null;
    default:
      return 'ERROR\n';
  }
}

export class AdminServer {
  private tcp: TcpService | null = null;

  constructor(private readonly target: AdminTarget, private readonly warn: (m: string) => void) {}

  start(port: number, address: string): Promise<net.AddressInfo> {
    this.tcp = new TcpService((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        const lines = chunk.split('\n').filter((l) => l.trim() !== '');
        for (const line of lines.length ? lines : ['']) {
          const reply = answer(line, this.target);
          if (reply === null) {
            socket.end();
            return;
          }
          socket.write(reply);
        }
      });
      socket.on('error', (err) => this.warn(`admin connection: ${err.message}`));
    });
    return this.tcp.listen(port, address);
  }

  address(): net.AddressInfo | null {
    return this.tcp?.address() ?? null;
  }

  async close(): Promise<void> {
    if (!this.tcp) return;
    const tcp = this.tcp;
    this.tcp = null;
    await tcp.close(0);
  }
}
