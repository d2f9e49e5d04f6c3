// `--ca FILE`: trust one more certificate (a self-signed server's) for wss://, without touching the system's list.
import fs from 'node:fs';
import tls from 'node:tls';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../shared/client/index.js';
import { TargetError, type Target } from './target.js';

/** Reads the PEM file and checks it holds a certificate; errors are TargetErrors (one sentence, exit 2). */
export function readCa(file: string, target: Target): string {
  if (!target.url.startsWith('wss://')) {
    throw new TargetError('--ca is for encrypted servers: give a wss:// (or https://) address.');
  }
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new TargetError(`The certificate file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  try {
    tls.createSecureContext({ ca: pem });
  } catch {
    throw new TargetError(`${file} does not hold a PEM certificate.`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new TargetError(`${file} does not hold a PEM certificate.`);
  return pem;
}

/**
 * The `ws` WebSocket, trusting `ca` on top of Node's built-in authorities (as NODE_EXTRA_CA_CERTS
 * would), so a server with a publicly trusted certificate still works when --ca is given.
 */
export function webSocketTrusting(ca: string): WebSocketConstructor {
  const authorities = [...tls.rootCertificates, ca];
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { ca: authorities });
    }
  };
}

/** Says in plain words when the server could not be reached because its certificate is not trusted. */
export function certificateProblem(cause: unknown): string | null {
  const text = typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : '';
  if (!/certificate|self[- ]signed|CERT_|unable to verify/i.test(text)) return null;
  return `the server's certificate is not trusted (${text}). For a self-signed server, pass its certificate with --ca FILE.`;
}
