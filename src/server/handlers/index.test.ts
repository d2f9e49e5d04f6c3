// The handler table: every request but send has exactly one handler, and the table says who may call it.
import { expect, test } from 'vitest';
import { REQUEST_TYPES } from '../../shared/protocol.js';
import { handlers } from './index.js';

test('every request type but send has a handler', () => {
  expect(Object.keys(handlers).sort()).toEqual(REQUEST_TYPES.filter((type) => type !== 'send').sort());
});

test('only the sign-in steps, hello and bye work before logging in; only the ones that log in are for guests alone', () => {
  const open = Object.entries(handlers).filter(([, handler]) => !handler.needsSession).map(([type]) => type);
  const guestOnly = Object.entries(handlers).filter(([, handler]) => handler.guestOnly === true).map(([type]) => type);
  expect(open.sort()).toEqual(['bye', 'hello', 'login', 'prelogin', 'register', 'resume']);
  expect(guestOnly.sort()).toEqual(['login', 'register', 'resume']);
});
