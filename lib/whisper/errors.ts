// The errors whisper.py raises, with the same class names and messages, plus the few sotto adds
// where whisper.py would crash or silently damage a file.
import { pyFloatRepr } from './pyformat.js';

/** Base class of every Whisper error (whisper.py's WhisperException). */
export class WhisperException extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An archive list or create request that whisper.py refuses. */
export class InvalidConfiguration extends WhisperException {}
export class InvalidAggregationMethod extends WhisperException {}
export class InvalidTimeInterval extends WhisperException {}
export class InvalidXFilesFactor extends WhisperException {}
/** update(): the timestamp is in the future or older than the file's longest retention. */
export class TimestampNotCovered extends WhisperException {}

/** A retention or precision string that cannot be parsed (whisper.py raises ValueError). */
export class InvalidRetention extends WhisperException {}
/** fetch(): no archive has the requested precision (whisper.py raises ValueError). */
export class InvalidGranularity extends WhisperException {}
/** A timestamp that cannot be stored (not finite, or outside the unsigned 32-bit range). */
export class InvalidTimestamp extends WhisperException {}

/** A file whose header or size is not a valid Whisper file; the message names the file. */
export class CorruptWhisperFile extends WhisperException {
  readonly error: string;
  readonly path: string;
  constructor(error: string, path: string) {
    super(`${error} (${path})`);
    this.error = error;
    this.path = path;
  }
}

/** Python's `str(float(x))` for messages such as "Invalid xFilesFactor 2.0, not between 0 and 1". */
export function pyStr(x: number): string {
  return pyFloatRepr(x);
}
