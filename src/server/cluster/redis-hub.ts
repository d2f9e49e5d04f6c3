// The hub of one node among several: frames for a user reach their connections on every node through Redis pub/sub.
//
// Each node subscribes to the channel of every user connected to it (parley:user:ID) while they are, and every frame
// the hub hands a user here is also published there, so the nodes holding that user's other connections pass it on.
// Redis carries hints only: PostgreSQL is the log of record, and a frame lost on the way (Redis restarting, a node
// dying) is a message the client fetches with its next sync, by cursor. Ending sessions works the same way: the other
// nodes are told the user's sessions changed, and close each local connection whose session the store no longer has.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { Hub, type HubClient } from '../hub.js';
import type { LimiterFactory } from '../limits/limiter-factory.js';

/** What travels on a user's channel: a frame to pass on, or "this user's sessions ended, check yours". */
type Note = { node: string; frame: string } | { node: string; sessionsEnded: { code: number; reason: string } };

export interface RedisHubOptions {
  url: string;
  loadContacts?: (userId: number) => Promise<readonly number[]>;
  onLoadError?: (error: unknown) => void;
  /** The user's sessions that still exist (the store's answer), for ends announced by another node. */
  liveSessions(userId: number): Promise<ReadonlySet<number>>;
  /** Told when Redis fails or a note cannot be handled; delivery goes on, clients catch up by sync. */
  onError(error: unknown): void;
  /** Channel names start with this (tests give each run its own); "parley:" by default. */
  prefix?: string;
}

export class RedisHub extends Hub {
  /** This node's id on the channels: its own notes come back to it and are skipped. */
  readonly node = randomBytes(8).toString('hex');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;

  private constructor(
    private readonly options: RedisHubOptions,
    pub: Redis,
    sub: Redis,
  ) {
    super(options.loadContacts, options.onLoadError);
    this.pub = pub;
    this.sub = sub;
    this.prefix = options.prefix ?? 'parley:';
    this.sub.on('message', (channel: string, payload: string) => this.received(channel, payload));
  }

  /** Connects both Redis connections (publishing, subscribed) before the node takes any client. */
  static async connect(options: RedisHubOptions): Promise<RedisHub> {
    const connection = () => {
      const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
      redis.on('error', options.onError);
      return redis;
    };
    const pub = connection();
    const sub = connection();
    await Promise.all([pub.connect(), sub.connect()]);
    return new RedisHub(options, pub, sub);
  }

  private channel(userId: number): string {
    return `${this.prefix}user:${userId}`;
  }

  override add(client: HubClient): boolean {
    const first = super.add(client);
    if (first) this.sub.subscribe(this.channel(client.userId)).catch(this.options.onError);
    return first;
  }

  override remove(client: HubClient): boolean {
    const last = super.remove(client);
    if (last) this.sub.unsubscribe(this.channel(client.userId)).catch(this.options.onError);
    return last;
  }

  /** Hands the frame to the user's connections here, and to the nodes holding their others. */
  override sendToUser(userId: number, frame: string, except?: HubClient): number {
    this.publish(userId, { node: this.node, frame });
    return super.sendToUser(userId, frame, except);
  }

  override closeSessions(userId: number, ended: (sessionId: number) => boolean, code: number, reason: string, except?: HubClient): number {
    this.publish(userId, { node: this.node, sessionsEnded: { code, reason } });
    return super.closeSessions(userId, ended, code, reason, except);
  }

  /**
   * Rate-limit counters in Redis, so a limit holds however a user's or an address's requests spread over the
   * nodes. While Redis does not answer, each node counts in its own memory instead (the insurance limiter).
   */
  readonly limiters: LimiterFactory = (options) =>
    new RateLimiterRedis({
      storeClient: this.pub,
      ...options,
      keyPrefix: `${this.prefix}limit:${options.keyPrefix}`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });

  override async close(): Promise<void> {
    this.sub.disconnect();
    await this.pub.quit().catch(() => this.pub.disconnect());
  }

  private publish(userId: number, note: Note): void {
    this.pub.publish(this.channel(userId), JSON.stringify(note)).catch(this.options.onError);
  }

  private received(channel: string, payload: string): void {
    const userId = Number(channel.slice(`${this.prefix}user:`.length));
    let note: Note;
    try {
      note = JSON.parse(payload) as Note;
    } catch (error) {
      this.options.onError(error);
      return;
    }
    if (note.node === this.node || !Number.isInteger(userId)) return;
    if ('frame' in note) {
      super.sendToUser(userId, note.frame);
      return;
    }
    const { code, reason } = note.sessionsEnded;
    this.options.liveSessions(userId).then(
      (live) => super.closeSessions(userId, (sessionId) => !live.has(sessionId), code, reason),
      (error: unknown) => this.options.onError(error),
    );
  }
}
