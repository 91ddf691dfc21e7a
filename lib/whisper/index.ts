// sotto/whisper: a Whisper (Graphite) file library, byte-compatible with whisper.py 1.1.
//
//   import { create, updateMany, fetch } from 'sotto/whisper';
//   await create('/tmp/x.wsp', [[10, 2160], [60, 10080]], { aggregationMethod: 'sum', xFilesFactor: 0 });
//   await updateMany('/tmp/x.wsp', [[1700000000, 1], [1700000010, 2]]);
//   const r = await fetch('/tmp/x.wsp', 1699999000);   // { timeInfo: [from, until, step], values }
export { create, type CreateOptions } from './create.js';
export { update, updateMany, fetch, info, setAggregationMethod, setXFilesFactor } from './api.js';
export { updateSync, updateManySync, fetchSync, infoSync } from './api.js';
export { resize, type ResizeOptions, type ResizeResult } from './resize.js';
export { merge, diff, fill, type FillOptions } from './tools.js';
export type { ArchiveDiff, DiffPoint } from './diff.js';
export { ArchivesUnalike } from './merge.js';
export type { FetchResult } from './fetch-core.js';
export type { Header, ArchiveInfo } from './header.js';
export { validateArchiveList } from './header.js';
export { AGGREGATION_METHODS, aggregate, type AggregationMethod } from './aggregation.js';
export { parseRetentionDef, type ArchiveSpec } from './retention.js';
export {
  WhisperException,
  InvalidConfiguration,
  InvalidAggregationMethod,
  InvalidTimeInterval,
  InvalidXFilesFactor,
  TimestampNotCovered,
  CorruptWhisperFile,
  InvalidRetention,
  InvalidGranularity,
  InvalidTimestamp,
} from './errors.js';
