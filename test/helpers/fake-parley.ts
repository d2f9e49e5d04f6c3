// An in-memory stand-in for the Parley server behind a fake WebSocket class, for SDK and screen unit tests.
import type { ConversationSummary, Message } from '../../src/shared/protocol.js';

/** A realm id like a real server's (22 base64url characters). */
const FAKE_REALM = 'fakeRealmfakeRealmfake';

type Frame = { id: number; type: string } & Record<string, unknown>;
type Handler = (socket: FakeSocket, frame: Frame) => void;

class FakeSocket {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  user: string | null = null;
  readonly sent: Frame[] = [];

  constructor(
    readonly url: string,
    private readonly server: FakeParley,
  ) {
    setTimeout(() => {
      if (server.reachable) {
        this.readyState = 1;
        server.sockets.add(this);
        this.onopen?.({});
      } else {
        this.readyState = 3;
        this.onclose?.({ code: 1006, reason: '' });
      }
    }, 1);
  }

  send(data: string): void {
    const frame = JSON.parse(data) as Frame;
    this.sent.push(frame);
    setTimeout(() => this.server.handle(this, frame), 1);
  }

  close(code = 1000): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.server.sockets.delete(this);
    setTimeout(() => this.onclose?.({ code, reason: '' }), 1);
  }

  push(frame: unknown): void {
    if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

interface Convo {
  id: number;
  members: [string, string];
  messages: Message[];
  read: Map<string, number>;
}

/**
 * Enough of the protocol to drive the client: accounts, sessions, send with dedupe by clientMsgId,
 * a per-user sync log, conversations, history, read marks, presence. Tests can drop sockets, stop
 * answering, or override a request type with `intercept`.
 */
export class FakeParley {
  readonly sockets = new Set<FakeSocket>();
  reachable = true;
  /** When set, requests of these types get no reply at all. */
  readonly silent = new Set<string>();
  readonly intercept = new Map<string, Handler>();
  readonly users = new Map<string, string>();
  readonly tokens = new Map<string, string>();
  readonly convos: Convo[] = [];
  readonly logs = new Map<string, Message[]>();
  readonly dedupe = new Map<string, { conversationId: number; seq: number; cursor: number; ts: number }>();
  readonly received: Frame[] = [];
  /** End-to-end key material as registered: salt, kdf, publicIdentity, keyBundle. Opaque here, as on the real server. */
  readonly keys = new Map<string, Record<string, unknown>>();
  /** conversationId → sealed epoch keys. */
  readonly epochs = new Map<number, { epoch: number; creator: string; recipient: string; sealed: string }[]>();
  #tokenSeq = 0;
  /** Server time: the wall clock, made strictly increasing (clients compare it with the time in clientMsgIds). */
  #clock = 0;

  readonly WebSocket: new (url: string) => FakeSocket;

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const server = this;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url, server);
      }
    };
  }

  /** Closes every socket as a crash would (code 1006). */
  /** The database generation hello reports; change it and drop the sockets to play a restore from a backup. */
  generation: string | undefined;

  dropAll(): void {
    for (const socket of [...this.sockets]) socket.close(1006);
  }

  online(): string[] {
    return [...new Set([...this.sockets].map((s) => s.user).filter((u): u is string => u !== null))].sort();
  }

  handle(socket: FakeSocket, frame: Frame): void {
    if (socket.readyState !== 1) return;
    this.received.push(frame);
    if (this.silent.has(frame.type)) return;
    const custom = this.intercept.get(frame.type);
    if (custom) return custom(socket, frame);
    const ok = (result: unknown) => socket.push({ type: 'ok', id: frame.id, result });
    const fail = (code: string, message = code) => socket.push({ type: 'error', id: frame.id, code, message });
    const me = socket.user;
    const str = (key: string) => String(frame[key]);
    switch (frame.type) {
      case 'hello':
        return ok({ version: 1, server: 'fake', limits: { maxFrameBytes: 65536, bodyMaxLength: 16000, passwordMinLength: 8 }, session: null, realm: FAKE_REALM, ...(this.generation === undefined ? {} : { generation: this.generation }) });
      case 'register':
        if (this.users.has(str('username'))) return fail('USERNAME_TAKEN');
        if (str('password').length < 8) return fail('WEAK_PASSWORD');
        this.users.set(str('username'), str('password'));
        this.keys.set(str('username'), { salt: frame.salt, kdf: frame.kdf, publicIdentity: frame.publicIdentity, keyBundle: frame.keyBundle });
        return this.#signIn(socket, str('username'), ok);
      case 'prelogin': {
        const keys = this.keys.get(str('username'));
        return ok({ salt: keys?.salt ?? 'AAAAAAAAAAAAAAAAAAAAAA', kdf: keys?.kdf ?? { v: 2, alg: 'argon2id', m: 65536, t: 3, p: 1 }, realm: FAKE_REALM });
      }
      case 'login': {
        if (this.users.get(str('username')) !== str('password')) return fail('AUTH_FAILED', 'Wrong username or password.');
        const keys = this.keys.get(str('username'));
        return this.#signIn(socket, str('username'), ok, { keyBundle: keys?.keyBundle, publicIdentity: keys?.publicIdentity });
      }
      case 'resume': {
        const user = this.tokens.get(str('token'));
        if (!user) return fail('SESSION_INVALID');
        this.#goOnline(socket, user);
        return ok({ username: user, sessionId: 1 });
      }
      case 'bye':
      case 'logout':
        ok({});
        socket.close(1000);
        this.#presence(me, false);
        return;
      default:
        break;
    }
    if (!me) return fail('NOT_AUTHENTICATED');
    switch (frame.type) {
      case 'online': {
        // The real server's paging: after the cursor, containing the query, at most `limit` (default 100).
        const { query, after, limit = 100 } = frame as { query?: string; after?: string; limit?: number };
        const matching = this.online().filter((u) => query === undefined || u.includes(query));
        const rest = matching.filter((u) => after === undefined || u > after);
        const users = rest.slice(0, limit);
        return ok({ users, total: matching.length, ...(rest.length > limit ? { next: users.at(-1) } : {}) });
      }
      case 'myKeys':
        return ok(this.keys.get(me));
      case 'identity': {
        const keys = this.keys.get(str('username'));
        if (!keys) return fail('USER_NOT_FOUND');
        return ok({ username: str('username'), identities: [keys.publicIdentity] });
      }
      case 'epochKeys':
        return ok({
          epochs: (this.epochs.get(Number(frame.conversationId)) ?? [])
            .filter((e) => e.recipient === me)
            .map(({ epoch, creator, sealed }) => ({ epoch, creator, sealed })),
        });
      case 'addEpoch': {
        const id = Number(frame.conversationId);
        const list = this.epochs.get(id) ?? [];
        if (list.some((e) => e.epoch === Number(frame.epoch))) return fail('EPOCH_CONFLICT');
        for (const k of frame.keys as { recipient: string; sealed: string }[]) {
          list.push({ epoch: Number(frame.epoch), creator: me, recipient: k.recipient, sealed: k.sealed });
        }
        this.epochs.set(id, list);
        return ok({ epoch: Number(frame.epoch) });
      }
      case 'lookup':
        if (!this.users.has(str('username'))) return fail('USER_NOT_FOUND');
        return ok({ username: str('username'), online: this.online().includes(str('username')) });
      case 'open': {
        if (!this.users.has(str('with'))) return fail('USER_NOT_FOUND');
        return ok({ conversation: this.#summary(this.#convo(me, str('with')), me) });
      }
      case 'conversations':
        return ok({
          conversations: this.convos.filter((c) => c.members.includes(me)).map((c) => this.#summary(c, me)),
        });
      case 'send': {
        const key = `${me}\u0000${str('clientMsgId')}`;
        const earlier = this.dedupe.get(key);
        if (earlier) return ok({ clientMsgId: str('clientMsgId'), ...earlier });
        if (!this.users.has(str('to'))) return fail('USER_NOT_FOUND');
        const convo = this.#convo(me, str('to'));
        const seq = convo.messages.length + 1;
        const ts = (this.#clock = Math.max(Date.now(), this.#clock + 1));
        const base = { conversationId: convo.id, seq, from: me, to: str('to'), clientMsgId: str('clientMsgId'), body: str('body'), ts };
        let myCursor = 0;
        for (const member of new Set(convo.members)) {
          const log = this.logs.get(member) ?? [];
          const message = { ...base, cursor: log.length + 1 };
          log.push(message);
          this.logs.set(member, log);
          if (member === me) {
            myCursor = message.cursor;
            convo.messages.push(message);
          }
          for (const s of this.sockets) if (s.user === member) s.push({ type: 'message', message });
        }
        this.dedupe.set(key, { conversationId: convo.id, seq, cursor: myCursor, ts });
        return ok({ clientMsgId: str('clientMsgId'), conversationId: convo.id, seq, cursor: myCursor, ts });
      }
      case 'sync': {
        const limit = Number(frame.limit ?? 500);
        const log = (this.logs.get(me) ?? []).filter((m) => m.cursor > Number(frame.after));
        const page = log.slice(0, limit);
        return ok({ messages: page, cursor: page.at(-1)?.cursor ?? Number(frame.after), more: log.length > limit });
      }
      case 'history': {
        const convo = this.convos.find((c) => c.id === Number(frame.conversationId));
        if (!convo) return fail('CONVERSATION_NOT_FOUND');
        const before = frame.before === undefined ? Infinity : Number(frame.before);
        const limit = Number(frame.limit ?? 50);
        const older = convo.messages.filter((m) => m.seq < before);
        return ok({ messages: older.slice(-limit), more: older.length > limit });
      }
      case 'read': {
        const convo = this.convos.find((c) => c.id === Number(frame.conversationId));
        if (!convo) return fail('CONVERSATION_NOT_FOUND');
        const seq = Math.max(convo.read.get(me) ?? 0, Number(frame.seq));
        convo.read.set(me, seq);
        for (const s of this.sockets) {
          if (s.user && convo.members.includes(s.user)) s.push({ type: 'read', conversationId: convo.id, username: me, seq });
        }
        return ok({ readSeq: seq });
      }
      case 'typing': {
        const convo = this.convos.find((c) => c.id === Number(frame.conversationId));
        if (!convo) return fail('CONVERSATION_NOT_FOUND');
        for (const s of this.sockets) {
          if (s.user && s.user !== me && convo.members.includes(s.user)) s.push({ type: 'typing', conversationId: convo.id, username: me });
        }
        return ok({});
      }
      default:
        return fail('UNKNOWN_TYPE');
    }
  }

  #signIn(socket: FakeSocket, username: string, ok: (result: unknown) => void, extra: Record<string, unknown> = {}): void {
    const token = `token${++this.#tokenSeq}`;
    this.tokens.set(token, username);
    this.#goOnline(socket, username);
    ok({ token, username, sessionId: this.#tokenSeq, ...extra });
  }

  #goOnline(socket: FakeSocket, username: string): void {
    const wasOnline = this.online().includes(username);
    socket.user = username;
    if (!wasOnline) this.#presence(username, true);
  }

  #presence(username: string | null, online: boolean): void {
    if (!username || (!online && this.online().includes(username))) return;
    for (const s of this.sockets) if (s.user) s.push({ type: 'presence', username, online });
  }

  #convo(a: string, b: string): Convo {
    const members = [a, b].sort() as [string, string];
    let convo = this.convos.find((c) => c.members[0] === members[0] && c.members[1] === members[1]);
    if (!convo) {
      convo = { id: this.convos.length + 1, members, messages: [], read: new Map() };
      this.convos.push(convo);
    }
    return convo;
  }

  #summary(convo: Convo, me: string): ConversationSummary {
    const peer = convo.members[0] === me ? convo.members[1] : convo.members[0];
    const readSeq = convo.read.get(me) ?? 0;
    return {
      id: convo.id,
      kind: 'direct',
      peer,
      lastSeq: convo.messages.length,
      readSeq,
      peerReadSeq: convo.read.get(peer) ?? 0,
      unread: convo.messages.filter((m) => m.seq > readSeq && m.from !== me).length,
      lastMessage: convo.messages.at(-1) ?? null,
    };
  }
}
