// Security headers: nosniff and friends on everything, HSTS only over TLS, and a page policy that allows no inline code.
import { expect, test } from 'vitest';
import { fakeRequest } from '../../../test/helpers/http-exchange.js';
import { COMMON_HEADERS, commonHeaders, contentSecurityPolicy, pageHeaders } from './headers.js';

test('the policy lets the page open a WebSocket to its own host only, and runs no inline script or style', () => {
  const policy = contentSecurityPolicy(fakeRequest({ headers: { host: 'chat.example.org:8443' } }));
  expect(policy).toContain("connect-src 'self' ws://chat.example.org:8443 wss://chat.example.org:8443");
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).not.toContain('unsafe-inline');
  expect(contentSecurityPolicy(fakeRequest({ headers: { host: '[::1]:50000' } }))).toContain('ws://[::1]:50000');
});

test('a Host that is not a plain name or address is never echoed into the policy', () => {
  const policy = contentSecurityPolicy(fakeRequest({ headers: { host: "evil.example; script-src 'unsafe-inline'" } }));
  expect(policy).toContain("connect-src 'self';");
  expect(policy).not.toContain('evil.example');
  expect(contentSecurityPolicy(fakeRequest())).toContain("connect-src 'self';");
});

test('HSTS is sent over TLS only; the page adds its policy, framing and permission headers to the common ones', () => {
  expect(commonHeaders(fakeRequest())).toEqual(COMMON_HEADERS);
  expect(commonHeaders(fakeRequest({ tls: true }))).toEqual({ ...COMMON_HEADERS, 'strict-transport-security': 'max-age=31536000' });
  const page = pageHeaders(fakeRequest({ headers: { host: 'localhost' } }));
  expect(page).toMatchObject({ ...COMMON_HEADERS, 'x-frame-options': 'DENY', 'cross-origin-opener-policy': 'same-origin' });
  expect(page['content-security-policy']).toContain("default-src 'self'");
  expect(page['permissions-policy']).toContain('camera=()');
});
