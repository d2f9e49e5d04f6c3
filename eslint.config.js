// Lint rules with type information: type-only imports, exhaustive switches, no console outside CLIs,
// kebab-case file names.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import parley from './lint/file-names.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // One file-naming style: message-list.tsx exports MessageList (lint/file-names.js).
    files: ['src/**/*.{ts,tsx,js}', 'bench/**/*.ts', 'test/**/*.{ts,tsx}', 'lint/**/*.{js,ts}'],
    plugins: { parley },
    rules: { 'parley/kebab-case-file-names': 'error' },
  },
  {
    // Command-line entry points, tests and benchmarks talk to the terminal on purpose.
    files: ['src/cli.ts', 'src/**/cli.ts', 'src/**/cli/**', 'bench/**', 'test/**', '**/*.test.ts', '**/*.test.tsx'],
    rules: { 'no-console': 'off' },
  },
  {
    // The terminal client draws text only through its own Text, which removes control characters (safe-text.ts).
    files: ['src/tui/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'ink', importNames: ['Text'], message: 'Use src/tui/components/text.tsx: it cleans control characters out of every string.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
