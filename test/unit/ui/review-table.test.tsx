import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppView } from '../../../src/ui/App.tsx';
import { setLang } from '../../../src/ui/i18n.ts';
import { createAppState, type AppState } from '../../../src/ui/state/index.ts';
import { visibleRange } from '../../../src/ui/virtual.ts';
import { MemoryBackend, manyRows, productStock, reviewRow, store } from './memory-backend.ts';

const N = 50_000;

let backend: MemoryBackend;
let state: AppState;

async function setup(n = N) {
  backend = new MemoryBackend();
  backend.stores = [store('s1', 'Магазин на Ленина')];
  backend.rows.set('s1', manyRows('s1', n));
  state = createAppState(backend);
  await state.init();
  await state.openReview(['s1']);
  render(<AppView state={state} />);
  return screen.getByRole('grid', { name: 'Товары и рассчитанные остатки' });
}

const dataRows = (grid: HTMLElement) => within(grid).getAllByRole('row').filter((r) => r.getAttribute('aria-rowindex') !== '1');
const firstName = (grid: HTMLElement) => within(dataRows(grid)[0]!).getAllByRole('gridcell')[1]!.querySelector('button')!.textContent;

beforeAll(() => setLang('ru'));
afterEach(() => {
  cleanup();
  state?.dispose();
});

describe('visibleRange', () => {
  it('covers the viewport plus overscan and clamps at both ends', () => {
    expect(visibleRange(0, 480, 48, 50_000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(48 * 1000, 480, 48, 50_000, 5)).toEqual({ start: 995, end: 1016 });
    expect(visibleRange(48 * 60_000, 480, 48, 50_000, 5)).toEqual({ start: 49_994, end: 50_000 });
    expect(visibleRange(0, 480, 48, 0, 5)).toEqual({ start: 0, end: 0 });
  });
});

// 50,000 rows in jsdom take seconds per test, more on a loaded machine; the 5 s default timed them out there.
describe('review table with 50,000 products', { timeout: 30_000 }, () => {
  it('renders only the visible rows and announces the full row count', async () => {
    const grid = await setup();
    expect(grid.getAttribute('aria-rowcount')).toBe(String(N + 1));
    const rows = dataRows(grid);
    expect(rows.length).toBeGreaterThan(8);
    expect(rows.length).toBeLessThan(40);
    expect(document.querySelectorAll('[role="row"]').length).toBeLessThan(41);
    // The spacer keeps the full height so the scrollbar is honest.
    expect((grid.querySelector('.grid-body') as HTMLElement).style.height).toBe(`${N * 48}px`);
  });

  it('shows the summary: changes, total difference, undecided', async () => {
    await setup();
    const summary = screen.getByRole('region', { name: 'Итоги расчёта' });
    // 50,000 rows: every 10th undecided (5,000), every 7th of the rest unchanged.
    const unchanged = Array.from({ length: N }, (_, i) => i).filter((i) => i % 10 !== 9 && i % 7 === 0).length;
    const changes = N - 5000 - unchanged;
    // Testing Library compares against whitespace-collapsed text: no-break spaces read as spaces.
    expect(changes).toBe(38_571);
    within(summary).getByText('38 571 товар');
    within(summary).getByText('5 000 товаров');
    within(summary).getByText('50 000 товаров');
  });

  it('scrolling far down renders the rows there, not the first ones', async () => {
    const grid = await setup();
    grid.scrollTop = 48 * 30_000;
    fireEvent.scroll(grid);
    const indexes = dataRows(grid).map((r) => Number(r.getAttribute('aria-rowindex')));
    expect(Math.min(...indexes)).toBeGreaterThan(29_000);
    expect(Math.max(...indexes)).toBeLessThan(30_100);
    expect(dataRows(grid).length).toBeLessThan(40);
  });

  it('filters by status and the counter follows', async () => {
    const grid = await setup();
    fireEvent.click(screen.getByRole('button', { name: /^Без данных/ }));
    expect(grid.getAttribute('aria-rowcount')).toBe(String(5000 + 1));
    const shown = dataRows(grid);
    expect(shown.length).toBeGreaterThan(0);
    for (const row of shown) expect(row.className).toContain('status-undecided');
    screen.getByText('Показано: 5 000 товаров');
    fireEvent.click(screen.getByRole('button', { name: /^Все/ }));
    expect(grid.getAttribute('aria-rowcount')).toBe(String(N + 1));
  });

  it('searches by name or code after a pause in typing', async () => {
    const grid = await setup();
    const search = screen.getByRole('searchbox', { name: 'Поиск по названию или коду' });
    fireEvent.input(search, { target: { value: 'p049998' } });
    await waitFor(() => expect(grid.getAttribute('aria-rowcount')).toBe('2'));
    expect(firstName(grid)).toBe('Товар 49998');
    fireEvent.input(search, { target: { value: 'нет такого товара' } });
    await waitFor(() => screen.getByText('Нет товаров, подходящих под условия.'));
  });

  it('sorts by a column header, and again in the other direction', async () => {
    const grid = await setup();
    // Default: biggest difference first (−5 for i % 5 == 4), ties by name.
    expect(firstName(grid)).toBe('Товар 4');
    const header = screen.getByRole('columnheader', { name: /Товар/ });
    fireEvent.click(within(header).getByRole('button'));
    expect(header.getAttribute('aria-sort')).toBe('ascending');
    expect(firstName(grid)).toBe('Товар 0');
    fireEvent.click(within(header).getByRole('button'));
    expect(header.getAttribute('aria-sort')).toBe('descending');
    expect(firstName(grid)).toBe('Товар p049999');
  });

  it('is keyboard navigable: arrows move the active row, End scrolls to the last, Space unapproves, Enter opens', async () => {
    const grid = await setup();
    grid.focus();
    expect(grid.getAttribute('aria-activedescendant')).toBe('review-row-0');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('review-row-2');
    fireEvent.keyDown(grid, { key: 'End' });
    expect(grid.getAttribute('aria-activedescendant')).toBe(`review-row-${N - 1}`);
    expect(document.getElementById(`review-row-${N - 1}`)).not.toBeNull();
    fireEvent.keyDown(grid, { key: 'Home' });
    const first = document.getElementById('review-row-0')!;
    const checkbox = within(first).getByRole('checkbox') as HTMLInputElement;
    expect(checkbox.checked).toBe(true);
    fireEvent.keyDown(grid, { key: ' ' });
    expect((within(document.getElementById('review-row-0')!).getByRole('checkbox') as HTMLInputElement).checked).toBe(false);
    expect(backend.callsOf('setApproval').at(-1)).toEqual(['s1', ['p000004'], false]);
    screen.getByText(/1 изменение не отмечено/);
    fireEvent.keyDown(grid, { key: 'Enter' });
    const dialog = await screen.findByRole('dialog', { name: 'Товар 4' });
    within(dialog).getByText('Почему столько');
    fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('validates manual entry for undecided products and saves a valid one exactly', async () => {
    const grid = await setup(2000);
    fireEvent.click(screen.getByRole('button', { name: /^Без данных/ }));
    const input = within(grid).getByRole('textbox', { name: 'Остаток товара «Товар p000009» вручную' }) as HTMLInputElement;

    // The product is counted in pieces: a fraction is refused, and the text next to the field says what is allowed
    // (issue 16 item 1), visibly, in the row, not only as a red border.
    fireEvent.input(input, { target: { value: '1,5' } });
    fireEvent.blur(input);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const said = document.getElementById(input.getAttribute('aria-describedby')!)!;
    expect(said.textContent).toBe('Товар считается в «шт»: введите целое число, например 12.');
    expect(said.closest('[role="row"]')).toBe(input.closest('[role="row"]'));
    expect(said.classList.contains('visually-hidden')).toBe(false);
    expect(backend.callsOf('setManualQuantity')).toHaveLength(0);

    fireEvent.input(input, { target: { value: '-3' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(backend.callsOf('setManualQuantity')).toHaveLength(0);

    fireEvent.input(input, { target: { value: '0,875' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(backend.callsOf('setManualQuantity')).toHaveLength(0);

    fireEvent.input(input, { target: { value: '15' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.getAttribute('aria-invalid')).toBe('false');
    expect(backend.callsOf('setManualQuantity')).toEqual([['s1', 'p000009', '15']]);
    // The row now proposes a change (cloud 0) and is counted as entered by hand.
    screen.getByText('указан вручную: 1');
    const row = input.closest('[role="row"]') as HTMLElement;
    within(row).getByText('Вручную');
    within(row).getByText('+15 шт');
  });
});

describe('manual entry follows the documents\' measure_precision (issue 16 item 1)', () => {
  const undecided = (id: string, name: string, measureName: string, measurePrecision?: number) =>
    reviewRow('s1', productStock(id, {
      name, measureName, ...(measurePrecision === undefined ? {} : { measurePrecision }),
      status: 'unresolved', quantity: null, quantityMilli: null, decidedBy: null, rule: null, ledgerQuantity: null, cloudQuantity: '0',
    }));

  async function enter(name: string, text: string) {
    const grid = screen.getByRole('grid', { name: 'Товары и рассчитанные остатки' });
    const input = within(grid).getByRole('textbox', { name: `Остаток товара «${name}» вручную` }) as HTMLInputElement;
    fireEvent.input(input, { target: { value: text } });
    fireEvent.keyDown(input, { key: 'Enter' });
    const describedBy = input.getAttribute('aria-describedby');
    return { input, said: describedBy === null ? null : document.getElementById(describedBy)!.textContent };
  }

  it('refuses «1,5» for «шт», accepts it where the documents give 3 decimals, refuses it for «кг» the documents count whole', async () => {
    backend = new MemoryBackend();
    backend.stores = [store('s1', 'Магазин на Ленина')];
    backend.rows.set('s1', [
      undecided('a', 'Батарейки', 'шт'),
      // The unit's name says pieces, the documents say 3 decimals: the documents win (evotor-api.md §3).
      undecided('b', 'Гвозди на вес', 'шт', 3),
      undecided('c', 'Торт целый', 'кг', 0),
      undecided('d', 'Сыр', 'кг', 1),
    ]);
    state = createAppState(backend);
    await state.init();
    await state.openReview(['s1']);
    render(<AppView state={state} />);

    const pieces = await enter('Батарейки', '1,5');
    expect(pieces.input.getAttribute('aria-invalid')).toBe('true');
    expect(pieces.said).toBe('Товар считается в «шт»: введите целое число, например 12.');
    const weighed = await enter('Гвозди на вес', '1,5');
    expect(weighed.input.getAttribute('aria-invalid')).toBe('false');
    expect(weighed.said).toBeNull();
    const whole = await enter('Торт целый', '1,5');
    expect(whole.input.getAttribute('aria-invalid')).toBe('true');
    expect(whole.said).toBe('Товар считается в «кг»: введите целое число, например 12.');
    const tenths = await enter('Сыр', '1,25');
    expect(tenths.said).toBe('Товар считается в «кг» с точностью до десятых: введите, например, 12 или 0,5.');
    expect(backend.callsOf('setManualQuantity')).toEqual([['s1', 'b', '1.5']]);
  });
});

describe('a product whose document could not be read (issue 12, item 4)', () => {
  it('is shown unticked with the reason in words', async () => {
    backend = new MemoryBackend();
    backend.stores = [store('s1', 'Магазин на Ленина')];
    const warning = { code: 'QUARANTINED_DOCUMENT' as const, count: 1, doc: null, documentId: 'doc-9', value: 'body.positions[0].quantity: Invalid quantity "NaN"' };
    backend.rows.set('s1', [
      reviewRow('s1', productStock('a', { name: 'Молоко', warnings: [warning] }), { approved: false }),
      reviewRow('s1', productStock('b', { name: 'Сыр' })),
    ]);
    state = createAppState(backend);
    await state.init();
    await state.openReview(['s1']);
    render(<AppView state={state} />);
    const grid = screen.getByRole('grid', { name: 'Товары и рассчитанные остатки' });
    const milk = dataRows(grid).find((r) => r.textContent?.includes('Молоко'))!;
    within(milk).getByText('Нужна проверка: документ не прочитан, не отмечен для записи');
    expect((within(milk).getByRole('checkbox') as HTMLInputElement).checked).toBe(false);
    const cheese = dataRows(grid).find((r) => r.textContent?.includes('Сыр'))!;
    expect((within(cheese).getByRole('checkbox') as HTMLInputElement).checked).toBe(true);
  });
});
