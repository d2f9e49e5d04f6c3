// The span index (migration 5): every read that walks it uses it, and across many spans sync, history and the
// conversation list answer exactly what a plain filter of all messages would.
import path from 'node:path';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.js';
import type { Message } from '../../shared/protocol.js';
import { SPANS_PER_STATEMENT, SYNC_SPANS } from './spans.js';
import { SqliteStore } from './sqlite.js';
import { prepareStatements, SPAN_SHIFT } from './statements.js';

const SPAN = 2 ** SPAN_SHIFT;
const tempFile = () => path.join(tempDir('parley-spans-'), 'parley.db');

test('every statement that reads a conversation by span is answered from the span index', async () => {
  const store = new SqliteStore({ file: tempFile(), checkpointInWorker: false });
  const stmt = prepareStatements(store.db);
  for (const name of ['spanNewest', 'spanIdsAfter', 'spanHistory', 'spanCountAfter'] as const) {
    const sql = stmt[name].source;
    const plan = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sql.split('?').slice(1).map(() => 1)) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('; '), name).toMatch(/USING (COVERING )?INDEX messages_by_span \((<expr>|\(id >> 14\))=\? AND conversation_id=\?/);
  }
  await store.close();
});

const NAMES = ['ann', 'bo', 'cy'];
// Spans at the edges of the ranges one statement searches, and ids at the edges of spans: an off-by-one
// anywhere in a walk misses a message there.
const EDGE_SPANS = [0, 1, SYNC_SPANS - 1, SYNC_SPANS, SPANS_PER_STATEMENT - 1, SPANS_PER_STATEMENT, 2 * SPANS_PER_STATEMENT - 1, 2 * SPANS_PER_STATEMENT, 3 * SPANS_PER_STATEMENT + 1];
/** A message to write: from and to (indexes into NAMES), and where its id falls (ids are then sorted). */
const sendArb = fc.record({ from: fc.nat(2), to: fc.nat(2), span: fc.constantFrom(...EDGE_SPANS), offset: fc.constantFrom(0, 1, SPAN - 1) });

test('across many spans, sync, history and the conversation list match a plain filter of every message', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(sendArb, { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat(40), { minLength: 3, maxLength: 3 }),
      fc.nat(2),
      fc.nat(),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 45 }),
      async (sends, readMarks, reader, cursorPick, limit, before) => {
        const file = tempFile();
        let store = new SqliteStore({ file, checkpointInWorker: false });
        const ids: number[] = [];
        for (const name of NAMES) ids.push((await store.createUser(name, 'hash', 1)).id);
        // Written directly, with gaps in the ids, as a server that ran for a long time would have them.
        const conversations = new Map<string, { id: number; seq: number; lastId: number }>();
        const all: Message[] = [];
        const messageIds = [...new Set(sends.map((s) => s.span * SPAN + s.offset + 1))].sort((a, b) => a - b);
        let id = 0;
        for (const [i, s] of sends.slice(0, messageIds.length).entries()) {
          const key = [s.from, s.to].sort().join('-');
          let c = conversations.get(key);
          if (!c) conversations.set(key, (c = { id: await store.openDirect(ids[s.from]!, ids[s.to]!, 1), seq: 0, lastId: 0 }));
          id = messageIds[i]!;
          c.seq++;
          const m: Message = { cursor: id, conversationId: c.id, seq: c.seq, from: NAMES[s.from]!, to: NAMES[s.to]!, clientMsgId: `m${i}`, body: `b${i}`, ts: i };
          store.db
            .prepare('INSERT INTO messages (id, conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at, prev_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
            .run(m.cursor, m.conversationId, m.seq, ids[s.from], ids[s.to], m.clientMsgId, m.body, m.ts, c.lastId || -c.id);
          c.lastId = id;
          all.push(m);
        }
        for (const [n, mark] of readMarks.entries()) store.db.prepare('UPDATE conversation_members SET read_seq = ? WHERE user_id = ?').run(mark, ids[n]);
        await store.close();

        const check = async (): Promise<void> => {
          const me = NAMES[reader]!;
          const mine = all.filter((m) => m.from === me || m.to === me);
          const after = mine.length === 0 ? 0 : mine[cursorPick % mine.length]!.cursor - (cursorPick % 2);
          expect(await store.messagesAfter(ids[reader]!, after, limit)).toEqual(mine.filter((m) => m.cursor > after).slice(0, limit));

          const listed = await store.conversations(ids[reader]!);
          const expected = [...new Set(mine.map((m) => m.conversationId))].map((cid) => {
            const of = mine.filter((m) => m.conversationId === cid);
            const last = of[of.length - 1]!;
            // The read mark as stored: the one set above, or 0 for a conversation the last check's send opened.
            const { read_seq: readSeq } = store.db.prepare('SELECT read_seq FROM conversation_members WHERE user_id = ? AND conversation_id = ?').get(ids[reader], cid) as { read_seq: number };
            const unread = of.filter((m) => m.seq > readSeq && m.from !== me).length;
            return { id: cid, lastSeq: last.seq, lastMessage: last, unread };
          });
          expected.sort((a, b) => b.lastMessage.cursor - a.lastMessage.cursor);
          expect(listed.map((c) => ({ id: c.id, lastSeq: c.lastSeq, lastMessage: c.lastMessage, unread: c.unread }))).toEqual(expected);

          for (const c of listed) {
            const of = all.filter((m) => m.conversationId === c.id);
            expect(await store.history(c.id, before, limit)).toEqual(of.filter((m) => m.seq < before).slice(-limit));
            expect(await store.history(c.id, undefined, limit)).toEqual(of.slice(-limit));
          }
        };
        store = new SqliteStore({ file, checkpointInWorker: false });
        try {
          await check();
          // New messages continue each conversation's seqs and the ids after the largest one.
          const [result] = await store.appendMessages([{ senderId: ids[0]!, from: 'ann', to: 'bo', clientMsgId: 'new', body: 'new', ts: 99 }]);
          const key = '0-1';
          const seq = (conversations.get(key)?.seq ?? 0) + 1;
          expect(result!.message).toMatchObject({ cursor: id + 1, seq });
          all.push(result!.message!);
          await check();
        } finally {
          await store.close();
        }
      },
    ),
    { numRuns: 120 },
  );
});
