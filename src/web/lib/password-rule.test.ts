// The web forms' password rule: the protocol's limits, the server's minimum, one sentence for each way to break it.
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../shared/protocol.js';
import { authErrorText } from './messages.js';
import { PASSWORD_MAX_LENGTH, passwordLengthProblem, passwordTooShortText } from './password-rule.js';

describe('password rule', () => {
  it('refuses a password under the announced minimum, in the words the sign-up form shows', () => {
    expect(passwordLengthProblem('short', 8)).toBe('That password is too short: use at least 8 characters.');
    expect(passwordLengthProblem('12345678', 8)).toBeNull();
    expect(passwordLengthProblem('12345678', 10)).toBe(passwordTooShortText(10));
  });

  it('stops at the protocol maximum', () => {
    expect(PASSWORD_MAX_LENGTH).toBe(LIMITS.passwordMaxLength);
    expect(passwordLengthProblem('x'.repeat(PASSWORD_MAX_LENGTH), 8)).toBeNull();
    expect(passwordLengthProblem('x'.repeat(PASSWORD_MAX_LENGTH + 1), 8)).toMatch(/too long/);
  });

  it('says the same sentence when the server refuses a short password', () => {
    expect(authErrorText({ code: 'WEAK_PASSWORD', message: 'The password is too short.' }, 8)).toBe(passwordTooShortText(8));
    // A too-long password: the server's own sentence names the limit.
    expect(authErrorText({ code: 'WEAK_PASSWORD', message: 'The password is too long.' }, 8)).toBe('The password is too long.');
  });
});
