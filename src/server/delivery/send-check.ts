// The check every `send` frame takes instead of zod: the zod twin of SendRequest, proved by send-check.test.ts.
import { LIMITS } from '../../shared/protocol.js';

const CLIENT_MSG_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Accepts only what SendRequest accepts (exactly five fields: id, type, clientMsgId, body, and `to` or
 * `conversationId`, each within its schema's rules), in a fraction of zod's time. Anything it does not accept
 * goes through zod, which then accepts or names the error, so errors read exactly as zod's.
 */
export function isPlainValidSend(value: Record<string, unknown>): boolean {
  const { id, to, conversationId, clientMsgId, body } = value;
  let keys = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    keys++;
  }
  return (
    keys === 5 &&
    value.type === 'send' &&
    typeof id === 'number' &&
    Number.isSafeInteger(id) &&
    id >= 0 &&
    ((typeof to === 'string' && to.length <= 64 && conversationId === undefined) ||
      (to === undefined && typeof conversationId === 'number' && Number.isSafeInteger(conversationId) && conversationId > 0)) &&
    typeof clientMsgId === 'string' &&
    CLIENT_MSG_ID.test(clientMsgId) &&
    typeof body === 'string' &&
    body.length >= 1 &&
    body.length <= LIMITS.bodyMaxLength
  );
}

/** The one wording of MESSAGE_TOO_LONG, for the protocol's limit (parsing) and the server's own (delivery). */
export const messageTooLong = (maxLength: number): string => `The message is too long: at most ${maxLength} characters.`;
