// Rate limits for failed logins, registrations, prelogins and messages, on rate-limiter-flexible so the counters can move to Redis.
import { BurstyRateLimiter, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ParleyError } from '../../shared/errors.js';
import { addressKey } from '../http/address.js';
import { type LimiterFactory, memoryLimiters } from './limiter-factory.js';
import { OneAtATime } from './one-at-a-time.js';
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
  /** `prelogin` requests one address may make per minute; 0 = off. */
  preloginsPerMinute: number;
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
  preloginsPerMinute: 60,
  messagesPerSecond: 5,
  messageBurstPerMinute: 30,
  ...DEFAULT_REQUEST_LIMITS,
};

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

/** Password checks one account or address may have waiting behind its running one; past it, SERVER_BUSY. */
const MAX_WAITING_CHECKS = 32;

const tooManyFailures = (ms: number) => `Too many failed logins. Try again in ${minutes(ms)} minute(s).`;

export class RateLimits {
  private readonly account: RateLimiterAbstract | null;
  private readonly address: RateLimiterAbstract | null;
  private readonly registrations: RateLimiterAbstract | null;
  private readonly prelogins: RateLimiterAbstract | null;
  private readonly messages: Limiter | null;
  /** One password check at a time per account and per address (keys `account:`, `address:`, `register:`). */
  readonly checks = new OneAtATime(MAX_WAITING_CHECKS);
  /** One promise chain per user, so a user's sends leave the limiter in the order they arrived. */
  private readonly messageQueues = new Map<number, Promise<unknown>>();

  constructor(config: RateLimitConfig | false, factory: LimiterFactory = memoryLimiters) {
    const c = config || {
      ...DEFAULT_RATE_LIMITS,
      loginFailuresPerAccount: 0,
      loginFailuresPerAddress: 0,
      registrationsPerHour: 0,
      preloginsPerMinute: 0,
      messagesPerSecond: 0,
    };
    const window = Math.ceil(c.loginWindowMs / 1000);
    this.account = c.loginFailuresPerAccount > 0 ? factory({ keyPrefix: 'login-account', points: c.loginFailuresPerAccount, duration: window }) : null;
    this.address = c.loginFailuresPerAddress > 0 ? factory({ keyPrefix: 'login-address', points: c.loginFailuresPerAddress, duration: window }) : null;
    this.registrations = c.registrationsPerHour > 0 ? factory({ keyPrefix: 'register', points: c.registrationsPerHour, duration: 3600 }) : null;
    this.prelogins = c.preloginsPerMinute > 0 ? factory({ keyPrefix: 'prelogin', points: c.preloginsPerMinute, duration: 60 }) : null;
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
   * One password check (login, changePassword, resetKeys) under the failed-login limits. A point is taken
   * from the account's and the address's budgets before the check, so a burst sent at once cannot all reach
   * argon2 before the first failure is counted; the check then waits for the account's and the address's
   * previous one to finish. `check` answers undefined for a wrong password: the points stay taken. On
   * success they come back (`clear` also forgets the account's earlier failures: a person who mistyped a
   * few times is not held back later); when the check itself fails (SERVER_BUSY, a store error) too.
   * The same words whether the account exists or not, and the account counter runs for unknown names too.
   */
  async passwordCheck<T>(username: string, address: string | null, check: () => Promise<T | undefined>, success: 'clear' | 'refund'): Promise<T | undefined> {
    const where = addressKey(address);
    const { account, address: byAddress } = this;
    await account?.consume(username).catch((error: unknown) => limited(error, tooManyFailures));
    await byAddress?.consume(where).catch(async (error: unknown) => {
      await account?.reward(username, 1);
      limited(error, tooManyFailures);
    });
    const giveBack = async () => {
      await Promise.all([account?.reward(username, 1), byAddress?.reward(where, 1)]);
    };
    const keys = [...(account ? [`account:${username}`] : []), ...(byAddress ? [`address:${where}`] : [])];
    let result: T | undefined;
    try {
      result = keys.length > 0 ? await this.checks.run(keys, check) : await check();
    } catch (error) {
      await giveBack();
      throw error;
    }
    if (result === undefined) return undefined;
    if (success === 'clear') await Promise.all([account?.delete(username), byAddress?.reward(where, 1)]);
    else await giveBack();
    return result;
  }

  /**
   * Counts a registration from this address before `create` runs (one at a time per address); an attempt
   * that throws (name taken, server busy) created nothing and gets its point back.
   */
  async register<T>(address: string | null, create: () => Promise<T>): Promise<T> {
    const key = addressKey(address);
    const registrations = this.registrations;
    if (!registrations) return create();
    await registrations.consume(key).catch((error: unknown) =>
      limited(error, (ms) => `Too many new accounts from your address. Try again in ${minutes(ms)} minute(s).`),
    );
    try {
      return await this.checks.run([`register:${key}`], create);
    } catch (error) {
      await registrations.reward(key, 1);
      throw error;
    }
  }

  /** Counts a prelogin: cheap for the server, but it would let one address walk through usernames at full speed. */
  async prelogin(address: string | null): Promise<void> {
    await this.prelogins
      ?.consume(addressKey(address))
      .catch((error: unknown) => limited(error, (ms) => `Too many sign-in lookups from your address. Try again in ${Math.ceil(ms / 1000)} second(s).`));
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
