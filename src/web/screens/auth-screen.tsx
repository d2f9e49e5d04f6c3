// Sign in or create an account: one form, two modes, and errors said in plain words next to the button.
import { useId, useRef, useState, type FormEvent, type ReactElement } from 'react';
import { checkPasswordStrength, preloadPasswordStrength } from '../../shared/client/index.js';
import { AlertIcon, BrandMark } from '../components/icons.js';

export type AuthMode = 'login' | 'register';

interface AuthScreenProps {
  passwordMinLength: number;
  /** A problem to show before the user does anything (e.g. a refused cookie). */
  notice?: string | null;
  /** Resolves to null on success, or to a sentence saying what went wrong. */
  onSubmit(mode: AuthMode, username: string, password: string): Promise<string | null>;
}

const USERNAME_RULE = /^[A-Za-z0-9_.-]{1,32}$/;

export function AuthScreen({ passwordMinLength, notice = null, onSubmit }: AuthScreenProps): ReactElement {
  const [mode, setMode] = useState<AuthMode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ text: string; field: 'username' | 'password' | null } | null>(
    notice === null ? null : { text: notice, field: null },
  );
  const [busy, setBusy] = useState(false);
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = { username: useId(), password: useId(), error: useId(), usernameHint: useId(), passwordHint: useId() };
  const registering = mode === 'register';

  const switchMode = (next: AuthMode) => {
    setMode(next);
    setError(null);
    // The strength estimator's dictionaries are a separate download: start it while the user types.
    if (next === 'register') preloadPasswordStrength();
  };

  const fail = (text: string, field: 'username' | 'password' | null) => {
    setError({ text, field });
    (field === 'password' ? passwordRef : usernameRef).current?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (username === '') return fail('Enter your username.', 'username');
    if (registering && !USERNAME_RULE.test(username)) {
      return fail('Usernames are 1 to 32 letters, digits, dots, underscores or hyphens.', 'username');
    }
    if (password === '') return fail('Enter your password.', 'password');
    if (registering && password.length < passwordMinLength) {
      return fail(`That password is too short: use at least ${passwordMinLength} characters.`, 'password');
    }
    setBusy(true);
    setError(null);
    if (registering) {
      // Checked here, before anything is sent: the server only ever sees a key derived from the password.
      const strength = await checkPasswordStrength(password, [username]).catch(() => null);
      if (strength === null || !strength.ok) {
        setBusy(false);
        const advice = strength === null ? 'The strength check could not load; reload the page and try again.' : strength.feedback || 'Add a few more uncommon words.';
        return fail(`That password is too easy to guess. ${advice}`, 'password');
      }
    }
    const problem = await onSubmit(mode, username, password);
    setBusy(false);
    if (problem !== null) fail(problem, /password/i.test(problem) && registering ? 'password' : 'username');
  };

  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand">
          <BrandMark />
          <span>Parley</span>
        </div>
        <h1 className="auth-title">{registering ? 'Create your account' : 'Welcome back'}</h1>
        <p className="auth-subtitle">
          {registering ? 'Pick a username people will find you by.' : 'Sign in to pick up where you left off.'}
        </p>

        <div className="tabs" role="group" aria-label="Account">
          <button type="button" className="tab" aria-pressed={!registering} onClick={() => switchMode('login')}>
            Sign in
          </button>
          <button type="button" className="tab" aria-pressed={registering} onClick={() => switchMode('register')}>
            Create account
          </button>
        </div>

        <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={error ? ids.error : undefined}>
          <div className="field">
            <label htmlFor={ids.username}>Username</label>
            <input
              ref={usernameRef}
              id={ids.username}
              className="input"
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              autoCorrect="off"
              spellCheck={false}
              maxLength={64}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              aria-invalid={error?.field === 'username'}
              aria-describedby={registering ? ids.usernameHint : undefined}
              autoFocus
            />
            {registering && (
              <span id={ids.usernameHint} className="field-hint">
                Letters, digits, dots, underscores and hyphens. Case matters: “Sam” and “sam” are two people.
              </span>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.password}>Password</label>
            <input
              ref={passwordRef}
              id={ids.password}
              className="input"
              type="password"
              name="password"
              autoComplete={registering ? 'new-password' : 'current-password'}
              maxLength={1024}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={error?.field === 'password'}
              aria-describedby={registering ? ids.passwordHint : undefined}
            />
            {registering && (
              <span id={ids.passwordHint} className="field-hint">
                At least {passwordMinLength} characters, and hard to guess: a few uncommon words work well.
              </span>
            )}
          </div>

          {error && (
            <p id={ids.error} className="form-error" role="alert">
              <AlertIcon />
              <span>{error.text}</span>
            </p>
          )}

          <button type="submit" className="btn btn-primary auth-submit" disabled={busy}>
            {busy ? <span className="spinner" aria-hidden="true" /> : null}
            {registering ? 'Create account' : 'Sign in'}
          </button>
        </form>
        <p className="auth-footer">Self-hosted messaging for your network.</p>
      </div>
    </main>
  );
}
