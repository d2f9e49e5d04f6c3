// Append-only schema migrations for the SQLite store: never edit a step once released, add a new one.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  sql: string;
  /**
   * The step edits table definitions in `sqlite_schema`, SQLite's documented way to drop a constraint
   * without rebuilding the table (https://sqlite.org/lang_altertable.html#otheralter): it runs with
   * `writable_schema` on, better-sqlite3's unsafe mode (which lifts SQLITE_DBCONFIG_DEFENSIVE) and the
   * schema version bumped, so every connection reads the new definitions.
   */
  editsSchema?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'users, sessions, direct conversations, messages',
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        -- BINARY collation: usernames are case sensitive, Alice and alice are two accounts.
        username TEXT NOT NULL UNIQUE COLLATE BINARY,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        token_hash BLOB NOT NULL UNIQUE,
        device TEXT,
        address TEXT,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_by_user ON sessions(user_id);

      CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('direct')),
        -- For direct conversations: the two members, lower id first, so a pair has one conversation.
        user_lo INTEGER NOT NULL REFERENCES users(id),
        user_hi INTEGER NOT NULL REFERENCES users(id),
        last_seq INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        UNIQUE (user_lo, user_hi)
      ) STRICT;

      CREATE TABLE conversation_members (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        user_id INTEGER NOT NULL REFERENCES users(id),
        read_seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, conversation_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX members_by_conversation ON conversation_members(conversation_id);

      -- id is the sync cursor: assigned in commit order, never reused (rows are never deleted).
      CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        seq INTEGER NOT NULL,
        sender_id INTEGER NOT NULL REFERENCES users(id),
        recipient_id INTEGER NOT NULL REFERENCES users(id),
        client_msg_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (conversation_id, seq),
        UNIQUE (sender_id, client_msg_id)
      ) STRICT;
      CREATE INDEX messages_by_conversation_cursor ON messages(conversation_id, id);
    `,
  },
  {
    version: 2,
    description: 'a conversation\'s last seq is the max seq of its messages, no longer a column updated per message',
    sql: `ALTER TABLE conversations DROP COLUMN last_seq;`,
  },
  {
    version: 3,
    description: 'end-to-end encryption: salts, sealed key bundles, public identities, sealed epoch keys, server secret',
    sql: `
      -- The salt (base64url) and argon2id descriptor (JSON) the client derives its keys with, and its private
      -- keys sealed with a key only the client can derive. password_hash now hashes the derived auth key.
      ALTER TABLE users ADD COLUMN salt TEXT;
      ALTER TABLE users ADD COLUMN kdf TEXT;
      ALTER TABLE users ADD COLUMN key_bundle TEXT;

      -- Every public identity a user has had, kept forever: old versions verify old messages.
      CREATE TABLE identities (
        user_id INTEGER NOT NULL REFERENCES users(id),
        key_version INTEGER NOT NULL,
        public_identity TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, key_version)
      ) STRICT;

      ALTER TABLE conversations ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;

      -- One conversation key per epoch, sealed to each member's key version: opaque to the server.
      CREATE TABLE epoch_keys (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        epoch INTEGER NOT NULL,
        recipient_id INTEGER NOT NULL REFERENCES users(id),
        recipient_key_version INTEGER NOT NULL,
        creator_id INTEGER NOT NULL REFERENCES users(id),
        sealed TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, epoch, recipient_id, recipient_key_version)
      ) STRICT;
      CREATE INDEX epoch_keys_by_recipient ON epoch_keys(recipient_id, conversation_id);

      -- 32 random bytes for prelogin's fake salts (unknown usernames get a stable answer).
      CREATE TABLE server_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret BLOB NOT NULL
      ) STRICT;
      INSERT INTO server_secret (id, secret) VALUES (1, randomblob(32));
    `,
  },
  {
    version: 4,
    description: 'sync walks the (conversation_id, seq) index; the (conversation_id, id) index is dropped',
    // Within a conversation id and seq rise together, so the seq index answers "after cursor" too. Every
    // message wrote a random leaf page of this index at commit, a write it no longer pays (bench/RESULTS.md).
    sql: `DROP INDEX messages_by_conversation_cursor;`,
  },
  {
    version: 5,
    description: 'messages are indexed by (id >> 14, conversation_id, seq) and deduplicated by (client_msg_id, sender_id)',
    // Both old keys made a group commit write a page per conversation (or sender) it touched: (conversation_id,
    // seq) put each new message on the leaf of its conversation, anywhere in the index, and (sender_id,
    // client_msg_id) on its sender's. Ids are given in commit order and clientMsgIds start with the time, so
    // keyed as below the new entries of all conversations and senders arrive together at the end of each index
    // (bench/RESULTS.md). Seqs stay unique per conversation because the store is their only writer. A table's
    // UNIQUE constraint cannot be dropped, so the table is rebuilt; no other table refers to messages.
    sql: `
      CREATE TABLE messages_v5 (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        seq INTEGER NOT NULL,
        sender_id INTEGER NOT NULL REFERENCES users(id),
        recipient_id INTEGER NOT NULL REFERENCES users(id),
        client_msg_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (client_msg_id, sender_id)
      ) STRICT;
      INSERT INTO messages_v5 (id, conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at)
        SELECT id, conversation_id, seq, sender_id, recipient_id, client_msg_id, body, created_at FROM messages ORDER BY id;
      DROP TABLE messages;
      ALTER TABLE messages_v5 RENAME TO messages;
      -- A span is 2^14 consecutive ids (statements.ts, SPAN_SHIFT); with sender_id, unread counts need no table row.
      CREATE INDEX messages_by_span ON messages ((id >> 14), conversation_id, seq, sender_id);
    `,
  },
  {
    version: 6,
    description: 'messages declare no foreign keys: the store writes only ids it has just read or created',
    // SQLite checked the three references of every message (its conversation, sender and recipient) with a
    // lookup in each parent table, a cost on every message (bench/RESULTS.md). The store is the
    // only writer of messages and takes the ids from the conversation it found or created in the same
    // transaction and from accounts, which are never deleted; store tests check that no message points
    // nowhere. Every other table keeps its foreign keys. Only the REFERENCES clauses go, in place.
    editsSchema: true,
    sql: `
      UPDATE sqlite_schema
        SET sql = replace(replace(sql, ' REFERENCES conversations(id)', ''), ' REFERENCES users(id)', '')
        WHERE type = 'table' AND name = 'messages';
    `,
  },
  {
    version: 7,
    description: 'identity reset: the sealed private keys of every earlier key version',
    // users.key_bundle holds the current version's bundle; a reset moves it here so history sealed to the old
    // keys stays readable. Every row is sealed with the current wrap key: a password change re-seals them all.
    sql: `
      CREATE TABLE old_key_bundles (
        user_id INTEGER NOT NULL REFERENCES users(id),
        key_version INTEGER NOT NULL,
        key_bundle TEXT NOT NULL,
        PRIMARY KEY (user_id, key_version)
      ) STRICT;
    `,
  },
  {
    version: 8,
    description: "the user's vault: their devices' accepted and verified contact keys, sealed by the client",
    // Opaque to the server; `version` grows by one per write so two devices cannot overwrite each other unseen.
    sql: `
      CREATE TABLE vaults (
        user_id INTEGER PRIMARY KEY REFERENCES users(id),
        vault TEXT NOT NULL,
        version INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 9,
    description: "the database's generation: a new one whenever a backup is restored, so clients resync",
    // NULL means "not set yet": the server sets a random value when it opens the database. `parley backup`
    // writes NULL into its copy, so every start from a restored backup begins a new generation.
    sql: `
      CREATE TABLE generation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value TEXT
      ) STRICT;
      INSERT INTO generation (id, value) VALUES (1, NULL);
    `,
  },
  {
    version: 10,
    description: "each message names its conversation's previous message, and no two messages may name the same one",
    // The guard the database keeps over message places (conversation, seq). The store gives seqs from a cached
    // head; were that head ever stale (a failed commit once left one so), two messages would take one place.
    // A unique (conversation_id, seq) index would stop it, but every group commit then writes a page per
    // conversation it touches, anywhere in that index (a cost on every message, bench/RESULTS.md). prev_id is
    // the cursor of the conversation's previous message (minus the conversation's id for its first), so the
    // entries of this index are recent cursors and a commit writes near the index's end: two appends from
    // one head name the same predecessor, and the second fails its commit. Existing rows are chained in seq
    // order, so a database that already holds a duplicate place still gets distinct predecessors.
    sql: `
      ALTER TABLE messages ADD COLUMN prev_id INTEGER NOT NULL DEFAULT 0;
      UPDATE messages SET prev_id = chain.prev
        FROM (SELECT id, coalesce(lag(id) OVER (PARTITION BY conversation_id ORDER BY seq, id), -conversation_id) AS prev FROM messages) AS chain
        WHERE messages.id = chain.id;
      CREATE UNIQUE INDEX messages_by_predecessor ON messages (prev_id);
    `,
  },
  {
    version: 11,
    description: 'groups: conversations of kind group, members with roles and a window on the log, and the signed membership chain',
    // docs/groups.md. A group is a conversation with a client-drawn id (the one its chain signs), a name and whether new
    // members read its history. Its members change, so each member row gets a role (NULL for direct members) and the window
    // of message cursors it may read: above joined_cursor, and up to left_cursor once the member left (NULL while a member).
    // A group message is one row whatever the member count, with recipient_id 0 (no account has id 0; migration 6 removed
    // the reference), so messages need no change. membership_changes holds the signed chain, one row per index.
    // The conversations definition is edited in place, as migration 6 did for messages: its CHECK also admits 'group', and
    // user_lo and user_hi lose NOT NULL (a group has no pair: NULL, which the pair's UNIQUE key lets repeat). Both relax
    // constraints every existing row meets. The edit comes last: each ALTER rewrites the definition from the parsed one.
    editsSchema: true,
    sql: `
      ALTER TABLE conversations ADD COLUMN group_id TEXT;
      ALTER TABLE conversations ADD COLUMN name TEXT;
      ALTER TABLE conversations ADD COLUMN shares_history INTEGER NOT NULL DEFAULT 0 CHECK (shares_history IN (0, 1));
      CREATE UNIQUE INDEX conversations_by_group_id ON conversations (group_id) WHERE group_id IS NOT NULL;
      ALTER TABLE conversation_members ADD COLUMN role TEXT CHECK (role IN ('owner', 'admin', 'member'));
      ALTER TABLE conversation_members ADD COLUMN joined_cursor INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE conversation_members ADD COLUMN left_cursor INTEGER;
      CREATE TABLE membership_changes (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        idx INTEGER NOT NULL,
        change TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, idx)
      ) STRICT, WITHOUT ROWID;
      UPDATE sqlite_schema
        SET sql = replace(replace(replace(sql,
          'CHECK (kind IN (''direct''))', 'CHECK (kind IN (''direct'', ''group''))'),
          'user_lo INTEGER NOT NULL REFERENCES', 'user_lo INTEGER REFERENCES'),
          'user_hi INTEGER NOT NULL REFERENCES', 'user_hi INTEGER REFERENCES')
        WHERE type = 'table' AND name = 'conversations';
    `,
  },
  {
    version: 12,
    description: 'groups: member windows in seqs, where a member left the chain, and where each change falls in the messages',
    // docs/groups.md. The member windows of migration 11 are message cursors (for sync); history and unread counts work in
    // seqs, so each member row also holds the conversation's last seq when the member joined (their reading starts after it;
    // 0 when the group shares its history) and when they left (it ends there), and the index of the change that took them
    // out (a member who left reads the chain up to it). after_seq is the conversation's last seq when a change was stored:
    // clients place the change's line after that message.
    sql: `
      ALTER TABLE conversation_members ADD COLUMN joined_seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE conversation_members ADD COLUMN left_seq INTEGER;
      ALTER TABLE conversation_members ADD COLUMN left_index INTEGER;
      ALTER TABLE membership_changes ADD COLUMN after_seq INTEGER NOT NULL DEFAULT 0;
    `,
  },
];

/** Applies every migration newer than the file's `user_version`, each in its own transaction. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const step of migrations) {
    if (step.version <= current) continue;
    if (step.editsSchema) {
      db.unsafeMode(true);
      db.pragma('writable_schema = ON');
    }
    try {
      db.transaction(() => {
        db.exec(step.sql);
        if (step.editsSchema) db.pragma(`schema_version = ${(db.pragma('schema_version', { simple: true }) as number) + 1}`);
        db.pragma(`user_version = ${step.version}`);
      })();
    } finally {
      if (step.editsSchema) {
        db.pragma('writable_schema = OFF');
        db.unsafeMode(false);
      }
    }
  }
  return db.pragma('user_version', { simple: true }) as number;
}
