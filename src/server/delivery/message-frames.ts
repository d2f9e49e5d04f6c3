// The two frames every message produces, written out by hand: the same text JSON.stringify makes of them
// (message-frames.test.ts checks that over arbitrary messages), at a fraction of the cost on the hot path.
import type { Message } from '../../shared/protocol.js';

/**
 * What JSON.stringify would escape in a string: quotes, backslashes, control characters and (well-formed
 * JSON.stringify) lone surrogates; paired surrogates are caught too, and then left to JSON.stringify itself.
 */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s) for a string. Each call of JSON.stringify costs the runtime about 1,500 instructions
 * whatever the string's length (bench/RESULTS.md, ninth session); usernames, clientMsgIds and most bodies
 * need no escaping, so a regular-expression test and the quotes are all they take.
 */
const jsonString = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);
const quoted = (s: string): string => `"${s}"`;
const stringified = (s: string): string => JSON.stringify(s);

/** `{"type":"ok","id":…,"result":{clientMsgId, conversationId, seq, cursor, ts}}`: the ack of a send. */
export function sendAckFrame(id: number, m: Message): string {
  return `{"type":"ok","id":${id},"result":{"clientMsgId":${jsonString(m.clientMsgId)},"conversationId":${m.conversationId},"seq":${m.seq},"cursor":${m.cursor},"ts":${m.ts}}}`;
}

/** `{"type":"message","message":{…}}`: the push of a stored message, serialized once for all its recipients. */
export function messageFrame(m: Message): string {
  // The four strings tested at once (one test instead of four); if one needs escaping, each is stringified.
  const quote = NEEDS_ESCAPE.test(m.from + (m.to ?? '') + m.clientMsgId + m.body) ? stringified : quoted;
  return (
    `{"type":"message","message":{"cursor":${m.cursor},"conversationId":${m.conversationId},"seq":${m.seq},` +
    // A group message has no `to`: JSON.stringify leaves an absent field out, and so does this.
    `"from":${quote(m.from)},${m.to === undefined ? '' : `"to":${quote(m.to)},`}"clientMsgId":${quote(m.clientMsgId)},` +
    `"body":${quote(m.body)},"ts":${m.ts}}}`
  );
}
