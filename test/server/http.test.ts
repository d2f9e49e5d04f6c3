// The web client's HTTP side without a browser: static files, caching, CSP, cookie sign-in and Origin checks.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function fakeWebDir(): string {
  const parent = tempDir('parley-web-');
  // A file beside the served folder, which no URL may reach.
  fs.writeFileSync(path.join(parent, 'secret.txt'), 'not for the web');
  const dir = path.join(parent, 'web');
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Parley</title><script type="module" src="/assets/app-1a2b3c.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'app-1a2b3c.js'), 'console.log("hi")');
  fs.writeFileSync(path.join(dir, 'assets', 'big-4d5e6f.js'), `export const text = ${JSON.stringify('parley '.repeat(2000))};`);
  fs.writeFileSync(path.join(dir, 'assets', 'app-1a2b3c.js.map'), '{}');
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server?.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const cookieOf = (response: Response) => response.headers.get('set-cookie')?.split(';')[0] ?? '';

describe('static files', () => {
  test('the page is revalidated, hashed assets are cached for good, and the CSP allows no inline script', async () => {
    server = await startServer({ config: { webDir: fakeWebDir() } });
    const page = await fetch(`${server.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} wss://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');

    const again = await fetch(`${server.httpUrl}/`, { headers: { 'if-none-match': page.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);

    const asset = await fetch(`${server.httpUrl}/assets/app-1a2b3c.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log("hi")');

    // Node's fetch asks for gzip and unpacks it, like a browser.
    const big = await fetch(`${server.httpUrl}/assets/big-4d5e6f.js`);
    expect(big.headers.get('content-encoding')).toBe('gzip');
    expect(big.headers.get('vary')).toBe('accept-encoding');
    expect(Number(big.headers.get('content-length'))).toBeLessThan(1000);
    expect(await big.text()).toContain('parley parley');

    const icon = await fetch(`${server.httpUrl}/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('public, max-age=3600');
  });

  test('nothing outside the folder, no source maps, unknown paths are 404', async () => {
    server = await startServer({ config: { webDir: fakeWebDir() } });
    for (const p of ['/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/..\\secret.txt', '/assets/%2e%2e%5c..%5csecret.txt', '/assets/app-1a2b3c.js.map', '/nope.js', '/a%00b']) {
      const response = await fetch(`${server.httpUrl}${p}`);
      expect(response.status, p).toBe(404);
    }
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
  });

  test('an unbuilt client is explained, not a blank page', async () => {
    server = await startServer({ config: { webDir: tempDir('parley-empty-') } });
    const page = await fetch(`${server.httpUrl}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build');
  });
});

describe('browser sign-in over HTTP', () => {
  test('register sets an HttpOnly SameSite=Strict cookie that logs the WebSocket in during the upgrade', async () => {
    server = await startServer({ config: { webDir: fakeWebDir() } });
    const response = await post('/api/register', { username: 'pia', password: 'long enough secret', device: 'test' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ username: 'pia', sessionId: expect.any(Number) });
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^parley_session=[A-Za-z0-9_-]{40,}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(response.headers.get('cache-control')).toBe('no-store');

    const client = await TestClient.connect(server.url, { hello: false, headers: { Cookie: cookieOf(response), Origin: server.httpUrl } });
    const hello = await client.request('hello', { type: 'hello', versions: [1] });
    expect(hello.session).toEqual({ username: 'pia', sessionId: body.sessionId });
    const online = await client.request('online', { type: 'online' });
    expect(online.users).toContain('pia');
    client.close();

    // The token appears nowhere in the logs.
    const token = cookieOf(response).split('=')[1] ?? '';
    expect(server.logs.join('\n')).not.toContain(token);
    expect(server.logs.join('\n')).not.toContain('long enough secret');
  });

  test('login errors are the WebSocket handler errors, with HTTP statuses', async () => {
    server = await startServer({ config: { webDir: fakeWebDir() } });
    expect((await post('/api/register', { username: 'quin', password: 'long enough secret' })).status).toBe(200);
    const cases: [string, unknown, number, string][] = [
      ['/api/login', { username: 'quin', password: 'wrong password' }, 401, 'AUTH_FAILED'],
      ['/api/login', { username: 'Quin', password: 'long enough secret' }, 401, 'AUTH_FAILED'],
      ['/api/register', { username: 'quin', password: 'long enough secret' }, 409, 'USERNAME_TAKEN'],
      ['/api/register', { username: 'rory', password: 'short' }, 400, 'WEAK_PASSWORD'],
      ['/api/register', { username: 'no spaces', password: 'long enough secret' }, 400, 'INVALID_USERNAME'],
      ['/api/login', { username: 'quin', password: 'x', admin: true }, 400, 'INVALID_FRAME'],
      ['/api/login', [1, 2], 400, 'INVALID_FRAME'],
      ['/api/login', '{not json', 400, 'INVALID_FRAME'],
    ];
    for (const [p, body, status, code] of cases) {
      const response = await post(p, body);
      expect(response.status, `${p} ${JSON.stringify(body)}`).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    const login = await post('/api/login', { username: 'quin', password: 'long enough secret' });
    expect(login.status).toBe(200);
  });

  test('only JSON, only POST, only small bodies', async () => {
    server = await startServer({ config: { webDir: fakeWebDir() } });
    const form = await fetch(`${server.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=a&password=b',
    });
    expect(form.status).toBe(415);
    expect((await fetch(`${server.httpUrl}/api/login`)).status).toBe(405);
    const huge = await post('/api/login', { username: 'a', password: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
  });

  test('logout clears the cookie, ends the session and closes its sockets', async () => {
    server = await startServer({ config: { webDir: fakeWebDir() } });
    const cookie = cookieOf(await post('/api/register', { username: 'sam', password: 'long enough secret' }));
    const socket = await TestClient.connect(server.url, { hello: false, headers: { Cookie: cookie } });
    expect((await socket.request('hello', { type: 'hello', versions: [1] })).session?.username).toBe('sam');

    const out = await post('/api/logout', {}, { Cookie: cookie });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^parley_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    expect(await socket.waitClosed()).toBe(4001);

    const replay = await TestClient.connect(server.url, { hello: false, headers: { Cookie: cookie } });
    expect((await replay.request('hello', { type: 'hello', versions: [1] })).session).toBeNull();
    replay.close();
    // Logging out without a session is harmless.
    expect((await post('/api/logout', {})).status).toBe(200);
  });
});

describe('Origin checks', () => {
  test('WebSocket upgrades and API calls from other origins get 403; own host, no Origin and the allow-list pass', async () => {
    server = await startServer({ config: { webDir: fakeWebDir(), allowedOrigins: ['https://chat.example.org'] } });
    await expect(TestClient.connect(server.url, { headers: { Origin: 'http://evil.example' } })).rejects.toThrow(/403/);
    await expect(TestClient.connect(server.url, { headers: { Origin: 'null' } })).rejects.toThrow(/403/);
    await expect(TestClient.connect(server.url, { headers: { Origin: `http://localhost:${server.port}` } })).rejects.toThrow(/403/);
    for (const origin of [server.httpUrl, 'https://chat.example.org', undefined]) {
      const client = await TestClient.connect(server.url, origin ? { headers: { Origin: origin } } : {});
      client.close();
    }

    const evil = await post('/api/register', { username: 'tess', password: 'long enough secret' }, { Origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('set-cookie')).toBeNull();
    const listed = await post('/api/register', { username: 'tess', password: 'long enough secret' }, { Origin: 'https://chat.example.org' });
    expect(listed.status).toBe(200);
  });
});
