// The client SDK's public surface, shared by the terminal client and the web client.
export { ParleyClient, type ActiveUsersQuery, type ParleyClientOptions } from './client.js';
export {
  derive,
  freshKeys,
  kdfUpgrade,
  pinRealm,
  checkKdfVersion,
  recordKdfVersion,
  registration,
  rememberWrapKey,
  type PendingUpgrade,
} from './password-keys.js';
export {
  EXPLANATIONS,
  messageSize,
  tooLongText,
  type ClientMessage,
  type ContactKeys,
  type FailureReason,
  type MessageFailure,
  type SecurityEvent,
} from './e2e-text.js';
export { describeMembershipLine, mentions, type MembershipLine } from './group-text.js';
export { seenByOf } from './group-reads.js';
export { passwordLogin, passwordRegistration, whileBusy, BUSY_NOTICE, type BusyRetry, type LoginTransport, type PasswordLogin, type RegisterTransport } from './sign-in.js';
export { checkPasswordStrength, preloadPasswordStrength, requireStrongPassword, MIN_PASSWORD_SCORE, type PasswordStrength } from './strength.js';
export type { SocketLike, WebSocketConstructor } from './server-socket.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { memoryStorage, STORAGE_KEYS, type StorageAdapter } from './storage.js';
export { SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT, type SearchHit, type SearchOptions } from './search.js';
export { memorySearchStore, newestFirst, type SearchEntry, type SearchRow, type SearchStore } from './search-store.js';
export { mergeMessages, pendingByPeer, previewText, selectThread, sortConversations, sortWithPending, threadOf } from './merge.js';
export { newClientMsgId } from './ids.js';
export { isPermanentSendError } from './outbox.js';
export type {
  ClientState,
  ConnectionState,
  DeliveryStatus,
  GroupView,
  Notice,
  OutboxEntry,
  Session,
  Thread,
  ThreadItem,
} from './state.js';
export { ParleyError, type ErrorCode } from '../errors.js';
export type { ConversationSummary, Message, SessionSummary } from '../protocol.js';
export type { ChangeAction, HistorySetting, Role } from '../crypto/index.js';
