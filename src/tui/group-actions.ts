// What the group commands do: each calls the SDK, then says in one sentence what happened or why not
// (the SDK's ParleyError sentences: unknown user, not allowed, last owner, group full, bad name…).
import { ParleyError, type ClientState, type ParleyClient } from '../shared/client/index.js';
import type { Status } from './commands.js';
import { listNames, parseHistory, parseNames, parseOne, parseRole } from './group-args.js';

type Say = (status: Status | null) => void;

/** A refusal in plain words: the SDK's sentence for its error code, or a general one for anything else. */
export function refusal(error: unknown): string {
  if (error instanceof ParleyError) return error.message;
  return 'That did not work; check the connection (the header says online when it is back) and try again.';
}

/** Runs `work`, saying `busy` meanwhile and then `done` or why not. */
async function attempt(say: Say, busy: string, work: () => Promise<unknown>, done: string): Promise<void> {
  say({ text: busy, error: false });
  try {
    await work();
    say({ text: done, error: false });
  } catch (error) {
    say({ text: refusal(error), error: true });
  }
}

/** The group commands of one conversation, as the command table's actions. */
export function groupActions(client: ParleyClient, getState: () => ClientState, conversationId: number, say: Say) {
  const group = () => getState().groups[conversationId];
  return {
    members: () => {
      const g = group();
      if (!g) return say({ text: 'The member list is still loading; try again in a moment.', error: false });
      const me = getState().session?.username;
      const names = g.members.map((m) => {
        const tags = [m.username === me ? 'you' : '', m.role === 'member' ? '' : m.role].filter((t) => t !== '');
        return tags.length ? `${m.username} (${tags.join(', ')})` : m.username;
      });
      say({ text: `${g.members.length} member${g.members.length === 1 ? '' : 's'}: ${names.join(', ')}`, error: false });
    },
    add: (arg: string) => {
      const names = parseNames(arg);
      if (names.length === 0) return say({ text: 'Type who to add after !add, e.g. !add carol dave.', error: true });
      void attempt(say, `Adding ${listNames(names)}…`, () => client.addMembers(conversationId, names), `Added ${listNames(names)}.`);
    },
    remove: (arg: string) => {
      const name = parseOne(arg, 'remove');
      if (!name.ok) return say({ text: name.error, error: true });
      void attempt(say, `Removing ${name.value}…`, () => client.removeMember(conversationId, name.value), `Removed ${name.value}.`);
    },
    leave: () =>
      void attempt(say, 'Leaving the group…', () => client.leaveGroup(conversationId), 'You left the group; what came before stays readable here.'),
    rename: (arg: string) => {
      const name = arg.trim();
      void attempt(say, 'Renaming the group…', () => client.renameGroup(conversationId, name), `The group is now called “${name}”.`);
    },
    role: (arg: string) => {
      const parsed = parseRole(arg);
      if (!parsed.ok) return say({ text: parsed.error, error: true });
      const { username, role } = parsed.value;
      void attempt(say, `Making ${username} ${article(role)}…`, () => client.setRole(conversationId, username, role), `${username} is now ${article(role)}.`);
    },
    history: (arg: string) => {
      const parsed = parseHistory(arg);
      if (!parsed.ok) return say({ text: parsed.error, error: true });
      const done =
        parsed.value === 'shared' ? 'People added from now on can read the earlier messages.' : 'People added from now on see only what is written after they join.';
      void attempt(say, 'Changing the history setting…', () => client.setGroupHistory(conversationId, parsed.value), done);
    },
    mute: () => {
      client.setMuted(conversationId, true);
      say({ text: 'Muted: no notices or bell for this group, unless someone mentions you (@you).', error: false });
    },
    unmute: () => {
      client.setMuted(conversationId, false);
      say({ text: 'Unmuted: new messages in this group make a notice again.', error: false });
    },
    seen: () => {
      const summary = getState().conversations.find((c) => c.id === conversationId);
      const seq = summary?.lastSeq ?? 0;
      if (seq === 0) return say({ text: 'There is no message to have seen yet.', error: false });
      void (async () => {
        try {
          const names = await client.seenBy(conversationId, seq);
          say({ text: names.length ? `The last message was seen by ${listNames(names)}.` : 'Nobody else has seen the last message yet.', error: false });
        } catch (error) {
          say({ text: refusal(error), error: true });
        }
      })();
    },
  };
}

const article = (role: string) => (role === 'owner' ? 'an owner' : role === 'admin' ? 'an admin' : 'a member');
