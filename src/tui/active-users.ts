// The menu's "Online now" line: as many of the first page of everyone online as fit, and how many more.

/** How many names the menu asks for: more than three lines of a wide terminal hold. */
export const MENU_PAGE_SIZE = 60;

/**
 * "Online now (N): you first if not on the page, then names while they fit in `width`, and how many more":
 * with thousands online the menu shows a page and says to type a name.
 */
export function onlineSummary(users: readonly string[], total: number, me: string, width: number): string {
  const head = `Online now (${total}): `;
  if (users.length === 0 && !me) return `${head}nobody`;
  const names = me && !users.includes(me) ? [me, ...users] : [...users];
  const words: string[] = [];
  for (const name of names) {
    const word = name === me ? `${name} (you)` : name;
    const more = total - words.length - 1;
    const text = head + [...words, word].join(', ') + moreText(more);
    if (words.length > 0 && text.length > width) break;
    words.push(word);
  }
  return head + words.join(', ') + moreText(total - words.length);
}

const moreText = (more: number): string => (more > 0 ? ` and ${more} more — type a name` : '');
