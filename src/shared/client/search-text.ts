// How the search index sees text: words folded for case and accents, the prefixes it indexes, and snippets.

/** Letters and digits with their combining marks; everything else separates words. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** Shorter words are neither indexed nor searched: one letter matches nearly everything. */
const MIN_WORD = 2;
/** Prefixes stop here: longer words are still found by their first 24 letters. */
const MAX_PREFIX = 24;

/** Lowercase without accents: "Élan" and "elan" are one word, "Straße" is "strasse". */
export const fold = (word: string): string =>
  word
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss');

interface Word {
  start: number;
  end: number;
  folded: string;
}

/** Each word of `text` with where it stands, so a match can be marked in the original text. */
function words(text: string): Word[] {
  return [...text.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length, folded: fold(m[0]) })).filter((w) => w.folded.length > 0);
}

/** What a message is indexed under: every prefix of every word, from two letters up to MAX_PREFIX. */
export function indexTerms(text: string): Set<string> {
  const terms = new Set<string>();
  for (const { folded } of words(text)) {
    const chars = [...folded];
    for (let n = MIN_WORD; n <= Math.min(chars.length, MAX_PREFIX); n++) terms.add(chars.slice(0, n).join(''));
  }
  return terms;
}

/** The words a query asks for (all must be present, each as a word or the start of one). */
export function queryTerms(query: string): string[] {
  const terms = words(query)
    .map((w) => [...w.folded].slice(0, MAX_PREFIX).join(''))
    .filter((t) => [...t].length >= MIN_WORD);
  return [...new Set(terms)];
}

interface Snippet {
  /** One line of the message around its first match ("…" where it was cut). */
  text: string;
  /** [start, end) of every matched word within `text`. */
  marks: Array<[number, number]>;
}

/** Up to `width` characters of `text` on one line around the first word that starts with a query term. */
export function snippet(text: string, terms: readonly string[], width = 80): Snippet {
  const flat = text.replace(/\s/g, ' ');
  const matched = words(flat).filter((w) => terms.some((t) => w.folded.startsWith(t)));
  const first = matched[0]?.start ?? 0;
  // A little context before the first match, the rest after it.
  let from = Math.max(0, Math.min(first - Math.floor(width / 4), flat.length - width));
  while (from > 0 && from < first && /\S/.test(flat.charAt(from - 1))) from++;
  const to = Math.min(flat.length, from + width);
  const lead = from > 0 ? '…' : '';
  const cut = flat.slice(from, to);
  const marks = matched
    .filter((w) => w.start >= from && w.end <= to)
    .map((w): [number, number] => [w.start - from + lead.length, w.end - from + lead.length]);
  return { text: lead + cut + (to < flat.length ? '…' : ''), marks };
}
