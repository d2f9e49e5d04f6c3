// One running client per profile: a lock (proper-lockfile) held for as long as the profile is in use.
import fs from 'node:fs';
import os from 'node:os';
import lockfile from 'proper-lockfile';

/**
 * proper-lockfile refreshes a held lock every STALE_MS / 2 and takes over one left unrefreshed for
 * STALE_MS (a client that crashed). Within that time a lock whose recorded owner process is gone from
 * this computer is taken over too, so a client restarted right after a crash is not told it is running.
 */
export const STALE_MS = 10_000;

export class ProfileBusyError extends Error {
  constructor(
    readonly username: string,
    /** The process holding the profile, when it said so. */
    readonly pid: number | null,
  ) {
    super(
      `${username} is signed in to this server in another parley connect on this computer${pid === null ? '' : ` (process ${pid})`}; use that one, or close it first.`,
    );
  }
}

interface Owner {
  pid: number;
  host: string;
}

const ownerFile = (file: string) => `${file}.owner`;
const lockDir = (file: string) => `${file}.lock`;

function readOwner(file: string): Owner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(ownerFile(file), 'utf8')) as Partial<Owner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? { pid: owner.pid, host: owner.host } : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const lockOptions = {
  realpath: false,
  stale: STALE_MS,
  // A lock that could not be refreshed in time (the machine slept, or the folder was removed) is lost.
  // The default throws from a timer and would kill the client; it carries on, and the next client may take the profile.
  onCompromised: () => undefined,
};

function tryLock(file: string): (() => void) | null {
  try {
    return lockfile.lockSync(file, lockOptions);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return null;
    throw error;
  }
}

/**
 * Locks the profile `file` (it need not exist yet) for this process and returns the function that
 * releases it. Throws ProfileBusyError while another running client holds it.
 */
export function lockProfile(file: string, username: string): () => void {
  let release = tryLock(file);
  if (!release) {
    const owner = readOwner(file);
    if (!owner || owner.host !== os.hostname() || isAlive(owner.pid)) throw new ProfileBusyError(username, owner?.pid ?? null);
    // Left by a client of this computer that has ended without unlocking (killed), less than STALE_MS ago.
    fs.rmSync(lockDir(file), { recursive: true, force: true });
    release = tryLock(file);
    if (!release) throw new ProfileBusyError(username, null);
  }
  fs.writeFileSync(ownerFile(file), JSON.stringify({ pid: process.pid, host: os.hostname() }), { mode: 0o600 });
  const unlock = release;
  return () => {
    fs.rmSync(ownerFile(file), { force: true });
    try {
      unlock();
    } catch {
      // already released or taken over (compromised): nothing left to undo
    }
  };
}
