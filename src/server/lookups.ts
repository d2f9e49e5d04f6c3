// Resolving what a request names (a user, a conversation of the caller's), with errors that reveal nothing
// more: the same answer for a conversation that does not exist and one the caller is not in.
import { ParleyError } from '../shared/errors.js';
import { USERNAME_PATTERN } from '../shared/protocol.js';
import type { Store } from './store/store.js';

export async function requireUserId(store: Store, username: string): Promise<number> {
  const id = USERNAME_PATTERN.test(username) ? await store.findUserIdByName(username) : undefined;
  if (id === undefined) throw userNotFound(username);
  return id;
}

export function userNotFound(username: string): ParleyError {
  // Only a name made of safe characters is echoed back.
  const named = USERNAME_PATTERN.test(username) ? `"${username}"` : 'that name';
  return new ParleyError('USER_NOT_FOUND', `There is no user called ${named}. Usernames are case sensitive.`);
}

export async function requirePeers(store: Store, userId: number, conversationId: number): Promise<number[]> {
  const peers = await store.peersOf(userId, conversationId);
  if (!peers) throw new ParleyError('CONVERSATION_NOT_FOUND');
  return peers;
}
