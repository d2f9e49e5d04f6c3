// The unit tests' stand-in for a running server: real services on a SQLite file or a PostgreSQL schema of its own
// (describeStores runs a file's tests on both), fake connections, a settable clock.
// A handler is called directly with `handle`, as Connection would call it, minus the socket and the wire.
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect } from 'vitest';
import { encodePublicIdentity, generateIdentity, type Identity, KDF_DEFAULT, newSalt, sealIdentity, toBase64url } from '../../src/shared/crypto/index.js';
import { type ErrorCode, ParleyError } from '../../src/shared/errors.js';
import { ClientFrame, type KdfParams, type RequestOf, RESULTS, type ResultOf } from '../../src/shared/protocol.js';
import { defaultConfig, type ServerConfig } from '../../src/server/config.js';
import type { ConnectionView, Handler, HandledType, Services, Session } from '../../src/server/context.js';
import { Delivery } from '../../src/server/delivery/delivery.js';
import { OutputBatcher } from '../../src/server/delivery/output.js';
import { Hub, type HubClient } from '../../src/server/hub.js';
import { RateLimits } from '../../src/server/limits/rate-limits.js';
import { NO_REQUEST_LIMITS, RequestLimits } from '../../src/server/limits/request-limits.js';
import { VaultParts } from '../../src/server/limits/vault-parts.js';
import { createLogger, type Logger } from '../../src/server/log.js';
import { Metrics } from '../../src/server/metrics.js';
import { hashSessionToken, newSessionToken, Passwords } from '../../src/server/passwords.js';
import type { Store, UserKeys } from '../../src/server/store/store.js';
import { kindTitle, sqliteHarness, storeKinds, type StoreHarness, type StoreKind, type StoreSeries } from './store-kinds.js';
import { tempDir } from './temp.js';

/** The moment the fake clock starts at (ms). */
const START = 1_700_000_000_000;

/** What every test account's client sends as its password: a 43-character auth key, as a Parley client derives. */
export const AUTH_KEY = 'test-auth-key-0123456789abcdefghijklmnopqrs';

type Frame = Record<string, unknown> & { type: string };

/** A connection as handlers and the hub see it: its state, and every frame and close it was handed. */
export class FakeConnection implements ConnectionView, HubClient {
  session: Session | null = null;
  version: number | null = null;
  readonly frames: Frame[] = [];
  /** Set when the hub closed it (a session ended elsewhere). */
  closed: { code: number; reason: string } | null = null;
  /** Set when the handler asked to close it once its reply is sent. */
  closeAfter: { code: number; reason: string } | null = null;

  constructor(
    private readonly hub: Hub,
    private readonly vaultParts: VaultParts,
    readonly address: string | null,
    readonly log: Logger,
  ) {}

  get userId(): number {
    return this.session?.userId ?? 0;
  }
  get username(): string {
    return this.session?.username ?? '';
  }
  get sessionId(): number {
    return this.session?.sessionId ?? 0;
  }
  get client(): HubClient | null {
    return this.session ? this : null;
  }
  /** Joins the hub, as Connection does. */
  authenticate(session: Session): void {
    this.session = session;
    this.hub.add(this);
  }
  unauthenticate(): void {
    this.vaultParts.drop(this);
    if (!this.session) return;
    this.hub.remove(this);
    this.session = null;
  }
  closeAfterReply(code: number, reason: string): void {
    this.closeAfter = { code, reason };
  }
  send(frame: string): void {
    this.frames.push(JSON.parse(frame) as Frame);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.unauthenticate();
  }
  /** The frames of one type it was handed, in order. */
  framesOf(type: string): Frame[] {
    return this.frames.filter((frame) => frame.type === type);
  }
}

/** A registered user, signed in on one connection. */
export interface Account {
  id: number;
  username: string;
  /** What the client sends as the password (the auth key for an account with keys). */
  password: string;
  token: string;
  session: Session;
  conn: FakeConnection;
  /** Key version 1's identity; undefined for an account made without end-to-end keys. */
  identity: Identity | undefined;
}

const hashes = new Map<string, Promise<string>>();
/** One argon2id hash per password for the whole test file: each costs tens of milliseconds. */
const hashOf = (password: string): Promise<string> => {
  let hash = hashes.get(password);
  if (!hash) hashes.set(password, (hash = new Passwords(1).hash(password)));
  return hash;
};

/** A kb1 bundle of the identity, sealed with some wrap key (the server never opens one). */
export const keyBundleOf = (identity: Identity, username: string): string => sealIdentity({ identity, username, wrapKey: crypto.randomBytes(32) });

/** A new identity at `keyVersion` and the key material a client registers (or resets to) with it. */
export function newKeys(username: string, keyVersion = 1, kdf: KdfParams = KDF_DEFAULT): { identity: Identity; keys: UserKeys } {
  const identity = generateIdentity(keyVersion);
  return {
    identity,
    keys: { salt: toBase64url(newSalt()), kdf: { ...kdf }, publicIdentity: encodePublicIdentity(identity, username), keyBundle: keyBundleOf(identity, username) },
  };
}

/** The request as a client sends it, without the id: checked against the protocol's schema, as Connection does. */
type Fields<T extends HandledType> = Omit<RequestOf<T>, 'id'>;

export class HandlerHarness {
  readonly store: Store;
  /** Raw SQL on the store's database, and a way to make its commits fail. */
  readonly db: StoreHarness;
  readonly services: Services;
  readonly hub: Hub;
  readonly clock = { now: START };
  /** Every log line written, as text. */
  readonly logs: string[] = [];
  /** Messages stored by `conversation`: each gets its own clientMsgId (a sender's repeated id is a resend). */
  private sent = 0;

  constructor(overrides: Partial<ServerConfig> = {}, db: StoreHarness = sqliteHarness()) {
    const dataDir = tempDir('parley-unit-');
    // As the test servers: no rate limits unless a test turns them on, end-to-end keys required as by default.
    const config = defaultConfig({ dataDir, host: '127.0.0.1', port: 0, rateLimits: false, ...overrides });
    this.db = db;
    this.store = db.store;
    const store = this.store;
    this.hub = new Hub((userId) => store.contactIds(userId));
    const metrics = new Metrics(() => 0);
    const rateLimits = new RateLimits(config.rateLimits);
    const now = () => this.clock.now;
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.logs.push(...chunk.toString().split('\n').filter(Boolean));
        callback();
      },
    });
    this.services = {
      config,
      store,
      hub: this.hub,
      passwords: new Passwords(2),
      delivery: new Delivery({ store, config, hub: this.hub, rateLimits, metrics: metrics.delivery, now, onError: () => undefined }),
      output: new OutputBatcher(),
      rateLimits,
      requestLimits: new RequestLimits(config.rateLimits || NO_REQUEST_LIMITS),
      metrics,
      vaultParts: new VaultParts(),
      log: createLogger({ level: 'debug', destination }),
      now,
    };
  }

  /** A logged-out connection from `address`. */
  connection(address: string | null = '192.0.2.1'): FakeConnection {
    return new FakeConnection(this.hub, this.services.vaultParts, address, this.services.log.child({ address }));
  }

  /**
   * A registered user signed in on a fresh connection: with end-to-end keys (key version 1) unless `keys`
   * is false. Made through the store, not the register handler, so it costs one argon2 run per file.
   */
  async account(username: string, options: { keys?: boolean; password?: string; kdf?: KdfParams } = {}): Promise<Account> {
    const withKeys = options.keys ?? true;
    const password = options.password ?? AUTH_KEY;
    const made = withKeys ? newKeys(username, 1, options.kdf) : undefined;
    const identity = made?.identity;
    const keys = made?.keys;
    const { token, hash } = newSessionToken();
    const { user, session } = await this.store.register({
      username,
      passwordHash: await hashOf(password),
      now: this.clock.now,
      keys,
      session: { tokenHash: hash, device: 'first device', address: '192.0.2.1' },
    });
    const conn = this.connection();
    const signedIn = { userId: user.id, username, sessionId: session.id };
    conn.authenticate(signedIn);
    return { id: user.id, username, password, token, session: signedIn, conn, identity };
  }

  /** The account signed in once more: a new session (another device) on its own connection. */
  async anotherDevice(account: Account, device = 'second device'): Promise<{ token: string; session: Session; conn: FakeConnection }> {
    const { token, hash } = newSessionToken();
    const row = await this.store.createSession({ userId: account.id, tokenHash: hash, device, address: '192.0.2.2', now: this.clock.now });
    const session = { userId: account.id, username: account.username, sessionId: row.id };
    const conn = this.connection('192.0.2.2');
    conn.authenticate(session);
    return { token, session, conn };
  }

  /** The direct conversation of two accounts, with these bodies sent alternately from `a` and `b`; its id. */
  async conversation(a: Account, b: Account, bodies: readonly string[] = []): Promise<number> {
    const id = await this.store.openDirect(a.id, b.id, this.clock.now);
    for (const [i, body] of bodies.entries()) {
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
      await this.store.appendMessages([{ senderId: from.id, from: from.username, to: to.username, clientMsgId: `m-${this.sent++}`, body, ts: this.clock.now + i }]);
    }
    this.hub.link(a.id, b.id);
    return id;
  }

  /** alice and bob, signed in, in a direct conversation with these messages (`id`), and carol, signed in, outside it. */
  async twoAndAnOutsider(bodies: readonly string[] = []): Promise<{ alice: Account; bob: Account; carol: Account; id: number }> {
    const alice = await this.account('alice');
    const bob = await this.account('bob');
    const carol = await this.account('carol');
    return { alice, bob, carol, id: await this.conversation(alice, bob, bodies) };
  }

  /**
   * Answers one request as Connection would: the frame must pass the protocol's schema, and what the handler
   * queued to follow the reply runs once it succeeded (on a refusal it is dropped, as on the wire).
   */
  async handle<T extends HandledType>(handler: Handler<T>, request: Fields<T>, conn: FakeConnection): Promise<ResultOf<T>> {
    const frame = ClientFrame.parse({ id: 1, ...request });
    const after: (() => void)[] = [];
    const result = await handler.handle(frame as RequestOf<T>, { services: this.services, conn, afterReply: (task) => after.push(task) });
    // The reply must have the shape the protocol promises the client.
    const schema: { parse(value: unknown): unknown } = RESULTS[frame.type];
    schema.parse(result);
    for (const task of after) task();
    return result;
  }

  /** Expects the request to be refused with `code` and to leave every table as it was; returns the error. */
  async refuses(code: ErrorCode, request: () => Promise<unknown>): Promise<ParleyError> {
    const before = await this.rows();
    const error = await request().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error, `expected ${code}`).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe(code);
    expect(await this.rows(), 'a refused request writes nothing').toEqual(before);
    return error as ParleyError;
  }

  /**
   * Makes a race certain: `meanwhile` (a write from another device or member) runs just before the handler's
   * next call of the store's `method`, after every check the handler made before it.
   */
  raceBefore(method: keyof Store, meanwhile: () => Promise<unknown>): void {
    let pending = true;
    this.services.store = new Proxy(this.store, {
      get: (target, name) => {
        const value = Reflect.get(target, name) as unknown;
        if (typeof value !== 'function') return value;
        const call = value as (...args: unknown[]) => unknown;
        if (name !== method || !pending) return call.bind(target);
        return async (...args: unknown[]) => {
          pending = false;
          await meanwhile();
          return call.apply(target, args);
        };
      },
    });
  }

  /** Every row of every table: compared before and after a request that must write nothing. */
  rows(): Promise<Record<string, unknown[]>> {
    return this.db.rows();
  }

  /** The session a token names in the store, if it still exists. */
  sessionOfToken(token: string) {
    return this.store.findSessionByTokenHash(hashSessionToken(token));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** Lets the hub's contact loads and other promise chains finish. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A fresh harness for each test of the block (closed after it), with these settings, on SQLite or on a store of
 * `kind`'s series (describeStores calls it inside each kind's describe block); call the result inside a test.
 */
export function harnessPerTest(overrides: Partial<ServerConfig> = {}, kind?: StoreKind): () => HandlerHarness {
  let harness: HandlerHarness | undefined;
  // One PostgreSQL schema for the block's tests, emptied before each (store-kinds.ts).
  let series: StoreSeries | undefined;
  beforeEach(async () => {
    series ??= kind?.series();
    harness = new HandlerHarness(overrides, series ? await series.next() : sqliteHarness());
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  afterAll(async () => {
    await series?.close();
    series = undefined;
  });
  return () => {
    if (!harness) throw new Error('harnessPerTest: call the harness inside a test');
    return harness;
  };
}

/**
 * A handler test file's tests on each store: a describe block per kind (PostgreSQL's skipped with the reason when it
 * cannot be reached), with a harness per test on that kind and these settings. A block inside that needs other
 * settings makes its own with `harnessPerTest(overrides, kind)`. Await it at the top level of the file.
 */
export async function describeStores(body: (harness: () => HandlerHarness, kind: StoreKind) => void): Promise<void>;
export async function describeStores(overrides: Partial<ServerConfig>, body: (harness: () => HandlerHarness, kind: StoreKind) => void): Promise<void>;
export async function describeStores(
  first: Partial<ServerConfig> | ((harness: () => HandlerHarness, kind: StoreKind) => void),
  second?: (harness: () => HandlerHarness, kind: StoreKind) => void,
): Promise<void> {
  const [overrides, body] = typeof first === 'function' ? [{}, first] : [first, second!];
  for (const kind of await storeKinds()) {
    describe.skipIf(kind.skipped !== null)(kindTitle(kind), () => body(harnessPerTest(overrides, kind), kind));
  }
}
