// The hub of one node among several: frames for a user reach their connections on every node through Redis pub/sub.
//
// Each node subscribes to the channel of every user connected to it (parley:user:ID) while they are, and every frame
// the hub hands a user here is also published there, so the nodes holding that user's other connections pass it on.
// Redis carries hints only: PostgreSQL is the log of record, and a frame lost on the way (Redis restarting, a node
// dying) is a message the client fetches with its next sync, by cursor. Ending sessions works the same way: the other
// nodes are told the user's sessions changed, and close each local connection whose session the store no longer has.
//
// Presence is shared the same way (./presence.ts keeps who is connected where in Redis): a node tells a user's contacts
// they came online only when a Redis script says they were offline on every node, and offline only when their last
// connection anywhere closed; a node that dies without a word has its users cleared by another within about 20 s.
// While Redis does not answer, each node falls back to what it sees itself, as a single server does.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { Hub, type HubClient, type OnlinePage, type OnlinePageOptions, type OnlineUser, presenceFrame } from '../hub.js';
import type { LimiterFactory } from '../limits/limiter-factory.js';
import { Semaphore } from '../semaphore.js';
import { withTimeout } from '../timeout.js';
import { ClusterPresence, HEARTBEAT_MS, type Person, type PresenceChange } from './presence.js';

/**
 * What travels on a user's channel: a frame to pass on, "this user's sessions ended, check yours", or "this user now
 * shares a conversation with user `link`" (so the nodes holding them tell that contact when they come and go).
 */
type Note =
  | { node: string; frame: string }
  | { node: string; sessionsEnded: { code: number; reason: string } }
  | { node: string; link: number };

/** How many contact lists of users not connected here (a dead node's) are loaded at once, so a sweep does not flood the store. */
const CONTACT_LOADS = 8;
/** How long a closing node waits for Redis to take its last presence changes. */
const CLOSE_TIMEOUT_MS = 3_000;

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
  private readonly presence: ClusterPresence;
  /** Per user, the tail of their presence announcements from this node, so they go out in the order Redis decided. */
  private readonly announcing = new Map<number, Promise<void>>();
  private readonly contactLoads = new Semaphore(CONTACT_LOADS);
  private heartbeat: NodeJS.Timeout | undefined;
  private beating = false;

  private constructor(
    private readonly options: RedisHubOptions,
    pub: Redis,
    sub: Redis,
  ) {
    super(options.loadContacts, options.onLoadError);
    this.pub = pub;
    this.sub = sub;
    this.prefix = options.prefix ?? 'parley:';
    this.presence = new ClusterPresence(pub, this.prefix, this.node);
    this.sub.on('message', (channel: string, payload: string) => this.received(channel, payload));
    // The first `ready` came before the hub existed: this one follows an outage, during which changes were missed.
    this.pub.on('ready', () => void this.resync().catch(this.options.onError));
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
    const hub = new RedisHub(options, pub, sub);
    await hub.beat();
    hub.heartbeat = setInterval(() => void hub.beat(), HEARTBEAT_MS).unref();
    return hub;
  }

  private channel(userId: number): string {
    return `${this.prefix}user:${userId}`;
  }

  override add(client: HubClient): boolean {
    const first = super.add(client);
    if (first) this.sub.subscribe(this.channel(client.userId)).catch(this.options.onError);
    this.record(client, this.localUser(client.userId), { cameOnline: first, wentOffline: false });
    return first;
  }

  override remove(client: HubClient): boolean {
    const user = this.localUser(client.userId);
    if (!user?.clients.has(client)) return false;
    const last = super.remove(client);
    if (last) this.sub.unsubscribe(this.channel(client.userId)).catch(this.options.onError);
    this.record(client, user, { cameOnline: false, wentOffline: last });
    return last;
  }

  /** Contacts hear of comings and goings from `record`, which knows about the other nodes; the user's connections still get their contacts' presence. */
  protected override cameHere(user: OnlineUser): void {
    for (const client of user.clients) this.sendContactsPresence(user, client);
  }

  protected override leftHere(): void {}

  /** Hands one connection the presence of the user's contacts online on any node (this one's alone while Redis fails). */
  protected override sendContactsPresence(user: OnlineUser, client: HubClient): void {
    void this.ask(
      async () => {
        for (const name of await this.presence.onlineNames([...user.contacts])) client.send(presenceFrame(name, true));
      },
      () => super.sendContactsPresence(user, client),
    );
  }

  /** Redis's answer, or (when Redis is down or fails) `fallback`'s: what this node alone would say. */
  private ask<T>(question: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (this.pub.status !== 'ready') return Promise.resolve(fallback());
    return question().catch((error: unknown) => {
      this.options.onError(error);
      return fallback();
    });
  }

  /**
   * Tells Redis the user's connections here now (`entry`'s, none without one), and their contacts when that made them
   * come online or go offline everywhere. `local` is what this node alone would say, used while Redis fails.
   */
  private record({ userId, username }: Person, entry: OnlineUser | undefined, local: PresenceChange): void {
    // Copied now: a connection forgets its user once it has logged out.
    const user: Person = { userId, username };
    const sessions = new Map<number, number>();
    for (const client of entry?.clients ?? []) sessions.set(client.sessionId, (sessions.get(client.sessionId) ?? 0) + 1);
    // Sent now, not when the queue reaches it: Redis must see a user's changes in the order they happened here.
    const change = this.ask(() => this.presence.set(user, sessions), () => local);
    this.queue(user.userId, async () => {
      const { cameOnline, wentOffline } = await change;
      if (cameOnline || wentOffline) await this.announce(user, cameOnline, entry);
    });
  }

  /** Tells the user's contacts, on every node, that the user came online or went offline. */
  private async announce(user: Person, online: boolean, entry?: OnlineUser): Promise<void> {
    let contacts: Iterable<number>;
    if (entry) {
      await entry.contactsLoading;
      contacts = entry.contacts;
    } else {
      contacts = await this.contactLoads.run(() => this.loadContacts(user.userId));
    }
    const frame = presenceFrame(user.username, online);
    for (const id of contacts) if (id !== user.userId) this.sendToUser(id, frame);
  }

  /** Runs the user's presence tasks one after another; a failed one is reported and the next goes on. */
  private queue(userId: number, task: () => Promise<void>): void {
    const tail = (this.announcing.get(userId) ?? Promise.resolve()).then(task).catch((error: unknown) => this.options.onError(error));
    this.announcing.set(userId, tail);
    void tail.then(() => {
      if (this.announcing.get(userId) === tail) this.announcing.delete(userId);
    });
  }

  /**
   * Every few seconds: refreshes this node's key, records its connections again if it had been cleared as dead, and
   * clears the entries of the nodes whose key lapsed, telling the contacts of the users now offline everywhere.
   */
  private async beat(): Promise<void> {
    if (this.beating || this.pub.status !== 'ready') return;
    this.beating = true;
    try {
      if (await this.presence.heartbeat()) await this.resync();
      for (const node of await this.presence.deadNodes()) this.announceGone(await this.presence.sweep(node));
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.beating = false;
    }
  }

  /**
   * Makes Redis say again what this node holds, after it missed changes (Redis was down, or this node was cleared as
   * dead): users recorded here who left meanwhile are taken out, and every connected user is recorded again.
   */
  private async resync(): Promise<void> {
    for (const user of await this.presence.recordedUsers()) {
      if (!this.localUser(user.userId)) this.record(user, undefined, { cameOnline: false, wentOffline: false });
    }
    for (const user of this.localUsers()) this.record(user, user, { cameOnline: false, wentOffline: false });
  }

  private announceGone(gone: readonly Person[]): void {
    for (const user of gone) this.queue(user.userId, () => this.announce(user, false));
  }

  override async isOnline(userId: number): Promise<boolean> {
    if (await super.isOnline(userId)) return true;
    return this.ask(
      () => this.presence.isOnline(userId),
      () => false,
    );
  }

  override async onlinePage(options: OnlinePageOptions): Promise<OnlinePage> {
    return this.ask(
      () => this.presence.page(options),
      () => super.onlinePage(options),
    );
  }

  override async connectedSessions(userId: number): Promise<Set<number>> {
    const here = await super.connectedSessions(userId);
    const anywhere = await this.ask(
      () => this.presence.sessions(userId),
      () => new Set<number>(),
    );
    return new Set([...here, ...anywhere]);
  }

  /**
   * Two users now share a conversation. The other nodes holding either are told (a note on each one's channel); when
   * both are connected here the in-process hub tells each of the other, else this node does when both are online somewhere.
   */
  override link(userId: number, peerId: number): void {
    if (userId === peerId) return;
    const user = this.localUser(userId);
    const peer = this.localUser(peerId);
    const known = (user?.loaded === true && user.contacts.has(peerId)) || (peer?.loaded === true && peer.contacts.has(userId));
    super.link(userId, peerId);
    if (known) return;
    this.publish(userId, { node: this.node, link: peerId });
    this.publish(peerId, { node: this.node, link: userId });
    if (user && peer) return;
    void this.ask(
      async () => {
        const names = await this.presence.onlineNames([userId, peerId]);
        if (names.length < 2) return;
        const [userName, peerName] = names as [string, string];
        this.sendToUser(userId, presenceFrame(peerName, true));
        this.sendToUser(peerId, presenceFrame(userName, true));
      },
      () => undefined,
    );
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

  /** Stops the heartbeat, tells the contacts of this node's last users they left, and clears its entries. */
  override async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.sub.disconnect();
    const leaving = (async () => {
      await Promise.all(this.announcing.values());
      if (this.pub.status === 'ready') this.announceGone(await this.presence.leave());
      await Promise.all(this.announcing.values());
    })();
    await withTimeout(leaving, CLOSE_TIMEOUT_MS, `no answer from Redis within ${CLOSE_TIMEOUT_MS} ms`).catch(this.options.onError);
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
    if ('link' in note) {
      this.localUser(userId)?.contacts.add(note.link);
      return;
    }
    const { code, reason } = note.sessionsEnded;
    this.options.liveSessions(userId).then(
      (live) => super.closeSessions(userId, (sessionId) => !live.has(sessionId), code, reason),
      (error: unknown) => this.options.onError(error),
    );
  }
}
