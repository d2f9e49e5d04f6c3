// The root: one SDK client per sign-in, and which screen shows: a splash while connecting, sign-in, unlock or the chat.
import { useCallback, useEffect, useRef, useState, type ReactElement } from 'react';
import { ParleyError, STORAGE_KEYS, type PendingUpgrade } from '../shared/client/index.js';
import { ClientProvider, useSnapshot } from './client-context.js';
import { useClientLifecycle } from './hooks/use-client-lifecycle.js';
import { api, type ApiError } from './lib/api.js';
import { deviceLabel } from './lib/create-client.js';
import { browserStorage } from './lib/storage.js';
import { AuthScreen, type AuthMode } from './screens/auth-screen.js';
import { ChatScreen } from './screens/chat-screen.js';
import { SplashScreen } from './screens/splash-screen.js';
import { UnlockScreen } from './screens/unlock-screen.js';

export function App(): ReactElement {
  const { client, generation, unreachable, restart } = useClientLifecycle();
  const state = useSnapshot(client);
  /** Set by a successful sign-in until the new connection reports its session. */
  const [awaitingSession, setAwaitingSession] = useState(false);

  const signedIn = state?.session != null;
  useEffect(() => {
    if (signedIn) setAwaitingSession(false);
  }, [signedIn]);
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
    async (mode: AuthMode, username: string, password: string): Promise<ApiError | null> => {
      const result = await api[mode](username, password, deviceLabel(), sessionStorage, browserStorage());
      if (!result.ok) return result.error;
      pendingUpgrade.current = (result as { upgrade?: PendingUpgrade }).upgrade ?? null;
      setAwaitingSession(true);
      restart();
      return null;
    },
    [restart],
  );

  const outboxLength = state?.outbox.length ?? 0;
  const me = state?.session?.username;
  const signOut = useCallback(() => {
    if (outboxLength > 0) {
      const plural = outboxLength === 1 ? 'message has' : 'messages have';
      if (!window.confirm(`${outboxLength} ${plural} not been sent yet and will be lost. Sign out anyway?`)) return;
    }
    void api.logout().then((result) => {
      if (!result.ok && result.error.code === 'NETWORK') {
        // Only the server can clear an HttpOnly cookie; pretending would sign the user straight back in.
        window.alert('Signing out needs the server, which cannot be reached right now. Try again once reconnected.');
        return;
      }
      if (me) browserStorage().removeItem(STORAGE_KEYS.outbox(me));
      if (me) sessionStorage.removeItem(STORAGE_KEYS.wrapKey(me));
      restart();
    });
  }, [outboxLength, me, restart]);

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
    return <SplashScreen unreachable={unreachable || status === 'closed' || status === 'reconnecting'} />;
  }
  let screen: ReactElement;
  if (state.session === null) {
    // The server accepted the password, yet the new connection came without a session: the cookie was refused.
    // Or the server ended the session (signed out from another device, a password change): say why.
    const notice = awaitingSession
      ? 'You were signed in, but this browser did not keep the sign-in cookie. Allow cookies for this site, then sign in again.'
      : state.endedReason;
    screen = <AuthScreen notice={notice} onSubmit={signIn} />;
  } else if (state.keys === 'locked') {
    screen = <UnlockScreen />;
  } else {
    screen = <ChatScreen key={generation} />;
  }
  return (
    <ClientProvider client={client} signOut={signOut} signOutEverywhere={signOutEverywhere}>
      {screen}
    </ClientProvider>
  );
}
