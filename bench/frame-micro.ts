// WebSocket framing alone: the connection's own encoder (src/server/delivery/output.ts) against ws's public
// Sender.frame joined into one buffer, over the frames a group commit writes (acks and pushes, 1 to 16 per
// socket write). Rounds alternate so that a busy machine slows both alike.
// Usage: node --import tsx bench/frame-micro.ts [frames per round=300000] [rounds=4]
import * as ws from 'ws';
import { encodeTextFrames } from '../src/server/delivery/output.js';

/** ws 8's Sender.frame, which @types/ws does not declare. */
const { frame } = (ws as unknown as { Sender: { frame(data: string | Buffer, options: object): Buffer[] } }).Sender;
const TEXT = { fin: true, opcode: 0x01, mask: false, readOnly: false, rsv1: false };

function withSender(frames: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < frames.length; i++) {
    const [header, data] = frame(frames[i]!, TEXT);
    parts.push(header!);
    if (data) parts.push(data);
  }
  return Buffer.concat(parts);
}

const perRound = Number(process.argv[2] ?? 300_000);
const rounds = Number(process.argv[3] ?? 4);
const envelope = 'e'.repeat(360);
const ack = (i: number) => `{"type":"ok","id":${i},"result":{"clientMsgId":"m-${i}-abcdefgh","conversationId":${i % 97},"seq":${i},"cursor":${i * 3},"ts":1760000000000}}`;
const push = (i: number) =>
  `{"type":"message","message":{"cursor":${i * 3},"conversationId":${i % 97},"seq":${i},"from":"user${i % 100}","to":"user${(i + 1) % 100}","clientMsgId":"m-${i}-abcdefgh","body":"${envelope}","ts":1760000000000}}`;

/** Writes of 1, 4 and 16 frames, half acks and half pushes: what one socket gets per turn under load. */
const writes: string[][] = [];
for (let n = 0, i = 0; n < perRound; ) {
  const size = [1, 4, 16][writes.length % 3]!;
  const batch: string[] = [];
  for (let j = 0; j < size; j++, i++) batch.push(i % 2 === 0 ? ack(i) : push(i));
  writes.push(batch);
  n += size;
}
const frames = writes.reduce((sum, batch) => sum + batch.length, 0);

// The same bytes from both, or the comparison means nothing.
for (const batch of writes.slice(0, 30)) {
  if (!encodeTextFrames(batch).equals(withSender(batch))) throw new Error('the encoders differ');
}

function round(encode: (frames: readonly string[]) => Buffer): number {
  let bytes = 0;
  const started = process.hrtime.bigint();
  for (const batch of writes) bytes += encode(batch).length;
  const ns = Number(process.hrtime.bigint() - started);
  if (bytes === 0) throw new Error('nothing encoded');
  return ns / frames;
}

const results: Record<string, number[]> = { encodeTextFrames: [], 'Sender.frame': [] };
round(encodeTextFrames);
round(withSender);
for (let r = 0; r < rounds; r++) {
  results.encodeTextFrames!.push(round(encodeTextFrames));
  results['Sender.frame']!.push(round(withSender));
}
for (const [name, ns] of Object.entries(results)) {
  const sorted = [...ns].sort((a, b) => a - b);
  console.log(`${name.padEnd(17)} ${frames} frames × ${rounds} rounds: ${ns.map((n) => n.toFixed(0)).join(', ')} ns/frame (median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)})`);
}
