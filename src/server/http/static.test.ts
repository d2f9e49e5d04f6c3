// The built web client's files: the right type and caching, gzip for large text, 304 on a match, nothing outside the folder.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { beforeAll, expect, test } from 'vitest';
import { fakeRequest, serve } from '../../../test/helpers/http-exchange.js';
import { tempDir } from '../../../test/helpers/temp.js';
import { staticFiles } from './static.js';

let root: string;
const APP_JS = `console.log(${JSON.stringify('x'.repeat(4_000))});\n`;

beforeAll(() => {
  const parent = tempDir('parley-static-');
  root = path.join(parent, 'web');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Parley</title>');
  fs.writeFileSync(path.join(root, 'assets', 'app-1234.js'), APP_JS);
  fs.writeFileSync(path.join(root, 'assets', 'app-1234.js.map'), '{}');
  fs.writeFileSync(path.join(root, 'sw.js'), 'self;');
  fs.writeFileSync(path.join(root, 'icon.png'), Buffer.alloc(2_000));
  fs.writeFileSync(path.join(root, '.env'), 'SECRET=1');
  fs.writeFileSync(path.join(parent, 'secret.txt'), 'outside the web folder');
});

const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => serve(staticFiles({ root }), fakeRequest({ method, url, headers }));

test('the page is revalidated and carries the page headers; hashed assets are cached for good', async () => {
  const page = await get('/');
  expect(page?.statusCode).toBe(200);
  expect(page?.text).toContain('<title>Parley</title>');
  expect(page?.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-frame-options': 'DENY' });
  expect(page?.headers['content-security-policy']).toContain("default-src 'self'");
  expect((await get('/assets/app-1234.js'))?.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect((await get('/sw.js'))?.headers['cache-control']).toBe('no-cache');
  const icon = await get('/icon.png');
  expect(icon?.headers).toMatchObject({ 'content-type': 'image/png', 'cache-control': 'public, max-age=3600', 'content-length': '2000' });
  expect(icon?.headers['content-security-policy']).toBeUndefined();
});

test('large text is gzipped for clients that accept it; HEAD sends the headers only', async () => {
  const zipped = await get('/assets/app-1234.js', { 'accept-encoding': 'br, gzip' });
  expect(zipped?.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding', 'content-length': String(zipped?.body.length) });
  expect(zlib.gunzipSync(zipped!.body).toString()).toBe(APP_JS);
  expect((await get('/assets/app-1234.js'))?.text).toBe(APP_JS);
  const head = await get('/assets/app-1234.js', {}, 'HEAD');
  expect(head?.headers['content-length']).toBe(String(Buffer.byteLength(APP_JS)));
  expect(head?.body.length).toBe(0);
});

test('a matching ETag is 304 without a body', async () => {
  const first = await get('/assets/app-1234.js');
  const again = await get('/assets/app-1234.js', { 'if-none-match': first!.headers.etag! });
  expect(again?.statusCode).toBe(304);
  expect(again?.body.length).toBe(0);
});

test('no path leaves the folder, and source maps, dotfiles, other methods, /api and /ws are passed on', async () => {
  for (const url of ['/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/app-1234.js.map', '/.env', '/%00', '/missing.js', '/api/login', '/ws']) {
    expect(await get(url), url).toBeNull();
  }
  expect(await get('/', {}, 'POST')).toBeNull();
});

test('without a built client the page says so with 503', async () => {
  const res = await serve(staticFiles({ root: tempDir('parley-empty-') }), fakeRequest({ url: '/' }));
  expect(res?.statusCode).toBe(503);
  expect(res?.text).toContain('npm run build');
  expect(await serve(staticFiles({ root: tempDir('parley-empty-') }), fakeRequest({ url: '/app.js' }))).toBeNull();
});
