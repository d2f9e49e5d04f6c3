// Signed in by cookie in a tab that does not hold the keys: the password unlocks them (it is not sent).
import { useState, type FormEvent, type ReactElement } from 'react';
import { useClient, useMe, useSessionActions } from '../client-context.js';
import { AuthCard } from '../components/auth-card.js';
import { FormResult } from '../components/form-result.js';
import { PasswordField } from '../components/password-field.js';

export function UnlockScreen(): ReactElement {
  const client = useClient();
  const me = useMe();
  const { signOut } = useSessionActions();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.unlock(password);
    } catch (e) {
      setError(e instanceof Error && (e as { code?: string }).code === 'AUTH_FAILED' ? 'Wrong password.' : e instanceof Error ? e.message : 'Unlocking failed.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthCard
      title="Unlock your messages"
      subtitle={
        <>
          Signed in as <strong>{me}</strong>. Your messages are end-to-end encrypted: your password unlocks your keys in this tab. It
          is not sent to the server.
        </>
      }
    >
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Unlock your messages">
        <PasswordField id="unlock-password" label="Password" autoComplete="current-password" value={password} onChange={setPassword} invalid={error !== null} autoFocus />
        {error ? <FormResult text={error} /> : null}
        <button type="submit" className="btn btn-primary auth-submit" disabled={busy || password === ''}>
          {busy ? <span className="spinner" aria-hidden="true" /> : null}
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </form>
      <p className="auth-footer">
        Not you?{' '}
        <button type="button" className="link-button" onClick={signOut}>
          Sign out
        </button>
      </p>
    </AuthCard>
  );
}
