// POST /api/register, /api/login, /api/logout: the WebSocket account handlers, answered with a session cookie.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ErrorCode, ParleyError } from '../../shared/errors.js';
import { LoginRequest, PreloginRequest, RegisterRequest, type SessionInfo } from '../../shared/protocol.js';
import type { ConnectionView, HandlerContext, Services, Session } from '../context.js';
import { handlers } from '../handlers/index.js';
import { sessionByToken } from '../session-lifecycle.js';
import { clientAddress } from './address.js';
import { HttpError, readJsonBody } from './body.js';
import { clearedSessionCookie, isSecure, readCookie, SESSION_COOKIE, sessionCookie } from './cookies.js';
import { commonHeaders } from './headers.js';
import { originAllowed } from './origin.js';
import type { HttpHandler } from './routes.js';

/** Usernames, passwords up to the protocol's limit (4 bytes a character at worst) and a device label. */
const BODY_LIMIT_BYTES = 8 * 1024;

interface AccountApiOptions {
  services: Services;
  /** Closes every live connection of a session that was just ended (the cookie's other tabs). */
  endSession(sessionId: number): void;
}

/** The HTTP status of each error code; every code has one, so a new code cannot reach a browser as a bare 500. */
const STATUS: Record<ErrorCode, number> = {
  INVALID_FRAME: 400,
  UNKNOWN_TYPE: 400,
  UNSUPPORTED_VERSION: 400,
  HELLO_REQUIRED: 400,
  NOT_AUTHENTICATED: 401,
  ALREADY_AUTHENTICATED: 409,
  AUTH_FAILED: 401,
  SESSION_INVALID: 401,
  SESSION_NOT_FOUND: 404,
  INVALID_USERNAME: 400,
  WEAK_PASSWORD: 400,
  USERNAME_TAKEN: 409,
  USER_NOT_FOUND: 404,
  CONVERSATION_NOT_FOUND: 404,
  MESSAGE_TOO_LONG: 413,
  CONVERSATION_MISMATCH: 409,
  INVALID_KEYS: 400,
  EPOCH_CONFLICT: 409,
  VAULT_CONFLICT: 409,
  VAULT_TOO_LARGE: 413,
  VAULT_PART_OUT_OF_ORDER: 409,
  NO_KEYS: 409,
  E2E_REQUIRED: 403,
  GROUP_FULL: 409,
  NOT_ALLOWED: 403,
  LAST_OWNER: 409,
  MEMBERSHIP_CONFLICT: 409,
  INVALID_MEMBERSHIP: 400,
  INVALID_GROUP_NAME: 400,
  RATE_LIMITED: 429,
  SERVER_BUSY: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
  // The client SDK's own codes, never sent by the server.
  KEYS_CHANGED: 500,
  LOCKED: 500,
  TIMEOUT: 500,
  DISCONNECTED: 500,
};

export function accountApi(options: AccountApiOptions): HttpHandler {
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    '/api/register': (req, res) => signIn('register', req, res, options.services),
    '/api/login': (req, res) => signIn('login', req, res, options.services),
    '/api/prelogin': (req, res) => prelogin(req, res, options.services),
    '/api/logout': (req, res) => logout(req, res, options),
  };
  return (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const route = routes[pathname];
    if (!route) return false;
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendError(res, new HttpError(405, 'INVALID_FRAME', 'Use POST.'));
      return true;
    }
    if (!originAllowed(req, options.services.config.allowedOrigins)) {
      sendError(res, new HttpError(403, 'FORBIDDEN_ORIGIN', 'Requests from this page are not allowed.'));
      return true;
    }
    route(req, res).catch((error: unknown) => {
      if (!(error instanceof HttpError) && !(error instanceof ParleyError)) {
        options.services.log.error({ err: { message: (error as Error)?.message }, path: pathname }, 'account request failed');
      }
      sendError(res, error);
    });
    return true;
  };
}

async function signIn(type: 'register' | 'login', req: IncomingMessage, res: ServerResponse, services: Services): Promise<void> {
  const body = await readJsonBody(req, BODY_LIMIT_BYTES);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'INVALID_FRAME', 'The request body must be a JSON object.');
  }
  // The same schema the WebSocket frame passes, so both doors accept exactly the same input.
  const schema = type === 'register' ? RegisterRequest : LoginRequest;
  const parsed = schema.safeParse({ ...body, id: 0, type });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    if (type === 'register' && field === 'username') throw new ParleyError('INVALID_USERNAME', issue?.message);
    throw new HttpError(400, 'INVALID_FRAME', field ? `"${field}": ${issue?.message ?? 'invalid'}` : 'The request is not valid.');
  }
  const view = httpConnection(req, services, null);
  const ctx = handlerContext(services, view.conn);
  const info: SessionInfo =
    parsed.data.type === 'register'
      ? await handlers.register.handle(parsed.data, ctx.context)
      : await handlers.login.handle(parsed.data, ctx.context);
  sendJson(res, 200, { username: info.username, sessionId: info.sessionId }, { 'set-cookie': sessionCookie(info.token, isSecure(req, services.config.trustProxy)) });
  ctx.runAfterReply();
}

/** The salt and key parameters the page derives its keys with, before it logs in (end-to-end encryption). */
async function prelogin(req: IncomingMessage, res: ServerResponse, services: Services): Promise<void> {
  const body = await readJsonBody(req, BODY_LIMIT_BYTES);
  const parsed = PreloginRequest.safeParse({ ...(typeof body === 'object' && body !== null ? body : {}), id: 0, type: 'prelogin' });
  if (!parsed.success) throw new HttpError(400, 'INVALID_FRAME', 'The request is not valid.');
  const view = httpConnection(req, services, null);
  const ctx = handlerContext(services, view.conn);
  sendJson(res, 200, await handlers.prelogin.handle(parsed.data, ctx.context));
}

async function logout(req: IncomingMessage, res: ServerResponse, options: AccountApiOptions): Promise<void> {
  const { services } = options;
  const token = readCookie(req.headers.cookie, SESSION_COOKIE);
  const session = token ? await sessionForToken(token, services) : null;
  if (session) {
    const view = httpConnection(req, services, session);
    const ctx = handlerContext(services, view.conn);
    await handlers.logout.handle({ id: 0, type: 'logout' }, ctx.context);
    options.endSession(session.sessionId);
    ctx.runAfterReply();
  }
  sendJson(res, 200, {}, { 'set-cookie': clearedSessionCookie(isSecure(req, services.config.trustProxy)) });
}

/** The session a cookie's token names, or null when it is unknown, expired or revoked. */
export async function sessionForToken(token: string, services: Services): Promise<Session | null> {
  if (token.length === 0 || token.length > 256) return null;
  const row = await sessionByToken(services, token);
  return row ? { userId: row.userId, username: row.username, sessionId: row.id } : null;
}

/**
 * What a handler sees of an HTTP request: the same view a WebSocket connection gives, minus the socket.
 * Authenticating records the session; the browser's WebSocket joins the hub when it connects with the cookie.
 */
function httpConnection(req: IncomingMessage, services: Services, session: Session | null): { conn: ConnectionView } {
  // The same address the WebSocket path uses (X-Forwarded-For only with --trust-proxy), for rate limits too.
  const address = clientAddress(req, services.config.trustProxy);
  let current = session;
  const conn: ConnectionView = {
    address,
    log: services.log.child({ http: req.url, address }),
    get session() {
      return current;
    },
    version: 1,
    authenticate(next) {
      current = next;
    },
    unauthenticate() {
      current = null;
    },
    closeAfterReply() {},
    client: null,
  };
  return { conn };
}

function handlerContext(services: Services, conn: ConnectionView): { context: HandlerContext; runAfterReply(): void } {
  const tasks: (() => void)[] = [];
  return {
    context: { services, conn, afterReply: (task) => tasks.push(task) },
    runAfterReply: () => tasks.forEach((task) => task()),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    ...commonHeaders(res.req),
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) {
    // The rest of an oversized or refused body is not worth reading; close after answering.
    sendJson(res, error.status, { error: { code: error.code, message: error.message } }, { connection: 'close' });
    return;
  }
  if (error instanceof ParleyError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
    const payload = { code: error.code, message: error.message, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }) };
    sendJson(res, STATUS[error.code], { error: payload }, headers);
    return;
  }
  sendJson(res, 500, { error: { code: 'INTERNAL', message: 'The server failed; try again.' } });
}
