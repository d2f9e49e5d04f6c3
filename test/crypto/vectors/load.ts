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
} as const;

export const vectorPath = (file: string): URL => new URL(`./${file}`, import.meta.url);

const read = (file: string): { vectors: unknown[]; rejections?: unknown[] } =>
  JSON.parse(fs.readFileSync(vectorPath(file), 'utf8')) as { vectors: unknown[]; rejections?: unknown[] };

export function loadVectorSet(): VectorSet {
  const envelope = read(VECTOR_FILES.envelope);
  return {
    kdf: read(VECTOR_FILES.kdf).vectors,
    keyBundle: read(VECTOR_FILES.keyBundle).vectors,
    epochKey: read(VECTOR_FILES.epochKey).vectors,
    envelope: envelope.vectors,
    envelopeRejection: envelope.rejections ?? [],
    safetyNumber: read(VECTOR_FILES.safetyNumber).vectors,
    vault: read(VECTOR_FILES.vault).vectors,
  } as VectorSet;
}
