// The outbox: messages the user wrote that the server has not acknowledged, kept across restarts and sent one
// at a time over the ready socket, in the order written, always with the same clientMsgId and envelope.
import { isErrorCode, ParleyError, type ErrorCode } from '../errors.js';
import type { Message } from '../protocol.js';
import type { ClientContext } from './context.js';
import { messageSize, tooLongText, type ClientMessage } from './e2e-text.js';
import { groupTextFits } from './group-messages.js';
import { newClientMsgId } from './ids.js';
import type { ServerSocket } from './server-socket.js';
import type { OutboxEntry } from './state.js';
import { STORAGE_KEYS, type StorageAdapter } from './storage.js';

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

/** The wait before sending again after a refusal that did not say how long. */
const RETRY_MS = 1_000;
/** The socket or session is gone: stop, the next catch-up starts the outbox again. */
const STOP: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DISCONNECTED', 'NOT_AUTHENTICATED', 'SESSION_INVALID', 'LOCKED']);

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
  // Exactly one of a peer (direct) and a conversation id (group).
  const target = (typeof v.to === 'string' && v.conversationId === undefined) || (v.to === undefined && typeof v.conversationId === 'number');
  return (
    typeof v.clientMsgId === 'string' &&
    target &&
    typeof v.body === 'string' &&
    typeof v.createdAt === 'number' &&
    (v.status === 'sending' || v.status === 'failed') &&
    errorOk
  );
}

/** Every change to the outbox goes to the snapshot and to storage (under the signed-in user) together. */
function writeOutbox(ctx: ClientContext, outbox: readonly OutboxEntry[], username = ctx.state.session?.username): void {
  if (username) saveOutbox(ctx.options.storage, username, outbox);
  ctx.update((s) => ({ ...s, outbox }));
}

/** Own messages the server delivered (acked, or seen in a sync) leave the outbox. */
export function dropDelivered(ctx: ClientContext, messages: readonly Message[], me: string): void {
  const delivered = new Set(messages.filter((m) => m.from === me).map((m) => m.clientMsgId));
  const outbox = ctx.state.outbox;
  if (outbox.some((e) => delivered.has(e.clientMsgId))) writeOutbox(ctx, outbox.filter((e) => !delivered.has(e.clientMsgId)));
}

/** Where an acknowledged message goes: the inbox, which shows it as delivered. */
interface DeliveredMessages {
  delivered(message: ClientMessage): void;
}

/** What a group send needs first: the user's current keys stated in the group's chain. */
interface GroupSends {
  beforeSend(conn: ServerSocket, conversationId: number): Promise<void>;
}

export class Outbox {
  readonly #ctx: ClientContext;
  readonly #inbox: DeliveredMessages;
  readonly #groups: GroupSends;
  /** Envelopes made for entries, by clientMsgId: a resend sends the same bytes. */
  readonly #envelopes = new Map<string, string>();
  #running = false;
  #wanted = false;
  #stopped = false;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(ctx: ClientContext, inbox: DeliveredMessages, groups: GroupSends) {
    this.#ctx = ctx;
    this.#inbox = inbox;
    this.#groups = groups;
  }

  /** The stored outbox of a user who just signed in. */
  load(username: string): OutboxEntry[] {
    return loadOutbox(this.#ctx.options.storage, username);
  }

  /** Queues a message; see ParleyClient.send. */
  add(to: string, body: string): OutboxEntry {
    return this.#queue({ to }, body);
  }

  /**
   * Queues a message to a conversation by id (see ParleyClient.sendTo): a group's entry names the
   * conversation, a direct conversation's its peer. CONVERSATION_NOT_FOUND for one this client does not know.
   */
  addTo(conversationId: number, body: string): OutboxEntry {
    const summary = this.#ctx.state.conversations.find((c) => c.id === conversationId);
    if (summary?.kind === 'direct') return this.#queue({ to: summary.peer }, body);
    if (summary?.kind !== 'group' && !this.#ctx.keyring?.groups.isGroup(conversationId)) throw new ParleyError('CONVERSATION_NOT_FOUND');
    if (this.#ctx.state.groups[conversationId]?.myRole === null) throw new ParleyError('CONVERSATION_NOT_FOUND', 'You are not a member of this group any more.');
    // A group envelope carries a key commitment: 32 bytes less text than a direct one.
    if (!groupTextFits(body)) throw new ParleyError('MESSAGE_TOO_LONG', 'This message is too long to send to a group. Shorten it or send it in parts.');
    return this.#queue({ conversationId }, body);
  }

  #queue(target: { to: string } | { conversationId: number }, body: string): OutboxEntry {
    const session = this.#ctx.requireSession();
    if (body.length === 0) throw new ParleyError('INVALID_FRAME', 'A message cannot be empty.');
    // The envelope must fit the server's body limit: count UTF-8 bytes of the text, not characters.
    const size = messageSize(body, this.#ctx.state.limits.bodyMaxLength);
    if (!size.fits) throw new ParleyError('MESSAGE_TOO_LONG', tooLongText(size));
    const entry: OutboxEntry = { clientMsgId: newClientMsgId(), ...target, body, createdAt: this.#ctx.options.now(), status: 'sending' };
    writeOutbox(this.#ctx, [...this.#ctx.state.outbox, entry], session.username);
    this.kick();
    return entry;
  }

  /** Puts a failed entry back in line. */
  retry(clientMsgId: string): void {
    writeOutbox(
      this.#ctx,
      this.#ctx.state.outbox.map((e) => {
        if (e.clientMsgId !== clientMsgId || e.status !== 'failed') return e;
        const { error: _error, ...rest } = e;
        return { ...rest, status: 'sending' as const };
      }),
    );
    this.kick();
  }

  discard(clientMsgId: string): void {
    writeOutbox(this.#ctx, this.#ctx.state.outbox.filter((e) => e.clientMsgId !== clientMsgId));
  }

  /** Envelopes made with keys that no longer apply (new keys, a restored server) are made again. */
  forgetEnvelopes(): void {
    this.#envelopes.clear();
  }

  /** Starts draining, or makes a running drain look again once it finishes. */
  kick(): void {
    this.#wanted = true;
    if (this.#running || this.#stopped) return;
    this.#running = true;
    void (async () => {
      try {
        while (this.#wanted && !this.#stopped) {
          this.#wanted = false;
          await this.#drain();
        }
      } finally {
        this.#running = false;
      }
    })();
  }

  /** For good (the client is exiting). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** The next entry to send, while signed in. */
  #next(): OutboxEntry | undefined {
    const state = this.#ctx.state;
    return state.session ? state.outbox.find((e) => e.status === 'sending') : undefined;
  }

  async #drain(): Promise<void> {
    for (;;) {
      const conn = this.#ctx.ready;
      const entry = this.#next();
      if (!conn?.isOpen || !entry || this.#stopped) return;
      try {
        const body = await this.#envelope(conn, entry);
        const target = entry.to === undefined ? { conversationId: entry.conversationId } : { to: entry.to };
        const ack = await conn.request('send', { ...target, clientMsgId: entry.clientMsgId, body });
        const me = this.#ctx.state.session?.username;
        if (me) {
          const { cursor, conversationId, seq, ts } = ack;
          const to = entry.to === undefined ? {} : { to: entry.to };
          this.#inbox.delivered({ cursor, conversationId, seq, ts, from: me, ...to, clientMsgId: entry.clientMsgId, body: entry.body });
        }
      } catch (error) {
        const failure = error instanceof ParleyError ? error : new ParleyError('INTERNAL', undefined, { cause: error });
        if (isPermanentSendError(failure.code)) {
          this.#failed(entry, failure);
          continue;
        }
        if (STOP.has(failure.code)) return;
        if (failure.code === 'TIMEOUT') {
          // A send unanswered for the whole timeout means a dead link the OS has not noticed; start over.
          conn.close(1000);
          return;
        }
        // RATE_LIMITED, SERVER_BUSY, INTERNAL, SHUTTING_DOWN: the same clientMsgId is safe to send again.
        await this.#sleep(failure.retryAfterMs ?? RETRY_MS);
      }
    }
  }

  /** Encrypts an entry once (the conversation's id and key are needed first); resends reuse the envelope. */
  async #envelope(conn: ServerSocket, entry: OutboxEntry): Promise<string> {
    const cached = this.#envelopes.get(entry.clientMsgId);
    if (cached) return cached;
    const keyring = this.#ctx.keyring;
    if (!keyring) throw new ParleyError('LOCKED');
    if (entry.to === undefined) {
      // A group: sealed under an epoch that fits the verified chain head, to its verified members only.
      await this.#groups.beforeSend(conn, entry.conversationId!);
      const envelope = await keyring.groupMessages.encrypt(conn, entry.conversationId!, entry.clientMsgId, entry.body);
      this.#envelopes.set(entry.clientMsgId, envelope);
      return envelope;
    }
    const known = this.#ctx.state.conversations.find((c) => c.kind === 'direct' && c.peer === entry.to);
    const conversationId = known?.id ?? (await conn.request('open', { with: entry.to })).conversation.id;
    // The envelope is bound to this id; the conversation's pinned members must be exactly the user and `to`.
    keyring.epochs.requireConversation(conversationId, entry.to);
    if (keyring.pins.statusOf(entry.to) === undefined && entry.to !== keyring.me) await keyring.pins.fetchIdentities(conn, entry.to);
    const envelope = await keyring.encrypt(conn, conversationId, entry.to, entry.clientMsgId, entry.body);
    this.#envelopes.set(entry.clientMsgId, envelope);
    return envelope;
  }

  #failed(entry: OutboxEntry, error: ParleyError): void {
    writeOutbox(
      this.#ctx,
      this.#ctx.state.outbox.map((e) =>
        e.clientMsgId === entry.clientMsgId ? { ...e, status: 'failed' as const, error: { code: error.code, message: error.message } } : e,
      ),
    );
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}
