// The password rule, defined once for the server, the client SDK, the terminal and the web client: the
// lengths a password may have, and the sentence that refuses one outside them.
import { ParleyError } from './errors.js';

/** The shortest password accepted; the server announces its own value in the hello reply. */
export const PASSWORD_MIN_LENGTH = 8;
/** The longest: the server hashes what it is sent, so the length is bounded before the hash is paid for. */
export const PASSWORD_MAX_LENGTH = 1024;

/** The sentence for a password under the minimum (also what a client says when the server refuses one). */
export const passwordTooShortText = (minLength: number = PASSWORD_MIN_LENGTH): string => `That password is too short: use at least ${minLength} characters.`;

/**
 * Why `password` breaks the rule, in the sentence shown to the person typing it, or null when it keeps it.
 * A client passes the minimum its server announced; the server uses its own.
 */
export function passwordRuleProblem(password: string, minLength: number = PASSWORD_MIN_LENGTH): string | null {
  if (password.length < minLength) return passwordTooShortText(minLength);
  if (password.length > PASSWORD_MAX_LENGTH) return `That password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`;
  return null;
}

/** Rejects a password that breaks the rule with WEAK_PASSWORD and the same sentence. */
export function requirePasswordRule(password: string, minLength?: number): void {
  const problem = passwordRuleProblem(password, minLength);
  if (problem !== null) throw new ParleyError('WEAK_PASSWORD', problem);
}
