/**
 * A copy of a string that does not share memory with the one it was cut from. V8 represents
 * longer substrings as slices of their parent, so a key kept in a table would keep its whole
 * packet (or batch message) alive; keys are copied once, when first stored.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
