// Reading a JSON body: application/json only, bounded before and while reading, and a clear error for bad JSON.
import { expect, test } from 'vitest';
import { fakeRequest } from '../../../test/helpers/http-exchange.js';
import { HttpError, readJsonBody } from './body.js';

const json = (body: string | Buffer[], headers: Record<string, string> = {}) =>
  fakeRequest({ method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body });

test('parses a JSON body sent in several chunks', async () => {
  expect(await readJsonBody(json([Buffer.from('{"user'), Buffer.from('name":"alice"}')]), 100)).toEqual({ username: 'alice' });
});

test('another content type is 415: a cross-site form cannot send JSON without a preflight', async () => {
  const form = fakeRequest({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
  await expect(readJsonBody(form, 100)).rejects.toMatchObject({ status: 415, code: 'INVALID_FRAME' });
  await expect(readJsonBody(fakeRequest({ method: 'POST', body: '{}' }), 100)).rejects.toBeInstanceOf(HttpError);
});

test('a body past the limit is 413, whether its length was declared or not', async () => {
  await expect(readJsonBody(json('{}', { 'content-length': '101' }), 100)).rejects.toMatchObject({ status: 413 });
  const chunks = Array.from({ length: 5 }, () => Buffer.from(' '.repeat(30)));
  await expect(readJsonBody(json(chunks), 100)).rejects.toMatchObject({ status: 413, message: expect.stringContaining('100 bytes') });
});

test('malformed JSON is 400', async () => {
  await expect(readJsonBody(json('{"username":'), 100)).rejects.toMatchObject({ status: 400, code: 'INVALID_FRAME' });
});
