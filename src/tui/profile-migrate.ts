// Splits the one profile per server of earlier versions into one profile per (server, username).
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { STORAGE_KEYS } from '../shared/client/index.js';
import { USERNAME_PATTERN } from '../shared/protocol.js';
import { STALE_MS } from './profile-lock.js';
import { LAST_USER_FILE, legacyProfileFile, readProfile, writeFileAtomic } from './profile.js';

/** Per-user keys of the SDK's storage (see STORAGE_KEYS): `parley.<kind>.<username>`. */
const PER_USER = /^parley\.(outbox|wrapKey|contacts|pins|conversations)\.(.+)$/;
const KDF_VERSION = /^parley\.kdfVersion\./;

/**
 * The usernames that own each key. The shared file had one token, the last writer's: it goes to the one
 * user whose wrap key (kept only while signed in) is there; when that is unclear it is dropped, and so
 * are the wrap keys, and those people log in again rather than come up as someone else.
 */
export function splitLegacyProfile(data: Record<string, string>): Map<string, Record<string, string>> {
  const users = new Set<string>();
  for (const key of Object.keys(data)) {
    const user = PER_USER.exec(key)?.[2];
    if (user !== undefined && USERNAME_PATTERN.test(user)) users.add(user);
  }
  const signedIn = [...users].filter((user) => data[`parley.wrapKey.${user}`] !== undefined);
  const tokenOwner = signedIn.length === 1 ? signedIn[0] : undefined;
  const profiles = new Map<string, Record<string, string>>();
  for (const user of users) {
    const own: Record<string, string> = {};
    for (const [key, value] of Object.entries(data)) {
      const owner = PER_USER.exec(key)?.[2];
      if (owner !== undefined) {
        if (owner === user && (key !== `parley.wrapKey.${user}` || user === tokenOwner)) own[key] = value;
      } else if (KDF_VERSION.test(key)) {
        if (key.endsWith(`.${user}`)) own[key] = value;
      } else if (key !== STORAGE_KEYS.token || user === tokenOwner) {
        // the server's realm and generation, and anything newer this version does not know: every profile keeps them
        own[key] = value;
      }
    }
    profiles.set(user, own);
  }
  return profiles;
}

/**
 * Moves `<home>/profiles/<slug>.json` into `dir`, once, under a lock so two clients started together do
 * not both do it. A profile already in `dir` is never overwritten. The old file is removed at the end.
 */
export function migrateLegacyProfile(home: string, slug: string, dir: string): void {
  const legacy = legacyProfileFile(home, slug);
  if (!fs.existsSync(legacy)) return;
  let release: () => void;
  try {
    release = lockfile.lockSync(legacy, { realpath: false, stale: STALE_MS, onCompromised: () => undefined });
  } catch {
    return; // another client is migrating it right now; its profiles appear when it is done
  }
  try {
    if (!fs.existsSync(legacy)) return;
    const profiles = splitLegacyProfile(readProfile(legacy));
    for (const [user, data] of profiles) {
      const file = path.join(dir, `${user}.json`);
      if (!fs.existsSync(file)) writeFileAtomic(file, JSON.stringify(data, null, 2));
    }
    const tokenOwner = [...profiles].find(([, data]) => data[STORAGE_KEYS.token] !== undefined)?.[0];
    if (tokenOwner !== undefined) writeFileAtomic(path.join(dir, LAST_USER_FILE), tokenOwner);
    fs.rmSync(legacy);
  } finally {
    release();
  }
}
