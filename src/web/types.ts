// The shapes the components draw; the SDK's snapshot types fit them, so components don't depend on the SDK.

export type DeliveryStatus = 'sending' | 'sent' | 'seen' | 'failed';

/** One line of a conversation: a delivered message, or one of ours still in the outbox. */
export interface MessageItem {
  key: string;
  from: string;
  body: string;
  ts: number;
  seq: number | null;
  mine: boolean;
  status: DeliveryStatus | null;
  error?: { message: string };
  /** Present while the message is in the outbox (not yet acknowledged). */
  clientMsgId?: string;
  /** The message could not be decrypted or verified: `body` is empty and this says why. */
  failure?: { reason: string; explanation: string };
  /** Shown beside the text: its signed time and the server's disagree by much. */
  warning?: string;
}

/** Something about a conversation's keys or members the user must see (SecurityEvent in the SDK). */
export interface SecurityNote {
  id: number;
  kind: string;
  text: string;
}

/** A membership change as a centered line in a group's history ("alice added carol"), after message `afterSeq`. */
export interface SystemLine {
  key: string;
  afterSeq: number;
  text: string;
  ts: number;
}
