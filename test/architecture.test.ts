// The layers hold and the modules stay small: no import cycle in src/, no import from a lower layer upward
// (shared ← server, tui, web; those three never import each other), no source file in src/ over 400 lines,
// and every file name kebab-case (the lint rule, shown here to refuse a PascalCase name).
import fs from 'node:fs';
import path from 'node:path';
import { Linter } from 'eslint';
import ts from 'typescript';
import { expect, test } from 'vitest';
import parley from '../lint/file-names.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
const MAX_LINES = 400;

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return /\.(ts|tsx|js)$/.test(entry.name) ? [file] : [];
  });
}

/** The file a relative specifier names (`./x.js` is `x.ts` or `x.tsx` on disk); null for packages and non-code files. */
function resolve(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = path.resolve(path.dirname(from), specifier);
  const stem = target.replace(/\.js$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, target, `${target}.ts`, `${target}.tsx`, path.join(target, 'index.ts')]) {
    if (/\.(ts|tsx|js)$/.test(candidate) && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Every file's imports of other files in src/ (tests' helpers in test/ aside), type-only ones and re-exports included, as madge counts them. */
function importGraph(files: readonly string[]): Graph {
  const graph: Graph = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((ref) => resolve(file, ref.fileName))
      .filter((target): target is string => target !== null && target.startsWith(SRC + path.sep));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components of more than one file, or of one file importing itself (Tarjan). */
function cycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** What each layer may import besides itself; `src/cli.ts` (the `parley` command) wires them all. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  shared: [],
  server: ['shared'],
  tui: ['shared'],
  web: ['shared'],
};

function layerOf(file: string): string {
  const relative = path.relative(SRC, file).split(path.sep);
  return relative.length > 1 ? relative[0]! : 'entry';
}

/** Imports that go upward or sideways between layers, as "from → to". */
function layerViolations(graph: Graph): string[] {
  const violations: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    const allowed = MAY_IMPORT[from];
    if (!allowed) continue;
    for (const target of targets) {
      const to = layerOf(target);
      if (to !== from && !allowed.includes(to)) violations.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, target)}`);
    }
  }
  return violations;
}

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

const graph = importGraph(sourceFiles(SRC));
const at = (file: string) => path.join(SRC, file);

test('the import graph sees type-only imports and re-exports', () => {
  expect(graph.size).toBeGreaterThan(100);
  // `import type { RateLimits }`: a type-only import is an edge like any other.
  expect(graph.get(at('server/context.ts'))).toContain(at('server/limits/rate-limits.ts'));
  // `export { … } from` and `export type { … } from`
  expect(graph.get(at('shared/crypto/index.ts'))).toEqual(expect.arrayContaining([at('shared/crypto/bytes.ts'), at('shared/crypto/random.ts')]));
});

test('no import cycle in src/', () => {
  expect(cycles(graph).map((component) => component.map((file) => path.relative(ROOT, file)))).toEqual([]);
});

test('the cycle finder finds a cycle, however long, and a file importing itself', () => {
  const made: Graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['e']],
  ]);
  expect(cycles(made)).toEqual([['a', 'b', 'c'], ['e']]);
});

test('no import from a lower layer upward, nor between server, tui and web', () => {
  expect(layerViolations(graph)).toEqual([]);
});

test('the layer check refuses shared → server, server → web and tui → server', () => {
  const made: Graph = new Map([
    [at('shared/a.ts'), [at('server/b.ts'), at('shared/c.ts')]],
    [at('server/b.ts'), [at('web/d.tsx'), at('shared/c.ts')]],
    [at('tui/e.tsx'), [at('server/b.ts')]],
    [at('cli.ts'), [at('server/b.ts'), at('tui/e.tsx')]],
  ]);
  expect(layerViolations(made)).toEqual(['src/shared/a.ts → src/server/b.ts', 'src/server/b.ts → src/web/d.tsx', 'src/tui/e.tsx → src/server/b.ts']);
});

test(`no file in src/ is over ${MAX_LINES} lines (tests aside)`, () => {
  const all = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? all(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
  const long = all(SRC)
    .filter((file) => !/\.test\.[a-z]+$/.test(file))
    .map((file) => ({ file: path.relative(ROOT, file), lines: lineCount(fs.readFileSync(file, 'utf8')) }))
    .filter(({ lines }) => lines > MAX_LINES);
  expect(long).toEqual([]);
});

test('the file-name rule accepts kebab-case and refuses PascalCase and camelCase', () => {
  const linter = new Linter();
  const config = [{ files: ['**/*.ts', '**/*.tsx'], plugins: { parley }, rules: { 'parley/kebab-case-file-names': 'error' as const } }];
  const problems = (file: string) => linter.verify('export {};\n', config, file).map((message) => message.ruleId);
  expect(problems('src/web/components/message-list.tsx')).toEqual([]);
  expect(problems('src/shared/crypto/e2e-text.test.ts')).toEqual([]);
  expect(problems('src/web/components/MessageList.tsx')).toEqual(['parley/kebab-case-file-names']);
  expect(problems('src/shared/client/stateStore.ts')).toEqual(['parley/kebab-case-file-names']);
  expect(problems('src/server/rate_limits.ts')).toEqual(['parley/kebab-case-file-names']);
});
