// The web client's routes in order: the account API first, then the built client's files from the configured folder.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { HandlerHarness } from '../../../test/helpers/handler-harness.js';
import { fakeRequest, postJson, serve } from '../../../test/helpers/http-exchange.js';
import { tempDir } from '../../../test/helpers/temp.js';
import type { HttpHandler } from './routes.js';
import { webRoutes } from './web.js';

test('/api goes to the account API and the rest to the files of config.webDir', async () => {
  const webDir = tempDir('parley-web-');
  fs.writeFileSync(path.join(webDir, 'index.html'), '<title>built</title>');
  const h = new HandlerHarness({ webDir });
  try {
    const routes = webRoutes({ services: h.services, endSession: () => undefined });
    const first: HttpHandler = (req, res) => routes.some((route) => route(req, res));
    expect((await serve(first, fakeRequest({ url: '/' })))?.text).toBe('<title>built</title>');
    expect((await serve(first, postJson('/api/prelogin', { username: 'alice' })))?.json()).toMatchObject({ salt: expect.any(String) });
    expect(await serve(first, fakeRequest({ url: '/nothing-here' }))).toBeNull();
  } finally {
    await h.close();
  }
});
