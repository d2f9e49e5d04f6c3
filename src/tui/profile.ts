// The terminal client's profile: one JSON file per server under $PARLEY_HOME (or ~/.parley), readable only by the user.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StorageAdapter } from '../shared/client/index.js';

export function parleyHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PARLEY_HOME && env.PARLEY_HOME !== '' ? path.resolve(env.PARLEY_HOME) : path.join(os.homedir(), '.parley');
}

/**
 * A StorageAdapter backed by `<home>/profiles/<server>.json` (mode 0600; the folder 0700), so the session
 * token and the outbox survive a restart. Every write replaces the file atomically (write, then rename),
 * so a crash mid-write leaves the previous version.
 */
export function fileStorage(file: string): StorageAdapter {
  let data: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      data = Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // no profile yet, or an unreadable one: start empty
  }
  const save = () => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(data, null, 2), { mode: 0o600 });
    fs.renameSync(temp, file);
  };
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

export const profileFile = (home: string, slug: string): string => path.join(home, 'profiles', `${slug}.json`);
