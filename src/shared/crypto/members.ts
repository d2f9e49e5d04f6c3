// A conversation's member set at one epoch: (username, key version) pairs, their canonical order, byte form and hash.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeFields, readU32, u32, type Field } from './bytes.js';
import { LABELS } from './labels.js';

/** One member of an epoch: who, and which of their key versions the epoch key was sealed to. */
export interface Member {
  username: string;
  keyVersion: number;
}

/** The protocol's usernames are at most 32 ASCII characters; one byte of length is plenty. */
const MAX_NAME_BYTES = 255;
/** Room for groups: a member count is two bytes. */
const MAX_MEMBERS = 65_535;

const byName = (a: Member, b: Member): number => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0);

/**
 * The members sorted by username (UTF-16 code units, which for the protocol's ASCII usernames is byte
 * order), or undefined when a name repeats, a key version is not a positive u32, or the set is empty:
 * one member set has exactly one byte form and one hash.
 */
export function canonicalMembers(members: readonly Member[]): Member[] | undefined {
  if (members.length === 0 || members.length > MAX_MEMBERS) return undefined;
  const sorted = [...members].sort(byName);
  for (const [i, m] of sorted.entries()) {
    if (!Number.isInteger(m.keyVersion) || m.keyVersion < 1 || m.keyVersion > 0xffff_ffff) return undefined;
    const name = utf8ToBytes(m.username);
    if (name.length === 0 || name.length > MAX_NAME_BYTES) return undefined;
    if (i > 0 && sorted[i - 1]!.username === m.username) return undefined;
  }
  return sorted.map((m) => ({ username: m.username, keyVersion: m.keyVersion }));
}

/** SHA-256 over the label, the count and every (username, key version), in canonical order. */
export function membersHash(members: readonly Member[]): Uint8Array {
  const sorted = canonicalMembers(members);
  if (!sorted) throw new RangeError('membersHash: members must be a non-empty set with distinct names');
  const fields: Field[] = [LABELS.members, u32(sorted.length)];
  for (const m of sorted) fields.push(m.username, u32(m.keyVersion));
  return sha256(encodeFields(...fields));
}

/** count u16 | for each member in canonical order: name length u8 | UTF-8 name | key version u32. */
export function encodeMembers(members: readonly Member[]): Uint8Array {
  const sorted = canonicalMembers(members);
  if (!sorted) throw new RangeError('encodeMembers: members must be a non-empty set with distinct names');
  const parts: Uint8Array[] = [Uint8Array.of(sorted.length >> 8, sorted.length & 0xff)];
  for (const m of sorted) {
    const name = utf8ToBytes(m.username);
    parts.push(Uint8Array.of(name.length), name, u32(m.keyVersion));
  }
  return concatBytes(...parts);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads what encodeMembers wrote at `at`: the members and where they end, or undefined when the bytes are
 * short, a name is not UTF-8, or the list is not in canonical form (so no two byte strings mean one set).
 */
export function decodeMembers(bytes: Uint8Array, at: number): { members: Member[]; end: number } | undefined {
  try {
    if (at + 2 > bytes.length) return undefined;
    const count = (bytes[at]! << 8) | bytes[at + 1]!;
    let i = at + 2;
    const members: Member[] = [];
    for (let n = 0; n < count; n++) {
      if (i >= bytes.length) return undefined;
      const length = bytes[i]!;
      if (i + 1 + length + 4 > bytes.length) return undefined;
      const username = UTF8.decode(bytes.subarray(i + 1, i + 1 + length));
      members.push({ username, keyVersion: readU32(bytes, i + 1 + length) });
      i += 1 + length + 4;
    }
    const sorted = canonicalMembers(members);
    if (!sorted || sorted.some((m, k) => m.username !== members[k]!.username)) return undefined;
    return { members, end: i };
  } catch {
    return undefined;
  }
}

/** Whether two member lists name the same usernames (key versions aside). */
export const sameUsernames = (members: readonly Member[], usernames: readonly string[]): boolean => {
  const names = new Set(usernames);
  return names.size === members.length && members.every((m) => names.has(m.username));
};
