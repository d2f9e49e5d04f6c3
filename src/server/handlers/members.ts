// Checking that the caller belongs to a conversation, with the error that does not reveal others'.
import { ParleyError } from '../../shared/errors.js';
import type { Store } from '../store/store.js';

export async function requirePeers(store: Store, userId: number, conversationId: number): Promise<number[]> {
  const peers = await store.peersOf(userId, conversationId);
  if (!peers) throw new ParleyError('CONVERSATION_NOT_FOUND', 'That conversation does not exist or you are not in it.');
  return peers;
}
