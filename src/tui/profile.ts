// The terminal client's profile files under $PARLEY_HOME (or ~/.parley): read, and replaced atomically.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StorageAdapter } from '../shared/client/index.js';

export function parleyHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PARLEY_HOME && env.PARLEY_HOME !== '' ? path.resolve(env.PARLEY_HOME) : path.join(os.homedir(), '.parley');
}

/** The string entries of a JSON object file; empty when the file is missing or unreadable. */
export function readProfile(file: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // no profile yet, or an unreadable one: start empty
  }
  return {};
}

/**
 * Replaces `file` (mode 0600, its folder 0700) by writing a temporary file beside it and renaming it
 * over, so a crash mid-write leaves the previous version and a reader never sees half a file.
 */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/**
 * A StorageAdapter backed by one profile file, so the session token and the outbox survive a restart.
 * It keeps the file's contents in memory and writes them all on each change: only the process holding
 * the profile's lock (profile-lock.ts) may use it, or two writers would undo each other's changes.
 */
export function fileStorage(file: string, initial: Record<string, string> = {}): StorageAdapter {
  let data: Record<string, string> = { ...initial, ...readProfile(file) };
  const save = () => writeFileAtomic(file, JSON.stringify(data, null, 2));
  return {
    getItem: (key) => (Object.hasOwn(data, key) ? (data[key] ?? null) : null),
    setItem: (key, value) => {
      if (data[key] === value) return;
      data = { ...data, [key]: value };
      save();
    },
    removeItem: (key) => {
      if (!Object.hasOwn(data, key)) return;
      const { [key]: _removed, ...rest } = data;
      data = rest;
      save();
    },
  };
}

/** Beside a server's profiles, the username last signed in there; never a profile's name (those end in .json). */
export const LAST_USER_FILE = 'last-user';

/** Where versions before per-user profiles kept one shared profile per server (migrated by profiles.ts). */
export const legacyProfileFile = (home: string, slug: string): string => path.join(home, 'profiles', `${slug}.json`);
