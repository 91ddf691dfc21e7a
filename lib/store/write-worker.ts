// Worker thread of WhisperWriter: owns a StoreFiles for its shard of the metric names (the main
// thread splits names between workers by a hash, so one file is only ever written by one thread).
import { parentPort, workerData } from 'node:worker_threads';
import { StoreFiles, type FilesReport, type StoreFilesOptions } from './write-files.js';
import type { StorageRules } from '../config/storage-rules.js';

export interface WorkerInit {
  options: Omit<StoreFilesOptions, 'clock'>;
}

export type ToWorker =
  | { type: 'chunk'; id: number; names: string; timestamps: Float64Array; values: Float64Array }
  | { type: 'write'; id: number; now: number }
  | { type: 'rules'; rules: StorageRules }
  | { type: 'close' };

export type FromWorker =
  | { type: 'done'; id: number; report: FilesReport }
  | { type: 'failed'; id: number; message: string }
  | { type: 'closed' };

function main(): void {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  const files = new StoreFiles(init.options);
  // A batch arrives as chunks ('\n'-joined names plus timestamps and values), then 'write'.
  // Batches are kept apart by id, should two writes overlap.
  const batches = new Map<number, { names: string[]; timestamps: number[]; values: number[] }>();
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'chunk') {
      let batch = batches.get(msg.id);
      if (batch === undefined) {
        batch = { names: [], timestamps: [], values: [] };
        batches.set(msg.id, batch);
      }
      const { names, timestamps, values } = batch;
      const all = msg.names.split('\n');
      for (let i = 0; i < all.length; i++) {
        names.push(all[i]!);
        timestamps.push(msg.timestamps[i]!);
        values.push(msg.values[i]!);
      }
    } else if (msg.type === 'write') {
      const batch = batches.get(msg.id) ?? { names: [], timestamps: [], values: [] };
      batches.delete(msg.id);
      try {
        const report = files.writeBatch(batch.names, batch.timestamps, batch.values, msg.now);
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
