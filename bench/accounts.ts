// Registers benchmark users once (argon2id is slow on purpose), caches their tokens, and logs connections in by token.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ClientStyle } from './args.js';
import { BenchConnection, RequestFailed, type WriteBatcher } from './conn.js';

export interface Account {
  username: string;
  token: string;
}

interface AccountCache {
  password: string;
  accounts: Record<string, string>;
}

/** Runs fn over items with at most `limit` running at once; fails with the first error. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const HELLO = { versions: [1], client: 'parley-bench' };

async function session<R>(url: string, fn: (conn: BenchConnection) => Promise<R>, style: ClientStyle): Promise<R> {
  const conn = await BenchConnection.open(url, null, style);
  try {
    await conn.request('hello', HELLO);
    return await fn(conn);
  } finally {
    conn.close();
  }
}

/**
 * Where accounts and their tokens are remembered between runs against the same data folder,
 * so only the first run pays for the password hashes.
 */
export class AccountBook {
  private readonly cache: AccountCache;

  constructor(private readonly file: string | null) {
    const loaded = file !== null && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as AccountCache) : null;
    // 43 base64url characters: the shape of the auth key an account with end-to-end keys must log in with.
    this.cache = loaded ?? { password: randomBytes(32).toString('base64url'), accounts: {} };
  }

  static inDataDir(dataDir: string | null): AccountBook {
    return new AccountBook(dataDir === null ? null : join(dataDir, 'bench-accounts.json'));
  }

  get password(): string {
    return this.cache.password;
  }

  /** The cached account, if a previous run registered it. */
  get(username: string): Account | null {
    const token = this.cache.accounts[username];
    return token === undefined ? null : { username, token };
  }

  put(account: Account): void {
    this.cache.accounts[account.username] = account.token;
  }

  save(): void {
    if (this.file !== null) writeFileSync(this.file, JSON.stringify(this.cache), { mode: 0o600 });
  }
}

interface RegisterResult {
  accounts: Account[];
  /** How many were registered now (the others came from the cache). */
  registered: number;
  seconds: number;
}

export async function ensureAccounts(
  url: string,
  names: readonly string[],
  book: AccountBook,
  concurrency: number,
  style: ClientStyle = 'batched',
  /** The end-to-end key fields each new account registers with (bench/keys.ts), or none. */
  keys: ((username: string) => Record<string, unknown>) | null = null,
): Promise<RegisterResult> {
  const started = performance.now();
  let registered = 0;
  const accounts = await mapLimit(names, concurrency, async (username) => {
    const cached = book.get(username);
    if (cached !== null) return cached;
    const result = (await session(url, (conn) => conn.request('register', { username, password: book.password, device: 'bench', ...keys?.(username) }), style)) as {
      token: string;
    };
    registered++;
    const account = { username, token: result.token };
    book.put(account);
    return account;
  });
  book.save();
  return { accounts, registered, seconds: (performance.now() - started) / 1000 };
}

/** Times password logins (each one argon2id verification) for the first k accounts. */
export async function timeLogins(url: string, accounts: readonly Account[], password: string, concurrency: number, style: ClientStyle): Promise<number> {
  const started = performance.now();
  await mapLimit(accounts, concurrency, (a) => session(url, (conn) => conn.request('login', { username: a.username, password, device: 'bench' }), style));
  return (performance.now() - started) / 1000;
}

/** Opens a connection logged in with the account's password (one argon2id verification on the server), and keeps it open. */
export async function loginAccount(url: string, account: Account, password: string, style: ClientStyle): Promise<BenchConnection> {
  const conn = await BenchConnection.open(url, null, style);
  try {
    await conn.request('hello', HELLO);
    await conn.request('login', { username: account.username, password, device: 'bench' });
    return conn;
  } catch (error) {
    conn.terminate();
    throw error;
  }
}

/** Opens a connection logged in with the account's token; an expired token falls back to the password. */
export async function connectAccount(
  url: string,
  account: Account,
  book: AccountBook,
  batcher: WriteBatcher | null,
  style: ClientStyle = 'batched',
): Promise<BenchConnection> {
  const conn = await BenchConnection.open(url, batcher, style);
  try {
    await conn.request('hello', HELLO);
    try {
      await conn.request('resume', { token: account.token, device: 'bench' });
    } catch (error) {
      if (!(error instanceof RequestFailed) || error.code !== 'SESSION_INVALID') throw error;
      const result = (await conn.request('login', { username: account.username, password: book.password, device: 'bench' })) as { token: string };
      account.token = result.token;
      book.put(account);
    }
    return conn;
  } catch (error) {
    conn.terminate();
    throw error;
  }
}
