// The login pages: choose log in or register, then username and password (twice to register), errors said plainly.
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useEffect, useRef, useState } from 'react';
import { checkPasswordStrength, ParleyError, preloadPasswordStrength, type ParleyClient, type PasswordStrength } from '../../shared/client/index.js';
import { passwordRuleProblem } from '../../shared/password-rule.js';
import { USERNAME_PATTERN } from '../../shared/protocol.js';
import { BACK_ON_LOGIN, commandTable, secretCommand, type Status } from '../commands.js';
import { Prompt } from '../components/prompt.js';
import { useTone } from '../theme.js';
import { useCommands } from '../use-commands.js';

type Mode = 'login' | 'register';
type Step = 'choose' | 'username' | 'password' | 'confirm';

interface Flow {
  mode: Mode | null;
  step: Step;
  username: string;
  /** The first password typed while registering, until it is confirmed. */
  password: string;
  busy: boolean;
}

interface Props {
  client: ParleyClient;
  passwordMinLength: number;
  /** Shown once on arrival, e.g. "You have logged out." */
  greeting: string | null;
  /** The SDK's word while it waits to resend a sign-in the server was too busy for. */
  notice: string | null;
  /** See App: refuses a username whose profile another running client has open. */
  claimProfile?(username: string): string | null;
  onExit(): void;
}

export const WELCOME_COMMANDS = commandTable({
  title: 'Commands on the login pages:',
  rows: [
    { name: 'login', help: 'log in to an existing account' },
    { name: 'register', help: 'create an account' },
  ],
  back: null,
});

const PROMPTS: Record<Step, string> = {
  choose: 'Type login or register:',
  username: 'Username:',
  password: 'Password:',
  confirm: 'Password again:',
};

function weakPassword(strength: PasswordStrength | null): string {
  if (strength === null) return 'The password strength check could not run; try again.';
  return `That password is too easy to guess. ${strength.feedback || 'Add a few more uncommon words.'}`;
}

function explain(error: unknown, mode: Mode): { text: string; step: Step } {
  if (!(error instanceof ParleyError)) return { text: 'Something went wrong; try again.', step: 'username' };
  const code = error.code;
  if (code === 'AUTH_FAILED') return { text: 'Wrong username or password. Try again.', step: 'username' };
  if (code === 'USERNAME_TAKEN') return { text: 'That username is taken; choose another.', step: 'username' };
  if (code === 'INVALID_USERNAME') return { text: 'A username is 1 to 32 letters, digits, dots, underscores or hyphens.', step: 'username' };
  if (code === 'WEAK_PASSWORD') return { text: error.message, step: 'password' };
  if (code === 'RATE_LIMITED') {
    const seconds = Math.ceil((error.retryAfterMs ?? 1000) / 1000);
    return { text: `Too many attempts; wait ${seconds} s and try again.`, step: 'username' };
  }
  if (code === 'DISCONNECTED' || code === 'TIMEOUT') {
    const verb = mode === 'login' ? 'log in' : 'register';
    return { text: `The server is not reachable right now; ${verb} again when the header says online.`, step: 'username' };
  }
  return { text: error.message, step: 'username' };
}

export function Welcome({ client, passwordMinLength, greeting, notice, claimProfile, onExit }: Props) {
  const tone = useTone();
  // Handlers read the flow from a ref: keys typed faster than a render (username, Enter, password, Enter)
  // must reach the step they were typed for, or a password could be taken for a username and shown.
  const [flow, setFlowState] = useState<Flow>({ mode: null, step: 'choose', username: '', password: '', busy: false });
  const flowRef = useRef(flow);
  const setFlow = (patch: Partial<Flow>) => {
    flowRef.current = { ...flowRef.current, ...patch };
    setFlowState(flowRef.current);
  };
  const [message, setMessage] = useState<Status | null>(greeting ? { text: greeting, error: false } : null);
  // The app learns why the session ended only after this page is up (a session ended elsewhere): say it then.
  useEffect(() => {
    if (greeting !== null) setMessage({ text: greeting, error: false });
  }, [greeting]);

  const start = (mode: Mode) => {
    setFlow({ mode, step: 'username', password: '' });
    if (mode === 'register') preloadPasswordStrength();
    setMessage({ text: mode === 'login' ? 'Log in to your account.' : 'Create an account.', error: false });
  };
  const fail = (text: string, step: Step) => {
    setMessage({ text, error: true });
    setFlow(step === 'confirm' ? { step } : { step, password: '' });
  };

  const submitAccount = async (password: string) => {
    const { mode, username } = flowRef.current;
    if (!mode) return;
    setFlow({ busy: true });
    if (mode === 'register') {
      const strength = await strengthRef.current;
      if (!strength?.ok) {
        setFlow({ busy: false });
        return fail(weakPassword(strength ?? null), 'password');
      }
    }
    setMessage({ text: mode === 'login' ? 'Logging in…' : 'Creating your account…', error: false });
    try {
      if (mode === 'login') await client.login(username, password);
      else await client.register(username, password);
      // The app moves on to the menu when the session appears.
    } catch (error) {
      const { text, step } = explain(error, mode);
      fail(text, step);
    } finally {
      setFlow({ busy: false });
    }
  };

  /**
   * A new password is checked while it is asked again: a weak one is refused as soon as the estimate is in,
   * and never sent. The confirmation waits for the estimate, so lines typed in a burst are not lost.
   */
  const strengthRef = useRef<Promise<PasswordStrength | null> | null>(null);
  const checkStrength = (password: string) => {
    const check = checkPasswordStrength(password, [flowRef.current.username]).catch(() => null);
    strengthRef.current = check;
    setFlow({ password, step: 'confirm' });
    setMessage(null);
    void check.then((strength) => {
      const { step, busy } = flowRef.current;
      if (strengthRef.current === check && !strength?.ok && step === 'confirm' && !busy) fail(weakPassword(strength), 'password');
    });
  };

  /** The first page takes login or register; then comes the username. */
  const chooseOrName = (text: string) => {
    const { mode, step } = flowRef.current;
    if (step === 'choose') {
      const choice = text.toLowerCase();
      if (['login', 'log in', 'l', '1'].includes(choice)) return start('login');
      if (['register', 'r', '2'].includes(choice)) return start('register');
      return setMessage({ text: 'Type login to log in, or register to create an account.', error: true });
    }
    if (mode === 'register' && !USERNAME_PATTERN.test(text)) {
      return fail('A username is 1 to 32 letters, digits, dots, underscores or hyphens.', 'username');
    }
    // Said before the password is typed: this client cannot sign in as someone open in another one.
    const refusal = claimProfile?.(text) ?? null;
    if (refusal !== null) return fail(refusal, 'username');
    setFlow({ username: text, step: 'password' });
    setMessage(null);
  };

  const commands = useCommands(WELCOME_COMMANDS, {
    run: { login: () => start('login'), register: () => start('register') },
    text: chooseOrName,
    exit: onExit,
    say: setMessage,
  });

  /** The password, typed once to log in and twice to register: taken as typed, never parsed as a command, never trimmed. */
  const submitPassword = (line: string) => {
    const { mode, step, password: first } = flowRef.current;
    const command = secretCommand(line);
    if (command === 'exit') return onExit();
    if (command === 'back') return setMessage({ text: BACK_ON_LOGIN, error: true });
    if (step === 'password') {
      const problem = mode === 'register' ? passwordRuleProblem(line, passwordMinLength) : null;
      if (problem !== null) return fail(problem, 'password');
      if (line.length === 0) return fail('Type your password.', 'password');
      if (mode === 'register') return checkStrength(line);
      return void submitAccount(line);
    }
    if (line !== first) return fail('The two passwords differ; type the password again.', 'password');
    return void submitAccount(line);
  };

  const onSubmit = (line: string) => {
    const { step, busy } = flowRef.current;
    if (busy) return;
    if (step === 'password' || step === 'confirm') return submitPassword(line);
    commands.submit(line);
  };

  const { mode, step, username, busy } = flow;
  const title = mode === null ? 'Welcome to Parley.' : mode === 'login' ? 'Log in' : 'Register';
  return (
    <Box flexDirection="column" flexGrow={1}>
      <Text bold>{title}</Text>
      {mode === null ? <Text>Log in with your account, or register a new one. Usernames are case sensitive.</Text> : null}
      {mode !== null && step !== 'username' ? <Text>Username: {username}</Text> : null}
      <Box flexGrow={1} flexDirection="column" justifyContent="flex-end">
        {commands.help.map((line) => (
          <Text key={line}>{line}</Text>
        ))}
        {busy && notice ? <Text {...tone('muted')}>{notice}</Text> : message ? <Text {...tone(message.error ? 'error' : 'muted')}>{message.text}</Text> : null}
        <Text>{PROMPTS[step]}</Text>
      </Box>
      <Prompt secret={step === 'password' || step === 'confirm'} active={!busy} onSubmit={onSubmit} />
    </Box>
  );
}
