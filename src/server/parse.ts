// Parse at the edge: bytes → JSON → schema → a typed request, or a ParleyError naming what was wrong.
import type { z } from 'zod';
import { ParleyError } from '../shared/errors.js';
import { ClientFrame, LIMITS, REQUEST_TYPES, type RequestType } from '../shared/protocol.js';
import { isPlainValidSend, messageTooLong } from './delivery/send-check.js';

type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; id: number | null; error: ParleyError };

const isRequestType = (value: unknown): value is RequestType =>
  typeof value === 'string' && (REQUEST_TYPES as readonly string[]).includes(value);

const idOf = (value: unknown): number | null => {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
};

/** Describes a schema failure by field and rule only: the offending value (maybe message text) is never echoed. */
function describe(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'The frame does not match its schema.';
  const field = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'The frame';
  if (issue.code === 'unrecognized_keys') return `Unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}.`;
  return `${field}: ${issue.message}`;
}

export function parseClientFrame(data: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, id: null, error: new ParleyError('INVALID_FRAME', 'The frame is not valid JSON.') };
  }
  const id = idOf(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id, error: new ParleyError('INVALID_FRAME', 'A frame must be a JSON object.') };
  }
  const type = (value as { type?: unknown }).type;
  // Sends, nearly every frame, skip zod when the twin accepts them (delivery/send-check.ts).
  if (type === 'send' && isPlainValidSend(value as Record<string, unknown>)) {
    return { ok: true, frame: value as ClientFrame };
  }
  if (!isRequestType(type)) {
    const what = typeof type === 'string' ? 'This frame type is unknown' : 'A frame needs a "type"';
    return { ok: false, id, error: new ParleyError('UNKNOWN_TYPE', `${what} in protocol version 1.`) };
  }
  const parsed = ClientFrame.safeParse(value);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const issue = parsed.error.issues[0];
  if (type === 'send' && issue?.path[0] === 'body' && issue.code === 'too_big') {
    return { ok: false, id, error: new ParleyError('MESSAGE_TOO_LONG', messageTooLong(LIMITS.bodyMaxLength)) };
  }
  if (type === 'register' && issue?.path[0] === 'username') {
    return { ok: false, id, error: new ParleyError('INVALID_USERNAME', issue.message) };
  }
  return { ok: false, id, error: new ParleyError('INVALID_FRAME', describe(issue)) };
}
