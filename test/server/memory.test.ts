// A wave of password logins must not leave the argon2id hashes' memory resident: the launchers set the
// allocator tunable and cap V8's semi-spaces (src/server/memory.ts); without the tunable the same wave keeps tens of MiB.
// Sizes, not times: the figures per connection are measured by `npm run bench -- --login-wave`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ALLOCATOR_TUNABLE, allocatorTuned, allocatorWarning, NODE_MEMORY_FLAGS, youngGenerationCapped, youngGenerationNote } from '../../src/server/memory.js';
import { TestClient, userClient } from '../helpers/client.js';
import { ROOT, spawnServer, type SpawnedServer } from '../helpers/server.js';

const LOGINS = 48;
const AT_ONCE = 8;

let server: SpawnedServer | null = null;
afterEach(async () => {
  await server?.kill();
  server = null;
});

const rssMiB = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
  if (line === null) throw new Error('no VmRSS in /proc');
  return Number(line[1]) / 1024;
};

/** RSS growth of a fresh server (MiB) over LOGINS password logins, AT_ONCE at a time, once they are done. */
async function loginWaveGrowth(env: Record<string, string>): Promise<{ growth: number; output: string }> {
  server = await spawnServer({ bundled: true, env, args: ['--allow-unencrypted'] });
  const first = await userClient(server.url, 'wave');
  first.close();
  const pid = server.process.pid!;
  await sleep(300);
  const before = rssMiB(pid);
  let next = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next++ < LOGINS) {
        const client = await TestClient.connect(server!.url);
        await client.request('login', { type: 'login', username: 'wave', password: 'correct horse battery' });
        client.close();
      }
    }),
  );
  await sleep(500);
  return { growth: rssMiB(pid) - before, output: server.output() };
}

describe.skipIf(process.platform !== 'linux')('memory after a login wave', () => {
  it('returns the hashes’ memory with the tunable the launchers set, and keeps it without', async () => {
    const tuned = await loginWaveGrowth({ GLIBC_TUNABLES: ALLOCATOR_TUNABLE });
    expect(tuned.output).not.toContain('GLIBC_TUNABLES');
    await server!.kill();
    const untuned = await loginWaveGrowth({ GLIBC_TUNABLES: '' });
    // Four thread-pool threads each keep a 19 MiB block in their arena.
    expect(untuned.growth, 'without the tunable the wave should stay resident (else this test measures nothing)').toBeGreaterThan(40);
    expect(untuned.output).toContain(`GLIBC_TUNABLES=${ALLOCATOR_TUNABLE} is not set`);
    expect(tuned.growth).toBeLessThan(20);
  }, 60_000);
});

describe('the launchers', () => {
  it('npm start and the parley command start Node with the tunable and the flags', () => {
    const node = `GLIBC_TUNABLES=${ALLOCATOR_TUNABLE} node ${NODE_MEMORY_FLAGS.join(' ')}`;
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(pkg.scripts.start).toBe(`${node} dist/cli.js server`);
    const shebang = readFileSync(path.join(ROOT, 'src/cli.ts'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S ${node}`);
  });

  it('docs/operations.md gives the same settings to servers started another way', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
    expect(doc).toContain(`Environment=GLIBC_TUNABLES=${ALLOCATOR_TUNABLE}`);
    expect(doc).toContain(`ExecStart=/usr/bin/node ${NODE_MEMORY_FLAGS.join(' ')} `);
  });

  it('recognises the setting in either of glibc’s spellings and warns only without it', () => {
    expect(allocatorTuned({ GLIBC_TUNABLES: `glibc.malloc.arena_max=2:${ALLOCATOR_TUNABLE}` })).toBe(true);
    expect(allocatorTuned({ MALLOC_MMAP_THRESHOLD_: '1048576' })).toBe(true);
    expect(allocatorTuned({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toBe(false);
    expect(allocatorTuned({})).toBe(false);
    expect(allocatorWarning({ GLIBC_TUNABLES: ALLOCATOR_TUNABLE }, true)).toBeNull();
    expect(allocatorWarning({}, true)).toContain('GLIBC_TUNABLES=');
    expect(allocatorWarning({}, false)).toBeNull();
  });

  it('recognises the semi-space cap on the command line or in NODE_OPTIONS', () => {
    expect(youngGenerationCapped([...NODE_MEMORY_FLAGS], {})).toBe(true);
    expect(youngGenerationCapped([], { NODE_OPTIONS: '--enable-source-maps --max_semi_space_size=8' })).toBe(true);
    expect(youngGenerationCapped(['--max-old-space-size=4096'], {})).toBe(false);
    expect(youngGenerationNote({}, [])).toContain(NODE_MEMORY_FLAGS[0]);
    expect(youngGenerationNote({}, [...NODE_MEMORY_FLAGS])).toBeNull();
  });
});
