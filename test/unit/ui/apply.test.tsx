import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { milli } from '../../../src/model/quantity.ts';
import { AppView } from '../../../src/ui/App.tsx';
import type { WritePlan } from '../../../src/ui/backend.ts';
import { differenceSentence, planSentence } from '../../../src/ui/components/PlanDialog.tsx';
import { setLang } from '../../../src/ui/i18n.ts';
import { createAppState, type AppState } from '../../../src/ui/state/index.ts';
import type { ItemStatus, StoreReport } from '../../../src/writeback/types.ts';
import { MemoryBackend, manyRows, productStock, reviewRow, runReport, store } from './memory-backend.ts';

const plan = (stores: [string, number, number, number, string?][], kind: WritePlan['kind'] = 'write'): WritePlan => ({
  runId: 'run-1',
  kind,
  stores: stores.map(([name, products, inc, dec, unit], i) => ({ storeId: `s${i + 1}`, storeName: name, products, byUnit: [{ unit: unit ?? null, increase: milli(inc), decrease: milli(dec) }] })),
  moved: [],
});

const COUNTS: Record<ItemStatus, number> = { pending: 0, sent: 0, written: 0, verified: 0, mismatch: 0, failed: 0, skipped: 0, unchanged: 0 };

function storeReport(storeId: string, storeName: string, over: Partial<StoreReport> = {}): StoreReport {
  return { storeId, storeName, api: 'v2', counts: { ...COUNTS }, written: 0, unchanged: 0, failed: 0, skipped: 0, remaining: 0, increase: milli(0), decrease: milli(0), byUnit: [], failures: [], attention: [], moved: [], error: null, ...over };
}

let state: AppState | null = null;
afterEach(() => {
  cleanup();
  state?.dispose();
  setLang('ru');
});

describe('the confirmation says what will change', () => {
  it('N products in M stores with the total difference, in correct Russian', () => {
    const p = plan([['Ленина', 1000, 100_000, -45_500], ['Мира', 234, 20_000, 0]]);
    expect(planSentence(p)).toBe('Будут записаны остатки 1\u00a0234 товаров в 2 магазинах.');
    expect(differenceSentence(p)).toBe('Суммарное расхождение: +120 / −45,5 (прибавится / убавится, по единицам измерения).');
    // Kilograms and pieces are never added together (issue 16 item 3).
    expect(differenceSentence(plan([['Ленина', 2, 13_000, -2_000, 'шт'], ['Мира', 2, 878_939, 0, 'кг'], ['Мира', 1, 1_000, 0, 'шт']])))
      .toBe('Суммарное расхождение: +14 / −2\u00a0шт; +878,939 / 0\u00a0кг (прибавится / убавится, по единицам измерения).');
    expect(planSentence(plan([['Ленина', 1, 1000, 0]]))).toBe('Будут записаны остатки 1 товара в 1 магазине.');
    expect(planSentence(plan([['Ленина', 21, 1000, 0], ['Мира', 0, 0, 0]]))).toBe('Будут записаны остатки 21 товара в 1 магазине.');
    expect(planSentence(plan([['Ленина', 3, 0, -875]], 'undo'))).toBe('Для 3 товаров в 1 магазине будут восстановлены остатки, которые были в Облаке до записи.');
    setLang('en');
    expect(planSentence(p)).toBe('The stock of 1,234 products in 2 stores will be written.');
  });

  it('applies only after the confirmation, shows the report per store, offers undo and CSV', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина'), store('s2', 'Мира')];
    backend.rows.set('s1', manyRows('s1', 30));
    backend.rows.set('s2', [reviewRow('s2', productStock('x', { quantity: '2', cloudQuantity: '1' }))]);
    backend.plan = plan([['Ленина', 20, 30_000, -12_000], ['Мира', 1, 1000, 0]]);
    backend.result = {
      report: runReport('run-1', {
        stores: [
          storeReport('s1', 'Ленина', {
            written: 19, failed: 1, failures: [{ productId: 'p1', name: 'Товар 1', code: '1', before: milli(0), target: milli(5000), status: 'failed', reason: 'rejected', message: '<b>bad</b>' }],
            moved: [{ productId: 'p2', name: 'Товар 2', from: milli(7000), to: milli(5000), adjustments: [{ document: { id: 'd9', type: 'SELL', number: 15, closeTime: Date.UTC(2025, 2, 12, 11, 5), deviceId: 'D', timeZoneOffset: 3 * 3_600_000 }, kind: 'delta', quantity: milli(-2000), from: milli(7000), to: milli(5000), note: '' }] }],
          }),
          storeReport('s2', 'Мира', { written: 1 }),
        ],
      }),
      moved: [],
    };
    state = createAppState(backend);
    await state.init();
    await state.openReview(['s1', 's2']);
    render(<AppView state={state} />);

    fireEvent.click(screen.getByRole('button', { name: 'Записать остатки в Облако…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Записать остатки в Облако Эвотор?' });
    expect(backend.callsOf('planWrite')).toEqual([[['s1', 's2']]]);
    within(dialog).getByText('Будут записаны остатки 21 товара в 2 магазинах.');
    within(dialog).getByText(/Суммарное расхождение: \+31 \/ −12/);
    // Nothing is sent before the confirmation; the safe choice has the focus.
    expect(backend.callsOf('runWrite')).toHaveLength(0);
    expect(document.activeElement?.textContent).toBe('Не записывать');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Записать остатки' }));
    await screen.findByRole('heading', { name: 'Отчёт о записи' });
    expect(backend.callsOf('runWrite')).toEqual([['run-1']]);
    const table = screen.getByRole('table', { name: 'Отчёт о записи' });
    const lenina = within(table).getByRole('row', { name: /Ленина/ });
    expect(within(lenina).getAllByRole('cell').map((c) => c.textContent)).toEqual(['19', '0', '1', '0']);
    screen.getByText(/Облако отклонило запись/);
    screen.getByText(/<b>bad<\/b>/);
    expect(document.querySelector('.issues b')).toBeNull();
    screen.getByText(/Пересчитаны из-за новых документов: 1/);
    screen.getByText(/Продажа №15 от 12\.03\.2025 14:05/);

    // Undo asks again, with its own words.
    backend.plan = plan([['Ленина', 19, 12_000, -30_000], ['Мира', 1, 0, -1000]], 'undo');
    fireEvent.click(screen.getByRole('button', { name: 'Отменить запись — вернуть прежние остатки' }));
    const undo = await screen.findByRole('dialog', { name: 'Вернуть прежние остатки?' });
    expect(backend.callsOf('planUndo')).toEqual([['run-1']]);
    within(undo).getByText('Для 20 товаров в 2 магазинах будут восстановлены остатки, которые были в Облаке до записи.');
    fireEvent.click(within(undo).getByRole('button', { name: 'Оставить как есть' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(backend.callsOf('cancelPlan')).toEqual([['run-1']]);
  });

  /** The review of one store, with «Записать остатки в Облако…» clicked: the dialog. */
  async function openPlanDialog(setup: (backend: MemoryBackend) => void) {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    backend.rows.set('s1', manyRows('s1', 5));
    setup(backend);
    state = createAppState(backend);
    await state.init();
    await state.openReview(['s1']);
    render(<AppView state={state} />);
    fireEvent.click(screen.getByRole('button', { name: 'Записать остатки в Облако…' }));
    return { backend, dialog: await screen.findByRole('dialog') };
  }

  it('declining the confirmation drops the journaled plan', async () => {
    const { backend, dialog } = await openPlanDialog((b) => (b.plan = plan([['Ленина', 4, 4000, 0]])));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(backend.callsOf('cancelPlan')).toEqual([['run-1']]);
    expect(backend.callsOf('runWrite')).toHaveLength(0);
  });

  it('«Закрыть» while «Готовим запись…» stops the plan being made (issue 12 §2)', async () => {
    // A plan that never ends by itself (a cloud paging without end).
    const { backend, dialog } = await openPlanDialog((b) => (b.planWrite = () => new Promise(() => undefined)));
    within(dialog).getByText('Готовим запись…');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Закрыть' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(backend.callsOf('stopPlan')).toEqual([[]]);
    expect(backend.callsOf('cancelPlan')).toHaveLength(0);
  });
});
