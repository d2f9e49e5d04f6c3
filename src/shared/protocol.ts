// Parley protocol v1: one zod schema per frame type; server and both clients import the types from here.
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './errors.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-rule.js';

export const PROTOCOL_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** Limits every peer can rely on; the server announces its own values in the hello reply. */
export const LIMITS = {
  usernameMaxLength: 32,
  passwordMinLength: PASSWORD_MIN_LENGTH,
  passwordMaxLength: PASSWORD_MAX_LENGTH,
  bodyMaxLength: 16_000,
  deviceMaxLength: 64,
  clientMsgIdMaxLength: 64,
  historyMaxLimit: 100,
  syncMaxLimit: 500,
  /** Active users per `online` page: the default, and the most a client may ask for. */
  onlineDefaultLimit: 100,
  onlineMaxLimit: 500,
  /** WebSocket payload limit; a larger frame closes the connection with 1009. */
  maxFrameBytes: 64 * 1024,
  /** Copies in one `addEpoch` frame: a direct conversation's whole epoch, or one page of a group's. */
  epochCopiesMax: 64,
  groupEpochCopiesMax: 150,
  /** A signed membership change (`mc1.`): 256 targets fit in about 19,000 characters. */
  membershipChangeMaxLength: 24_000,
  groupStateDefaultLimit: 200,
  groupStateMaxLimit: 500,
  /** A `putVault` frame's text; a longer vault is written in parts (`part`), together at most vaultMaxLength. */
  vaultPartMaxLength: 65_536,
  vaultMaxLength: 1024 * 1024,
  vaultMaxParts: 64,
} as const;

/** Letters, digits, dot, underscore and hyphen; case sensitive (`Alice` and `alice` are two accounts). */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

const Username = z
  .string()
  .regex(USERNAME_PATTERN, 'A username is 1 to 32 letters, digits, dots, underscores or hyphens.');
const Password = z.string();
const Device = z.string().max(LIMITS.deviceMaxLength).optional();
const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const ConversationId = z.number().int().positive();
const Seq = z.number().int().nonnegative();
export const ClientMsgId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'A clientMsgId is 1 to 64 letters, digits, underscores or hyphens.');
export const Body = z.string().min(1, 'A message cannot be empty.').max(LIMITS.bodyMaxLength);

const request = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ id: RequestId, type: z.literal(type), ...shape });

// ---- Requests (client → server). Each gets exactly one `ok` or `error` reply with the same id. ----

const HelloRequest = request('hello', {
  versions: z.array(z.number().int().positive()).min(1).max(16),
  client: z.string().max(64).optional(),
});
/** The argon2id parameters a user's keys are derived with (docs/e2e.md); clients refuse weak ones. */
export const KdfParams = z.strictObject({
  v: z.union([z.literal(1), z.literal(2)]),
  alg: z.literal('argon2id'),
  m: z.number().int().positive(),
  t: z.number().int().positive(),
  p: z.number().int().positive(),
});
export type KdfParams = z.infer<typeof KdfParams>;
/** base64url of the 16-byte per-user salt. */
const Salt = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'A salt is 22 base64url characters.');
/** `pub1.…`, `kb1.…`, `ek2.…` (or the first format's `ek1.…`): opaque to the server beyond prefix and size. */
const KeyText = (...prefixes: string[]) =>
  z
    .string()
    .max(512)
    .refine((v) => prefixes.some((prefix) => v.startsWith(prefix)), `Expected a ${prefixes.join(' or ')} value.`);
const PublicIdentityText = KeyText('pub1.');
const KeyBundleText = KeyText('kb1.');
const SealedEpochKeyText = KeyText('ek3.', 'ek2.', 'ek1.');
/** A signed membership change (docs/groups.md): opaque to the schema beyond prefix and size; the handlers verify it. */
const MembershipChangeText = z.string().max(LIMITS.membershipChangeMaxLength).refine((v) => v.startsWith('mc1.'), 'Expected an mc1. value.');
/** base64url of a group's 16 random bytes, drawn by its creator. */
const GroupId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'A group id is 22 base64url characters.');
/** How many identities (key versions) an account may have: every old bundle travels in login and changePassword. */
export const MAX_KEY_VERSIONS = 64;

export const RegisterRequest = request('register', {
  username: Username,
  /** With end-to-end encryption: base64url of the auth key derived from the password, never the password. */
  password: Password,
  device: Device,
  salt: Salt.optional(),
  kdf: KdfParams.optional(),
  publicIdentity: PublicIdentityText.optional(),
  keyBundle: KeyBundleText.optional(),
});
export const PreloginRequest = request('prelogin', { username: z.string().max(64) });
export const LoginRequest = request('login', { username: z.string().max(64), password: Password, device: Device });
const MyKeysRequest = request('myKeys', {});
const IdentityRequest = request('identity', { username: z.string().max(64) });
const EpochKeysRequest = request('epochKeys', { conversationId: z.number().int().positive() });
/**
 * A direct conversation's epoch comes in one frame (`ek2.`, at most 64 copies); a group's (`ek3.`) in pages of
 * at most 150 copies (an `ek3.` copy is 314 characters: 150 fit a 64 KiB frame), every page but the last with
 * `more: true` (docs/groups.md).
 */
const AddEpochRequest = request('addEpoch', {
  conversationId: z.number().int().positive(),
  epoch: z.number().int().positive(),
  keys: z.array(z.strictObject({ recipient: Username, sealed: SealedEpochKeyText })).min(1).max(LIMITS.groupEpochCopiesMax),
  more: z.literal(true).optional(),
});
const ResumeRequest = request('resume', { token: z.string().min(1).max(256), device: Device });
const LogoutRequest = request('logout', {});
const ByeRequest = request('bye', {});
/** A page of the active users, sorted: those after `after` (the previous page's `next`) whose name contains `query`. */
const OnlineRequest = request('online', {
  query: z
    .string()
    .regex(USERNAME_PATTERN, 'A search is 1 to 32 letters, digits, dots, underscores or hyphens (usernames are case sensitive).')
    .optional(),
  after: Username.optional(),
  limit: z.number().int().min(1).max(LIMITS.onlineMaxLimit).optional(),
});
const LookupRequest = request('lookup', { username: z.string().max(64) });
/** Exactly one of `to` (a direct message to a user) and `conversationId` (a group, or a direct conversation by id). */
export const SendRequest = request('send', { to: z.string().max(64).optional(), conversationId: ConversationId.optional(), clientMsgId: ClientMsgId, body: Body });
const SyncRequest = request('sync', {
  after: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(LIMITS.syncMaxLimit).optional(),
});
const ConversationsRequest = request('conversations', {});
const OpenRequest = request('open', { with: z.string().max(64) });
const HistoryRequest = request('history', {
  conversationId: ConversationId,
  before: Seq.optional(),
  limit: z.number().int().min(1).max(LIMITS.historyMaxLimit).optional(),
});
const ReadRequest = request('read', { conversationId: ConversationId, seq: Seq });
/** `active: false` says the user stopped (cleared the draft); without it, the user is typing. */
const TypingRequest = request('typing', { conversationId: ConversationId, active: z.boolean().optional() });
const ChangePasswordRequest = request('changePassword', {
  password: Password,
  newPassword: Password,
  /** End-to-end encryption: the new salt and parameters, and the private keys sealed with the new wrap key (all or none). */
  salt: Salt.optional(),
  kdf: KdfParams.optional(),
  keyBundle: KeyBundleText.optional(),
  /** The same password moved from a v1 to a v2 descriptor after a login: other sessions are kept (docs/e2e.md). */
  upgrade: z.literal(true).optional(),
  /** After an identity reset: every older key version's bundle re-sealed with the new wrap key, oldest first (all of them). */
  oldKeyBundles: z.array(KeyBundleText).max(MAX_KEY_VERSIONS - 1).optional(),
});
/** Replaces the identity keys (lost device, leaked keys): a new `pub1.` at the next key version, its bundle sealed with the current wrap key. */
const ResetKeysRequest = request('resetKeys', {
  /** The current password's auth key, as proof. */
  password: Password,
  publicIdentity: PublicIdentityText,
  keyBundle: KeyBundleText,
});
/** The user's vault (their accepted and verified contact keys, sealed by their devices): read it, or write the next version. */
const VaultRequest = request('vault', {});
/** `part`: one of `count` parts, sent in order; the server stores the parts joined at the last. Only part 0 starts `vt1.`. */
const VaultPart = z.strictObject({ index: z.number().int().nonnegative(), count: z.number().int().positive() }).refine((p) => p.index < p.count, 'A part index is below its count.');
const PutVaultRequest = request('putVault', { vault: z.string().max(LIMITS.vaultPartMaxLength), version: z.number().int().positive(), part: VaultPart.optional() })
  .refine((r) => (r.part !== undefined && r.part.index > 0) || r.vault.startsWith('vt1.'), { message: 'Expected a vt1. value.', path: ['vault'] });
/** Groups (docs/groups.md): every membership request carries the change, signed on the device of its actor. */
const CreateGroupRequest = request('createGroup', { change: MembershipChangeText });
const ChangeGroupRequest = request('changeGroup', { conversationId: ConversationId, change: MembershipChangeText });
const GroupStateRequest = request('groupState', { conversationId: ConversationId, fromIndex: z.number().int().nonnegative().optional(), limit: z.number().int().min(1).max(LIMITS.groupStateMaxLimit).optional() });
const ReadMarksRequest = request('readMarks', { conversationId: ConversationId });
const SessionsRequest = request('sessions', {});
const RevokeSessionRequest = request('revokeSession', { sessionId: z.number().int().positive() });
const LogoutEverywhereRequest = request('logoutEverywhere', {});

export const ClientFrame = z.discriminatedUnion('type', [
  HelloRequest, RegisterRequest, PreloginRequest, LoginRequest, MyKeysRequest, IdentityRequest, EpochKeysRequest,
  AddEpochRequest, ResumeRequest, LogoutRequest, ByeRequest, OnlineRequest, LookupRequest, SendRequest, SyncRequest,
  ConversationsRequest, OpenRequest, HistoryRequest, ReadRequest, TypingRequest, ChangePasswordRequest, ResetKeysRequest,
  VaultRequest, PutVaultRequest, SessionsRequest, RevokeSessionRequest, LogoutEverywhereRequest, CreateGroupRequest,
  ChangeGroupRequest, GroupStateRequest, ReadMarksRequest,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type RequestType = ClientFrame['type'];
export type RequestOf<T extends RequestType> = Extract<ClientFrame, { type: T }>;
/** A request as a client writes it: the SDK adds the id. */
export type RequestBody<T extends RequestType> = Omit<RequestOf<T>, 'id'>;
export const REQUEST_TYPES: readonly RequestType[] = ClientFrame.options.map((o) => o.shape.type.value);

// ---- Shapes carried in replies and events ----

export const Message = z.object({
  /** Position in the recipient's sync log: sync after this cursor returns only later messages. */
  cursor: z.number().int().positive(),
  conversationId: ConversationId,
  /** 1, 2, 3… within the conversation, without gaps. */
  seq: z.number().int().positive(),
  from: Username,
  /** The recipient of a direct message; absent exactly for group messages. */
  to: Username.optional(),
  clientMsgId: ClientMsgId,
  body: z.string(),
  /** Server time of commit, milliseconds since the epoch. */
  ts: z.number().int(),
});
export type Message = z.infer<typeof Message>;

export const DirectSummary = z.object({
  id: ConversationId,
  kind: z.literal('direct'),
  peer: Username,
  lastSeq: Seq,
  /** Highest seq this user has read. */
  readSeq: Seq,
  /** Highest seq the peer has read (drives the "seen" mark). */
  peerReadSeq: Seq,
  /** Messages from the peer after readSeq. */
  unread: z.number().int().nonnegative(),
  lastMessage: Message.nullable(),
  /** The conversation's current key epoch (0 before the first key was added); absent from servers without end-to-end encryption. */
  epoch: z.number().int().nonnegative().optional(),
});
export type DirectSummary = z.infer<typeof DirectSummary>;

export const GroupRole = z.enum(['owner', 'admin', 'member']);
export const GroupSummary = z.object({
  id: ConversationId,
  kind: z.literal('group'),
  groupId: GroupId,
  /** As the newest stored change states it; clients show the name from the chain they verified. */
  name: z.string(),
  /** Current members, as the server stores them. */
  memberCount: z.number().int().nonnegative(),
  /** Your role, or null once you left or were removed (the conversation stays readable up to then). */
  role: GroupRole.nullable(),
  lastSeq: Seq,
  readSeq: Seq,
  /** Others' messages after readSeq (within your window). */
  unread: z.number().int().nonnegative(),
  lastMessage: Message.nullable(),
  epoch: z.number().int().nonnegative().optional(),
  /** How many membership changes are stored (the next change's index). */
  chainLength: z.number().int().nonnegative(),
});
export type GroupSummary = z.infer<typeof GroupSummary>;

export const ConversationSummary = z.discriminatedUnion('kind', [DirectSummary, GroupSummary]);
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const SessionInfo = z.object({ token: z.string(), username: Username, sessionId: z.number().int() });
export type SessionInfo = z.infer<typeof SessionInfo>;

/** One signed-in device of the user, for the session list. */
export const SessionSummary = z.object({
  sessionId: z.number().int(),
  /** What the client called itself at login (`device`), or null. */
  device: z.string().nullable(),
  /** The address it last connected from (the proxy's X-Forwarded-For entry with --trust-proxy). */
  address: z.string().nullable(),
  createdAt: z.number().int(),
  /** Now while the session has a live connection; otherwise when it last had one. */
  lastSeenAt: z.number().int(),
  /** True for the session of the connection that asked. */
  current: z.boolean(),
  /** True while the session has at least one live connection. */
  connected: z.boolean(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const SendAck = z.object({
  clientMsgId: ClientMsgId,
  conversationId: ConversationId,
  seq: z.number().int().positive(),
  cursor: z.number().int().positive(),
  ts: z.number().int(),
});
export type SendAck = z.infer<typeof SendAck>;

/** The `result` of a successful reply, per request type. */
export const RESULTS = {
  hello: z.object({
    version: z.number().int(),
    server: z.string(),
    /** requestsPerSecond: frames one connection may send per second (absent or 0: no limit); past it, 1008. */
    /** vaultMaxLength: a whole vault's most characters, from servers that take one in parts (`putVault`'s `part`). */
    limits: z.object({ maxFrameBytes: z.number(), bodyMaxLength: z.number(), passwordMinLength: z.number(), requestsPerSecond: z.number().optional(), vaultMaxLength: z.number().optional() }),
    /** Set when the connection was authenticated during the upgrade (the web client's HttpOnly cookie). */
    session: z.object({ username: Username, sessionId: z.number().int() }).nullable(),
    /** The server's realm id, bound into v2 key derivation; clients pin it per server address. */
    realm: z.string().optional(),
    /** The database's generation: it changes when a backup is restored (then resync from scratch). */
    generation: z.string().optional(),
  }),
  register: SessionInfo,
  /** `realm` as in the hello reply, for clients that log in without a WebSocket (the web page). */
  prelogin: z.object({ salt: z.string(), kdf: KdfParams, realm: z.string().optional() }),
  /** With the user's sealed private keys and published identity (absent for accounts from before encryption). */
  login: SessionInfo.extend({ keyBundle: z.string().optional(), publicIdentity: z.string().optional(), oldKeyBundles: z.array(z.string()).optional() }),
  /** `oldKeyBundles`: the private keys of every earlier key version (after identity resets), oldest first. */
  myKeys: z.object({ publicIdentity: z.string(), keyBundle: z.string(), salt: z.string(), kdf: KdfParams, oldKeyBundles: z.array(z.string()).optional() }),
  identity: z.object({ username: Username, identities: z.array(z.string()) }),
  vault: z.object({ vault: z.string().nullable(), version: z.number().int().nonnegative() }),
  /** `partsHeld`: set on a part before the last, which is held, not stored. */
  putVault: z.object({ version: z.number().int().positive(), partsHeld: z.number().int().positive().optional() }),
  epochKeys: z.object({
    epochs: z.array(z.object({ epoch: z.number().int().positive(), creator: Username, sealed: z.string() })),
  }),
  addEpoch: z.object({ epoch: z.number().int().positive() }),
  resume: z.object({ username: Username, sessionId: z.number().int() }),
  logout: z.object({}),
  bye: z.object({}),
  /** `next`: pass it as `after` for the following page (absent on the last one); `total`: how many match in all. */
  online: z.object({ users: z.array(Username), next: Username.optional(), total: z.number().int().nonnegative().optional() }),
  lookup: z.object({ username: Username, online: z.boolean() }),
  send: SendAck,
  sync: z.object({ messages: z.array(Message), cursor: z.number().int().nonnegative(), more: z.boolean() }),
  conversations: z.object({ conversations: z.array(ConversationSummary) }),
  open: z.object({ conversation: ConversationSummary }),
  history: z.object({ messages: z.array(Message), more: z.boolean() }),
  read: z.object({ readSeq: Seq }),
  typing: z.object({}),
  /** How many other sessions ended; their connections are closed with 4001. */
  changePassword: z.object({ endedSessions: z.number().int().nonnegative() }),
  /** The new key version; other sessions ended (4001) and contacts got a `keys` event. */
  resetKeys: z.object({ keyVersion: z.number().int().positive(), endedSessions: z.number().int().nonnegative() }),
  sessions: z.object({ sessions: z.array(SessionSummary) }),
  revokeSession: z.object({}),
  /** Every session of the user ended, this one included; this connection stays open, logged out. */
  logoutEverywhere: z.object({ endedSessions: z.number().int().nonnegative() }),
  createGroup: z.object({ conversation: GroupSummary }),
  /** The index the change was stored at. */
  changeGroup: z.object({ index: z.number().int().positive() }),
  /** `afterSeq`: the conversation's lastSeq when the change was stored; `more`: ask again from the next index. */
  groupState: z.object({ groupId: GroupId, changes: z.array(z.object({ change: z.string(), afterSeq: Seq })), more: z.boolean(), epoch: z.number().int().nonnegative() }),
  readMarks: z.object({ marks: z.array(z.object({ username: Username, readSeq: Seq })) }),
} satisfies Record<RequestType, z.ZodType>;
export type ResultOf<T extends RequestType> = z.infer<(typeof RESULTS)[T]>;

// ---- Frames the server sends ----

const OkReply = z.object({ type: z.literal('ok'), id: RequestId, result: z.unknown() });
export const ErrorReply = z.object({
  type: z.literal('error'),
  /** The request's id, or null when the frame was too broken to have one. */
  id: RequestId.nullable(),
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type ErrorReply = z.infer<typeof ErrorReply>;

const MessageEvent = z.object({ type: z.literal('message'), message: Message });
const PresenceEvent = z.object({ type: z.literal('presence'), username: Username, online: z.boolean() });
const ReadEvent = z.object({
  type: z.literal('read'),
  conversationId: ConversationId,
  /** Who read: the peer (a "seen" mark) or this user on another device (unread count update). */
  username: Username,
  seq: Seq,
});
const TypingEvent = z.object({ type: z.literal('typing'), conversationId: ConversationId, username: Username, active: z.boolean().optional() });
const EpochEvent = z.object({
  type: z.literal('epoch'),
  conversationId: ConversationId,
  epoch: z.number().int().positive(),
  creator: Username,
  /** The recipient's own sealed copy. */
  sealed: z.string(),
});
/** A user you share a conversation with has new identity keys (an identity reset): check them, warn. */
const KeysEvent = z.object({ type: z.literal('keys'), username: Username, publicIdentity: z.string() });
/** Another device of yours wrote the vault: read and merge it. */
const VaultEvent = z.object({ type: z.literal('vault'), version: z.number().int().positive() });
const ShutdownEvent = z.object({ type: z.literal('shutdown'), reason: z.string() });
/** A membership change was stored: to every member before and after it. `afterSeq`: the conversation's lastSeq then. */
const MembershipEvent = z.object({ type: z.literal('membership'), conversationId: ConversationId, index: z.number().int().nonnegative(), change: z.string(), afterSeq: Seq });

export const ServerEvent = z.discriminatedUnion('type', [
  MessageEvent, PresenceEvent, ReadEvent, TypingEvent, EpochEvent, KeysEvent, VaultEvent, ShutdownEvent, MembershipEvent,
]);
export type ServerEvent = z.infer<typeof ServerEvent>;

export const ServerFrame = z.discriminatedUnion('type', [OkReply, ErrorReply, ...ServerEvent.options]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** WebSocket close codes Parley uses besides the standard ones (1000, 1001, 1009). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  /** No `hello` in time, or too many requests on one connection. */
  policyViolation: 1008,
  tooBig: 1009,
  /** The client's send buffer passed the slow-consumer threshold; resume from the cursor. */
  slowConsumer: 4000,
  /** The session was ended elsewhere (logout everywhere, password change, identity reset). */
  sessionEnded: 4001,
} as const;
