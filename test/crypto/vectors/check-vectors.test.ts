// Checks the frozen known-answer vectors in test/crypto/vectors/*.json (Parley's own formats) in Node; the browser test checks the same files in Chromium.
import { describe, expect, test } from 'vitest';
import { loadVectorSet } from './load.js';
import { checkVectors, type VectorSet } from './check-vectors.js';

const vectors = loadVectorSet();

describe('known-answer vectors', () => {
  test('every frozen vector recomputes exactly, opens to its inputs, and every rejection fails with its reason', async () => {
    const report = await checkVectors(vectors);
    expect(report.failures).toEqual([]);
    const total = Object.values(vectors).reduce((n, list: unknown[]) => n + list.length, 0);
    expect(report.passed).toBe(total);
    expect(total).toBe(69);
  });

  test('the NFD and NFC spellings of one password give the same keys', () => {
    const nfc = vectors.kdf.find((v) => v.name === 'unicode-nfc');
    const nfd = vectors.kdf.find((v) => v.name === 'unicode-nfd');
    expect(nfc?.password).not.toBe(nfd?.password);
    expect(nfd?.authKey).toBe(nfc?.authKey);
    expect(nfd?.wrapKey).toBe(nfc?.wrapKey);
  });

  test('the checker is not vacuous: one changed character in any frozen output is reported', async () => {
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
    const broken: VectorSet = {
      kdf: [],
      keyBundle: vectors.keyBundle.map((v) => ({ ...v, bundle: flip(v.bundle) })),
      epochKey: vectors.epochKey.map((v) => ({ ...v, sealed: flip(v.sealed) })),
      envelope: vectors.envelope.map((v) => ({ ...v, body: flip(v.body) })),
      envelopeRejection: vectors.envelopeRejection.map((r) => ({ ...r, reason: r.reason === 'tampered' ? 'malformed' : 'tampered' })),
      safetyNumber: vectors.safetyNumber.map((v) => ({ ...v, safetyNumber: flip(v.safetyNumber) })),
      vault: vectors.vault.map((v) => ({ ...v, sealed: flip(v.sealed) })),
      membership: vectors.membership.map((v) => ({ ...v, changes: [...v.changes.slice(0, -1), flip(v.changes.at(-1)!)] })),
      groupEpochKey: vectors.groupEpochKey.map((v) => ({ ...v, sealed: flip(v.sealed) })),
      groupEnvelope: vectors.groupEnvelope.map((v) => ({ ...v, body: flip(v.body) })),
      groupEnvelopeRejection: vectors.groupEnvelopeRejection.map((r) => ({ ...r, reason: r.reason === 'tampered' ? 'malformed' : 'tampered' })),
      searchKey: vectors.searchKey.map((v) => ({ ...v, sealed: flip(v.sealed) })),
    };
    const report = await checkVectors(broken);
    expect(report.passed).toBe(0);
    expect(new Set(report.failures.map((f) => f.split(":")[0])).size).toBe(61);
  });
});
