/**
 * The app in one browser profile under pressure (issue 12): the disk fills up in the middle of a pull (item 7); two
 * tabs write one store (item 9).
 * The quota is made small through the DevTools protocol (Storage.overrideQuotaForOrigin), so IndexedDB raises a
 * real QuotaExceededError in the worker; nothing is faked.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import { APP, TOKEN, admin, cloud, createStore, lastSeq, openBrowser, requestLog, truth, type E2EBrowser } from './browser.ts';

let b: E2EBrowser;

beforeEach(async () => {
  b = await openBrowser({ persistent: true });
});

afterEach(async () => {
  await b?.close();
  expect(b?.offHost ?? []).toEqual([]);
});

async function heading(page: Page, name: string | RegExp, timeout = 30_000): Promise<void> {
  await page.getByRole('heading', { name }).first().waitFor({ state: 'visible', timeout });
}

describe('a full disk', () => {
  test('says what happened and what to do, offers to remove stores\' data, and loses nothing', async () => {
    const { page } = b;
    // Several times the quota below: months are written side by side, faster than Chromium's usage figure follows.
    const { storeId } = await createStore({ seed: 'e2e-disk-full', name: 'Склад на Полевой', products: 40, terminals: 1, days: 90, docsPerDay: 200, endTime: 'now' });
    const expected = await truth(storeId);
    // Loops below compare every product: there must be some.
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const cdp: CDPSession = await b.context.newCDPSession(page);
    const origin = new URL(APP).origin;
    // Room for the start of the pull only (the app stores a few kB before it). Set before the app opens its
    // databases: set while the worker was opening them, Chromium sometimes kept the old quota for the whole pull.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 300_000 });
    await page.goto(`${APP}/#/?token=${TOKEN}`);
    await heading(page, 'Магазины');

    await page.getByRole('checkbox', { name: /Склад на Полевой/ }).check();
    await page.getByRole('checkbox', { name: /Загрузить весь период/ }).check();
    await page.getByRole('button', { name: 'Загрузить документы и рассчитать остатки' }).click();
    await heading(page, 'Загрузка документов');
    await page.getByText('На диске не хватает места для данных приложения').first().waitFor({ state: 'visible', timeout: 60_000 }).catch(async (error: unknown) => {
      // What the screen said instead (a failure here should say why).
      throw new Error(`${String(error)}\n${await page.evaluate(() => document.body.innerText)}`);
    });
    await page.getByText(/Ничего не потеряно: всё загруженное сохранено/).first().waitFor({ state: 'visible' });
    // What to do: the stores' data that can be removed (here the store itself; nothing is removed unasked).
    await page.getByRole('button', { name: 'Удалить данные магазина «Склад на Полевой»' }).first().waitFor({ state: 'visible' });
    expect(b.pageErrors.filter((e) => !e.includes('QuotaExceeded'))).toEqual([]);

    // Space freed: «Повторить» goes on from the last checkpoint, and the result is the store's true stock.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await page.getByRole('button', { name: 'Повторить' }).first().click();
    await page.getByRole('button', { name: 'Проверить результат' }).click({ timeout: 90_000 });
    await heading(page, 'Проверка остатков');
    await page.locator('.grid-row .c-name button.name').first().waitFor({ state: 'visible' });
    // Written back, the cloud holds every product's true stock: no document was lost to the full disk.
    await page.getByRole('button', { name: 'Записать остатки в Облако…' }).click();
    await page.getByRole('button', { name: 'Записать остатки', exact: true }).click();
    await heading(page, 'Отчёт о записи', 60_000);
    const after = await cloud(storeId);
    for (const [productId, quantity] of Object.entries(expected)) expect(Number(after[productId]), productId).toBe(Number(quantity));
  });
});

describe('two tabs on one store', () => {
  test('one write run per store: the second tab shows the first one writing, then its result; nothing is written twice', async () => {
    const first = b.page;
    const second = await b.context.newPage();
    const { storeId } = await createStore({ seed: 'e2e-two-tabs', name: 'Магазин на Озёрной', products: 30, terminals: 1, days: 30, docsPerDay: 30, endTime: 'now' });
    const expected = await truth(storeId);
    // Loops below compare every product: there must be some.
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    await first.goto(`${APP}/#/?token=${TOKEN}`);
    await first.getByRole('checkbox', { name: /Магазин на Озёрной/ }).check();
    await first.getByRole('button', { name: 'Загрузить документы и рассчитать остатки' }).click();
    await first.getByRole('button', { name: 'Проверить результат' }).click({ timeout: 60_000 });
    await heading(first, 'Проверка остатков');
    // The second tab finds the pulled result on disk and reviews it too.
    await second.goto(`${APP}/#/?token=${TOKEN}`);
    await second.getByRole('checkbox', { name: /Магазин на Озёрной/ }).check();
    await second.getByRole('button', { name: 'Открыть результат' }).click();
    await heading(second, 'Проверка остатков');
    await second.locator('.grid-row .c-name button.name').first().waitFor({ state: 'visible' });

    // Slow writes, so that the second confirmation comes while the first tab writes.
    await admin('PUT', '/faults', { reset: true, latencyMs: 400, match: `PATCH /stores/${storeId}/products/` });
    const seq = await lastSeq();
    try {
      for (const page of [first, second]) {
        await page.getByRole('button', { name: 'Записать остатки в Облако…' }).click();
        await page.getByRole('button', { name: 'Записать остатки', exact: true }).click();
      }
      await second.getByText(/записывается в другой вкладке/).first().waitFor({ state: 'visible', timeout: 30_000 });
      await heading(first, 'Отчёт о записи', 90_000);
      await heading(second, 'Отчёт о записи', 90_000);
    } finally {
      await admin('PUT', '/faults', { reset: true });
    }
    const patches = (await requestLog(seq)).filter((e) => e.method === 'PATCH' && e.path.includes(storeId));
    const perProduct = new Map<string, number>();
    for (const p of patches) perProduct.set(p.path, (perProduct.get(p.path) ?? 0) + 1);
    expect(patches.length).toBeGreaterThan(0);
    expect([...perProduct.entries()].filter(([, n]) => n > 1)).toEqual([]);
    const after = await cloud(storeId);
    for (const [productId, quantity] of Object.entries(expected)) expect(Number(after[productId]), productId).toBe(Number(quantity));
    expect(b.pageErrors).toEqual([]);
  });
});
