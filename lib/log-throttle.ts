// One log message per interval at most, counting what was held back in between: for messages a
// client can cause at will (bad lines, names the store refuses). Pure: the clock is passed in.

export class LogThrottle {
  private lastAt = -Infinity;
  private held = 0;

  constructor(private readonly everyMs: number, private readonly clock: () => number = Date.now) {}

  /**
   * Records `n` events. When a message may go out now, returns how many events were held back
   * since the last one (not counting these `n`); otherwise null.
   */
  pass(n = 1): number | null {
    const now = this.clock();
    if (now - this.lastAt < this.everyMs) {
      this.held += n;
      return null;
    }
    const held = this.held;
    this.lastAt = now;
    this.held = 0;
    return held;
  }
}
