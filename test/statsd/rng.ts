// Kept so test/interop/etsy-differential.test.ts still resolves; new code imports ../support/rng.js.
export { rng, pick } from '../support/rng.js';
