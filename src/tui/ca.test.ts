// --ca: only for wss:// targets, only a readable PEM certificate, and a plain sentence for untrusted certificates.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { certificateProblem, readCa } from './ca.js';
import { parseTarget, TargetError } from './target.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('--ca is refused for a plain ws:// target and for files that are missing or not certificates', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-ca-'));
  const good = path.join(dir, 'ca.pem');
  const junk = path.join(dir, 'junk.txt');
  fs.writeFileSync(good, PEM);
  fs.writeFileSync(junk, 'hello');
  expect(() => readCa(good, parseTarget('127.0.0.1', '50000'))).toThrow(TargetError);
  expect(() => readCa(good, parseTarget('127.0.0.1', '50000'))).toThrow(/--ca is for encrypted servers/);
  expect(() => readCa(path.join(dir, 'missing.pem'), parseTarget('wss://example.org'))).toThrow(/cannot be read \(ENOENT\)/);
  expect(() => readCa(junk, parseTarget('wss://example.org'))).toThrow(/does not hold a PEM certificate/);
  expect(readCa(good, parseTarget('https://example.org'))).toBe(PEM);
});

test('certificate failures are explained with a hint; other failures are not', () => {
  expect(certificateProblem('self-signed certificate')).toMatch(/not trusted \(self-signed certificate\).*--ca FILE/);
  expect(certificateProblem(new Error('unable to verify the first certificate'))).toMatch(/--ca FILE/);
  expect(certificateProblem('connect ECONNREFUSED 127.0.0.1:1')).toBeNull();
  expect(certificateProblem(undefined)).toBeNull();
});
