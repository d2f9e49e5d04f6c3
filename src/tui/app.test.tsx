// Screen tests: the Ink app on the SDK against an in-memory fake server, driven key by key.
import { render as inkRender, cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeParley } from '../../test/helpers/fake-parley.js';
import { waitFor } from '../../test/helpers/wait.js';
import { ParleyClient } from '../shared/client/index.js';
import { MENU_PAGE_SIZE } from './active-users.js';
import { App } from './app.js';
import { ThemeContext } from './theme.js';

const clients: ParleyClient[] = [];
afterEach(async () => {
  cleanup();
  await Promise.all(clients.splice(0).map((c) => c.exit()));
});

async function newClient(server: FakeParley) {
  const client = new ParleyClient({ url: 'ws://fake/ws', WebSocket: server.WebSocket, backoff: { baseMs: 20, capMs: 50 } });
  clients.push(client);
  await client.connect();
  return client;
}

async function screen(server: FakeParley, client?: ParleyClient) {
  const c = client ?? (await newClient(server));
  let exited = 0;
  const ui = inkRender(
    <ThemeContext.Provider value={{ color: false }}>
      <App client={c} label="fake:50000" onExit={() => (exited += 1)} />
    </ThemeContext.Provider>,
  );
  const frame = () => ui.lastFrame() ?? '';
  const see = (text: string, timeoutMs = 3_000) => waitFor(() => frame().includes(text), { timeoutMs, what: `"${text}" on screen:\n${frame()}` });
  const press = async (keys: string) => {
    ui.stdin.write(keys);
    await new Promise((r) => setTimeout(r, 15));
  };
  const line = async (text: string) => {
    await press(text);
    await press('\r');
  };
  // Ink attaches its stdin listener in an effect, just after the first frame.
  await new Promise((r) => setTimeout(r, 50));
  return { ui, client: c, frame, see, press, line, exits: () => exited };
}

async function registered(server: FakeParley, name: string) {
  const client = await newClient(server);
  await client.register(name, 'password1');
  return client;
}

describe('welcome screen', () => {
  it('registers: password hidden, asked twice, problems said plainly, retried on the same screen', async () => {
    const server = new FakeParley();
    await registered(server, 'taken');
    const s = await screen(server);
    await s.see('Type login or register');
    await s.line('!back');
    await s.see('the login pages are the first screen');
    await s.line('register');
    await s.see('Username:');
    await s.line('bad name!');
    await s.see('A username is 1 to 32 letters');
    await s.line('taken');
    await s.see('Password:');
    await s.line('short');
    await s.see('at least 8 characters');
    await s.line('hunter2hunter2');
    await s.see('That password is too easy to guess.');
    await s.line('hunter2 otter violin');
    await s.see('Password again:');
    await s.line('hunter2 otter violet');
    await s.see('The two passwords differ');
    await s.line('hunter2 otter violin');
    await s.see('Password again:');
    await s.line('hunter2 otter violin');
    await s.see('That username is taken; choose another.');
    await s.line('carol');
    await s.line('hunter2 otter violin');
    await s.line('hunter2 otter violin');
    await s.see('carol (you)');
    expect(s.ui.frames.some((f) => f.includes('hunter2'))).toBe(false);
  });

  it('says a wrong password plainly and lets the user try again', async () => {
    const server = new FakeParley();
    await registered(server, 'alice');
    const s = await screen(server);
    await s.line('login');
    await s.line('alice');
    await s.line('not-the-password');
    await s.see('Wrong username or password. Try again.');
    await s.see('Username:');
    await s.line('alice');
    await s.line('password1');
    await s.see('alice (you)');
  });

  it('says the server is busy while the SDK retries a refused login, then signs in', async () => {
    const server = new FakeParley();
    await registered(server, 'alice');
    server.intercept.set('login', (socket, frame) => {
      server.intercept.delete('login');
      socket.push({ type: 'error', id: frame.id, code: 'SERVER_BUSY', message: 'busy', retryAfterMs: 100 });
    });
    const s = await screen(server);
    await s.line('login');
    await s.line('alice');
    await s.line('password1');
    await s.see('The server is busy; trying again…');
    await s.see('alice (you)', 5_000);
  });

  it('keeps each line for the step it was typed for, even when all arrive in one burst', async () => {
    const server = new FakeParley();
    await registered(server, 'alice');
    const s = await screen(server);
    await s.press('login\ralice\rpassword1\r');
    await s.see('alice (you)');
    expect(s.ui.frames.some((f) => f.includes('password1'))).toBe(false);
  });

  it('registers from one burst too: the confirmation waits for the strength estimate instead of being lost', async () => {
    const s = await screen(new FakeParley());
    await s.press('register\rdana\rhunter2 otter violin\rhunter2 otter violin\r');
    await s.see('dana (you)');
    expect(s.ui.frames.some((f) => f.includes('hunter2'))).toBe(false);
  });
});

describe('menu and chat', () => {
  it('lists online users and conversations, opens a chat, and says an unknown name plainly', async () => {
    const server = new FakeParley();
    const bob = await registered(server, 'bob');
    const alice = await registered(server, 'alice');
    bob.send('alice', 'hi from bob');
    const s = await screen(server, alice);
    await s.see('Online now (2): alice (you), bob');
    await s.see('1 unread');
    await s.see('bob: hi from bob');
    await s.line('Bob');
    await s.see('There is no user named "Bob". Usernames are case sensitive.');
    await s.line('bob');
    await s.see('Chat with bob');
    await s.see('bob: hi from bob');
    // Opening the chat marks it read, which bob sees as "seen".
    await waitFor(() => { const c = bob.getSnapshot().conversations[0]; return c?.kind === 'direct' && c.peerReadSeq === 1; });
    await s.line('!back');
    await s.see('Your conversations');
    expect(s.frame()).not.toContain('1 unread');
  });

  it('with many people online shows the first page of them, you first, and how many more: type a name', async () => {
    const server = new FakeParley();
    const alice = await registered(server, 'alice');
    const crowd = Array.from({ length: MENU_PAGE_SIZE }, (_, i) => `user${String(i).padStart(4, '0')}`);
    server.intercept.set('online', (socket, frame) => socket.push({ type: 'ok', id: frame.id, result: { users: crowd, next: crowd.at(-1), total: 2_001 } }));
    const s = await screen(server, alice);
    await s.see('Online now (2001): alice (you), user0000, user0001,');
    // The line wraps over up to three rows of the terminal.
    const shown = await waitFor(() => /Online now \(2001\): (.*?) and (\d+) more — type a name/.exec(s.frame().replace(/\s*\n/g, ' ')) ?? undefined, {
      what: `the count of the others on screen:\n${s.frame()}`,
    });
    expect(shown![1]!.split(', ').length + Number(shown![2])).toBe(2_001);
    const asked = server.received.filter((f) => f.type === 'online');
    expect(asked.at(-1)).toMatchObject({ limit: MENU_PAGE_SIZE });
  });

  it('shows live messages without touching the line being typed, delivery marks, typing and notices', async () => {
    const server = new FakeParley();
    const bob = await registered(server, 'bob');
    const carol = await registered(server, 'carol');
    const alice = await registered(server, 'alice');
    const s = await screen(server, alice);
    await s.line('bob');
    await s.see('No messages yet');
    await s.line('first message');
    await s.see('alice: first message [');
    await s.see('[sent]');
    const convo = await bob.openConversation('alice');
    await bob.markRead(convo.id);
    await s.see('[seen]');
    await s.press('half a thought');
    bob.typing(convo.id);
    await s.see('bob is typing…');
    bob.send('alice', 'reply while you type');
    await s.see('bob: reply while you type');
    expect(s.frame()).toContain('> half a thought');
    expect(s.frame()).not.toContain('bob is typing…');
    carol.send('alice', 'psst');
    await s.see('New message from carol');
    await s.press('\r');
    await s.see('alice: half a thought');
    expect(s.frame()).not.toContain('New message from carol');
    await s.line('!help');
    await s.see('!more');
    await s.line('!nope');
    await s.see('There is no command !nope');
  });

  it('pages back through older messages with PageUp and !more', async () => {
    const server = new FakeParley();
    await (await registered(server, 'alice')).exit();
    const bob = await registered(server, 'bob');
    for (let i = 1; i <= 40; i++) bob.send('alice', `line ${i}`);
    await waitFor(() => bob.getSnapshot().outbox.length === 0);
    const alice = new ParleyClient({ url: 'ws://fake/ws', WebSocket: server.WebSocket, historyPageSize: 10 });
    clients.push(alice);
    await alice.connect();
    await alice.login('alice', 'password1');
    const s = await screen(server, alice);
    await s.line('bob');
    await s.see('bob: line 40');
    await s.see('PageUp or !more for older');
    expect(s.frame()).not.toMatch(/bob: line 30$/m);
    await s.press('\u001B[5~'); // PageUp loads the next page
    await s.see('bob: line 30');
    for (let i = 0; i < 10 && !/bob: line 1$/m.test(s.frame()); i++) await s.line('!more');
    await s.see('start of conversation');
    expect(s.frame()).toMatch(/bob: line 1$/m);
    expect(s.frame()).not.toMatch(/bob: line 40$/m);
    await s.press('\u001B[6~'); // PageDown
    await s.press('\u001B[6~');
    await s.press('\u001B[6~');
    await s.see('bob: line 40');
  });

  it('says once, under the header, that the server was restored from a backup; gone at the next screen', async () => {
    const server = new FakeParley();
    server.generation = 'before';
    await registered(server, 'bob');
    const alice = await registered(server, 'alice');
    const s = await screen(server, alice);
    await s.see('alice (you)');
    expect(s.frame()).not.toContain('restored from a backup');
    server.generation = 'after the restore';
    server.dropAll();
    await s.see('The server was restored from a backup; messages were re-synced');
    expect(s.frame().split('\n')[1]).toContain('restored from a backup');
    await s.line('bob');
    await s.see('Chat with bob');
    await waitFor(() => !s.frame().includes('restored from a backup'), { what: 'the notice gone' });
    expect(alice.getSnapshot().serverRestored).toBe(false);
  });

  it('says reconnecting while the server is away and sends what was typed once it is back', async () => {
    const server = new FakeParley();
    await registered(server, 'bob');
    const alice = await registered(server, 'alice');
    const s = await screen(server, alice);
    await s.line('bob');
    await s.see('Chat with bob');
    server.reachable = false;
    server.dropAll();
    await s.see('reconnecting…');
    await s.line('typed offline');
    await s.see('typed offline [sending]');
    server.reachable = true;
    await s.see('typed offline [sent]', 5_000);
    await s.see('online');
  });
});

describe('leaving', () => {
  it('!exit says bye and ends the app, from the login pages too', async () => {
    const server = new FakeParley();
    const s = await screen(server);
    await s.see('Type login or register');
    await s.line('!exit');
    await waitFor(() => s.exits() === 1);
    expect(server.received.at(-1)?.type).toBe('bye');
    expect(s.client.getSnapshot().connection.status).toBe('closed');
  });

  it('Ctrl-C behaves like !exit', async () => {
    const server = new FakeParley();
    const alice = await registered(server, 'alice');
    const s = await screen(server, alice);
    await s.see('alice (you)');
    await s.press('\u0003');
    await waitFor(() => s.exits() === 1);
    expect(server.received.at(-1)?.type).toBe('bye');
  });

  it('!back in the menu logs out and returns to the login pages', async () => {
    const server = new FakeParley();
    const alice = await registered(server, 'alice');
    const s = await screen(server, alice);
    await s.see('alice (you)');
    await s.line('!back');
    await s.see('You have logged out.');
    await s.see('Type login or register');
    expect(server.received.some((f) => f.type === 'logout')).toBe(true);
  });
});
