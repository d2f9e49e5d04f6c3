// End to end in tmux: `parley connect wss://… --ca FILE`, and the account screen (devices, revoke, password, sign out everywhere).
import { describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { hasOpenssl, selfSignedCertificate } from '../helpers/tls.js';
import { START_TIMEOUT_MS, login, terminalSuite } from '../helpers/tui.js';

const E2E_TIMEOUT = 60_000;
const { tmux, terminals, spawnServer, registered } = terminalSuite();

describe.skipIf(!tmux.run)(tmux.title('parley connect: TLS and the account screen'), () => {
  it('connects to wss:// with --ca for a self-signed certificate, and says what is wrong without it', async () => {
    if (!hasOpenssl()) {
      if (process.env.CI === 'true') throw new Error('the openssl command is needed for the TLS test');
      console.log('skipped: the openssl command is not installed');
      return;
    }
    const tls = selfSignedCertificate();
    const server = await spawnServer({ args: ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile] });
    const url = `wss://127.0.0.1:${server.port}`;

    const trusting = await registered([url, '--ca', tls.certFile], 'alice');
    await trusting.see('Online now (1): alice (you)');

    const refusing = terminals.connect([url]);
    await refusing.see('[exit status 1]', START_TIMEOUT_MS);
    const said = refusing.screen({ joined: true });
    expect(said).toMatch(/^Could not connect to 127\.0\.0\.1:\d+: the server's certificate is not trusted \(self[- ]signed certificate\)/m);
    expect(said).toContain('pass its certificate with --ca FILE');

    const plain = terminals.connect(['127.0.0.1', String(server.port), '--ca', tls.certFile]);
    await plain.see('--ca is for encrypted servers', START_TIMEOUT_MS);
    await plain.see('[exit status 2]');
  }, E2E_TIMEOUT);

  it('lists devices, revokes one, changes the password and signs out everywhere', async () => {
    const server = await spawnServer();
    const phone = await e2eeUser(server.url, 'alice', 'correct horse');
    const terminal = terminals.connect(server.port);
    await login(terminal, 'alice');

    terminal.line('!account');
    await terminal.see('Your account: alice');
    await terminal.see(/1\. \S+@\S+ .*online now \(this device\)/);
    await terminal.see(/2\. unnamed /);

    // Sign the other device out: its connection is closed with 4001 and its token is dead.
    terminal.line('!revoke 2');
    await terminal.see('Signed out that device.');
    expect(await phone.waitClosed()).toBe(4001);
    const again = await TestClient.connect(server.url);
    await expect(again.request('resume', { type: 'resume', token: phone.token })).rejects.toMatchObject({ code: 'SESSION_INVALID' });

    // Change the password; the typed passwords never show on the screen.
    const second = await e2eeUser(server.url, 'alice', 'correct horse');
    terminal.line('!password');
    await terminal.see('Current password:');
    terminal.line('wrong horse');
    await terminal.see('New password:');
    terminal.line('a better passphrase');
    await terminal.see('New password again:');
    terminal.line('a better passphrase');
    await terminal.see('That is not your current password; the password was not changed.');
    terminal.line('!password');
    await terminal.see('Current password:');
    terminal.line('correct horse');
    terminal.line('a better passphrase');
    terminal.line('a better passphrase');
    await terminal.see('Your password is changed. 1 other device was signed out.');
    expect(await second.waitClosed()).toBe(4001);
    expect(terminal.screen()).not.toMatch(/correct horse|better passphrase|wrong horse/);
    // The new password works (keys derived from it on the client, as every client does).
    (await e2eeUser(server.url, 'alice', 'a better passphrase')).close();
    again.close();

    // Sign out everywhere: back on the login pages, saying why.
    terminal.line('!logout-all');
    await terminal.see('You signed out on every device.');
    await terminal.see('Type login or register');
  }, E2E_TIMEOUT);
});
