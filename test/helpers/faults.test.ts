// The test-only fault switches parse strictly and refuse to run outside a test runner.
import { expect, test } from 'vitest';
import { parseFaults } from './faults.js';

test('parses both faults, separated by | or a comma', () => {
  expect(parseFaults('ack-before-commit|skip-dedupe', 'test')).toEqual(['ack-before-commit', 'skip-dedupe']);
  expect(parseFaults(' skip-dedupe , ', 'test')).toEqual(['skip-dedupe']);
  expect(parseFaults(undefined, 'production')).toEqual([]);
  expect(parseFaults('', undefined)).toEqual([]);
});

test('refuses any fault unless NODE_ENV=test, and unknown names everywhere', () => {
  expect(() => parseFaults('skip-dedupe', 'production')).toThrow(/refused unless NODE_ENV=test/);
  expect(() => parseFaults('ack-before-commit', undefined)).toThrow(/refused unless NODE_ENV=test/);
  expect(() => parseFaults('drop-table', 'test')).toThrow(/unknown fault "drop-table"/);
});
