// A real sotto for the browser tests: the collector (lib/server.ts) with its Whisper store, the
// HTTP app and the flush timer, in this process, on random ports of 127.0.0.1 over a data
// directory the test prepared. Stopped (and its ports closed) by the caller's teardown.
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { defaults, type SottoConfig } from '../../../lib/config/options.js';
import { loadStorageRules } from '../../../lib/config/storage-rules.js';
import { SottoServer, type PointStore } from '../../../lib/server.js';
import { WhisperWriter } from '../../../lib/store/writer.js';
import type { FlushEvent } from '../../../lib/types.js';

const CONF = fileURLToPath(new URL('../../../conf/', import.meta.url));

export interface Sotto {
  /** `http://127.0.0.1:<port>` of the web page and API. */
  base: string;
  dataDir: string;
  statsdPort: number;
  /** Sends one statsd datagram to the server. */
  send(line: string): Promise<void>;
  /** Resolves after the next flush whose names match `predicate` has been written. */
  nextFlush(predicate?: (e: FlushEvent) => boolean, timeoutMs?: number): Promise<FlushEvent>;
  /** Messages the server logged. */
  log: string[];
  stop(): Promise<void>;
}

export async function startSotto(opts: { dataDir: string; flushInterval?: number }): Promise<Sotto> {
  const config: SottoConfig = {
    ...defaults(),
    port: 0,
    address: '127.0.0.1',
    address_ipv6: null,
    tcpPort: null,
    carbonPort: null,
    mgmt_port: null,
    httpPort: 0,
    httpHost: '127.0.0.1',
    dataDir: opts.dataDir,
    storageSchemas: `${CONF}storage-schemas.conf`,
    storageAggregation: `${CONF}storage-aggregation.conf`,
    flushInterval: opts.flushInterval ?? 10_000,
  };
  const log: string[] = [];
  const openStore = async (c: SottoConfig): Promise<PointStore> => {
    const writer = new WhisperWriter({ dataDir: c.dataDir, rules: await loadStorageRules(c.storageSchemas, c.storageAggregation) });
    return { write: (points, now) => writer.write(points, now), close: () => writer.close() };
  };
  const server = new SottoServer({ config, openStore, logger: { info: (m) => log.push(m), warn: (m) => log.push(m) } });
  await server.start();
  const addresses = server.addresses();
  const http = addresses.http!;
  const statsdPort = addresses.statsd.find((a) => a.kind === 'udp4')!.port;
  const socket = dgram.createSocket('udp4');
  return {
    base: `http://127.0.0.1:${http.port}`,
    dataDir: opts.dataDir,
    statsdPort,
    log,
    send: (line) =>
      new Promise((resolve, reject) => {
        socket.send(line, statsdPort, '127.0.0.1', (err) => (err ? reject(err) : resolve()));
      }),
    nextFlush: (predicate = () => true, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`no matching flush within ${timeoutMs} ms`));
        }, timeoutMs);
        const off = server.onFlush((e) => {
          if (!predicate(e)) return;
          clearTimeout(timer);
          off();
          resolve(e);
        });
      }),
    stop: async () => {
      socket.close();
      await server.stop();
    },
  };
}
