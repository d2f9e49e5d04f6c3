// Compiles the `parley` CLI into one file once per test process, so servers killed and restarted many times start fast.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const bundles = new Map<string, Promise<string>>();

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The same sources tsx would run, bundled by esbuild with every package left external. It lives in
 * test-artifacts/ inside the repository so the bundle's imports find node_modules, named after its
 * content so parallel test workers share one file. Starting it takes about half the time of
 * `--import tsx`, which matters to tests that restart the server ten times.
 */
export function bundledCli(root: string, entry = 'src/cli.ts'): Promise<string> {
  let bundled = bundles.get(entry);
  if (bundled) return bundled;
  bundled = (async () => {
    const dir = path.join(root, 'test-artifacts');
    fs.mkdirSync(dir, { recursive: true });
    const result = await build({
      entryPoints: [path.join(root, entry)],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    const code = result.outputFiles[0]!.contents;
    const hash = crypto.createHash('sha256').update(code).digest('hex').slice(0, 16);
    const file = path.join(dir, `cli-${hash}.mjs`);
    if (!fs.existsSync(file)) {
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, code);
      fs.renameSync(partial, file);
    }
    // Bundles of older sources are not needed once a day has passed.
    for (const name of fs.readdirSync(dir)) {
      const old = path.join(dir, name);
      if (/^cli-[0-9a-f]{16}\.mjs$/.test(name) && old !== file && Date.now() - fs.statSync(old).mtimeMs > DAY_MS) fs.rmSync(old, { force: true });
    }
    return file;
  })();
  bundles.set(entry, bundled);
  return bundled;
}
