// Random clientMsgIds from crypto.getRandomValues, which browsers offer even on plain-http pages.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** 22 URL-safe characters (132 random bits); matches the protocol's ClientMsgId pattern. */
export function newClientMsgId(): string {
  const bytes = new Uint8Array(22);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}
