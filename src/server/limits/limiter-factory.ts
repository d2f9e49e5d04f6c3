// How every rate limit gets its counter: in this process by default, or shared between server nodes.
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Makes one limiter (duration in seconds, as rate-limiter-flexible counts). The default keeps counters in
 * this process; pass e.g. `(o) => new RateLimiterRedis({ storeClient: redis, ...o })` to share them
 * between several server nodes.
 */
export type LimiterFactory = (options: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract;

export const memoryLimiters: LimiterFactory = (options) => new RateLimiterMemory(options);
