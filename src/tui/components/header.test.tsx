// The header's notices: each takes its own line under the top one, and the screen below gives up as many rows.
import { cleanup, render } from 'ink-testing-library';
import { afterEach, expect, test } from 'vitest';
import { VAULT_TOO_LARGE_NOTICE } from '../../shared/client/vault-sync.js';
import { ThemeContext } from '../theme.js';
import { Header, headerLines } from './header.js';

afterEach(() => cleanup());

const header = (restored: boolean, vaultNotice: string | null) =>
  render(
    <ThemeContext.Provider value={{ color: false }}>
      <Header label="lan:50000" username="alice" connection={{ status: 'online' }} restored={restored} vaultNotice={vaultNotice} />
    </ThemeContext.Provider>,
  ).lastFrame() ?? '';

test('verifications too many for the server vault: one line under the top one says they stay on this device', () => {
  const lines = header(false, VAULT_TOO_LARGE_NOTICE).split('\n');
  expect(lines).toHaveLength(headerLines(false, VAULT_TOO_LARGE_NOTICE));
  expect(lines[0]).toContain('alice');
  expect(lines[1]).toBe('Too many contacts to sync: verifications made here stay on this device.');
  // With the restore notice too, both show, and the header counts both lines.
  const both = header(true, VAULT_TOO_LARGE_NOTICE).split('\n');
  expect(both).toHaveLength(3);
  expect(headerLines(true, VAULT_TOO_LARGE_NOTICE)).toBe(3);
  expect(both[1]).toContain('restored from a backup');
  expect(both[2]).toContain('Too many contacts to sync');
  // Without a notice, the top line alone.
  expect(header(false, null).split('\n')).toHaveLength(1);
  expect(headerLines(false, null)).toBe(1);
});
