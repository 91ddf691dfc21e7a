// Worker thread of WhisperWriter: owns a StoreFiles for its shard of the metric names (names are
// split between workers by a hash, so one file is only ever written by one thread).
import { parentPort, workerData } from 'node:worker_threads';
import { StoreFiles, type FilesReport, type StoreFilesOptions } from './write-files.js';
import type { StorageRules } from '../config/storage-rules.js';

export interface WorkerInit {
  options: Omit<StoreFilesOptions, 'clock'>;
  shard: number;
  shards: number;
}

export type ToWorker =
  | { type: 'write'; id: number; names: string; timestamps: Float64Array; values: Float64Array; now: number }
  | { type: 'rules'; rules: StorageRules }
  | { type: 'close' };

export type FromWorker =
  | { type: 'done'; id: number; report: FilesReport }
  | { type: 'failed'; id: number; message: string }
  | { type: 'closed' };

/** FNV-1a of a string's UTF-16 code units: which shard (worker) owns a metric. */
export function shardOf(name: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

function main(): void {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  const files = new StoreFiles(init.options);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'write') {
      try {
        const all = msg.names.split('\n');
        let names = all;
        let timestamps: ArrayLike<number> = msg.timestamps;
        let values: ArrayLike<number> = msg.values;
        if (init.shards > 1) {
          names = [];
          const ts: number[] = [];
          const vs: number[] = [];
          for (let i = 0; i < all.length; i++) {
            if (shardOf(all[i]!, init.shards) !== init.shard) continue;
            names.push(all[i]!);
            ts.push(msg.timestamps[i]!);
            vs.push(msg.values[i]!);
          }
          timestamps = ts;
          values = vs;
        }
        const report = files.writeBatch(names, timestamps, values, msg.now);
        port.postMessage({ type: 'done', id: msg.id, report } satisfies FromWorker);
      } catch (err) {
        port.postMessage({ type: 'failed', id: msg.id, message: (err as Error).stack ?? String(err) } satisfies FromWorker);
      }
    } else if (msg.type === 'rules') {
      files.setRules(msg.rules);
    } else if (msg.type === 'close') {
      files.close();
      port.postMessage({ type: 'closed' } satisfies FromWorker);
      port.close();
    }
  });
}

if (parentPort !== null && (workerData as WorkerInit | undefined)?.options !== undefined) main();
