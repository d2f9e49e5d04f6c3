// Compiles the `parley` CLI into one file once per test process, so servers killed and restarted many times start fast.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

let bundled: Promise<string> | undefined;

/**
 * The same sources tsx would run, bundled by esbuild with every package left external. It lives in
 * test-artifacts/ inside the repository so the bundle's imports find node_modules. Starting it takes
 * about half the time of `--import tsx`, which matters to tests that restart the server ten times.
 */
export function bundledCli(root: string): Promise<string> {
  bundled ??= (async () => {
    const outfile = path.join(root, 'test-artifacts', `cli-${process.pid}.mjs`);
    fs.mkdirSync(path.dirname(outfile), { recursive: true });
    await build({
      entryPoints: [path.join(root, 'src/cli.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    process.once('exit', () => fs.rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}
