// `npm run bench`: parses the options, runs the benchmark (1:1, or --group) and prints the report (text or --json); exit 1 if the run failed.
import { parseBenchArgs, UsageError, USAGE } from './args.js';
import { runBench } from './bench.js';
import { formatCompare, runCompare } from './compare.js';
import { runGroupBench } from './group-bench.js';
import { formatGroupReport, groupTable } from './group-report.js';
import { formatReport } from './report.js';

async function main(): Promise<void> {
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const log = options.json || !options.progress ? () => {} : (line: string) => console.error(line);
  let serverPids: readonly number[] = [];
  let dropDatabase: (() => Promise<void>) | null = null;
  const emergencyExit = (why: string, code: number): void => {
    console.error(`bench: ${why}`);
    for (const pid of serverPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // The run's own PostgreSQL database goes too, if the server answers within a few seconds.
    if (dropDatabase === null) process.exit(code);
    const exit = (): never => process.exit(code);
    setTimeout(exit, 5_000).unref();
    dropDatabase().then(exit, exit);
  };
  // A reader that went away (`npm run bench | head`) or a crash must not leave the server running either.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => emergencyExit('the output was closed', 1));
  process.once('uncaughtException', (error) => emergencyExit(error.message, 1));
  // A bounded run: a wedged phase must not hang CI, nor leave its server behind.
  const rows = options.group === null ? 1 : 2 + options.group.fanout.length;
  const budgetSec = Math.round(300 + rows * ((options.durationSec ?? 600) + options.drainSec + 10) + options.idle / 50) * Math.max(1, 2 * options.compareRounds);
  const watchdog = setTimeout(() => emergencyExit(`gave up after ${budgetSec} s`, 3), budgetSec * 1000);
  watchdog.unref();
  process.once('SIGINT', () => emergencyExit('interrupted', 130));
  process.once('SIGTERM', () => emergencyExit('terminated', 143));
  const hooks = {
    log,
    onServerPids: (pids: readonly number[]) => (serverPids = pids),
    onDatabase: (drop: (() => Promise<void>) | null) => (dropDatabase = drop),
  };
  // Whichever benchmark runs, a failure to run prints one line and exits 1; a run that is not a result exits 1 too.
  const report = async <R extends { ok: boolean }>(run: () => Promise<R>, text: (r: R) => string): Promise<void> => {
    let result: R;
    try {
      result = await run();
    } catch (error) {
      console.error(`bench: ${(error as Error).message}`);
      process.exitCode = 1;
      return;
    }
    console.log(options.json ? JSON.stringify(result, null, 2) : text(result));
    process.exitCode = result.ok ? 0 : 1;
  };
  if (options.compareRounds > 0) await report(() => runCompare(options, runBench, hooks), formatCompare);
  else if (options.group !== null) await report(() => runGroupBench(options, hooks), (r) => `${formatGroupReport(r)}\n\n${groupTable(r)}`);
  else await report(() => runBench(options, hooks), formatReport);
}

await main();
