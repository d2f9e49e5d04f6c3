// online: the active users, the caller included (the Python messenger's menu).
import type { Handler } from '../context.js';

export const online: Handler<'online'> = {
  needsSession: true,
  async handle(_request, { services }) {
    return { users: services.hub.onlineUsernames() };
  },
};
