// Request limits past the login and message ones: frames per connection, typing hints and key epochs per user.
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ParleyError } from '../../shared/errors.js';
import { type LimiterFactory, memoryLimiters } from './limiter-factory.js';

export interface RequestLimitConfig {
  /** Frames one WebSocket connection may send per second; past it the connection is closed (1008). 0 = off. */
  requestsPerSecond: number;
  /** `typing` hints one user may send per minute, over all their devices; 0 = off. */
  typingPerMinute: number;
  /** Key epochs (`addEpoch`) one user may add per hour; 0 = off. */
  epochsPerHour: number;
  /** Groups created and membership changes (`createGroup`, `changeGroup`) one user may make per hour; 0 = off. */
  groupChangesPerHour: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimitConfig = {
  // A client sends a frame or two per conversation when it connects and then about one per action (messages
  // are limited to 5 a second): a client far past this limit is flooding the server, not chatting.
  requestsPerSecond: 1_000,
  // The SDK sends one hint per conversation every 3 s while the user types: 20 a minute in one conversation.
  typingPerMinute: 60,
  epochsPerHour: 60,
  groupChangesPerHour: 120,
};

export const NO_REQUEST_LIMITS: RequestLimitConfig = { requestsPerSecond: 0, typingPerMinute: 0, epochsPerHour: 0, groupChangesPerHour: 0 };

function refuse(limiter: RateLimiterAbstract | null, key: string, message: string): Promise<void> | null {
  if (!limiter) return null;
  return limiter.consume(key).then(
    () => undefined,
    (error: unknown) => {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfterMs = Math.max(1, Math.ceil(error.msBeforeNext));
      throw new ParleyError('RATE_LIMITED', message.replace('{s}', String(Math.ceil(retryAfterMs / 1000))), { retryAfterMs });
    },
  );
}

export class RequestLimits {
  /**
   * Always in this process: a connection lives on one node, so its counter has nothing to share. The
   * connection counts its frames in steps of `framesPerCount`, not one by one: a limiter call is a
   * promise, a result object and a timestamp, too much to pay for every message on the send path.
   */
  private readonly frames: RateLimiterMemory | null;
  /** A twentieth of the rate (at least 1), so a connection is stopped within 5 % past it; 0 when off. */
  readonly framesPerCount: number;
  private readonly typingHints: RateLimiterAbstract | null;
  private readonly epochs: RateLimiterAbstract | null;
  private readonly groupChanges: RateLimiterAbstract | null;

  /** Announced in hello, so clients can stay under it. */
  readonly requestsPerSecond: number;

  constructor(config: RequestLimitConfig, factory: LimiterFactory = memoryLimiters) {
    this.requestsPerSecond = config.requestsPerSecond;
    this.frames = config.requestsPerSecond > 0 ? new RateLimiterMemory({ keyPrefix: 'frames', points: config.requestsPerSecond, duration: 1 }) : null;
    this.framesPerCount = config.requestsPerSecond > 0 ? Math.max(1, Math.floor(config.requestsPerSecond / 20)) : 0;
    this.typingHints = config.typingPerMinute > 0 ? factory({ keyPrefix: 'typing', points: config.typingPerMinute, duration: 60 }) : null;
    this.epochs = config.epochsPerHour > 0 ? factory({ keyPrefix: 'epochs', points: config.epochsPerHour, duration: 3600 }) : null;
    this.groupChanges = config.groupChangesPerHour > 0 ? factory({ keyPrefix: 'groups', points: config.groupChangesPerHour, duration: 3600 }) : null;
  }

  /** Counts `framesPerCount` frames of one connection; rejects with RATE_LIMITED once it is past its rate. */
  frameCount(connectionKey: string): Promise<void> {
    const frames = this.frames;
    if (!frames) return Promise.resolve();
    return frames.consume(connectionKey, this.framesPerCount).then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof RateLimiterRes)) throw error;
        throw new ParleyError('RATE_LIMITED', 'Too many requests on this connection; it is closed. Reconnect and slow down.', {
          retryAfterMs: Math.max(1, Math.ceil(error.msBeforeNext)),
        });
      },
    );
  }

  /** Null when typing hints are not limited. */
  typing(userId: number): Promise<void> | null {
    return refuse(this.typingHints, String(userId), 'Too many typing hints. Wait {s} second(s).');
  }

  /** Null when key epochs are not limited. */
  addEpoch(userId: number): Promise<void> | null {
    return refuse(this.epochs, String(userId), 'Too many new conversation keys. Wait {s} second(s).');
  }

  /** Null when group changes are not limited. */
  groupChange(userId: number): Promise<void> | null {
    return refuse(this.groupChanges, String(userId), 'Too many group changes. Wait {s} second(s).');
  }
}
