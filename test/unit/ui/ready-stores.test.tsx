// Issue 16 items 5 and 11: stores that became ready during the review are offered; products without documents
// say how deep the documents were read and offer older months.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { AppView } from '../../../src/ui/App.tsx';
import { createAppState, type AppState } from '../../../src/ui/state/index.ts';
import { MemoryBackend, productStock, progress, reviewRow, store } from './memory-backend.ts';

let state: AppState | null = null;
afterEach(() => {
  cleanup();
  state?.dispose();
  state = null;
});

const undecided = (id: string) => productStock(id, { name: `Товар ${id}`, status: 'unresolved', quantity: null, decidedBy: null, rule: null, ledgerQuantity: null });
const LOADED = Date.UTC(2024, 0, 1, 12);

async function reviewOf(backend: MemoryBackend, shown: string[]) {
  state = createAppState(backend);
  await state.init();
  render(<AppView state={state} />);
  state.selectAllStores(true);
  await state.openReview(shown);
  return state;
}

describe('the review while other stores finish', () => {
  it('offers the stores that became ready after it opened, and adds them', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина'), store('s2', 'Мира'), store('s3', 'Склад')];
    for (const id of ['s1', 's2', 's3']) backend.rows.set(id, [reviewRow(id, productStock(`${id}-a`, { name: `Товар ${id}` }))]);
    backend.progressList = [progress('s1', { phase: 'done', resultReady: true }), progress('s2'), progress('s3')];
    const s = await reviewOf(backend, ['s1']);
    expect(screen.queryByText(/Готов/)).toBeNull();
    backend.emit({ type: 'pull-progress', progress: progress('s2', { phase: 'done', resultReady: true }) });
    backend.emit({ type: 'pull-progress', progress: progress('s3', { phase: 'background', resultReady: true }) });
    await waitFor(() => screen.getByText(/Готовы ещё 2 магазина/));
    fireEvent.click(screen.getByRole('button', { name: 'показать' }));
    await waitFor(() => expect(s.reviewStoreIds.value).toEqual(['s1', 's2', 's3']));
    await waitFor(() => screen.getByText('Товар s3'));
    expect(screen.queryByText(/Готовы ещё/)).toBeNull();
  });
});

describe('products without documents', () => {
  it('names the depth loaded and offers older months when there are some', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    backend.rows.set('s1', [reviewRow('s1', undecided('u1')), reviewRow('s1', undecided('u2')), reviewRow('s1', productStock('ok'))]);
    backend.progressList = [progress('s1', { phase: 'done', resultReady: true, loadedSince: LOADED, olderMonths: true })];
    await reviewOf(backend, ['s1']);
    screen.getByText(/Магазин «Ленина»: 2 товара — нет ни одного документа с 01\.01\.2024\./);
    fireEvent.click(screen.getByRole('button', { name: 'Загрузить более старые месяцы' }));
    await waitFor(() => expect(backend.callsOf('loadOlderMonths')).toEqual([['s1']]));
  });

  it('says when it is the store\'s whole history, and while older months still load', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    backend.rows.set('s1', [reviewRow('s1', undecided('u1'))]);
    backend.progressList = [progress('s1', { phase: 'done', resultReady: true, loadedSince: LOADED, olderMonths: false })];
    await reviewOf(backend, ['s1']);
    screen.getByText(/Это вся история магазина/);
    expect(screen.queryByRole('button', { name: 'Загрузить более старые месяцы' })).toBeNull();
    backend.emit({ type: 'pull-progress', progress: progress('s1', { phase: 'background', resultReady: true, loadedSince: LOADED, olderMonths: true }) });
    await waitFor(() => screen.getByText(/Более старые месяцы ещё загружаются/));
  });
});
