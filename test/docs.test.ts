// The protocol document names every request, event and error code the code defines.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ERROR_CODES } from '../src/shared/errors.js';
import { REQUEST_TYPES, ServerEvent } from '../src/shared/protocol.js';
import { ROOT } from './helpers/server.js';

const doc = fs.readFileSync(path.join(ROOT, 'docs/protocol.md'), 'utf8');

test('every request type has a row in docs/protocol.md', () => {
  for (const type of REQUEST_TYPES) expect(doc, type).toContain(`| \`${type}\` |`);
});

test('every event type has a row in docs/protocol.md', () => {
  for (const option of ServerEvent.options) expect(doc).toContain(`| \`${option.shape.type.value}\` |`);
});

test('every error code has a row in docs/protocol.md', () => {
  for (const code of Object.keys(ERROR_CODES)) expect(doc, code).toContain(`| \`${code}\` |`);
});
