// The root: one SDK client per sign-in, the sign-in screen or the chat, and a splash while connecting.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type ReactElement } from 'react';
import { LIMITS } from '../shared/protocol.js';
import { ParleyClient, ParleyError, STORAGE_KEYS, type ClientState, type PendingUpgrade } from '../shared/client/index.js';
import { ChatScreen } from './screens/chat-screen.js';
import { AuthScreen, type AuthMode } from './screens/auth-screen.js';
import { AlertIcon, BrandMark } from './components/icons.js';
import { PasswordField } from './components/password-field.js';
import { api } from './lib/api.js';
import { authErrorText } from './lib/messages.js';
import { indexedDbSearchStore } from './lib/search-store.js';
import { browserStorage } from './lib/storage.js';

/** The WebSocket lives on the page's own host and port; the HttpOnly cookie rides along with the upgrade. */
function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

function deviceLabel(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  return `${browser} (web)`;
}

function createClient(): ParleyClient {
  return new ParleyClient({
    url: socketUrl(),
    WebSocket: globalThis.WebSocket,
    storage: browserStorage(),
    rememberToken: false,
    // The wrap key lives in this tab's sessionStorage: a reload stays unlocked, a new tab asks for the password.
    keyStorage: sessionStorage,
    // Decrypted history for search, in IndexedDB: sealed rows and blinded words, opened with the wrap key.
    searchStore: indexedDbSearchStore,
    clientName: 'parley-web/0.1',
    device: deviceLabel(),
  });
}

const noop = () => () => undefined;

/**
 * A new client after every sign-in and sign-out: the server authenticates a connection from the cookie
 * during the WebSocket upgrade, so a fresh connection is how the page picks up a new session.
 */
export function App(): ReactElement {
  const [generation, setGeneration] = useState(0);
  const [current, setCurrent] = useState<{ client: ParleyClient; generation: number } | null>(null);
  // Right after a restart the previous client's state is stale (signed out, or not yet signed in): never show it.
  const client = current?.generation === generation ? current.client : null;
  const [unreachable, setUnreachable] = useState(false);
  /** Set by a successful sign-in until the new connection reports its session. */
  const [awaitingSession, setAwaitingSession] = useState(false);

  useEffect(() => {
    const next = createClient();
    let retry: ReturnType<typeof setTimeout> | undefined;
    let current = true;
    setCurrent({ client: next, generation });
    next.connect().then(
      () => {
        if (current) setUnreachable(false);
      },
      () => {
        // A client closed on purpose (sign-in, sign-out, unmount) also ends up here and must not retry.
        if (!current) return;
        // The first connection failed (server down, network gone): try again with a fresh client shortly.
        setUnreachable(true);
        retry = setTimeout(() => setGeneration((g) => g + 1), 3_000);
      },
    );
    return () => {
      current = false;
      clearTimeout(retry);
      void next.exit();
    };
  }, [generation]);

  const state: ClientState | null = useSyncExternalStore(
    client?.subscribe ?? noop,
    () => client?.getSnapshot() ?? null,
  );

  const restart = useCallback(() => setGeneration((g) => g + 1), []);
  const signedIn = state?.session != null;
  useEffect(() => {
    if (signedIn) setAwaitingSession(false);
  }, [signedIn]);
  const passwordMinLength = state?.limits.passwordMinLength ?? LIMITS.passwordMinLength;
  /** A v1 account's move to v2 keys, derived at sign-in, sent once the new connection has unlocked the keys. */
  const pendingUpgrade = useRef<PendingUpgrade | null>(null);
  const unlocked = state?.keys === 'unlocked' && state.session !== null;
  useEffect(() => {
    const pending = pendingUpgrade.current;
    if (!client || !unlocked || !pending) return;
    pendingUpgrade.current = null;
    // Best effort: on failure the account stays on v1 and the next sign-in tries again.
    client.upgradeKdf(pending).catch(() => undefined);
  }, [client, unlocked]);

  const signIn = useCallback(
    async (mode: AuthMode, username: string, password: string): Promise<string | null> => {
      const result = await api[mode](username, password, deviceLabel(), sessionStorage, browserStorage());
      if (!result.ok) return authErrorText(result.error, passwordMinLength);
      pendingUpgrade.current = (result as { upgrade?: PendingUpgrade }).upgrade ?? null;
      setAwaitingSession(true);
      restart();
      return null;
    },
    [passwordMinLength, restart],
  );

  const signOut = useCallback(async () => {
    const waiting = state?.outbox.length ?? 0;
    if (waiting > 0) {
      const plural = waiting === 1 ? 'message has' : 'messages have';
      if (!window.confirm(`${waiting} ${plural} not been sent yet and will be lost. Sign out anyway?`)) return;
    }
    const me = state?.session?.username;
    const result = await api.logout();
    if (!result.ok && result.error.code === 'NETWORK') {
      // Only the server can clear an HttpOnly cookie; pretending would sign the user straight back in.
      window.alert('Signing out needs the server, which cannot be reached right now. Try again once reconnected.');
      return;
    }
    if (me) browserStorage().removeItem(STORAGE_KEYS.outbox(me));
    if (me) sessionStorage.removeItem(STORAGE_KEYS.wrapKey(me));
    restart();
  }, [state, restart]);

  /** Ends every session of the user over the socket, then clears this browser's now-dead cookie. */
  const signOutEverywhere = useCallback(async (): Promise<string | null> => {
    if (!client) return null;
    const me = client.getSnapshot().session?.username;
    try {
      await client.logoutEverywhere();
    } catch (error) {
      const code = error instanceof ParleyError ? error.code : 'INTERNAL';
      return code === 'DISCONNECTED' || code === 'TIMEOUT'
        ? 'Signing out everywhere needs the server, which cannot be reached right now.'
        : 'That did not work. Try again.';
    }
    await api.logout();
    if (me) browserStorage().removeItem(STORAGE_KEYS.outbox(me));
    restart();
    return null;
  }, [client, restart]);

  if (!client || !state || (state.session === null && state.connection.status !== 'online')) {
    const status = state?.connection.status;
    return <Splash unreachable={unreachable || status === 'closed' || status === 'reconnecting'} />;
  }
  if (state.session === null) {
    // The server accepted the password, yet the new connection came without a session: the cookie was refused.
    // Or the server ended the session (signed out from another device, a password change): say why.
    const notice = awaitingSession
      ? 'You were signed in, but this browser did not keep the sign-in cookie. Allow cookies for this site, then sign in again.'
      : state.endedReason;
    return <AuthScreen passwordMinLength={passwordMinLength} notice={notice} onSubmit={signIn} />;
  }
  if (state.keys === 'locked') return <UnlockScreen client={client} me={state.session.username} onSignOut={() => void signOut()} />;
  return (
    <ChatScreen
      key={generation}
      client={client}
      state={state}
      me={state.session.username}
      onSignOut={() => void signOut()}
      onSignOutEverywhere={signOutEverywhere}
    />
  );
}

/** Signed in by cookie in a tab that does not hold the keys: the password unlocks them (it is not sent). */
function UnlockScreen({ client, me, onSignOut }: { client: ParleyClient; me: string; onSignOut(): void }): ReactElement {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: React.FormEvent) => {
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
    <main className="auth">
      <div className="auth-card">
        <div className="brand">
          <BrandMark />
          <span>Parley</span>
        </div>
        <h1 className="auth-title">Unlock your messages</h1>
        <p className="auth-subtitle">
          Signed in as <strong>{me}</strong>. Your messages are end-to-end encrypted: your password unlocks your keys in this
          tab. It is not sent to the server.
        </p>
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Unlock your messages">
          <PasswordField id="unlock-password" label="Password" autoComplete="current-password" value={password} onChange={setPassword} invalid={error !== null} autoFocus />
          {error ? (
            <p className="form-error" role="alert">
              <AlertIcon />
              <span>{error}</span>
            </p>
          ) : null}
          <button type="submit" className="btn btn-primary auth-submit" disabled={busy || password === ''}>
            {busy ? <span className="spinner" aria-hidden="true" /> : null}
            {busy ? 'Unlocking…' : 'Unlock'}
          </button>
        </form>
        <p className="auth-footer">
          Not you?{' '}
          <button type="button" className="link-button" onClick={onSignOut}>
            Sign out
          </button>
        </p>
      </div>
    </main>
  );
}

function Splash({ unreachable }: { unreachable: boolean }): ReactElement {
  return (
    <main className="splash" aria-busy={!unreachable}>
      <BrandMark />
      <p role="status">
        {unreachable ? 'Cannot reach the server. Trying again…' : 'Connecting…'}
      </p>
    </main>
  );
}
