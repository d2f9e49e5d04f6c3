// The two frames every message produces, written out by hand: the same text JSON.stringify makes of them
// (message-frames.test.ts checks that over arbitrary messages), at a fraction of the cost on the hot path.
import type { Message } from '../../shared/protocol.js';

/** `{"type":"ok","id":…,"result":{clientMsgId, conversationId, seq, cursor, ts}}`: the ack of a send. */
export function sendAckFrame(id: number, m: Message): string {
  return `{"type":"ok","id":${id},"result":{"clientMsgId":${JSON.stringify(m.clientMsgId)},"conversationId":${m.conversationId},"seq":${m.seq},"cursor":${m.cursor},"ts":${m.ts}}}`;
}

/** `{"type":"message","message":{…}}`: the push of a stored message, serialized once for all its recipients. */
export function messageFrame(m: Message): string {
  return (
    `{"type":"message","message":{"cursor":${m.cursor},"conversationId":${m.conversationId},"seq":${m.seq},` +
    // A group message has no `to`: JSON.stringify leaves an absent field out.
    `"from":${JSON.stringify(m.from)},${m.to === undefined ? '' : `"to":${JSON.stringify(m.to)},`}"clientMsgId":${JSON.stringify(m.clientMsgId)},` +
    `"body":${JSON.stringify(m.body)},"ts":${m.ts}}}`
  );
}
