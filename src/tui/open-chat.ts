// Opening a chat by name or by its place in the menu, from any screen (typing a name, !go, Alt+number).
import { ParleyError, type ClientState, type ParleyClient } from '../shared/client/index.js';

interface Opened {
  peer: string;
  conversationId: number;
}

/** The Nth conversation of the menu's list (newest first), or null when there are fewer. */
export function nthConversation(state: ClientState, n: number): Opened | null {
  const c = directConversations(state)[n - 1];
  return c ? { peer: c.peer, conversationId: c.id } : null;
}

/**
 * `!go` and the menu: a number is a place in the list, anything else a username. Rejects with an Error
 * whose message says in plain words why the chat did not open.
 */
export async function openChat(client: ParleyClient, target: string): Promise<Opened> {
  if (/^[1-9]\d*$/.test(target)) {
    const opened = nthConversation(client.getSnapshot(), Number(target));
    if (!opened) throw new Error(`There is no conversation ${target} in the menu's list.`);
    return opened;
  }
  try {
    const conversation = await client.openConversation(target);
    return { peer: conversation.kind === 'direct' ? conversation.peer : target, conversationId: conversation.id };
  } catch (error) {
    throw new Error(whyNotOpened(error, target));
  }
}

function whyNotOpened(error: unknown, name: string): string {
  const code = error instanceof ParleyError ? error.code : 'INTERNAL';
  if (code === 'USER_NOT_FOUND' || code === 'INVALID_FRAME' || code === 'INVALID_USERNAME') {
    return `There is no user named "${name}". Usernames are case sensitive.`;
  }
  if (code === 'DISCONNECTED' || code === 'TIMEOUT') return 'The server is not reachable right now; try again when the header says online.';
  return error instanceof Error ? error.message : 'That did not work; try again.';
}

/** The usernames Tab completes to: the people of the conversations and every contact whose keys are known. */
export const knownNames = (state: ClientState): string[] => [...directConversations(state).map((c) => c.peer), ...Object.keys(state.contacts)];

/** The conversations the menu lists: direct ones, until the terminal client shows groups. */
export const directConversations = (state: ClientState) => state.conversations.filter((c) => c.kind === 'direct');
