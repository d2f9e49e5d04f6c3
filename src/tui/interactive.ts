// Imported before Ink: a person at a real terminal gets the live, coloured screens even where CI is set.
// Ink reads the CI variables once, at load, and then draws only a final frame (is-in-ci), and the
// colour detection turns colours off when CI is present at all: `parley connect` in a terminal opened
// by a CI job, or from a shell that exports CI, would stay blank. NO_COLOR is still respected.
if (process.argv[2] === 'connect' && process.stdout.isTTY) {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}
