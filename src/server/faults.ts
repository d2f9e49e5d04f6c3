// Test-only fault switches that break delivery on purpose, so the crash test can prove its checker fails.

/**
 * `ack-before-commit`: sends are acked while their transaction is still open and committed later,
 * so a crash loses acknowledged messages. `skip-dedupe`: resends are stored again instead of being
 * answered with the original ack. Neither may ever run outside tests.
 */
export const FAULTS = ['ack-before-commit', 'skip-dedupe'] as const;
export type Fault = (typeof FAULTS)[number];

export const FAULTS_VARIABLE = 'PARLEY_TEST_FAULTS';

const isFault = (value: string): value is Fault => (FAULTS as readonly string[]).includes(value);

/** Throws unless the process runs under a test runner (NODE_ENV=test), whatever asked for the faults. */
export function assertTestOnly(faults: readonly Fault[], nodeEnv: string | undefined): void {
  if (faults.length > 0 && nodeEnv !== 'test') {
    throw new Error(`${FAULTS_VARIABLE} breaks delivery on purpose and is refused unless NODE_ENV=test; unset it.`);
  }
}

/** Reads PARLEY_TEST_FAULTS (comma or | separated); an unknown name is an error, not ignored. */
export function parseFaults(value: string | undefined, nodeEnv: string | undefined): Fault[] {
  const names = (value ?? '').split(/[,|]/).map((s) => s.trim()).filter(Boolean);
  const faults: Fault[] = [];
  for (const name of names) {
    if (!isFault(name)) throw new Error(`${FAULTS_VARIABLE} names an unknown fault "${name}"; use ${FAULTS.join(' or ')}.`);
    faults.push(name);
  }
  assertTestOnly(faults, nodeEnv);
  return faults;
}
