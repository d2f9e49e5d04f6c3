// Where a message mentions the user: `@name` as a whole word (usernames are case sensitive), so the chat can mark it.

/** Characters a username may hold (protocol.ts): letters, digits, dots, underscores, hyphens. */
const NAME_CHAR = /[A-Za-z0-9._-]/;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The text cut into runs, those that are `@me` marked. A mention is not part of a longer name or address
 * (`@alice2`, `bob@alice`); a dot right after it ends a sentence, not the name.
 */
export function mentionSegments(text: string, me: string): { text: string; mention: boolean }[] {
  if (me === '' || !text.includes(`@${me}`)) return [{ text, mention: false }];
  const pattern = new RegExp(`@${escape(me)}`, 'g');
  const out: { text: string; mention: boolean }[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const at = match.index;
    const after = at + match[0].length;
    const before = text[at - 1];
    const next = text[after];
    const continues = next !== undefined && NAME_CHAR.test(next) && !(next === '.' && !NAME_CHAR.test(text[after + 1] ?? ' '));
    if ((before !== undefined && (NAME_CHAR.test(before) || before === '@')) || continues) continue;
    if (at > last) out.push({ text: text.slice(last, at), mention: false });
    out.push({ text: match[0], mention: true });
    last = after;
  }
  if (last < text.length) out.push({ text: text.slice(last), mention: false });
  return out.length ? out : [{ text, mention: false }];
}

/** Whether the text mentions the user. */
export const mentionsMe = (text: string, me: string): boolean => mentionSegments(text, me).some((s) => s.mention);
