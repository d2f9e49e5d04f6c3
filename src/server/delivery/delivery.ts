// The fast lane: a `send` from its arrival to its ack and pushes. Store a direct message exactly once
// (group commit), ack it, then push it to both users' sessions; every other request takes handlers/.
import { envelopeConversationId, isEnvelopeShaped } from '../../shared/crypto/envelope.js';
import { groupEnvelopeHeader, isGroupEnvelopeShaped } from '../../shared/crypto/group-envelope.js';
import { ParleyError } from '../../shared/errors.js';
import type { RequestOf } from '../../shared/protocol.js';
import type { ServerConfig } from '../config.js';
import type { Hub, HubClient } from '../hub.js';
import type { RateLimits } from '../limits/rate-limits.js';
import { userNotFound } from '../lookups.js';
import type { AppendResult, Store } from '../store/store.js';
import { Committer } from './committer.js';
import { messageFrame, sendAckFrame } from './message-frames.js';
import type { DeliveryMetrics } from './metrics.js';
import { messageTooLong } from './send-check.js';

/** The connection a send arrived on, as delivery sees it (Connection is one). */
export interface SendOrigin {
  /** The connection as the hub knows it while logged in: the sender's own copy of a push skips it. */
  readonly client: HubClient | null;
  /** Sends a request's reply (then closes the connection if an earlier request asked to). */
  finishRequest(reply: string): void;
  replyError(id: number | null, error: unknown, type?: string): void;
}

interface DeliveryOptions {
  store: Store;
  config: Pick<ServerConfig, 'allowUnencrypted' | 'maxMessageLength'>;
  hub: Hub;
  rateLimits: RateLimits;
  metrics: DeliveryMetrics;
  now(): number;
  /** Told when acking or pushing a committed message failed (a bug): the rest of its batch goes on. */
  onError(error: unknown): void;
}

/** One send from its arrival to its ack and pushes: the message the store appends, and whom to answer. */
class QueuedSend {
  constructor(
    readonly senderId: number,
    readonly from: string,
    /** Undefined for a group send: then `conversationId` names the group. */
    readonly to: string | undefined,
    readonly clientMsgId: string,
    readonly body: string,
    readonly ts: number,
    readonly conversationId: number | undefined,
    readonly origin: SendOrigin,
    readonly requestId: number,
  ) {}
}

/** The two kinds of queued send as the store sees them (NewMessage's two halves). */
type DirectQueuedSend = QueuedSend & { readonly to: string };
type GroupQueuedSend = QueuedSend & { readonly to: undefined; readonly conversationId: number };

export class Delivery {
  private readonly committer: Committer<DirectQueuedSend | GroupQueuedSend>;

  constructor(private readonly options: DeliveryOptions) {
    this.committer = new Committer(
      options.store,
      // Callbacks rather than promises: this runs for every message, and the acks and pushes of one
      // group commit are then all written in the turn of the commit.
      (send, error, result) => this.committed(send, error, result),
      options.onError,
      (messages, seconds) => options.metrics.committed(messages, seconds),
    );
  }

  /**
   * The one way in, from a logged-in connection. Nothing is awaited before the message joins the batch
   * (the rate limiter, when on, releases a user's sends in arrival order), so a connection's sends are
   * stored in the order they arrived.
   */
  accept(request: RequestOf<'send'>, origin: SendOrigin, sender: { userId: number; username: string }): void {
    try {
      const { rateLimits, now } = this.options;
      const send = this.queued(request, origin, sender, now());
      const allowed = rateLimits.message(sender.userId);
      if (allowed) allowed.then(() => this.committer.enqueue(send), (error: unknown) => origin.replyError(request.id, error, 'send'));
      else this.committer.enqueue(send);
    } catch (error) {
      origin.replyError(request.id, error, 'send');
    }
  }

  /** The send as the store takes it, once its shape passed: a direct one (`to`) or a group one (`conversationId`). */
  private queued(request: RequestOf<'send'>, origin: SendOrigin, sender: { userId: number; username: string }, ts: number): DirectQueuedSend | GroupQueuedSend {
    const { config } = this.options;
    const { to, body } = request;
    if ((to === undefined) === (request.conversationId === undefined)) {
      throw new ParleyError('INVALID_FRAME', 'A send names either a user (to) or a group (conversationId), not both or neither.');
    }
    const group = request.conversationId !== undefined;
    if (!config.allowUnencrypted && !(group ? isGroupEnvelopeShaped(body) : isEnvelopeShaped(body))) {
      throw new ParleyError('E2E_REQUIRED', 'This server relays only end-to-end encrypted messages: send with a Parley client.');
    }
    if (body.length > config.maxMessageLength) throw new ParleyError('MESSAGE_TOO_LONG', messageTooLong(config.maxMessageLength));
    if (request.conversationId !== undefined) {
      // A group envelope names its conversation: it is stored only in that one.
      if (!config.allowUnencrypted && groupEnvelopeHeader(body)?.conversationId !== request.conversationId) {
        throw new ParleyError('CONVERSATION_MISMATCH', 'This message was encrypted for another conversation than the one it was sent to; nothing was stored.');
      }
      return new QueuedSend(sender.userId, sender.username, undefined, request.clientMsgId, body, ts, request.conversationId, origin, request.id) as GroupQueuedSend;
    }
    // An envelope is bound to its conversation; the store checks it against the one it would go to.
    const conversationId = config.allowUnencrypted ? undefined : envelopeConversationId(body);
    return new QueuedSend(sender.userId, sender.username, to, request.clientMsgId, body, ts, conversationId, origin, request.id) as DirectQueuedSend;
  }

  /** Waits until every accepted send is committed and answered; used at shutdown. */
  drain(): Promise<void> {
    return this.committer.drain();
  }

  private committed(send: QueuedSend, error: unknown, result: AppendResult | undefined): void {
    const { origin } = send;
    if (error !== undefined || result === undefined) return origin.replyError(send.requestId, error, 'send');
    if (!result.message) {
      let refusal: ParleyError;
      if ('notMember' in result) refusal = new ParleyError('CONVERSATION_NOT_FOUND');
      else if (result.misdirected) {
        const where = send.to === undefined ? 'this group' : `the one with ${send.to}`;
        refusal = new ParleyError('CONVERSATION_MISMATCH', `This message was encrypted for another conversation than ${where}; nothing was stored.`);
      } else refusal = userNotFound(send.to ?? '');
      return origin.replyError(send.requestId, refusal, 'send');
    }
    const { message: stored, duplicate } = result;
    origin.finishRequest(sendAckFrame(send.requestId, stored));
    // A resend already reached everyone (or they will sync it): it gets the original ack and no second push.
    if (duplicate) return;
    const { hub, metrics, now } = this.options;
    metrics.messageStored();
    // Serialized once for every session it goes to; pushed after the ack (docs/architecture.md, the delivery model).
    const frame = messageFrame(stored);
    const sending = origin.client ?? undefined;
    if ('memberIds' in result) {
      // A group message: every current member's sessions, the sender's others included.
      let pushed = 0;
      for (const id of result.memberIds) pushed += hub.sendToUser(id, frame, id === send.senderId ? sending : undefined);
      metrics.messagePushed(pushed, now() - stored.ts);
      return;
    }
    const { recipientId } = result;
    let pushed = hub.sendToUser(recipientId, frame);
    if (recipientId !== send.senderId) pushed += hub.sendToUser(send.senderId, frame, sending);
    metrics.messagePushed(pushed, now() - stored.ts);
    // The first message of a conversation may have created it: from now on the two see each other's presence
    // (a conversation made by `open` was linked there). Later messages cost nothing here.
    if (stored.seq === 1) hub.link(send.senderId, recipientId);
  }
}
