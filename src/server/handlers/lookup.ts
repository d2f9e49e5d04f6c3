// lookup: is this username registered, and is it online? Tells "no such user" from "offline".
import type { Handler } from '../context.js';
import { requireUserId } from '../lookups.js';

export const lookup: Handler<'lookup'> = {
  needsSession: true,
  async handle(request, { services }) {
    const userId = await requireUserId(services.store, request.username);
    return { username: request.username, online: await services.hub.isOnline(userId) };
  },
};
