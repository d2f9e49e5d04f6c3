// Where a message mentions the user, so the chat can mark it: each `@me` that the SDK's `mentions` counts (the
// rule that decides notices and the bell), so what is marked and what rings never disagree.
import { mentions } from '../shared/client/index.js';

/** `@` is no name character: next to a mention it reads as a space does, and cannot start a second one in the window. */
const quiet = (c: string | undefined) => (c === undefined ? '' : c === '@' ? ' ' : c);

/** The text cut into runs, those that are a mention of `me` marked. */
export function mentionSegments(text: string, me: string): { text: string; mention: boolean }[] {
  const needle = `@${me}`;
  const out: { text: string; mention: boolean }[] = [];
  let last = 0;
  for (let at = me === '' ? -1 : text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    // The occurrence with the characters around it that decide whether it is a whole word.
    const window = `${quiet(text[at - 1])}${needle}${quiet(text[end])}${quiet(text[end + 1])}`;
    if (!mentions(window, me)) continue;
    if (at > last) out.push({ text: text.slice(last, at), mention: false });
    out.push({ text: needle, mention: true });
    last = end;
  }
  if (last < text.length || out.length === 0) out.push({ text: text.slice(last), mention: false });
  return out;
}

/** Whether the text mentions the user. */
export const mentionsMe = (text: string, me: string): boolean => mentions(text, me);
