// The fast `send` check accepts nothing the zod schema rejects, and accepts the frames clients really send.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { LIMITS, SendRequest } from '../../shared/protocol.js';
import { parseClientFrame } from '../parse.js';
import { isPlainValidSend } from './send-check.js';

const common = {
  id: fc.nat(),
  type: fc.constant('send'),
  clientMsgId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  body: fc.string({ minLength: 1, maxLength: 200 }),
};
/** A direct send (`to`) or a group send (`conversationId`). */
const validSend = fc.oneof(
  fc.record({ ...common, to: fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/) }),
  fc.record({ ...common, conversationId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
);

/** A valid frame with up to two fields replaced by edge values, removed, or an extra field added. */
const nearlySend = fc
  .tuple(
    validSend,
    fc.array(
      fc.tuple(
        fc.constantFrom('id', 'type', 'to', 'conversationId', 'clientMsgId', 'body', 'extra', '__proto__'),
        fc.oneof(
          fc.constant(undefined),
          fc.constantFrom(-1, 0, 1, 1.5, -0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, '1', null, true, [], {}),
          fc.constantFrom('', 'a'.repeat(64), 'a'.repeat(65), 'x'.repeat(LIMITS.bodyMaxLength), 'x'.repeat(LIMITS.bodyMaxLength + 1)),
          fc.constantFrom('a b', 'é', 'ok_-', 'Send', 'login'),
          fc.string({ maxLength: 70 }),
        ),
      ),
      { maxLength: 2 },
    ),
  )
  .map(([frame, edits]) => {
    const value: Record<string, unknown> = { ...frame };
    for (const [key, replacement] of edits) {
      if (replacement === undefined) delete value[key];
      else Object.defineProperty(value, key, { value: replacement, enumerable: true, writable: true, configurable: true });
    }
    return value;
  });

test('whatever the fast check accepts, SendRequest accepts (and it accepts many)', () => {
  let accepted = 0;
  fc.assert(
    fc.property(nearlySend, (value) => {
      if (isPlainValidSend(value)) {
        accepted++;
        expect(SendRequest.safeParse(value).success).toBe(true);
      }
    }),
    { numRuns: 20_000 },
  );
  expect(accepted).toBeGreaterThan(1_000);
});

test('frames a client really sends take the fast path', () => {
  fc.assert(
    fc.property(validSend, (value) => {
      expect(isPlainValidSend(value)).toBe(true);
      expect(SendRequest.safeParse(value).success).toBe(true);
    }),
  );
});

test('a frame the fast check refuses still gets zod’s verdict and error', () => {
  expect(parseClientFrame(JSON.stringify({ id: 1, type: 'send', to: 'bob', clientMsgId: 'a', body: '' }))).toMatchObject({
    ok: false,
    id: 1,
    error: { code: 'INVALID_FRAME' },
  });
  expect(parseClientFrame(JSON.stringify({ id: 2, type: 'send', to: 'bob', clientMsgId: 'a', body: 'x'.repeat(LIMITS.bodyMaxLength + 1) }))).toMatchObject({
    ok: false,
    error: { code: 'MESSAGE_TOO_LONG' },
  });
  expect(parseClientFrame('{"id":3,"type":"send","to":"bob","clientMsgId":"a","body":"hi","__proto__":{}}')).toMatchObject({ ok: false });
  expect(parseClientFrame('{"id":4,"type":"send","to":"bob","clientMsgId":"a","body":"hi"}')).toMatchObject({ ok: true });
});
