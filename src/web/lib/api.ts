// The account endpoints: the server answers with an HttpOnly cookie, so the page never holds the token.
import { isErrorCode, type ErrorCode } from '../../shared/errors.js';

export interface ApiError {
  code: ErrorCode | 'NETWORK';
  message: string;
  retryAfterMs?: number;
}

export type ApiResult = { ok: true; username: string } | { ok: false; error: ApiError };

async function post(path: string, body: unknown): Promise<ApiResult> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, error: { code: 'NETWORK', message: 'The server could not be reached.' } };
  }
  const data: unknown = await response.json().catch(() => null);
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  if (response.ok) return { ok: true, username: typeof record.username === 'string' ? record.username : '' };
  const error = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : {};
  return {
    ok: false,
    error: {
      code: isErrorCode(error.code) ? error.code : 'INTERNAL',
      message: typeof error.message === 'string' ? error.message : `The server answered ${response.status}.`,
      ...(typeof error.retryAfterMs === 'number' ? { retryAfterMs: error.retryAfterMs } : {}),
    },
  };
}

export const api = {
  register: (username: string, password: string, device: string) => post('/api/register', { username, password, device }),
  login: (username: string, password: string, device: string) => post('/api/login', { username, password, device }),
  logout: () => post('/api/logout', {}),
};
