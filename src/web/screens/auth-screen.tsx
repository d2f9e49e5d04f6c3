// Sign in or create an account: one form, two modes, and errors said in plain words next to the button.
import { useId, useRef, useState, type FormEvent, type ReactElement } from 'react';
import { checkPasswordStrength, preloadPasswordStrength } from '../../shared/client/index.js';
import { USERNAME_PATTERN } from '../../shared/protocol.js';
import { usePasswordMinLength } from '../client-context.js';
import { AuthCard } from '../components/auth-card.js';
import { FormResult } from '../components/form-result.js';
import { PasswordField } from '../components/password-field.js';
import type { ApiError } from '../lib/api.js';
import { authErrorText, USERNAME_RULE_TEXT } from '../lib/messages.js';
import { newPasswordHint, passwordLengthProblem } from '../lib/password-rule.js';
import { usernameInputProps } from '../lib/username-input.js';

export type AuthMode = 'login' | 'register';

interface AuthScreenProps {
  /** A problem to show before the user does anything (e.g. a refused cookie). */
  notice?: string | null;
  /** Resolves to null on success, or to what the server (or the way to it) refused. */
  onSubmit(mode: AuthMode, username: string, password: string): Promise<ApiError | null>;
}

export function AuthScreen({ notice = null, onSubmit }: AuthScreenProps): ReactElement {
  const passwordMinLength = usePasswordMinLength();
  const [mode, setMode] = useState<AuthMode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<{ text: string; field: 'username' | 'password' | null } | null>(
    notice === null ? null : { text: notice, field: null },
  );
  const [busy, setBusy] = useState(false);
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = { username: useId(), password: useId(), error: useId(), usernameHint: useId() };
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
    if (registering && !USERNAME_PATTERN.test(username)) return fail(USERNAME_RULE_TEXT, 'username');
    if (password === '') return fail('Enter your password.', 'password');
    const tooShort = registering ? passwordLengthProblem(password, passwordMinLength) : null;
    if (tooShort !== null) return fail(tooShort, 'password');
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
    const refused = await onSubmit(mode, username, password);
    setBusy(false);
    if (refused === null) return;
    const problem = authErrorText(refused, passwordMinLength);
    fail(problem, /password/i.test(problem) && registering ? 'password' : 'username');
  };

  return (
    <AuthCard
      title={registering ? 'Create your account' : 'Welcome back'}
      subtitle={registering ? 'Pick a username people will find you by.' : 'Sign in to pick up where you left off.'}
    >
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
            {...usernameInputProps}
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
        <PasswordField
          ref={passwordRef}
          id={ids.password}
          label="Password"
          name="password"
          autoComplete={registering ? 'new-password' : 'current-password'}
          value={password}
          onChange={setPassword}
          invalid={error?.field === 'password'}
          hint={registering ? newPasswordHint(passwordMinLength) : undefined}
        />

        {error && <FormResult id={ids.error} text={error.text} />}

        <button type="submit" className="btn btn-primary auth-submit" disabled={busy}>
          {busy ? <span className="spinner" aria-hidden="true" /> : null}
          {registering ? 'Create account' : 'Sign in'}
        </button>
      </form>
      <p className="auth-footer">Self-hosted messaging for your network.</p>
    </AuthCard>
  );
}
