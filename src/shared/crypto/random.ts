// Where Parley's crypto gets randomness: the platform CSPRNG by default, fixed bytes only when a test injects them.
import { randomBytes } from '@noble/hashes/utils.js';

/** Returns `n` random bytes. Every function that needs randomness takes one as an optional last parameter. */
export type Rng = (n: number) => Uint8Array;

/** globalThis.crypto.getRandomValues, in Node 20 and in browsers (through noble's `randomBytes`). */
export const systemRng: Rng = (n) => randomBytes(n);
