// One profile per (server, username): which one a starting client opens, and the storage the SDK writes through.
import fs from 'node:fs';
import path from 'node:path';
import { STORAGE_KEYS, memoryStorage, type StorageAdapter } from '../shared/client/index.js';
import { USERNAME_PATTERN } from '../shared/protocol.js';
import { migrateLegacyProfile } from './profile-migrate.js';
import { ProfileBusyError, lockProfile } from './profile-lock.js';
import { LAST_USER_FILE, fileStorage, readProfile, writeFileAtomic } from './profile.js';


interface Bound {
  username: string;
  storage: StorageAdapter;
  release(): void;
}

interface StartChoice {
  /** The profile opened, or null: the client starts on the login pages. */
  username: string | null;
  /** Saved logins left alone because another running client has them open. */
  busy: string[];
}

/**
 * `<home>/profiles/<server>/<username>.json`, each locked by the one client using it. Until someone signs
 * in, what the SDK stores (the server's realm and generation) stays in memory and goes into the profile
 * of whoever signs in, where the profile holds nothing for it yet.
 */
export class Profiles {
  readonly dir: string;
  #bound: Bound | null = null;
  #loose = memoryStorage();

  constructor(home: string, slug: string) {
    this.dir = path.join(home, 'profiles', slug);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    migrateLegacyProfile(home, slug, this.dir);
  }

  /** The storage to hand the SDK: the profile in use, or memory while there is none. */
  readonly storage: StorageAdapter = {
    getItem: (key) => this.#active().getItem(key),
    setItem: (key, value) => this.#active().setItem(key, value),
    removeItem: (key) => this.#active().removeItem(key),
  };

  #active(): StorageAdapter {
    return this.#bound?.storage ?? this.#loose;
  }

  file(username: string): string {
    return path.join(this.dir, `${username}.json`);
  }

  /** The username whose profile is in use, if any. */
  get current(): string | null {
    return this.#bound?.username ?? null;
  }

  /**
   * Switches to `username`'s profile, locking it; throws ProfileBusyError while another running client
   * has it. A name no account can have is ignored (signing in with it fails anyway).
   */
  use(username: string): void {
    if (this.#bound?.username === username || !USERNAME_PATTERN.test(username)) return;
    const release = lockProfile(this.file(username), username);
    const storage = fileStorage(this.file(username), this.#loose.dump());
    this.#bound?.release();
    this.#bound = { username, storage, release };
    this.#loose = memoryStorage();
  }

  /**
   * What a starting client opens: `username` when given (ProfileBusyError if it is open elsewhere), else
   * the saved login (a profile with a session token) used last on this server that no other client has open.
   */
  start(username?: string): StartChoice {
    if (username !== undefined) {
      this.use(username);
      return { username, busy: [] };
    }
    const busy: string[] = [];
    for (const saved of this.savedLogins()) {
      try {
        this.use(saved);
        return { username: saved, busy };
      } catch (error) {
        if (!(error instanceof ProfileBusyError)) throw error;
        busy.push(saved);
      }
    }
    return { username: null, busy };
  }

  /** Usernames with a session token saved here: the last one signed in first, then the most recently written. */
  savedLogins(): string[] {
    const last = this.#lastUser();
    const saved = fs
      .readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => ({ username: name.slice(0, -'.json'.length), mtime: fs.statSync(path.join(this.dir, name)).mtimeMs }))
      .filter(({ username }) => USERNAME_PATTERN.test(username) && readProfile(this.file(username))[STORAGE_KEYS.token] !== undefined)
      .sort((a, b) => Number(b.username === last) - Number(a.username === last) || b.mtime - a.mtime);
    return saved.map((s) => s.username);
  }

  /** Records who signed in, for the next start. */
  remember(username: string): void {
    if (this.#lastUser() !== username) writeFileAtomic(path.join(this.dir, LAST_USER_FILE), username);
  }

  #lastUser(): string | null {
    try {
      return fs.readFileSync(path.join(this.dir, LAST_USER_FILE), 'utf8').trim() || null;
    } catch {
      return null;
    }
  }

  /** Releases the profile in use (at exit). */
  close(): void {
    this.#bound?.release();
    this.#bound = null;
  }
}
