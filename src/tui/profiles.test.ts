// The terminal client's profile store: one profile per (server, username), replaced atomically, locked by the
// one running client that uses it (a real second process holds the lock), and the old shared file migrated.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp.js';
import { ProfileBusyError, STALE_MS } from './profile-lock.js';
import { splitLegacyProfile } from './profile-migrate.js';
import { LAST_USER_FILE, legacyProfileFile, writeFileAtomic } from './profile.js';
import { Profiles } from './profiles.js';

const SLUG = '127.0.0.1_50000';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Another process, as a second `parley connect` would be, runs `code` with Profiles in scope and says "ready". */
function otherProcess(code: string): Promise<ChildProcess> {
  const module = path.join(import.meta.dirname, 'profiles.ts');
  const script = `import { Profiles } from ${JSON.stringify(module)}; ${code}; console.log('ready'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => data.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`the other process ended (${code})`)));
  });
}

const ended = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

/** A profile saved by an earlier session: a token, so a start opens it. */
function saved(home: string, username: string): void {
  writeFileAtomic(path.join(home, 'profiles', SLUG, `${username}.json`), JSON.stringify({ 'parley.token': `token-of-${username}` }));
}

describe('profile files', () => {
  it('are replaced whole: a reader never sees half of one while another process rewrites it', async () => {
    const home = tempDir('parley-home-');
    const file = path.join(home, 'profiles', SLUG, 'alice.json');
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e',
        `import { fileStorage } from ${JSON.stringify(path.join(import.meta.dirname, 'profile.ts'))};
         const storage = fileStorage(${JSON.stringify(file)});
         for (let i = 0; i < 150; i++) storage.setItem('parley.outbox.alice', String(i).repeat(200_000));`],
      { stdio: 'inherit' },
    );
    children.push(writer);
    const done = ended(writer);
    let finished = false;
    void done.then(() => (finished = true));
    let reads = 0;
    while (!finished) {
      if (fs.existsSync(file)) {
        expect(() => JSON.parse(fs.readFileSync(file, 'utf8'))).not.toThrow();
        reads++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(reads).toBeGreaterThan(0);
    expect(fs.readdirSync(path.dirname(file)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('profiles per (server, username)', () => {
  it('keeps each person in their own file, and what was stored before signing in goes to whoever signs in', () => {
    const home = tempDir('parley-home-');
    const profiles = new Profiles(home, SLUG);
    profiles.storage.setItem('parley.realm.127.0.0.1:50000', 'realm-1');
    profiles.use('alice');
    profiles.storage.setItem('parley.token', 'alice-token');
    profiles.use('bob');
    expect(profiles.storage.getItem('parley.token')).toBeNull();
    profiles.storage.setItem('parley.token', 'bob-token');
    profiles.close();
    const read = (user: string) => JSON.parse(fs.readFileSync(path.join(home, 'profiles', SLUG, `${user}.json`), 'utf8')) as Record<string, string>;
    expect(read('alice')).toEqual({ 'parley.realm.127.0.0.1:50000': 'realm-1', 'parley.token': 'alice-token' });
    expect(read('bob')).toEqual({ 'parley.token': 'bob-token' });
  });

  it('starts with the login used last on this server, or the given one', () => {
    const home = tempDir('parley-home-');
    saved(home, 'alice');
    saved(home, 'bob');
    const first = new Profiles(home, SLUG);
    first.remember('bob');
    first.close();
    const again = new Profiles(home, SLUG);
    expect(again.start()).toEqual({ username: 'bob', busy: [] });
    expect(again.storage.getItem('parley.token')).toBe('token-of-bob');
    again.close();
    const chosen = new Profiles(home, SLUG);
    expect(chosen.start('alice')).toEqual({ username: 'alice', busy: [] });
    chosen.close();
  });

  it('never opens a profile another running client holds: a start takes the next saved login, or none', async () => {
    const home = tempDir('parley-home-');
    saved(home, 'alice');
    saved(home, 'bob');
    new Profiles(home, SLUG).remember('bob');
    const other = await otherProcess(`new Profiles(${JSON.stringify(home)}, ${JSON.stringify(SLUG)}).start('bob')`);

    const profiles = new Profiles(home, SLUG);
    expect(() => profiles.use('bob')).toThrow(ProfileBusyError);
    expect(() => profiles.use('bob')).toThrow(`(process ${other.pid})`);
    expect(() => new Profiles(home, SLUG).start('bob')).toThrow(/bob is signed in to this server in another parley connect/);
    expect(profiles.start()).toEqual({ username: 'alice', busy: ['bob'] });
    // alice is now held by this process: a third client gets neither.
    expect(new Profiles(home, SLUG).start()).toEqual({ username: null, busy: ['bob', 'alice'] });
    profiles.close();

    // Ended normally (its exit hook unlocks): the profile is free at once.
    other.kill('SIGTERM');
    await ended(other);
    const after = new Profiles(home, SLUG);
    after.use('bob');
    expect(after.current).toBe('bob');
    after.close();
  });

  it('takes over the lock of a client that was killed, without waiting for it to go stale', async () => {
    const home = tempDir('parley-home-');
    saved(home, 'alice');
    const other = await otherProcess(`new Profiles(${JSON.stringify(home)}, ${JSON.stringify(SLUG)}).use('alice')`);
    other.kill('SIGKILL');
    await ended(other);
    const lock = path.join(home, 'profiles', SLUG, 'alice.json.lock');
    expect(fs.existsSync(lock)).toBe(true);
    const profiles = new Profiles(home, SLUG);
    expect(profiles.start()).toEqual({ username: 'alice', busy: [] });
    profiles.close();
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('takes over a lock of unknown owner only once it has gone stale', () => {
    const home = tempDir('parley-home-');
    const lock = path.join(home, 'profiles', SLUG, 'alice.json.lock');
    fs.mkdirSync(lock, { recursive: true });
    const profiles = new Profiles(home, SLUG);
    expect(() => profiles.use('alice')).toThrow(ProfileBusyError);
    const past = new Date(Date.now() - STALE_MS - 5_000);
    fs.utimesSync(lock, past, past);
    profiles.use('alice');
    expect(profiles.current).toBe('alice');
    profiles.close();
  });
});

describe('the shared profile of earlier versions', () => {
  const legacy = {
    'parley.token': 'the-token',
    'parley.realm.127.0.0.1:50000': 'realm-1',
    'parley.generation.127.0.0.1:50000': 'gen-1',
    'parley.wrapKey.alice': 'alice-wrap',
    'parley.pins.alice': '{}',
    'parley.kdfVersion.127.0.0.1:50000.alice': '2',
    'parley.outbox.bob': '[]',
    'parley.pins.bob': '{"x":1}',
  };

  it('is split by username; the token goes to the one signed in (the one whose wrap key is there)', () => {
    const home = tempDir('parley-home-');
    writeFileAtomic(legacyProfileFile(home, SLUG), JSON.stringify(legacy));
    const profiles = new Profiles(home, SLUG);
    expect(fs.existsSync(legacyProfileFile(home, SLUG))).toBe(false);
    expect(fs.readFileSync(path.join(profiles.dir, LAST_USER_FILE), 'utf8')).toBe('alice');
    expect(profiles.start()).toEqual({ username: 'alice', busy: [] });
    expect(profiles.storage.getItem('parley.token')).toBe('the-token');
    expect(profiles.storage.getItem('parley.wrapKey.alice')).toBe('alice-wrap');
    profiles.use('bob');
    expect(profiles.storage.getItem('parley.token')).toBeNull();
    expect(profiles.storage.getItem('parley.pins.bob')).toBe('{"x":1}');
    expect(profiles.storage.getItem('parley.pins.alice')).toBeNull();
    expect(profiles.storage.getItem('parley.realm.127.0.0.1:50000')).toBe('realm-1');
    profiles.close();
  });

  it('gives the token to nobody when two people were signed in through it', () => {
    const split = splitLegacyProfile({ ...legacy, 'parley.wrapKey.bob': 'bob-wrap' });
    expect(split.get('alice')?.['parley.token']).toBeUndefined();
    expect(split.get('bob')?.['parley.token']).toBeUndefined();
    expect(split.get('alice')?.['parley.wrapKey.alice']).toBeUndefined();
    expect(split.get('alice')?.['parley.kdfVersion.127.0.0.1:50000.alice']).toBe('2');
    expect(split.get('bob')?.['parley.kdfVersion.127.0.0.1:50000.alice']).toBeUndefined();
  });
});
