// The documents keep up with the code: the protocol document names every request, event and error code; the
// README names every source folder; nothing in the repository cites a file outside it.
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

test("the README's 'How it fits together' names every folder under src/", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## How it fits together'), readme.indexOf('\n## ', readme.indexOf('## How it fits together') + 1));
  const folders = fs.readdirSync(path.join(ROOT, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory());
  expect(folders.length).toBeGreaterThan(0);
  for (const folder of folders) expect(section, folder.name).toContain(`src/${folder.name}/`);
});

test('no file in the repository cites a document outside it', () => {
  const outside = /\b(DESIGN|PERFORMANCE|CONVENTIONS)\.md\b|\.\.\/shared\/[A-Z]|\/work\//;
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'dist', '.git', 'test-artifacts', 'results'].includes(entry.name)) continue;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(md|ts|tsx|js|json|css|html)$/.test(entry.name) && outside.test(fs.readFileSync(file, 'utf8'))) offenders.push(path.relative(ROOT, file));
    }
  };
  walk(ROOT);
  expect(offenders).toEqual([]);
});
