// In-process fan-out: which sessions are connected for each user, presence among contacts, and pushing frames to them.
import { createRequire } from 'node:module';
import type sortedBtree from 'sorted-btree';

// A CommonJS module with an `exports.default`: Node's ESM loader and vitest's disagree on what a default
// import of it is, so it is required, where `.default` is the class under both.
const BTree = (createRequire(import.meta.url)('sorted-btree') as typeof sortedBtree).default;

/** What the hub needs of a connection: an identity and a way to hand it an already-serialized frame. */
export interface HubClient {
  readonly userId: number;
  readonly username: string;
  readonly sessionId: number;
  send(frame: string): void;
  close(code: number, reason: string): void;
}

/** The users who share a conversation with `userId` (they see each other's presence). */
export type ContactLoader = (userId: number) => Promise<readonly number[]>;

/** One connected user: their live connections and, while connected, the ids of their contacts. */
export interface OnlineUser {
  readonly userId: number;
  readonly username: string;
  readonly clients: Set<HubClient>;
  readonly contacts: Set<number>;
  /** False until the contact list is loaded: nobody has been told this user is online before then. */
  loaded: boolean;
  /** Settles once the contact list is loaded (or failed to load), even when the user left meanwhile. */
  contactsLoading: Promise<void>;
}

/** One page of the active users: `next` is the cursor for the following page, when there is one. */
export interface OnlinePage {
  users: string[];
  next?: string;
  /** How many active users match the query (all of them without one). */
  total: number;
}

/** What the paged `online` request asks for: names after `after`, containing `query` when given, `limit` at most. */
export interface OnlinePageOptions {
  query?: string;
  after?: string;
  limit: number;
}

export const presenceFrame = (username: string, online: boolean): string => JSON.stringify({ type: 'presence', username, online });

export class Hub {
  private readonly byUser = new Map<number, OnlineUser>();
  /** The same users by name, sorted as JavaScript compares strings, for the paged `online` request. */
  private readonly byName = new BTree<string, OnlineUser>();

  /**
   * Presence goes to contacts only, so a user's contact ids are loaded once when they connect and kept
   * while they stay: each connect or disconnect costs a frame per online contact, never one per online user.
   */
  constructor(
    protected readonly loadContacts: ContactLoader = async () => [],
    protected readonly onLoadError: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * Joins the user's connections. The first one loads the contact list, then tells the online contacts
   * and hands every connection of the user their contacts' presence; a later one gets it at once.
   * Returns true when this is the user's first connected session (they just came online).
   */
  add(client: HubClient): boolean {
    const existing = this.byUser.get(client.userId);
    if (existing) {
      existing.clients.add(client);
      if (existing.loaded) this.sendContactsPresence(existing, client);
      return false;
    }
    const user: OnlineUser = {
      userId: client.userId,
      username: client.username,
      clients: new Set([client]),
      contacts: new Set(),
      loaded: false,
      contactsLoading: Promise.resolve(),
    };
    this.byUser.set(user.userId, user);
    this.byName.set(user.username, user);
    user.contactsLoading = this.loadContacts(user.userId).then(
      (ids) => this.contactsLoaded(user, ids),
      (error: unknown) => {
        this.onLoadError(error);
        this.contactsLoaded(user, []);
      },
    );
    return true;
  }

  /** Returns true when this was the user's last connected session (they just went offline). */
  remove(client: HubClient): boolean {
    const user = this.byUser.get(client.userId);
    if (!user?.clients.delete(client)) return false;
    if (user.clients.size > 0) return false;
    this.byUser.delete(user.userId);
    this.byName.delete(user.username);
    this.leftHere(user);
    return true;
  }

  /** The user's last connection here closed. Before the load no contact was told they came online, so none is told they left. */
  protected leftHere(user: OnlineUser): void {
    if (user.loaded) this.tellContacts(user, presenceFrame(user.username, false));
  }

  /** The user's contact list is loaded while they are still connected: tell the contacts, and hand the user theirs. */
  protected cameHere(user: OnlineUser): void {
    this.tellContacts(user, presenceFrame(user.username, true));
    for (const client of user.clients) this.sendContactsPresence(user, client);
  }

  /** The user's entry while they have a connection here. */
  protected localUser(userId: number): OnlineUser | undefined {
    return this.byUser.get(userId);
  }

  /** Every user with a connection here. */
  protected localUsers(): Iterable<OnlineUser> {
    return this.byUser.values();
  }

  /**
   * Two users now share a conversation (one was just opened, or a first message sent): from now on they
   * see each other's presence. Costs two set look-ups when they were contacts already.
   */
  link(userId: number, peerId: number): void {
    if (userId === peerId) return;
    const user = this.byUser.get(userId);
    const peer = this.byUser.get(peerId);
    const newForUser = user !== undefined && !user.contacts.has(peerId);
    const newForPeer = peer !== undefined && !peer.contacts.has(userId);
    if (newForUser) user.contacts.add(peerId);
    if (newForPeer) peer.contacts.add(userId);
    if (!user?.loaded || !peer?.loaded || !(newForUser || newForPeer)) return;
    this.sendToUser(userId, presenceFrame(peer.username, true));
    this.sendToUser(peerId, presenceFrame(user.username, true));
  }

  /** Async because a hub shared between nodes asks the others (through Redis). */
  async isOnline(userId: number): Promise<boolean> {
    return this.byUser.has(userId);
  }

  /**
   * A page of the active users, sorted: those after `after`, containing `query` (case sensitive) when
   * given. Counting the matches of a query reads every active name: a scan of memory, no store access.
   */
  async onlinePage(options: OnlinePageOptions): Promise<OnlinePage> {
    const { query, after, limit } = options;
    const matches = (name: string) => query === undefined || name.includes(query);
    const users: string[] = [];
    let more = false;
    const start = after === undefined ? this.byName.minKey() : this.byName.nextHigherKey(after);
    if (start !== undefined) {
      for (const name of this.byName.keys(start)) {
        if (!matches(name)) continue;
        if (users.length === limit) {
          more = true;
          break;
        }
        users.push(name);
      }
    }
    const total = query === undefined ? this.byName.size : this.countMatching(matches);
    const page: OnlinePage = { users, total };
    if (more) page.next = users[users.length - 1]!;
    return page;
  }

  private countMatching(matches: (name: string) => boolean): number {
    let count = 0;
    for (const name of this.byName.keys()) if (matches(name)) count++;
    return count;
  }

  /** The sessions of the user that have a live connection here. */
  async connectedSessions(userId: number): Promise<Set<number>> {
    return new Set([...(this.byUser.get(userId)?.clients ?? [])].map((client) => client.sessionId));
  }

  /** Closes the user's connections whose session ended elsewhere (revoked, password changed); returns how many. */
  closeSessions(userId: number, ended: (sessionId: number) => boolean, code: number, reason: string, except?: HubClient): number {
    let closed = 0;
    for (const client of [...(this.byUser.get(userId)?.clients ?? [])]) {
      if (client === except || !ended(client.sessionId)) continue;
      client.close(code, reason);
      closed++;
    }
    return closed;
  }

  /** Returns how many connections the frame was handed to. */
  sendToUser(userId: number, frame: string, except?: HubClient): number {
    const user = this.byUser.get(userId);
    if (!user) return 0;
    let sent = 0;
    for (const client of user.clients) {
      if (client === except) continue;
      client.send(frame);
      sent++;
    }
    return sent;
  }

  /** Lets go of what the hub holds outside this process (a RedisHub's connections); nothing for this one. */
  async close(): Promise<void> {}

  get connectedUsers(): number {
    return this.byUser.size;
  }

  private contactsLoaded(user: OnlineUser, ids: readonly number[]): void {
    for (const id of ids) if (id !== user.userId) user.contacts.add(id);
    user.loaded = true;
    // Gone again before the load finished: a later connect is a new entry with its own load.
    if (this.byUser.get(user.userId) === user) this.cameHere(user);
  }

  /** Hands one connection a presence event for each of the user's contacts who is online now. */
  protected sendContactsPresence(user: OnlineUser, client: HubClient): void {
    for (const id of user.contacts) {
      const contact = this.byUser.get(id);
      if (contact) client.send(presenceFrame(contact.username, true));
    }
  }

  /** The user's own other devices are not told: they know. */
  protected tellContacts(user: OnlineUser, frame: string): void {
    for (const id of user.contacts) this.sendToUser(id, frame);
  }
}
