// Deterministic randomness for known-answer vectors: each function that needs randomness takes an Rng as its last parameter.
import type { Rng } from '../../../src/shared/crypto/random.js';

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
