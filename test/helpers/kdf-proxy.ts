// A WebSocket relay in front of a real server that can rewrite its replies: a lying server for the KDF tests.
import { WebSocketServer, WebSocket } from 'ws';

type Frame = Record<string, unknown>;

export interface RewritingProxy {
  url: string;
  /** Every request type clients sent through the relay, in order. */
  requests: string[];
  /** Rewrites the `result` of each `ok` reply to a request of `type`; undefined to stop. */
  rewrite(type: string, change: ((result: Frame) => Frame) | undefined): void;
  close(): Promise<void>;
}

/** Listens on port 0 and relays every connection to `target` (a ws:// URL), frame by frame. */
export async function rewritingProxy(target: string): Promise<RewritingProxy> {
  const changes = new Map<string, (result: Frame) => Frame>();
  const requests: string[] = [];
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (client) => {
    const upstream = new WebSocket(target);
    const pending: string[] = [];
    /** Request id → type, to know which reply answers what. */
    const asked = new Map<number, string>();
    upstream.on('open', () => pending.splice(0).forEach((m) => upstream.send(m)));
    client.on('message', (data) => {
      const text = data.toString();
      const frame = JSON.parse(text) as Frame;
      if (typeof frame.id === 'number' && typeof frame.type === 'string') {
        asked.set(frame.id, frame.type);
        requests.push(frame.type);
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else pending.push(text);
    });
    upstream.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      const type = typeof frame.id === 'number' ? asked.get(frame.id) : undefined;
      const change = type === undefined ? undefined : changes.get(type);
      if (frame.type === 'ok' && change) frame.result = change(frame.result as Frame);
      client.send(JSON.stringify(frame));
    });
    const closeBoth = () => {
      client.close();
      upstream.close();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    upstream.on('error', closeBoth);
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    requests,
    rewrite: (type, change) => (change ? changes.set(type, change) : changes.delete(type)),
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
