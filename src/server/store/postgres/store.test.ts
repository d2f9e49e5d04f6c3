// The PostgreSQL store's own promises, beyond the shared suite: migrations that several nodes may run at once, and
// several nodes writing one log: no place taken twice, no resend stored twice, cursors in commit order for sync.
import { afterEach, describe, expect, test } from 'vitest';
import { servicesMissing } from '../../../../test/helpers/services.js';
import { openPostgresSchema } from '../../../../test/helpers/store-kinds.js';
import type { Message } from '../../../shared/protocol.js';
import type { DirectSend } from '../store.js';
import { migratePostgres, PG_MIGRATIONS } from './migrations.js';

const skipped = await servicesMissing({ postgres: true });

let schema: Awaited<ReturnType<typeof openPostgresSchema>> | undefined;
afterEach(async () => {
  await schema?.drop();
  schema = undefined;
});

test('migrations are numbered 1, 2, 3… with no gaps', () => {
  expect(PG_MIGRATIONS.map((m) => m.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
});

describe.skipIf(skipped !== null)(skipped === null ? 'postgres' : `postgres (${skipped})`, () => {
  test('nodes starting together apply each step once; running again changes nothing', async () => {
    schema = await openPostgresSchema();
    const nodes = await Promise.all([schema.open(), schema.open(), schema.open()]);
    expect(nodes).toHaveLength(3);
    expect(await migratePostgres(schema.pool)).toBe(PG_MIGRATIONS.length);
    const { rows } = await schema.pool.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version })));
    // Every node reads the one secret the first one made.
    const secrets = await Promise.all(nodes.map((node) => node.serverSecret()));
    expect(secrets[1]).toEqual(secrets[0]);
    expect(secrets[2]).toEqual(secrets[0]);
  });

  test('three nodes writing the same conversations at once: every place once, every resend once, sync misses nothing', async () => {
    schema = await openPostgresSchema();
    const nodes = await Promise.all([schema.open(), schema.open(), schema.open()]);
    const names = ['ann', 'bo', 'cy'];
    const ids: number[] = [];
    for (const name of names) ids.push((await nodes[0]!.createUser(name, 'hash', 1)).id);
    const ROUNDS = 40;
    // Each round, every node sends a batch in which every user writes to every other; the same clientMsgIds go to
    // all three nodes, as a client's resends do after it reconnects elsewhere.
    const batch = (round: number): DirectSend[] =>
      names.flatMap((from, f) => names.filter((to) => to !== from).map((to) => ({ senderId: ids[f]!, from, to, clientMsgId: `r${round}-${from}-${to}`, body: `${round}`, ts: round })));

    // A reader on another connection syncs ann's messages while the writes go on, as a client following its cursor.
    const seen: Message[] = [];
    let cursor = 0;
    let writing = true;
    const reader = (async () => {
      for (;;) {
        const page = await nodes[2]!.messagesAfter(ids[0]!, cursor, 7);
        seen.push(...page);
        cursor = page.at(-1)?.cursor ?? cursor;
        if (page.length === 0 && !writing) return;
      }
    })();
    const answers = new Map<string, Message[]>();
    try {
      await Promise.all(
        nodes.map(async (node) => {
          for (let round = 0; round < ROUNDS; round++) {
            for (const result of await node.appendMessages(batch(round))) {
              const message = result.message!;
              const key = `${message.from}/${message.clientMsgId}`;
              answers.set(key, [...(answers.get(key) ?? []), message]);
            }
          }
        }),
      );
    } finally {
      writing = false;
      await reader;
    }

    // Every node answered every send with the same stored message, whichever stored it.
    expect(answers.size).toBe(ROUNDS * 6);
    for (const copies of answers.values()) {
      expect(copies).toHaveLength(3);
      expect(copies[1]).toEqual(copies[0]);
      expect(copies[2]).toEqual(copies[0]);
    }
    const { rows } = await schema.pool.query<{ n: number; places: number; conversations: number }>(
      'SELECT count(*) AS n, count(DISTINCT (conversation_id, seq)) AS places, count(DISTINCT conversation_id) AS conversations FROM messages',
    );
    expect(rows[0]).toEqual({ n: ROUNDS * 6, places: ROUNDS * 6, conversations: 3 });
    // Seqs are 1, 2, 3… in each conversation, in cursor order.
    const all = [...answers.values()].map((copies) => copies[0]!).sort((a, b) => a.cursor - b.cursor);
    for (const conversationId of new Set(all.map((m) => m.conversationId))) {
      const seqs = all.filter((m) => m.conversationId === conversationId).map((m) => m.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    // The reader, following its cursor during the writes, saw each of ann's messages exactly once, in order.
    const anns = all.filter((m) => m.from === 'ann' || m.to === 'ann');
    expect(seen.map((m) => m.cursor)).toEqual(anns.map((m) => m.cursor));
  });
});
