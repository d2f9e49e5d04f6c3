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
  /** 1: the stored salt is the argon2id salt. 2: the argon2id salt is derived from realm, username and stored salt. */
  v: 1 | 2;
  alg: 'argon2id';
  /** Memory in KiB (RFC 9106 §3.1 "m"). */
  m: number;
  /** Passes (RFC 9106 §3.1 "t"). */
  t: number;
  /** Lanes (RFC 9106 §3.1 "p"). */
  p: number;
}

/**
 * What new accounts get: argon2id m=64 MiB, t=3, p=1, with the salt bound to server realm and username.
 * It is also the v2 floor: the server hands the descriptor out, and a malicious server could otherwise
 * ask for cheap parameters and then brute-force the password from the auth key it receives.
 */
export const KDF_DEFAULT: KdfDescriptor = Object.freeze({ v: 2, alg: 'argon2id', m: 65_536, t: 3, p: 1 });

/** Accounts made before v2 (OWASP's minimum, m=19 MiB, t=2): still accepted so they can log in and be upgraded. */
export const KDF_V1: KdfDescriptor = Object.freeze({ v: 1, alg: 'argon2id', m: 19_456, t: 2, p: 1 });

/**
 * Bounds on descriptors from the server: a floor per version, and ceilings so a server cannot make a
 * client hang or run out of memory. `maxWork` caps m·t (KiB × passes): 256 MiB × 4 or 64 MiB × 16,
 * about five times the default's cost.
 */
export const KDF_BOUNDS = Object.freeze({
  floor: Object.freeze({ 1: Object.freeze({ m: 19_456, t: 2 }), 2: Object.freeze({ m: 65_536, t: 3 }) }),
  maxM: 262_144,
  maxT: 16,
  minP: 1,
  maxP: 8,
  maxWork: 262_144 * 4,
});

export const SALT_BYTES = 16;
export const KEY_BYTES = 32;
/** A realm id: 16 bytes in base64url, 22 characters. */
export const REALM_PATTERN = /^[A-Za-z0-9_-]{22}$/;

const inRange = (n: unknown, lo: number, hi: number): n is number => Number.isInteger(n) && (n as number) >= lo && (n as number) <= hi;

/** Accepts a descriptor only if it is a known version of argon2id with parameters inside KDF_BOUNDS. */
export function parseKdfDescriptor(value: unknown): KdfDescriptor | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const d = value as Record<string, unknown>;
  if (Object.keys(d).length !== 5 || (d.v !== 1 && d.v !== 2) || d.alg !== 'argon2id') return undefined;
  const b = KDF_BOUNDS;
  const floor = b.floor[d.v];
  if (!inRange(d.m, floor.m, b.maxM) || !inRange(d.t, floor.t, b.maxT) || !inRange(d.p, b.minP, b.maxP)) return undefined;
  if (d.m * d.t > b.maxWork) return undefined;
  // RFC 9106 §3.1: m must be at least 8·p KiB; always true inside the bounds, checked anyway.
  if (d.m < 8 * d.p) return undefined;
  return { v: d.v, alg: 'argon2id', m: d.m, t: d.t, p: d.p };
}

/**
 * The argon2id salt of a v2 descriptor: SHA-256(fields("parley/v2/kdf/salt", realm, username, stored salt)).
 * The server only stores and hands out the random part; whatever it hands out, the salt argon2id sees is
 * its own per user and per server, so one precomputed dictionary never serves two accounts.
 */
export const boundSalt = (realm: string, username: string, stored: Uint8Array): Uint8Array =>
  sha256(encodeFields(LABELS.kdfSalt, realm, username, stored));

export interface DerivedKeys {
  /** Sent to the server in place of the password (base64url); the server keeps only an argon2id hash of it. */
  authKey: Uint8Array;
  /** Seals the user's private keys; never leaves the client. */
  wrapKey: Uint8Array;
}

export type KdfFailure = 'kdf-rejected' | 'salt-invalid' | 'realm-invalid';

/**
 * argon2id(NFC(password), salt) → 32-byte master secret → HKDF-SHA256 twice with distinct info labels.
 * The username is in both infos, so one password and salt give unrelated keys for two accounts; with v2
 * the argon2id salt itself is bound to the realm and username (`boundSalt`). Bad input is a typed failure;
 * it throws only when argon2id cannot run at all (WebAssembly blocked by a Content Security Policy without
 * 'wasm-unsafe-eval', or out of memory).
 */
export async function deriveKeys(input: {
  username: string;
  password: string;
  salt: Uint8Array;
  kdf: unknown;
  /** The server's realm id; required by v2 descriptors. */
  realm?: string | undefined;
}): Promise<Outcome<DerivedKeys, KdfFailure>> {
  const kdf = parseKdfDescriptor(input.kdf);
  if (kdf === undefined) return fail('kdf-rejected');
  if (!(input.salt instanceof Uint8Array) || input.salt.length !== SALT_BYTES) return fail('salt-invalid');
  if (kdf.v === 2 && (typeof input.realm !== 'string' || !REALM_PATTERN.test(input.realm))) return fail('realm-invalid');
  const salt = kdf.v === 2 ? boundSalt(input.realm!, input.username, input.salt) : input.salt;
  // RFC 8265 §4.2 (OpaqueString): NFC, so the same password typed on two systems gives the same bytes.
  const password = utf8ToBytes(input.password.normalize('NFC'));
  // RFC 9106 §3.1 inputs: no secret K, no associated data X; 32-byte tag.
  const master = await argon2id({
    password,
    salt,
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
