// The top line of every screen: where the user is connected, as whom, and whether the link is up; and a restore notice.
import { Box } from 'ink';
import { Text } from './text.js';
import { useEffect, useState } from 'react';
import type { ConnectionState } from '../../shared/client/index.js';
import { retryIn } from '../format.js';
import { useTone } from '../theme.js';

/** Shown under the top line after the server's database was restored from a backup, until the user moves to another screen. */
const RESTORED_NOTICE = 'The server was restored from a backup; messages were re-synced (recent ones may be gone).';

interface HeaderProps {
  label: string;
  username: string | null;
  connection: ConnectionState;
  /** The SDK's `serverRestored`. */
  restored: boolean;
}

export function Header({ label, username, connection, restored }: HeaderProps) {
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
  if (!restored) return top;
  return (
    <Box flexDirection="column">
      {top}
      <Text {...tone('error')} wrap="truncate-end">
        {RESTORED_NOTICE}
      </Text>
    </Box>
  );
}
