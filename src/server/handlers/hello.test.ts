// hello: the protocol version agreed, the server's limits and realm, and the session a cookie attached.
import { expect, test } from 'vitest';
import { realmOf, REALM_PATTERN } from '../../shared/crypto/index.js';
import { LIMITS } from '../../shared/protocol.js';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { DEFAULT_RATE_LIMITS } from '../limits/rate-limits.js';
import { hello } from './hello.js';

await describeStores({ maxMessageLength: 4_000, rateLimits: { ...DEFAULT_RATE_LIMITS, requestsPerSecond: 50 } }, (harness) => {
  test('the highest version both speak is agreed and remembered on the connection, with the server’s own limits', async () => {
    const h = harness();
    const conn = h.connection();
    const reply = await h.handle(hello, { type: 'hello', versions: [7, 1, 3], client: 'unit' }, conn);
    expect(reply).toMatchObject({
      version: 1,
      server: 'parley',
      limits: { maxFrameBytes: LIMITS.maxFrameBytes, bodyMaxLength: 4_000, passwordMinLength: LIMITS.passwordMinLength, requestsPerSecond: 50 },
      session: null,
    });
    expect(conn.version).toBe(1);
  });

  test('the realm derives from the server secret and the generation stays the same from one hello to the next', async () => {
    const h = harness();
    const first = await h.handle(hello, { type: 'hello', versions: [1] }, h.connection());
    const second = await h.handle(hello, { type: 'hello', versions: [1] }, h.connection());
    expect(first.realm).toBe(realmOf(await h.store.serverSecret()));
    expect(first.realm).toMatch(REALM_PATTERN);
    expect(first.generation).toMatch(/^[0-9a-f]{32}$/);
    expect(second.generation).toBe(first.generation);
  });

  test('a connection logged in already (the browser’s cookie) is told its session', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const reply = await h.handle(hello, { type: 'hello', versions: [1] }, alice.conn);
    expect(reply.session).toEqual({ username: 'alice', sessionId: alice.session.sessionId });
  });

  test('no common version: UNSUPPORTED_VERSION, and the connection has still agreed on none', async () => {
    const h = harness();
    const conn = h.connection();
    const error = await h.refuses('UNSUPPORTED_VERSION', () => h.handle(hello, { type: 'hello', versions: [2, 9] }, conn));
    expect(error.message).toContain('version 1');
    expect(conn.version).toBeNull();
  });
});
