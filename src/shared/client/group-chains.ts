// Groups' membership chains as this device verified them: each group's id and verified head pinned, every
// change checked with the PINNED keys of its actor before it counts, rollbacks and members the chain does
// not hold shown as security events, never as members. Persisted, so a restart keeps what was verified.
import { applyChange, compareClaimedMembers, decodeMembershipChange, type GroupState, type KeyDirectory } from '../crypto/index.js';
import type { SecurityEvent } from './e2e-text.js';
import type { ServerSocket } from './server-socket.js';
import { membershipLine, type MembershipLine } from './group-text.js';
import type { GroupView } from './state.js';
import { readJson, STORAGE_KEYS, type StorageAdapter } from './storage.js';

/** One change as the server hands it out: its text, and the conversation's last seq when it was stored. */
export interface StoredChange {
  change: string;
  afterSeq: number;
}

/** What is kept of one group: its pinned id, the verified changes in order, and what each left. */
interface Chain {
  groupId: string;
  changes: StoredChange[];
  /** states[i]: the group after change i (for epochs and senders named at an earlier chain length). */
  states: GroupState[];
  lines: MembershipLine[];
  refused?: { index: number; reason: string };
}

interface Stored {
  generation?: string;
  groups?: Record<string, { groupId: string; changes: StoredChange[] }>;
}

/** The keys changes are checked with (only pinned ones), and fetching an actor's keys so they can be pinned. */
export interface ChainKeys {
  lookup: KeyDirectory;
  /** Fetches (and on first use pins) a user's keys; resolves false when a key version waits for the user to accept it. */
  prepare(conn: ServerSocket, username: string, keyVersion: number): Promise<boolean>;
}

const REASONS: Record<string, string> = {
  'rolled-back': 'the server went back to an earlier state of the group than this device verified',
  'wrong-group': 'it belongs to another group',
  'bad-index': 'it is not the next change',
  'bad-prev': 'it does not follow the changes this device verified',
  'bad-signature': 'its signature is forged',
  'unknown-actor-key': 'it is signed by keys this device has not pinned',
  'not-a-member': 'it was made by someone who is not a member',
  'not-allowed': "the member's role does not allow it",
};

/**
 * Where the lines `me` is shown begin. A member added while the group kept its history hidden reads only what
 * came after their addition (the server serves them nothing earlier), so the earlier lines would describe a past
 * they cannot read: the thread starts at "alice added you", the latest such addition for a member who came back.
 * Taken from the verified chain, which states the setting with every change, never from the server's word. The
 * creator and the first members are added by the creation and see every line, as does anyone added while the
 * history was shared.
 */
function firstShown(states: readonly GroupState[], me: string): number {
  for (let i = states.length - 1; i > 0; i--) {
    const { last, settings } = states[i]!;
    if (last.action === 'add' && last.targets.some((t) => t.username === me)) return settings.history === 'shared' ? 0 : i;
  }
  return 0;
}

export class GroupChains {
  readonly #me: string;
  readonly #storage: StorageAdapter;
  readonly #keys: ChainKeys;
  readonly #onSecurity: (event: Omit<SecurityEvent, 'id'>) => void;
  readonly #onView: (conversationId: number, view: GroupView) => void;
  readonly #now: () => number;
  #generation: string | undefined;
  readonly #chains = new Map<number, Chain>();
  /** Per conversation, changes are applied one batch after another. */
  readonly #queues = new Map<number, Promise<unknown>>();
  readonly #reported = new Set<string>();
  /** The group's current epoch as the server last said (groupState): a new epoch goes above it. */
  readonly #serverEpochs = new Map<number, number>();

  constructor(options: {
    me: string;
    storage: StorageAdapter;
    keys: ChainKeys;
    onSecurity: (event: Omit<SecurityEvent, 'id'>) => void;
    onView: (conversationId: number, view: GroupView) => void;
    now: () => number;
    generation: string | undefined;
  }) {
    this.#me = options.me;
    this.#storage = options.storage;
    this.#keys = options.keys;
    this.#onSecurity = options.onSecurity;
    this.#onView = options.onView;
    this.#now = options.now;
    this.#generation = options.generation;
    const stored = readJson<Stored>(options.storage, STORAGE_KEYS.groups(this.#me), {});
    if (stored.generation !== options.generation) return;
    for (const [id, record] of Object.entries(stored.groups ?? {})) {
      const chain: Chain = { groupId: record.groupId, changes: [], states: [], lines: [] };
      this.#chains.set(Number(id), chain);
      // Verified when stored, with keys pinned since: verified again, so a changed profile cannot slip a member in.
      for (const c of record.changes) if (!this.#step(chain, c)) break;
      this.#publish(Number(id));
    }
  }

  /** The group after its newest verified change. */
  state(conversationId: number): GroupState | undefined {
    return this.#chains.get(conversationId)?.states.at(-1);
  }

  /** The group as a chain of `length` changes left it (undefined past what this device verified). */
  stateAt(conversationId: number, length: number): GroupState | undefined {
    return length >= 1 ? this.#chains.get(conversationId)?.states[length - 1] : undefined;
  }

  /** The verified changes, for the seals of history to a newcomer (their positions). */
  changes(conversationId: number): readonly StoredChange[] {
    return this.#chains.get(conversationId)?.changes ?? [];
  }

  isGroup(conversationId: number): boolean {
    return this.#chains.has(conversationId);
  }

  /** The server's word on the group's current epoch (0 before any). */
  serverEpoch(conversationId: number): number {
    return this.#serverEpochs.get(conversationId) ?? 0;
  }

  /** Pins a group conversation's id the first time it is seen; false (and a security event) when another id was pinned. */
  pinGroup(conversationId: number, groupId: string): boolean {
    const chain = this.#chains.get(conversationId);
    if (chain) {
      if (chain.groupId === groupId) return true;
      this.#security(conversationId, 'membership-refused', `The server now names another group for this conversation than this device pinned; its changes are refused.`);
      return false;
    }
    this.#chains.set(conversationId, { groupId, changes: [], states: [], lines: [] });
    this.#save();
    return true;
  }

  /**
   * Applies changes the server handed out, in order, each checked with the pinned keys against the verified
   * state. A change this device already holds must be the same change (else the server rewrote the past); the
   * first one refused stops the rest and becomes a security event. Resolves the verified length.
   */
  apply(conn: ServerSocket | null, conversationId: number, changes: readonly (StoredChange & { index: number })[]): Promise<number> {
    const run = (this.#queues.get(conversationId) ?? Promise.resolve()).then(() => this.#apply(conn, conversationId, changes));
    this.#queues.set(conversationId, run.catch(() => undefined));
    return run;
  }

  /**
   * The verified state once changes already heard of are applied; fetched from the server only when this
   * device holds nothing of the group yet (events and the catch-up keep it current otherwise).
   */
  async current(conn: ServerSocket, conversationId: number): Promise<GroupState | undefined> {
    await this.#queues.get(conversationId);
    if (!this.state(conversationId)) await this.sync(conn, conversationId);
    return this.state(conversationId);
  }

  async #apply(conn: ServerSocket | null, conversationId: number, changes: readonly (StoredChange & { index: number })[]): Promise<number> {
    const chain = this.#chains.get(conversationId);
    if (!chain) return 0;
    let grew = false;
    for (const c of [...changes].sort((a, b) => a.index - b.index)) {
      const held = chain.changes[c.index];
      if (held) {
        if (held.change !== c.change) return this.#refuse(conversationId, chain, c.index, 'rolled-back');
        continue;
      }
      if (c.index > chain.changes.length) break; // a gap: the caller fetches what lies between
      const decoded = decodeMembershipChange(c.change);
      if (decoded && conn) {
        const ready = await this.#keys.prepare(conn, decoded.change.actor, decoded.change.actorKeyVersion).catch(() => true);
        // The actor's new keys wait for the user to accept them: so does the chain (the key change is shown).
        if (!ready) break;
      }
      const step = applyChange(chain.states.at(-1), c.change, this.#keys.lookup, chain.groupId);
      if (!step.ok) return this.#refuse(conversationId, chain, c.index, step.reason);
      this.#push(chain, c, step.state);
      grew = true;
    }
    if (grew) {
      if (chain.refused && chain.refused.index < chain.changes.length) delete chain.refused;
      this.#save();
      this.#publish(conversationId);
    }
    return chain.changes.length;
  }

  #step(chain: Chain, c: StoredChange): boolean {
    const step = applyChange(chain.states.at(-1), c.change, this.#keys.lookup, chain.groupId);
    if (step.ok) this.#push(chain, c, step.state);
    return step.ok;
  }

  #push(chain: Chain, c: StoredChange, state: GroupState): void {
    chain.changes.push({ change: c.change, afterSeq: c.afterSeq });
    chain.states.push(state);
    chain.lines.push(membershipLine(state.last, c.afterSeq));
  }

  #refuse(conversationId: number, chain: Chain, index: number, reason: string): number {
    if (chain.refused?.index !== index || chain.refused.reason !== reason) {
      chain.refused = { index, reason };
      this.#publish(conversationId);
    }
    const why = REASONS[reason] ?? `it breaks the group's rules (${reason})`;
    this.#security(conversationId, 'membership-refused', `A change to this group's members was refused: ${why}. The server may be trying to add someone; nothing changed here.`, reason);
    return chain.changes.length;
  }

  /**
   * Fetches the changes after the verified head (`groupState` from the pinned length, page by page) and applies
   * them. The first sight of a group pins its id from the server's answer; any later answer must name the same.
   * Resolves the verified length.
   */
  async sync(conn: ServerSocket, conversationId: number): Promise<number> {
    for (let pages = 0; pages < 100; pages++) {
      const from = this.#chains.get(conversationId)?.changes.length ?? 0;
      const result = await conn.request('groupState', { conversationId, fromIndex: from });
      this.#serverEpochs.set(conversationId, result.epoch);
      if (!this.pinGroup(conversationId, result.groupId)) return from;
      const length = await this.apply(
        conn,
        conversationId,
        result.changes.map((c, i) => ({ ...c, index: from + i })),
      );
      if (!result.more || length === from || this.#chains.get(conversationId)?.refused) return length;
    }
    return this.#chains.get(conversationId)?.changes.length ?? 0;
  }

  /**
   * What the server says of the group beside the chain: a chain shorter than the one verified is a rollback,
   * and a member count that differs from the verified chain's at the same length a claim to show.
   */
  checkSummary(conversationId: number, claim: { chainLength: number; memberCount: number }): void {
    const state = this.state(conversationId);
    if (!state) return;
    if (claim.chainLength < state.length) {
      this.#security(conversationId, 'membership-refused', `The server now says this group has had ${claim.chainLength} changes, but this device verified ${state.length}: it went back to an earlier state. This device keeps what it verified.`, 'rolled-back');
    } else if (claim.chainLength === state.length && claim.memberCount !== state.members.length) {
      this.#security(conversationId, 'members-mismatch', `The server says this group has ${claim.memberCount} members, but its signed changes name ${state.members.length}. Only those are members here.`);
    }
  }

  /** Names the server gave as the group's members (read marks): any the chain does not hold is shown, never taken. */
  checkClaimedMembers(conversationId: number, usernames: readonly string[]): boolean {
    const state = this.state(conversationId);
    if (!state) return true;
    const differs = compareClaimedMembers(state, usernames);
    if (!differs) return true;
    const text =
      differs.reason === 'not-in-chain'
        ? `The server names ${differs.username} as a member of this group, but no signed change added them. They are not a member here and get no keys.`
        : `The server left ${differs.username} out of this group's members, but the signed changes hold them.`;
    this.#security(conversationId, 'members-mismatch', text, `${differs.reason}:${differs.username}`);
    return false;
  }

  /** The server's database was restored: conversation ids may name other groups now. */
  serverRestored(generation: string): void {
    this.#generation = generation;
    this.#chains.clear();
    this.#reported.clear();
    this.#save();
  }

  #security(conversationId: number, kind: SecurityEvent['kind'], text: string, detail = ''): void {
    const key = `${conversationId}:${kind}:${detail}:${kind === 'membership-refused' ? (this.state(conversationId)?.length ?? 0) : ''}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#onSecurity({ conversationId, kind, text, at: this.#now() });
  }

  view(conversationId: number): GroupView | undefined {
    const chain = this.#chains.get(conversationId);
    const state = chain?.states.at(-1);
    if (!chain || !state) return undefined;
    return {
      conversationId,
      groupId: chain.groupId,
      name: state.name,
      history: state.settings.history,
      members: state.members.map((m) => ({ username: m.username, role: state.roles.get(m.username)! })),
      myRole: state.roles.get(this.#me) ?? null,
      timeline: chain.lines.slice(firstShown(chain.states, this.#me)),
      ...(chain.refused ? { refused: { ...chain.refused } } : {}),
    };
  }

  /** Every verified group to the snapshot again (after the snapshot was reset for a sign-in). */
  publishAll(): void {
    for (const id of this.#chains.keys()) this.#publish(id);
  }

  #publish(conversationId: number): void {
    const view = this.view(conversationId);
    if (view) this.#onView(conversationId, view);
  }

  #save(): void {
    const groups: NonNullable<Stored['groups']> = {};
    for (const [id, chain] of this.#chains) groups[String(id)] = { groupId: chain.groupId, changes: chain.changes };
    this.#storage.setItem(STORAGE_KEYS.groups(this.#me), JSON.stringify({ generation: this.#generation, groups }));
  }
}

