// Who is online on any node, in Redis: what RedisHub asks before it tells contacts someone came or went.
//
// Keys (PREFIX is the hub's, one per database):
//   PREFIX node:ID          this node is alive; a 15 s expiry refreshed every 5 s, so a SIGKILLed node's key lapses
//   PREFIX nodes            the ids of the nodes that registered (until a dead one's users are cleared), swept for
//                           those whose node:ID lapsed
//   PREFIX presence:USER    hash: "NODE:SESSION" → that session's connections on that node, and "@name" → the username;
//                           the key exists exactly while the user has a connection somewhere
//   PREFIX node-users:NODE  the ids of the users with a connection on that node, for clearing a dead node's entries
//   PREFIX online           sorted set of the online usernames, all with score 0: sorted by name for the paged `online`
// Each change is one Lua script, so two nodes never both decide a user came online (or went offline).
import type { ChainableCommander, Redis } from 'ioredis';
import type { OnlinePage, OnlinePageOptions } from '../hub.js';

/** What one change did to a user's presence across all nodes. */
export interface PresenceChange {
  cameOnline: boolean;
  wentOffline: boolean;
}

/** A user, as presence names them. */
export interface Person {
  userId: number;
  username: string;
}

/** How long a node's key lives without a refresh, and how often it is refreshed (and dead nodes looked for). */
export const NODE_TTL_MS = 15_000;
export const HEARTBEAT_MS = 5_000;

/** The field of a username in a presence hash: node ids are hex, so no session field starts with "@". */
const NAME = '@name';
/** How many of a dead node's users one script clears: a few milliseconds of Redis's time. */
const CLEAR_BATCH = 500;
/** How many online names one ZSCAN step asks Redis to look at. */
const SCAN_COUNT = 1_000;

// KEYS: presence:USER, node-users:NODE, online. ARGV: "NODE:", username, user id, then session id and connection count
// for each of the user's sessions connected to this node (none: the user left it). Replaces what the node had recorded
// for the user, so repeating it (after Redis lost it) does no harm. Returns 1 when the user came online everywhere, 2
// when they went offline everywhere, else 0.
const SET_USER = `
local before = redis.call('EXISTS', KEYS[1]) == 1
local mine = ARGV[1]
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, #mine) == mine then redis.call('HDEL', KEYS[1], field) end
end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], mine .. ARGV[i], ARGV[i + 1], '${NAME}', ARGV[2]) end
if #ARGV > 3 then redis.call('SADD', KEYS[2], ARGV[3]) else redis.call('SREM', KEYS[2], ARGV[3]) end
local after = redis.call('HLEN', KEYS[1]) > 1
if after then
  redis.call('ZADD', KEYS[3], 0, ARGV[2])
else
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[3], ARGV[2])
end
if after and not before then return 1 end
if before and not after then return 2 end
return 0`;

// KEYS: node:NODE, nodes, node-users:NODE, online. ARGV: node id, key prefix, 1 when the node is this one leaving,
// how many users at most. Clears a batch of a dead (or leaving) node's users, so Redis is never held for long; SPOP
// hands each user to one caller only, so nodes sweeping at once never both announce a user. Returns 1 when users remain
// to clear (else 0; also when the node turns out alive), then the users now offline everywhere: id, name, id, name…
// It reaches presence keys it is not handed in KEYS: fine on one Redis (what Parley runs on), not on a Redis Cluster.
const CLEAR_NODE = `
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  return {0}
end
local mine = ARGV[1] .. ':'
local result = {0}
for _, id in ipairs(redis.call('SPOP', KEYS[3], ARGV[4])) do
  local key = ARGV[2] .. 'presence:' .. id
  local name = redis.call('HGET', key, '${NAME}')
  local left = 0
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.sub(field, 1, #mine) == mine then
      redis.call('HDEL', key, field)
    elseif field ~= '${NAME}' then
      left = left + 1
    end
  end
  if name and left == 0 then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[4], name)
    table.insert(result, id)
    table.insert(result, name)
  end
end
if redis.call('SCARD', KEYS[3]) > 0 then
  result[1] = 1
else
  redis.call('SREM', KEYS[2], ARGV[1])
end
return result`;

type Script = (...args: (string | number)[]) => Promise<unknown>;

/** The replies of a pipeline or MULTI in order, or the first error one of them holds. */
async function replies(batch: ChainableCommander): Promise<unknown[]> {
  return ((await batch.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/** Redis glob patterns treat these as special; usernames have none of them, but a query is escaped all the same. */
const globEscaped = (text: string): string => text.replace(/[*?[\]\\^]/g, '\\$&');

export class ClusterPresence {
  private readonly setUser: Script;
  private readonly clearNode: Script;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** This node's id: hex, so it never contains the ":" that ends it in a session field. */
    readonly node: string,
  ) {
    this.setUser = this.script('parleySetUser', 3, SET_USER);
    this.clearNode = this.script('parleyClearNode', 4, CLEAR_NODE);
  }

  private script(name: string, keys: number, lua: string): Script {
    this.redis.defineCommand(name, { numberOfKeys: keys, lua });
    const commands = this.redis as unknown as Record<string, Script>;
    return (...args) => commands[name]!(...args);
  }

  private key(kind: 'node' | 'presence' | 'node-users', id: string | number): string {
    return `${this.prefix}${kind}:${id}`;
  }

  private get onlineKey(): string {
    return `${this.prefix}online`;
  }

  private get nodesKey(): string {
    return `${this.prefix}nodes`;
  }

  /** Records the user's connections on this node, by session (empty: none left); whether that made them come or go everywhere. */
  async set(user: Person, sessions: ReadonlyMap<number, number>): Promise<PresenceChange> {
    const keys = [this.key('presence', user.userId), this.key('node-users', this.node), this.onlineKey];
    const result = await this.setUser(...keys, `${this.node}:`, user.username, user.userId, ...[...sessions].flat());
    return { cameOnline: result === 1, wentOffline: result === 2 };
  }

  /** The users this node has recorded as connected to it, with their names ('' when their entry is gone already). */
  async recordedUsers(): Promise<Person[]> {
    const ids = (await this.redis.smembers(this.key('node-users', this.node))).map(Number);
    const names = await this.names(ids);
    return ids.map((userId, i) => ({ userId, username: names[i] ?? '' }));
  }

  /** For each user, their name while they are online on any node, else null. */
  private async names(userIds: readonly number[]): Promise<(string | null)[]> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.hget(this.key('presence', id), NAME);
    return (await replies(pipeline)).map((name) => (typeof name === 'string' ? name : null));
  }

  async isOnline(userId: number): Promise<boolean> {
    return (await this.redis.exists(this.key('presence', userId))) === 1;
  }

  /** The usernames of those of `userIds` online on any node. */
  async onlineNames(userIds: readonly number[]): Promise<string[]> {
    return (await this.names(userIds)).filter((name) => name !== null);
  }

  /** The user's sessions with a connection on any node. */
  async sessions(userId: number): Promise<Set<number>> {
    const fields = await this.redis.hkeys(this.key('presence', userId));
    return new Set(fields.filter((field) => field !== NAME).map((field) => Number(field.slice(field.indexOf(':') + 1))));
  }

  /** The same page the in-process hub gives, over the users online on every node. */
  async page({ query, after, limit }: OnlinePageOptions): Promise<OnlinePage> {
    const { users, more, total } = query === undefined ? await this.plainPage(after, limit) : await this.searchPage(query, after, limit);
    const page: OnlinePage = { users, total };
    if (more) page.next = users[users.length - 1]!;
    return page;
  }

  /** Without a query, a range of the sorted set: usernames are ASCII, so Redis's byte order is JavaScript's. */
  private async plainPage(after: string | undefined, limit: number): Promise<{ users: string[]; more: boolean; total: number }> {
    const [names, total] = (await replies(
      this.redis
        .multi()
        .zrangebylex(this.onlineKey, after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, limit + 1)
        .zcard(this.onlineKey),
    )) as [string[], number];
    return { users: names.slice(0, limit), more: names.length > limit, total };
  }

  /**
   * With a query, every match is counted anyway (the total), so one ZSCAN finds them all, Redis matching the
   * pattern (case sensitive, as the in-process hub). SCAN may repeat a name, never misses one present throughout.
   */
  private async searchPage(query: string, after: string | undefined, limit: number): Promise<{ users: string[]; more: boolean; total: number }> {
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(this.onlineKey, cursor, 'MATCH', `*${globEscaped(query)}*`, 'COUNT', SCAN_COUNT);
      for (let i = 0; i < flat.length; i += 2) found.add(flat[i]!);
      cursor = next;
    } while (cursor !== '0');
    const sorted = [...found].sort();
    const following = after === undefined ? sorted : sorted.filter((name) => name > after);
    return { users: following.slice(0, limit), more: following.length > limit, total: sorted.length };
  }

  /**
   * Refreshes this node's key; true when it had lapsed (or this is the first beat): other nodes may have cleared this
   * one's records meanwhile, so they must be made again.
   */
  async heartbeat(): Promise<boolean> {
    const key = this.key('node', this.node);
    const [existed] = await replies(this.redis.multi().exists(key).set(key, '1', 'PX', NODE_TTL_MS).sadd(this.nodesKey, this.node));
    return existed === 0;
  }

  /** The other nodes whose key lapsed: dead, or cut off from Redis for longer than the expiry. */
  async deadNodes(): Promise<string[]> {
    const others = (await this.redis.smembers(this.nodesKey)).filter((id) => id !== this.node);
    if (others.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of others) pipeline.exists(this.key('node', id));
    const replies = (await pipeline.exec()) ?? [];
    return others.filter((_, i) => replies[i]?.[1] === 0);
  }

  /**
   * Clears a dead node's records, batch by batch, unless it comes back; the users this call found offline everywhere
   * (another node sweeping at once reports the others).
   */
  sweep(node: string): Promise<Person[]> {
    return this.clear(node, false);
  }

  /** Clears this node's records (it is shutting down); the users now offline everywhere. */
  leave(): Promise<Person[]> {
    return this.clear(this.node, true);
  }

  private async clear(node: string, leaving: boolean): Promise<Person[]> {
    const keys = [this.key('node', node), this.nodesKey, this.key('node-users', node), this.onlineKey];
    const gone: Person[] = [];
    let more = true;
    while (more) {
      const [remaining, ...flat] = (await this.clearNode(...keys, node, this.prefix, leaving ? 1 : 0, CLEAR_BATCH)) as [number, ...string[]];
      for (let i = 0; i < flat.length; i += 2) gone.push({ userId: Number(flat[i]), username: flat[i + 1]! });
      more = remaining === 1;
    }
    return gone;
  }
}
