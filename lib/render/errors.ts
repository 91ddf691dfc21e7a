// What can go wrong while parsing or evaluating a render request. Every one of these is the
// caller's fault and becomes HTTP 400; graphite-web prints InputParameterError as
// `Invalid parameters (<msg>); targets: "<targets>"`, and sotto uses that text for all of them
// (where graphite itself would answer 500 with a stack trace, sotto still answers 400).

export class InputParameterError extends Error {
  targets: string[] = [];
  func: string | null = null;

  constructor(message: string) {
    super(message);
    this.name = 'InputParameterError';
  }

  /** graphite-web's error text, e.g. `Invalid parameters (Received request for unknown function: x); targets: "x(a.b)"`. */
  describe(): string {
    let text = `Invalid parameters (${this.message})`;
    if (this.targets.length) text += `; targets: "${this.targets.join(', ')}"`;
    if (this.func) text += `; func: "${this.func}"`;
    return text;
  }
}

/**
 * More arguments than the function takes: graphite-web runs a function whatever its parameter
 * validation says, and Python then raises a TypeError (HTTP 500). Never run with the extras ignored.
 */
export class ArityError extends InputParameterError {
  constructor(message: string) {
    super(message);
    this.name = 'ArityError';
  }
}

/** A resource limit (series count, points, expansion size, nesting) was exceeded. */
export class LimitError extends InputParameterError {
  constructor(message: string) {
    super(message);
    this.name = 'LimitError';
  }
}

export function isInputError(err: unknown): err is InputParameterError {
  return err instanceof InputParameterError;
}
