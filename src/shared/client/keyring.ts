// One signed-in user's end-to-end keys for one client: their identities, the contacts' pinned keys, the
// conversation keys, and the sealing and opening of messages with them.
import { decryptMessage, encryptMessage, envelopeHeader, type Identity } from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import type { Message } from '../protocol.js';
import { clockSkewWarning, EXPLANATIONS, type ClientMessage, type ContactKeys, type FailureReason, type SecurityEvent } from './e2e-text.js';
import { EpochKeys } from './epoch-keys.js';
import { GroupChains } from './group-chains.js';
import { GroupEpochs } from './group-epochs.js';
import { GroupMessages } from './group-messages.js';
import { IdentityPins, type OwnIdentities } from './identity-pins.js';
import type { ServerSocket } from './server-socket.js';
import type { GroupView } from './state.js';
import type { StorageAdapter } from './storage.js';

interface KeyringOptions {
  storage: StorageAdapter;
  /** The contacts' key status changed (for the snapshot). */
  onContacts(contacts: Record<string, ContactKeys>): void;
  /** Something about a conversation's keys or members the user must see. */
  onSecurity(event: Omit<SecurityEvent, 'id'>): void;
  /** A group's verified view changed (for the snapshot). */
  onGroup(conversationId: number, view: GroupView): void;
  /** The pins changed on this device (the client syncs them to the user's other devices). */
  onPins(): void;
  now(): number;
  /** The server database's generation the conversation pins belong to. */
  generation: string | undefined;
}

/**
 * One signed-in user's keys and what they decided to trust, for one client. Nothing the server says is
 * trusted by itself: contacts' key versions are pinned (first use, or when the user accepts a change), only
 * pinned keys verify signatures, a conversation's members are pinned when the client first sees it, and an
 * epoch key is used only when its creator and member set match those pins.
 */
export class Keyring implements OwnIdentities {
  readonly me: string;
  readonly identity: Identity;
  /** Identities from before identity resets, by key version: epoch keys sealed to them still open. */
  readonly oldIdentities: ReadonlyMap<number, Identity>;
  /** Contacts' keys as accepted, and the vault that carries them to the user's other devices. */
  readonly pins: IdentityPins;
  /** Conversations' pinned members and their epoch keys. */
  readonly epochs: EpochKeys;
  /** Groups' verified membership chains, their epoch keys, and their messages. */
  readonly groups: GroupChains;
  readonly groupEpochs: GroupEpochs;
  readonly groupMessages: GroupMessages;

  constructor(me: string, identity: Identity, oldIdentities: readonly Identity[], options: KeyringOptions) {
    this.me = me;
    this.identity = identity;
    this.oldIdentities = new Map(oldIdentities.map((i) => [i.keyVersion, i]));
    this.pins = new IdentityPins(this, options.storage, options.onContacts, options.onPins, options.now);
    this.epochs = new EpochKeys(this, this.pins, options.storage, options.onSecurity, options.now, options.generation);
    this.groups = new GroupChains({
      me,
      storage: options.storage,
      keys: { lookup: this.pins.lookup, prepare: (conn, username, keyVersion) => this.#prepare(conn, username, keyVersion) },
      onSecurity: options.onSecurity,
      onView: options.onGroup,
      now: options.now,
      generation: options.generation,
    });
    this.groupEpochs = new GroupEpochs(this, this.pins, this.groups, options.onSecurity, options.now);
    this.groupMessages = new GroupMessages(this, this.pins, this.groups, this.groupEpochs);
  }

  /** An actor's keys fetched (pinned on first use); false while a key version they signed with waits for acceptance. */
  async #prepare(conn: ServerSocket, username: string, keyVersion: number): Promise<boolean> {
    if (username === this.me) return true;
    await this.pins.known(conn, username);
    if (this.pins.lookup(username, keyVersion)) return true;
    await this.pins.fetchIdentities(conn, username);
    return this.pins.lookup(username, keyVersion) !== undefined || this.pins.statusOf(username)?.status !== 'changed';
  }

  async encrypt(conn: ServerSocket, conversationId: number, peer: string, clientMsgId: string, text: string): Promise<string> {
    if (this.pins.statusOf(peer)?.status === 'changed') {
      throw new ParleyError('KEYS_CHANGED', `${peer}'s keys changed: verify the safety number before sending.`);
    }
    const [epoch, entry] = await this.epochs.sendKey(conn, conversationId, peer);
    const result = encryptMessage({
      conversationId,
      sender: this.me,
      clientMsgId,
      text,
      epoch,
      epochKey: entry.key,
      membersHash: entry.membersHash!,
      identity: this.identity,
    });
    if (!result.ok) throw new ParleyError('MESSAGE_TOO_LONG', 'The message is too long to encrypt.');
    return result.body;
  }

  #decryptOne(m: Message): ClientMessage {
    const failed = (reason: FailureReason): ClientMessage => ({ ...m, body: '', failure: { reason, explanation: EXPLANATIONS[reason] } });
    const conversationId = m.conversationId;
    // Group messages (no `to`): their members come from the verified membership chain.
    if (m.to === undefined) return this.groupMessages.decrypt(m);
    // First sight of a conversation without a summary: trust on first use, pinned from now on.
    this.epochs.pinConversation(m.conversationId, [m.from, m.to]);
    if (!this.epochs.membersOf(m.conversationId)!.includes(m.from)) return failed('not-a-member');
    const result = decryptMessage({
      conversationId: m.conversationId,
      sender: m.from,
      clientMsgId: m.clientMsgId,
      body: m.body,
      epochKeys: (epoch) => this.epochs.entry(conversationId, epoch)?.key,
      membersHash: (epoch) => this.epochs.entry(conversationId, epoch)?.membersHash,
      keys: this.pins.lookup,
    });
    if (!result.ok) {
      if (result.reason === 'unknown-sender-key') {
        const version = typeof m.body === 'string' ? envelopeHeader(m.body)?.senderKeyVersion : undefined;
        if (version !== undefined && this.pins.isListed(m.from, version)) return failed('unaccepted-key');
      }
      return failed(result.reason);
    }
    const members = this.epochs.entry(conversationId, result.epoch)?.members;
    if (members && !members.some((x) => x.username === m.from && x.keyVersion === result.senderKeyVersion)) return failed('not-a-member');
    const warning = clockSkewWarning(m.clientMsgId, m.ts);
    return { ...m, body: result.text, ...(warning === undefined ? {} : { warning }) };
  }

  /** Decrypts a batch; fetches missing keys of pinned members and epoch keys once, then gives up with a reason. */
  async decrypt(conn: ServerSocket | null, messages: readonly Message[]): Promise<ClientMessage[]> {
    const out = messages.map((m) => this.#decryptOne(m));
    if (!conn) return out;
    const senders = new Set<string>();
    const conversations = new Set<number>();
    const groups = new Set<number>();
    for (const [i, m] of out.entries()) {
      const reason = m.failure?.reason;
      if (reason !== 'unknown-sender-key' && reason !== 'unknown-epoch') continue;
      (m.to === undefined ? groups : conversations).add(m.conversationId);
      // A key version not listed before is looked up again: the sender may have new keys (a change until accepted).
      const version = envelopeHeader(messages[i]!.body)?.senderKeyVersion;
      if (reason === 'unknown-sender-key' && !(version !== undefined && this.pins.isListed(m.from, version))) senders.add(m.from);
    }
    if (conversations.size === 0 && groups.size === 0) return out;
    try {
      for (const sender of senders) await this.pins.fetchIdentities(conn, sender);
      for (const id of conversations) await this.epochs.loadEpochKeys(conn, id);
      for (const id of groups) {
        await this.groups.sync(conn, id);
        await this.groupEpochs.load(conn, id);
      }
    } catch {
      return out; // offline: shown with the reason; a later load tries again
    }
    return messages.map((m) => this.#decryptOne(m));
  }
}
