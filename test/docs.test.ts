// The documents keep up with the code: the protocol document names every request, event and error code; the
// README names every source folder and the architecture every test folder; every path the documents cite
// exists; nothing in the repository cites a file outside it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
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

/** Every file and folder of the repository (folders with a trailing slash), relative to its root; built output and bench records left out. */
function repositoryPaths(dir = ROOT): string[] {
  const paths: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.git', 'test-artifacts', 'results'].includes(entry.name)) continue;
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) paths.push(`${path.relative(ROOT, file)}/`, ...repositoryPaths(file));
    else paths.push(path.relative(ROOT, file));
  }
  return paths;
}

test('no file in the repository cites a document outside it', () => {
  const outside = /\b(DESIGN|PERFORMANCE|CONVENTIONS)\.md\b|\.\.\/shared\/[A-Z]|\/work\//;
  const offenders = repositoryPaths()
    .filter((file) => /\.(md|ts|tsx|js|json|css|html)$/.test(file))
    .filter((file) => outside.test(fs.readFileSync(path.join(ROOT, file), 'utf8')));
  expect(offenders).toEqual([]);
});

describe('every path the README and docs/*.md cite exists', () => {
  const repository = repositoryPaths();
  const files = new Set(repository);
  const names = new Set(repository.map((p) => path.basename(p)));
  const documents = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const literally = (text: string) => text.replace(/[.+?^$()|[\]{}\\]/g, '\\$&');
  /** A cited path names a file or folder; `*` in it stands for any part of one name (`test/web/*.test.ts`). */
  const exists = (cited: string) => {
    if (!cited.includes('*')) return files.has(cited) || files.has(`${cited}/`);
    const pattern = new RegExp('^' + cited.split('*').map(literally).join('[^/]*') + '$');
    return repository.some((p) => pattern.test(p));
  };

  test.each(documents)('%s', (document) => {
    const text = fs.readFileSync(path.join(ROOT, document), 'utf8');
    const missing: string[] = [];
    // Paths from the repository's root: `src/server/hub.ts`, `test/helpers/`, `test/server/operations*`.
    for (const [cited] of text.matchAll(/(?<![\w./-])(?:src|test)\/[\w./*-]*/g)) {
      const trimmed = cited.replace(/[.,]+$/, '');
      if (!exists(trimmed)) missing.push(trimmed);
    }
    // Test files named on their own (`merge.test.ts`): some file in the repository has that name.
    for (const [cited] of text.matchAll(/(?<![\w./*-])[\w.-]+\.test\.tsx?\b/g)) if (!names.has(cited)) missing.push(cited);
    // Links to other files, relative to the document: [durability.md](durability.md#tests).
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      if (!exists(path.relative(ROOT, path.resolve(ROOT, path.dirname(document), target!)))) missing.push(target!);
    }
    expect(missing).toEqual([]);
  });
});

test("docs/architecture.md's folder map names every folder under test/", () => {
  const architecture = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
  const row = architecture.split('\n').find((line) => line.startsWith('| `test/` |'));
  expect(row).toBeDefined();
  const folders = fs.readdirSync(path.join(ROOT, 'test'), { withFileTypes: true }).filter((e) => e.isDirectory());
  expect(folders.length).toBeGreaterThan(0);
  for (const folder of folders) expect(row, folder.name).toContain(`\`${folder.name}/\``);
});
