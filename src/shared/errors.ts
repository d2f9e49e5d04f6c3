// The one error type Parley speaks, and the table of stable codes every client can switch on.

/** Every error code the server can put in an `error` frame; documented in docs/protocol.md. */
export const ERROR_CODES = {
  INVALID_FRAME: 'The frame is not valid JSON or does not match its schema.',
  UNKNOWN_TYPE: 'The frame type is not part of this protocol version.',
  UNSUPPORTED_VERSION: 'The server speaks none of the protocol versions the client offered.',
  HELLO_REQUIRED: 'The first frame on a connection must be hello.',
  NOT_AUTHENTICATED: 'This request needs a logged-in session.',
  ALREADY_AUTHENTICATED: 'This connection is already logged in; log out first.',
  AUTH_FAILED: 'Wrong username or password.',
  SESSION_INVALID: 'The session token is unknown, expired or revoked.',
  SESSION_NOT_FOUND: 'You have no session with this id (it may have ended already).',
  INVALID_USERNAME: 'The username breaks the username rules.',
  WEAK_PASSWORD: 'The password is too short or too long.',
  USERNAME_TAKEN: 'Another account already has this username.',
  USER_NOT_FOUND: 'No account has this username.',
  CONVERSATION_NOT_FOUND: 'The conversation does not exist or you are not in it.',
  MESSAGE_TOO_LONG: 'The message body is longer than the server accepts.',
  CONVERSATION_MISMATCH: 'The message was encrypted for another conversation than the one it was sent to (or the server named one with other members); nothing was stored.',
  INVALID_KEYS: 'A key, salt or key parameter is malformed, or does not cover every member.',
  EPOCH_CONFLICT: 'Another member created that key epoch first; fetch it and use it.',
  VAULT_CONFLICT: 'Another of your devices changed your saved verifications first; read them again and merge.',
  VAULT_TOO_LARGE: 'Your saved verifications are larger than this server keeps (or come in more parts than it takes); nothing was stored.',
  VAULT_PART_OUT_OF_ORDER: 'A part of the vault came out of order, for another version, or after the earlier parts were dropped; nothing was stored: send it again from the first part.',
  NO_KEYS: 'This account has no end-to-end encryption keys.',
  E2E_REQUIRED: 'This server takes only end-to-end encrypted accounts and messages.',
  GROUP_FULL: 'This group has 1,000 members, the most a group can have; remove someone first.',
  NOT_ALLOWED: 'Your role in this group does not allow this change.',
  LAST_OWNER: 'The last owner cannot leave, be demoted or be removed: make someone else an owner first.',
  MEMBERSHIP_CONFLICT: 'Another change to this group was made first; fetch it and make yours again.',
  INVALID_MEMBERSHIP: 'The group change is malformed, not signed by its author’s published key, or does not follow the group’s history.',
  INVALID_GROUP_NAME: 'A group name is 1 to 64 characters, without spaces at either end or control characters.',
  RATE_LIMITED: 'Too many requests; retry after the given time.',
  SERVER_BUSY: 'The server is overloaded; retry shortly.',
  SHUTTING_DOWN: 'The server is shutting down; reconnect shortly.',
  INTERNAL: 'The server failed; the request may be retried.',
  // Raised by the client SDK itself, never sent by the server: the request's fate is unknown.
  KEYS_CHANGED: "The contact's keys changed; verify the safety number before sending.",
  LOCKED: 'The keys are locked; enter the password to unlock them.',
  TIMEOUT: 'The server did not answer in time.',
  DISCONNECTED: 'The connection closed before the server answered.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);

/** An error with a stable code and a message fit to show a person (never secrets or message text). */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly code: ErrorCode;
  /** For RATE_LIMITED and SERVER_BUSY: how long to wait before retrying. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string = ERROR_CODES[code], options?: { retryAfterMs?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
  }
}
