// Search in decrypted history against the real server: live, sent and synced messages, the index file, history backfill, locked clients.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryStorage, type ParleyClient } from '../../src/shared/client/index.js';
import { openSearchDb } from '../../src/tui/search-db.js';
import { sdkHarness } from '../helpers/sdk.js';
import { tempDir } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'correct horse battery';
const { client, server: setup } = sdkHarness();

const snippets = async (c: ParleyClient, query: string, options = {}) => (await c.search(query, options)).map((h) => h.snippet);

describe('search in decrypted history', () => {
  it('finds sent, received and synced messages by word; a client resumed without its keys cannot search', async () => {
    const s = await setup();
    const storage = memoryStorage();
    const alice = await client(s.url, { storage });
    await alice.register('alice', PASSWORD);
    const bob = await client(s.url);
    await bob.register('bob', PASSWORD);
    alice.send('bob', 'Shall we meet at the Café Rouge?');
    await waitFor(() => bob.getSnapshot().conversations[0]?.lastSeq === 1);
    bob.send('alice', 'the cafe opens at nine');
    await waitFor(() => alice.getSnapshot().conversations[0]?.lastSeq === 2);
    alice.send('bob', 'unrelated words');
    await waitFor(() => alice.getSnapshot().outbox.length === 0 && bob.getSnapshot().outbox.length === 0);
    await waitFor(async () => (await bob.search('cafe')).length === 2);

    const hits = await alice.search('CAFE');
    expect(hits.map((h) => [h.snippet, h.from, h.peer])).toEqual([
      ['the cafe opens at nine', 'bob', 'bob'],
      ['Shall we meet at the Café Rouge?', 'alice', 'bob'],
    ]);
    expect(hits[0]).toMatchObject({ conversationId: expect.any(Number), seq: 2, cursor: expect.any(Number), ts: expect.any(Number) });
    expect(hits[0]!.marks.map(([a, b]) => hits[0]!.snippet.slice(a, b))).toEqual(['cafe']);
    expect(await snippets(bob, 'caf rou')).toEqual(['Shall we meet at the Café Rouge?']);
    expect(await snippets(bob, 'cafe', { conversationId: hits[0]!.conversationId + 1 })).toEqual([]);
    await expect(bob.search('?')).rejects.toMatchObject({ code: 'INVALID_FRAME' });

    // The same account resumed by token, keys not kept: locked, so no search until the password.
    const again = await client(s.url, { storage });
    expect(again.getSnapshot().keys).toBe('locked');
    await expect(again.search('cafe')).rejects.toMatchObject({ code: 'LOCKED' });
    await again.unlock(PASSWORD);
    await again.openConversation('bob');
    expect(await snippets(again, 'nine')).toEqual(['the cafe opens at nine']);
  });

  it('keeps its index in a file across restarts, and indexes older history in bounded, resumable runs', async () => {
    const s = await setup();
    const alice = await client(s.url);
    await alice.register('alice', PASSWORD);
    const bob = await client(s.url);
    await bob.register('bob', PASSWORD);
    await bob.exit();
    for (let i = 1; i <= 130; i++) alice.send('bob', i === 115 ? 'the old marmalade recipe' : `filler ${i}`);
    await waitFor(() => alice.getSnapshot().outbox.length === 0, { timeoutMs: 20_000 });

    const dir = tempDir();
    const storage = memoryStorage();
    const options = { storage, keyStorage: storage, searchStore: (username: string) => openSearchDb(path.join(dir, `${username}.search.db`)) };
    const first = await client(s.url, options);
    await first.login('bob', PASSWORD);
    // Only the conversation summary's last message was decrypted so far.
    expect(await snippets(first, 'marmalade')).toEqual([]);
    expect(await first.indexHistory({ maxPages: 1 })).toEqual({ pages: 1, done: false });
    expect(await snippets(first, 'marmalade')).toEqual([]);
    await first.exit();

    // A restart resumes by token with the kept wrap key, reopens the file, and carries on where it stopped.
    const second = await client(s.url, options);
    expect(second.getSnapshot().keys).toBe('unlocked');
    expect(await snippets(second, 'filler 130')).toEqual(['filler 130']);
    expect(await second.indexHistory({ maxPages: 5 })).toEqual({ pages: 1, done: true });
    expect(await snippets(second, 'marmalade')).toEqual(['the old marmalade recipe']);
    expect(await second.indexHistory()).toEqual({ pages: 0, done: true });
    await second.exit();

    // Written while bob's client was closed, before the last message: found once the next run catches up.
    alice.send('bob', 'the new quince jam');
    alice.send('bob', 'filler 132');
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    const third = await client(s.url, options);
    expect(await snippets(third, 'quince')).toEqual([]);
    expect(await third.indexHistory()).toEqual({ pages: 1, done: true });
    expect(await snippets(third, 'quince')).toEqual(['the new quince jam']);
  });

  it('keeps the index readable after a password change on this device', async () => {
    const s = await setup();
    const dir = tempDir();
    const storage = memoryStorage();
    const options = { storage, keyStorage: storage, searchStore: (username: string) => openSearchDb(path.join(dir, `${username}.search.db`)) };
    const alice = await client(s.url, options);
    await alice.register('alice', PASSWORD);
    alice.send('alice', 'a note about gooseberries');
    // The last message is decrypted again with the summaries at every start; the one before it only by the index.
    alice.send('alice', 'and one about plums');
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    await alice.changePassword(PASSWORD, 'another horse battery staple');
    await alice.exit();
    const again = await client(s.url, options);
    expect(again.getSnapshot().keys).toBe('unlocked');
    expect((await again.search('gooseberr'))[0]).toMatchObject({ snippet: 'a note about gooseberries', peer: 'alice' });
  });
});
