// bye: the connection closes normally after the reply; the session is kept for next time.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { bye } from './bye.js';

await describeStores((harness) => {
  test('asks for a normal close after the reply and ends no session', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const before = await h.rows();
    expect(await h.handle(bye, { type: 'bye' }, alice.conn)).toEqual({});
    expect(alice.conn.closeAfter).toEqual({ code: CLOSE_CODES.normal, reason: 'bye' });
    expect(alice.conn.session).toEqual(alice.session);
    expect(await h.rows()).toEqual(before);
  });

  test('a logged-out connection may say bye too', async () => {
    const h = harness();
    const conn = h.connection();
    await h.handle(bye, { type: 'bye' }, conn);
    expect(conn.closeAfter?.code).toBe(CLOSE_CODES.normal);
  });
});
