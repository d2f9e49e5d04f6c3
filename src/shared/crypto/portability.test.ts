// Keeps the crypto core portable and auditable: no Node built-ins, only the audited libraries, and one role per label.
import fs from 'node:fs';
import { expect, test } from 'vitest';
import { LABELS } from './labels.js';

const dir = new URL('./', import.meta.url);
const sources = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

test('runtime modules import only @noble/*, hash-wasm and each other (they run in Node 20 and in browsers)', () => {
  expect(sources.length).toBeGreaterThanOrEqual(10);
  for (const file of sources) {
    const text = fs.readFileSync(new URL(file, dir), 'utf8');
    expect(text.split('\n')[0], `${file} opens with a sentence saying what it is for`).toMatch(/^\/\/ \S.{20,}\.$/);
    for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
      expect(spec, `${file} imports ${spec}`).toMatch(/^(@noble\/(curves|ciphers|hashes)\/[a-z0-9-]+\.js|hash-wasm|\.\/[a-z-]+\.js)$/);
    }
    expect(text, file).not.toMatch(/\b(Buffer|process|require)\b/);
  }
});

test('every domain-separation label is distinct', () => {
  const values = Object.values(LABELS);
  expect(new Set(values).size).toBe(values.length);
});
