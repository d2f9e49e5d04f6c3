// The account screen: your signed-in devices (revoke any), change the password, reset your keys, sign out everywhere.
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ParleyError, type ParleyClient, type SessionSummary } from '../../shared/client/index.js';
import { passwordRuleProblem } from '../../shared/password-rule.js';
import { commandTable, secretCommand, type Status } from '../commands.js';
import { Prompt } from '../components/prompt.js';
import { formatTime, preview } from '../format.js';
import { useTone } from '../theme.js';
import { useCommands } from '../use-commands.js';

/**
 * The password change asks three things in turn; anything typed at these steps is a secret. The key reset
 * asks for a yes, then the password (a secret).
 */
type Step = 'command' | 'current' | 'new' | 'again' | 'reset-confirm' | 'reset-password';

interface Props {
  client: ParleyClient;
  username: string;
  passwordMinLength: number;
  columns: number;
  rows: number;
  onBack(): void;
  onExit(): void;
  /** Called before this device's own session is ended here, with the words for the login pages. */
  onSigningOut(greeting: string | null): void;
}

export const ACCOUNT_COMMANDS = commandTable({
  title: 'Commands on the account screen:',
  rows: [
    { name: 'revoke', usage: 'N', help: 'sign out device N of the list (its token stops working at once)' },
    { name: 'password', help: 'change your password; your other devices are signed out' },
    { name: 'reset-keys', help: 'make new encryption keys (lost device, leaked keys); contacts are warned, other devices signed out' },
    { name: 'logout-all', help: 'sign out on every device, this one included' },
    { name: 'sessions', help: 'refresh the list' },
  ],
  aliases: { account: 'sessions' },
  back: 'return to the menu',
});

const PROMPTS: Record<Exclude<Step, 'command'>, string> = {
  current: 'Current password:',
  new: 'New password:',
  again: 'New password again:',
  'reset-confirm': 'Type yes to make new keys, or !back to keep them:',
  'reset-password': 'Your password (to reset your keys):',
};

/** What a key reset does, in the words shown before the user confirms it (lines that fit 80 columns). */
const RESET_EXPLANATION = [
  'A key reset makes new encryption keys, for a lost device or leaked keys.',
  'Your contacts will see a warning that your keys changed: ask them to compare',
  'safety numbers with you again (!verify). Your other devices are signed out.',
  'Messages from before stay readable on every device you sign in to.',
];

function explain(error: unknown): string {
  if (!(error instanceof ParleyError)) return 'Something went wrong; try again.';
  const code = error.code;
  if (code === 'AUTH_FAILED') return 'That is not your current password; the password was not changed.';
  if (code === 'RATE_LIMITED') {
    return `Too many wrong passwords; wait ${Math.ceil((error.retryAfterMs ?? 60_000) / 60_000)} minute(s) and try again.`;
  }
  if (code === 'SESSION_NOT_FOUND') return 'That device is signed out already.';
  if (code === 'DISCONNECTED' || code === 'TIMEOUT') return 'The server is not reachable right now; try again when the header says online.';
  return error.message;
}

export function Account({ client, username, passwordMinLength, columns, rows, onBack, onExit, onSigningOut }: Props) {
  const tone = useTone();
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [message, setMessage] = useState<Status | null>(null);
  const [busy, setBusy] = useState(false);
  // Keys can arrive faster than renders: the step and the typed passwords live in a ref (as on the login pages).
  const [step, setStepState] = useState<Step>('command');
  const flow = useRef<{ step: Step; current: string; next: string }>({ step: 'command', current: '', next: '' });
  const setStep = (next: Step) => {
    flow.current.step = next;
    setStepState(next);
  };

  const refresh = useCallback(async () => {
    try {
      // This device first, then the others, most recently seen first (the server's order).
      setSessions((await client.sessions()).sort((a, b) => Number(b.current) - Number(a.current)));
    } catch (error) {
      setMessage({ text: explain(error), error: true });
    }
  }, [client]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const run = async (what: () => Promise<string | null>) => {
    setBusy(true);
    try {
      const done = await what();
      if (done !== null) setMessage({ text: done, error: false });
    } catch (error) {
      setMessage({ text: explain(error), error: true });
    } finally {
      setBusy(false);
    }
  };

  const revoke = (arg: string) => {
    const n = Number(arg);
    const target = sessions && Number.isInteger(n) ? sessions[n - 1] : undefined;
    if (!target) return setMessage({ text: `Type !revoke and a number from the list, e.g. !revoke 2.`, error: true });
    if (target.current) onSigningOut('You signed this device out.');
    void run(async () => {
      try {
        await client.revokeSession(target.sessionId);
      } catch (error) {
        if (target.current) onSigningOut(null);
        throw error;
      }
      if (target.current) return null;
      await refresh();
      return `Signed out ${target.device ?? 'that device'}.`;
    });
  };

  const signOutEverywhere = () => {
    onSigningOut('You signed out on every device.');
    void run(async () => {
      try {
        await client.logoutEverywhere();
      } catch (error) {
        onSigningOut(null);
        throw error;
      }
      return null;
    });
  };

  const resetKeys = (password: string) => {
    setStep('command');
    void run(async () => {
      try {
        const version = await client.resetKeys(password);
        await refresh();
        return `Your keys are reset (key version ${version}). Ask your contacts to compare safety numbers with you again.`;
      } catch (error) {
        if (!(error instanceof ParleyError && error.code === 'AUTH_FAILED')) throw error;
        setMessage({ text: 'That is not your password; your keys were not reset.', error: true });
        return null;
      }
    });
  };

  const changePassword = () => {
    const { current, next } = flow.current;
    flow.current.current = flow.current.next = '';
    setStep('command');
    void run(async () => {
      const ended = await client.changePassword(current, next);
      await refresh();
      return `Your password is changed. ${ended === 1 ? '1 other device was' : `${ended} other devices were`} signed out.`;
    });
  };

  const commands = useCommands(ACCOUNT_COMMANDS, {
    run: {
      revoke,
      password: () => {
        setMessage({ text: 'Change your password (!back to cancel). Your other devices will be signed out.', error: false });
        setStep('current');
      },
      'reset-keys': () => {
        setMessage(null);
        setStep('reset-confirm');
      },
      'logout-all': signOutEverywhere,
      sessions: () => {
        setMessage(null);
        void refresh();
      },
    },
    text: () => setMessage({ text: 'Type a command: !revoke N, !password, !reset-keys, !logout-all, or !back.', error: true }),
    back: onBack,
    exit: onExit,
    say: setMessage,
  });

  /** The password change and the key reset ask their questions here; everything else is a command. */
  const answer = (line: string) => {
    const current = flow.current;
    const command = secretCommand(line);
    if (command === 'exit') return onExit();
    // Passwords are taken as typed: never parsed as commands, never trimmed, never shown.
    if (current.step === 'reset-confirm' || current.step === 'reset-password') {
      if (command === 'back' || (current.step === 'reset-confirm' && line.trim().toLowerCase() !== 'yes')) {
        setStep('command');
        return setMessage({ text: 'Your keys were not reset.', error: false });
      }
      if (current.step === 'reset-confirm') {
        setMessage(null);
        return setStep('reset-password');
      }
      if (line.length === 0) return setMessage({ text: 'Type your password, or !back.', error: true });
      return resetKeys(line);
    }
    if (command === 'back') {
      current.current = current.next = '';
      setStep('command');
      return setMessage({ text: 'The password was not changed.', error: false });
    }
    if (current.step === 'current') {
      if (line.length === 0) return setMessage({ text: 'Type your current password, or !back.', error: true });
      current.current = line;
      setMessage(null);
      return setStep('new');
    }
    if (current.step === 'new') {
      const problem = passwordRuleProblem(line, passwordMinLength);
      if (problem !== null) return setMessage({ text: problem, error: true });
      current.next = line;
      setMessage(null);
      return setStep('again');
    }
    if (line !== current.next) {
      current.next = '';
      setStep('new');
      return setMessage({ text: 'The two new passwords differ; type the new password again.', error: true });
    }
    return changePassword();
  };

  const onSubmit = (line: string) => {
    if (busy) return;
    if (flow.current.step === 'command') return void commands.submit(line);
    answer(line);
  };

  const deviceWidth = Math.min(24, Math.max(6, ...(sessions ?? []).map((s) => (s.device ?? 'unnamed').length)));
  const helpLines = commands.help.length > 0 ? commands.help : step === 'reset-confirm' ? RESET_EXPLANATION : [];
  const listRows = Math.max(1, rows - 6 - helpLines.length - (message ? 1 : 0));
  const shown = (sessions ?? []).slice(0, listRows);
  return (
    <Box flexDirection="column" height={rows}>
      <Text bold>Your account: {username}</Text>
      <Text>Signed-in devices{sessions ? ` (${sessions.length})` : ''}:</Text>
      <Box flexDirection="column" flexGrow={1}>
        {sessions === null ? <Text {...tone('muted')}>  loading…</Text> : null}
        {shown.map((s, i) => {
          const seen = s.connected ? 'online now' : `last seen ${formatTime(s.lastSeenAt)}`;
          const line = `  ${String(i + 1).padStart(2)}. ${(s.device ?? 'unnamed').padEnd(deviceWidth)}  ${(s.address ?? '?').padEnd(15)}  ${seen}`;
          return (
            <Text key={s.sessionId} wrap="truncate-end">
              <Text {...(s.current ? tone('strong') : {})}>{preview(line, columns - 15)}</Text>
              {s.current ? <Text {...tone('ok')}> (this device)</Text> : null}
            </Text>
          );
        })}
      </Box>
      {helpLines.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      {message ? <Text {...tone(message.error ? 'error' : 'muted')}>{message.text}</Text> : null}
      <Text {...tone('muted')} wrap="truncate-end">
        {step === 'command' ? '!revoke N signs a device out · !password · !logout-all signs out everywhere · !back' : PROMPTS[step]}
      </Text>
      <Prompt secret={step !== 'command' && step !== 'reset-confirm'} active={!busy} onSubmit={onSubmit} />
    </Box>
  );
}
