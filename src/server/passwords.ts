// Password hashing with argon2id and opaque session tokens, stored only as hashes.
import crypto from 'node:crypto';
import argon2 from 'argon2';
import { ParleyError } from '../shared/errors.js';
import { Semaphore } from './semaphore.js';

/** OWASP's minimum for argon2id (m=19 MiB, t=2, p=1); the parameters are kept inside each hash. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** What the hashing line has done, for tests and operators: argon2 runs begun, refusals, the longest line seen. */
interface HashStats {
  verifications: number;
  hashes: number;
  /** Hashes and verifications refused with SERVER_BUSY because the line was full. */
  busy: number;
  /** The most hashes running and waiting at once, counting the one just admitted. */
  peakLoad: number;
}

export class Passwords {
  private readonly gate: Semaphore;
  private dummy: Promise<string> | undefined;
  /** A running average of one argon2 run, for the retry-after of a refusal. */
  private averageMs = 100;
  readonly stats: HashStats = { verifications: 0, hashes: 0, busy: 0, peakLoad: 0 };

  /**
   * @param maxConcurrent argon2 runs at once (each takes 19 MiB and a core while it runs)
   * @param maxQueued runs that may wait for a turn; past it, SERVER_BUSY, so a flood cannot make everyone else's login wait
   */
  constructor(
    private readonly maxConcurrent: number,
    maxQueued = Infinity,
  ) {
    this.gate = new Semaphore(maxConcurrent, maxQueued);
  }

  hash(password: string): Promise<string> {
    return this.admit('hashes', () => argon2.hash(password, ARGON2_OPTIONS));
  }

  /** Verifies against the stored hash; without one, spends the same time on a dummy so timing does not reveal unknown usernames. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    this.dummy ??= argon2.hash(crypto.randomBytes(16).toString('hex'), ARGON2_OPTIONS);
    const target = hash ?? (await this.dummy);
    const ok = await this.admit('verifications', () => argon2.verify(target, password).catch(() => false));
    return ok && hash !== undefined;
  }

  private admit<T>(kind: 'hashes' | 'verifications', task: () => Promise<T>): Promise<T> {
    const run = this.gate.tryRun(async () => {
      const started = performance.now();
      try {
        return await task();
      } finally {
        this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      }
    });
    if (!run) {
      this.stats.busy++;
      const retryAfterMs = Math.max(100, Math.ceil((this.gate.load / this.maxConcurrent) * this.averageMs));
      throw new ParleyError('SERVER_BUSY', `The server is busy checking other people's passwords. Try again in ${Math.ceil(retryAfterMs / 1000)} second(s).`, {
        retryAfterMs,
      });
    }
    this.stats[kind]++;
    this.stats.peakLoad = Math.max(this.stats.peakLoad, this.gate.load);
    return run;
  }
}

/** 256 random bits, URL-safe. */
export function newSessionToken(): { token: string; hash: Buffer } {
  const token = crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashSessionToken(token) };
}

export const hashSessionToken = (token: string): Buffer => crypto.createHash('sha256').update(token).digest();
