// The plain HTTP routes: /healthz says whether the server takes connections, and why not; the two fixed refusals.
import { expect, test } from 'vitest';
import { fakeRequest, RecordedResponse, serve } from '../../../test/helpers/http-exchange.js';
import { coreRoutes, notFound, overLimit } from './routes.js';

const health = (ready: boolean, pressure: string | null) => coreRoutes({ isReady: () => ready, pressure: () => pressure });

test('/healthz is 200 ok when ready, 503 "starting" before, and 503 with the reason under pressure', async () => {
  const ok = await serve(health(true, null), fakeRequest({ url: '/healthz?probe=1' }));
  expect([ok?.statusCode, ok?.text, ok?.headers['cache-control']]).toEqual([200, 'ok\n', 'no-store']);
  const starting = await serve(health(false, null), fakeRequest({ url: '/healthz' }));
  expect([starting?.statusCode, starting?.text]).toEqual([503, 'starting\n']);
  const pressed = await serve(health(true, 'open-file limit'), fakeRequest({ url: '/healthz' }));
  expect([pressed?.statusCode, pressed?.text]).toEqual([503, 'open-file limit\n']);
});

test('every other path is left to the next route', async () => {
  expect(await serve(health(true, null), fakeRequest({ url: '/' }))).toBeNull();
  expect(await serve(health(true, null), fakeRequest({ url: '/healthz/more' }))).toBeNull();
});

test('past the open-file reserve: 503 with a retry-after and the connection closed; unknown paths: 404', async () => {
  const busy = new RecordedResponse(fakeRequest());
  overLimit(busy.asServerResponse());
  await busy.finished;
  expect(busy.statusCode).toBe(503);
  expect(busy.headers).toMatchObject({ 'retry-after': '10', connection: 'close' });
  const missing = new RecordedResponse(fakeRequest());
  notFound(missing.asServerResponse());
  await missing.finished;
  expect([missing.statusCode, missing.text]).toEqual([404, 'Not found\n']);
});
