// Tests for the registration password check (zxcvbn-ts with the common and English dictionaries).
import { describe, expect, it } from 'vitest';
import { checkPasswordStrength, MIN_PASSWORD_SCORE, requireStrongPassword } from './strength.js';

describe('password strength at registration', () => {
  it('refuses common and guessable passwords with the estimator feedback, never echoing the password', async () => {
    for (const password of ['password1', 'qwertyuiop', '12345678910', 'iloveyou2', 'aaaaaaaaaaaa']) {
      const strength = await checkPasswordStrength(password, ['alice']);
      expect(strength.ok, password).toBe(false);
      expect(strength.score, password).toBeLessThan(MIN_PASSWORD_SCORE);
      expect(strength.feedback.length, password).toBeGreaterThan(0);
      expect(strength.feedback, password).not.toContain(password);
    }
  });

  it('counts the username as known to an attacker', async () => {
    const password = 'zebulon-quartz';
    expect((await checkPasswordStrength(password, [])).ok).toBe(true);
    expect((await checkPasswordStrength(password, ['zebulon-quartz'])).ok).toBe(false);
  });

  it('accepts a few uncommon words', async () => {
    for (const password of ['tangerine otter violin', 'plum-kettle-orbit-42', 'correct horse battery staple']) {
      expect((await checkPasswordStrength(password, ['alice'])).ok, password).toBe(true);
    }
  });

  it('requireStrongPassword rejects with WEAK_PASSWORD in plain words', async () => {
    await expect(requireStrongPassword('password1', 'alice')).rejects.toMatchObject({
      code: 'WEAK_PASSWORD',
      message: expect.stringMatching(/^This password is too easy to guess\. \S/),
    });
    await expect(requireStrongPassword('tangerine otter violin', 'alice')).resolves.toBeUndefined();
  });
});
