// online: a page of the active users, the caller included (the Python messenger's menu), searchable by name.
import { LIMITS } from '../../shared/protocol.js';
import type { Handler } from '../context.js';

export const online: Handler<'online'> = {
  needsSession: true,
  async handle(request, { services }) {
    return services.hub.onlinePage({ query: request.query, after: request.after, limit: request.limit ?? LIMITS.onlineDefaultLimit });
  },
};
