// Follows trace-log files: the I/O shell around the pure ingest. Polls (no fs.watch: it misses
// events on network file systems and under load), reads new bytes, and hands complete lines on.
//
// Rotation, without losing or double-counting a line:
// - rename (logrotate's default, syslog-ng's dated files): a file is known by device + inode,
//   not by name; a file that left the listing is read to its end through the descriptor still
//   open (for a few quiet polls, since the writer may reopen late), then forgotten;
// - copytruncate: the file's first bytes changed or it shrank → the rest of the old content is
//   read from the copy beside it (a sibling starting with the same bytes, plain or .gz);
// - .gz files are read once; one whose content starts like a file already read skips what was read.
// Positions (bytes consumed as whole lines) are what `snapshot()` returns and the source persists.

import { open, stat, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { expandSpecs, instanceFromFileName, type Candidate, type TracelogSpec } from './file-set.js';
import { gzHead, gzStream } from './gz.js';
import type { LineOrigin } from './ingest.js';
import { findCopy, findMoved, keyOf, readHead } from './tail-search.js';
import {
  HEAD_BYTES, type FileState, type Finished, type TailState, readBefore, remember, sameContent,
} from './tail-state.js';

/** Where the bytes read go (latin1 text: one char per byte; TraceIngest in sotto). */
export interface LineSink {
  /** Feeds the complete lines of `buf`; returns the index just past the last newline. */
  chunk(buf: Uint8Array, origin: LineOrigin): number;
  /** Feeds `buf` as one line: a file's last line that never got its newline, or an overlong one. */
  line(buf: Uint8Array, origin: LineOrigin): void;
}

export interface TailOptions {
  specs: TracelogSpec[];
  sink: LineSink;
  pollIntervalMs: number;
  log: (message: string) => void;
  /** Where to carry on from (a previous run's snapshot). */
  state?: TailState;
  /** Quiet polls after which a rotated-away file is let go (default 3). */
  drainPolls?: number;
  /** Wall clock, for closing descriptors of files idle this long (default 60 s). */
  now?: () => number;
  dormantMs?: number;
}

interface Tracked extends FileState {
  fd: FileHandle | null;
  /** Bytes read past `position`: an unfinished last line (a copy, at most MAX_LINE bytes). */
  remainder: Uint8Array;
  vanished: boolean;
  quietPolls: number;
  lastGrowth: number;
}

interface Found {
  cand: Candidate;
  st: BigIntStats;
  key: string;
}

const CHUNK = 1 << 20;
/** A "line" longer than this without a newline is handed on as it is (and will be a bad line). */
const MAX_LINE = 1 << 16;
const EMPTY = new Uint8Array(0);

export class Tailer {
  private readonly files = new Map<string, Tracked>();
  private readonly history: Finished[];
  private readonly gzDone = new Map<string, number>();
  /** One read buffer: an unfinished line is moved to its front and the next read appended to it. */
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private readonly now: () => number;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: TailOptions) {
    this.now = opts.now ?? Date.now;
    const s = opts.state;
    this.history = s ? s.history.map((h) => ({ ...h })) : [];
    for (const g of s?.gzDone ?? []) this.gzDone.set(keyOf(g.dev, g.ino), g.size);
    for (const f of s?.files ?? []) {
      this.files.set(keyOf(f.dev, f.ino), {
        ...f, origin: { ...f.origin }, fd: null, remainder: EMPTY, vanished: false, quietPolls: 0, lastGrowth: this.now(),
      });
    }
  }

  /** Starts polling every pollIntervalMs (the first poll right away). */
  start(): void {
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.pollNow().finally(() => this.schedule(this.opts.pollIntervalMs));
    }, delay);
    this.timer.unref();
  }

  /** One poll, after any running one; resolves with the bytes read. */
  pollNow(): Promise<number> {
    const run = this.chain.then(() => this.pollOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Polls until nothing is left to read and no rotated file is still being drained. */
  async settle(maxPolls = 100): Promise<void> {
    for (let i = 0; i < maxPolls; i++) {
      const n = await this.pollNow();
      if (n === 0 && ![...this.files.values()].some((t) => t.vanished)) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.chain;
    for (const t of this.files.values()) await closeFd(t);
  }

  /** Where every file stands, consistent with the lines handed to the sink so far. */
  snapshot(): TailState {
    return {
      version: 1,
      files: [...this.files.values()].map((t) => ({
        path: t.path, dev: t.dev, ino: t.ino, head: t.head, position: t.position, gz: t.gz, origin: { ...t.origin },
      })),
      history: this.history.map((h) => ({ ...h })),
      gzDone: [...this.gzDone].map(([k, size]) => {
        const [dev, ino] = k.split(':');
        return { dev: dev!, ino: ino!, size };
      }),
    };
  }

  private async pollOnce(): Promise<number> {
    let progress = 0;
    const found: Found[] = [];
    for (const cand of await expandSpecs(this.opts.specs)) {
      try {
        const st = await stat(cand.path, { bigint: true });
        if (st.isFile()) found.push({ cand, st, key: keyOf(st.dev, st.ino) });
      } catch {
        // not there (yet): a plain path may appear later
      }
    }
    const present = new Set(found.map((f) => f.key));
    for (const k of this.gzDone.keys()) if (!present.has(k)) this.gzDone.delete(k);
    // Older content first: what is left in rotated-away files, then files already followed, then
    // new ones oldest first (modification time, then name: syslog-ng's dated files go in name
    // order, logrotate's .2.gz before .1 before the live file).
    for (const t of [...this.files.values()]) {
      if (present.has(keyOf(t.dev, t.ino))) continue;
      if (t.gz) {
        this.files.delete(keyOf(t.dev, t.ino)); // a half-read .gz that was deleted
        continue;
      }
      t.vanished = true;
      progress += await this.guard(t.path, () => this.drainVanished(t));
    }
    const known = found.filter((f) => this.files.has(f.key));
    const fresh = found
      .filter((f) => !this.files.has(f.key))
      .sort((a, b) => Number(a.st.mtimeMs - b.st.mtimeMs) || (a.cand.path < b.cand.path ? -1 : 1));
    for (const f of [...known, ...fresh]) {
      const visit = f.cand.path.endsWith('.gz') ? () => this.visitGz(f) : () => this.visitPlain(f);
      progress += await this.guard(f.cand.path, visit);
    }
    await this.closeDormant();
    return progress;
  }

  private async guard(file: string, fn: () => Promise<number>): Promise<number> {
    try {
      return await fn();
    } catch (err) {
      this.opts.log(`tracelog: ${file}: ${(err as Error).message}`);
      return 0;
    }
  }

  private originFor(cand: Candidate): LineOrigin {
    return { fallback: instanceFromFileName(cand.path), forced: cand.spec.name };
  }

  private async visitPlain(f: Found): Promise<number> {
    let t = this.files.get(f.key);
    if (t) {
      t.path = f.cand.path;
      t.vanished = false;
    } else {
      const adopted = await this.adopt(f);
      if (!adopted) return 0;
      t = adopted;
    }
    return this.readPlain(t, Number(f.st.size));
  }

  /** A file seen for the first time: new content, or a copy of content already read? */
  private async adopt(f: Found): Promise<Tracked | null> {
    const fd = await open(f.cand.path, 'r');
    const st = await fd.stat({ bigint: true });
    if (keyOf(st.dev, st.ino) !== f.key) {
      await fd.close(); // replaced between stat and open: the next poll sorts it out
      return null;
    }
    const size = Number(st.size);
    const head = await readHead(fd, size);
    let position = 0;
    const originals = [...this.files.values()].filter((o) => !o.gz && sameContent(o.head, head));
    // Read the original first: it may turn out truncated (copytruncate), and be recovered from this copy.
    for (const o of originals) await this.refresh(o);
    const before = readBefore(this.history, head);
    const live = [...this.files.values()].find((o) => !o.gz && sameContent(o.head, head));
    if (before >= 0) position = Math.min(before, size);
    else if (live) position = Math.min(live.position, size);
    const t: Tracked = {
      path: f.cand.path, dev: String(st.dev), ino: String(st.ino), head, position, gz: false,
      origin: this.originFor(f.cand), fd, remainder: EMPTY, vanished: false, quietPolls: 0, lastGrowth: this.now(),
    };
    this.files.set(f.key, t);
    return t;
  }

  private async refresh(t: Tracked): Promise<void> {
    const st = await stat(t.path, { bigint: true }).catch(() => null);
    if (st && keyOf(st.dev, st.ino) === keyOf(t.dev, t.ino)) await this.readPlain(t, Number(st.size));
  }

  private async readPlain(t: Tracked, size: number): Promise<number> {
    const readOffset = t.position + t.remainder.length;
    if (size === readOffset && t.fd) return 0;
    if (!t.fd) t.fd = await open(t.path, 'r');
    const head = await readHead(t.fd, size);
    if (size < readOffset || !head.startsWith(t.head)) {
      await this.recoverTruncated(t);
      t.position = 0;
      t.remainder = EMPTY;
    }
    t.head = head;
    return this.readFd(t, size);
  }

  /**
   * Reads `t` from where it stands to `size`, feeding whole lines to the sink straight from the
   * read buffer (no copy, no string): the unfinished end of a read moves to the buffer's front
   * and the next read lands behind it.
   */
  private async readFd(t: Tracked, size: number): Promise<number> {
    const buf = this.buf;
    let filled = t.remainder.length;
    let offset = t.position + filled;
    let total = 0;
    buf.set(t.remainder, 0);
    while (offset < size) {
      const { bytesRead } = await t.fd!.read(buf, filled, Math.min(CHUNK - filled, size - offset), offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      total += bytesRead;
      filled += bytesRead;
      const used = this.opts.sink.chunk(buf.subarray(0, filled), t.origin);
      t.position += used;
      if (used > 0) buf.copyWithin(0, used, filled);
      filled -= used;
      if (filled > MAX_LINE) {
        this.opts.sink.line(buf.subarray(0, filled), t.origin);
        t.position += filled;
        filled = 0;
      }
    }
    t.remainder = filled === 0 ? EMPTY : new Uint8Array(buf.subarray(0, filled));
    if (total > 0) {
      t.lastGrowth = this.now();
      t.quietPolls = 0;
    }
    return total;
  }

  /** Feeds decompressed bytes (a .gz): what is left of the last line waits for the next piece. */
  private feed(t: Tracked, data: Uint8Array): void {
    const all = t.remainder.length > 0 ? Buffer.concat([t.remainder, data]) : data;
    const used = this.opts.sink.chunk(all, t.origin);
    t.position += used;
    t.remainder = used === all.length ? EMPTY : new Uint8Array(all.subarray(used));
    if (t.remainder.length > MAX_LINE) this.flushRemainder(t);
  }

  private flushRemainder(t: Tracked): void {
    if (t.remainder.length === 0) return;
    this.opts.sink.line(t.remainder, t.origin);
    t.position += t.remainder.length;
    t.remainder = EMPTY;
  }

  /** A file that left the listing: read what is left, a few quiet polls long, then let it go. */
  private async drainVanished(t: Tracked): Promise<number> {
    if (!t.fd) {
      const moved = await findMoved(t, (k) => this.files.has(k));
      if (moved === null) {
        this.opts.log(`tracelog: ${t.path} is gone and not found beside it (nor a .gz of it): its unread end is lost`);
        this.finish(t);
        return 0;
      }
      if (moved.gz) {
        const n = await this.readGzInto(t, moved.path);
        this.gzDone.set(moved.key, moved.size);
        this.finish(t);
        return n;
      }
      t.path = moved.path;
      t.fd = await open(moved.path, 'r');
    }
    const n = await this.readFd(t, Number((await t.fd.stat()).size));
    if (n === 0 && ++t.quietPolls >= (this.opts.drainPolls ?? 3)) {
      this.flushRemainder(t);
      this.finish(t);
    }
    return n;
  }

  private finish(t: Tracked): void {
    void closeFd(t);
    remember(this.history, { head: t.head, length: t.position });
    this.files.delete(keyOf(t.dev, t.ino));
  }

  /** Copytruncate: the unread end of the old content is in a copy beside the file. */
  private async recoverTruncated(t: Tracked): Promise<void> {
    const moved = await findCopy(t, (k) => this.files.get(k)?.head, (k) => this.gzDone.has(k));
    if (moved === 'followed') return; // a copy we already follow reads itself (adopt() started it at our position)
    if (moved === null) {
      this.opts.log(`tracelog: ${t.path} was truncated; no copy of its old content found beside it (lines written just before may be lost)`);
      remember(this.history, { head: t.head, length: t.position + t.remainder.length });
      return;
    }
    t.remainder = EMPTY;
    if (moved.gz) {
      await this.readGzInto(t, moved.path);
      this.gzDone.set(moved.key, moved.size);
    } else {
      const copy: Tracked = { ...t, path: moved.path, fd: await open(moved.path, 'r'), remainder: EMPTY };
      await this.readFd(copy, moved.size);
      this.flushRemainder(copy);
      await closeFd(copy);
      t.position = copy.position;
    }
    remember(this.history, { head: t.head, length: t.position });
  }

  private async visitGz(f: Found): Promise<number> {
    const size = Number(f.st.size);
    if (this.gzDone.get(f.key) === size) return 0;
    let t = this.files.get(f.key);
    if (!t) {
      const head = await gzHead(f.cand.path, HEAD_BYTES);
      if ([...this.files.values()].some((o) => !o.gz && sameContent(o.head, head))) {
        this.gzDone.set(f.key, size); // the compressed twin of a file we are reading
        return 0;
      }
      const before = readBefore(this.history, head);
      t = {
        path: f.cand.path, dev: String(f.st.dev), ino: String(f.st.ino), head, position: Math.max(0, before), gz: true,
        origin: this.originFor(f.cand), fd: null, remainder: EMPTY, vanished: false, quietPolls: 0, lastGrowth: this.now(),
      };
      this.files.set(f.key, t);
    }
    const n = await this.readGzInto(t, f.cand.path);
    this.files.delete(f.key);
    this.gzDone.set(f.key, size);
    remember(this.history, { head: t.head, length: t.position });
    return n;
  }

  /** Streams a .gz from `t.position` (decompressed bytes); on failure `t` stays at its last whole line. */
  private async readGzInto(t: Tracked, file: string): Promise<number> {
    const start = t.position;
    try {
      await gzStream(file, t.position, (data) => this.feed(t, data));
      this.flushRemainder(t);
    } catch (err) {
      t.remainder = EMPTY;
      throw err;
    }
    return t.position - start;
  }

  private async closeDormant(): Promise<void> {
    const limit = this.now() - (this.opts.dormantMs ?? 60_000);
    for (const t of this.files.values()) {
      if (t.fd && !t.vanished && t.remainder.length === 0 && t.lastGrowth < limit) await closeFd(t);
    }
  }
}

async function closeFd(t: Tracked): Promise<void> {
  const fd = t.fd;
  t.fd = null;
  if (fd) await fd.close().catch(() => undefined);
}
