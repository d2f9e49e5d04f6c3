// What to tell a person when something they asked for did not work, by error code.
import type { ApiError } from './api.js';
import { passwordTooShortText } from './password-rule.js';

export const USERNAME_RULE_TEXT = 'Usernames are 1 to 32 letters, digits, dots, underscores or hyphens.';

export function authErrorText(error: ApiError, passwordMinLength: number): string {
  const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
  const known: Partial<Record<ApiError['code'], string>> = {
    AUTH_FAILED: 'Wrong username or password. Usernames are case sensitive.',
    USERNAME_TAKEN: 'That username is taken. Try another one.',
    WEAK_PASSWORD: passwordTooShortText(passwordMinLength),
    INVALID_USERNAME: USERNAME_RULE_TEXT,
    RATE_LIMITED: `Too many attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
    NETWORK: 'The server could not be reached. Check your connection and try again.',
  };
  // A too-long password is also WEAK_PASSWORD; the server's own sentence says which limit was hit.
  if (error.code === 'WEAK_PASSWORD' && /long/i.test(error.message)) return error.message;
  return known[error.code] ?? error.message;
}

export function openErrorText(code: string | undefined, username: string): string {
  if (code === 'USER_NOT_FOUND' || code === 'INVALID_USERNAME') {
    return `No such user: “${username}”. Usernames are case sensitive.`;
  }
  if (code === 'DISCONNECTED' || code === 'TIMEOUT') return 'You are offline right now. Try again once reconnected.';
  return 'That conversation could not be opened. Try again.';
}
