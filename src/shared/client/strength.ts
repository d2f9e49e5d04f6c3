// Password strength at registration: zxcvbn-ts's estimate, one check for the terminal and the web client.
import { ParleyError } from '../errors.js';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/**
 * zxcvbn's score runs 0 to 4; 3 means "safely unguessable: moderate protection from an offline slow-hash
 * scenario" (about 10^8 guesses and more), which is the attack a stolen database or a lying server can
 * mount against the sealed keys.
 */
export const MIN_PASSWORD_SCORE = 3;

export interface PasswordStrength {
  score: 0 | 1 | 2 | 3 | 4;
  ok: boolean;
  /** The estimator's warning and suggestions in plain words; empty when the password is strong enough. */
  feedback: string;
}

let estimator: Promise<ZxcvbnFactory> | undefined;

/**
 * The estimator with the common and English dictionaries, loaded on first use: they weigh about 1.5 MB,
 * so the web bundle fetches them only when someone opens the registration form and types.
 */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]).then(
    ([core, common, en]) =>
      new core.ZxcvbnFactory({
        translations: en.translations,
        graphs: common.adjacencyGraphs,
        dictionary: { ...common.dictionary, ...en.dictionary },
      }),
  );
  return estimator;
}

/** Starts loading the dictionaries early (e.g. when the registration form opens); errors surface at the check. */
export function preloadPasswordStrength(): void {
  loadEstimator().catch(() => undefined);
}

/**
 * Estimates how guessable `password` is. `userInputs` (the username, the server's name) count as known to an
 * attacker: a password built from them scores low. The password itself never appears in the feedback.
 */
export async function checkPasswordStrength(password: string, userInputs: readonly string[] = []): Promise<PasswordStrength> {
  const zxcvbn = await loadEstimator();
  // zxcvbn's cost grows with length; past 100 characters the rest adds nothing to a low score.
  const result = zxcvbn.check(password.slice(0, 100), [...userInputs]);
  const ok = result.score >= MIN_PASSWORD_SCORE;
  const parts = ok ? [] : [result.feedback.warning, ...result.feedback.suggestions].filter((p): p is string => !!p);
  return { score: result.score, ok, feedback: parts.join(' ') };
}

/** Rejects with WEAK_PASSWORD, in plain words, when a new password is too easy to guess. */
export async function requireStrongPassword(password: string, username: string): Promise<void> {
  const strength = await checkPasswordStrength(password, [username]);
  if (!strength.ok) {
    const advice = strength.feedback || 'Add a few more uncommon words.';
    throw new ParleyError('WEAK_PASSWORD', `This password is too easy to guess. ${advice}`);
  }
}
