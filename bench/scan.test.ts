// The fast frame reader agrees with JSON.parse on the server's frames and declines anything unusual.
import { describe, expect, it } from 'vitest';
import { scanFrame, type ScannedFrame } from './scan.js';

const out = (): ScannedFrame => ({ id: -1, from: '', clientMsgId: '' });
const buf = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('scanFrame', () => {
  it('reads an ack as the server writes it', () => {
    const o = out();
    const frame = { type: 'ok', id: 1234567, result: { clientMsgId: 'ab12_x-9', conversationId: 3, seq: 9, cursor: 77, ts: 1 } };
    expect(scanFrame(buf(frame), o)).toBe('ack');
    expect(o).toMatchObject({ id: 1234567, clientMsgId: 'ab12_x-9' });
  });

  it('reads a pushed message, whatever its body says', () => {
    const o = out();
    const body = 'fake "from":"mallory" and "clientMsgId":"zzz" \\ é';
    const frame = { type: 'message', message: { cursor: 1, conversationId: 2, seq: 3, from: 'alice', to: 'bob', clientMsgId: 'c9', body, ts: 4 } };
    expect(scanFrame(buf(frame), o)).toBe('message');
    expect(o).toMatchObject({ from: 'alice', clientMsgId: 'c9' });
    const bodyFirst = { type: 'message', message: { body, from: 'alice', clientMsgId: 'c9' } };
    expect(scanFrame(buf(bodyFirst), o)).toBe('message');
    expect(o).toMatchObject({ from: 'alice', clientMsgId: 'c9' });
  });

  it('declines other frames and other layouts', () => {
    const o = out();
    expect(scanFrame(buf({ type: 'ok', id: 1, result: { username: 'a' } }), o)).toBeNull();
    expect(scanFrame(buf({ id: 1, type: 'ok', result: { clientMsgId: 'a' } }), o)).toBeNull();
    expect(scanFrame(buf({ type: 'error', id: 1, code: 'X', message: 'm' }), o)).toBeNull();
    expect(scanFrame(buf({ type: 'presence', username: 'a', online: true }), o)).toBeNull();
    expect(scanFrame(Buffer.from('{"type":"ok","id":,"result":{"clientMsgId":"a"}}'), o)).toBeNull();
    expect(scanFrame(Buffer.from('{"type":"message","message":{"from":"a\\"b","clientMsgId":"c"}}'), o)).toBeNull();
    expect(scanFrame(Buffer.from('{"type":"message","message":{"from":"ab'), o)).toBeNull();
  });
});
