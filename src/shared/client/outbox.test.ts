import { describe, expect, it } from 'vitest';
import { ClientMsgId } from '../protocol.js';
import { newClientMsgId } from './ids.js';
import { isPermanentSendError, loadOutbox, saveOutbox } from './outbox.js';
import { STORAGE_KEYS, memoryStorage } from './storage.js';
import type { OutboxEntry } from './state.js';

const entry = (n: number, status: OutboxEntry['status'] = 'sending'): OutboxEntry => ({
  clientMsgId: `id${n}`,
  to: 'bob',
  body: `hello ${n}`,
  createdAt: n,
  status,
});

describe('outbox persistence', () => {
  it('round-trips entries per user and removes the key when empty', () => {
    const storage = memoryStorage();
    saveOutbox(storage, 'alice', [entry(1), entry(2, 'failed')]);
    expect(loadOutbox(storage, 'alice')).toEqual([entry(1), entry(2, 'failed')]);
    expect(loadOutbox(storage, 'Alice')).toEqual([]);
    saveOutbox(storage, 'alice', []);
    expect(storage.getItem(STORAGE_KEYS.outbox('alice'))).toBeNull();
  });

  it('survives a corrupt or foreign value without throwing', () => {
    const storage = memoryStorage({ [STORAGE_KEYS.outbox('alice')]: '{not json' });
    expect(loadOutbox(storage, 'alice')).toEqual([]);
    storage.setItem(STORAGE_KEYS.outbox('alice'), JSON.stringify([entry(1), { clientMsgId: 3 }, null]));
    expect(loadOutbox(storage, 'alice')).toEqual([entry(1)]);
  });

  it('treats only incurable errors as failures', () => {
    expect(isPermanentSendError('USER_NOT_FOUND')).toBe(true);
    expect(isPermanentSendError('MESSAGE_TOO_LONG')).toBe(true);
    for (const code of ['DISCONNECTED', 'TIMEOUT', 'RATE_LIMITED', 'SERVER_BUSY', 'INTERNAL', 'SHUTTING_DOWN'] as const) {
      expect(isPermanentSendError(code)).toBe(false);
    }
  });
});

describe('newClientMsgId', () => {
  it('fits the protocol and does not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, newClientMsgId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(ClientMsgId.safeParse(id).success).toBe(true);
  });

  it('sorts by creation time, byte-wise as the server compares them', () => {
    const times = [0, 1, 63, 64, 1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000, 2 ** 48 - 1];
    const ids = times.map((t) => newClientMsgId(t));
    const byteOrder = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(byteOrder).toEqual(ids);
    expect(ids.every((id) => id.length === 22)).toBe(true);
  });
});
