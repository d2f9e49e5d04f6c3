// What a malicious server holds and makes: its own ordinary accounts' keys, forged identities, its own epoch keys, and a check of what it can read.
import { derive, registration } from '../../src/shared/client/e2e.js';
import { newClientMsgId } from '../../src/shared/client/ids.js';
import {
  decryptMessage,
  encodePublicIdentity,
  encryptMessage,
  envelopeHeader,
  fromBase64url,
  generateIdentity,
  membersHash,
  newEpochKey,
  openEpochKey,
  openIdentity,
  parsePublicIdentity,
  sealEpochKey,
  toBase64url,
  type Identity,
  type PublicIdentity,
} from '../../src/shared/crypto/index.js';
import type { Message } from '../../src/shared/protocol.js';
import { TestClient } from './client.js';
import { startMaliciousProxy, type Frame, type MaliciousProxy, type Seen } from './malicious-proxy.js';
import { startServer, type TestServer } from './server.js';

/** The fields every envelope starts with (conversationId u64 | epoch u32 | sender keyVersion u32, p1 or p2), or undefined. */
export { envelopeHeader };

/** An epoch key someone holds, with the hash of the member set it was sealed for (which p2 envelopes bind). */
interface HeldEpochKey {
  key: Uint8Array;
  membersHash?: Uint8Array;
}

/** An envelope someone sent through the proxy, with what binds it. */
interface SentEnvelope {
  from: string;
  to: string;
  clientMsgId: string;
  body: string;
}

/** Every `send` the clients wrote, as the server got it (before any hook). */
export function sentEnvelopes(seen: readonly Seen[]): SentEnvelope[] {
  return seen.flatMap(({ direction, link, frame }) =>
    direction === 'toServer' && frame.type === 'send' && link.username
      ? [{ from: link.username, to: String(frame.to), clientMsgId: String(frame.clientMsgId), body: String(frame.body) }]
      : [],
  );
}

/** Every sealed epoch key copy that passed the proxy: in `epochKeys` results, `epoch` events and `addEpoch` requests. */
function sealedCopies(seen: readonly Seen[]): { conversationId: number; epoch: number; creator: string; sealed: string }[] {
  const copies = [];
  for (const { link, frame } of seen) {
    if (frame.type === 'epoch') copies.push(frame as unknown as { conversationId: number; epoch: number; creator: string; sealed: string });
    const request = frame.type === 'ok' ? link.requestOf(frame) : undefined;
    if (request?.type === 'epochKeys') {
      const { epochs } = frame.result as { epochs: { epoch: number; creator: string; sealed: string }[] };
      for (const e of epochs) copies.push({ conversationId: Number(request.conversationId), ...e });
    }
    if (frame.type === 'addEpoch' && link.username) {
      for (const key of frame.keys as { sealed: string }[]) {
        copies.push({ conversationId: Number(frame.conversationId), epoch: Number(frame.epoch), creator: link.username, sealed: key.sealed });
      }
    }
  }
  return copies;
}

/** Keys someone holds: identities (under the names they claim) and epoch keys. */
export class KeyHolder {
  readonly identities: { name: string; identity: Identity }[] = [];
  readonly epochKeys: HeldEpochKey[] = [];
  /** Public identities as the real server has them, by username (fetched on the holder's own connection). */
  readonly #directory = new Map<string, PublicIdentity[]>();

  constructor(readonly connection: TestClient) {}

  close(): void {
    this.connection.close();
  }

  async publicIdentities(username: string): Promise<{ texts: string[]; parsed: PublicIdentity[] }> {
    const { identities } = await this.connection.request('identity', { type: 'identity', username });
    const parsed = identities.flatMap((text) => {
      const result = parsePublicIdentity(text, username);
      return result.ok ? [result.identity] : [];
    });
    this.#directory.set(username, parsed);
    return { texts: identities, parsed };
  }

  async publicIdentity(username: string): Promise<PublicIdentity> {
    const { parsed } = await this.publicIdentities(username);
    const newest = parsed.at(-1);
    if (!newest) throw new Error(`${username} has no keys`);
    return newest;
  }

  #lookup = (name: string, keyVersion: number): PublicIdentity | undefined =>
    this.#directory.get(name)?.find((p) => p.keyVersion === keyVersion) ??
    this.identities.map((h) => ({ username: h.name, keyVersion: h.identity.keyVersion, x25519: h.identity.x25519.publicKey, ed25519: h.identity.ed25519.publicKey })).find((p) => p.username === name && p.keyVersion === keyVersion);

  /**
   * The texts of `envelopes` this holder can decrypt: with every epoch key it made or holds, and every
   * sealed copy in `seen` that any of its identities opens. Empty is the only acceptable answer for an attacker.
   */
  async readable(envelopes: readonly SentEnvelope[], seen: readonly Seen[] = []): Promise<string[]> {
    const names = new Set([...envelopes.flatMap((e) => [e.from, e.to]), ...sealedCopies(seen).map((c) => c.creator)]);
    for (const name of names) if (!this.#directory.has(name)) await this.publicIdentities(name).catch(() => undefined);
    const keys = [...this.epochKeys];
    for (const copy of sealedCopies(seen)) {
      for (const { name, identity } of this.identities) {
        const opened = openEpochKey({ ...copy, me: identity, myName: name, creatorName: copy.creator, members: [...names, name], keys: this.#lookup });
        if (opened.ok) keys.push({ key: opened.epochKey, ...(opened.version === 2 ? { membersHash: opened.membersHash } : {}) });
      }
    }
    const read: string[] = [];
    for (const e of envelopes) {
      const header = envelopeHeader(e.body);
      if (!header) continue;
      for (const { key, membersHash: hash } of keys) {
        const result = decryptMessage({
          conversationId: header.conversationId,
          sender: e.from,
          clientMsgId: e.clientMsgId,
          body: e.body,
          epochKeys: () => key,
          membersHash: () => hash,
          keys: this.#lookup,
        });
        if (result.ok) {
          read.push(result.text);
          break;
        }
      }
    }
    return read;
  }
}

/** The server's own accounts and forgeries: ordinary accounts it registered, identities it made up, epoch keys it sealed. */
export class Attacker extends KeyHolder {
  constructor(
    connection: TestClient,
    readonly name: string,
    readonly identity: Identity,
  ) {
    super(connection);
    this.identities.push({ name, identity });
  }

  /** Registers `username` on the real server (directly, not through the proxy) as an ordinary account. */
  static async register(url: string, username: string): Promise<Attacker> {
    const connection = await TestClient.connect(url, { hello: false });
    const { realm } = await connection.request('hello', { type: 'hello', versions: [1] });
    const made = await registration(username, 'attacker-password-1', realm ?? '');
    await connection.request('register', { type: 'register', username, ...made.credentials });
    return new Attacker(connection, username, made.identity);
  }

  /** A self-signed public identity under someone else's name, at a key version of the attacker's choice. */
  forge(username: string, keyVersion: number): { identity: Identity; text: string } {
    const identity = generateIdentity(keyVersion);
    this.identities.push({ name: username, identity });
    return { identity, text: encodePublicIdentity(identity, username) };
  }

  /**
   * A fresh epoch key the attacker keeps, sealed (ek2) to each recipient's current keys. The member set it names
   * is `members` (default: the recipients and the claimed creator), at their published key versions, the claimed
   * creator at the forging identity's.
   */
  async sealEpoch(input: { conversationId: number; epoch: number; recipients: string[]; creatorName: string; creator: Identity; members?: string[] }) {
    const epochKey = newEpochKey();
    const names = [...new Set([...(input.members ?? input.recipients), input.creatorName])];
    const members = await Promise.all(
      names.map(async (username) => ({ username, keyVersion: username === input.creatorName ? input.creator.keyVersion : (await this.publicIdentity(username)).keyVersion })),
    );
    const hash = membersHash(members);
    this.epochKeys.push({ key: epochKey, membersHash: hash });
    const sealed: Record<string, string> = {};
    for (const name of input.recipients) {
      const recipient = await this.publicIdentity(name);
      sealed[name] = sealEpochKey({ epochKey, conversationId: input.conversationId, epoch: input.epoch, recipient, creator: input.creator, creatorName: input.creatorName, members });
    }
    return { epochKey, membersHash: hash, sealed };
  }

  /**
   * Attack A1: to `victim`, lists a made-up `contact` identity at `version` beside the real ones (in the order
   * `order` gives), answers the conversation's epoch keys with an epoch 2 of the attacker's own "from" that forgery,
   * and resolves a message signed by it at `seq`, for the caller to inject when it likes.
   */
  async impersonate(
    proxy: MaliciousProxy,
    input: { victim: string; contact: string; conversationId: number; seq: number; text: string; version?: number; order?: (forged: string, real: string[]) => string[] },
  ): Promise<Frame & { message: Message }> {
    const { victim, contact, conversationId } = input;
    const real = (await this.publicIdentities(contact)).texts;
    const forged = this.forge(contact, input.version ?? 7);
    const listed = (input.order ?? ((f, r) => [f, ...r]))(forged.text, real);
    proxy.onResult('identity', (result, request, link) => (link.username === victim && request.username === contact ? { ...result, identities: listed } : undefined));
    // The next epoch after the honest first one: the victim has no key for it yet and fetches it.
    const epoch = 2;
    const made = await this.sealEpoch({ conversationId, epoch, recipients: [victim], creatorName: contact, creator: forged.identity });
    proxy.onResult('epochKeys', (result, request, link) =>
      link.username === victim && request.conversationId === conversationId
        ? { epochs: [...(result.epochs as unknown[]), { epoch, creator: contact, sealed: made.sealed[victim] }] }
        : undefined,
    );
    return this.forgeMessage({ conversationId, seq: input.seq, from: contact, to: victim, epoch, epochKey: made.epochKey, membersHash: made.membersHash, identity: forged.identity, text: input.text });
  }

  /** Attack A4: the `message` push `victim` got for `clientMsgId`, again, at a new seq and cursor. */
  replay(proxy: MaliciousProxy, victim: string, clientMsgId: string, seq: number): Frame & { message: Message } {
    const pushed = proxy.seen.find(
      (s) => s.direction === 'toClient' && s.link.username === victim && s.frame.type === 'message' && (s.frame.message as Message).clientMsgId === clientMsgId,
    );
    if (!pushed) throw new Error(`${victim} never got ${clientMsgId}`);
    const message = pushed.frame.message as Message;
    return { type: 'message', message: { ...message, seq, cursor: message.cursor + 10 } };
  }

  /** A `message` event carrying an envelope the attacker made, signed by `identity` as `from`. */
  forgeMessage(input: {
    conversationId: number;
    seq: number;
    from: string;
    to: string;
    epoch: number;
    epochKey: Uint8Array;
    membersHash: Uint8Array;
    identity: Identity;
    text: string;
    cursor?: number;
  }): Frame & { message: Message } {
    const clientMsgId = newClientMsgId();
    const sealed = encryptMessage({
      conversationId: input.conversationId,
      sender: input.from,
      clientMsgId,
      text: input.text,
      epoch: input.epoch,
      epochKey: input.epochKey,
      membersHash: input.membersHash,
      identity: input.identity,
    });
    if (!sealed.ok) throw new Error(sealed.reason);
    return {
      type: 'message',
      message: { cursor: input.cursor ?? 1, conversationId: input.conversationId, seq: input.seq, from: input.from, to: input.to, clientMsgId, body: sealed.body, ts: Date.now() },
    };
  }
}

/**
 * Logs `username` in on its own connection straight to the server and opens
 * every epoch key it holds: everything a user (honest or not) can decrypt with.
 */
export async function holderOf(url: string, username: string, password: string): Promise<KeyHolder> {
  const connection = await TestClient.connect(url);
  const pre = await connection.request('prelogin', { type: 'prelogin', username });
  const keys = await derive(username, password, fromBase64url(pre.salt)!, pre.kdf, pre.realm);
  const result = await connection.request('login', { type: 'login', username, password: toBase64url(keys.authKey) });
  const opened = openIdentity({ bundle: result.keyBundle, username, wrapKey: keys.wrapKey });
  if (!opened.ok) throw new Error(`openIdentity: ${opened.reason}`);
  const identity = opened.identity;
  const holder = new KeyHolder(connection);
  holder.identities.push({ name: username, identity });
  const { conversations } = await connection.request('conversations', { type: 'conversations' });
  for (const c of conversations) {
    if (c.kind !== 'direct') continue;
    const { epochs } = await connection.request('epochKeys', { type: 'epochKeys', conversationId: c.id });
    for (const e of epochs) {
      const creator = await holder.publicIdentities(e.creator);
      const opened = openEpochKey({
        sealed: e.sealed,
        conversationId: c.id,
        epoch: e.epoch,
        me: identity,
        myName: username,
        creatorName: e.creator,
        members: [username, c.peer, e.creator],
        keys: (name, version) => creator.parsed.find((p) => p.username === name && p.keyVersion === version),
      });
      if (opened.ok) holder.epochKeys.push({ key: opened.epochKey, ...(opened.version === 2 ? { membersHash: opened.membersHash } : {}) });
    }
  }
  return holder;
}

export interface LyingServer {
  server: TestServer;
  proxy: MaliciousProxy;
  /** The server's own ordinary account, `mallory`, registered straight on the real server. */
  attacker: Attacker;
  close(): Promise<void>;
}

/** A real server that requires end-to-end encryption, the lying proxy in front of it, and the server's own account. */
export async function startLyingServer(): Promise<LyingServer> {
  const server = await startServer({ config: { allowUnencrypted: false } });
  const proxy = await startMaliciousProxy(server);
  const attacker = await Attacker.register(server.url, 'mallory');
  return {
    server,
    proxy,
    attacker,
    close: async () => {
      attacker.close();
      await proxy.close();
      await server.close();
    },
  };
}
