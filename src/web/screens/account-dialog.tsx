// Your account: the signed-in devices (sign any of them out), a new password, new encryption keys, and sign out everywhere.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactElement } from 'react';
import { ParleyError, type SessionSummary } from '../../shared/client/index.js';
import { useClient, useMe, usePasswordMinLength, useSessionActions } from '../client-context.js';
import { FormResult } from '../components/form-result.js';
import { CloseIcon } from '../components/icons.js';
import { PasswordField } from '../components/password-field.js';
import { useNow } from '../hooks/use-now.js';
import type { NotifyPrefs } from '../lib/notifications.js';
import { newPasswordHint, passwordLengthProblem, passwordTooShortText } from '../lib/password-rule.js';
import { formatListTime } from '../lib/time.js';

interface AccountDialogProps {
  notifyPrefs: NotifyPrefs;
  onNotifyPrefs(prefs: NotifyPrefs): void;
  onClose(): void;
}

function errorText(error: unknown, passwordMinLength: number): string {
  if (!(error instanceof ParleyError)) return 'That did not work. Try again.';
  const code = error.code;
  if (code === 'AUTH_FAILED') return 'That is not your current password. Nothing was changed.';
  if (code === 'WEAK_PASSWORD') return /long/i.test(error.message) ? error.message : passwordTooShortText(passwordMinLength);
  if (code === 'RATE_LIMITED') {
    const minutes = Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 60_000));
    return `Too many wrong passwords. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  }
  if (code === 'SESSION_NOT_FOUND') return 'That device was already signed out.';
  if (code === 'DISCONNECTED' || code === 'TIMEOUT') return 'You are offline right now. Try again once reconnected.';
  return error.message;
}

export function AccountDialog({ notifyPrefs, onNotifyPrefs, onClose }: AccountDialogProps): ReactElement {
  const client = useClient();
  const me = useMe();
  const passwordMinLength = usePasswordMinLength();
  const { signOutEverywhere } = useSessionActions();
  const now = useNow();
  const dialog = useRef<HTMLDialogElement>(null);
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | 'everywhere' | 'password' | 'keys' | null>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [passwordResult, setPasswordResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [resetPassword, setResetPassword] = useState('');
  const [resetResult, setResetResult] = useState<{ ok: boolean; text: string } | null>(null);
  const ids = { title: useId(), current: useId(), next: useId(), again: useId(), result: useId(), reset: useId(), resetResult: useId() };

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const refresh = useCallback(async () => {
    try {
      // This device first, then the others, most recently seen first (the server's order).
      setSessions((await client.sessions()).sort((a, b) => Number(b.current) - Number(a.current)));
      setListError(null);
    } catch (error) {
      setListError(errorText(error, passwordMinLength));
    }
  }, [client, passwordMinLength]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const revoke = async (session: SessionSummary) => {
    setBusy(session.sessionId);
    try {
      await client.revokeSession(session.sessionId);
      await refresh();
    } catch (error) {
      setListError(errorText(error, passwordMinLength));
    } finally {
      setBusy(null);
    }
  };

  const everywhere = async () => {
    if (!window.confirm('Sign out on every device, this one included?')) return;
    setBusy('everywhere');
    const problem = await signOutEverywhere();
    if (problem !== null) {
      setListError(problem);
      setBusy(null);
    }
  };

  const changePassword = async (event: FormEvent) => {
    event.preventDefault();
    if (busy !== null) return;
    if (current === '') return setPasswordResult({ ok: false, text: 'Enter your current password.' });
    const tooShort = passwordLengthProblem(next, passwordMinLength);
    if (tooShort !== null) return setPasswordResult({ ok: false, text: tooShort });
    if (next !== again) return setPasswordResult({ ok: false, text: 'The two new passwords differ.' });
    setBusy('password');
    setPasswordResult(null);
    try {
      const ended = await client.changePassword(current, next);
      setCurrent('');
      setNext('');
      setAgain('');
      const others = ended === 1 ? '1 other device was' : `${ended} other devices were`;
      setPasswordResult({ ok: true, text: `Your password is changed. ${others} signed out.` });
      await refresh();
    } catch (error) {
      setPasswordResult({ ok: false, text: errorText(error, passwordMinLength) });
    } finally {
      setBusy(null);
    }
  };

  const resetKeys = async (event: FormEvent) => {
    event.preventDefault();
    if (busy !== null) return;
    if (resetPassword === '') return setResetResult({ ok: false, text: 'Enter your password.' });
    if (!window.confirm('Make new encryption keys? Your contacts will see that your keys changed, and your other devices will be signed out.')) return;
    setBusy('keys');
    setResetResult(null);
    try {
      const version = await client.resetKeys(resetPassword);
      setResetPassword('');
      setResetResult({ ok: true, text: `Your keys are reset (key version ${version}). Ask your contacts to compare safety numbers with you again.` });
      await refresh();
    } catch (error) {
      const wrong = error instanceof ParleyError && error.code === 'AUTH_FAILED';
      setResetResult({ ok: false, text: wrong ? 'That is not your password. Your keys were not reset.' : errorText(error, passwordMinLength) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <dialog ref={dialog} className="account-dialog" aria-labelledby={ids.title} onClose={onClose}>
      <div className="account-head">
        <h2 id={ids.title}>Your account</h2>
        <button type="button" className="icon-btn" onClick={() => dialog.current?.close()} aria-label="Close" title="Close">
          <CloseIcon />
        </button>
      </div>
      <p className="account-sub">Signed in as {me}.</p>

      <section aria-label="Signed-in devices">
        <h3>Signed-in devices</h3>
        {sessions === null && listError === null && <p className="empty-note">Loading…</p>}
        <ul className="device-list">
          {(sessions ?? []).map((s) => (
            <li key={s.sessionId} className="device" data-current={s.current}>
              <div className="device-text">
                <span className="device-name">
                  {s.device ?? 'Unnamed device'}
                  {s.current && <span className="badge">This device</span>}
                </span>
                <span className="device-meta">
                  {s.address ?? 'unknown address'} · {s.connected ? 'active now' : `last seen ${formatListTime(s.lastSeenAt, now)}`}
                </span>
              </div>
              {!s.current && (
                <button
                  type="button"
                  className="btn btn-ghost"
                  disabled={busy !== null}
                  onClick={() => void revoke(s)}
                  aria-label={`Sign out ${s.device ?? 'unnamed device'} (${s.address ?? 'unknown address'})`}
                >
                  Sign out
                </button>
              )}
            </li>
          ))}
        </ul>
        {listError && <FormResult text={listError} />}
        <button type="button" className="btn btn-ghost btn-danger" disabled={busy !== null} onClick={() => void everywhere()}>
          Sign out everywhere
        </button>
      </section>

      <section aria-label="Notifications">
        <h3>Notifications</h3>
        <label className="check">
          <input type="checkbox" checked={notifyPrefs.hideText} onChange={(e) => onNotifyPrefs({ ...notifyPrefs, hideText: e.target.checked })} />
          Hide message text in notifications (they say who wrote, not what)
        </label>
        <p className="field-hint">To mute one conversation, use the bell in its header.</p>
      </section>

      <section aria-label="Change password">
        <h3>Change password</h3>
        <form onSubmit={(e) => void changePassword(e)} noValidate aria-describedby={passwordResult ? ids.result : undefined}>
          <input type="text" name="username" autoComplete="username" value={me} readOnly hidden />
          <PasswordField id={ids.current} label="Current password" autoComplete="current-password" value={current} onChange={setCurrent} />
          <PasswordField id={ids.next} label="New password" autoComplete="new-password" value={next} onChange={setNext} hint={newPasswordHint(passwordMinLength)} />
          <PasswordField id={ids.again} label="New password again" autoComplete="new-password" value={again} onChange={setAgain} />
          <p className="field-hint">Your other devices will be signed out.</p>
          {passwordResult && <FormResult id={ids.result} {...passwordResult} />}
          <button type="submit" className="btn btn-primary" disabled={busy !== null}>
            Change password
          </button>
        </form>
      </section>

      <section aria-label="Encryption keys">
        <h3>Encryption keys</h3>
        <p className="field-hint">
          If you lost a device or think your keys leaked, make new ones. Your contacts will see a warning that your keys changed: ask them
          to compare safety numbers with you again. Your other devices will be signed out. Messages from before stay readable.
        </p>
        <form onSubmit={(e) => void resetKeys(e)} noValidate aria-describedby={resetResult ? ids.resetResult : undefined}>
          <input type="text" name="username" autoComplete="username" value={me} readOnly hidden />
          <PasswordField id={ids.reset} label="Your password" autoComplete="current-password" value={resetPassword} onChange={setResetPassword} />
          {resetResult && <FormResult id={ids.resetResult} {...resetResult} />}
          <button type="submit" className="btn btn-ghost btn-danger" disabled={busy !== null}>
            Reset my keys
          </button>
        </form>
      </section>
    </dialog>
  );
}
