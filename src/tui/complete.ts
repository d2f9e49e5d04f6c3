// Tab completion at the prompt: the word before the cursor, completed from the names the screen knows.

interface Completion {
  value: string;
  cursor: number;
  /** The names that still fit when the word could not be completed to one of them (for a hint). */
  options: string[];
}

/**
 * The word before the cursor completed from `candidates`, as a shell does: one match is written out
 * with a space after it; several are completed as far as they agree, and listed once that is all.
 */
export function complete(value: string, cursor: number, candidates: readonly string[]): Completion {
  const start = wordStart(value, cursor);
  const word = value.slice(start, cursor);
  const matches = [...new Set(candidates)].filter((c) => c.startsWith(word) && c !== '').sort();
  const unchanged = { value, cursor, options: [] };
  // An empty line completes to nothing (every name would fit); after a command (`!go `) the names are listed.
  if (word === '' && !/^[!/]/.test(value.trimStart())) return unchanged;
  if (matches.length === 0) return unchanged;
  const only = matches.length === 1 ? matches[0]! : null;
  const insert = only !== null ? `${only} ` : commonPrefix(matches);
  if (insert === word) return { ...unchanged, options: matches };
  return { value: value.slice(0, start) + insert + value.slice(cursor), cursor: start + insert.length, options: [] };
}

/** Where the word that ends at `cursor` begins (words are split by spaces and line breaks). */
function wordStart(value: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && !/\s/.test(value[i - 1]!)) i--;
  return i;
}

function commonPrefix(words: readonly string[]): string {
  let prefix = words[0] ?? '';
  for (const word of words) while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
