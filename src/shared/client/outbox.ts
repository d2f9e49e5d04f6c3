// The outbox's persistence and its rules: which server errors are final, and how entries survive a restart.
import { isErrorCode, type ErrorCode } from '../errors.js';
import { STORAGE_KEYS, type StorageAdapter } from './storage.js';
import type { OutboxEntry } from './state.js';

/** Errors that no retry can cure: the entry is marked failed. Everything else (timeouts, drops, busy) is retried. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'USER_NOT_FOUND',
  'MESSAGE_TOO_LONG',
  'INVALID_FRAME',
  'INVALID_USERNAME',
  'CONVERSATION_NOT_FOUND',
  'UNKNOWN_TYPE',
  'KEYS_CHANGED',
  'NO_KEYS',
  'INVALID_KEYS',
  'CONVERSATION_MISMATCH',
]);

export const isPermanentSendError = (code: ErrorCode): boolean => PERMANENT.has(code);

export function loadOutbox(storage: StorageAdapter, username: string): OutboxEntry[] {
  const raw = storage.getItem(STORAGE_KEYS.outbox(username));
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isEntry) : [];
  } catch {
    return []; // a corrupt profile must not stop the client; nothing readable was in it
  }
}

export function saveOutbox(storage: StorageAdapter, username: string, entries: readonly OutboxEntry[]): void {
  const key = STORAGE_KEYS.outbox(username);
  if (entries.length === 0) storage.removeItem(key);
  else storage.setItem(key, JSON.stringify(entries));
}

function isEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const errorOk =
    v.error === undefined ||
    (typeof v.error === 'object' && v.error !== null && isErrorCode((v.error as Record<string, unknown>).code));
  return (
    typeof v.clientMsgId === 'string' &&
    typeof v.to === 'string' &&
    typeof v.body === 'string' &&
    typeof v.createdAt === 'number' &&
    (v.status === 'sending' || v.status === 'failed') &&
    errorOk
  );
}
