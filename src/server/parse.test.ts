// Unit tests of parsing at the edge: every failure is a ParleyError with the right code and the id when known.
import { expect, test } from 'vitest';
import { LIMITS } from '../shared/protocol.js';
import { parseClientFrame } from './parse.js';

const fail = (data: string) => {
  const result = parseClientFrame(data);
  if (result.ok) throw new Error('expected a failure');
  return { id: result.id, code: result.error.code, message: result.error.message };
};

test('a valid frame parses to its typed value', () => {
  expect(parseClientFrame('{"id":1,"type":"send","to":"bob","clientMsgId":"m-1","body":"hi"}')).toEqual({
    ok: true,
    frame: { id: 1, type: 'send', to: 'bob', clientMsgId: 'm-1', body: 'hi' },
  });
});

test('codes for each kind of failure', () => {
  expect(fail('{')).toMatchObject({ id: null, code: 'INVALID_FRAME' });
  expect(fail('[1]')).toMatchObject({ id: null, code: 'INVALID_FRAME' });
  expect(fail('{"id":5,"type":"dance"}')).toMatchObject({ id: 5, code: 'UNKNOWN_TYPE' });
  expect(fail('{"id":5,"type":"toString"}')).toMatchObject({ id: 5, code: 'UNKNOWN_TYPE' });
  expect(fail('{"id":-1,"type":"online"}')).toMatchObject({ id: null, code: 'INVALID_FRAME' });
  expect(fail('{"id":2,"type":"register","username":"a b","password":"x"}')).toMatchObject({ id: 2, code: 'INVALID_USERNAME' });
  const long = JSON.stringify({ id: 3, type: 'send', to: 'b', clientMsgId: 'c', body: 'x'.repeat(LIMITS.bodyMaxLength + 1) });
  expect(fail(long)).toMatchObject({ id: 3, code: 'MESSAGE_TOO_LONG' });
});

test('the message names the field but never echoes the value', () => {
  const { message } = fail('{"id":1,"type":"send","to":"bob","clientMsgId":"has spaces and secrets","body":"b"}');
  expect(message).toContain('"clientMsgId"');
  expect(message).not.toContain('secrets');
});

test('a user cannot smuggle extra fields into a frame', () => {
  expect(fail('{"id":1,"type":"send","to":"bob","clientMsgId":"m","body":"b","from":"mallory"}')).toMatchObject({
    code: 'INVALID_FRAME',
    message: 'Unknown field(s) "from".',
  });
});
