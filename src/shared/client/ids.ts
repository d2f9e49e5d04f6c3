// clientMsgIds that sort by creation time: crypto.getRandomValues (which browsers offer even on plain-http
// pages) for the random part, the clock for the prefix.

/** The 64 URL-safe characters in byte order, so that ids compare as the server's index does (BINARY). */
const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
export const TIME_PREFIX_LENGTH = 8; // 48 bits of milliseconds: good until the year 10889
const RANDOM_CHARS = 14; // 84 random bits: no two ids of one millisecond collide in practice

/** The time in ms as 8 characters that sort (byte-wise) as the times do: how every clientMsgId starts. */
export function timePrefix(now = Date.now()): string {
  let prefix = '';
  let time = Math.max(0, Math.floor(now));
  for (let i = 0; i < TIME_PREFIX_LENGTH; i++) {
    prefix = ALPHABET[time % 64]! + prefix;
    time = Math.floor(time / 64);
  }
  return prefix;
}

/**
 * 22 URL-safe characters (matches the protocol's ClientMsgId pattern): the time in ms, then random ones.
 * Ids made later sort later, by whichever client, so the server's (clientMsgId, sender) dedupe index grows
 * at its end, as with UUIDv7 keys, instead of touching a random page of it for every message.
 */
export function newClientMsgId(now = Date.now()): string {
  let id = timePrefix(now);
  const bytes = new Uint8Array(RANDOM_CHARS);
  globalThis.crypto.getRandomValues(bytes);
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}

/** The creation time (ms) a clientMsgId made by newClientMsgId carries, or undefined for ids of another shape. */
export function timeOfClientMsgId(id: string): number | undefined {
  if (id.length !== TIME_PREFIX_LENGTH + RANDOM_CHARS) return undefined;
  let time = 0;
  for (let i = 0; i < TIME_PREFIX_LENGTH; i++) {
    const digit = ALPHABET.indexOf(id[i]!);
    if (digit < 0) return undefined;
    time = time * 64 + digit;
  }
  return time;
}
