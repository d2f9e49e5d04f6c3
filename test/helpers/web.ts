// Browser-test kit: a fresh web build when the sources changed, Debian's Chromium, and user-level actions.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TestClient } from './client.js';
import { ROOT, startServer, type TestServer } from './server.js';

/** Debian's Chromium by default; PARLEY_CHROMIUM points at another build. */
const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'web');
const WEB_DIST = path.join(ROOT, 'dist', 'web');
const LOCK = path.join(ROOT, 'dist', '.web-build.lock');

/**
 * Whether browser tests can run here. Without Chromium they skip with one line, except in CI,
 * where a missing browser is a broken setup and must fail.
 */
export function browserAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing; CI must install it (apt-get install -y chromium).`);
  console.log(`skipping browser tests: ${CHROMIUM} not found (apt-get install -y chromium)`);
  return false;
}

function newestMtime(entry: string): number {
  const stat = fs.statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

function webBuildIsFresh(): boolean {
  const built = fs.statSync(path.join(WEB_DIST, 'index.html'), { throwIfNoEntry: false });
  if (!built) return false;
  const inputs = ['src/web', 'src/shared', 'vite.config.ts', 'package.json'].map((p) => newestMtime(path.join(ROOT, p)));
  return built.mtimeMs >= Math.max(...inputs);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} failed (${code}):\n${output}`))));
  });
}

/**
 * Builds dist/web with Vite when it is missing or older than its sources. Test files run in parallel,
 * so a lock folder makes one of them build while the others wait for it.
 */
async function ensureWebBuilt(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!webBuildIsFresh()) {
    fs.mkdirSync(path.dirname(LOCK), { recursive: true });
    let locked = false;
    try {
      fs.mkdirSync(LOCK);
      locked = true;
    } catch {
      const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(LOCK, { recursive: true, force: true }); // left by a killed run
    }
    if (locked) {
      try {
        if (!webBuildIsFresh()) await run(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build']);
      } finally {
        fs.rmSync(LOCK, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for another test to build the web client');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * The hooks of a browser suite; call it inside `describe`. One Chromium for the suite (on a fresh web
 * build), the open pages saved when a test fails, every browser context closed after each test, then
 * `afterEachTest` (closing what the test started), and the browser closed at the end. Tests use
 * `suite.browser` once the suite has started.
 */
export function browserSuite(afterEachTest: () => Promise<void> | void = () => {}): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    await ensureWebBuilt();
    browser = await launchBrowser();
  }, 150_000);
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await captureOpenPages(task.name);
    for (const context of browser?.contexts() ?? []) await context.close();
    await afterEachTest();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error('the browser starts in the suite\'s beforeAll');
      return browser;
    },
  };
}

/**
 * A browser suite whose tests each start their own in-process server (`await suite.start()`) and may open
 * protocol clients (pushed to `suite.clients`); both are closed after every test.
 */
export function serverBrowserSuite(): { readonly browser: Browser; readonly clients: TestClient[]; start(options?: Parameters<typeof startServer>[0]): Promise<TestServer> } {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  const suite = browserSuite(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.close();
    server = undefined;
  });
  return {
    get browser() {
      return suite.browser;
    },
    clients,
    start: async (options) => (server = await startServer(options)),
  };
}

interface ContextOptions {
  colorScheme?: 'light' | 'dark';
  width?: number;
  height?: number;
}

/** A separate browser profile (own cookies and storage), like a second person on another machine. */
const openPages = new Set<Page>();

/** Every Content-Security-Policy violation any test page reported; the policy must never get in the way. */
export const cspViolations: string[] = [];

/** After a failed test: a picture of every page still open, to see what the person would have seen. */
async function captureOpenPages(testName: string): Promise<void> {
  let i = 0;
  for (const page of openPages) {
    if (page.isClosed()) {
      openPages.delete(page);
      continue;
    }
    await screenshot(page, `failed-${testName.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}-${++i}`).catch(() => undefined);
  }
}

export async function newUserPage(browser: Browser, options: ContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
    locale: 'en-GB',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  openPages.add(page);
  page.on('close', () => openPages.delete(page));
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, page };
}

/** Lets a test hide the tab and records desktop notices instead of showing them. */
export const FAKE_VISIBILITY_AND_NOTIFICATIONS = `
  (() => {
    let hidden = false;
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
    window.__setHidden = (value) => { hidden = value; document.dispatchEvent(new Event('visibilitychange')); };
    window.__notices = [];
    class FakeNotification {
      static permission = 'default';
      static requestPermission() { FakeNotification.permission = 'granted'; return Promise.resolve('granted'); }
      constructor(title, options) { window.__notices.push({ title, body: options.body, tag: options.tag }); }
      close() {}
    }
    window.Notification = FakeNotification;
  })();
`;

export const PASSWORD = 'correct horse battery';

async function submitAuth(page: Page, mode: 'Sign in' | 'Create account', username: string, password: string): Promise<void> {
  await page.getByRole('button', { name: mode, exact: true }).first().click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.locator('form button[type="submit"]').click();
}

export async function register(page: Page, baseUrl: string, username: string, password = PASSWORD): Promise<void> {
  if (page.url() !== `${baseUrl}/`) await page.goto(`${baseUrl}/`);
  await submitAuth(page, 'Create account', username, password);
  await signedInAs(page, username);
}

export async function signIn(page: Page, baseUrl: string, username: string, password = PASSWORD): Promise<void> {
  if (page.url() !== `${baseUrl}/`) await page.goto(`${baseUrl}/`);
  await submitAuth(page, 'Sign in', username, password);
  await signedInAs(page, username);
}

type WebUser = { context: BrowserContext; page: Page };

interface WebUserOptions extends ContextOptions {
  /** Signs in to an existing account instead of registering a new one. */
  signIn?: boolean;
  password?: string;
  /** Run in every page of the profile before its own scripts (FAKE_VISIBILITY_AND_NOTIFICATIONS). */
  initScript?: string;
}

/**
 * A person at their own browser profile, registered (or signed in) and on the chat screen: the two steps
 * every browser test starts with.
 */
export async function webUser(browser: Browser, baseUrl: string, username: string, options: WebUserOptions = {}): Promise<WebUser> {
  const { signIn: existing = false, password = PASSWORD, initScript, ...context } = options;
  const user = await newUserPage(browser, context);
  if (initScript !== undefined) await user.context.addInitScript({ content: initScript });
  await (existing ? signIn : register)(user.page, baseUrl, username, password);
  return user;
}

/** Several people registered at once, each in their own profile, in the order named. */
export async function webUsers<const Names extends readonly string[]>(browser: Browser, baseUrl: string, usernames: Names): Promise<{ [K in keyof Names]: WebUser }> {
  const users: WebUser[] = [];
  for (const name of usernames) users.push(await webUser(browser, baseUrl, name));
  return users as { [K in keyof Names]: WebUser };
}

/** Tries to sign in or register and returns the error the form shows. */
export async function authError(page: Page, mode: 'Sign in' | 'Create account', username: string, password: string): Promise<string> {
  await submitAuth(page, mode, username, password);
  return (await page.getByRole('alert').textContent()) ?? '';
}

/**
 * Waits until the page shows `username` as the signed-in user. Attached, not visible: on a phone-sized page
 * with a conversation open, the list pane that holds the name is hidden.
 */
export async function signedInAs(page: Page, username: string): Promise<void> {
  await page.getByTestId('me').filter({ hasText: new RegExp(`^${username}$`) }).waitFor({ state: 'attached' });
}

export function conversationItem(page: Page, peer: string) {
  return page.locator(`.conv-item[data-peer="${peer}"]`);
}

/** Opens a conversation the way a person would: type the exact username in the search box, press Enter. */
export async function openConversation(page: Page, peer: string): Promise<void> {
  const search = page.getByLabel('Find or start a conversation by username');
  await search.fill(peer);
  await search.press('Enter');
  await page.getByRole('heading', { name: peer, exact: true }).waitFor();
}

export function composer(page: Page, peer: string) {
  return page.getByRole('textbox', { name: `Message ${peer}`, exact: true });
}

export async function sendMessage(page: Page, peer: string, text: string): Promise<void> {
  const box = composer(page, peer);
  await box.fill(text);
  await box.press('Enter');
}

/** The bubbles of the open conversation, as text, in order (screen-reader prefixes removed). */
export async function messageTexts(page: Page): Promise<string[]> {
  return page.locator('.history-list .bubble-text').allInnerTexts();
}

export function bubble(page: Page, text: string) {
  return page.locator('.history-list .msg').filter({ has: page.locator('.bubble-text', { hasText: text }) });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  // Caret blink and typing dots would make every run's picture differ for no reason.
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's accessibility violations on the page as it is now: rule id, and the elements that break it. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(fs.readFileSync(AXE_SCRIPT, 'utf8'));
  const violations = await page.evaluate<string[]>(
    `axe.run(document).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => JSON.stringify(n.target)).join(', ')))`,
  );
  return violations;
}

/**
 * A browser suite (browserSuite) with one in-process server for the whole file, started before the first
 * test and closed after the last: what most browser test files need.
 */
export function browserAndServerSuite(): { readonly browser: Browser; readonly server: TestServer } {
  const suite = browserSuite();
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get browser(): Browser {
      return suite.browser;
    },
    get server(): TestServer {
      if (!server) throw new Error("the server starts in the suite's beforeAll");
      return server;
    },
  };
}
