// Calibration only: the calibration prototype of docs/performance.md (ws + JSON + SQLite WAL, one
// transaction per turn, ack after commit, sockets corked per turn; no argon2, no schema, no dedupe
// index), speaking just enough of the protocol for the generator. Run on the same machine at the same
// time as Parley, it tells how much of a gap is the machine and how much is Parley.
// Usage: node --import tsx bench/bare-server.ts PORT DATA_DIR
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.argv[2] ?? 0);
const db = new Database(join(process.argv[3] ?? '.', 'bare.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, sender TEXT, recipient TEXT, client_msg_id TEXT, body TEXT, ts INTEGER)');
const insert = db.prepare('INSERT INTO messages (sender, recipient, client_msg_id, body, ts) VALUES (?, ?, ?, ?, ?)');

interface Pending { ws: WebSocket; id: number; from: string; to: string; clientMsgId: string; body: string }
const online = new Map<string, WebSocket>();
const names = new Map<WebSocket, string>();
const sockets = new Map<WebSocket, Socket>();
let queue: Pending[] = [];
let scheduled = false;
const corked: Socket[] = [];
const write = (ws: WebSocket, frame: string): void => {
  const s = sockets.get(ws);
  if (s && s.writableCorked === 0) {
    s.cork();
    corked.push(s);
  }
  ws.send(frame);
};
const commit = db.transaction((batch: Pending[]) => batch.map((p) => Number(insert.run(p.from, p.to, p.clientMsgId, p.body, Date.now()).lastInsertRowid)));
const flush = (): void => {
  scheduled = false;
  const batch = queue;
  queue = [];
  const ids = commit(batch);
  batch.forEach((p, i) => {
    const ts = Date.now();
    write(p.ws, JSON.stringify({ type: 'ok', id: p.id, result: { clientMsgId: p.clientMsgId, conversationId: 1, seq: ids[i], cursor: ids[i], ts } }));
    const peer = online.get(p.to);
    if (peer) write(peer, JSON.stringify({ type: 'message', message: { cursor: ids[i], conversationId: 1, seq: ids[i], from: p.from, to: p.to, clientMsgId: p.clientMsgId, body: p.body, ts } }));
  });
  for (const s of corked.splice(0)) s.uncork();
};

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  sockets.set(ws, req.socket as Socket);
  ws.on('close', () => {
    const name = names.get(ws);
    if (name !== undefined && online.get(name) === ws) online.delete(name);
    names.delete(ws);
    sockets.delete(ws);
  });
  ws.on('message', (data: Buffer) => {
    const f = JSON.parse(data.toString()) as Record<string, string> & { id: number; type: string };
    if (f.type === 'send') {
      queue.push({ ws, id: f.id, from: names.get(ws)!, to: f.to!, clientMsgId: f.clientMsgId!, body: f.body! });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return;
    }
    const login = (name: string): void => {
      names.set(ws, name);
      online.set(name, ws);
    };
    if (f.type === 'register' || f.type === 'login') login(f.username!);
    if (f.type === 'resume') login(f.token!.slice(2));
    const result = f.type === 'register' || f.type === 'login' ? { token: `t-${f.username}`, username: f.username, sessionId: 1 } : {};
    ws.send(JSON.stringify({ type: 'ok', id: f.id, result }));
  });
});
wss.on('listening', () => console.log(`bare server on ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`));
process.on('SIGTERM', () => process.exit(0));
