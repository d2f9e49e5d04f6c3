// The account endpoints: the server answers with an HttpOnly cookie, so the page never holds the token.
import { fromBase64url, toBase64url } from '../../shared/crypto/index.js';
import { derive, ParleyError, registration, rememberWrapKey, type StorageAdapter } from '../../shared/client/index.js';
import { isErrorCode, type ErrorCode } from '../../shared/errors.js';

export interface ApiError {
  code: ErrorCode | 'NETWORK';
  message: string;
  retryAfterMs?: number;
}

export type ApiResult = { ok: true; username: string } | { ok: false; error: ApiError };

async function post(path: string, body: unknown): Promise<ApiResult & { data?: Record<string, unknown> }> {
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
  if (response.ok) return { ok: true, username: typeof record.username === 'string' ? record.username : '', data: record };
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

const keyError = (error: unknown): ApiResult => ({
  ok: false,
  error: { code: error instanceof ParleyError ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : 'Key derivation failed.' },
});

/**
 * The password never leaves the page: it is turned into an auth key (sent instead) and a wrap key, which
 * is kept in `keys` (sessionStorage) so the WebSocket that follows can unlock the private keys.
 */
export const api = {
  register: async (username: string, password: string, device: string, keys: StorageAdapter): Promise<ApiResult> => {
    let made: Awaited<ReturnType<typeof registration>>;
    try {
      made = await registration(username, password);
    } catch (error) {
      return keyError(error);
    }
    const result = await post('/api/register', { username, ...made.credentials, device });
    if (result.ok) rememberWrapKey(keys, result.username, made.wrapKey);
    return result;
  },
  login: async (username: string, password: string, device: string, keys: StorageAdapter): Promise<ApiResult> => {
    const pre = await post('/api/prelogin', { username });
    if (!pre.ok) return pre;
    let derived: Awaited<ReturnType<typeof derive>>;
    try {
      derived = await derive(username, password, fromBase64url(String(pre.data?.salt ?? '')) ?? new Uint8Array(), pre.data?.kdf);
    } catch (error) {
      return keyError(error);
    }
    const result = await post('/api/login', { username, password: toBase64url(derived.authKey), device });
    if (result.ok) rememberWrapKey(keys, result.username, derived.wrapKey);
    return result;
  },
  logout: () => post('/api/logout', {}),
};
