// Groups' epoch keys: an `ek3.` copy opens only when the chain state it names is one this device verified,
// its creator was a member there, and the creator's pinned key signed it; new epochs are sealed to exactly
// the verified chain's members, in pages of at most 150 copies.
import {
  newEpochKey,
  openGroupEpochKey,
  readGroupEpochKeyHeader,
  sameHead,
  sealGroupEpochKey,
  type GroupEpoch,
  type GroupState,
  type PublicIdentity,
} from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import { LIMITS } from '../protocol.js';
import type { SecurityEvent } from './e2e-text.js';
import type { GroupChains } from './group-chains.js';
import type { IdentityPins, OwnIdentities } from './identity-pins.js';
import type { ServerSocket } from './server-socket.js';

/** One group epoch key this device opened, and the chain state its copy was made for (what p3 envelopes bind). */
export interface HeldEpoch extends GroupEpoch {
  creator: string;
}

/** "alice's device started …" (undefined: this user). */
const newEpochText = (creator: string | undefined, epoch: number): string =>
  `${creator === undefined ? 'Your device' : `${creator}'s device`} ${epoch === 1 ? 'made the group key: messages are end-to-end encrypted' : `started a new group key (key ${epoch})`}.`;

const EPOCH_REASONS: Record<string, string> = {
  'not-in-chain': 'it names a state of the group this device never verified',
  'creator-not-member': 'it was made by someone who was not a member then',
  'recipient-not-member': 'this device was not a member of the group it names',
  'wrong-members': 'it was sealed to other members than the group’s signed changes hold',
  'wrong-head': 'it names another history of the group than this device verified',
};

export class GroupEpochs {
  readonly #own: OwnIdentities;
  readonly #pins: IdentityPins;
  readonly #chains: GroupChains;
  readonly #onSecurity: (event: Omit<SecurityEvent, 'id'>) => void;
  readonly #now: () => number;
  readonly #epochs = new Map<number, Map<number, HeldEpoch>>();
  /**
   * The newest epoch opened (or made) here, per group. Epochs the server only claims do not count: an
   * injected copy must not make this device skip ahead (the server's own count comes with groupState).
   */
  readonly #maxEpoch = new Map<number, number>();
  readonly #reported = new Set<string>();

  constructor(own: OwnIdentities, pins: IdentityPins, chains: GroupChains, onSecurity: (event: Omit<SecurityEvent, 'id'>) => void, now: () => number) {
    this.#own = own;
    this.#pins = pins;
    this.#chains = chains;
    this.#onSecurity = onSecurity;
    this.#now = now;
  }

  entry(conversationId: number, epoch: number): HeldEpoch | undefined {
    return this.#epochs.get(conversationId)?.get(epoch);
  }

  #security(conversationId: number, kind: SecurityEvent['kind'], epoch: number, creator: string, text: string): void {
    const key = `${conversationId}:${kind}:${epoch}:${creator}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#onSecurity({ conversationId, kind, epoch, creator, text, at: this.#now() });
  }

  #bump(conversationId: number, epoch: number): void {
    this.#maxEpoch.set(conversationId, Math.max(this.#maxEpoch.get(conversationId) ?? 0, epoch));
  }

  #keep(conversationId: number, epoch: number, entry: HeldEpoch): void {
    let map = this.#epochs.get(conversationId);
    if (!map) this.#epochs.set(conversationId, (map = new Map()));
    map.set(epoch, entry);
    this.#bump(conversationId, epoch);
  }

  #refuse(conversationId: number, epoch: number, creator: string, reason: string): void {
    const why = EPOCH_REASONS[reason] ?? `it did not open (${reason})`;
    this.#security(conversationId, 'epoch-not-in-chain', epoch, creator, `A group key said to be from ${creator} was refused: ${why}. The server may be trying to read the group.`);
  }

  /** Opens one copy sealed to this user against the verified chain (fetching changes it is behind on first). */
  async open(conn: ServerSocket, conversationId: number, epoch: number, creator: string, sealed: string): Promise<void> {
    if (this.#epochs.get(conversationId)?.has(epoch)) return;
    const header = readGroupEpochKeyHeader(sealed);
    if (!header || header.conversationId !== conversationId || header.epoch !== epoch) return this.#refuse(conversationId, epoch, creator, 'malformed');
    if (header.chainLength > (this.#chains.state(conversationId)?.length ?? 0)) await this.#chains.sync(conn, conversationId);
    const state = this.#chains.stateAt(conversationId, header.chainLength);
    if (!state) return this.#refuse(conversationId, epoch, creator, 'not-in-chain');
    if (!sameHead(state.head, header.head)) return this.#refuse(conversationId, epoch, creator, 'wrong-head');
    if (!sameHead(state.membersHash, header.membersHash)) return this.#refuse(conversationId, epoch, creator, 'wrong-members');
    if (!state.members.some((m) => m.username === creator && m.keyVersion === header.creatorKeyVersion)) return this.#refuse(conversationId, epoch, creator, 'creator-not-member');
    if (!state.members.some((m) => m.username === this.#own.me && m.keyVersion === header.recipientKeyVersion)) return this.#refuse(conversationId, epoch, creator, 'recipient-not-member');
    await this.#pins.known(conn, creator);
    const creatorKey = this.#pins.lookup(creator, header.creatorKeyVersion);
    const me = this.#pins.mine(header.recipientKeyVersion);
    // A key by a member whose new keys wait for acceptance waits with them (the key change is shown).
    if (!creatorKey) return this.#pins.statusOf(creator)?.status === 'changed' ? undefined : this.#refuse(conversationId, epoch, creator, 'unknown-creator-key');
    if (!me) return this.#refuse(conversationId, epoch, creator, 'recipient-not-member');
    const opened = openGroupEpochKey(sealed, {
      conversationId,
      epoch,
      recipient: me,
      recipientName: this.#own.me,
      creator: creatorKey,
      chainLength: state.length,
      head: state.head,
      membersHash: state.membersHash,
    });
    if (!opened.ok) return this.#refuse(conversationId, epoch, creator, opened.reason);
    this.#keep(conversationId, epoch, { epochKey: opened.epochKey, creator, chainLength: state.length, head: state.head, membersHash: state.membersHash });
    this.#security(conversationId, 'new-epoch', epoch, creator, newEpochText(creator === this.#own.me ? undefined : creator, epoch));
  }

  /** Loads and opens every copy of a group's epochs sealed to this user. */
  async load(conn: ServerSocket, conversationId: number): Promise<void> {
    const { epochs } = await conn.request('epochKeys', { conversationId });
    for (const e of epochs) await this.open(conn, conversationId, e.epoch, e.creator, e.sealed);
  }

  /**
   * Whether an epoch may carry new messages: it is the newest opened here and not older than the server's
   * current one, and it was made for the verified chain's current member set, with no member set change since
   * the state it names. (Earlier epochs shared with a newcomer are never the newest.)
   */
  #fits(conversationId: number, epoch: number, state: GroupState): HeldEpoch | undefined {
    const entry = this.entry(conversationId, epoch);
    if (!entry || epoch !== this.#maxEpoch.get(conversationId) || epoch < this.#chains.serverEpoch(conversationId)) return undefined;
    for (let length = entry.chainLength; length <= state.length; length++) {
      const then = this.#chains.stateAt(conversationId, length);
      if (!then || !sameHead(then.membersHash, state.membersHash)) return undefined;
    }
    return entry;
  }

  /** The epoch to send with: the newest, if it fits the verified chain head; otherwise a new one sealed to it. */
  async sendKey(conn: ServerSocket, conversationId: number): Promise<[number, HeldEpoch]> {
    const state = await this.#chains.current(conn, conversationId);
    if (!state?.roles.has(this.#own.me)) throw new ParleyError('CONVERSATION_NOT_FOUND', 'You are not a member of this group any more.');
    let max = this.#maxEpoch.get(conversationId) ?? 0;
    let fit = this.#fits(conversationId, max, state);
    if (!fit) {
      await this.load(conn, conversationId);
      max = this.#maxEpoch.get(conversationId) ?? 0;
      fit = this.#fits(conversationId, max, state);
    }
    return fit ? [max, fit] : this.makeEpoch(conn, conversationId);
  }

  /** The verified members' pinned keys at the key versions the chain holds; never anyone else's. */
  async #recipients(conn: ServerSocket, state: GroupState): Promise<PublicIdentity[]> {
    const recipients: PublicIdentity[] = [];
    for (const member of state.members) {
      await this.#pins.known(conn, member.username);
      const key = this.#pins.lookup(member.username, member.keyVersion);
      if (!key) {
        if (this.#pins.statusOf(member.username)?.status === 'changed') {
          throw new ParleyError('KEYS_CHANGED', `${member.username}'s keys changed: verify the safety number before sending.`);
        }
        throw new ParleyError('NO_KEYS', `${member.username} has no keys at the version the group holds.`);
      }
      recipients.push(key);
    }
    return recipients;
  }

  /**
   * Sends copies of one epoch in pages of at most 150 (`LIMITS.groupEpochCopiesMax`: a 314-character `ek3.` copy
   * times 150 fits a 64 KiB frame), every page but the last with `more`; up to 150 members, one frame without it.
   */
  async #send(conn: ServerSocket, conversationId: number, epoch: number, keys: { recipient: string; sealed: string }[]): Promise<void> {
    const page = LIMITS.groupEpochCopiesMax;
    for (let at = 0; at < keys.length; at += page) {
      const last = at + page >= keys.length;
      await conn.request('addEpoch', { conversationId, epoch, keys: keys.slice(at, at + page), ...(last ? {} : { more: true as const }) });
    }
  }

  /**
   * A new epoch above every one listed, sealed to exactly the verified chain head's members (this user
   * included) at the key versions the chain holds. Another member's epoch that won the race is used if it fits.
   */
  async makeEpoch(conn: ServerSocket, conversationId: number): Promise<[number, HeldEpoch]> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = this.#chains.state(conversationId);
      if (!state?.roles.has(this.#own.me)) throw new ParleyError('CONVERSATION_NOT_FOUND', 'You are not a member of this group any more.');
      const recipients = await this.#recipients(conn, state);
      const epoch = Math.max(this.#maxEpoch.get(conversationId) ?? 0, this.#chains.serverEpoch(conversationId)) + 1;
      const key = newEpochKey();
      const seal = { conversationId, epoch, key, creator: this.#own.identity, creatorName: this.#own.me, chainLength: state.length, head: state.head, membersHash: state.membersHash };
      const keys = recipients.map((recipient) => ({ recipient: recipient.username, sealed: sealGroupEpochKey({ ...seal, recipient }) }));
      try {
        await this.#send(conn, conversationId, epoch, keys);
        const entry: HeldEpoch = { epochKey: key, creator: this.#own.me, chainLength: state.length, head: state.head, membersHash: state.membersHash };
        this.#keep(conversationId, epoch, entry);
        this.#security(conversationId, 'new-epoch', epoch, this.#own.me, newEpochText(undefined, epoch));
        return [epoch, entry];
      } catch (error) {
        if (!(error instanceof ParleyError && error.code === 'EPOCH_CONFLICT')) throw error;
        // Another member's epoch won: the server's count (groupState) and its copy for us, then use it if it fits.
        await this.#chains.sync(conn, conversationId);
        await this.load(conn, conversationId);
        const now = this.#chains.state(conversationId);
        const max = this.#maxEpoch.get(conversationId) ?? 0;
        const fit = now && this.#fits(conversationId, max, now);
        if (fit) return [max, fit];
      }
    }
    // Another member's epoch is still being sealed: the outbox tries again shortly.
    throw new ParleyError('EPOCH_CONFLICT', 'Another member is starting a new group key; trying again.');
  }

  /**
   * History shared with newcomers: every earlier epoch key this device holds, sealed to each newcomer and
   * bound to the current verified chain state (where they are members). Best effort: the group's messages
   * stay readable to everyone else whatever happens here.
   */
  async shareHistory(conn: ServerSocket, conversationId: number, newcomers: readonly string[], below: number): Promise<void> {
    const state = this.#chains.state(conversationId);
    const held = this.#epochs.get(conversationId);
    if (!state || !held || newcomers.length === 0) return;
    const recipients = (await this.#recipients(conn, state)).filter((r) => newcomers.includes(r.username));
    for (const [epoch, entry] of [...held].sort(([a], [b]) => a - b)) {
      if (epoch >= below) continue;
      const seal = { conversationId, epoch, key: entry.epochKey, creator: this.#own.identity, creatorName: this.#own.me, chainLength: state.length, head: state.head, membersHash: state.membersHash };
      const keys = recipients.map((recipient) => ({ recipient: recipient.username, sealed: sealGroupEpochKey({ ...seal, recipient }) }));
      await this.#send(conn, conversationId, epoch, keys).catch(() => undefined);
    }
  }

  serverRestored(): void {
    this.#epochs.clear();
    this.#maxEpoch.clear();
    this.#reported.clear();
  }
}
