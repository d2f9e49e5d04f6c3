// `@name` in group messages: finding the mentions to highlight, and the word being typed for autocomplete.

/** A username as the protocol shapes it (letters, digits, dots, underscores, hyphens). */
const NAME_CHARS = '[A-Za-z0-9._-]';
const MENTION = new RegExp(`(?<![A-Za-z0-9._-])@(${NAME_CHARS}+)`, 'g');

export type MentionPart = { kind: 'text'; text: string } | { kind: 'mention'; text: string; username: string; me: boolean };

/**
 * Splits text into plain runs and `@name` mentions of the people in `names`; a trailing dot (end of a
 * sentence) is not part of the name unless a member's name has it. Anything else stays text.
 */
export function splitMentions(text: string, names: ReadonlySet<string>, me: string): MentionPart[] {
  const parts: MentionPart[] = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const username = memberPrefix(match[1] ?? '', names);
    if (username === null) continue;
    const start = match.index;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'mention', text: `@${username}`, username, me: username === me });
    last = start + 1 + username.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** The name itself when it is a member's, or with trailing punctuation dots removed. */
function memberPrefix(word: string, names: ReadonlySet<string>): string | null {
  let candidate = word;
  while (candidate !== '') {
    if (names.has(candidate)) return candidate;
    if (!/[.\-_]$/.test(candidate)) return null;
    candidate = candidate.slice(0, -1);
  }
  return null;
}

/** The `@word` that ends at the caret, if one is being typed: where it starts and what is typed so far. */
export function mentionAtCaret(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = new RegExp(`(?:^|\\s)@(${NAME_CHARS}*)$`).exec(before);
  if (!match) return null;
  const query = match[1] ?? '';
  return { start: caret - query.length - 1, query };
}

/** Members whose names start with the query (any case), then those that contain it; at most `limit`. */
export function mentionCandidates(members: readonly string[], query: string, me: string, limit = 6): string[] {
  const q = query.toLowerCase();
  const others = members.filter((m) => m !== me);
  const starts = others.filter((m) => m.toLowerCase().startsWith(q));
  const contains = others.filter((m) => !m.toLowerCase().startsWith(q) && m.toLowerCase().includes(q));
  return [...starts, ...contains].slice(0, limit);
}

/** The text with the `@word` at `start` (ending at `caret`) completed to `@username `, and the new caret. */
export function completeMention(text: string, start: number, caret: number, username: string): { text: string; caret: number } {
  const inserted = `@${username} `;
  const rest = text.slice(caret).replace(/^\S*/, '').replace(/^ /, '');
  return { text: text.slice(0, start) + inserted + rest, caret: start + inserted.length };
}
