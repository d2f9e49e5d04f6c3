// Reads a small JSON request body, refusing other content types and anything past the size limit.
import type { IncomingMessage } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  // A cross-site HTML form cannot send application/json without a CORS preflight, which we never grant.
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'INVALID_FRAME', 'Send the request as application/json.');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) throw new HttpError(413, 'INVALID_FRAME', `The request body is larger than ${limitBytes} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new HttpError(413, 'INVALID_FRAME', `The request body is larger than ${limitBytes} bytes.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'INVALID_FRAME', 'The request body is not valid JSON.');
  }
}
