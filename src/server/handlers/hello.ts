// hello: agree on a protocol version and tell the client the server's limits and realm id.
import { ParleyError } from '../../shared/errors.js';
import { realmOf } from '../../shared/crypto/index.js';
import { LIMITS, PROTOCOL_VERSION, SUPPORTED_VERSIONS } from '../../shared/protocol.js';
import type { Handler } from '../context.js';

export const hello: Handler<'hello'> = {
  needsSession: false,
  async handle(request, { conn, services }) {
    const version = Math.max(...request.versions.filter((v) => SUPPORTED_VERSIONS.includes(v)));
    if (!Number.isFinite(version)) {
      throw new ParleyError('UNSUPPORTED_VERSION', `This server speaks protocol version ${PROTOCOL_VERSION}; update the client.`);
    }
    conn.version = version;
    const session = conn.session;
    return {
      version,
      server: 'parley',
      limits: {
        maxFrameBytes: services.config.maxFrameBytes,
        bodyMaxLength: services.config.maxMessageLength,
        passwordMinLength: LIMITS.passwordMinLength,
        requestsPerSecond: services.requestLimits.requestsPerSecond,
        vaultMaxLength: LIMITS.vaultMaxLength,
      },
      session: session && { username: session.username, sessionId: session.sessionId },
      realm: realmOf(await services.store.serverSecret()),
      generation: await services.store.generation(),
    };
  },
};
