// The terminal's search index file: FTS5 over blinded tokens, and no word of any message in its bytes.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SearchIndex } from '../shared/client/search.js';
import { tempDir } from '../../test/helpers/temp.js';
import { openSearchDb } from './search-db.js';

const wrapKey = new Uint8Array(32).fill(5);
const message = (seq: number, body: string, conversationId = 1) => ({
  cursor: seq,
  conversationId,
  seq,
  from: 'alice',
  to: 'bob',
  clientMsgId: `m${seq}`.padEnd(16, '0'),
  body,
  ts: 1_000 + seq,
});

/** Every byte SQLite wrote for the index: the database and its journal files. */
const bytesOf = (file: string) =>
  Buffer.concat(['', '-wal', '-shm', '-journal'].filter((s) => fs.existsSync(file + s)).map((s) => fs.readFileSync(file + s)));

describe('search index file (SQLite FTS5)', () => {
  it('finds by word and prefix, newest first, in one conversation or all, after a reopen', async () => {
    const file = path.join(tempDir(), 'bob.search.db');
    const index = await SearchIndex.open(openSearchDb(file), 'bob', wrapKey);
    await index.add([message(1, 'Quokka sighting'), message(2, 'another quokka'), message(3, 'quokkas elsewhere', 2), message(2, 'a duplicate is ignored')]);
    await index.close();
    const again = await SearchIndex.open(openSearchDb(file), 'bob', wrapKey);
    expect((await again.search('QUOK')).map((h) => [h.conversationId, h.seq])).toEqual([
      [2, 3],
      [1, 2],
      [1, 1],
    ]);
    expect((await again.search('quokka sight')).map((h) => h.snippet)).toEqual(['Quokka sighting']);
    expect(await again.search('quokka', { conversationId: 2 })).toHaveLength(1);
    expect(await again.search('duplicate')).toEqual([]);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    await again.close();
  });

  it('holds no plaintext word: the file bytes do not contain a unique word of a message', async () => {
    const file = path.join(tempDir(), 'bob.search.db');
    const index = await SearchIndex.open(openSearchDb(file), 'bob', wrapKey);
    const words = ['xylophonequartz', 'Vermillionpike'];
    await index.add([message(1, `meet at ${words[0]} with ${words[1]} tonight`)]);
    expect(await index.search('xylophone')).toHaveLength(1);
    const bytes = bytesOf(file);
    for (const word of [...words, 'tonight']) {
      for (const form of [word, word.toLowerCase(), word.slice(0, 6).toLowerCase()]) {
        expect(bytes.includes(Buffer.from(form, 'utf8')), form).toBe(false);
        expect(bytes.includes(Buffer.from(form, 'utf16le')), form).toBe(false);
      }
    }
    await index.close();
    for (const word of words) expect(bytesOf(file).includes(Buffer.from(word.toLowerCase()))).toBe(false);
    // FTS5 stores its terms prefix-compressed, which a byte search can miss: its own vocabulary must be blinded tokens only.
    const db = new Database(file, { readonly: true });
    db.exec("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, 'terms', 'row')");
    const terms = db.prepare<[], { term: string }>('SELECT term FROM temp.vocabulary').all().map((r) => r.term);
    db.close();
    expect(terms.length).toBeGreaterThan(10);
    expect(terms.filter((t) => !/^[0-9a-f]{24}$/.test(t))).toEqual([]);
  });

  it('replaces a file that is not a database, and a wrong wrap key opens an empty index', async () => {
    const file = path.join(tempDir(), 'bob.search.db');
    fs.writeFileSync(file, 'not a database at all, just text '.repeat(200));
    const index = await SearchIndex.open(openSearchDb(file), 'bob', wrapKey);
    await index.add([message(1, 'fresh start')]);
    await index.close();
    const other = await SearchIndex.open(openSearchDb(file), 'bob', new Uint8Array(32).fill(6));
    expect(await other.search('fresh')).toEqual([]);
    await other.close();
  });
});
