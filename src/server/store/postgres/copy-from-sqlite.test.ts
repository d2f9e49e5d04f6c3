// `parley migrate`: a SQLite server's database, moved into PostgreSQL, answers every read as it did, and writes go on
// from where it stopped (the next cursor, seq and ids); a database already in use is refused, with nothing copied.
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { makeUser } from '../../../../test/crypto/fixtures.js';
import { servicesMissing } from '../../../../test/helpers/services.js';
import { openPostgresSchema } from '../../../../test/helpers/store-kinds.js';
import { tempDir } from '../../../../test/helpers/temp.js';
import { GENESIS_PREV, newGroupId, signMembershipChange } from '../../../shared/crypto/index.js';
import { SqliteStore } from '../sqlite.js';
import type { Store } from '../store.js';
import { copySqliteToPostgres } from './copy-from-sqlite.js';

const skipped = await servicesMissing({ postgres: true });
let schema: Awaited<ReturnType<typeof openPostgresSchema>> | undefined;
let sqlite: SqliteStore | undefined;
afterEach(async () => {
  await sqlite?.close();
  await schema?.drop();
  [sqlite, schema] = [undefined, undefined];
});

const send = (senderId: number, from: string, to: string, clientMsgId: string, body = clientMsgId) => ({ senderId, from, to, clientMsgId, body, ts: 7 });

/** A small server's life: accounts with keys, sessions, direct messages (read marks, an odd body), a group, an epoch, a vault. */
async function populate(store: SqliteStore): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  for (const [i, name] of ['alice', 'bob', 'carol'].entries()) {
    const keys = { salt: 'A'.repeat(22), kdf: { v: 2 } as never, keyBundle: `kb.${name}`, publicIdentity: `pub.${name}` };
    const { user } = await store.register({ username: name, passwordHash: `hash-${name}`, now: 1, keys, session: { tokenHash: Buffer.alloc(32, i + 1), device: `${name}'s laptop`, address: '10.0.0.1' } });
    ids[name] = user.id;
  }
  for (let i = 0; i < 30; i++) await store.appendMessages([send(ids.alice!, 'alice', i % 3 ? 'bob' : 'carol', `a${i}`), send(ids.bob!, 'bob', 'alice', `b${i}`, `nul\u0000 ${i}`)]);
  const ab = await store.openDirect(ids.alice!, ids.bob!, 1);
  await store.markRead(ids.bob!, ab, 12);
  await store.addEpoch(ab, 1, ids.alice!, [ids.alice!, ids.bob!].map((recipientId) => ({ recipientId, recipientKeyVersion: 1, sealed: `ek.${recipientId}` })), 3);
  await store.putVault(ids.carol!, 'vault-1', 1);
  const groupId = newGroupId();
  const change = signMembershipChange(
    { groupId, index: 0, prev: GENESIS_PREV, actor: 'alice', actorKeyVersion: 1, action: 'create', targets: [], name: 'club', history: 'hidden', ts: 1 },
    makeUser('alice').identity,
  );
  const group = await store.createGroup({ groupId, name: 'club', sharesHistory: true, members: [{ userId: ids.alice!, role: 'owner' }, { userId: ids.carol!, role: 'member' }], change, now: 4 });
  if (typeof group === 'string') throw new Error(group);
  await store.appendMessages([{ senderId: ids.carol!, from: 'carol', clientMsgId: 'g1', body: 'to the club', ts: 8, conversationId: group.conversationId }]);
  return { ...ids, ab, group: group.conversationId };
}

/** Everything a client can learn from the store about these users, in one value. */
async function view(store: Store, ids: Record<string, number>) {
  const users = ['alice', 'bob', 'carol'] as const;
  return {
    users: await Promise.all(users.map((name) => store.findUserByName(name))),
    keys: await Promise.all(users.map((name) => store.userKeys(ids[name]!))),
    sessions: await Promise.all(users.map((name) => store.listSessions(ids[name]!))),
    token: await store.findSessionByTokenHash(Buffer.alloc(32, 2)),
    sync: await Promise.all(users.map((name) => store.messagesAfter(ids[name]!, 0, 1_000))),
    conversations: await Promise.all(users.map((name) => store.conversations(ids[name]!))),
    history: await store.history(ids.ab!, 20, 5),
    epochs: await store.epochKeys(ids.bob!, ids.ab!),
    vault: await store.vault(ids.carol!),
    members: await store.groupMembers(ids.group!),
    changes: await store.membershipChanges(ids.group!),
    // In no particular order (the interface promises none).
    contacts: (await store.contactIds(ids.alice!)).sort((x, y) => x - y),
    secret: await store.serverSecret(),
    generation: await store.generation(),
  };
}

describe.skipIf(skipped !== null)(skipped === null ? 'parley migrate' : `parley migrate (${skipped})`, () => {
  test('every read answers as it did on SQLite, and the next writes continue its ids, cursors and seqs', async () => {
    sqlite = new SqliteStore({ file: path.join(tempDir('parley-migrate-'), 'parley.db'), checkpointInWorker: false });
    const ids = await populate(sqlite);
    const before = await view(sqlite, ids);
    schema = await openPostgresSchema();
    // As `parley migrate` does: a store opened (the schema made) and closed, then the copy, then the nodes start.
    await (await schema.open()).close();
    const counts = await copySqliteToPostgres(sqlite.db, schema.pool);
    expect(counts).toMatchObject({ users: 3, sessions: 3, messages: 61, conversations: 3, membership_changes: 1, vaults: 1, epoch_keys: 2 });
    const postgres = await schema.open();
    expect(await view(postgres, ids)).toEqual(before);

    // The next message, account and conversation get what SQLite would have given them.
    const next = [send(ids.bob!, 'bob', 'alice', 'after-1')];
    const [onSqlite] = await sqlite.appendMessages(next);
    const [onPostgres] = await postgres.appendMessages(next);
    expect(onPostgres).toEqual(onSqlite);
    expect((await postgres.createUser('dave', 'h', 9)).id).toBe((await sqlite.createUser('dave', 'h', 9)).id);
    expect(await postgres.openDirect(ids.bob!, ids.carol!, 9)).toBe(await sqlite.openDirect(ids.bob!, ids.carol!, 9));
  });

  test('a database that already has accounts is refused, and nothing is copied into it', async () => {
    sqlite = new SqliteStore({ file: path.join(tempDir('parley-migrate-'), 'parley.db'), checkpointInWorker: false });
    await populate(sqlite);
    schema = await openPostgresSchema();
    const postgres = await schema.open();
    await postgres.createUser('someone', 'h', 1);
    await expect(copySqliteToPostgres(sqlite.db, schema.pool)).rejects.toThrow(/already has accounts/);
    expect((await schema.pool.query('SELECT count(*) AS n FROM messages')).rows).toEqual([{ n: 0 }]);
  });
});
