// /metrics: the Prometheus text for scrapers on this machine by default, for anyone on request, or for nobody.
import { expect, test } from 'vitest';
import { fakeRequest, serve } from '../../../test/helpers/http-exchange.js';
import { Metrics } from '../metrics.js';
import { metricsRoute } from './metrics-route.js';

const metrics = new Metrics(() => 3);
const scrape = (route: ReturnType<typeof metricsRoute>, remoteAddress: string, headers: Record<string, string> = {}) =>
  serve(route, fakeRequest({ url: '/metrics', remoteAddress, headers }));

test('a loopback scraper gets the registry in the Prometheus format', async () => {
  const route = metricsRoute(metrics, 'local', false);
  for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
    const res = await scrape(route, address);
    expect(res?.statusCode, address).toBe(200);
    expect(res?.headers['content-type']).toBe(metrics.registry.contentType);
    expect(res?.text).toContain('parley_connections 3');
  }
});

test('"local" refuses other addresses with 403, and a proxied request counts as its real client', async () => {
  expect((await scrape(metricsRoute(metrics, 'local', false), '192.0.2.5'))?.statusCode).toBe(403);
  expect((await scrape(metricsRoute(metrics, 'local', true), '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }))?.statusCode).toBe(403);
  expect((await scrape(metricsRoute(metrics, 'any', false), '192.0.2.5'))?.statusCode).toBe(200);
});

test('"off" and other paths are passed on', async () => {
  expect(await scrape(metricsRoute(metrics, 'off', false), '127.0.0.1')).toBeNull();
  expect(await serve(metricsRoute(metrics, 'any', false), fakeRequest({ url: '/metrics/x' }))).toBeNull();
});
