// Reads the frozen vector files from test/crypto/vectors into one VectorSet (Node only; the browser test passes the result in).
import fs from 'node:fs';
import type { VectorSet } from './check-vectors.js';

export const VECTOR_FILES = {
  kdf: 'kdf.json',
  keyBundle: 'key-bundle.json',
  epochKey: 'epoch-key.json',
  envelope: 'envelope.json',
  safetyNumber: 'safety-number.json',
  vault: 'vault.json',
  membership: 'membership.json',
  groupEpochKey: 'group-epoch-key.json',
  groupEnvelope: 'group-envelope.json',
  searchKey: 'search-key.json',
} as const;

export const vectorPath = (file: string): URL => new URL(`./${file}`, import.meta.url);

const read = (file: string): { vectors: unknown[]; rejections?: unknown[] } =>
  JSON.parse(fs.readFileSync(vectorPath(file), 'utf8')) as { vectors: unknown[]; rejections?: unknown[] };

export function loadVectorSet(): VectorSet {
  const envelope = read(VECTOR_FILES.envelope);
  const groupEnvelope = read(VECTOR_FILES.groupEnvelope);
  return {
    kdf: read(VECTOR_FILES.kdf).vectors,
    keyBundle: read(VECTOR_FILES.keyBundle).vectors,
    epochKey: read(VECTOR_FILES.epochKey).vectors,
    envelope: envelope.vectors,
    envelopeRejection: envelope.rejections ?? [],
    safetyNumber: read(VECTOR_FILES.safetyNumber).vectors,
    vault: read(VECTOR_FILES.vault).vectors,
    membership: read(VECTOR_FILES.membership).vectors,
    groupEpochKey: read(VECTOR_FILES.groupEpochKey).vectors,
    groupEnvelope: groupEnvelope.vectors,
    groupEnvelopeRejection: groupEnvelope.rejections ?? [],
    searchKey: read(VECTOR_FILES.searchKey).vectors,
  } as VectorSet;
}
