// How every field where a username is typed behaves: usernames are case sensitive and not words, so the
// browser must not capitalise, correct or spell-check them.
import { LIMITS } from '../../shared/protocol.js';

export const usernameInputProps = {
  autoCapitalize: 'none',
  autoCorrect: 'off',
  spellCheck: false,
  // Room past the longest username, so a name typed too long is refused in words instead of cut silently.
  maxLength: LIMITS.usernameMaxLength * 2,
} as const;
