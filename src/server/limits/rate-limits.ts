// Rate limits for failed logins, registrations and messages, on rate-limiter-flexible so the counters can move to Redis.
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ParleyError } from '../../shared/errors.js';
import { addressKey } from '../http/address.js';
import { DEFAULT_REQUEST_LIMITS, type RequestLimitConfig } from './request-limits.js';

/** With the request limits (request-limits.ts), so `rateLimits: false` switches every limit off. */
export interface RateLimitConfig extends RequestLimitConfig {
  /** Failed logins one username may have within `loginWindowMs` before logins to it are refused; 0 = off. */
  loginFailuresPerAccount: number;
  /** Failed logins one address (IPv6: its /64) may have within `loginWindowMs`; 0 = off. */
  loginFailuresPerAddress: number;
  loginWindowMs: number;
  /** Accounts one address may create per hour; 0 = off. */
  registrationsPerHour: number;
  /** Messages a user may send per second, sustained; 0 = off. */
  messagesPerSecond: number;
  /** Extra messages a user may send per minute on top of the sustained rate (a pasted block of lines). */
  messageBurstPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  loginFailuresPerAccount: 10,
  loginFailuresPerAddress: 30,
  loginWindowMs: 15 * 60_000,
  registrationsPerHour: 10,
  messagesPerSecond: 5,
  messageBurstPerMinute: 30,
  ...DEFAULT_REQUEST_LIMITS,
};

/**
 * Makes one limiter (duration in seconds, as rate-limiter-flexible counts). The default keeps counters in
 * this process; pass e.g. `(o) => new RateLimiterRedis({ storeClient: redis, ...o })` to share them
 * between several server nodes.
 */
export type LimiterFactory = (options: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract;

export const memoryLimiters: LimiterFactory = (options) => new RateLimiterMemory(options);

interface Limiter {
  consume(key: string): Promise<unknown>;
}

const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

/** Turns the library's rejection (a RateLimiterRes) into RATE_LIMITED; store failures pass through. */
function limited(error: unknown, message: (retryAfterMs: number) => string): never {
  if (error instanceof RateLimiterRes) {
    const retryAfterMs = Math.max(1, Math.ceil(error.msBeforeNext));
    throw new ParleyError('RATE_LIMITED', message(retryAfterMs), { retryAfterMs });
  }
  throw error;
}

export class RateLimits {
  private readonly account: RateLimiterAbstract | null;
  private readonly address: RateLimiterAbstract | null;
  private readonly registrations: RateLimiterAbstract | null;
  private readonly messages: Limiter | null;
  private readonly accountPoints: number;
  private readonly addressPoints: number;
  /** One promise chain per user, so a user's sends leave the limiter in the order they arrived. */
  private readonly messageQueues = new Map<number, Promise<unknown>>();

  constructor(config: RateLimitConfig | false, factory: LimiterFactory = memoryLimiters) {
    const c = config || { ...DEFAULT_RATE_LIMITS, loginFailuresPerAccount: 0, loginFailuresPerAddress: 0, registrationsPerHour: 0, messagesPerSecond: 0 };
    const window = Math.ceil(c.loginWindowMs / 1000);
    this.accountPoints = c.loginFailuresPerAccount;
    this.addressPoints = c.loginFailuresPerAddress;
    this.account = c.loginFailuresPerAccount > 0 ? factory({ keyPrefix: 'login-account', points: c.loginFailuresPerAccount, duration: window }) : null;
    this.address = c.loginFailuresPerAddress > 0 ? factory({ keyPrefix: 'login-address', points: c.loginFailuresPerAddress, duration: window }) : null;
    this.registrations = c.registrationsPerHour > 0 ? factory({ keyPrefix: 'register', points: c.registrationsPerHour, duration: 3600 }) : null;
    if (c.messagesPerSecond > 0) {
      const sustained = factory({ keyPrefix: 'messages', points: c.messagesPerSecond, duration: 1 });
      this.messages =
        c.messageBurstPerMinute > 0
          ? new BurstyRateLimiter(sustained, factory({ keyPrefix: 'messages-burst', points: c.messageBurstPerMinute, duration: 60 }))
          : sustained;
    } else {
      this.messages = null;
    }
  }

  /**
   * Refuses a login while the account or the address has used up its failures. The same words either
   * way, and the account counter runs for names that do not exist too, so nothing tells them apart.
   */
  async checkLogin(username: string, address: string | null): Promise<void> {
    const [byAccount, byAddress] = await Promise.all([
      this.account?.get(username),
      this.address?.get(addressKey(address)),
    ]);
    const waits = [
      byAccount && byAccount.consumedPoints >= this.accountPoints ? byAccount.msBeforeNext : 0,
      byAddress && byAddress.consumedPoints >= this.addressPoints ? byAddress.msBeforeNext : 0,
    ];
    const retryAfterMs = Math.ceil(Math.max(...waits));
    if (retryAfterMs > 0) {
      throw new ParleyError('RATE_LIMITED', `Too many failed logins. Try again in ${minutes(retryAfterMs)} minute(s).`, { retryAfterMs });
    }
  }

  async loginFailed(username: string, address: string | null): Promise<void> {
    // Reaching the limit here is expected: this attempt still gets AUTH_FAILED, the next one RATE_LIMITED.
    const ignoreLimit = (error: unknown) => {
      if (!(error instanceof RateLimiterRes)) throw error;
    };
    await Promise.all([this.account?.consume(username).catch(ignoreLimit), this.address?.consume(addressKey(address)).catch(ignoreLimit)]);
  }

  /** A correct password clears the account's failures (a person who mistyped a few times is not held back later). */
  async loginSucceeded(username: string): Promise<void> {
    await this.account?.delete(username);
  }

  /** Counts a registration from this address; the returned refund is for attempts that created nothing. */
  async register(address: string | null): Promise<() => Promise<void>> {
    const key = addressKey(address);
    const registrations = this.registrations;
    if (!registrations) return async () => undefined;
    await registrations.consume(key).catch((error: unknown) =>
      limited(error, (ms) => `Too many new accounts from your address. Try again in ${minutes(ms)} minute(s).`),
    );
    return async () => {
      await registrations.reward(key, 1);
    };
  }

  /**
   * Counts one message; null when message limits are off, so the send path then has no await at all.
   * Sends of one user are chained, so they reach the committer in arrival order whatever the store's latency.
   */
  message(userId: number): Promise<void> | null {
    const messages = this.messages;
    if (!messages) return null;
    const previous = this.messageQueues.get(userId) ?? Promise.resolve();
    const turn = previous.then(() =>
      messages.consume(String(userId)).then(
        () => undefined,
        (error: unknown) => limited(error, (ms) => `You are sending too fast. Wait ${Math.ceil(ms / 1000)} second(s).`),
      ),
    );
    const settled = turn.catch(() => undefined);
    this.messageQueues.set(userId, settled);
    void settled.then(() => {
      if (this.messageQueues.get(userId) === settled) this.messageQueues.delete(userId);
    });
    return turn;
  }
}
