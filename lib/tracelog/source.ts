// The tracelog FlushSource: tails the configured files (and the optional UDP syslog port), feeds
// the request tracker, and at every flush returns the closed intervals as points under
// `tracelog.<instance>.` plus its own counters under `sotto.tracelog.`. The server plugs it into
// its flush pipeline next to the statsd aggregator, so the points land in the same Whisper store.
//
// State: at every flush the read positions and the tracker (in-flight requests, open buckets)
// are saved together, taken BEFORE the flush closes buckets: after a crash the buckets of that
// flush are reported again with the same values (Whisper keeps one value per slot: no double
// count), and no line is read twice or skipped. stop() saves the state after the last flush.

import type { AddressInfo } from 'node:net';
import type { FlushSource, MetricPoint } from '../types.js';
import { loadState, saveState, stateFileIn, type SavedState } from './checkpoint.js';
import { parseSpec } from './file-set.js';
import { TraceIngest, type LineOrigin } from './ingest.js';
import { intervalPoints } from './names.js';
import { tracelogOptions, type TracelogOptions } from './options.js';
import { RequestTracker, type RequestTrackerOptions } from './requests.js';
import { restoreTracker, snapshotTracker } from './requests-state.js';
import { listenSyslog, type SyslogReceiver } from './syslog.js';
import { Tailer } from './tail.js';
import { LocalTime } from './zone.js';

export interface TracelogDeps {
  /** Wall clock (ms); tests freeze it. */
  now?: () => number;
  log?: (message: string) => void;
}

export interface TracelogSource extends FlushSource {
  readonly options: TracelogOptions;
  /** Loads the saved state, starts tailing and the syslog receiver. */
  start(): Promise<void>;
  /** Reads everything the files hold right now (tests; the server need not call it). */
  settle(): Promise<void>;
  /** Stops reading and saves the state: call it after the last flush's points are written. */
  stop(): Promise<void>;
  /** The bound syslog address (port 0 → the port the OS chose), or null. */
  syslogAddress(): AddressInfo | null;
  /** Resolves once the state saved at the last flush is on disk. */
  saved(): Promise<void>;
  /** Synchronous: the points of every bucket that has ended by `timestampMs`, and the source's own counters. */
  flush(timestampMs: number): MetricPoint[];
}

/** Bad lines reported through `log` per flush interval at most (they are all counted). */
const BAD_LINES_LOGGED = 5;

export function createTracelogSource(input: Partial<TracelogOptions>, deps: TracelogDeps = {}): TracelogSource {
  const options = tracelogOptions(input);
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((m: string) => console.error(m));
  const stateFile = options.dataDir === null ? null : stateFileIn(options.dataDir);
  const trackerOptions: RequestTrackerOptions = {
    intervalMs: options.flushIntervalMs,
    latenessMs: options.latenessMs,
    stuckLimitMs: options.stuckLimitMs,
    idleLimitMs: options.idleLimitMs,
    futureLimitMs: options.futureLimitMs,
    now,
  };
  const zone = new LocalTime(options.timeZone);
  let badLogged = 0;
  const onBadLine = (line: string, reason: string, origin: LineOrigin): void => {
    if (badLogged++ < BAD_LINES_LOGGED) log(`tracelog: bad line (${reason}) from ${origin.forced ?? origin.fallback}: ${JSON.stringify(line.slice(0, 200))}`);
  };
  let tracker = new RequestTracker(trackerOptions);
  let ingest = new TraceIngest(tracker, zone, onBadLine);
  let tailer: Tailer | null = null;
  let syslog: SyslogReceiver | null = null;
  let saving: Promise<void> = Promise.resolve();
  let pending: SavedState | null = null;

  const snapshot = (at: number): SavedState | null =>
    stateFile && tailer ? { version: 1, savedAt: at, tail: tailer.snapshot(), tracker: snapshotTracker(tracker) } : null;

  /** Saves in the background, one write at a time; a newer state replaces one still waiting. */
  const persist = (state: SavedState): Promise<void> => {
    const idle = pending === null;
    pending = state;
    if (idle) {
      saving = saving.then(async () => {
        const s = pending!;
        pending = null;
        await saveState(stateFile!, s).catch((err: Error) => log(`tracelog: cannot save ${stateFile}: ${err.message}`));
      });
    }
    return saving;
  };

  return {
    options,
    async start() {
      const saved = stateFile ? await loadState(stateFile, log, now) : null;
      if (saved) {
        try {
          tracker = restoreTracker(saved.tracker, trackerOptions);
        } catch (err) {
          log(`tracelog: ${stateFile}: ${(err as Error).message}; request state starts empty`);
        }
        ingest = new TraceIngest(tracker, zone, onBadLine);
      }
      tailer = new Tailer({
        specs: options.paths.map(parseSpec), sink: ingest, pollIntervalMs: options.pollIntervalMs, log, state: saved?.tail, now,
      });
      if (options.paths.length > 0) tailer.start();
      if (options.syslogPort !== null) {
        syslog = await listenSyslog({
          port: options.syslogPort, address: options.syslogAddress, log, onData: (data, origin) => ingest.block(data, origin),
        });
      }
    },

    async settle() {
      await tailer?.settle();
    },

    flush(timestampMs: number): MetricPoint[] {
      const state = snapshot(timestampMs);
      // The server's last flush at shutdown is stamped with the next scheduled time, a little in
      // the future: close buckets by the clock, so none is closed before it has really ended.
      const points = intervalPoints(tracker.close(Math.min(timestampMs, now())), {
        intervalMs: options.flushIntervalMs, percentThreshold: options.percentThreshold,
      });
      const timestamp = Math.floor(timestampMs / 1000);
      points.push(
        { name: 'sotto.tracelog.records', value: ingest.records, timestamp },
        { name: 'sotto.tracelog.bad_lines', value: ingest.badLines, timestamp },
        { name: 'sotto.tracelog.late_records', value: tracker.late, timestamp },
        { name: 'sotto.tracelog.orphan_records', value: tracker.orphans, timestamp },
        { name: 'sotto.tracelog.future_records', value: tracker.future, timestamp },
      );
      if (tracker.future > 0 || tracker.restarted > 0) {
        const ahead = `more than ${options.futureLimitMs / 60_000} min ahead of this host's clock`;
        if (tracker.future > 0) log(`tracelog: ${tracker.future} records stamped ${ahead} dropped (a wrong clock or tracelogTimeZone on the logging host?)`);
        if (tracker.restarted > 0) log(`tracelog: ${tracker.restarted} instances whose saved clock was ${ahead} started afresh`);
      }
      ingest.records = 0;
      ingest.badLines = 0;
      tracker.late = 0;
      tracker.orphans = 0;
      tracker.future = 0;
      tracker.restarted = 0;
      badLogged = 0;
      if (state) void persist(state);
      return points;
    },

    async stop() {
      await tailer?.stop();
      await syslog?.close();
      syslog = null;
      const state = snapshot(now());
      if (state) await persist(state);
      await saving;
    },

    syslogAddress: () => syslog?.address() ?? null,

    saved: () => saving,
  };
}
