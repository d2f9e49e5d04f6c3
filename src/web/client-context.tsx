// The SDK client for every screen below the root, read through small hooks instead of props passed down.
import { createContext, useContext, useMemo, useSyncExternalStore, type ReactElement, type ReactNode } from 'react';
import type { ClientState, ParleyClient } from '../shared/client/index.js';

/** What the root does for the screens: sign-out restarts the client, which only the root owns. */
interface SessionActions {
  signOut(): void;
  /** Ends every session, this one included; resolves to a sentence when it could not. */
  signOutEverywhere(): Promise<string | null>;
}

interface ClientContextValue extends SessionActions {
  client: ParleyClient;
}

const ClientContext = createContext<ClientContextValue | null>(null);

export function ClientProvider({ client, signOut, signOutEverywhere, children }: ClientContextValue & { children: ReactNode }): ReactElement {
  const value = useMemo(() => ({ client, signOut, signOutEverywhere }), [client, signOut, signOutEverywhere]);
  return <ClientContext.Provider value={value}>{children}</ClientContext.Provider>;
}

function useClientContext(): ClientContextValue {
  const value = useContext(ClientContext);
  if (value === null) throw new Error('A screen that reads the client must be drawn inside a ClientProvider.');
  return value;
}

export const useClient = (): ParleyClient => useClientContext().client;

export function useSessionActions(): SessionActions {
  const { signOut, signOutEverywhere } = useClientContext();
  return { signOut, signOutEverywhere };
}

const noSubscription = () => () => undefined;

/** The client's snapshot, redrawn on every change; null without a client (the root, between clients). */
export function useSnapshot(client: ParleyClient | null): ClientState | null {
  return useSyncExternalStore(client?.subscribe ?? noSubscription, () => client?.getSnapshot() ?? null);
}

/** The snapshot of the client in context. */
export function useClientState(): ClientState {
  const client = useClient();
  return useSyncExternalStore(client.subscribe, client.getSnapshot);
}

/** The signed-in username; '' on the screens drawn before sign-in. */
export const useMe = (): string => useClientState().session?.username ?? '';

/** The shortest password the server accepts, as it announced it (the protocol's LIMITS until it has). */
export const usePasswordMinLength = (): number => useClientState().limits.passwordMinLength;
