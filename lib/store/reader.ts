// The reading side of the store: find (over the in-memory index) and fetch (Whisper files read
// fresh on every request, so a flushed point is visible at once). Names become paths only
// through paths.ts, so no query can read outside the data directory.
import fs from 'node:fs';
import { fetchOpen, readHeaderFd, type OpenWhisper } from '../whisper/fetch-fd.js';
import { fetchLength, type FetchResult } from '../whisper/fetch-core.js';
import type { Series } from '../types.js';
import type { FetchedSeries } from '../render/context.js';
import { metricNameProblem, metricPath } from './paths.js';
import { MetricIndex, type FoundNode, type IndexOptions } from './index-tree.js';
import { DEFAULT_GLOB_LIMITS, type GlobLimits } from './glob.js';
import { LimitError } from '../render/errors.js';

export interface ReaderOptions extends IndexOptions {
  /** How many Whisper files are kept open between requests (0: open and close every time). */
  openFiles?: number;
  /** Told once per file (until it reads again) why it could not be read: a render answers without it. */
  onReadError?: (name: string, message: string) => void;
}

/** Files whose read error was reported, at most (then the set starts over). */
const MAX_REPORTED = 10_000;

interface OpenFile extends OpenWhisper {
  ino: number;
  size: number;
  checkedAt: number;
}

/**
 * whisper.fetch with synchronous positioned reads on cached descriptors. A fetch is a couple of
 * small preads; doing them on the event loop on an already open file is several times faster
 * than open + fstat + header read + close through the thread pool (sumSeries over 1,000 files:
 * a few ms of I/O instead of ~200 ms). A cached file is re-checked (stat: same inode and size)
 * at most every `revalidateMs`, so a file replaced by resize or re-creation is re-opened; the
 * slots are read on every fetch, so new points are always seen (a base timestamp is reused
 * only while it still finds them: see fetchOpen).
 */
class OpenFiles {
  private readonly files = new Map<string, OpenFile>();

  constructor(
    private max: number,
    private readonly revalidateMs: number,
    private readonly clock: () => number,
  ) {}

  private open(file: string): OpenFile {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'EMFILE' && code !== 'ENFILE') || !this.files.size) throw err;
      // out of descriptors: give ours back (and keep fewer from now on), then try once more
      this.max = Math.max(16, Math.floor(this.files.size / 2));
      this.closeAll();
      fd = fs.openSync(file, 'r');
    }
    try {
      const st = fs.fstatSync(fd);
      const { header, bases } = readHeaderFd(fd, file, st.size);
      const entry = { fd, path: file, header, bases, ino: st.ino, size: st.size, checkedAt: this.clock() };
      if (this.max > 0) {
        if (this.files.size >= this.max) this.evict(this.files.keys().next().value as string);
        this.files.set(file, entry);
      }
      return entry;
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  private evict(file: string): void {
    const entry = this.files.get(file);
    if (!entry) return;
    this.files.delete(file);
    fs.closeSync(entry.fd);
  }

  private get(file: string): OpenFile {
    const entry = this.files.get(file);
    if (!entry) return this.open(file);
    const now = this.clock();
    if (now - entry.checkedAt >= this.revalidateMs) {
      let same = false;
      try {
        const st = fs.statSync(file);
        same = st.ino === entry.ino && st.size === entry.size;
      } catch {
        // gone: drop it (the open below throws ENOENT)
      }
      if (!same) {
        this.evict(file);
        return this.open(file);
      }
      entry.checkedAt = now;
    }
    this.files.delete(file); // most recently used last
    this.files.set(file, entry);
    return entry;
  }

  fetch(file: string, from: number, until: number, now: number): FetchResult | null {
    return this.using(file, (entry) => fetchOpen(entry, Math.trunc(from), Math.trunc(until), Math.trunc(now)));
  }

  /** How many values fetch() would return (from the header alone). */
  fetchLength(file: string, from: number, until: number, now: number): number {
    return this.using(file, (entry) => fetchLength(entry.header, Math.trunc(from), Math.trunc(until), Math.trunc(now)));
  }

  /** Runs `body` on the open file, closing it after unless it is one of those kept open. */
  private using<T>(file: string, body: (entry: OpenFile) => T): T {
    const entry = this.get(file);
    try {
      return body(entry);
    } finally {
      if (!this.files.has(file)) fs.closeSync(entry.fd);
    }
  }

  /** Drops a file that failed (corrupt, truncated): the next fetch opens it afresh. */
  forget(file: string): void {
    this.evict(file);
  }

  closeAll(): void {
    for (const file of [...this.files.keys()]) this.evict(file);
  }
}

const MAX_CACHED_PATHS = 200_000;
/**
 * Whisper files kept open by default (the writer keeps up to 4096): a sumSeries over a couple of
 * thousand series reads from open files. Out of descriptors (EMFILE), the reader gives its own
 * back and keeps fewer; 0 disables keeping files open (createHttpApp's readerOpenFiles).
 */
export const DEFAULT_OPEN_FILES = 2048;

export class MetricReader {
  readonly index: MetricIndex;
  readonly limits: GlobLimits;
  private readonly open: OpenFiles;
  /** Files that could not be read (corrupt, vanished mid-read), counted for /api/health. */
  readErrors = 0;
  /** Names whose read error was reported (reported again only after a good read). */
  private readonly reported = new Set<string>();
  /** name → file, as paths.ts maps it (validating a name costs more than reading a small file). */
  private readonly files = new Map<string, string>();

  constructor(private readonly opts: ReaderOptions) {
    this.index = new MetricIndex(opts);
    this.limits = opts.limits ?? DEFAULT_GLOB_LIMITS;
    this.open = new OpenFiles(opts.openFiles ?? DEFAULT_OPEN_FILES, opts.revalidateMs ?? 1000, opts.clock ?? Date.now);
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  /** Builds the index (walks the data directory). */
  start(): Promise<void> {
    return this.index.build();
  }

  notifyWritten(names: Iterable<string>): void {
    this.index.notifyWritten(names);
  }

  find(query: string): Promise<FoundNode[]> {
    return this.index.find(query);
  }

  /**
   * One metric over (from, until] as whisper.fetch(…, now) returns it; null when the metric does
   * not exist, its name is not a valid metric name, the range lies outside its retention, or the
   * file cannot be read.
   */
  async fetch(name: string, from: number, until: number, now: number): Promise<Series | null> {
    return this.fetchNow(name, from, until, now);
  }

  /** fetch(), synchronously (the reads are synchronous anyway). */
  fetchNow(name: string, from: number, until: number, now: number): Series | null {
    let file = this.files.get(name);
    if (file === undefined) {
      if (metricNameProblem(name) !== null) return null;
      file = metricPath(this.opts.dataDir, name);
      if (this.files.size >= MAX_CACHED_PATHS) this.files.clear();
      this.files.set(name, file);
    }
    let result;
    try {
      result = this.open.fetch(file, from, until, now);
    } catch (err) {
      this.open.forget(file);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.readErrors++;
        if (this.opts.onReadError && !this.reported.has(name)) {
          if (this.reported.size >= MAX_REPORTED) this.reported.clear();
          this.reported.add(name);
          this.opts.onReadError(name, (err as Error).message);
        }
      }
      return null;
    }
    if (this.reported.size > 0) this.reported.delete(name);
    if (!result) return null;
    const [start, end, step] = result.timeInfo;
    return { name, start, end, step, values: result.values };
  }

  /** How many values fetchNow() would return, from the file's header (0 when it would return null). */
  fetchLength(name: string, from: number, until: number, now: number): number {
    if (metricNameProblem(name) !== null) return 0;
    const file = this.files.get(name) ?? metricPath(this.opts.dataDir, name);
    try {
      return this.open.fetchLength(file, from, until, now);
    } catch {
      return 0; // fetchNow() answers null for it
    }
  }

  /** Every leaf matching a path expression, fetched (the render core's FetchFn). */
  fetchPattern = async (pattern: string, from: number, until: number, now: number): Promise<FetchedSeries[]> => {
    if (pattern.startsWith('seriesByTag(')) return [];
    const nodes = (await this.find(pattern)).filter((n) => n.isLeaf);
    if (nodes.length > this.limits.maxResults) throw new LimitError(`${pattern} matches more than ${this.limits.maxResults} series`);
    const out: FetchedSeries[] = [];
    for (const n of nodes) {
      const s = this.fetchNow(n.path, from, until, now);
      if (s) out.push(s);
    }
    return out;
  };

  /** Closes the files kept open. */
  close(): void {
    this.open.closeAll();
  }
}
