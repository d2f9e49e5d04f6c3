// Group messages sealed and opened: `p3.` envelopes under an epoch that fits the verified chain, accepted
// only from someone the chain held as a member (at the key version that signed) in the state the epoch names.
import { groupEnvelopeHeader, MAX_GROUP_PLAINTEXT_BYTES, openGroupEnvelope, sealGroupEnvelope, type GroupEpoch, type GroupState } from '../crypto/index.js';
import { ParleyError } from '../errors.js';
import type { Message } from '../protocol.js';
import { clockSkewWarning, EXPLANATIONS, type ClientMessage, type FailureReason } from './e2e-text.js';
import type { GroupChains } from './group-chains.js';
import type { GroupEpochs } from './group-epochs.js';
import type { IdentityPins, OwnIdentities } from './identity-pins.js';
import type { ServerSocket } from './server-socket.js';

const failed = (m: Message, reason: FailureReason): ClientMessage => ({ ...m, body: '', failure: { reason, explanation: EXPLANATIONS[reason] } });

/** The group's limit on text: p3 carries a 32-byte key commitment more than p2. */
export const groupTextFits = (text: string): boolean => new TextEncoder().encode(text).length <= MAX_GROUP_PLAINTEXT_BYTES;

export class GroupMessages {
  readonly #own: OwnIdentities;
  readonly #pins: IdentityPins;
  readonly #chains: GroupChains;
  readonly #epochs: GroupEpochs;
  /** For epochs shared with this user as a newcomer: the chain length their messages turned out to bind. */
  readonly #boundAt = new Map<string, number>();

  constructor(own: OwnIdentities, pins: IdentityPins, chains: GroupChains, epochs: GroupEpochs) {
    this.#own = own;
    this.#pins = pins;
    this.#chains = chains;
    this.#epochs = epochs;
  }

  /** Seals a message under the newest epoch that fits the verified chain head (made first if none does). */
  async encrypt(conn: ServerSocket, conversationId: number, clientMsgId: string, text: string): Promise<string> {
    const [epoch, held] = await this.#epochs.sendKey(conn, conversationId);
    const result = sealGroupEnvelope({ conversationId, sender: this.#own.me, clientMsgId, text, epoch, identity: this.#own.identity, ...held });
    if (!result.ok) throw new ParleyError('MESSAGE_TOO_LONG', 'The message is too long to encrypt.');
    return result.body;
  }

  /** The epoch as the chain state at `length` left it (for an earlier epoch shared with a newcomer). */
  #at(conversationId: number, held: GroupEpoch, length: number): GroupEpoch | undefined {
    const state = this.#chains.stateAt(conversationId, length);
    return state && { epochKey: held.epochKey, chainLength: state.length, head: state.head, membersHash: state.membersHash };
  }

  /** Opens a group message; the text only when every check passed, otherwise '' and the reason. */
  decrypt(m: Message): ClientMessage {
    const conversationId = m.conversationId;
    if (!this.#chains.isGroup(conversationId)) return failed(m, 'unknown-epoch');
    const epoch = groupEnvelopeHeader(m.body)?.epoch;
    const held = epoch === undefined ? undefined : this.#epochs.entry(conversationId, epoch);
    const cacheKey = `${conversationId}:${epoch}`;
    const open = (length: number | undefined) =>
      openGroupEnvelope({
        conversationId,
        sender: m.from,
        clientMsgId: m.clientMsgId,
        body: m.body,
        epochs: (e) => (e !== epoch || !held ? undefined : length === undefined ? held : this.#at(conversationId, held, length)),
        keys: this.#pins.lookup,
      });
    const bound = this.#boundAt.get(cacheKey);
    let result = open(bound);
    let length = bound ?? held?.chainLength;
    // An earlier epoch sealed to this user as a newcomer names the state it was shared at; its messages bind the
    // state it was made at, one of the earlier ones: each is tried (the signature tells which).
    if (!result.ok && result.reason === 'bad-signature' && held && bound === undefined) {
      for (let earlier = held.chainLength - 1; earlier >= 1 && !result.ok; earlier--) {
        const attempt = open(earlier);
        if (attempt.ok || attempt.reason !== 'bad-signature') {
          result = attempt;
          length = earlier;
          if (attempt.ok) this.#boundAt.set(cacheKey, earlier);
        }
      }
    }
    if (!result.ok) {
      const reason: FailureReason = result.reason === 'key-mismatch' ? 'tampered' : result.reason;
      const version = groupEnvelopeHeader(m.body)?.senderKeyVersion;
      if (reason === 'unknown-sender-key' && version !== undefined && this.#pins.isListed(m.from, version)) return failed(m, 'unaccepted-key');
      return failed(m, reason);
    }
    return this.#accept(m, result.text, result.senderKeyVersion, length === undefined ? undefined : this.#chains.stateAt(conversationId, length));
  }

  /** Accepted only from a member of the state the epoch was made for, at the key version that signed. */
  #accept(m: Message, text: string, senderKeyVersion: number, state: GroupState | undefined): ClientMessage {
    if (!state?.members.some((x) => x.username === m.from && x.keyVersion === senderKeyVersion)) return failed(m, 'not-a-member');
    const warning = clockSkewWarning(m.clientMsgId, m.ts);
    return { ...m, body: text, ...(warning === undefined ? {} : { warning }) };
  }
}
