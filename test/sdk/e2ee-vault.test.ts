// Verifications follow the user to their other devices, sealed so that only those devices can read them.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, memoryStorage, type ParleyClientOptions } from '../../src/shared/client/index.js';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { Passwords } from '../../src/server/passwords.js';
import { newKeys } from '../helpers/handler-harness.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'vault test password 7c1e';
const servers: TestServer[] = [];
const clients: ParleyClient[] = [];
const raw: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  for (const c of raw.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function client(url: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 10_000, storage: memoryStorage(), ...options });
  clients.push(c);
  await c.connect();
  return c;
}

async function signedIn(url: string, name: string, how: 'register' | 'login'): Promise<ParleyClient> {
  const c = await client(url);
  await (how === 'register' ? c.register(name, PASSWORD) : c.login(name, PASSWORD));
  return c;
}

const vaultRow = (s: TestServer, username: string) =>
  (s.server.services.store as SqliteStore).db
    .prepare('SELECT v.vault, v.version FROM vaults v JOIN users u ON u.id = v.user_id WHERE u.username = ?')
    .get(username) as { vault: string; version: number } | undefined;

describe('verifications synced across a user’s devices', () => {
  it('a contact verified on one device is verified on the next one and, live, on one already signed in', async () => {
    const s = await startServer();
    servers.push(s);
    await signedIn(s.url, 'bob', 'register');
    await signedIn(s.url, 'carol', 'register');
    const laptop = await signedIn(s.url, 'alice', 'register');
    const phone = await signedIn(s.url, 'alice', 'login');

    // The laptop compares bob's number and marks it verified; the phone, already signed in, learns it.
    const digits = (await laptop.safetyNumber('bob')).digits;
    await laptop.markVerified('bob', true, digits);
    await waitFor(async () => (await phone.safetyNumber('bob')).verified, { what: 'bob verified on the phone' });
    expect((await phone.safetyNumber('bob')).digits).toBe(digits);

    // A device signed in later starts with it too, and with carol (first seen on the laptop) unverified.
    await laptop.safetyNumber('carol');
    const tablet = await signedIn(s.url, 'alice', 'login');
    await waitFor(async () => (await tablet.safetyNumber('bob')).verified, { what: 'bob verified on the tablet' });
    expect((await tablet.safetyNumber('carol')).verified).toBe(false);

    // Un-verifying on one device (the newer decision) reaches the others.
    await tablet.markVerified('bob', false);
    await waitFor(async () => !(await laptop.safetyNumber('bob')).verified, { what: 'bob no longer verified on the laptop' });

    // The server holds an opaque blob: no contact's name or key in it, and a version per write.
    const row = vaultRow(s, 'alice')!;
    expect(row.vault.startsWith('vt1.')).toBe(true);
    expect(row.vault).not.toMatch(/bob|carol/);
    expect(row.version).toBeGreaterThanOrEqual(3);
  });

  it('a vault the server altered is not trusted: the device keeps its own pins and writes a sound vault back', async () => {
    const s = await startServer();
    servers.push(s);
    await signedIn(s.url, 'bob', 'register');
    const laptop = await signedIn(s.url, 'alice', 'register');
    await laptop.markVerified('bob', true, (await laptop.safetyNumber('bob')).digits);
    await waitFor(() => vaultRow(s, 'alice') !== undefined);
    await laptop.exit();

    // The server flips one character of the sealed vault: a new device must not take bob as verified from it.
    const row = vaultRow(s, 'alice')!;
    const flipped = row.vault.slice(0, -3) + (row.vault.at(-3) === 'A' ? 'B' : 'A') + row.vault.slice(-2);
    (s.server.services.store as SqliteStore).db.prepare('UPDATE vaults SET vault = ?').run(flipped);
    const phone = await signedIn(s.url, 'alice', 'login');
    expect((await phone.safetyNumber('bob')).verified).toBe(false);
    await waitFor(() => vaultRow(s, 'alice')!.version > row.version, { what: 'the phone wrote its own vault' });
    expect(vaultRow(s, 'alice')!.vault).not.toBe(flipped);
  });

  it('the server stores a vault only as the next version, and tells the user’s other devices', async () => {
    const s = await startServer();
    servers.push(s);
    const dave = await e2eeUser(s.url, 'dave', PASSWORD);
    const daveElsewhere = await e2eeUser(s.url, 'dave', PASSWORD);
    raw.push(dave, daveElsewhere);
    expect(await dave.request('vault', { type: 'vault' })).toEqual({ vault: null, version: 0 });
    // Only the next version is written; anything else is a conflict and changes nothing.
    await expect(dave.request('putVault', { type: 'putVault', vault: 'vt1.AAAA', version: 2 })).rejects.toMatchObject({ code: 'VAULT_CONFLICT' });
    expect(await dave.request('putVault', { type: 'putVault', vault: 'vt1.AAAA', version: 1 })).toEqual({ version: 1 });
    await expect(daveElsewhere.event('vault')).resolves.toMatchObject({ type: 'vault', version: 1 });
    await expect(daveElsewhere.request('putVault', { type: 'putVault', vault: 'vt1.BBBB', version: 1 })).rejects.toMatchObject({
      code: 'VAULT_CONFLICT',
      message: expect.stringMatching(/Another of your devices/),
    });
    expect(await daveElsewhere.request('vault', { type: 'vault' })).toEqual({ vault: 'vt1.AAAA', version: 1 });
    // Not a vault at all, or another user's: refused by shape, and each user has only their own.
    await expect(dave.request('putVault', { type: 'putVault', vault: 'plain text', version: 2 })).rejects.toMatchObject({ code: 'INVALID_FRAME' });
    const erin = await e2eeUser(s.url, 'erin', PASSWORD);
    raw.push(erin);
    expect(await erin.request('vault', { type: 'vault' })).toEqual({ vault: null, version: 0 });
  });

  it('a vault past one frame (hundreds of contacts pinned) is written in parts and read and merged whole by another device', async () => {
    const s = await startServer();
    servers.push(s);
    // Hundreds of contacts with keys, made through the store: registering each like a client would take minutes of KDF.
    const { store } = s.server.services;
    const passwordHash = await new Passwords(1).hash('contact password, never used');
    const contacts = Array.from({ length: 300 }, (_, i) => `contact${String(i).padStart(3, '0')}`);
    for (const username of contacts) {
      await store.register({ username, passwordHash, now: Date.now(), keys: newKeys(username).keys, session: { tokenHash: Buffer.alloc(32, username), device: null, address: null } });
    }
    await signedIn(s.url, 'bob', 'register');
    const laptop = await signedIn(s.url, 'alice', 'register');
    const phone = await signedIn(s.url, 'alice', 'login');
    // The phone verifies bob on its own: the laptop's large vault must merge with it, not replace it.
    await phone.markVerified('bob', true, (await phone.safetyNumber('bob')).digits);
    await waitFor(() => vaultRow(s, 'alice') !== undefined, { what: "the phone's vault" });

    for (const username of contacts) await laptop.safetyNumber(username);
    // Verified at the start, the middle and the end of the pins: in the first, a middle and the last part.
    const verified = [contacts[0]!, contacts[150]!, contacts[299]!];
    for (const username of verified) await laptop.markVerified(username, true, (await laptop.safetyNumber(username)).digits);
    await waitFor(() => (vaultRow(s, 'alice')?.vault.length ?? 0) > 65_536, { what: 'a vault past one frame stored', timeoutMs: 20_000 });
    expect(laptop.getSnapshot().vaultNotice).toBeNull();

    // The phone, told by a vault event, reads it whole and merges: the laptop's verifications, and its own bob kept.
    for (const username of verified) {
      await waitFor(async () => (await phone.safetyNumber(username)).verified, { what: `${username} verified on the phone`, timeoutMs: 20_000 });
    }
    await waitFor(async () => (await laptop.safetyNumber('bob')).verified, { what: 'bob verified on the laptop', timeoutMs: 20_000 });
    // A device signed in later reads the whole vault in one reply.
    const tablet = await signedIn(s.url, 'alice', 'login');
    await waitFor(async () => (await tablet.safetyNumber(contacts[299]!)).verified, { what: 'verified on the tablet', timeoutMs: 20_000 });
    expect(phone.getSnapshot().vaultNotice).toBeNull();
  }, 60_000);

  it('a vault part from a connection that is not signed in is NOT_AUTHENTICATED, and the connection goes on', async () => {
    const s = await startServer();
    servers.push(s);
    const guest = await TestClient.connect(s.url);
    raw.push(guest);
    await expect(guest.request('putVault', { type: 'putVault', vault: 'vt1.AAAA', version: 1, part: { index: 0, count: 2 } })).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
    await expect(guest.request('hello', { type: 'hello', versions: [1] })).resolves.toMatchObject({ limits: { vaultMaxLength: 1024 * 1024 } });
  });
});
