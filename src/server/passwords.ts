// Password hashing with argon2id and opaque session tokens, stored only as hashes.
import crypto from 'node:crypto';
import argon2 from 'argon2';
import { Semaphore } from './semaphore.js';

/** OWASP's minimum for argon2id (m=19 MiB, t=2, p=1); the parameters are kept inside each hash. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class Passwords {
  private readonly gate: Semaphore;
  private dummy: Promise<string> | undefined;

  constructor(maxConcurrent: number) {
    this.gate = new Semaphore(maxConcurrent);
  }

  hash(password: string): Promise<string> {
    return this.gate.run(() => argon2.hash(password, ARGON2_OPTIONS));
  }

  /** Verifies against the stored hash; without one, spends the same time on a dummy so timing does not reveal unknown usernames. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    this.dummy ??= this.hash(crypto.randomBytes(16).toString('hex'));
    const target = hash ?? (await this.dummy);
    const ok = await this.gate.run(() => argon2.verify(target, password).catch(() => false));
    return ok && hash !== undefined;
  }
}

/** 256 random bits, URL-safe. */
export function newSessionToken(): { token: string; hash: Buffer } {
  const token = crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashSessionToken(token) };
}

export const hashSessionToken = (token: string): Buffer => crypto.createHash('sha256').update(token).digest();
