import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { Message } from '../../shared/protocol.js';
import { messageFrame, sendAckFrame } from './message-frames.js';

// Any strings at all (quotes, control characters, lone surrogates, emoji): the hand-written frames must be
// exactly the text JSON.stringify makes, key order included, or clients and the bench's scanner would differ.
const text = fc.string({ unit: 'binary', maxLength: 200 });
const whole = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
// `to` is absent from some (group messages).
const message = fc.record(
  { cursor: whole, conversationId: whole, seq: whole, from: text, to: text, clientMsgId: text, body: text, ts: whole },
  { requiredKeys: ['cursor', 'conversationId', 'seq', 'from', 'clientMsgId', 'body', 'ts'] },
);

test('messageFrame and sendAckFrame are JSON.stringify of the same frames', () => {
  fc.assert(
    fc.property(message, whole, (m: Message, id) => {
      expect(messageFrame(m)).toBe(JSON.stringify({ type: 'message', message: m }));
      const { clientMsgId, conversationId, seq, cursor, ts } = m;
      expect(sendAckFrame(id, m)).toBe(JSON.stringify({ type: 'ok', id, result: { clientMsgId, conversationId, seq, cursor, ts } }));
    }),
    { numRuns: 2_000 },
  );
});
