/**
 * The embed script on a partner portal of another origin (a second 127.0.0.1 port, strict CSP): the example page
 * drives <evotor-stock-sync> through its methods and events (start → review-ready rows → apply → applied report →
 * undo); and manifest.json is checked against the build and against what the element really defines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import manifest from '../../manifest.json' with { type: 'json' };
import pkg from '../../package.json' with { type: 'json' };
import { APP, DIST, EMULATOR, PARTNER, TOKEN, checkScreen, cloud, createStore, lastSeq, requestLog, truth, type E2EBrowser, useBrowser } from './browser.ts';
import { scopesUsed } from './scopes.ts';

interface Recorded {
  type: string;
  detail: any;
}

let b: E2EBrowser;
useBrowser((opened) => (b = opened));

/** Starts recording the element's events in the page (details are plain data: structured-cloned back). */
async function recordEvents(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { recorded: { type: string; detail: unknown }[] };
    w.recorded = [];
    const el = document.querySelector('evotor-stock-sync')!;
    for (const type of ['progress', 'review-ready', 'applied', 'error']) {
      el.addEventListener(type, (event) => w.recorded.push({ type, detail: (event as CustomEvent).detail }));
    }
  });
}

async function events(page: Page, type?: string): Promise<Recorded[]> {
  const all = await page.evaluate(() => (window as unknown as { recorded: Recorded[] }).recorded);
  return type ? all.filter((e) => e.type === type) : all;
}

async function waitForEvent(page: Page, type: string, predicate: (detail: any) => boolean = () => true, timeout = 60_000): Promise<any> {
  const started = Date.now();
  for (;;) {
    const found = (await events(page, type)).find((e) => predicate(e.detail));
    if (found) return found.detail;
    const errors = await events(page, 'error');
    if (errors.length > 0) throw new Error(`error event while waiting for ${type}: ${JSON.stringify(errors.map((e) => e.detail))}`);
    if (Date.now() - started > timeout) throw new Error(`no ${type} event within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the embed script on another origin', () => {
  test('the example page drives <evotor-stock-sync>: start → review-ready → apply → applied → undo', async () => {
    const { page } = b;
    const { storeId } = await createStore({ seed: 'e2e-embed', name: 'Магазин у метро', products: 25, terminals: 1, days: 30, docsPerDay: 30, endTime: 'now' });
    const before = await cloud(storeId);
    const expected = await truth(storeId);
    // Loops below compare every product: there must be some.
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const seq = await lastSeq();

    await page.goto(PARTNER);
    expect(new URL(page.url()).origin).not.toBe(new URL(APP).origin);
    await page.waitForFunction(() => customElements.get('evotor-stock-sync') !== undefined);
    await recordEvents(page);

    await page.getByLabel('Токен Облака Эвотор').fill(TOKEN);
    await page.getByLabel('Адрес API (api-base)').fill(EMULATOR);
    await page.getByLabel('Магазины (store-ids, через запятую)').fill(storeId);
    await page.getByRole('button', { name: 'Подключить' }).click();
    // The element's own screens, in its shadow root (Playwright's locators pierce open shadow roots).
    await page.locator('evotor-stock-sync').getByRole('heading', { name: 'Магазины' }).waitFor({ state: 'visible', timeout: 30_000 });

    await page.getByRole('button', { name: 'start()' }).click();
    const ready = await waitForEvent(page, 'review-ready', (d) => d.storeId === storeId);
    const rows = ready.rows as { storeId: string; productId: string; name: string; cloudQuantity: string | null; quantity: string | null; status: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['storeId', 'productId', 'name', 'cloudQuantity', 'quantity', 'status']));
      expect(row.storeId).toBe(storeId);
    }
    // The rows carry the true stock of every tracked product, as decimal text.
    const byId = new Map(rows.map((r) => [r.productId, r]));
    for (const [productId, quantity] of Object.entries(expected)) {
      expect(byId.get(productId)?.quantity, productId).toMatch(/^-?\d+(\.\d{1,3})?$/);
      expect(Number(byId.get(productId)!.quantity)).toBe(Number(quantity));
    }
    expect((await events(page, 'progress')).some((e) => e.detail.kind === 'pull' && e.detail.storeId === storeId)).toBe(true);

    // The element opened its review by itself; the page and the element pass axe together.
    await page.locator('evotor-stock-sync').getByRole('heading', { name: 'Проверка остатков' }).waitFor({ state: 'visible' });
    await page.locator('evotor-stock-sync .grid-row .c-name button.name').first().waitFor({ state: 'visible' });
    expect(await checkScreen(page, 'embed')).toEqual([]);

    await page.getByRole('button', { name: 'apply()' }).click();
    const report = await waitForEvent(page, 'applied', (d) => d.kind === 'write');
    expect(report.status).toBe('completed');
    expect(report.stores.map((s: { storeId: string }) => s.storeId)).toEqual([storeId]);
    expect(report.counts.failed + report.counts.mismatch).toBe(0);
    expect(report.undoable).toBe(true);
    const after = await cloud(storeId);
    for (const [productId, quantity] of Object.entries(expected)) expect(Number(after[productId]), productId).toBe(Number(quantity));
    expect((await events(page, 'progress')).some((e) => e.detail.kind === 'write')).toBe(true);

    await page.getByRole('button', { name: 'undo()' }).click();
    const undone = await waitForEvent(page, 'applied', (d) => d.kind === 'undo');
    expect(undone.status).toBe('completed');
    expect(await cloud(storeId)).toEqual(before);

    expect(await events(page, 'error')).toEqual([]);
    // The page's log shows what happened, in words.
    await page.getByText(/applied: отмена completed/).waitFor({ state: 'visible' });
    // The token the page gave reached only the API it chose, with no more than the manifest's scopes.
    const used = scopesUsed((await requestLog(seq)).filter((e) => e.path.includes(storeId) || e.path === '/stores'));
    expect(manifest.scopes).toEqual(expect.arrayContaining(used));
    expect(b.pageErrors).toEqual([]);
  });

  test('mistakes in the attributes and calls come back as error events with what to do', async () => {
    const { page } = b;
    await page.goto(PARTNER);
    await page.waitForFunction(() => customElements.get('evotor-stock-sync') !== undefined);
    await recordEvents(page);
    // No token yet: a method call rejects and says so.
    const rejected = await page.evaluate(() =>
      (document.querySelector('evotor-stock-sync') as unknown as { apply(): Promise<unknown> }).apply().then(
        () => null,
        (e: { name: string; detail: { code: string } }) => ({ name: e.name, code: e.detail.code }),
      ),
    );
    expect(rejected).toEqual({ name: 'EmbedError', code: 'config' });
    // An api-base the element refuses (plain http to another host): nothing is sent anywhere.
    await page.evaluate(() => {
      const el = document.querySelector('evotor-stock-sync')!;
      el.setAttribute('api-base', 'http://api.example.com');
      el.setAttribute('token', 'a-plausible-token-123');
    });
    const error = await page.waitForFunction(() => (window as unknown as { recorded: Recorded[] }).recorded.filter((e) => e.type === 'error').length >= 2);
    await error.dispose();
    const errors = await events(page, 'error');
    expect(errors.map((e) => e.detail.code)).toEqual(['config', 'config']);
    expect(errors[1]!.detail.title).toBe('Адрес API задан неверно.');
    await page.locator('evotor-stock-sync').getByText('Адрес API задан неверно.').waitFor({ state: 'visible' });
  });
});

describe('manifest.json', () => {
  test('describes the build: the script entry exists, and the element defines exactly its name, attributes, methods and events', async () => {
    const { page } = b;
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.name).toBeTruthy();
    expect(manifest.description).toBeTruthy();
    expect(manifest.webApp.frameUrl).toMatch(/^https:\/\//);
    expect(manifest.webApp.frameUrl).toContain('${token}');
    expect(manifest.webApp.frameUrl).toContain('${uid}');
    expect(manifest.embed.script).toBe('dist/evotor-stock-sync.js');
    const script = join(DIST, manifest.embed.script.replace(/^dist\//, ''));
    expect(existsSync(script)).toBe(true);
    const inDist = (path: string) => join(DIST, path.replace(/^dist\//, ''));
    expect(existsSync(inDist(manifest.webApp.entry))).toBe(true);
    expect(existsSync(inDist(manifest.embed.example))).toBe(true);
    expect(manifest.embed.scriptType).toBe('classic');
    // One self-contained classic script: no import statements, no chunk it would fetch.
    expect(readFileSync(script, 'utf8')).not.toMatch(/^\s*import\s|\bimport\(["']\.?\//m);

    await page.goto(PARTNER);
    await page.waitForFunction(() => customElements.get('evotor-stock-sync') !== undefined);
    const defined = await page.evaluate((name) => {
      const ctor = customElements.get(name) as unknown as { observedAttributes: string[]; methods: string[]; events: string[]; prototype: Record<string, unknown> };
      return {
        attributes: [...ctor.observedAttributes],
        methods: [...ctor.methods],
        callable: [...ctor.methods].every((m) => typeof ctor.prototype[m] === 'function'),
        events: [...ctor.events],
        shadow: document.querySelector(name)?.shadowRoot !== null,
      };
    }, manifest.embed.element);
    expect(defined.attributes).toEqual(manifest.embed.attributes);
    expect(defined.methods).toEqual(manifest.embed.methods);
    expect(defined.callable).toBe(true);
    expect(defined.events).toEqual(manifest.embed.events);
    expect(defined.shadow).toBe(true);
    expect([...manifest.scopes].sort()).toEqual(
      ['document:read', 'product.quantity:read', 'product.quantity:write', 'product:read', 'product:write', 'store:read'],
    );
  });
});
