// Plain data passed between sotto's stages. No behaviour here, no imports.

/** One value for one metric at one time: what a flush or a carbon line produces and the store writes. */
export interface MetricPoint {
  /** Dotted Graphite name, e.g. `stats.counters.api.hits.rate`. */
  name: string;
  value: number;
  /** Unix time in whole seconds. */
  timestamp: number;
}

/**
 * A fetched or computed series: `values[i]` belongs to `start + i*step`; `end` is exclusive
 * (`end = start + values.length*step`), exactly as whisper.py's fetch returns its time info.
 */
export interface Series {
  name: string;
  start: number;
  end: number;
  step: number;
  values: (number | null)[];
}

/** A node of the dotted metric namespace: a branch (has children) or a leaf (a Whisper file). */
export interface MetricNode {
  /** Full dotted path, e.g. `stats.timers.api`. */
  path: string;
  isLeaf: boolean;
}

/** What the composition root announces after each flush has been written to the store. */
export interface FlushEvent {
  /** The flush's timestamp (unix seconds). */
  timestamp: number;
  /** The names written by this flush. */
  names: string[];
}

/** Something that contributes points at every flush (the statsd aggregator, the tracelog tailer, …). */
export interface FlushSource {
  /** Returns the points for the interval ending at `timestampMs` (wall clock, milliseconds). */
  flush(timestampMs: number): MetricPoint[] | Promise<MetricPoint[]>;
}
