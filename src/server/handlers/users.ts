// Resolving a username someone typed, with the plain-words error when nobody has it.
import { ParleyError } from '../../shared/errors.js';
import { USERNAME_PATTERN } from '../../shared/protocol.js';
import type { Store } from '../store/store.js';

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
