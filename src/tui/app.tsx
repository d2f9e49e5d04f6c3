// The terminal client's root: picks the screen from the SDK's state, and owns leaving (!exit, Ctrl-C).
import { Box, useApp, useStdin } from 'ink';
import { Text } from './components/text.js';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ClientState, ParleyClient } from '../shared/client/index.js';
import { BELL, messageArrived, setTitle, titleFor } from './attention.js';
import { Header, headerLines } from './components/header.js';
import { LineEditorContext } from './components/prompt.js';
import { KeyReader, type KeyPress } from './keys.js';
import { LineEditor } from './line-editor.js';
import { nthConversation } from './open-chat.js';
import { Account } from './screens/account.js';
import { Chat } from './screens/chat.js';
import { GroupChat } from './screens/group-chat.js';
import { Menu } from './screens/menu.js';
import { Search } from './screens/search.js';
import { Unlock } from './screens/unlock.js';
import { Welcome } from './screens/welcome.js';
import { useTerminalSize } from './use-terminal-size.js';

type Screen =
  | { name: 'menu' }
  | { name: 'account' }
  | { name: 'chat'; peer: string; conversationId: number; group: boolean }
  | { name: 'search'; query: string };

interface Props {
  client: ParleyClient;
  /** host:port, shown in the header. */
  label: string;
  /** Called once the client has said bye and closed; the CLI exits with code 0 after it. */
  onExit?(): void;
  /** Hook for a signal handler in the CLI to trigger the same exit as !exit. */
  exitRef?: { current: (() => void) | null };
  /** Said on the login pages at start, e.g. that a saved login is open in another client. */
  notice?: string | null;
  /** Opens the profile of a username about to sign in; returns why not (open in another client), or null. */
  claimProfile?(username: string): string | null;
  /** Ring the terminal's bell when a message arrives (off with --no-bell or PARLEY_BELL=0). */
  bell?: boolean;
  /**
   * Writes the title and bell sequences to the terminal, beside Ink's frames rather than through them (Ink
   * would count them as output); without it the app sets no title and rings no bell.
   */
  control?(sequence: string): void;
}

export function App({ client, label, onExit, exitRef, notice = null, claimProfile, bell = true, control }: Props) {
  const state = useSyncExternalStore(client.subscribe, client.getSnapshot);
  const { exit: unmount } = useApp();
  const { columns, rows } = useTerminalSize();
  const [screen, setScreen] = useState<Screen>({ name: 'menu' });
  const [greeting, setGreeting] = useState<string | null>(notice);
  const [leaving, setLeaving] = useState(false);
  const leavingRef = useRef(false);
  const hadSession = useRef(state.session !== null);

  const exit = useCallback(() => {
    if (leavingRef.current) return;
    leavingRef.current = true;
    setLeaving(true);
    void client.exit().finally(() => {
      onExit?.();
      unmount();
    });
  }, [client, onExit, unmount]);
  if (exitRef) exitRef.current = exit;

  const editor = useMemo(() => new LineEditor(), []);
  useKeys((key) => {
    if (key.kind === 'ctrl' && key.letter === 'c') exit();
    else if (key.kind === 'jump') jump(key.n);
    else editor.press(key);
  });
  useAttention(state, bell, control);

  /** Alt+N: the Nth conversation of the menu, from the menu or a chat. */
  const jump = (n: number) => {
    const opened = state.session !== null && state.keys !== 'locked' && screen.name !== 'account' ? nthConversation(state, n) : null;
    if (opened) setScreen({ name: 'chat', ...opened });
  };

  // A session that disappears without !back (ended elsewhere, or the server forgot it) lands on the login pages.
  const signedIn = state.session !== null;
  useEffect(() => {
    if (signedIn) {
      hadSession.current = true;
      setGreeting(null);
      return;
    }
    setScreen({ name: 'menu' });
    if (hadSession.current && !leavingRef.current) setGreeting((g) => g ?? 'Your session has ended; log in again.');
    hadSession.current = false;
  }, [signedIn]);

  // The restore notice stays until the user moves to another screen: by then it has been seen.
  const restored = state.serverRestored;
  const shownOn = useRef<Screen | null>(null);
  useEffect(() => {
    if (!restored) shownOn.current = null;
    else if (shownOn.current === null) shownOn.current = screen;
    else if (shownOn.current !== screen) client.dismissServerRestored();
  }, [client, restored, screen]);

  // History this device has not decrypted yet goes into the search index in the background, a bounded
  // number of pages per connection; the index remembers where it stopped.
  // The search screen refreshes its results when the run ends.
  const indexable = state.keys === 'unlocked' && state.connection.status === 'online';
  const [indexing, setIndexing] = useState<Promise<unknown> | null>(null);
  useEffect(() => {
    if (!indexable) return;
    const run: Promise<unknown> = client
      .indexHistory({ maxPages: 50 })
      .catch(() => undefined)
      .finally(() => setIndexing((current) => (current === run ? null : current)));
    setIndexing(run);
  }, [client, indexable]);

  const back = useCallback(() => {
    setGreeting('You have logged out.');
    void client.logout().catch(() => undefined);
  }, [client]);

  const search = (query: string) => setScreen({ name: 'search', query });
  const open = (peer: string, conversationId: number, group = false) => setScreen({ name: 'chat', peer, conversationId, group });

  // One row is left free: Ink repaints the whole terminal when its output fills every row.
  const bodyRows = Math.max(rows - 1 - headerLines(restored, state.vaultNotice), 5);
  let body;
  if (leaving) {
    body = <Text>Goodbye.</Text>;
  } else if (state.session === null) {
    body = (
      <Welcome
        client={client}
        passwordMinLength={state.limits.passwordMinLength}
        greeting={greeting}
        notice={state.signInNotice}
        claimProfile={claimProfile}
        onExit={exit}
      />
    );
  } else if (state.keys === 'locked') {
    body = <Unlock client={client} username={state.session.username} onBack={back} onExit={exit} />;
  } else if (screen.name === 'chat' && (screen.group || state.conversations.some((c) => c.id === screen.conversationId && c.kind === 'group'))) {
    body = (
      <GroupChat
        key={screen.conversationId}
        client={client}
        state={state}
        conversationId={screen.conversationId}
        columns={columns}
        rows={bodyRows}
        onBack={() => setScreen({ name: 'menu' })}
        onSearch={search}
        onExit={exit}
        onOpen={open}
      />
    );
  } else if (screen.name === 'chat') {
    body = (
      <Chat
        key={screen.conversationId}
        client={client}
        state={state}
        peer={screen.peer}
        conversationId={screen.conversationId}
        columns={columns}
        rows={bodyRows}
        onBack={() => setScreen({ name: 'menu' })}
        onSearch={search}
        onExit={exit}
        onOpen={open}
      />
    );
  } else if (screen.name === 'search') {
    body = (
      <Search
        key={screen.query}
        client={client}
        query={screen.query}
        indexing={indexing !== null}
        columns={columns}
        rows={bodyRows}
        onOpen={open}
        onBack={() => setScreen({ name: 'menu' })}
        onExit={exit}
      />
    );
  } else if (screen.name === 'account') {
    body = (
      <Account
        client={client}
        username={state.session.username}
        passwordMinLength={state.limits.passwordMinLength}
        columns={columns}
        rows={bodyRows}
        onBack={() => setScreen({ name: 'menu' })}
        onExit={exit}
        onSigningOut={setGreeting}
      />
    );
  } else {
    body = (
      <Menu
        client={client}
        state={state}
        columns={columns}
        rows={bodyRows}
        onOpen={open}
        onAccount={() => setScreen({ name: 'account' })}
        onSearch={search}
        onBack={back}
        onExit={exit}
      />
    );
  }
  return (
    <LineEditorContext.Provider value={editor}>
      <Box flexDirection="column" width={columns} height={leaving ? undefined : rows - 1}>
        <Header label={label} username={state.session?.username ?? null} connection={state.connection} restored={restored} vaultNotice={state.vaultNotice} />
        {body}
      </Box>
    </LineEditorContext.Provider>
  );
}

/**
 * Every key typed, through our own parser (keys.ts) rather than Ink's `useInput`, whose parser threw on
 * sequences it does not know. Ink still reads stdin and splits it into escape sequences and text runs:
 * its input events (the emitter its own `useInput` listens to) are the one subscription here.
 */
function useKeys(onKey: (key: KeyPress) => void): void {
  const { setRawMode, internal_eventEmitter: events } = useStdin();
  const handler = useRef(onKey);
  handler.current = onKey;
  useEffect(() => {
    setRawMode(true);
    return () => setRawMode(false);
  }, [setRawMode]);
  useEffect(() => {
    const reader = new KeyReader();
    const onInput = (input: string) => {
      for (const key of reader.read(input)) handler.current(key);
    };
    events.on('input', onInput);
    return () => void events.off('input', onInput);
  }, [events]);
}

/** The window title follows the unread count; the bell rings once for each batch of messages that arrives. */
function useAttention(state: ClientState, bell: boolean, control: ((sequence: string) => void) | undefined): void {
  const title = titleFor(state);
  useEffect(() => {
    control?.(setTitle(title));
  }, [control, title]);
  const before = useRef(state);
  useEffect(() => {
    if (bell && messageArrived(before.current, state)) control?.(BELL);
    before.current = state;
  }, [bell, control, state]);
}
