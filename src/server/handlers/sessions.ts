// sessions: the user's signed-in devices (device, address, last seen), for reviewing and revoking them.
import { type Handler, sessionOf } from '../context.js';

export const sessions: Handler<'sessions'> = {
  needsSession: true,
  async handle(_request, ctx) {
    const session = sessionOf(ctx);
    const { store, hub, now } = ctx.services;
    const [connected, rows] = await Promise.all([hub.connectedSessions(session.userId), store.listSessions(session.userId)]);
    return {
      sessions: rows.map((row) => ({
        sessionId: row.id,
        device: row.device,
        address: row.address,
        createdAt: row.createdAt,
        lastSeenAt: connected.has(row.id) ? now() : row.lastSeenAt,
        current: row.id === session.sessionId,
        connected: connected.has(row.id),
      })),
    };
  },
};
