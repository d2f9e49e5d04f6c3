// Conversation keys: each conversation's members pinned when this client first sees it, and the epoch keys
// sealed to them, opened only when their creator and member set match the pins; new epochs when they do not.
import { membersHash, newEpochKey, openEpochKey, sealedEpochKeyHeader, sealEpochKey, type Member, type PublicIdentity } from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import type { SecurityEvent } from './e2e-text.js';
import type { IdentityPins, OwnIdentities } from './identity-pins.js';
import type { ServerSocket } from './server-socket.js';
import { readJson, STORAGE_KEYS, type StorageAdapter } from './storage.js';

/** One epoch key this client opened, with (ek2) the member set it was sealed to. */
interface EpochEntry {
  key: Uint8Array;
  version: 1 | 2;
  members?: Member[];
  membersHash?: Uint8Array;
}

/** "alice's device started …" (undefined: this user); the first key says the conversation is encrypted. */
const newEpochText = (creator: string | undefined, epoch: number): string =>
  `${creator === undefined ? 'Your device' : `${creator}'s device`} ${epoch === 1 ? 'made the conversation key: messages are end-to-end encrypted' : `started a new conversation key (key ${epoch})`}.`;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * One user's conversation keys. A conversation's members are pinned the first time this client sees it and
 * never changed; an epoch key opens only when its creator and member set match those pins.
 */
export class EpochKeys {
  readonly #own: OwnIdentities;
  readonly #pins: IdentityPins;
  readonly #storage: StorageAdapter;
  /** Conversation id → the usernames pinned as its members (persisted). */
  #members: Record<string, string[]>;
  /** The server database's generation the member pins belong to (conversation ids restart after a restore). */
  #generation: string | undefined;
  readonly #epochs = new Map<number, Map<number, EpochEntry>>();
  /** The highest epoch the server listed for a conversation, opened or not (a new one must go above it). */
  readonly #maxEpoch = new Map<number, number>();
  readonly #reported = new Set<string>();
  readonly #onSecurity: (event: Omit<SecurityEvent, 'id'>) => void;
  readonly #now: () => number;

  constructor(
    own: OwnIdentities,
    pins: IdentityPins,
    storage: StorageAdapter,
    onSecurity: (event: Omit<SecurityEvent, 'id'>) => void,
    now: () => number,
    generation: string | undefined,
  ) {
    this.#own = own;
    this.#pins = pins;
    this.#storage = storage;
    this.#onSecurity = onSecurity;
    this.#now = now;
    const stored = readJson<{ generation?: string; members?: Record<string, string[]> } & Record<string, unknown>>(storage, STORAGE_KEYS.conversations(own.me), {});
    // Older clients stored the map alone; pins of another generation (before a restore) name other conversations.
    const members = stored.members ?? (stored as unknown as Record<string, string[]>);
    this.#generation = generation;
    this.#members = stored.members !== undefined && stored.generation !== generation ? {} : members;
  }

  get #me(): string {
    return this.#own.me;
  }

  /** The opened key of one epoch, and (ek2) the members hash it was sealed with and its member set. */
  entry(conversationId: number, epoch: number): EpochEntry | undefined {
    return this.#epochs.get(conversationId)?.get(epoch);
  }

  #saveMembers(): void {
    this.#storage.setItem(STORAGE_KEYS.conversations(this.#me), JSON.stringify({ generation: this.#generation, members: this.#members }));
  }

  /**
   * The server's database was restored from a backup (its generation changed): conversation ids and epochs
   * known here may now name other conversations, so the member pins and epoch keys start over. Contacts'
   * key pins stay: they do not depend on the server's database.
   */
  serverRestored(generation: string): void {
    this.#generation = generation;
    this.#members = {};
    this.#epochs.clear();
    this.#maxEpoch.clear();
    this.#reported.clear();
    this.#saveMembers();
  }

  /** The usernames pinned as a conversation's members, if this client has seen it. */
  membersOf(conversationId: number): readonly string[] | undefined {
    return this.#members[String(conversationId)];
  }

  /**
   * Pins a conversation's members the first time this client sees it (from its own `open`, or the server's
   * first word on it); afterwards answers whether the server's claim still matches. Never changes a pin.
   */
  pinConversation(conversationId: number, usernames: readonly string[]): boolean {
    const members = [...new Set(usernames)].sort();
    const pinned = this.#members[String(conversationId)];
    if (pinned) return pinned.length === members.length && pinned.every((m, i) => m === members[i]);
    this.#members[String(conversationId)] = members;
    this.#saveMembers();
    return true;
  }

  /** Throws CONVERSATION_MISMATCH unless the conversation is pinned (or now pins) to exactly me and `peer`. */
  requireConversation(conversationId: number, peer: string): void {
    if (!this.pinConversation(conversationId, [this.#me, peer])) {
      this.#security({
        conversationId,
        kind: 'conversation-mismatch',
        text: `The server named this conversation for a message to ${peer}, but it has other members: nothing was sent. The server may be misdirecting messages.`,
      });
      throw new ParleyError('CONVERSATION_MISMATCH', `The server answered with a conversation that is not with ${peer}; nothing was sent.`);
    }
  }

  #security(event: Omit<SecurityEvent, 'id' | 'at'>): void {
    const key = `${event.conversationId}:${event.kind}:${event.epoch ?? ''}:${event.creator ?? ''}:${event.kind === 'conversation-mismatch' ? event.text : ''}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#onSecurity({ ...event, at: this.#now() });
  }

  #addEpoch(conversationId: number, epoch: number, entry: EpochEntry): void {
    let map = this.#epochs.get(conversationId);
    if (!map) this.#epochs.set(conversationId, (map = new Map()));
    map.set(epoch, entry);
    this.#maxEpoch.set(conversationId, Math.max(this.#maxEpoch.get(conversationId) ?? 0, epoch));
  }

  /** Opens one sealed copy against the pinned members; a refusal the user must know of becomes a security event. */
  async #openEpoch(conn: ServerSocket, conversationId: number, epoch: number, creator: string, sealed: string): Promise<void> {
    this.#maxEpoch.set(conversationId, Math.max(this.#maxEpoch.get(conversationId) ?? 0, epoch));
    if (this.#epochs.get(conversationId)?.has(epoch)) return;
    const members = this.membersOf(conversationId);
    if (!members) return; // a conversation this client has not seen: its keys load with its first summary or message
    if (members.includes(creator)) await this.#pins.known(conn, creator);
    const header = sealedEpochKeyHeader(sealed);
    const me = header && this.#pins.mine(header.recipientKeyVersion);
    const opened = me
      ? openEpochKey({ sealed, conversationId, epoch, me, myName: this.#me, creatorName: creator, members, keys: this.#pins.lookup })
      : ({ ok: false, reason: 'wrong-recipient-key' } as const);
    if (opened.ok) {
      this.#addEpoch(
        conversationId,
        epoch,
        opened.version === 2 ? { key: opened.epochKey, version: 2, members: opened.members, membersHash: opened.membersHash } : { key: opened.epochKey, version: 1 },
      );
      this.#security({ conversationId, kind: 'new-epoch', epoch, creator, text: newEpochText(creator === this.#me ? undefined : creator, epoch) });
      return;
    }
    // A key by a contact whose new keys are not accepted yet waits for that (the key change is already shown).
    if (opened.reason === 'unknown-creator-key' && this.#pins.statusOf(creator)?.status === 'changed') return;
    this.#security({
      conversationId,
      kind: 'epoch-refused',
      epoch,
      creator,
      text: `A conversation key said to be from ${creator} was refused (${opened.reason}): it was not made by a member of this conversation. The server may be trying to read it.`,
    });
  }

  /** Loads and opens every epoch key of a conversation sealed to us, checked against its pinned members. */
  async loadEpochKeys(conn: ServerSocket, conversationId: number): Promise<void> {
    const { epochs } = await conn.request('epochKeys', { conversationId });
    for (const e of epochs) await this.#openEpoch(conn, conversationId, e.epoch, e.creator, e.sealed);
  }

  /** An `epoch` event: open the copy sealed to us. */
  async onEpoch(conn: ServerSocket, conversationId: number, epoch: number, creator: string, sealed: string): Promise<void> {
    await this.#openEpoch(conn, conversationId, epoch, creator, sealed);
  }

  /** The member set new messages must go to: every pinned member at their newest accepted key version. */
  async #wantedMembers(conn: ServerSocket, members: readonly string[]): Promise<{ members: Member[]; recipients: PublicIdentity[] }> {
    const recipients: PublicIdentity[] = [];
    for (const member of members) {
      await this.#pins.known(conn, member);
      if (this.#pins.statusOf(member)?.status === 'changed') {
        throw new ParleyError('KEYS_CHANGED', `${member}'s keys changed: verify the safety number before sending.`);
      }
      const recipient = this.#pins.currentPinned(member);
      if (!recipient) throw new ParleyError('NO_KEYS', `${member} has no end-to-end encryption keys.`);
      recipients.push(recipient);
    }
    return { members: recipients.map((r) => ({ username: r.username, keyVersion: r.keyVersion })), recipients };
  }

  /** The newest opened epoch, when it was sealed (ek2) to exactly the wanted member set. */
  #usable(conversationId: number, hash: Uint8Array): [number, EpochEntry] | undefined {
    const map = this.#epochs.get(conversationId);
    if (!map || map.size === 0) return undefined;
    const epoch = Math.max(...map.keys());
    const entry = map.get(epoch)!;
    return entry.membersHash && sameBytes(entry.membersHash, hash) ? [epoch, entry] : undefined;
  }

  /**
   * The key to send with: the newest epoch if it was sealed to the conversation's pinned members at their
   * accepted key versions; otherwise a new epoch above every one the server listed, sealed to them (ek2).
   */
  async sendKey(conn: ServerSocket, conversationId: number, peer: string): Promise<[number, EpochEntry]> {
    this.requireConversation(conversationId, peer);
    const { members, recipients } = await this.#wantedMembers(conn, this.membersOf(conversationId)!);
    const hash = membersHash(members);
    let usable = this.#usable(conversationId, hash);
    if (!usable) {
      await this.loadEpochKeys(conn, conversationId);
      usable = this.#usable(conversationId, hash);
    }
    for (let attempt = 0; !usable && attempt < 3; attempt++) {
      const epoch = (this.#maxEpoch.get(conversationId) ?? 0) + 1;
      const epochKey = newEpochKey();
      const keys = recipients.map((recipient) => ({
        recipient: recipient.username,
        sealed: sealEpochKey({ epochKey, conversationId, epoch, recipient, creator: this.#own.identity, creatorName: this.#me, members }),
      }));
      try {
        await conn.request('addEpoch', { conversationId, epoch, keys });
        const entry: EpochEntry = { key: epochKey, version: 2, members, membersHash: hash };
        this.#addEpoch(conversationId, epoch, entry);
        this.#security({ conversationId, kind: 'new-epoch', epoch, creator: this.#me, text: newEpochText(undefined, epoch) });
        usable = [epoch, entry];
      } catch (error) {
        if (!(error instanceof ParleyError && error.code === 'EPOCH_CONFLICT')) throw error;
        // Another member won the race: use theirs if it fits, else go above it.
        this.#maxEpoch.set(conversationId, Math.max(this.#maxEpoch.get(conversationId) ?? 0, epoch));
        await this.loadEpochKeys(conn, conversationId);
        usable = this.#usable(conversationId, hash);
      }
    }
    if (!usable) throw new ParleyError('INVALID_KEYS', 'No usable conversation key.');
    return usable;
  }
}
