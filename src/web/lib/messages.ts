// What to tell a person when something they asked for did not work, by error code.
import type { ApiError } from './api.js';

export function authErrorText(error: ApiError, passwordMinLength: number): string {
  switch (error.code) {
    case 'AUTH_FAILED':
      return 'Wrong username or password. Usernames are case sensitive.';
    case 'USERNAME_TAKEN':
      return 'That username is taken. Try another one.';
    case 'WEAK_PASSWORD':
      return `That password is too short: use at least ${passwordMinLength} characters.`;
    case 'INVALID_USERNAME':
      return 'Usernames are 1 to 32 letters, digits, dots, underscores or hyphens.';
    case 'RATE_LIMITED': {
      const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
      return `Too many attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
    }
    case 'NETWORK':
      return 'The server could not be reached. Check your connection and try again.';
    default:
      return error.message;
  }
}

export function openErrorText(code: string | undefined, username: string): string {
  switch (code) {
    case 'USER_NOT_FOUND':
    case 'INVALID_USERNAME':
      return `No such user: “${username}”. Usernames are case sensitive.`;
    case 'DISCONNECTED':
    case 'TIMEOUT':
      return 'You are offline right now. Try again once reconnected.';
    default:
      return 'That conversation could not be opened. Try again.';
  }
}
