// `parley connect HOST [PORT]`: the terminal client's command; Ink loads only when it runs.
import { type Command, Option } from 'commander';
import { readCa } from './ca.js';
import { TargetError, parseTarget } from './target.js';

const PROFILES_HELP = `
Saved logins: one profile per server and username, in
~/.parley/profiles/HOST_PORT/USERNAME.json (mode 0600: the session token, the
key to your encryption keys, unsent messages). Set PARLEY_HOME=DIR to keep
them in DIR/profiles/ instead. A client opens the login used last on that
server (or --user NAME); a login open in another running client is never
opened twice: a second client says so and starts signed out.`;

export function addConnectCommand(program: Command): void {
  program
    .command('connect')
    .description('open the terminal client (HOST and PORT, default 50000, or a ws:// or wss:// URL)')
    .argument('<host>', 'server address, e.g. 192.168.1.23, or a ws:// / wss:// URL')
    .argument('[port]', 'server port (default 50000)')
    .addOption(new Option('--ca <file>', "trust this certificate (PEM) for wss://, e.g. a self-signed server's").env('PARLEY_CA'))
    .option('--user <name>', 'open the saved login of this username (default: the one used last on this server)')
    .option('--no-bell', 'no terminal bell when a message arrives (PARLEY_BELL=0 does the same)')
    .addHelpText('after', PROFILES_HELP)
    .action(async (host: string, port: string | undefined, flags: { ca?: string; user?: string; bell: boolean }) => {
      let target;
      let ca: string | undefined;
      try {
        target = parseTarget(host, port);
        if (flags.ca) ca = readCa(flags.ca, target);
      } catch (error) {
        if (error instanceof TargetError) {
          console.error(`parley: ${error.message}`);
          process.exit(2);
        }
        throw error;
      }
      // https://no-color.org: chalk (under Ink) reads FORCE_COLOR when first loaded, so set it before the import.
      if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
      const { runClient } = await import('./run.js');
      const code = await runClient({ target, ca, user: flags.user, bell: flags.bell, printError: (line) => console.error(line) });
      process.exit(code);
    });
}
