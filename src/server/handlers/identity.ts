// identity: every public identity a user has had, for clients to verify signatures and seal conversation keys.
import { type Handler } from '../context.js';
import { requireUserId } from '../lookups.js';

export const identity: Handler<'identity'> = {
  needsSession: true,
  async handle(request, { services }) {
    const userId = await requireUserId(services.store, request.username);
    return { username: request.username, identities: await services.store.identities(userId) };
  },
};
