// Turns a password into the auth key (sent to the server instead of the password) and the wrap key (never leaves the client).
import { argon2id } from 'hash-wasm';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeFields } from './bytes.js';
import { LABELS } from './labels.js';
import { fail, type Outcome } from './result.js';

/** The versioned record of how a user's keys were derived; the server stores it with the salt and hands both out. */
export interface KdfDescriptor {
  v: 1;
  alg: 'argon2id';
  /** Memory in KiB (RFC 9106 §3.1 "m"). */
  m: number;
  /** Passes (RFC 9106 §3.1 "t"). */
  t: number;
  /** Lanes (RFC 9106 §3.1 "p"). */
  p: number;
}

/**
 * OWASP's argon2id minimum (m=19 MiB, t=2, p=1). It is also the floor the client accepts: the server
 * hands the descriptor out, and a malicious server could otherwise ask for cheap parameters and then
 * brute-force the password from the auth key it receives.
 */
export const KDF_DEFAULT: KdfDescriptor = Object.freeze({ v: 1, alg: 'argon2id', m: 19_456, t: 2, p: 1 });

/** Bounds on descriptors from the server: the floor above, and ceilings so a server cannot make a client hang or run out of memory. */
export const KDF_BOUNDS = Object.freeze({ minM: 19_456, maxM: 262_144, minT: 2, maxT: 16, minP: 1, maxP: 8 });

export const SALT_BYTES = 16;
export const KEY_BYTES = 32;

const inRange = (n: unknown, lo: number, hi: number): n is number => Number.isInteger(n) && (n as number) >= lo && (n as number) <= hi;

/** Accepts a descriptor only if it is version 1 argon2id with parameters inside KDF_BOUNDS. */
export function parseKdfDescriptor(value: unknown): KdfDescriptor | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const d = value as Record<string, unknown>;
  if (Object.keys(d).length !== 5 || d.v !== 1 || d.alg !== 'argon2id') return undefined;
  const b = KDF_BOUNDS;
  if (!inRange(d.m, b.minM, b.maxM) || !inRange(d.t, b.minT, b.maxT) || !inRange(d.p, b.minP, b.maxP)) return undefined;
  // RFC 9106 §3.1: m must be at least 8·p KiB; always true inside the bounds, checked anyway.
  if (d.m < 8 * d.p) return undefined;
  return { v: 1, alg: 'argon2id', m: d.m, t: d.t, p: d.p };
}

export interface DerivedKeys {
  /** Sent to the server in place of the password (base64url); the server keeps only an argon2id hash of it. */
  authKey: Uint8Array;
  /** Seals the user's private keys; never leaves the client. */
  wrapKey: Uint8Array;
}

export type KdfFailure = 'kdf-rejected' | 'salt-invalid';

/**
 * argon2id(NFC(password), salt) → 32-byte master secret → HKDF-SHA256 twice with distinct info labels.
 * The username is in both infos, so one password and salt give unrelated keys for two accounts.
 * Bad input is a typed failure; it throws only when argon2id cannot run at all (WebAssembly blocked
 * by a Content Security Policy without 'wasm-unsafe-eval', or out of memory).
 */
export async function deriveKeys(input: {
  username: string;
  password: string;
  salt: Uint8Array;
  kdf: unknown;
}): Promise<Outcome<DerivedKeys, KdfFailure>> {
  const kdf = parseKdfDescriptor(input.kdf);
  if (kdf === undefined) return fail('kdf-rejected');
  if (!(input.salt instanceof Uint8Array) || input.salt.length !== SALT_BYTES) return fail('salt-invalid');
  // RFC 8265 §4.2 (OpaqueString): NFC, so the same password typed on two systems gives the same bytes.
  const password = utf8ToBytes(input.password.normalize('NFC'));
  // RFC 9106 §3.1 inputs: no secret K, no associated data X; 32-byte tag.
  const master = await argon2id({
    password,
    salt: input.salt,
    iterations: kdf.t,
    parallelism: kdf.p,
    memorySize: kdf.m,
    hashLength: KEY_BYTES,
    outputType: 'binary',
  });
  // RFC 5869 §3.1: the IKM is already a uniformly random argon2 output, so no HKDF salt is needed;
  // §3.2: distinct info values give independent keys from the same PRK.
  const authKey = hkdf(sha256, master, undefined, encodeFields(LABELS.authKey, input.username), KEY_BYTES);
  const wrapKey = hkdf(sha256, master, undefined, encodeFields(LABELS.wrapKey, input.username), KEY_BYTES);
  master.fill(0);
  password.fill(0);
  return { ok: true, authKey, wrapKey };
}
