// Append-only schema migrations for the SQLite store: never edit a step once released, add a new one.

export interface Migration {
  version: number;
  description: string;
  sql: string;
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
];
