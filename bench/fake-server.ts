// A minimal in-memory stand-in for the Parley server (hello, register, login, resume, send), for the generator's own tests;
// it can drop or duplicate deliveries on purpose so the tests can prove the generator notices.
import { WebSocketServer, type WebSocket } from 'ws';

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

  wss.on('connection', (ws) => {
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
      const f = JSON.parse(data.toString()) as Record<string, string> & { id: number; type: string };
      switch (f.type) {
        case 'hello':
          return reply(f.id, { version: 1, server: 'fake', limits: {}, session: null });
        case 'register':
        case 'login': {
          if (f.type === 'login') logins++;
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
        case 'send': {
          const n = ++seq;
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
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
