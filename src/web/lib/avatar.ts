// A stable colour and initials per username, so people are recognisable at a glance without pictures.

const HUES = [212, 262, 330, 14, 32, 150, 172, 194, 236, 290];

export function avatarHue(username: string): number {
  let hash = 0;
  for (let i = 0; i < username.length; i++) hash = (hash * 31 + username.charCodeAt(i)) >>> 0;
  return HUES[hash % HUES.length] ?? 212;
}

export function initials(username: string): string {
  const words = username.split(/[._-]+/).filter(Boolean);
  const first = words[0] ?? username;
  const second = words[1];
  const text = second === undefined ? Array.from(first)[0] ?? '' : `${first[0] ?? ''}${second[0] ?? ''}`;
  return text.toUpperCase();
}

/** Up to two letters from a group's name: the first letters of its first two words ("Ops Team" → "OT"). */
export function groupInitials(name: string): string {
  const words = name.split(/[\s._-]+/u).filter((w) => /[\p{L}\p{N}]/u.test(w));
  const letters = words.slice(0, 2).map((w) => Array.from(w).find((ch) => /[\p{L}\p{N}]/u.test(ch)) ?? '');
  return letters.join('').toUpperCase() || '#';
}
