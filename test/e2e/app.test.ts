/**
 * The built app in Chromium against the emulator, as a merchant uses it: opened with the token in the URL, a store
 * chosen, pulled, reviewed, applied, undone; a reload half-way through a pull; a crafted link that tries to move
 * the API elsewhere. Every screen passes axe (no serious or critical violation) and is photographed.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import manifest from '../../manifest.json' with { type: 'json' };
import {
  APP, PARTNER, RECORDER, STORES, TOKEN, admin, checkScreen, cloud, createStore, lastSeq, requestLog, truth, type E2EBrowser, useBrowser,
} from './browser.ts';
import { scopesUsed } from './scopes.ts';

let b: E2EBrowser;
useBrowser((opened) => (b = opened));

const MAIN_STORE = STORES[0]!;
const SECOND_STORE_NAME = /Кофейня на Садовой/;
/** A product's name in the review table (a body row, not the header's sort button). */
const PRODUCT = '.grid-row .c-name button.name';

async function visible(page: Page, text: string | RegExp, timeout = 30_000): Promise<void> {
  await page.getByText(text).first().waitFor({ state: 'visible', timeout });
}

async function heading(page: Page, name: string | RegExp, timeout = 30_000): Promise<void> {
  await page.getByRole('heading', { name }).first().waitFor({ state: 'visible', timeout });
}

/** A real navigation (a link that differs only in its hash would not reload the app). */
async function open(page: Page, url: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
}

async function setFaults(faults: Record<string, unknown>): Promise<void> {
  await admin('PUT', '/faults', { reset: true, ...faults });
}

/** The whole page's storage (sessionStorage, localStorage, every IndexedDB record) as one string to search. */
async function everythingStored(page: Page): Promise<{ session: string; local: string; indexedDb: string }> {
  return page.evaluate(async () => {
    const dump: string[] = [];
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const name of [...db.objectStoreNames]) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(name).objectStore(name).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        dump.push(JSON.stringify(all));
      }
      db.close();
    }
    return { session: JSON.stringify({ ...sessionStorage }), local: JSON.stringify({ ...localStorage }), indexedDb: dump.join('\n') };
  });
}

describe('the app', () => {
  test('without a token: the start screen explains how to open it from the personal account', async () => {
    const { page } = b;
    await open(page, `${APP}/`);
    await heading(page, 'Откройте приложение из личного кабинета Эвотор');
    expect(await checkScreen(page, 'start')).toEqual([]);
  });

  test('token in the URL → store → pull → review → detail → confirmation → report → undo restores the cloud exactly', async () => {
    const { page } = b;
    const before = await cloud(MAIN_STORE);
    const expected = await truth(MAIN_STORE);
    // Loops below compare every product: there must be some.
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const seq = await lastSeq();
    // A little latency on this store's documents, so the progress screen is seen (and photographed) mid-pull.
    await setFaults({ latencyMs: 150, match: `/stores/${MAIN_STORE}/documents` });
    try {
      await open(page, `${APP}/#/?uid=e2e-user&token=${TOKEN}`);
      await heading(page, 'Магазины');
      // The token left the address bar at once and lives in this tab's sessionStorage only.
      expect(page.url()).not.toContain(TOKEN);
      expect(page.url()).not.toContain('uid=');
      await visible(page, 'Магазин «У дома»');
      expect(await checkScreen(page, 'stores')).toEqual([]);

      await page.getByRole('checkbox', { name: /Магазин «У дома»/ }).check();
      await page.getByRole('button', { name: 'Загрузить документы и рассчитать остатки' }).click();
      await heading(page, 'Загрузка документов');
      // Photographed once documents arrive (months, pages, documents, products decided, ETA all have values).
      await page.waitForFunction(() => {
        const term = [...document.querySelectorAll('dt')].find((dt) => dt.textContent === 'Документов');
        return term?.nextElementSibling !== null && term?.nextElementSibling?.textContent !== '0';
      });
      expect(await checkScreen(page, 'progress')).toEqual([]);

      await page.getByRole('button', { name: 'Проверить результат' }).click({ timeout: 60_000 });
    } finally {
      await setFaults({});
    }
    await heading(page, 'Проверка остатков');
    await page.locator(PRODUCT).first().waitFor({ state: 'visible' });
    expect(await checkScreen(page, 'review')).toEqual([]);

    // A product's detail: its documents on a timeline, the chart, the reason.
    await page.locator(PRODUCT).first().click();
    const detail = page.getByRole('dialog');
    await detail.waitFor({ state: 'visible' });
    await detail.getByRole('table').first().waitFor({ state: 'visible' });
    expect(await checkScreen(page, 'detail')).toEqual([]);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Записать остатки в Облако…' }).click();
    await page.getByRole('dialog', { name: 'Записать остатки в Облако Эвотор?' }).waitFor({ state: 'visible' });
    const confirm = page.getByRole('button', { name: 'Записать остатки', exact: true });
    await confirm.waitFor({ state: 'visible' });
    expect(await checkScreen(page, 'confirmation')).toEqual([]);
    await confirm.click();

    await heading(page, 'Отчёт о записи', 60_000);
    await visible(page, 'Все отмеченные остатки записаны и проверены.');
    expect(await checkScreen(page, 'report')).toEqual([]);
    // Every tracked product now has its true stock in the cloud.
    const after = await cloud(MAIN_STORE);
    for (const [productId, quantity] of Object.entries(expected)) expect(Number(after[productId]), productId).toBe(Number(quantity));

    await page.getByRole('button', { name: 'Отменить запись — вернуть прежние остатки' }).click();
    await page.getByRole('dialog', { name: 'Вернуть прежние остатки?' }).waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Вернуть прежние остатки', exact: true }).click();
    await heading(page, 'Отчёт о возврате остатков', 60_000);
    await visible(page, 'Прежние остатки восстановлены.');
    expect(await cloud(MAIN_STORE)).toEqual(before);

    // The token is in no storage but this tab's sessionStorage.
    const stored = await everythingStored(page);
    expect(stored.session).toContain(TOKEN);
    expect(stored.local).not.toContain(TOKEN);
    expect(stored.indexedDb.length).toBeGreaterThan(1000);
    expect(stored.indexedDb).not.toContain(TOKEN);

    // What the flow did needs exactly the scopes the manifest asks for (and the token had no others).
    const used = scopesUsed((await requestLog(seq)).filter((e) => e.status !== 0));
    expect(used).toEqual([...manifest.scopes].sort());
    expect(b.pageErrors).toEqual([]);
  });

  test('a reload half-way through a pull goes on by itself where it stopped, and says where that was', async () => {
    const { page } = b;
    const { storeId } = await createStore({ seed: 'e2e-reload', name: 'Склад на Заводской', products: 30, terminals: 1, days: 60, docsPerDay: 40, endTime: 'now' });
    const documentsPath = `/stores/${storeId}/documents`;
    await setFaults({ latencyMs: 250, match: documentsPath });
    try {
      const seq = await lastSeq();
      await open(page, `${APP}/#/?token=${TOKEN}`);
      await page.getByRole('checkbox', { name: /Склад на Заводской/ }).check();
      // The full period: every page of two months is fetched, so there is a middle to reload in.
      await page.getByRole('checkbox', { name: /Загрузить весь период/ }).check();
      await page.getByRole('button', { name: 'Загрузить документы и рассчитать остатки' }).click();
      await heading(page, 'Загрузка документов');
      const documentRequests = async () => (await requestLog(seq)).filter((e) => e.path === documentsPath);
      await expect.poll(async () => (await documentRequests()).length, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(3);
      await page.reload();
      const beforeReload = (await documentRequests()).length;

      // No click: the pull was not paused by the user, so it resumes by itself (issue 16 item 7).
      await heading(page, 'Загрузка документов');
      // Where it stopped in months: the months were laid out before the first page (src/pull prepareJob), so «после
      // N страниц» here would mean the page read the progress before the worker had counted them (issue 16 item 7).
      await page.getByText(/Загрузка магазина «Склад на Заводской» прервалась на месяце \d+ из \d+.*продолжается сама/).waitFor();
      await page.getByRole('button', { name: 'Проверить результат' }).click({ timeout: 60_000 });
      await heading(page, 'Проверка остатков');
      await page.locator(PRODUCT).first().waitFor({ state: 'visible' });

      // Resumed, not restarted: no page was fetched twice but those in flight at the reload — the page being
      // committed and the next one, which the pull fetches meanwhile (src/pull prefetches one page ahead).
      const pages = (await documentRequests()).filter((e) => e.status === 200).map((e) => e.query);
      const repeats = pages.length - new Set(pages).size;
      expect(repeats).toBeLessThanOrEqual(2);
      // ... and it was half-way: most pages came after the reload.
      expect(pages.length - beforeReload).toBeGreaterThan(beforeReload);
    } finally {
      await setFaults({});
    }
  });

  test('a pull the user paused waits after a reload: it is offered with where it stopped, and nothing is fetched until asked', async () => {
    const { page } = b;
    const { storeId } = await createStore({ seed: 'e2e-paused', name: 'Склад на Луговой', products: 30, terminals: 1, days: 60, docsPerDay: 40, endTime: 'now' });
    const documentsPath = `/stores/${storeId}/documents`;
    await setFaults({ latencyMs: 250, match: documentsPath });
    try {
      const seq = await lastSeq();
      await open(page, `${APP}/#/?token=${TOKEN}`);
      await page.getByRole('checkbox', { name: /Склад на Луговой/ }).check();
      await page.getByRole('checkbox', { name: /Загрузить весь период/ }).check();
      await page.getByRole('button', { name: 'Загрузить документы и рассчитать остатки' }).click();
      await heading(page, 'Загрузка документов');
      const documentRequests = async () => (await requestLog(seq)).filter((e) => e.path === documentsPath);
      await expect.poll(async () => (await documentRequests()).length, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(3);
      await page.getByRole('button', { name: 'Приостановить загрузку магазина «Склад на Луговой»' }).click();
      await page.getByRole('button', { name: 'Продолжить загрузку магазина «Склад на Луговой»' }).waitFor({ state: 'visible' });
      await page.reload();

      await page.getByText(/Загрузка магазина «Склад на Луговой» остановилась на месяце \d+ из \d+.*Продолжить с того же места\?/).waitFor();
      const atReload = (await documentRequests()).length;
      // Given time to go on by itself (a page is 250 ms here), it does not: the user paused it.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect((await documentRequests()).length).toBe(atReload);
      expect(await page.getByText(/продолжается сама/).count()).toBe(0);

      await page.getByRole('button', { name: 'Продолжить загрузку', exact: true }).click();
      await expect.poll(async () => (await documentRequests()).length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(atReload);
      // To its end, so that no unfinished pull goes on by itself in the tests after this one.
      await page.getByText('Готово', { exact: true }).waitFor({ state: 'visible', timeout: 60_000 });
    } finally {
      await setFaults({});
    }
  });

  test('in the personal account\'s iframe at 800 px: it fits, never navigates the top page, and works by keyboard alone', async () => {
    const { page } = b;
    await open(page, `${PARTNER}/lk`);
    const top = page.url();
    await page.evaluate((src) => {
      const frame = document.createElement('iframe');
      frame.title = 'Актуальные остатки из документов';
      frame.src = src;
      frame.style.cssText = 'width: 800px; height: 600px; border: 0; display: block';
      document.body.append(frame);
    }, `${APP}/#/?uid=e2e-user&token=${TOKEN}`);
    const app = page.frameLocator('iframe');
    await app.getByRole('heading', { name: 'Магазины' }).waitFor({ state: 'visible', timeout: 30_000 });
    const frame = page.frames().find((f) => f.url().startsWith(APP))!;
    const fits = () => frame.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    expect(await fits()).toBe(true);

    /** Presses Tab until the focused element's text or label matches (the way a keyboard user gets there). */
    const tabTo = async (name: RegExp) => {
      for (let i = 0; i < 60; i++) {
        const focused = await frame.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return el ? `${el.getAttribute('aria-label') ?? ''} ${el.textContent ?? ''}`.trim() : '';
        });
        if (name.test(focused)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${name}`);
    };
    await app.getByRole('checkbox', { name: SECOND_STORE_NAME }).focus();
    await page.keyboard.press('Space');
    expect(await app.getByRole('checkbox', { name: SECOND_STORE_NAME }).isChecked()).toBe(true);
    await tabTo(/^Загрузить документы и рассчитать остатки$/);
    await page.keyboard.press('Enter');
    await app.getByRole('heading', { name: 'Загрузка документов' }).waitFor({ state: 'visible' });
    await app.getByRole('button', { name: 'Проверить результат' }).and(app.locator(':enabled')).waitFor({ timeout: 60_000 });
    expect(await fits()).toBe(true);
    await tabTo(/^Проверить результат$/);
    await page.keyboard.press('Enter');
    await app.getByRole('heading', { name: 'Проверка остатков' }).waitFor({ state: 'visible' });
    await app.locator(PRODUCT).first().waitFor({ state: 'visible' });
    expect(await fits()).toBe(true);
    // The table is one tab stop; arrows move between products, Enter opens one, Escape closes it.
    await app.getByRole('grid').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await app.getByRole('dialog').waitFor({ state: 'visible' });
    // Focus moves into the dialog once it has mounted; Escape before that would go to the table (a busy machine).
    await app.locator('[role="dialog"]:focus-within').waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await app.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(page.url()).toBe(top);
  });

  test('a token the cloud refuses: what happened and what to do next, and the token is forgotten', async () => {
    const { page } = b;
    const wrong = 'expired-token-0000000000';
    await open(page, `${APP}/#/?uid=e2e-user&token=${wrong}`);
    // The cloud never accepted this token: it did not expire, it was never valid (issue 16 item 14).
    await heading(page, 'Облако Эвотор не принимает ссылку, по которой открыто приложение');
    await visible(page, /Откройте приложение заново из личного кабинета Эвотор/);
    await page.getByRole('link', { name: 'Открыть личный кабинет' }).or(page.getByRole('button', { name: 'Открыть личный кабинет' })).first().waitFor();
    expect(await checkScreen(page, 'error')).toEqual([]);
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain(wrong);
  });

  test('a crafted link cannot move the API: ?api-base= / #apiBase= are ignored and the token goes only to the build\'s API', async () => {
    const { page } = b;
    const links = [
      `${APP}/?api-base=${RECORDER}&apiBase=${RECORDER}&api_base=${RECORDER}&baseUrl=${RECORDER}&token=${TOKEN}`,
      `${APP}/#apiBase=${RECORDER}&api-base=${RECORDER}&token=${TOKEN}`,
      `${APP}/?apiBase=${encodeURIComponent(RECORDER)}#/?uid=1&token=${TOKEN}&baseUrl=${RECORDER}`,
    ];
    for (const link of links) {
      const seq = await lastSeq();
      await open(page, link);
      await visible(page, 'Магазин «У дома»');
      // The stores came from the emulator (the build's API base) ...
      expect((await requestLog(seq)).some((e) => e.path === '/stores')).toBe(true);
    }
    // ... and nothing at all reached the address in the link.
    const recorded = (await (await fetch(`${RECORDER}/__recorded`)).json()) as unknown[];
    expect(recorded).toEqual([]);
  });
});
