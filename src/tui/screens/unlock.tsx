// The unlock page: signed in by the stored token, but the keys are locked, so the password is asked once.
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useState } from 'react';
import { ParleyError, type ParleyClient } from '../../shared/client/index.js';
import { secretCommand } from '../commands.js';
import { Prompt } from '../components/prompt.js';
import { useTone } from '../theme.js';

interface Props {
  client: ParleyClient;
  username: string;
  onBack(): void;
  onExit(): void;
}

export function Unlock({ client, username, onBack, onExit }: Props) {
  const tone = useTone();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onSubmit = (line: string) => {
    const command = secretCommand(line);
    if (command === 'exit') return onExit();
    if (command === 'back') return onBack();
    if (line === '') return;
    setBusy(true);
    setError(null);
    client.unlock(line).then(
      () => setBusy(false),
      (e: unknown) => {
        setBusy(false);
        setError(e instanceof ParleyError && e.code === 'AUTH_FAILED' ? 'Wrong password; try again.' : e instanceof Error ? e.message : 'Unlocking failed.');
      },
    );
  };
  return (
    <Box flexDirection="column" flexGrow={1}>
      <Text>
        Signed in as {username}. Your messages are end-to-end encrypted: enter your password to unlock your keys.
      </Text>
      <Text {...tone('muted')}>!back logs out · !exit leaves</Text>
      {busy ? <Text {...tone('muted')}>Unlocking…</Text> : null}
      {error ? <Text {...tone('error')}>{error}</Text> : null}
      <Box flexGrow={1} />
      <Prompt label="password>" secret active={!busy} onSubmit={onSubmit} />
    </Box>
  );
}
