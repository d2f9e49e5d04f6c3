// Failed accepts at the file limit are logged once per interval with a count, never once per failure.
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { FdGuard } from './fd-limit.js';
import { createLogger } from './log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, log: createLogger({ destination }) };
}

const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });

test.skipIf(!fs.existsSync('/proc/self/fd'))('EMFILE on accept: one line per 10 s carrying how many failed, /healthz reason set; other errors are not its business', () => {
  const { lines, log } = capture();
  let now = 1_000_000;
  // A limit just above what this process holds: the descriptors really are near it.
  const limit = fs.readdirSync('/proc/self/fd').length + 8;
  const guard = new FdGuard(log, () => limit, () => now);
  expect(guard.pressure()).toBeNull();
  for (let i = 0; i < 500; i++) expect(guard.acceptError(emfile)).toBe(true);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 40, refused: 1, msg: expect.stringContaining('this process has too many open files') });
  expect(guard.pressure()).toBe(`at the open-file limit (${limit}): new connections are refused until some close`);
  now += 10_000;
  guard.acceptError(emfile);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toMatchObject({ refused: 500 });
  expect(guard.acceptError(Object.assign(new Error('accept ECONNABORTED'), { code: 'ECONNABORTED' }))).toBe(false);
  expect(lines).toHaveLength(2);
});
