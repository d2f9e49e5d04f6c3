// clientMsgIds that sort by creation time: crypto.getRandomValues (which browsers offer even on plain-http
// pages) for the random part, the clock for the prefix.

/** The 64 URL-safe characters in byte order, so that ids compare as the server's index does (BINARY). */
const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const TIME_CHARS = 8; // 48 bits of milliseconds: good until the year 10889
const RANDOM_CHARS = 14; // 84 random bits: no two ids of one millisecond collide in practice

/**
 * 22 URL-safe characters (matches the protocol's ClientMsgId pattern): the time in ms, then random ones.
 * Ids a sender makes later sort later, so the server's (sender, clientMsgId) index grows at its end,
 * as with UUIDv7 keys, instead of touching a random page of it for every message.
 */
export function newClientMsgId(now = Date.now()): string {
  let id = '';
  let time = Math.max(0, Math.floor(now));
  for (let i = 0; i < TIME_CHARS; i++) {
    id = ALPHABET[time % 64]! + id;
    time = Math.floor(time / 64);
  }
  const bytes = new Uint8Array(RANDOM_CHARS);
  globalThis.crypto.getRandomValues(bytes);
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}
