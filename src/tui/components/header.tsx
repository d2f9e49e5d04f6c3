// The top line of every screen: where the user is connected, as whom, and whether the link is up; and the notices under it.
import { Box } from 'ink';
import { Text } from './text.js';
import { useEffect, useState } from 'react';
import type { ConnectionState } from '../../shared/client/index.js';
import { retryIn } from '../format.js';
import { useTone } from '../theme.js';

/** Shown under the top line after the server's database was restored from a backup, until the user moves to another screen. */
const RESTORED_NOTICE = 'The server was restored from a backup; messages were re-synced (recent ones may be gone).';

/** The SDK's `vaultNotice` in a line's width: the verifications outgrew the server's vault. */
const VAULT_NOTICE = 'Too many contacts to sync: verifications made here stay on this device.';

interface HeaderProps {
  label: string;
  username: string | null;
  connection: ConnectionState;
  /** The SDK's `serverRestored`. */
  restored: boolean;
  /** The SDK's `vaultNotice`: shown, in words that fit a line, while it is set. */
  vaultNotice: string | null;
}

/** How many lines the header takes with these notices. */
export const headerLines = (restored: boolean, vaultNotice: string | null): number => 1 + (restored ? 1 : 0) + (vaultNotice === null ? 0 : 1);

export function Header({ label, username, connection, restored, vaultNotice }: HeaderProps) {
  const tone = useTone();
  const [now, setNow] = useState(Date.now());
  const reconnecting = connection.status === 'reconnecting';
  useEffect(() => {
    if (!reconnecting) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [reconnecting]);
  let status: { text: string; tone: 'ok' | 'error' | 'muted' };
  switch (connection.status) {
    case 'connecting':
      status = { text: 'connecting…', tone: 'muted' };
      break;
    case 'online':
      status = { text: 'online', tone: 'ok' };
      break;
    case 'reconnecting':
      status = {
        text: `reconnecting… (attempt ${connection.attempt}, ${retryIn(connection.nextRetryAt, Math.max(now, Date.now()))})`,
        tone: 'error',
      };
      break;
    case 'closed':
      status = { text: 'disconnected', tone: 'error' };
      break;
  }
  const top = (
    <Box justifyContent="space-between">
      <Text wrap="truncate-end">
        <Text bold>Parley</Text> · {label}
        {username ? ` · ${username}` : ''}
      </Text>
      <Text {...tone(status.tone)} wrap="truncate-start">
        {' '}
        {status.text}
      </Text>
    </Box>
  );
  if (!restored && vaultNotice === null) return top;
  return (
    <Box flexDirection="column">
      {top}
      {restored ? (
        <Text {...tone('error')} wrap="truncate-end">
          {RESTORED_NOTICE}
        </Text>
      ) : null}
      {vaultNotice === null ? null : (
        <Text {...tone('error')} wrap="truncate-end">
          {VAULT_NOTICE}
        </Text>
      )}
    </Box>
  );
}
