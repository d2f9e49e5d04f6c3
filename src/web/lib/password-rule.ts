// The password rule as the web forms check it before anything is sent: the shared rule (src/shared/password-rule.ts),
// with the minimum the server announced, and the hint the forms show under a new password. The server checks again.
export { PASSWORD_MAX_LENGTH, passwordRuleProblem as passwordLengthProblem, passwordTooShortText } from '../../shared/password-rule.js';

/** Shown under a field where a new password is chosen. */
export const newPasswordHint = (minLength: number): string => `At least ${minLength} characters, and hard to guess: a few uncommon words work well.`;
