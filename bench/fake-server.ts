// A minimal in-memory stand-in for the Parley server (hello, register, login, resume, send, and groups: createGroup,
// changeGroup, send to a conversation), for the generator's own tests; it can drop or duplicate deliveries on purpose
// so the tests can prove the generator notices.
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { applyChange, parsePublicIdentity, type GroupState, type PublicIdentity } from '../src/shared/crypto/index.js';

export interface FakeServerFaults {
  /** Drop the delivery of every n-th message (0: never). */
  dropEvery?: number;
  /** Deliver every n-th message twice (0: never). */
  duplicateEvery?: number;
  /** Put the keys in another order than the real server, so the generator must fall back to JSON.parse. */
  unusualLayout?: boolean;
}

export interface FakeServer {
  url: string;
  /** Password logins answered so far. */
  readonly logins: number;
  /** Frames the clients sent, and how many of them had a mask key of four zero bytes (read off the TCP stream). */
  readonly wire: { frames: number; zeroMasks: number };
  /** Whom each user sent 1:1 messages to. */
  readonly wroteTo: ReadonlyMap<string, ReadonlySet<string>>;
  close(): Promise<void>;
}

export async function startFakeServer(faults: FakeServerFaults = {}): Promise<FakeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const tokens = new Map<string, string>();
  const online = new Map<string, Set<WebSocket>>();
  let count = 0;
  let seq = 0;
  let logins = 0;
  /** Published identities (register's publicIdentity), which group changes are verified with. */
  const identities = new Map<string, PublicIdentity>();
  const groups = new Map<number, GroupState>();
  let pushes = 0;
  const wroteTo = new Map<string, Set<string>>();

  const wire = { frames: 0, zeroMasks: 0 };
  wss.on('connection', (ws, req) => {
    countFrames(req.socket, wire);
    let me: string | null = null;
    const reply = (id: number, result: unknown): void =>
      ws.send(JSON.stringify(faults.unusualLayout ? { id, result, type: 'ok' } : { type: 'ok', id, result }));
    const login = (username: string): void => {
      me = username;
      let set = online.get(username);
      if (!set) online.set(username, (set = new Set()));
      set.add(ws);
    };
    ws.on('close', () => {
      if (me !== null) online.get(me)?.delete(ws);
    });
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString()) as Record<string, string | undefined> & { id: number; type: string };
      switch (f.type) {
        case 'hello':
          return reply(f.id, { version: 1, server: 'fake', limits: {}, session: null });
        case 'register':
        case 'login': {
          if (f.type === 'login') logins++;
          const published = parsePublicIdentity(f.publicIdentity, f.username!);
          if (published.ok) identities.set(f.username!, published.identity);
          const token = `t-${f.username}-${++count}`;
          tokens.set(token, f.username!);
          login(f.username!);
          return reply(f.id, { token, username: f.username, sessionId: count });
        }
        case 'resume': {
          const username = tokens.get(f.token!);
          if (username === undefined) {
            return void ws.send(JSON.stringify({ type: 'error', id: f.id, code: 'SESSION_INVALID', message: 'no' }));
          }
          login(username);
          return reply(f.id, { username, sessionId: 1 });
        }
        case 'createGroup':
        case 'changeGroup': {
          const id = f.type === 'createGroup' ? groups.size + 100 : Number(f.conversationId);
          const step = applyChange(groups.get(id), f.change, (username, version) => (identities.get(username)?.keyVersion === version ? identities.get(username) : undefined));
          if (!step.ok || (f.type === 'createGroup') !== (step.state.length === 1)) {
            return void ws.send(JSON.stringify({ type: 'error', id: f.id, code: 'INVALID_MEMBERSHIP', message: step.ok ? 'wrong request' : step.reason }));
          }
          groups.set(id, step.state);
          const event = JSON.stringify({ type: 'membership', conversationId: id, index: step.state.length - 1, change: f.change, afterSeq: 0 });
          for (const m of step.state.members) for (const peer of online.get(m.username) ?? []) peer.send(event);
          return reply(f.id, f.type === 'createGroup' ? { conversation: { id, kind: 'group', memberCount: step.state.members.length } } : { index: step.state.length - 1 });
        }
        case 'send': {
          if (f.conversationId !== undefined) {
            const group = groups.get(Number(f.conversationId));
            if (group === undefined) return void ws.send(JSON.stringify({ type: 'error', id: f.id, code: 'CONVERSATION_NOT_FOUND', message: 'no' }));
            const n = ++seq;
            const message = { cursor: n, conversationId: Number(f.conversationId), seq: n, from: me, clientMsgId: f.clientMsgId, body: f.body, ts: Date.now() };
            reply(f.id, { clientMsgId: f.clientMsgId, conversationId: message.conversationId, seq: n, cursor: n, ts: message.ts });
            const frame = JSON.stringify(faults.unusualLayout ? { message, type: 'message' } : { type: 'message', message });
            for (const m of group.members) {
              for (const peer of online.get(m.username) ?? []) {
                if (peer === ws) continue;
                pushes++;
                if (faults.dropEvery && pushes % faults.dropEvery === 0) continue;
                peer.send(frame);
                if (faults.duplicateEvery && pushes % faults.duplicateEvery === 0) peer.send(frame);
              }
            }
            return;
          }
          const n = ++seq;
          let recipients = wroteTo.get(me!);
          if (!recipients) wroteTo.set(me!, (recipients = new Set()));
          recipients.add(f.to!);
          const message = { cursor: n, conversationId: 1, seq: n, from: me, to: f.to, clientMsgId: f.clientMsgId, body: f.body, ts: Date.now() };
          reply(f.id, { clientMsgId: f.clientMsgId, conversationId: 1, seq: n, cursor: n, ts: message.ts });
          if (faults.dropEvery && n % faults.dropEvery === 0) return;
          const copies = faults.duplicateEvery && n % faults.duplicateEvery === 0 ? 2 : 1;
          const frame = JSON.stringify(faults.unusualLayout ? { message, type: 'message' } : { type: 'message', message });
          for (const peer of online.get(f.to!) ?? []) for (let c = 0; c < copies; c++) peer.send(frame);
          return;
        }
        default:
          ws.send(JSON.stringify({ type: 'error', id: f.id, code: 'UNKNOWN_TYPE', message: 'no' }));
      }
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    get logins() {
      return logins;
    },
    wire,
    wroteTo,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Reads the client's frames off the raw stream beside `ws` (RFC 6455 §5.2), counting them and their zero mask keys. */
function countFrames(socket: Duplex, wire: { frames: number; zeroMasks: number }): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      const length7 = pending[1]! & 0x7f;
      const masked = (pending[1]! & 0x80) !== 0;
      const extra = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
      const headerLength = 2 + extra + (masked ? 4 : 0);
      if (pending.length < headerLength) return;
      const length = length7 === 126 ? pending.readUInt16BE(2) : length7 === 127 ? Number(pending.readBigUInt64BE(2)) : length7;
      if (pending.length < headerLength + length) return;
      wire.frames++;
      if (masked && pending.readUInt32BE(2 + extra) === 0) wire.zeroMasks++;
      pending = pending.subarray(headerLength + length);
    }
  });
}
