/**
 * Two stores in one confirmation, in an 800 px frame (issue 16 items 4 and 17): the report gives a row for every
 * store the confirmation wrote (it once showed only the first), and on the review, the detail panel and the report
 * no element's content is cut off or sticks out sideways; the review's badges and reasons wrap inside their cells.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { APP, TOKEN, cloud, createStore, truth, type E2EBrowser, useBrowser } from './browser.ts';

let b: E2EBrowser;
useBrowser((opened) => (b = opened));

const WIDTH = 800;

/**
 * What does not fit, as «what: why» lines (empty when everything fits): the page scrolling sideways; an element whose
 * content is wider than its box while the box hides or cuts what overflows (overflow hidden or clip, an ellipsis); an
 * element reaching past the right edge of the window; and, inside `cells` (table and grid cells), anything reaching
 * out of its cell, sideways or (in the review's fixed-height rows) below it. Cut text is allowed only where the whole
 * of it is one hover away, in the title of the element or of one around it (a long product name on one line, a reason
 * over the row's two lines: the detail gives both in full); a badge has no title, so a badge is never cut.
 */
async function overflows(page: Page, cells: string): Promise<string[]> {
  return page.evaluate((cellSelector) => {
    const out: string[] = [];
    const root = document.documentElement;
    const name = (el: Element) => {
      const cls = typeof el.className === 'string' && el.className !== '' ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${cls} «${(el.textContent ?? '').trim().slice(0, 40)}»`;
    };
    const shown = (el: Element) => {
      if (el.closest('.visually-hidden')) return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    const inTitle = (el: Element) => {
      const text = (el.textContent ?? '').trim();
      const titled = el.closest('[title]');
      return text !== '' && titled !== null && (titled.getAttribute('title') ?? '').includes(text);
    };
    if (root.scrollWidth > root.clientWidth) out.push(`the page: ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
    for (const el of document.querySelectorAll('body *')) {
      if (!shown(el)) continue;
      const style = getComputedStyle(el);
      const cuts = style.overflowX === 'hidden' || style.overflowX === 'clip' || style.textOverflow === 'ellipsis';
      if (cuts && el.scrollWidth > el.clientWidth + 1 && !inTitle(el)) out.push(`${name(el)}: content ${el.scrollWidth} px cut to ${el.clientWidth} px`);
      const r = el.getBoundingClientRect();
      if (r.right > root.clientWidth + 1) out.push(`${name(el)}: reaches ${Math.round(r.right)} px, past the window's ${root.clientWidth} px`);
    }
    for (const cell of document.querySelectorAll(cellSelector)) {
      if (!shown(cell)) continue;
      const c = cell.getBoundingClientRect();
      for (const el of cell.querySelectorAll('*')) {
        if (!shown(el) || inTitle(el)) continue;
        const r = el.getBoundingClientRect();
        if (r.left < c.left - 1 || r.right > c.right + 1) out.push(`${name(el)}: out of its cell sideways (${Math.round(r.left)}–${Math.round(r.right)} in ${Math.round(c.left)}–${Math.round(c.right)})`);
        if (r.bottom > c.bottom + 1) out.push(`${name(el)}: below its cell (${Math.round(r.bottom)} > ${Math.round(c.bottom)})`);
      }
    }
    return out;
  }, cells);
}

/** The chart's axis labels, each inside the chart: «1 169 914» is not cut to «169 914» (issue 16 item 22). */
async function chartLabelsOutside(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const svg of document.querySelectorAll<SVGSVGElement>('svg.chart')) {
      const view = svg.viewBox.baseVal;
      for (const tick of svg.querySelectorAll<SVGTextElement>('text')) {
        const box = tick.getBBox();
        if (box.x < view.x - 0.5 || box.x + box.width > view.x + view.width + 0.5) out.push(`«${tick.textContent}»: ${box.x.toFixed(1)}–${(box.x + box.width).toFixed(1)} in 0–${view.width}`);
      }
    }
    return out;
  });
}

describe('two stores, one confirmation, an 800 px frame', () => {
  test('the report has a row for each store written, and nothing on the review, the detail or the report is cut off', async () => {
    const { page } = b;
    await page.setViewportSize({ width: WIDTH, height: 700 });
    // Long names, weighed and piece goods, and (unaccepted) products below zero with their badge.
    const first = await createStore({ seed: 'e2e-two-a', name: 'Лавка «Всё для дома и сада» на Речной', products: 40, terminals: 1, days: 40, docsPerDay: 30, unaccepted: 2, endTime: 'now' });
    const second = await createStore({ seed: 'e2e-two-b', name: 'Киоск на Вокзальной', products: 25, terminals: 1, days: 30, docsPerDay: 20, endTime: 'now' });
    const names = [/Лавка «Всё для дома и сада» на Речной/, /Киоск на Вокзальной/];

    await page.goto('about:blank');
    await page.goto(`${APP}/#/?uid=e2e-user&token=${TOKEN}`);
    await page.getByRole('heading', { name: 'Магазины' }).waitFor({ state: 'visible', timeout: 30_000 });
    for (const name of names) await page.getByRole('checkbox', { name }).check();
    await page.getByRole('button', { name: 'Загрузить документы и рассчитать остатки' }).click();
    await page.getByRole('heading', { name: 'Загрузка документов' }).waitFor({ state: 'visible' });
    // Both pulls finished, so that the review (and then the confirmation) holds both stores.
    await expect.poll(() => page.getByText('Готово', { exact: true }).count(), { timeout: 90_000, interval: 250 }).toBe(2);
    await page.getByRole('button', { name: 'Проверить результат' }).click();
    await page.getByRole('heading', { name: 'Проверка остатков' }).waitFor({ state: 'visible' });
    await page.locator('.grid-row .c-name button.name').first().waitFor({ state: 'visible' });

    // The review: the negative badge among them, and every badge and reason inside its cell.
    await page.getByRole('button', { name: /^Меньше нуля/ }).click();
    await page.locator('.grid-row .badge').first().waitFor({ state: 'visible' });
    expect(await overflows(page, '.grid-row [role="gridcell"]')).toEqual([]);
    await page.getByRole('button', { name: /^Все/ }).first().click();
    await page.locator('.grid-row .c-reason .reason').first().waitFor({ state: 'visible' });
    expect(await overflows(page, '.grid-row [role="gridcell"]')).toEqual([]);

    // The detail panel: its tables' last column and the chart's labels inside it.
    await page.locator('.grid-row .c-name button.name').first().click();
    const detail = page.getByRole('dialog');
    await detail.getByRole('table').first().waitFor({ state: 'visible' });
    expect(await overflows(page, '[role="dialog"] th, [role="dialog"] td')).toEqual([]);
    const dialogBox = (await detail.boundingBox())!;
    expect(dialogBox.x + dialogBox.width).toBeLessThanOrEqual(WIDTH);
    expect(await chartLabelsOutside(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });

    // One confirmation writes both stores.
    await page.getByRole('button', { name: 'Записать остатки в Облако…' }).click();
    const confirmation = page.getByRole('dialog', { name: 'Записать остатки в Облако Эвотор?' });
    await confirmation.waitFor({ state: 'visible' });
    for (const name of names) await confirmation.getByText(name).first().waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Записать остатки', exact: true }).click();
    await page.getByRole('heading', { name: 'Отчёт о записи' }).waitFor({ state: 'visible', timeout: 90_000 });
    await page.getByText('Все отмеченные остатки записаны и проверены.').waitFor({ state: 'visible' });

    // The report: one row per store written (issue 16 item 4), and the total under them.
    const rows = page.locator('.report-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const storeCells = await rows.locator('th').allTextContents();
    expect(storeCells.map((text) => names.findIndex((name) => name.test(text))).sort()).toEqual([0, 1]);
    await page.locator('.report-table tfoot tr').waitFor({ state: 'visible' });
    // ... each written: both stores' cloud now holds their true stock.
    for (const store of [first, second]) {
      const expected = await truth(store.storeId);
      const after = await cloud(store.storeId);
      for (const [productId, quantity] of Object.entries(expected)) expect(Number(after[productId]), productId).toBe(Number(quantity));
    }
    expect(await overflows(page, '.report-table th, .report-table td')).toEqual([]);
    expect(b.pageErrors).toEqual([]);
  });
});
