// The real `parley server` process: banner, options, plain-sentence failures, clean shutdown, crash safety.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { TestClient, userClient } from '../helpers/client.js';
import { PostgresStore } from '../../src/server/store/postgres/store.js';
import { ROOT, spawnServer, tempDir, type SpawnedServer } from '../helpers/server.js';
import { createTestDatabase, servicesMissing } from '../helpers/services.js';

const servers: SpawnedServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill('SIGKILL');
});
// These tests speak raw frames with readable bodies, which the server takes only with --allow-unencrypted.
const start = async (options: Parameters<typeof spawnServer>[0] = {}) => {
  const s = await spawnServer({ ...options, args: ['--allow-unencrypted', ...(options.args ?? [])] });
  servers.push(s);
  return s;
};

/** `parley ARGS` with these variables added to the environment. */
const parleyWith = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, ...env },
  });
const parley = (...args: string[]) => parleyWith({}, ...args);

/** One plain sentence on stderr, no stack trace. */
const expectPlainFailure = (result: ReturnType<typeof parley>, pattern: RegExp) => {
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
};

test('the banner shows how to connect, the web URL and the data folder', async () => {
  const server = await start();
  const out = server.output();
  expect(out).toContain(`npm run client -- 127.0.0.1 ${server.port}`);
  expect(out).toContain(`http://127.0.0.1:${server.port}/`);
  expect(out).toContain(server.dataDir);
  expect(fs.existsSync(path.join(server.dataDir, 'parley.db'))).toBe(true);
});

// The built client (dist/, made by `npm install`) is what the banner's command runs; CI always has it.
const built = fs.existsSync(path.join(ROOT, 'dist/cli.js'));

test.skipIf(!built && process.env.CI !== 'true')('the banner\'s terminal client command works in a plain shell right after npm install', async () => {
  const server = await start();
  const command = /Terminal client:\s+(.+)$/m.exec(server.output())?.[1] ?? '';
  expect(command).toMatch(new RegExp(`127\\.0\\.0\\.1 ${server.port}$`));
  // The same command asking for help instead of connecting, in a shell with no `npm link` done.
  const help = command.replace(/127\.0\.0\.1 \d+$/, '--help');
  const result = spawnSync('bash', ['-c', help], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: tempDir() },
  });
  expect(result.stderr).not.toMatch(/command not found/);
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('Usage: parley connect');
});

test('connect --help says where the saved logins live and how PARLEY_HOME moves them', () => {
  const result = parley('connect', '--help');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('~/.parley/profiles/HOST_PORT/USERNAME.json');
  expect(result.stdout).toContain('PARLEY_HOME=DIR');
  expect(result.stdout).toContain('--user <name>');
});

test('--help lists every option', () => {
  const result = parley('server', '--help');
  expect(result.status).toBe(0);
  for (const option of ['--port', '--host', '--data', '--durability', '--log-level', 'PARLEY_PORT', 'PARLEY_DATA']) {
    expect(result.stdout).toContain(option);
  }
});

test('a busy port is one plain sentence and a non-zero exit; nothing is created, nothing says it stopped', async () => {
  const server = await start();
  const data = path.join(tempDir(), 'never-made');
  const result = parley('server', '--host', '127.0.0.1', '--port', String(server.port), '--data', data);
  expectPlainFailure(result, /Port \d+ is already in use/);
  expect(fs.existsSync(data)).toBe(false);
  expect(result.stdout + result.stderr).not.toMatch(/server stopped/);
});

test('the data folder is private to the server: folder 0700, database files and backups 0600', async () => {
  const dataDir = path.join(tempDir(), 'data');
  fs.mkdirSync(dataDir, { mode: 0o755 });
  fs.writeFileSync(path.join(dataDir, 'left-from-before.txt'), 'x', { mode: 0o644 });
  const server = await start({ dataDir });
  const mode = (file: string) => fs.statSync(file).mode & 0o777;
  expect(mode(dataDir)).toBe(0o700);
  expect(mode(path.join(dataDir, 'left-from-before.txt'))).toBe(0o600);
  for (const name of fs.readdirSync(dataDir)) expect(mode(path.join(dataDir, name)), name).toBe(0o600);
  const backup = path.join(tempDir(), 'copy.db');
  expect(parley('backup', backup, '--data', dataDir).status).toBe(0);
  expect(mode(backup)).toBe(0o600);
  expect(server.port).toBeGreaterThan(0);
});

/** A folder holding a stand-in pg_dump that notes its arguments and PGPASSWORD there, complains with the password, and fails. */
function failingPgDump(): string {
  const dir = tempDir();
  const script = `#!/bin/sh\necho "$@" > '${dir}/args'\necho "$PGPASSWORD" > '${dir}/password'\necho "pg_dump: error: it went wrong for $PGPASSWORD" >&2\nexit 1\n`;
  fs.writeFileSync(path.join(dir, 'pg_dump'), script, { mode: 0o755 });
  return dir;
}

test('parley backup --database: an existing file, an unreachable database, no pg_dump are one plain sentence each, no password shown', () => {
  const dir = tempDir();
  const existing = path.join(dir, 'existing.dump');
  fs.writeFileSync(existing, 'kept');
  const file = path.join(dir, 'new.dump');
  const url = 'postgres://parley:hunter2-secret@127.0.0.1:1/parley';
  const failures = [
    [parley('backup', existing, '--database', url), /already exists; choose a new file name/],
    // pg_dump is found (a stand-in), the database is not.
    [parleyWith({ PATH: failingPgDump() }, 'backup', file, '--database', url), /The database postgres:\/\/parley:\*\*\*@127\.0\.0\.1:1\/parley could not be reached \(ECONNREFUSED\)/],
    [parleyWith({ PARLEY_DATABASE_URL: url, PATH: tempDir() }, 'backup', file), /pg_dump was not found on the PATH/],
  ] as const;
  for (const [result, pattern] of failures) {
    expectPlainFailure(result, pattern);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  }
  expect(fs.readdirSync(dir)).toEqual(['existing.dump']);
  expect(fs.readFileSync(existing, 'utf8')).toBe('kept');
});

const postgresSkipped = await servicesMissing({ postgres: true });

test.skipIf(postgresSkipped !== null)(`parley backup --database: a failing pg_dump is one sentence, its password masked, nothing left behind${postgresSkipped === null ? '' : ` (${postgresSkipped})`}`, async () => {
  const database = await createTestDatabase();
  try {
    await (await PostgresStore.open({ url: database.url })).close();
    const url = new URL(database.url);
    url.password = 'hunter2-secret';
    const fake = failingPgDump();
    const dir = tempDir();
    const result = parleyWith({ PATH: fake }, 'backup', path.join(dir, 'copy.dump'), '--database', url.toString());
    expectPlainFailure(result, /pg_dump failed \(exit code 1\): error: it went wrong for \*\*\*/);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
    expect(fs.readdirSync(dir)).toEqual([]);
    // The password reached pg_dump through its environment, not its arguments (which `ps` shows to everyone).
    expect(fs.readFileSync(path.join(fake, 'password'), 'utf8')).toBe('hunter2-secret\n');
    const args = fs.readFileSync(path.join(fake, 'args'), 'utf8');
    expect(args).toContain('--format=custom');
    expect(args).toMatch(/--exclude-table-data="public"\."generation"/);
    expect(args).not.toContain('hunter2');
  } finally {
    await database.drop();
  }
});

test('an unwritable data folder is one plain sentence', () => {
  const file = path.join(tempDir(), 'not-a-folder');
  fs.writeFileSync(file, '');
  expectPlainFailure(parley('server', '--port', '0', '--data', path.join(file, 'data')), /data folder .* cannot be created or written/);
});

test('a bad option is one plain sentence', () => {
  expectPlainFailure(parley('server', '--port', 'fifty'), /port is a whole number/);
  expectPlainFailure(parley('server', '--durability', 'sometimes'), /normal.*full/);
  expectPlainFailure(parley('server', '--frobnicate'), /unknown option/);
});

test('environment variables configure the server', async () => {
  const dataDir = tempDir();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'server'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, PARLEY_PORT: 'abc', PARLEY_DATA: dataDir },
  });
  expectPlainFailure(result, /port is a whole number/);
});

test('SIGTERM and Ctrl-C: clients are told, the database is closed, exit code 0', async () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const server = await start();
    const alice = await userClient(server.url, `alice-${signal}`);
    const exit = server.kill(signal);
    const shutdown = await alice.event('shutdown');
    expect(shutdown.reason).toMatch(/shutting down/);
    expect(await alice.waitClosed()).toBe(1001);
    expect(await exit).toBe(0);
    // A clean close checkpoints the WAL into the database file.
    expect(fs.existsSync(path.join(server.dataDir, 'parley.db-wal'))).toBe(false);
  }
});

test('every acknowledged message survives SIGKILL', async () => {
  // 200 sends at once: past the default message rate limit, which is not what this test is about.
  const server = await start({ args: ['--message-rate', '0'] });
  const alice = await userClient(server.url, 'alice');
  await userClient(server.url, 'bob');
  const acks = await Promise.all(
    Array.from({ length: 200 }, (_, i) => alice.request('send', { type: 'send', to: 'bob', clientMsgId: `k${i}`, body: `n${i}` })),
  );
  await server.kill('SIGKILL');
  const again = await start({ dataDir: server.dataDir, port: server.port });
  const bob = await TestClient.connect(again.url);
  await bob.request('login', { type: 'login', username: 'bob', password: 'correct horse battery' });
  const { messages, more } = await bob.request('sync', { type: 'sync', after: 0, limit: 500 });
  expect(more).toBe(false);
  expect(messages.map((m) => [m.clientMsgId, m.seq])).toEqual(acks.map((a) => [a.clientMsgId, a.seq]));
  bob.close();
  alice.close();
});
