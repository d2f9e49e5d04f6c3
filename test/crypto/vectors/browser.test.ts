// Checks the frozen known-answer vectors in real Chromium, from a Vite browser bundle of src/shared/crypto served under a strict CSP.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VectorReport, VectorSet } from './check-vectors.js';
import { loadVectorSet } from './load.js';

const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function browserAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; CI must install it (apt-get install -y chromium).`);
  console.log(`skipping browser vector tests: ${CHROMIUM} not found (apt-get install -y chromium)`);
  return false;
}

/** The web client's CSP plus 'wasm-unsafe-eval', which hash-wasm's argon2id needs (see docs/e2e.md, integration). */
const CSP_WITH_WASM = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";
const CSP_WITHOUT_WASM = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'";

describe.skipIf(!browserAvailable())('known-answer vectors in Chromium', () => {
  let dir: string;
  let server: http.Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-vectors-'));
    await build({
      configFile: false,
      logLevel: 'silent',
      build: {
        lib: { entry: fileURLToPath(new URL('./browser-entry.ts', import.meta.url)), formats: ['iife'], name: 'parleyVectors', fileName: () => 'vectors.js' },
        outDir: dir,
        emptyOutDir: true,
        target: 'es2022',
        minify: false,
      },
    });
    const bundle = fs.readFileSync(path.join(dir, 'vectors.js'));
    // The bundle must not reach for Node: everything comes from globalThis.crypto and WebAssembly.
    expect(bundle.toString()).not.toMatch(/require\(["']node:|from ["']node:/);
    server = http.createServer((req, res) => {
      const csp = req.url?.includes('nowasm') ? CSP_WITHOUT_WASM : CSP_WITH_WASM;
      if (req.url?.startsWith('/vectors.js')) {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      } else {
        res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': csp }).end('<!doctype html><script src="/vectors.js"></script>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const runInPage = async (url: string, vectors: VectorSet): Promise<VectorReport> => {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      await page.waitForFunction(() => 'parleyCheckVectors' in globalThis, undefined, { timeout: 10_000 });
      return await page.evaluate(
        (v) => (globalThis as unknown as { parleyCheckVectors: (v: VectorSet) => Promise<VectorReport> }).parleyCheckVectors(v),
        vectors,
      );
    } finally {
      await page.close();
    }
  };

  test('every vector passes in the browser build, argon2id included', async () => {
    const vectors = loadVectorSet();
    const report = await runInPage(`${origin}/`, vectors);
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(69);
  });

  test('one derivation at the default (v2) parameters runs in Chromium, and its time is printed for the notes', async () => {
    const all = loadVectorSet();
    const v2 = all.kdf.find((k) => k.name === 'v2-default-params')!;
    const none: VectorSet = {
      kdf: [],
      keyBundle: [],
      epochKey: [],
      envelope: [],
      envelopeRejection: [],
      safetyNumber: [],
      vault: [],
      membership: [],
      groupEpochKey: [],
      groupEnvelope: [],
      groupEnvelopeRejection: [],
      searchKey: [],
    };
    const timed = async (kdf: VectorSet['kdf']) => {
      const started = performance.now();
      const report = await runInPage(`${origin}/`, { ...none, kdf });
      expect(report.failures).toEqual([]);
      return performance.now() - started;
    };
    await timed([v2]); // warm up: compile the WebAssembly once
    const overhead = await timed([]);
    const runs = 3;
    const perDerivation = ((await timed(Array.from({ length: runs }, () => v2))) - overhead) / runs;
    console.log(`argon2id m=64 MiB, t=3, p=1 in Chromium: ${Math.round(perDerivation)} ms per derivation`);
  });

  test("without 'wasm-unsafe-eval' in the page's CSP, argon2id cannot run (the web client's CSP must allow it)", async () => {
    const vectors = loadVectorSet();
    const report = await runInPage(`${origin}/nowasm`, { ...vectors, kdf: vectors.kdf.slice(0, 1) });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(/^kdf\/ascii-default-params: threw .*WebAssembly/);
    expect(report.passed).toBe(61);
  });
});
