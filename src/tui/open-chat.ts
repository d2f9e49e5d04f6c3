// Opening a chat by name or by its place in the menu, from any screen (typing a name, !go, Alt+number).
import { ParleyError, type ClientState, type ParleyClient } from '../shared/client/index.js';
import { groupName } from './notice-text.js';

interface Opened {
  /** The peer's username, or the group's name. */
  peer: string;
  conversationId: number;
  group: boolean;
}

/** A conversation of the list as something to open. */
const openedOf = (c: ClientState['conversations'][number]): Opened =>
  c.kind === 'group' ? { peer: c.name, conversationId: c.id, group: true } : { peer: c.peer, conversationId: c.id, group: false };

/**
 * The group a name opens: exactly its name as shown, or `#` and its name (the menu shows groups so); the newest
 * first when two share a name.
 */
export function groupNamed(state: ClientState, target: string): Opened | null {
  const name = target.startsWith('#') ? target.slice(1) : target;
  const group = state.conversations.find((c) => c.kind === 'group' && groupName(state, c.id) === name);
  return group ? openedOf(group) : null;
}

/** The Nth conversation of the menu's list (newest first), or null when there are fewer. */
export function nthConversation(state: ClientState, n: number): Opened | null {
  const c = state.conversations[n - 1];
  return c ? openedOf(c) : null;
}

/**
 * `!go` and the menu: a number is a place in the list, a group's name opens the group, anything else is a
 * username. Rejects with an Error
 * whose message says in plain words why the chat did not open.
 */
export async function openChat(client: ParleyClient, target: string): Promise<Opened> {
  if (/^[1-9]\d*$/.test(target)) {
    const opened = nthConversation(client.getSnapshot(), Number(target));
    if (!opened) throw new Error(`There is no conversation ${target} in the menu's list.`);
    return opened;
  }
  const group = groupNamed(client.getSnapshot(), target);
  if (group) return group;
  if (target.startsWith('#')) throw new Error(`You are in no group named “${target.slice(1)}”.`);
  try {
    const conversation = await client.openConversation(target);
    return openedOf(conversation);
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
export const knownNames = (state: ClientState): string[] => [
  ...state.conversations.flatMap((c) => (c.kind === 'direct' ? [c.peer] : [])),
  ...Object.keys(state.contacts),
];
