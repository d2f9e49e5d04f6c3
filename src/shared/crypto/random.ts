// Where Parley's crypto gets randomness: the platform CSPRNG by default, fixed bytes only when a test injects them.
import { randomBytes } from '@noble/hashes/utils.js';

/** Returns `n` random bytes. Every function that needs randomness takes one as an optional last parameter. */
export type Rng = (n: number) => Uint8Array;

/** globalThis.crypto.getRandomValues, in Node 20 and in browsers (through noble's `randomBytes`). */
export const systemRng: Rng = (n) => randomBytes(n);

/**
 * Hands out the given byte strings in order, each exactly once, and throws when a caller asks for a
 * different length or for more: known-answer vectors use it to make sealing deterministic, and the
 * strictness proves which random values each format consumes. Never pass it outside tests.
 */
export function fixedRng(chunks: readonly Uint8Array[]): Rng {
  const queue = [...chunks];
  return (n) => {
    const next = queue.shift();
    if (next === undefined) throw new Error(`fixedRng: no bytes left for a request of ${n}`);
    if (next.length !== n) throw new Error(`fixedRng: next chunk has ${next.length} bytes, ${n} requested`);
    return Uint8Array.from(next);
  };
}
