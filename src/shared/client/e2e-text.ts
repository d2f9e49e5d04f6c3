// What the user sees of end-to-end encryption: why a message is not shown, key and member notices, clock
// skew warnings, and how much of the message limit a text takes once encrypted.
import { BODY_MAX_LENGTH, maxPlaintextBytes, type DecryptFailure } from '../crypto/index.js';
import type { Message } from '../protocol.js';
import { timeOfClientMsgId } from './ids.js';

/**
 * Why a message is not shown as text: the crypto core's reasons, and the client's own: 'unaccepted-key'
 * (signed by a key version of the sender this client has not accepted), 'not-a-member' (the sender is not
 * a pinned member of the conversation, or not of the epoch), 'replayed' (a second copy of an earlier
 * message). `explanation` is fit to show in place of the text.
 */
export type FailureReason = DecryptFailure | 'unaccepted-key' | 'not-a-member' | 'replayed';

export interface MessageFailure {
  reason: FailureReason;
  explanation: string;
}

/**
 * A delivered message as the SDK keeps it: `body` is the decrypted text, or '' with `failure` set. `warning`
 * is set on a shown message whose signed creation time and the server's time disagree by much.
 */
export type ClientMessage = Message & { failure?: MessageFailure; warning?: string };

/** What the client knows about a contact's keys: trust on first use, verified, or changed (warn loudly). */
export interface ContactKeys {
  status: 'new' | 'same' | 'changed';
  verified: boolean;
  /** Set when the keys changed after they had been verified: the loudest warning. */
  wasVerified: boolean;
}

/** Something about a conversation's keys or members the user must be able to see, in the conversation. */
export interface SecurityEvent {
  id: number;
  conversationId: number;
  /**
   * Groups add 'membership-refused' (a change that fails verification, or a rollback of the chain),
   * 'members-mismatch' (the server names members the signed chain does not hold, or drops some) and
   * 'epoch-not-in-chain' (a group key sealed to another member set than the verified chain's, or by a non-member).
   */
  kind: 'new-epoch' | 'epoch-refused' | 'conversation-mismatch' | 'membership-refused' | 'members-mismatch' | 'epoch-not-in-chain';
  /** A sentence fit to show. */
  text: string;
  /** When this client learned it (ms). */
  at: number;
  epoch?: number;
  creator?: string;
}

export const EXPLANATIONS: Record<FailureReason, string> = {
  'not-encrypted': 'not encrypted — not shown',
  'unsupported-version': 'sent from a newer Parley; update to read it',
  malformed: 'damaged message',
  'wrong-conversation': 'this message was moved from another conversation',
  'unknown-sender-key': "can't verify the sender",
  'bad-signature': 'forged or altered message',
  'unknown-epoch': "can't decrypt: no key for it",
  tampered: "can't decrypt: keys disagree",
  'unsupported-content': 'sent from a newer Parley',
  'unaccepted-key': 'signed by keys you have not accepted — compare safety numbers first',
  'not-a-member': 'from someone who is not in this conversation — not shown',
  replayed: 'a second copy of an earlier message (replayed) — not shown',
};

/** A message whose signed creation time is this far after the server's time is flagged (clocks drift a little). */
const SKEW_AHEAD_MS = 10 * 60_000;
/** …or this far before it: an outbox can hold a message for a while, but not for days unnoticed. */
const SKEW_BEHIND_MS = 24 * 3_600_000;

/** A warning when the time in the signed clientMsgId and the server's `ts` disagree by much; undefined otherwise. */
export function clockSkewWarning(clientMsgId: string, ts: number): string | undefined {
  const written = timeOfClientMsgId(clientMsgId);
  if (written === undefined) return undefined;
  const span = (ms: number) => (ms >= 2 * 86_400_000 ? `${Math.round(ms / 86_400_000)} days` : `${Math.max(1, Math.round(ms / 3_600_000))} hours`);
  if (written - ts > SKEW_AHEAD_MS) return `written ${span(written - ts)} after the time the server gives it: the time shown may be wrong`;
  if (ts - written > SKEW_BEHIND_MS) return `written ${span(ts - written)} before the time the server gives it: it may have been held back`;
  return undefined;
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

/**
 * How much of the server's message limit a text takes once encrypted: its UTF-8 bytes, and the most an
 * envelope can carry within the server's `body` limit (from hello: a server may announce less than the
 * protocol's 16,000 characters). The composer and `send` both count this, so they cannot disagree.
 */
export function messageSize(text: string, bodyMaxLength: number): { bytes: number; maxBytes: number; fits: boolean } {
  const bytes = utf8Length(text);
  const maxBytes = maxPlaintextBytes(Math.min(bodyMaxLength, BODY_MAX_LENGTH));
  return { bytes, maxBytes, fits: bytes <= maxBytes };
}

/** The sentence for a text that does not fit, in the user's terms (characters outside ASCII take 2 to 4 bytes). */
export const tooLongText = (size: { bytes: number; maxBytes: number }): string =>
  `This message is too long to send: ${size.bytes.toLocaleString('en-US')} bytes of text, and at most ${size.maxBytes.toLocaleString('en-US')} fit ` +
  '(letters with accents, other scripts and emoji take 2 to 4 bytes each). Shorten it or send it in parts.';
