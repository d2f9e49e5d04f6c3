#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1 node --max-semi-space-size=4
// The `parley` command: `parley server`, `parley connect` (the terminal client), `parley backup`, `parley migrate`; errors end in one plain sentence, not a stack trace.
// The first line gives Node the memory settings of src/server/memory.ts (they must be there at start).
// First: it must run before Ink loads (see the module).
import './tui/interactive.js';
import { Command, CommanderError } from 'commander';
import { addBackupCommand, addMigrateCommand, addServerCommand } from './server/cli.js';
import { addConnectCommand } from './tui/cli.js';

const program = new Command('parley')
  .description('Parley: a self-hosted instant messenger for a LAN, a club or a company.')
  .version('0.1.0')
  .exitOverride();
addServerCommand(program);
addConnectCommand(program);
addBackupCommand(program);
addMigrateCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  console.error(`parley: ${(error as Error).message}`);
  process.exit(1);
}
