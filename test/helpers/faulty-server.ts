// `parley server` over a store with the faults named in PARLEY_TEST_FAULTS: what the crash test's negative controls run.
import { Command, CommanderError } from 'commander';
import { addServerCommand } from '../../src/server/cli.js';
import { databaseFile } from '../../src/server/config.js';
import { FAULTS_VARIABLE, faultyStore, parseFaults } from './faults.js';

const program = new Command('parley').exitOverride();
try {
  const faults = parseFaults(process.env[FAULTS_VARIABLE], process.env.NODE_ENV);
  addServerCommand(program, { openStore: (config) => faultyStore({ file: databaseFile(config), durability: config.durability }, faults) });
  await program.parseAsync(process.argv);
  if (faults.length > 0) console.error(`test-only faults are on (${faults.join(', ')}): acknowledged messages may be lost or duplicated`);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  console.error(`parley: ${(error as Error).message}`);
  process.exit(1);
}
