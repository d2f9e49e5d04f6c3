// The password rule: its bounds match what the protocol announces, its sentences, and the error it throws.
import { describe, expect, it } from 'vitest';
import { ParleyError } from './errors.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordRuleProblem, requirePasswordRule } from './password-rule.js';
import { LIMITS } from './protocol.js';

describe('the password rule', () => {
  it('keeps the bounds the protocol announces', () => {
    expect(LIMITS.passwordMinLength).toBe(PASSWORD_MIN_LENGTH);
    expect(LIMITS.passwordMaxLength).toBe(PASSWORD_MAX_LENGTH);
  });

  it('accepts the shortest and the longest password, and refuses one character beyond either in a sentence', () => {
    expect(passwordRuleProblem('x'.repeat(PASSWORD_MIN_LENGTH))).toBeNull();
    expect(passwordRuleProblem('x'.repeat(PASSWORD_MAX_LENGTH))).toBeNull();
    expect(passwordRuleProblem('x'.repeat(PASSWORD_MIN_LENGTH - 1))).toBe(`That password is too short: use at least ${PASSWORD_MIN_LENGTH} characters.`);
    expect(passwordRuleProblem('x'.repeat(PASSWORD_MAX_LENGTH + 1))).toBe(`That password is too long: use at most ${PASSWORD_MAX_LENGTH} characters.`);
  });

  it('follows the minimum a server announced', () => {
    expect(passwordRuleProblem('twelve chars', 13)).toMatch(/at least 13 characters/);
    expect(passwordRuleProblem('twelve chars', 12)).toBeNull();
  });

  it('rejects with WEAK_PASSWORD and the same sentence, never the password', () => {
    const error = (() => {
      try {
        requirePasswordRule('hunter2');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'WEAK_PASSWORD', message: passwordRuleProblem('hunter2') });
    expect((error as Error).message).not.toContain('hunter2');
    expect(() => requirePasswordRule('a long enough password')).not.toThrow();
  });
});
