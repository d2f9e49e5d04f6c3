// The account endpoints: the server answers with an HttpOnly cookie, so the page never holds the token.
import { fromBase64url, toBase64url } from '../../shared/crypto/index.js';
import {
  checkKdfVersion,
  derive,
  freshKeys,
  ParleyError,
  pinRealm,
  recordKdfVersion,
  registration,
  rememberWrapKey,
  type PendingUpgrade,
  type StorageAdapter,
} from '../../shared/client/index.js';
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

/** Keys, salt and realm checks as the SDK does them; the web page signs in over HTTP, the pins live in `pins`. */
async function preloginFor(username: string, pins: StorageAdapter) {
  const pre = await post('/api/prelogin', { username });
  if (!pre.ok) return { ok: false as const, result: pre };
  try {
    const realm = pinRealm(pins, location.host, typeof pre.data?.realm === 'string' ? pre.data.realm : undefined);
    return { ok: true as const, realm, salt: String(pre.data?.salt ?? ''), kdf: pre.data?.kdf };
  } catch (error) {
    return { ok: false as const, result: keyError(error) };
  }
}

/**
 * The password never leaves the page: it is turned into an auth key (sent instead) and a wrap key, which
 * is kept in `keys` (sessionStorage) so the WebSocket that follows can unlock the private keys. `pins`
 * (localStorage) keeps the server's realm id and the account's key derivation version, as the SDK does.
 */
export const api = {
  register: async (username: string, password: string, device: string, keys: StorageAdapter, pins: StorageAdapter): Promise<ApiResult> => {
    // The realm comes with prelogin; for a name without an account the answer is the usual stand-in.
    const pre = await preloginFor(username, pins);
    if (!pre.ok) return pre.result;
    let made: Awaited<ReturnType<typeof registration>>;
    try {
      made = await registration(username, password, pre.realm);
    } catch (error) {
      return keyError(error);
    }
    const result = await post('/api/register', { username, ...made.credentials, device });
    if (result.ok) {
      rememberWrapKey(keys, result.username, made.wrapKey);
      recordKdfVersion(pins, location.host, result.username, made.credentials.kdf!.v);
    }
    return result;
  },
  /** On success with an account still on v1 keys, `upgrade` is the v2 move for the signed-in client to send. */
  login: async (
    username: string,
    password: string,
    device: string,
    keys: StorageAdapter,
    pins: StorageAdapter,
  ): Promise<ApiResult & { upgrade?: PendingUpgrade }> => {
    const pre = await preloginFor(username, pins);
    if (!pre.ok) return pre.result;
    let derived: Awaited<ReturnType<typeof derive>>;
    try {
      checkKdfVersion(pins, location.host, username, pre.kdf);
      derived = await derive(username, password, fromBase64url(pre.salt) ?? new Uint8Array(), pre.kdf, pre.realm);
    } catch (error) {
      return keyError(error);
    }
    const result = await post('/api/login', { username, password: toBase64url(derived.authKey), device });
    if (!result.ok) return result;
    rememberWrapKey(keys, result.username, derived.wrapKey);
    const version = (pre.kdf as { v: number }).v;
    recordKdfVersion(pins, location.host, result.username, version);
    if (version !== 1) return result;
    try {
      const fresh = await freshKeys(result.username, password, pre.realm);
      return { ...result, upgrade: { username: result.username, oldAuthKey: toBase64url(derived.authKey), fresh } };
    } catch {
      return result; // stays on v1 until the next login
    }
  },
  logout: () => post('/api/logout', {}),
};
