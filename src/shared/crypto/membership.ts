// A group's membership changes: their canonical byte form, the actor's Ed25519 signature, and the hash that chains them.
import { equalBytes } from '@noble/ciphers/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { encodeFields, fromBase64url, readU32, readU64, toBase64url, u32, u64, unwrapPrefixed } from './bytes.js';
import { sign, type Identity } from './identity.js';
import { LABELS } from './labels.js';
import { systemRng, type Rng } from './random.js';

export const MEMBERSHIP_CHANGE_PREFIX = 'mc1.';
/** A group's id: 16 random bytes the creator draws, so the first change can name its group before the server has numbered it. */
export const GROUP_ID_BYTES = 16;
/** The most members a group may have (docs/groups.md). */
export const MAX_GROUP_MEMBERS = 1000;
/** The most targets one change may name, so the largest change fits a frame (64 KiB) with room to spare. */
export const MAX_CHANGE_TARGETS = 256;
/** A group name is 1 to 64 characters (code points), at most 256 bytes of UTF-8. */
export const GROUP_NAME_MAX_CHARS = 64;
const GROUP_NAME_MAX_BYTES = 256;
const HASH_BYTES = 32;
const SIGNATURE_BYTES = 64;
/** What the first change names as its predecessor. */
export const GENESIS_PREV: Uint8Array = new Uint8Array(HASH_BYTES);

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];
/** Whether members added later may read what was written before they joined; 'hidden' unless the group says otherwise. */
export const HISTORY_SETTINGS = ['hidden', 'shared'] as const;
export type HistorySetting = (typeof HISTORY_SETTINGS)[number];
export const CHANGE_ACTIONS = ['create', 'add', 'remove', 'leave', 'set-role', 'rename', 'set-history', 'update-key'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** A member a change names: who, at which key version, with which role. */
export interface ChangeTarget {
  username: string;
  keyVersion: number;
  role: Role;
}

/** One change as signed: which group, where in its chain, who made it, what it does, and the group's name and setting after it. */
export interface MembershipChange {
  /** base64url of the 16-byte group id. */
  groupId: string;
  index: number;
  /** The hash of the previous change (GENESIS_PREV for index 0). */
  prev: Uint8Array;
  actor: string;
  actorKeyVersion: number;
  action: ChangeAction;
  /** In username order. */
  targets: ChangeTarget[];
  name: string;
  history: HistorySetting;
  /** The actor's clock, milliseconds since the epoch: shown, never trusted for order. */
  ts: number;
}

/** The protocol's usernames (src/shared/protocol.ts), restated here: the crypto core imports nothing else. */
const USERNAME = /^[A-Za-z0-9_.-]{1,32}$/;
/**
 * Characters a name may not hold: C0 and C1 controls and DEL, line and paragraph separators, and the bidi
 * embeddings, overrides and isolates, which could make a name read as another or reorder the text around it.
 */
const FORBIDDEN_IN_NAME = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** 1 to 64 characters, no control characters, no spaces at either end. */
export function validGroupName(name: string): boolean {
  const chars = [...name].length;
  return chars >= 1 && chars <= GROUP_NAME_MAX_CHARS && utf8ToBytes(name).length <= GROUP_NAME_MAX_BYTES && !FORBIDDEN_IN_NAME.test(name) && name.trim() === name;
}

/** A fresh group id: 16 bytes from the CSPRNG, as base64url (22 characters). */
export const newGroupId = (rng: Rng = systemRng): string => toBase64url(rng(GROUP_ID_BYTES));

const byUsername = (a: ChangeTarget, b: ChangeTarget): number => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0);

/**
 * fields(groupId 16, u32 index, prev 32, actor, u32 actorKeyVersion, action, u32 target count,
 * then per target in username order: username, u32 keyVersion, role; then name, history, u64 ts),
 * each field a 4-byte length and its bytes (bytes.ts), so a change has exactly one byte form.
 */
function encodeBody(c: MembershipChange): Uint8Array {
  const groupId = fromBase64url(c.groupId);
  if (groupId?.length !== GROUP_ID_BYTES) throw new RangeError('membership change: a group id is 16 bytes of base64url');
  if (c.prev.length !== HASH_BYTES) throw new RangeError('membership change: prev is a 32-byte hash');
  if (c.targets.length > MAX_CHANGE_TARGETS) throw new RangeError('membership change: too many targets');
  const targets = [...c.targets].sort(byUsername).flatMap((t) => [t.username, u32(t.keyVersion), t.role]);
  return encodeFields(groupId, u32(c.index), c.prev, c.actor, u32(c.actorKeyVersion), c.action, u32(c.targets.length), ...targets, c.name, c.history, u64(c.ts));
}

const signedBytes = (body: Uint8Array): Uint8Array => encodeFields(LABELS.membershipSignature, body);

/**
 * `mc1.` + base64url(body | Ed25519 signature 64), signed with the actor's identity at `actorKeyVersion`.
 * It encodes what it is given (tests forge changes with it); the chain's rules are verifyChain's.
 */
export function signMembershipChange(change: MembershipChange, actor: Identity): string {
  if (actor.keyVersion !== change.actorKeyVersion) throw new RangeError('signMembershipChange: sign with the key version the change names');
  const body = encodeBody(change);
  return MEMBERSHIP_CHANGE_PREFIX + toBase64url(concatBytes(body, sign(signedBytes(body), actor)));
}

/** Splits a field list written by encodeFields; undefined unless it is read exactly to its end. */
function readFields(bytes: Uint8Array): Uint8Array[] | undefined {
  const fields: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) return undefined;
    const length = readU32(bytes, at);
    if (at + 4 + length > bytes.length) return undefined;
    fields.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return fields;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const text = (field: Uint8Array | undefined): string | undefined => {
  try {
    return field === undefined ? undefined : UTF8.decode(field);
  } catch {
    return undefined;
  }
};
const number32 = (field: Uint8Array | undefined): number | undefined => (field?.length === 4 ? readU32(field, 0) : undefined);
const oneOf = <T extends string>(values: readonly T[], value: string | undefined): T | undefined => values.find((v) => v === value);

/** A change's parts and signature, the bytes it was signed over, and its hash; undefined when it is not a well-formed `mc1.`. */
export interface DecodedChange {
  change: MembershipChange;
  signed: Uint8Array;
  signature: Uint8Array;
  hash: Uint8Array;
}

/**
 * Reads an `mc1.` change: every field present, of its size, in range and of a known kind, usernames of the
 * protocol's shape, targets in username order (a repeated name is left for the rules to name), nothing after
 * the last field. Never throws.
 */
export function decodeMembershipChange(value: unknown): DecodedChange | undefined {
  const bytes = unwrapPrefixed(value, MEMBERSHIP_CHANGE_PREFIX);
  if (bytes === undefined || bytes.length <= SIGNATURE_BYTES) return undefined;
  const body = bytes.subarray(0, bytes.length - SIGNATURE_BYTES);
  const f = readFields(body);
  if (f === undefined || f.length < 10) return undefined;
  const count = number32(f[6]);
  if (count === undefined || count > MAX_CHANGE_TARGETS || f.length !== 10 + 3 * count) return undefined;
  const targets: ChangeTarget[] = [];
  for (let i = 0; i < count; i++) {
    const username = text(f[7 + 3 * i]);
    const keyVersion = number32(f[8 + 3 * i]);
    const role = oneOf(ROLES, text(f[9 + 3 * i]));
    if (username === undefined || !USERNAME.test(username) || keyVersion === undefined || keyVersion < 1 || role === undefined) return undefined;
    if (i > 0 && byUsername(targets[i - 1]!, { username, keyVersion, role }) > 0) return undefined;
    targets.push({ username, keyVersion, role });
  }
  const groupId = f[0];
  const index = number32(f[1]);
  const prev = f[2];
  const actor = text(f[3]);
  const actorKeyVersion = number32(f[4]);
  const action = oneOf(CHANGE_ACTIONS, text(f[5]));
  const name = text(f[7 + 3 * count]);
  const history = oneOf(HISTORY_SETTINGS, text(f[8 + 3 * count]));
  const ts = f[9 + 3 * count]?.length === 8 ? readU64(f[9 + 3 * count]!, 0) : undefined;
  if (groupId?.length !== GROUP_ID_BYTES || index === undefined || prev?.length !== HASH_BYTES) return undefined;
  if (actor === undefined || !USERNAME.test(actor) || actorKeyVersion === undefined || actorKeyVersion < 1 || action === undefined) return undefined;
  if (name === undefined || history === undefined || ts === undefined) return undefined;
  const change: MembershipChange = { groupId: toBase64url(groupId), index, prev: Uint8Array.from(prev), actor, actorKeyVersion, action, targets, name, history, ts };
  const signature = bytes.slice(bytes.length - SIGNATURE_BYTES);
  return { change, signed: signedBytes(body), signature, hash: changeHash(body, signature) };
}

/** SHA-256 over the label, the body and the signature: what the next change names as `prev`. */
const changeHash = (body: Uint8Array, signature: Uint8Array): Uint8Array => sha256(encodeFields(LABELS.membershipHash, body, signature));

/** The hash of a well-formed change (its successor's `prev`), or undefined. */
export const membershipChangeHash = (value: unknown): Uint8Array | undefined => decodeMembershipChange(value)?.hash;

/** Whether two chain heads (hashes) are the same. */
export const sameHead = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && equalBytes(a, b);
