/**
 * E2E helpers (Node side): Debian's Chromium through playwright-core, held to 127.0.0.1; axe-core on a screen;
 * screenshots; the emulator's admin API.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../vite.config.ts';
import { emulatorAdmin } from '../lib/emulator-admin.ts';

export const EMULATOR = inject('e2eEmulatorUrl');
export const TOKEN = inject('e2eToken');
export const APP = inject('e2eAppUrl');
export const PARTNER = inject('e2ePartnerUrl');
export const RECORDER = inject('e2eRecorderUrl');
export const DIST = inject('e2eDist');
export const STORES = inject('e2eStores');
export const NGINX_LOGS = inject('e2eNginxLogs');

/** Every host name but 127.0.0.1 fails to resolve: nothing the app does can leave this machine. */
const ONLY_LOOPBACK = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1';

export interface E2EBrowser {
  context: BrowserContext;
  page: Page;
  /** Requests the page or its workers tried outside 127.0.0.1 (blocked). */
  offHost: string[];
  /** Console errors and uncaught exceptions of the page. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * `persistent`: a profile on disk (a temporary folder) instead of an off-the-record context, as a merchant's
 * browser has: only there does Chromium apply a quota set through the DevTools protocol (the disk-full test).
 */
/** A browser for the whole test file: opened before its tests, closed after them, and it must have reached no other
 * host than ours (the suite reaches nothing beyond 127.0.0.1). */
export function useBrowser(onOpen: (browser: E2EBrowser) => void): void {
  let browser: E2EBrowser | undefined;
  beforeAll(async () => {
    browser = await openBrowser();
    onOpen(browser);
  });
  afterAll(async () => {
    await browser?.close();
    expect(browser?.offHost ?? []).toEqual([]);
  });
}

export async function openBrowser(options: { persistent?: boolean } = {}): Promise<E2EBrowser> {
  const contextOptions = { viewport: { width: 800, height: 640 }, deviceScaleFactor: 1, locale: 'ru-RU', timezoneId: 'Europe/Moscow' };
  const args = [...chromiumArgs, ONLY_LOOPBACK];
  let browser: Browser | null = null;
  let context: BrowserContext;
  let profile: string | null = null;
  if (options.persistent) {
    profile = mkdtempSync(join(tmpdir(), 'e2e-profile-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args, ...contextOptions });
  } else {
    browser = await chromium.launch({ executablePath: chromiumPath, args });
    context = await browser.newContext(contextOptions);
  }
  const offHost: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    offHost.push(url.href);
    return route.abort('blockedbyclient');
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`); });
  const close = async () => {
    await (browser ? browser.close() : context.close());
    if (profile) rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, offHost, pageErrors, close };
}

// ----- accessibility -------------------------------------------------------------------------------------------

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Serious and critical axe violations on the page as it is now (open shadow roots included). axe is evaluated
 * through the DevTools protocol, so a page's CSP does not stop it.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
}

// ----- screenshots ----------------------------------------------------------------------------------------------

/** Always into test-results/screenshots; also into docs/screenshots (for the README) with E2E_SCREENSHOTS=update. */
const SHOT_DIRS = ['test-results/screenshots', ...(process.env.E2E_SCREENSHOTS === 'update' ? ['docs/screenshots'] : [])];

export async function screenshot(page: Page, name: string): Promise<void> {
  for (const dir of SHOT_DIRS) mkdirSync(dir, { recursive: true });
  const buffer = await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' });
  for (const dir of SHOT_DIRS) writeFileSync(join(dir, `${name}.png`), buffer);
}

/** Checks a screen: no serious/critical axe violation, then its screenshot. */
export async function checkScreen(page: Page, name: string): Promise<AxeViolation[]> {
  const violations = await seriousViolations(page);
  await screenshot(page, name);
  return violations;
}

// ----- emulator admin -------------------------------------------------------------------------------------------

export const { admin, createStore, truth, cloud } = emulatorAdmin(EMULATOR);

export interface LogEntry {
  seq: number;
  method: string;
  path: string;
  query: string;
  status: number;
}

export async function requestLog(since = 0): Promise<LogEntry[]> {
  return (await admin<{ entries: LogEntry[] }>('GET', `/requests?since=${since}`)).entries;
}

export async function lastSeq(): Promise<number> {
  const entries = await requestLog();
  return entries.at(-1)?.seq ?? 0;
}
