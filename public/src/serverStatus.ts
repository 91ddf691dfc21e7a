// Whether sotto answers, and whether its writing keeps up, in one unobtrusive spot of the header.
// Every API request reports its outcome (api.ts); a refused connection or a 5xx makes the page ask
// /api/health at once, and only if that fails too does the "not answering" banner appear (one
// render with a server-side bug is not an outage). While the server is down /api/health is asked
// again after 5 s, then less and less often (up to every 30 s); any request that gets an answer
// ends the outage. While up, /api/health is asked every 10 s (not while the tab is hidden) for
// `writes.unwrittenFlushes`: more than one flush waiting to be written shows a small note.
import { health, onRequestOutcome } from './api.js';
import { el, replace } from './dom.js';
import { formatDateTime } from './time.js';

export const UP_POLL_MS = 10_000;
export const DOWN_FIRST_MS = 5_000;
export const DOWN_MAX_MS = 30_000;
/** Failed requests while up trigger a health check at most this often (a scheduled poll aside). */
const SUSPECT_GAP_MS = 2_000;

/** The wait before the next health check while the server is down: 5 s, 10 s, 20 s, 30 s, 30 s… */
export function nextDownDelay(previous: number | null): number {
  return previous === null ? DOWN_FIRST_MS : Math.min(DOWN_MAX_MS, previous * 2);
}

/** The "writing is behind" note from /api/health's `writes`, or null while writing keeps up (0 or 1 flush unwritten). */
export function writingBehind(h: Record<string, unknown>): { text: string; title: string } | null {
  const w = h.writes;
  if (typeof w !== 'object' || w === null) return null;
  const writes = w as Record<string, unknown>;
  const n = writes.unwrittenFlushes;
  if (typeof n !== 'number' || !(n > 1)) return null;
  const details = [`${n} flushes are waiting to be written; points of the newest flushes are not visible yet.`];
  if (typeof writes.lastWrittenFlush === 'number') details.push(`Newest flush written: ${formatDateTime(writes.lastWrittenFlush)}.`);
  if (typeof writes.lastWriteMs === 'number') details.push(`The last write took ${Math.round(writes.lastWriteMs)} ms.`);
  if (typeof writes.joinedFlushes === 'number' && writes.joinedFlushes > 0) details.push(`${writes.joinedFlushes} flushes were written together so far.`);
  if (typeof writes.metricsNotWritten === 'number' && writes.metricsNotWritten > 0) details.push(`${writes.metricsNotWritten} metrics could not be written.`);
  return { text: `writing is ${n} flushes behind`, title: details.join(' ') };
}

export interface ServerStatusOptions {
  /** The status area (role=status), hidden while there is nothing to say. */
  element: HTMLElement;
  /** sotto answers again after an outage: retry what failed meanwhile. */
  recovered(): void;
}

export class ServerStatus {
  private up = true;
  private timer = 0;
  private checking = false;
  private lastCheck = 0;
  /** When a failed request last triggered a check (a target that keeps failing with 500 must not spin). */
  private lastSuspect = 0;
  private downDelay: number | null = null;
  private behind: { text: string; title: string } | null = null;

  constructor(private readonly opts: ServerStatusOptions) {
    onRequestOutcome((answered) => this.observed(answered));
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && Date.now() - this.lastCheck > UP_POLL_MS) void this.check();
    });
  }

  start(): void {
    void this.check();
  }

  /** Some request got an answer (`answered`) or did not (refused, network error, 5xx). */
  private observed(answered: boolean): void {
    if (this.checking) return; // the check's own request, or one racing it: the check decides
    if (answered && !this.up) void this.check();
    else if (!answered && this.up && Date.now() - this.lastSuspect > SUSPECT_GAP_MS) {
      this.lastSuspect = Date.now();
      void this.check();
    }
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    this.lastCheck = Date.now();
    clearTimeout(this.timer);
    let h: Record<string, unknown> | null = null;
    try {
      h = await health();
    } catch {
      h = null;
    }
    this.checking = false;
    if (h) this.setUp(h);
    else this.setDown();
  }

  private setUp(h: Record<string, unknown>): void {
    const wasDown = !this.up;
    this.up = true;
    this.downDelay = null;
    this.behind = writingBehind(h);
    this.show();
    this.schedule(UP_POLL_MS);
    if (wasDown) this.opts.recovered();
  }

  private setDown(): void {
    this.up = false;
    this.downDelay = nextDownDelay(this.downDelay);
    this.show();
    this.schedule(this.downDelay);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      // A hidden tab is not polled while up; it checks when shown again (visibilitychange).
      if (this.up && document.hidden) return;
      void this.check();
    }, ms);
  }

  private show(): void {
    const e = this.opts.element;
    const retry = Math.round((this.downDelay ?? DOWN_FIRST_MS) / 1000);
    const [cls, text, title] = !this.up
      ? ['status-offline', 'sotto is not answering — retrying', `requests to sotto fail; asking again in ${retry} s`]
      : this.behind
        ? ['status-behind', this.behind.text, this.behind.title]
        : ['', '', ''];
    const current = e.firstElementChild as HTMLElement | null;
    if (current && current.className === cls && current.textContent === text) {
      current.title = title; // same message: not announced again
      return;
    }
    if (cls) replace(e, el('span', { class: cls, title }, text));
    else replace(e);
    e.hidden = !cls;
  }
}
