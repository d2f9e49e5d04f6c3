// The account endpoints: the server answers with an HttpOnly cookie, so the page never holds the token.
import {
  kdfUpgrade,
  ParleyError,
  passwordLogin,
  passwordRegistration,
  pinRealm,
  recordKdfVersion,
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

/** How many times a sign-in the server is too busy for is sent again (the SDK's default). */
const BUSY_RETRIES = 4;

type ApiResult = { ok: true; username: string } | { ok: false; error: ApiError };

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

/** A refusal as the page shows it: the server's code and sentence, or the SDK's (keys, realm), or no network. */
function apiError(error: unknown): ApiResult {
  if (error instanceof HttpFailure) return { ok: false, error: error.error };
  const retryAfterMs = error instanceof ParleyError ? error.retryAfterMs : undefined;
  return {
    ok: false,
    error: {
      code: error instanceof ParleyError ? error.code : 'INTERNAL',
      message: error instanceof Error ? error.message : 'Key derivation failed.',
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  };
}

/** A failed account request that is no ParleyError (the server could not be reached). */
class HttpFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

/** The account API's answer, or a thrown ParleyError (so the SDK sees SERVER_BUSY) or HttpFailure. */
async function call(path: string, body: unknown): Promise<Record<string, unknown>> {
  const result = await post(path, body);
  if (result.ok) return result.data ?? {};
  const { code, message, retryAfterMs } = result.error;
  if (code === 'NETWORK') throw new HttpFailure(result.error);
  throw new ParleyError(code, message, retryAfterMs === undefined ? undefined : { retryAfterMs });
}

const signedIn = (data: Record<string, unknown>) => ({ username: typeof data.username === 'string' ? data.username : '' });

/** The SDK's sign-in over the account API: the server answers with the session cookie. */
const http = {
  prelogin: async (username: string) => {
    const data = await call('/api/prelogin', { username });
    return { salt: String(data.salt ?? ''), kdf: data.kdf, realm: typeof data.realm === 'string' ? data.realm : undefined };
  },
  login: async (device: string, request: { username: string; password: string }) => signedIn(await call('/api/login', { ...request, device })),
  register: async (device: string, request: { username: string }) => signedIn(await call('/api/register', { ...request, device })),
};

/** The realm pin and the account's derivation version live in `pins`, by the page's host, as the SDK keeps them. */
const pinning = (pins: StorageAdapter) => ({ pins, address: location.host, busy: { retries: BUSY_RETRIES } });

/**
 * The password never leaves the page: it is turned into an auth key (sent instead) and a wrap key, which
 * is kept in `keys` (sessionStorage) so the WebSocket that follows can unlock the private keys. `pins`
 * (localStorage) keeps the server's realm id and the account's key derivation version, as the SDK does.
 */
export const api = {
  register: async (username: string, password: string, device: string, keys: StorageAdapter, pins: StorageAdapter): Promise<ApiResult> => {
    try {
      const made = await passwordRegistration(
        {
          // The realm comes with prelogin; for a name without an account the answer is the usual stand-in.
          realm: async (name) => pinRealm(pins, location.host, (await http.prelogin(name)).realm),
          register: (request) => http.register(device, request),
        },
        username,
        password,
        pinning(pins),
      );
      rememberWrapKey(keys, made.account.username, made.wrapKey);
      return { ok: true, username: made.account.username };
    } catch (error) {
      return apiError(error);
    }
  },
  /** On success with an account still on v1 keys, `upgrade` is the v2 move for the signed-in client to send. */
  login: async (
    username: string,
    password: string,
    device: string,
    keys: StorageAdapter,
    pins: StorageAdapter,
  ): Promise<ApiResult & { upgrade?: PendingUpgrade }> => {
    try {
      const login = await passwordLogin(
        { prelogin: http.prelogin, login: (request) => http.login(device, request) },
        username,
        password,
        { ...pinning(pins), checkRealm: (given) => pinRealm(pins, location.host, given) },
      );
      const me = login.account.username;
      rememberWrapKey(keys, me, login.wrapKey);
      recordKdfVersion(pins, location.host, me, login.kdfVersion);
      const upgrade = await kdfUpgrade(me, password, login.kdfVersion, login.authKey, login.realm);
      return { ok: true, username: me, ...(upgrade ? { upgrade } : {}) };
    } catch (error) {
      return apiError(error);
    }
  },
  logout: () => post('/api/logout', {}),
};
