// What this terminal calls itself in the user's device list: the OS account and computer, `user@host`.
import os from 'node:os';

const USER_MAX = 16;
const HOST_MAX = 24;

/** Letters, digits and `._-` only (the list is drawn in terminals and pages), cut to `max` characters. */
const clean = (text: string, max: number) => text.normalize('NFKC').replace(/[^\p{L}\p{N}._-]/gu, '').slice(0, max);

/**
 * `user@host`, so devices of one account can be told apart (all were "terminal" before). The host is
 * its first label (`laptop`, not `laptop.corp.example.org`); a part that is unknown or cleans to
 * nothing is left out, down to plain "terminal".
 */
export function deviceName(user: string | undefined, host: string | undefined): string {
  const who = clean(user ?? '', USER_MAX);
  const where = clean((host ?? '').split('.')[0] ?? '', HOST_MAX);
  if (who && where) return `${who}@${where}`;
  return who || where || 'terminal';
}

/** This process's OS user and host; the user's name is not always known (a uid with no passwd entry). */
export function terminalDeviceName(env: NodeJS.ProcessEnv = process.env): string {
  let user: string | undefined;
  try {
    user = os.userInfo().username;
  } catch {
    user = env.USER ?? env.LOGNAME;
  }
  return deviceName(user, os.hostname());
}
