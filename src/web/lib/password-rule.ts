// The password rule as the web forms check it before anything is sent. The lengths are the protocol's
// (LIMITS in src/shared/protocol.ts, the minimum as the server announced it); the server checks again.
import { LIMITS } from '../../shared/protocol.js';

/** The input stops here: a longer password would be refused by every peer. */
export const PASSWORD_MAX_LENGTH = LIMITS.passwordMaxLength;

export const passwordTooShortText = (minLength: number): string => `That password is too short: use at least ${minLength} characters.`;

/** Shown under a field where a new password is chosen. */
export const newPasswordHint = (minLength: number): string => `At least ${minLength} characters, and hard to guess: a few uncommon words work well.`;

/** Why a new password breaks the length rule, or null when it keeps it. */
export function passwordLengthProblem(password: string, minLength: number): string | null {
  if (password.length < minLength) return passwordTooShortText(minLength);
  if (password.length > PASSWORD_MAX_LENGTH) return `That password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`;
  return null;
}
